package server_test

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	dto "github.com/prometheus/client_model/go"
)

// taskUsage makes web's tasks spend CPU time (GET /burn, on a task at
// random each time) until /metrics shows CPU time and memory for each of
// them, labelled with the cluster, service, family and task id, and
// returns the last scrape.
func (f *observeFixture) taskUsage() (map[string]*dto.MetricFamily, []byte) {
	t := f.t
	t.Helper()
	list, err := awsecs.NewFromConfig(f.env.AWS).ListTasks(context.Background(), &awsecs.ListTasksInput{Cluster: aws.String("observe"), ServiceName: aws.String("web")})
	if err != nil || len(list.TaskArns) != 2 {
		t.Fatalf("web's tasks: %v %v", list, err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if code, b := f.get("/burn?ms=50"); code != 200 {
			t.Fatalf("GET /burn: %d %s", code, b)
		}
		fams, raw := f.scrape()
		missing := ""
		for _, arn := range list.TaskArns {
			l := map[string]string{"cluster": "observe", "service": "web", "family": "observe-web", "task_id": arn[strings.LastIndex(arn, "/")+1:]}
			if value(fams, "portolan_ecs_task_memory_bytes", l) < 1<<20 || value(fams, "portolan_ecs_task_cpu_seconds_total", l) <= 0 {
				missing += " " + l["task_id"]
			}
		}
		if missing == "" {
			return fams, raw
		}
		if time.Now().After(deadline) {
			var have []string
			for _, name := range []string{"portolan_ecs_task_cpu_seconds_total", "portolan_ecs_task_memory_bytes", "portolan_ecs_task_usage_sampled_timestamp_seconds"} {
				if fam := fams[name]; fam != nil {
					have = append(have, fam.String())
				}
			}
			t.Fatalf("no CPU time or memory in /metrics for task(s)%s; the series: %v", missing, have)
		}
	}
}
