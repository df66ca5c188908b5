// Package etcdtest runs real etcd members (the etcd binary, Debian's
// etcd-server package) for tests of the etcd store and of servers on it.
// A member listens on a test-chosen loopback address with ports the kernel
// picked, keeps its data in the test's directory, and is killed when the
// test ends. Without the binary the test is skipped, unless CI is set (CI
// installs it, so there a missing binary is a failure).
//
// Why the binary rather than go.etcd.io/etcd/server/v3/embed: a member in
// a process of its own dies as a crashed machine does (SIGKILL, its fsyncs
// the only thing that survives), which an embedded server sharing the
// test's process cannot; the test runs what users run; and the whole etcd
// server's dependency tree stays out of go.mod. Debian ships 3.4.23; the
// store's client is 3.6, which speaks the same v3 API.
package etcdtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Member is one running etcd process.
type Member struct {
	Name    string
	Dir     string
	Client  string    // host:port of the client listener
	Peer    string    // host:port of the peer listener
	cluster string    // --initial-cluster
	tls     *TLSFiles // client TLS, when StartTLS made the member
	cmd     *exec.Cmd
	done    chan struct{}
}

// Binary returns the etcd binary's path, skipping t when there is none
// (failing it under CI).
func Binary(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("etcd")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("etcd not installed (apt-get install etcd-server): %v", err)
		}
		t.Skip("etcd not installed (apt-get install etcd-server)")
	}
	return path
}

// Start runs a single-member cluster on ip (a loopback address of the
// test's range) with its data in dir.
func Start(t testing.TB, ip, dir string) *Member {
	t.Helper()
	return StartCluster(t, []string{ip}, dir)[0]
}

// StartCluster runs one member per address, all in one cluster, each
// with its data under dir/<name>.
func StartCluster(t testing.TB, ips []string, dir string) []*Member {
	t.Helper()
	Binary(t)
	members := make([]*Member, len(ips))
	var initial []string
	for i, ip := range ips {
		m := &Member{Name: fmt.Sprintf("m%d", i), Client: freeAddr(t, ip), Peer: freeAddr(t, ip)}
		m.Dir = filepath.Join(dir, m.Name)
		members[i] = m
		initial = append(initial, m.Name+"=http://"+m.Peer)
	}
	for _, m := range members {
		m.cluster = strings.Join(initial, ",")
		m.start(t)
	}
	for _, m := range members {
		m.WaitReady(t)
	}
	return members
}

// Endpoints lists the members' client addresses.
func Endpoints(members []*Member) []string {
	var out []string
	for _, m := range members {
		out = append(out, m.Client)
	}
	return out
}

// freeAddr picks a port the kernel says is free on ip.
func freeAddr(t testing.TB, ip string) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("etcdtest: no free port on %s: %v", ip, err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (m *Member) start(t testing.TB) {
	t.Helper()
	if err := os.MkdirAll(m.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	logf, err := os.OpenFile(filepath.Join(m.Dir, "etcd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	scheme, tlsArgs := "http://", []string(nil)
	if m.tls != nil {
		scheme = "https://"
		tlsArgs = []string{"--cert-file", m.tls.serverCert, "--key-file", m.tls.serverKey,
			"--trusted-ca-file", m.tls.CA, "--client-cert-auth"}
	}
	m.cmd = exec.Command(Binary(t), append([]string{
		"--name", m.Name,
		"--data-dir", filepath.Join(m.Dir, "data"),
		"--listen-client-urls", scheme + m.Client,
		"--advertise-client-urls", scheme + m.Client,
		"--listen-peer-urls", "http://" + m.Peer,
		"--initial-advertise-peer-urls", "http://" + m.Peer,
		"--initial-cluster", m.cluster,
		"--initial-cluster-token", "etcdtest-" + m.cluster,
		"--initial-cluster-state", "new", // ignored once the data dir holds a member
		"--max-txn-ops", "16384", // the store's documented minimum is 4096
		"--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn",
	}, tlsArgs...)...)
	m.cmd.Stdout, m.cmd.Stderr = logf, logf
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("etcdtest: start etcd: %v", err)
	}
	done := make(chan struct{})
	m.done = done
	cmd := m.cmd
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { m.Kill() })
}

// WaitReady waits until the member answers a linearizable read (so it
// has joined a cluster with a leader).
func (m *Member) WaitReady(t testing.TB) {
	t.Helper()
	cfg := clientv3.Config{Endpoints: []string{m.Client}, DialTimeout: time.Second, Logger: zap.NewNop()}
	if m.tls != nil {
		info := transport.TLSInfo{CertFile: m.tls.ClientCert, KeyFile: m.tls.ClientKey, TrustedCAFile: m.tls.CA}
		tc, err := info.ClientConfig()
		if err != nil {
			t.Fatal(err)
		}
		cfg.TLS = tc
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := cli.Get(ctx, "etcdtest-ready")
		cancel()
		if err == nil {
			return
		}
		select {
		case <-m.done:
			log, _ := os.ReadFile(filepath.Join(m.Dir, "etcd.log"))
			t.Fatalf("etcdtest: etcd %s exited:\n%s", m.Name, log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("etcdtest: etcd %s not ready: %v", m.Name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill ends the member with SIGKILL, as a crash would, and waits for it.
func (m *Member) Kill() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	m.cmd.Process.Kill()
	<-m.done
}

// Restart kills the member and starts it again on the same data and
// addresses, then waits until it serves.
func (m *Member) Restart(t testing.TB) {
	t.Helper()
	m.Kill()
	m.start(t)
	m.WaitReady(t)
}

// Leader returns the member that leads the cluster now.
func Leader(t testing.TB, members []*Member) *Member {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: Endpoints(members), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	for _, m := range members {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := cli.Status(ctx, m.Client)
		cancel()
		if err == nil && st.Leader == st.Header.MemberId {
			return m
		}
	}
	t.Fatal("etcdtest: no member leads")
	return nil
}
