package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/apigw/gateway"
	"github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/ecs/runtime"
	"github.com/portolan/portolan/internal/ecs/runtime/docker"
	"github.com/portolan/portolan/internal/ecs/runtime/process"
	"github.com/portolan/portolan/internal/logs"
)

// nodeID is this data dir's identity, made once and kept in the data dir:
// the runtimes label what they start with it, so a restarted server finds
// its own tasks and never another server's.
func nodeID(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "node-id")
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	b := make([]byte, 8)
	rand.Read(b)
	id := "portolan-" + hex.EncodeToString(b)
	return id, os.WriteFile(path, []byte(id+"\n"), 0o644)
}

// newDriver makes the configured runtime. The docker runtime also has the
// DNS server listen on an address the task containers reach, and makes it
// their nameserver, so that apps resolve Cloud Map names as on ECS; it
// pulls ECR's images from Portolan's registry.
func newDriver(cfg Config, dnsServer *dns.Server, images docker.Registry, log *slog.Logger) (runtime.Driver, error) {
	owner, err := nodeID(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("node id: %w", err)
	}
	switch cfg.Runtime {
	case "docker":
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return docker.New(ctx, docker.Config{Owner: owner, DNS: dnsServer, DNSSearch: cfg.DNSSearch, SubnetPool: docker.DefaultSubnetPool, Registry: images, Logger: log})
	default:
		mode, shared, err := processAddresses(cfg)
		if err != nil {
			return nil, err
		}
		d, err := process.New(process.Config{StateDir: filepath.Join(cfg.DataDir, "runtime", "process"), Owner: owner, TaskAddresses: mode, SharedAddress: shared, Logger: log})
		if err != nil {
			return nil, err
		}
		// Which it is matters to anyone calling a task by hand: an address
		// per task, or 127.0.0.1 and the host port describe-tasks shows.
		log.Info("process runtime task addresses", "mode", d.AddressMode(), "requested", mode, "addressPool", d.AddressPool())
		return d, nil
	}
}

// processAddresses is how the process runtime places this node's tasks.
// A node that advertises an address is reached from other machines, which
// a task's own loopback address is not: its tasks all listen on the
// advertised address, each port a host port of its own (ports mode).
func processAddresses(cfg Config) (process.AddressMode, netip.Addr, error) {
	mode, err := process.ParseAddressMode(cfg.TaskAddresses)
	if err != nil || cfg.Node.Advertise == "" {
		return mode, netip.Addr{}, err
	}
	shared, err := netip.ParseAddr(cfg.Node.Advertise)
	if err != nil {
		return "", netip.Addr{}, fmt.Errorf("--advertise: %w", err)
	}
	if mode == process.ModeAddresses {
		return "", netip.Addr{}, errors.New("--task-addresses addresses gives tasks loopback addresses no other machine reaches; with --advertise, tasks listen on the advertised address (--task-addresses ports or auto)")
	}
	return process.ModePorts, shared.Unmap(), nil
}

// accessLogSink writes gateway access logs to CloudWatch Logs, into the
// group the stage names, which the user creates (as on AWS).
type accessLogSink struct{ s *logs.Control }

func (a accessLogSink) Append(ctx context.Context, group, stream string, lines []gateway.LogLine) error {
	events := make([]logs.Event, len(lines))
	for i, l := range lines {
		events[i] = logs.Event{Time: l.Time, Message: l.Message}
	}
	return a.s.Deliver(ctx, group, stream, events)
}
