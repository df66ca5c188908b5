package quickstart_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestConsole opens the web console `portolan up` prints for the quick
// start in headless Chromium, checks the diagram's structure (the API, its
// route, the Cloud Map service, both tasks HEALTHY), scales the service
// with the AWS CLI and waits for the third task to appear in the same
// page, without a reload: the page follows the server's event stream.
func TestConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole quick start and a browser")
	}
	ctx := servertest.Browser(t)
	up := servertest.StartUp(t, t.TempDir(), "examples/quickstart")
	m := regexp.MustCompile(`Console: (http://\S+/_portolan/console/\S*)`).FindStringSubmatch(up.Output())
	if m == nil {
		t.Fatalf("up printed no console URL:\n%s", up.Output())
	}
	if _, err := chromedp.Run(ctx, chromedp.Navigate(m[1])); err != nil {
		t.Fatalf("open %s: %v", m[1], err)
	}
	// The diagram: API → route → integration → VPC link → Cloud Map
	// service → ECS service → two HEALTHY tasks, in that order.
	chain := `.api[data-api-name="quickstart"] .chain:has(.route[data-route-key="ANY /{proxy+}"])`
	waitFor(t, ctx, "the quickstart topology with two HEALTHY tasks", `(() => {
		const c = document.querySelector('`+chain+`');
		if (!c) return false;
		const order = [...c.querySelectorAll('.node')].map(n => n.classList[1]);
		const want = ['route', 'integration', 'vpc-link', 'cloud-map-service', 'ecs-service'];
		if (order.join() !== want.join()) return false;
		if (!c.querySelector('.cloud-map-service[data-target="hello.quickstart.local"]')) return false;
		const tasks = c.querySelectorAll('.ecs-service[data-service="hello"] ~ .tasks .task');
		return tasks.length === 2 && [...tasks].every(t => t.dataset.health === 'HEALTHY' && t.dataset.status === 'RUNNING');
	})()`)
	consoleRates(t, ctx, up, chain)
	consoleDNS(t, ctx, up)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded = true`)); err != nil {
		t.Fatal(err)
	}

	cli := exec.Command("aws", "ecs", "update-service", "--cluster", "quickstart", "--service", "hello", "--desired-count", "3",
		"--endpoint-url", "http://"+up.API, "--region", "us-east-1", "--output", "json")
	cli.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_PAGER=")
	if out, err := cli.CombinedOutput(); err != nil {
		t.Fatalf("aws ecs update-service: %v\n%s", err, out)
	}
	waitFor(t, ctx, "a third task, in the same page", `window.notReloaded === true &&
		document.querySelectorAll('`+chain+` .ecs-service[data-service="hello"] ~ .tasks .task').length === 3`)
	dom, err := chromedp.Run(ctx, chromedp.OuterHTML("main"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`data-stack="quickstart"`, `CREATE_COMPLETE`, `data-namespace="quickstart.local"`} {
		if !strings.Contains(dom, want) {
			t.Errorf("the console shows no %s:\n%s", want, dom)
		}
	}
	// Ctrl-C deletes the stack, and with it the tasks (their processes
	// outlive a killed server by design).
	up.Stop(t)
}

// waitFor polls a JavaScript condition in the console until it holds.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	servertest.WaitInPage(t, ctx, what, cond, "main")
}
