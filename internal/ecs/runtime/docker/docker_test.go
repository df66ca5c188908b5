package docker_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/portolan/portolan/internal/ecs/runtime"
	"github.com/portolan/portolan/internal/ecs/runtime/docker"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
)

// engine returns a client of the local engine, or skips the test if there
// is none.
func engine(t testing.TB) *client.Client {
	t.Helper()
	cli, err := client.New(client.FromEnv)
	if err != nil {
		t.Skipf("no docker client: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		t.Skipf("no docker engine: %v", err)
	}
	return cli
}

// appImage builds the test app into a FROM scratch image, removed when the
// test ends.
func appImage(t testing.TB, cli *client.Client) string {
	t.Helper()
	tag := "portolan-test/app:" + runtimetest.NewTaskID()[:12]
	if err := docker.BuildScratchImage(runtimetest.Context(t), cli, tag, runtimetest.BuildApp(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	})
	return tag
}

// newDriver returns a driver for owner that removes everything of its owner
// when the test ends, whatever the test left.
func newDriver(t testing.TB, cli *client.Client, cfg docker.Config) *docker.Driver {
	t.Helper()
	cfg.Client = cli
	d, err := docker.New(runtimetest.Context(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := d.RemoveAll(ctx); err != nil {
			t.Errorf("RemoveAll: %v", err)
		}
	})
	return d
}

func testOwner() string { return "portolan-test-" + runtimetest.NewTaskID()[:12] }

func TestConformance(t *testing.T) {
	cli := engine(t)
	owner := testOwner()
	// One driver first, so that the parallel tests do not all build the
	// pause image at once.
	newDriver(t, cli, docker.Config{Owner: owner})
	runtimetest.Run(t, runtimetest.Harness{
		New: func(t *testing.T, key string) runtime.Driver {
			return newDriver(t, cli, docker.Config{Owner: owner + "-" + key})
		},
		App:          appImage(t, cli),
		AppPath:      "/app",
		MissingImage: "portolan-test/no-such-image:latest",
		// The containers of a task share the pause container's namespace.
		TaskLocal: func(runtime.Task) string { return "127.0.0.1" },
	})
}

// TestNetworkAndDNS checks the cluster network (a subnet of the pool, removed
// with its last task), the DNS settings tasks get, and the labels.
func TestNetworkAndDNS(t *testing.T) {
	cli := engine(t)
	ctx := runtimetest.Context(t)
	pool := netip.MustParsePrefix("10.213.0.0/16")
	d := newDriver(t, cli, docker.Config{
		Owner:      testOwner(),
		DNSServers: []netip.Addr{netip.MustParseAddr("192.0.2.53")},
		DNSSearch:  []string{"svc.portolan.test"},
		SubnetPool: pool,
	})
	h := runtimetest.Harness{App: appImage(t, cli), AppPath: "/app"}
	task, err := d.ProvisionTask(ctx, runtime.TaskSpec{TaskID: runtimetest.NewTaskID(), Cluster: "dns"})
	if err != nil {
		t.Fatal(err)
	}
	if !pool.Contains(task.Address) {
		t.Errorf("task address %v is outside the pool %v", task.Address, pool)
	}
	st := runtimetest.Start(t, d, task, h.AppSpec("web", 8080, nil))
	// On a user-defined network the engine's embedded resolver (127.0.0.11)
	// is the nameserver; it forwards to the servers the pause container has.
	resolv := string(runtimetest.WaitHTTP(t, runtimetest.URL(task.Address, 8080, "/file?path=/etc/resolv.conf"), 15*time.Second))
	if !strings.Contains(resolv, "search svc.portolan.test") {
		t.Errorf("resolv.conf of a task container:\n%s", resolv)
	}
	p, err := cli.ContainerInspect(ctx, "portolan-"+task.ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if dns := p.Container.HostConfig.DNS; len(dns) != 1 || dns[0] != netip.MustParseAddr("192.0.2.53") {
		t.Errorf("pause container DNS = %v, want [192.0.2.53]", dns)
	}

	c, err := cli.ContainerInspect(ctx, st.ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"portolan.ecs.task-id": task.ID, "portolan.ecs.cluster": "dns", "portolan.ecs.container-name": "web"} {
		if got := c.Container.Config.Labels[k]; got != v {
			t.Errorf("label %s = %q, want %q", k, got, v)
		}
	}
	nets, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: make(client.Filters).Add("label", "portolan.ecs.cluster=dns", "portolan.owner="+c.Container.Config.Labels["portolan.owner"])})
	if err != nil || len(nets.Items) != 1 {
		t.Fatalf("cluster networks = %+v, %v; want one", nets.Items, err)
	}
	if sub := nets.Items[0].IPAM.Config[0].Subnet; !sub.Contains(task.Address) || sub.Bits() != 24 || !pool.Contains(sub.Addr()) {
		t.Errorf("network subnet %v; want a /24 of %v holding %v", sub, pool, task.Address)
	}

	if err := d.DeprovisionTask(ctx, task.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.NetworkInspect(ctx, nets.Items[0].ID, client.NetworkInspectOptions{}); err == nil {
		t.Errorf("the cluster network outlived its last task")
	}
}

// TestDNSNetwork: with Config.DNS the driver has the DNS server listen on
// port 53 of its DNS network's gateway and makes that the tasks' first
// nameserver, so that an app in a FROM scratch container resolves names
// through it; a restarted driver finds the same network, RemoveAll removes
// it, and a DNS server that cannot listen leaves tasks the configured
// servers.
func TestDNSNetwork(t *testing.T) {
	cli := engine(t)
	ctx := runtimetest.Context(t)
	owner := testOwner()
	pool := netip.MustParsePrefix("10.213.0.0/16")
	other := netip.MustParseAddr("192.0.2.53")
	srv := &fakeDNS{t: t}
	d := newDriver(t, cli, docker.Config{Owner: owner, DNS: srv, DNSServers: []netip.Addr{other}, SubnetPool: pool})
	servers := d.DNSServers()
	if len(servers) != 2 || !pool.Contains(servers[0]) || servers[1] != other || len(srv.addrs) != 1 || srv.addrs[0] != netip.AddrPortFrom(servers[0], 53).String() {
		t.Fatalf("DNSServers %v, listened on %v", servers, srv.addrs)
	}
	gw := servers[0]

	// An app in a task calls itself by a name only the fake DNS server
	// knows, through the engine's resolver in the task.
	task, err := d.ProvisionTask(ctx, runtime.TaskSpec{TaskID: runtimetest.NewTaskID(), Cluster: "dnsnet"})
	if err != nil {
		t.Fatal(err)
	}
	srv.answer.Store(&task.Address)
	h := runtimetest.Harness{App: appImage(t, cli), AppPath: "/app"}
	runtimetest.Start(t, d, task, h.AppSpec("web", 8080, map[string]string{
		"SERVICE_NAME": "web", "REQUEST_URLS": "http://self.portolan.test:8080/message"}))
	body := string(runtimetest.WaitHTTP(t, runtimetest.URL(task.Address, 8080, "/request"), 15*time.Second))
	if want := "http://self.portolan.test:8080/message " + netip.AddrPortFrom(task.Address, 8080).String() + " web\n"; body != want {
		t.Errorf("/request = %q, want %q", body, want)
	}
	p, err := cli.ContainerInspect(ctx, "portolan-"+task.ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if dns := p.Container.HostConfig.DNS; len(dns) != 2 || dns[0] != gw || dns[1] != other {
		t.Errorf("pause container DNS = %v, want [%v %v]", dns, gw, other)
	}

	// Restarted, the driver finds the same network.
	again := &fakeDNS{t: t, record: true}
	d2 := newDriver(t, cli, docker.Config{Owner: owner, DNS: again, SubnetPool: pool})
	if got := d2.DNSServers(); len(got) != 1 || got[0] != gw {
		t.Errorf("restarted driver's DNSServers %v, want [%v]", got, gw)
	}
	if err := d2.RemoveAll(ctx); err != nil {
		t.Fatal(err)
	}
	nets, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: make(client.Filters).Add("label", "portolan.owner="+owner)})
	if err != nil || len(nets.Items) != 0 {
		t.Errorf("networks after RemoveAll: %+v, %v", nets.Items, err)
	}

	// A DNS server that cannot listen: tasks keep the configured servers.
	failing := &fakeDNS{t: t, err: fmt.Errorf("listen: permission denied")}
	d3 := newDriver(t, cli, docker.Config{Owner: testOwner(), DNS: failing, DNSServers: []netip.Addr{other}})
	if got := d3.DNSServers(); len(got) != 1 || got[0] != other {
		t.Errorf("DNSServers without Portolan's DNS: %v, want [%v]", got, other)
	}
}

// fakeDNS plays Portolan's DNS server: it answers every A query with the
// address in answer, over UDP and TCP, until the test ends. With record
// it only notes the addresses; with err it fails.
type fakeDNS struct {
	t      *testing.T
	record bool
	err    error
	addrs  []string
	answer atomic.Pointer[netip.Addr]
}

func (f *fakeDNS) Listen(addr string) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	f.addrs = append(f.addrs, addr)
	if f.record {
		return addr, nil
	}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		if a := f.answer.Load(); a != nil && q.Question[0].Qtype == dns.TypeA {
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 1}, A: a.AsSlice()})
		}
		w.WriteMsg(m)
	})
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		pc.Close()
		return "", err
	}
	for _, s := range []*dns.Server{{PacketConn: pc, Handler: handler}, {Listener: ln, Handler: handler}} {
		go s.ActivateAndServe()
		f.t.Cleanup(func() { s.Shutdown() })
	}
	return addr, nil
}

// TestWarmPool: the first task of a cluster starts its pause container; the
// next ones get a warm one, renamed, which the driver replaces in the
// background. A restarted driver removes the warm containers it finds and
// re-adopts the tasks by their pause containers' names; a warm container
// that is not running yet is claimed and started; the last task's
// deprovisioning takes the warm container and the network along.
func TestWarmPool(t *testing.T) {
	cli := engine(t)
	ctx := runtimetest.Context(t)
	owner := testOwner()
	d := newDriver(t, cli, docker.Config{Owner: owner})
	h := runtimetest.Harness{App: appImage(t, cli), AppPath: "/app"}
	owned := func(all bool, name string) []string {
		t.Helper()
		return ownedContainers(ctx, t, cli, owner, all, name)
	}
	// waitWarm waits for one running warm container other than not.
	waitWarm := func(not string) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			if ids := owned(false, `^/portolan\.warm\.`); len(ids) == 1 && ids[0] != not {
				return ids[0]
			} else if len(ids) > 1 {
				t.Fatalf("%d warm pause containers, want one", len(ids))
			}
			if time.Now().After(deadline) {
				t.Fatal("no warm pause container")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	first, err := d.ProvisionTask(ctx, runtime.TaskSpec{TaskID: runtimetest.NewTaskID(), Cluster: "warm"})
	if err != nil {
		t.Fatal(err)
	}
	warm := waitWarm("")
	second, err := d.ProvisionTask(ctx, runtime.TaskSpec{TaskID: runtimetest.NewTaskID(), Cluster: "warm"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := cli.ContainerInspect(ctx, "portolan-"+second.ID, client.ContainerInspectOptions{})
	if err != nil || p.Container.ID != warm {
		t.Fatalf("second task's pause container %v, %v; want the warm one %s", p.Container.ID, err, warm)
	}
	if !second.Address.IsValid() || second.Address == first.Address {
		t.Errorf("addresses %v and %v", first.Address, second.Address)
	}
	again, err := d.ProvisionTask(ctx, runtime.TaskSpec{TaskID: second.ID, Cluster: "warm"})
	if err != nil || again.Address != second.Address {
		t.Errorf("ProvisionTask again = %v, %v; want %v", again.Address, err, second.Address)
	}
	web := runtimetest.Start(t, d, second, h.AppSpec("web", 8080, nil))
	runtimetest.Info(t, runtimetest.URL(second.Address, 8080, "/"))
	waitWarm(warm)

	// Tasks provisioned at once get one address each, the warm one at most
	// once.
	addrs := map[netip.Addr]bool{first.Address: true, second.Address: true}
	provisionConcurrently(ctx, t, d, 4, addrs)
	waitWarm("")
	d.WaitFills()

	// The server restarts.
	d2 := newDriver(t, cli, docker.Config{Owner: owner})
	if ids := owned(true, `^/portolan\.warm\.`); len(ids) != 0 {
		t.Errorf("warm pause containers after a restart: %v", ids)
	}
	tasks, err := d2.List(ctx)
	if err != nil || len(tasks) != 6 {
		t.Fatalf("List = %+v, %v; want 6 tasks", tasks, err)
	}
	for _, task := range tasks {
		if !addrs[task.Address] || task.Cluster != "warm" || (task.ID == second.ID) != (len(task.Containers) == 1) {
			t.Errorf("listed task %+v", task)
		}
	}

	// A warm container that is not running (one a fill is starting, or one
	// an engine restart stopped) is claimed and started.
	res, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: "portolan.warm.test" + runtimetest.NewTaskID()[:8],
		Config: &container.Config{Image: p.Container.Config.Image, Labels: map[string]string{
			"portolan.owner": owner, "portolan.role": "pause", "portolan.ecs.cluster": "warm"}},
		HostConfig: &container.HostConfig{NetworkMode: p.Container.HostConfig.NetworkMode},
	})
	if err != nil {
		t.Fatal(err)
	}
	third, err := d2.ProvisionTask(ctx, runtime.TaskSpec{TaskID: runtimetest.NewTaskID(), Cluster: "warm"})
	if err != nil || addrs[third.Address] || !third.Address.IsValid() {
		t.Fatalf("ProvisionTask = %v, %v; taken: %v", third.Address, err, addrs)
	}
	if p, err := cli.ContainerInspect(ctx, "portolan-"+third.ID, client.ContainerInspectOptions{}); err != nil || p.Container.ID != res.ID || !p.Container.State.Running {
		t.Errorf("third task's pause container %v, %v; want %s, running", p.Container.ID, err, res.ID)
	}
	d2.WaitFills()
	if tasks, err = d2.List(ctx); err != nil || len(tasks) != 7 {
		t.Fatalf("List = %+v, %v; want 7 tasks", tasks, err)
	}
	for _, task := range tasks {
		if err := d2.DeprovisionTask(ctx, task.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d2.Inspect(ctx, web.ID); err == nil {
		t.Error("a task container outlived DeprovisionTask")
	}
	if ids := owned(true, ""); len(ids) != 0 {
		t.Errorf("containers after the last task went: %v", ids)
	}
	nets, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: make(client.Filters).Add("label", "portolan.owner="+owner)})
	if err != nil || len(nets.Items) != 0 {
		t.Errorf("networks after the last task went: %+v, %v", nets.Items, err)
	}
}

// ownedContainers lists the containers of owner (stopped ones too if all),
// by name if name is set.
func ownedContainers(ctx context.Context, t *testing.T, cli *client.Client, owner string, all bool, name string) []string {
	t.Helper()
	f := make(client.Filters).Add("label", "portolan.owner="+owner)
	if name != "" {
		f.Add("name", name)
	}
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: all, Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range list.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

// provisionConcurrently provisions n tasks at once and checks that each
// gets an address not yet in taken, and adds it there.
func provisionConcurrently(ctx context.Context, t *testing.T, d *docker.Driver, n int, taken map[netip.Addr]bool) {
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			task, err := d.ProvisionTask(ctx, runtime.TaskSpec{TaskID: runtimetest.NewTaskID(), Cluster: "warm"})
			mu.Lock()
			defer mu.Unlock()
			if err != nil || taken[task.Address] {
				t.Errorf("concurrent ProvisionTask = %v, %v; taken: %v", task.Address, err, taken)
			}
			taken[task.Address] = true
		}()
	}
	wg.Wait()
}

// TestMemoryLimit checks that the memory limit holds and an OOM kill is
// reported as ECS reports it.
func TestMemoryLimit(t *testing.T) {
	cli := engine(t)
	ctx := runtimetest.Context(t)
	d := newDriver(t, cli, docker.Config{Owner: testOwner()})
	h := runtimetest.Harness{App: appImage(t, cli), AppPath: "/app"}
	task := runtimetest.Provision(t, d, "oom")
	// The engine (20.10, cgroup v1) misses an OOM kill's flag when the exit
	// reaches it first, likelier while it starts another container: let the
	// cluster's warm pause container come up first.
	d.WaitFills()
	spec := h.AppSpec("hog", 8080, map[string]string{"BALLAST_MB": "64"})
	spec.Memory = 16
	st := runtimetest.Start(t, d, task, spec)
	e, err := d.Wait(ctx, st.ID)
	if err != nil || e.Code != 137 || !strings.HasPrefix(e.Reason, "OutOfMemoryError") {
		t.Errorf("Wait = %+v, %v; want 137 with an OutOfMemoryError reason", e, err)
	}
}

// BenchmarkStartToRunning measures a task container from StartContainer to
// the app accepting TCP ("container": the task is provisioned untimed) and
// a whole task from ProvisionTask ("task": pause container included, the
// warm one when its replacement has come up since the last task, or is
// coming up; "vpc-task": a task in a subnet, whose pause container is
// never a warm one).
func BenchmarkStartToRunning(b *testing.B) {
	cli := engine(b)
	ctx := context.Background() // a benchmark may run for longer than Context allows
	d := newDriver(b, cli, docker.Config{Owner: testOwner()})
	h := runtimetest.Harness{App: appImage(b, cli), AppPath: "/app"}
	spec := h.AppSpec("web", 8080, nil)
	subnet := runtime.Subnet{ID: "subnet-0e0e0e01", VpcID: "vpc-0e0e0e0e",
		CIDR: netip.MustParsePrefix("10.214.113.0/24"), VpcCIDR: netip.MustParsePrefix("10.214.112.0/20")}
	// Tasks that keep the cluster's and the VPC's networks up, as running
	// services would.
	runtimetest.Provision(b, d, "bench")
	if _, err := d.ProvisionTask(ctx, runtime.TaskSpec{TaskID: runtimetest.NewTaskID(), Cluster: "bench", Subnet: subnet}); err != nil {
		b.Fatal(err)
	}

	for _, c := range []struct {
		name     string
		withTask bool
		subnet   runtime.Subnet
	}{{"container", false, runtime.Subnet{}}, {"task", true, runtime.Subnet{}}, {"vpc-task", true, subnet}} {
		withTask := c.withTask
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				id := runtimetest.NewTaskID()
				if withTask {
					b.StartTimer()
				}
				task, err := d.ProvisionTask(ctx, runtime.TaskSpec{TaskID: id, Cluster: "bench", Subnet: c.subnet})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := d.StartContainer(ctx, id, spec); err != nil {
					b.Fatal(err)
				}
				runtimetest.WaitAccept(b, netip.AddrPortFrom(task.Address, 8080).String(), 15*time.Second)
				b.StopTimer()
				if err := d.DeprovisionTask(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStartToRunningVsDockerRun runs, side by side, a whole task
// through the driver and a plain `docker run -d` of the same image on the
// same network, each until the app accepts TCP, and reports both and their
// ratio. The driver starts the cluster's next warm pause container while
// the task's own container starts: the task pays for that, and `docker run`
// starts only once it is up.
func BenchmarkStartToRunningVsDockerRun(b *testing.B) {
	cli := engine(b)
	dockerCLI, err := exec.LookPath("docker")
	if err != nil {
		b.Skip("no docker CLI")
	}
	ctx := context.Background() // a benchmark may run for longer than Context allows
	owner := testOwner()
	d := newDriver(b, cli, docker.Config{Owner: owner})
	h := runtimetest.Harness{App: appImage(b, cli), AppPath: "/app"}
	spec := h.AppSpec("web", 8080, nil)
	keep := runtimetest.Provision(b, d, "bench")
	p, err := cli.ContainerInspect(ctx, "portolan-"+keep.ID, client.ContainerInspectOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var network string
	for n := range p.Container.NetworkSettings.Networks {
		network = n
	}
	// An address of the network no task will get soon: the engine hands
	// them out from the bottom.
	fixed := netip.AddrFrom4([4]byte{keep.Address.As4()[0], keep.Address.As4()[1], keep.Address.As4()[2], 250})

	var portolan, plain time.Duration
	for i := range b.N {
		id := runtimetest.NewTaskID()
		start := time.Now()
		task, err := d.ProvisionTask(ctx, runtime.TaskSpec{TaskID: id, Cluster: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.StartContainer(ctx, id, spec); err != nil {
			b.Fatal(err)
		}
		runtimetest.WaitAccept(b, netip.AddrPortFrom(task.Address, 8080).String(), 15*time.Second)
		portolan += time.Since(start)
		if err := d.DeprovisionTask(ctx, id); err != nil {
			b.Fatal(err)
		}
		waitWarm(b, cli, owner)

		name := fmt.Sprintf("portolan-bench-%s-%d", owner, i)
		start = time.Now()
		out, err := exec.Command(dockerCLI, "run", "-d", "--name", name, "--label", "portolan.owner="+owner,
			"--network", network, "--ip", fixed.String(), "-e", "PORT=8080", h.App).CombinedOutput()
		if err != nil {
			b.Fatalf("docker run: %v\n%s", err, out)
		}
		runtimetest.WaitAccept(b, netip.AddrPortFrom(fixed, 8080).String(), 15*time.Second)
		plain += time.Since(start)
		if out, err := exec.Command(dockerCLI, "rm", "-f", name).CombinedOutput(); err != nil {
			b.Fatalf("docker rm: %v\n%s", err, out)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(portolan.Milliseconds())/n, "portolan-ms/op")
	b.ReportMetric(float64(plain.Milliseconds())/n, "docker-run-ms/op")
	b.ReportMetric(float64(portolan)/float64(plain), "ratio")
}

// waitWarm waits until owner has a running warm pause container.
func waitWarm(b *testing.B, cli *client.Client, owner string) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		list, err := cli.ContainerList(context.Background(), client.ContainerListOptions{Filters: make(client.Filters).
			Add("label", "portolan.owner="+owner).Add("name", `^/portolan\.warm\.`)})
		if err != nil {
			b.Fatal(err)
		}
		if len(list.Items) > 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatal("no warm pause container")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
