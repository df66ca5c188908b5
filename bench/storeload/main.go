// Command storeload times what the store's backend changes for ECS, against
// a running Portolan (bench/store.sh runs it on bolt and on a 3-member etcd
// side by side): RunTask → RUNNING, one task at a time, and a service
// scaled from 0 to -scale tasks until all of them run, then back to 0.
// It prints one result line per phase ("NAME phase key=value ...").
//
// Around the scale-up it reads the Prometheus metrics at -metrics (the
// Portolan server's own, and each etcd member's) and prints the difference
// of every counter named by -count: the store operations the scale-up cost.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/portolan/portolan/internal/server/servertest"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:4566", "Portolan's API")
	name := flag.String("name", "portolan", "label for the output")
	task := flag.String("task", "/bin/sleep", "the task's executable (it is run with the argument 3600)")
	runs := flag.Int("runtask", 20, "RunTask → RUNNING rounds")
	scale := flag.Int("scale", 1000, "tasks in the scale-up")
	metrics := flag.String("metrics", "", "comma-separated Prometheus endpoints read around the scale-up")
	count := flag.String("count", "", "semicolon-separated counters to difference (a line matches when it starts with one: a name, or a name and its first labels)")
	flag.Parse()
	l := &load{ecs: ecs.NewFromConfig(servertest.Config(*endpoint, "test", "test")), name: *name}
	if err := l.run(*task, *runs, *scale, split(*metrics, ","), split(*count, ";")); err != nil {
		fmt.Fprintln(os.Stderr, "storeload:", err)
		os.Exit(1)
	}
}

func split(s, sep string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, sep)
}

type load struct {
	ecs  *ecs.Client
	name string
	td   string
}

var cluster = aws.String("default")

func (l *load) run(task string, runs, scale int, metrics, counters []string) error {
	ctx := context.Background()
	if _, err := l.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: cluster}); err != nil {
		return err
	}
	out, err := l.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("tiny"),
		NetworkMode: types.NetworkModeAwsvpc, RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("tiny"), Image: aws.String(task),
			Command: []string{task, "3600"}}}})
	if err != nil {
		return err
	}
	l.td = aws.ToString(out.TaskDefinition.TaskDefinitionArn)
	if runs > 0 {
		if err := l.runTasks(ctx, runs); err != nil {
			return fmt.Errorf("runtask: %w", err)
		}
	}
	if scale > 0 {
		before, err := scrape(metrics, counters)
		if err != nil {
			return err
		}
		polls, err := l.scaleUp(ctx, scale)
		if err != nil {
			return fmt.Errorf("scale: %w", err)
		}
		after, err := scrape(metrics, counters)
		if err != nil {
			return err
		}
		// Per task: the totals are these times tasks.
		line := fmt.Sprintf("%s ops_per_task tasks=%d polls=%d", l.name, scale, polls)
		for _, c := range counters {
			line += fmt.Sprintf(" %s=%.2f", metricLabel(c), (after[c]-before[c])/float64(scale))
		}
		fmt.Println(line)
		if err := l.scaleDown(ctx); err != nil {
			return fmt.Errorf("scale down: %w", err)
		}
	}
	return nil
}

// runTasks starts one task at a time and times RunTask's call to the
// first DescribeTasks that shows it RUNNING, then stops it.
func (l *load) runTasks(ctx context.Context, runs int) error {
	var lat []time.Duration
	for range runs {
		start := time.Now()
		out, err := l.ecs.RunTask(ctx, &ecs.RunTaskInput{Cluster: cluster, TaskDefinition: &l.td, LaunchType: types.LaunchTypeFargate,
			NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}})
		if err != nil {
			return err
		}
		if len(out.Tasks) != 1 {
			return fmt.Errorf("RunTask started %d tasks, failures %v", len(out.Tasks), out.Failures)
		}
		arn := out.Tasks[0].TaskArn
		for {
			d, err := l.ecs.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: cluster, Tasks: []string{*arn}})
			if err != nil {
				return err
			}
			if s := aws.ToString(d.Tasks[0].LastStatus); s == "RUNNING" {
				break
			} else if s == "STOPPED" {
				return fmt.Errorf("task %s stopped: %s", *arn, aws.ToString(d.Tasks[0].StoppedReason))
			}
			time.Sleep(2 * time.Millisecond)
		}
		lat = append(lat, time.Since(start))
		if _, err := l.ecs.StopTask(ctx, &ecs.StopTaskInput{Cluster: cluster, Task: arn}); err != nil {
			return err
		}
	}
	slices.Sort(lat)
	fmt.Printf("%s runtask n=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n", l.name, runs, ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]), ms(lat[len(lat)-1]))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// scaleUp creates a service of 0 tasks, sets it to n and waits until n
// run (the service's runningCount, one cheap call per poll, so that the
// polling adds little to the store operations counted).
func (l *load) scaleUp(ctx context.Context, n int) (polls int, err error) {
	if _, err := l.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: cluster, ServiceName: aws.String("tiny"), TaskDefinition: &l.td,
		DesiredCount: aws.Int32(0), LaunchType: types.LaunchTypeFargate,
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}}); err != nil {
		return 0, err
	}
	start := time.Now()
	if _, err := l.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: cluster, Service: aws.String("tiny"), DesiredCount: aws.Int32(int32(n))}); err != nil {
		return 0, err
	}
	var first, half time.Duration
	for running := 0; running < n; polls++ {
		time.Sleep(250 * time.Millisecond)
		if running, err = l.running(ctx); err != nil {
			return polls, err
		}
		if first == 0 && running > 0 {
			first = time.Since(start)
		}
		if half == 0 && running >= n/2 {
			half = time.Since(start)
		}
		if time.Since(start) > 20*time.Minute {
			return polls, fmt.Errorf("%d of %d running after 20 minutes", running, n)
		}
	}
	total := time.Since(start)
	fmt.Printf("%s scale tasks=%d first_s=%.1f half_s=%.1f all_s=%.1f tasks_per_s=%.1f\n", l.name, n, first.Seconds(), half.Seconds(), total.Seconds(), float64(n)/total.Seconds())
	return polls, nil
}

func (l *load) running(ctx context.Context) (int, error) {
	d, err := l.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: cluster, Services: []string{"tiny"}})
	if err != nil {
		return 0, err
	}
	if len(d.Services) != 1 {
		return 0, errors.New("service tiny not found")
	}
	return int(d.Services[0].RunningCount), nil
}

// scaleDown deletes the service and waits until every task has stopped,
// so that no task process outlives the run.
func (l *load) scaleDown(ctx context.Context) error {
	if _, err := l.ecs.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: cluster, Service: aws.String("tiny"), Force: aws.Bool(true)}); err != nil {
		return err
	}
	for start := time.Now(); ; time.Sleep(time.Second) {
		left, err := l.notStopped(ctx)
		if err != nil {
			return err
		}
		if left == 0 {
			return nil
		}
		if time.Since(start) > 10*time.Minute {
			return fmt.Errorf("%d tasks not stopped 10 minutes after the service was deleted", left)
		}
	}
}

// notStopped counts the cluster's tasks whose last status is not STOPPED.
func (l *load) notStopped(ctx context.Context) (int, error) {
	left := 0
	for _, desired := range []types.DesiredStatus{types.DesiredStatusRunning, types.DesiredStatusStopped} {
		pages := ecs.NewListTasksPaginator(l.ecs, &ecs.ListTasksInput{Cluster: cluster, DesiredStatus: desired, MaxResults: aws.Int32(100)})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return 0, err
			}
			if len(page.TaskArns) == 0 {
				continue
			}
			d, err := l.ecs.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: cluster, Tasks: page.TaskArns})
			if err != nil {
				return 0, err
			}
			for _, t := range d.Tasks {
				if aws.ToString(t.LastStatus) != "STOPPED" {
					left++
				}
			}
		}
	}
	return left, nil
}

// scrape sums, over every endpoint, the samples of each counter: a sample
// counts when its line starts with the counter's text (a name, or a name
// and the first labels).
func scrape(endpoints, counters []string) (map[string]float64, error) {
	sums := map[string]float64{}
	for _, ep := range endpoints {
		resp, err := http.Get(ep)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			for _, c := range counters {
				if !strings.HasPrefix(line, c) {
					continue
				}
				f := strings.Fields(line)
				if v, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
					sums[c] += v
				}
			}
		}
		resp.Body.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return sums, nil
}

// metricLabel shortens a counter to a key for the output line: the value
// of its last label, or its name (Portolan's commits: server_commits).
func metricLabel(c string) string {
	if c == "portolan_store_commit_duration_seconds_count" {
		return "server_commits"
	}
	if i := strings.LastIndex(c, "=\""); i >= 0 {
		return strings.Trim(c[i+2:], "\",}")
	}
	return c
}
