package multinode_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/portolan/portolan/internal/server/servertest"
)

// node is one portolan process of the cluster.
type node struct {
	name, ip string
	api, gw  string // host:port
	args     []string
	cmd      *exec.Cmd
}

func freeAddr(t *testing.T, ip string) string {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startNode runs `portolan server` on ip with the given roles, its state
// on etcd, its own data dir (the process runtime's files), and a short
// lease so that a lost node counts as lost quickly.
func startNode(t *testing.T, etcd, name, ip, zone, roles string) *node {
	t.Helper()
	n := &node{name: name, ip: ip, api: freeAddr(t, ip), gw: freeAddr(t, ip)}
	n.args = []string{"server", "--store", "etcd://" + etcd, "--roles", roles, "--node-name", name, "--zone", zone, "--advertise", ip,
		"--lease-ttl", "3s", "--data-dir", filepath.Join(t.TempDir(), name), "--api", n.api, "--gateway", n.gw,
		"--dns", ip + ":0", "--registry-addr", ip + ":0", "--log-level", "warn", "--node-cpu", "4096", "--node-memory", "4096"}
	n.start(t)
	t.Cleanup(func() { n.kill() })
	return n
}

func (n *node) start(t *testing.T) {
	t.Helper()
	n.cmd = exec.Command(servertest.Binary(t), n.args...)
	n.cmd.Stderr = os.Stderr
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	servertest.WaitReady(t, "http://"+n.api)
}

// kill is kill -9: the process gets no chance to hand anything over.
func (n *node) kill() {
	if n.cmd != nil && n.cmd.ProcessState == nil {
		n.cmd.Process.Signal(syscall.SIGKILL)
		n.cmd.Wait()
	}
}

func (n *node) url() string { return "http://" + n.api }

// leader is the node name the controller election's current winner
// campaigned with: the oldest candidate key (etcd's election order).
func leader(t *testing.T, endpoints []string) string {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := cli.Get(ctx, "portolan/cluster/controller", clientv3.WithFirstCreate()...)
		cancel()
		if err == nil && len(resp.Kvs) > 0 {
			return string(resp.Kvs[0].Value)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no controller elected: %v", err)
		}
	}
}

// appProcesses counts the running processes of the app binary: every
// task's one container, on whichever node.
func appProcesses(t *testing.T, app string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if zombie := strings.Contains(string(stat), ") Z "); zombie {
			continue
		}
		if argv0, _, _ := strings.Cut(string(cmdline), "\x00"); argv0 == app {
			n++
		}
	}
	return n
}

// killApps ends whatever task processes a test left (a killed agent's
// tasks outlive it by design).
func killApps(app string) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if argv0, _, _ := strings.Cut(string(cmdline), "\x00"); argv0 == app {
			killPID(pid)
		}
	}
}

// killPID kills process pid as kill -9 does, on any platform.
func killPID(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	defer p.Release()
	return p.Kill()
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	last := ""
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
	}
	t.Fatalf("%s: not after %s; last: %s", what, timeout, last)
}
