package quickstart_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

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
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium (.ci/run installs it)")
	}
	up := servertest.StartUp(t, t.TempDir(), "examples/quickstart")
	m := regexp.MustCompile(`Console: (http://\S+/_portolan/console/\S*)`).FindStringSubmatch(up.Output())
	if m == nil {
		t.Fatalf("up printed no console URL:\n%s", up.Output())
	}
	ctx := browser(t, chromium)
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

// browser starts headless Chromium for the test.
func browser(t *testing.T, chromium string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return ctx
}

// waitFor polls a JavaScript condition in the page until it holds; the
// generous limit is only there so that a broken console fails the test
// instead of hanging it.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			dom, _ := chromedp.Run(ctx, chromedp.OuterHTML("main"))
			t.Fatalf("the console never showed %s:\n%s", what, dom)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
