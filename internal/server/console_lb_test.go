package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/admin"
	"github.com/portolan/portolan/internal/server/servertest"
)

// consoleShowsALB reads the console's event stream while requests go
// through the load balancer at lbAddr, until a view shows the load
// balancer's listener forwarding to the target group with its target, and
// a non-zero request rate on the listener → group edge.
func consoleShowsALB(t *testing.T, env *servertest.Env, lbName, tgARN, lbAddr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+env.Server.APIAddr()+"/_portolan/console/events", nil)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	go func() { // the load, until the test has seen its rate
		client := &http.Client{Timeout: 5 * time.Second}
		for ctx.Err() == nil {
			if r, err := client.Get("http://" + lbAddr + "/"); err == nil {
				r.Body.Close()
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, 1<<20)
	var last string
	for lines.Scan() {
		data, ok := strings.CutPrefix(lines.Text(), "data: ")
		if !ok {
			continue
		}
		var v admin.ConsoleView
		must(t, json.Unmarshal([]byte(data), &v))
		last = data
		for _, lb := range v.Status.LoadBalancers {
			if lb.Name != lbName || len(lb.Listeners) != 1 {
				continue
			}
			l := lb.Listeners[0]
			if len(l.TargetGroups) == 1 && l.TargetGroups[0].ARN == tgARN && len(l.TargetGroups[0].Targets) == 1 &&
				v.Rates.Listeners[l.Address+" "+tgARN] > 0 {
				return
			}
		}
	}
	t.Fatalf("no view showed the load balancer %s with a rate to its group (%v); the last:\n%s", lbName, lines.Err(), last)
}
