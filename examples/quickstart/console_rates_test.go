package quickstart_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/server/servertest"
)

// consoleRates runs a load on the quick start's API and waits until the
// page shows a non-zero rate on every edge of the route's chain, down to
// each task, and the nodes' health; then the load stops.
func consoleRates(t *testing.T, ctx context.Context, up *servertest.Up, chain string) {
	t.Helper()
	apiID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.api[data-api-name="quickstart"]').dataset.apiId`))
	if err != nil {
		t.Fatal(err)
	}
	stop := load(t, up.Gateway, apiID+".execute-api.localhost")
	defer stop()
	edges := []string{"api-route", "route-integration", "integration-vpc-link", "vpc-link-cloud-map-service", "cloud-map-service-ecs-service"}
	waitFor(t, ctx, "a rate on every edge from the route to each task, and healthy nodes", `(() => {
		const c = document.querySelector('`+chain+`');
		if (!c) return false;
		const rate = e => e ? Number(e.dataset.rate) : 0;
		for (const kind of `+jsArray(edges)+`) if (!(rate(c.querySelector('.edge[data-edge="' + kind + '"]')) > 0)) return false;
		const tasks = [...c.querySelectorAll('.task')];
		if (tasks.length < 2 || !tasks.every(t => rate(t.querySelector('.edge[data-edge="ecs-service-task"]')) > 0)) return false;
		return ['.vpc-link', '.cloud-map-service', '.ecs-service'].every(s => c.querySelector(s).dataset.health === 'HEALTHY');
	})()`)
}

// load calls the API through the gateway until stop is called.
func load(t *testing.T, gateway, host string) (stop func()) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, gateway)
		}}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		answered := map[string]int{}
		defer func() { t.Logf("the load's answers: %v", answered) }()
		for ctx.Err() == nil {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/hello", nil)
			resp, err := client.Do(req)
			if err != nil {
				answered[err.Error()]++
				continue
			}
			resp.Body.Close()
			answered[resp.Status]++
			time.Sleep(10 * time.Millisecond)
		}
	})
	return func() { cancel(); wg.Wait() }
}

func jsArray(ss []string) string {
	b, _ := json.Marshal(ss)
	return string(b)
}

// consoleDNS: the console's DNS view of hello.quickstart.local holds the
// records dig gets from Portolan's DNS server: the SRV answer, and the A
// records of its targets (SRV's additional section, and each asked alone).
func consoleDNS(t *testing.T, ctx context.Context, up *servertest.Up) {
	t.Helper()
	const name = "hello.quickstart.local."
	waitFor(t, ctx, "two SRV records in the DNS view", `document.querySelectorAll('#dns table[data-name="hello.quickstart.local"] tr.rr[data-type="SRV"]').length === 2`)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]struct{ Name, Type, TTL, Value string }](`[...document.querySelectorAll('#dns table[data-name="hello.quickstart.local"] tr.rr')].map(r => ({Name: r.dataset.name, Type: r.dataset.type, TTL: r.dataset.ttl, Value: r.dataset.value}))`))
	if err != nil {
		t.Fatal(err)
	}
	var console []string
	for _, r := range rows {
		rr, err := dns.NewRR(r.Name + " " + r.TTL + " IN " + r.Type + " " + r.Value)
		if err != nil {
			t.Fatalf("the DNS view's %+v: %v", r, err)
		}
		console = append(console, rr.String())
	}
	srv := digRRs(t, up.DNS, name, "SRV")
	var targets []string
	for _, rr := range srv {
		if s, ok := rr.(*dns.SRV); ok {
			targets = append(targets, rrSet(digRRs(t, up.DNS, s.Target, "A"))...)
		}
	}
	want := rrSet(srv)
	slices.Sort(targets)
	targets = slices.Compact(targets)
	aInView := []string{}
	for _, s := range console {
		if strings.Contains(s, "\tA\t") {
			aInView = append(aInView, s)
		}
	}
	slices.Sort(console)
	slices.Sort(aInView)
	if !slices.Equal(console, want) {
		t.Errorf("the console's DNS view:\n%s\ndig's SRV answer and additional records:\n%s", strings.Join(console, "\n"), strings.Join(want, "\n"))
	}
	if len(aInView) != 2 || !slices.Equal(aInView, targets) {
		t.Errorf("the console's A records:\n%s\ndig's A answers for the SRV targets:\n%s", strings.Join(aInView, "\n"), strings.Join(targets, "\n"))
	}
}

// digRRs runs dig against Portolan's DNS and returns the answer and
// additional records of name's type.
func digRRs(t *testing.T, addr, name, qtype string) []dns.RR {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command("dig", "@"+host, "-p", port, "+tcp", "+noall", "+answer", "+additional", name, qtype).CombinedOutput()
	if err != nil {
		t.Fatalf("dig %s %s: %v\n%s", name, qtype, err, out)
	}
	var rrs []dns.RR
	for line := range strings.Lines(string(out)) {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, ";") {
			continue
		}
		rr, err := dns.NewRR(line)
		if err != nil {
			t.Fatalf("dig's %q: %v", line, err)
		}
		rrs = append(rrs, rr)
	}
	return rrs
}

func rrSet(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, rr.String())
	}
	slices.Sort(out)
	return out
}
