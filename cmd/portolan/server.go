package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/apigw/gateway"
	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/server"
)

// serverFlags declares the flags of a server process; `server` and `up` share them.
func serverFlags(fs *flag.FlagSet, cfg *server.Config) *string {
	fs.StringVar(&cfg.DataDir, "data-dir", ".portolan", "directory holding the state (the bolt store) and the runtime's files")
	fs.StringVar(&cfg.Store.Location, "store", "bolt", "where the state lives: bolt (the file in --data-dir), bolt:DIR, or etcd://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...][/PREFIX] (prefix default portolan/)")
	etcdTLSFlags(fs, &cfg.Store)
	fs.StringVar(&cfg.APIAddr, "api", "127.0.0.1:4566", "AWS API endpoint address")
	fs.StringVar(&cfg.Region, "region", "us-east-1", "AWS region to emulate")
	fs.StringVar(&cfg.AccountID, "account", "000000000000", "AWS account id to emulate")
	fs.StringVar(&cfg.AccessKeyID, "access-key-id", "", "require SigV4 signatures with this access key")
	fs.StringVar(&cfg.SecretAccessKey, "secret-access-key", "", "the secret of --access-key-id")
	fs.BoolVar(&cfg.Insecure, "insecure", false, "allow a non-loopback listener without credentials")
	fs.StringVar(&cfg.Runtime, "runtime", "process", "where tasks run: process or docker")
	fs.StringVar(&cfg.TaskAddresses, "task-addresses", "auto", "how the process runtime tells tasks apart: addresses (a 127.x.y.z each; Linux), ports (127.0.0.1, or the --advertise address, and a host port each; macOS, Windows) or auto")
	fs.StringVar(&cfg.GatewayAddr, "gateway", "127.0.0.1:8080", "HTTP API gateway address")
	fs.StringVar(&cfg.DNSAddr, "dns", "127.0.0.1:8600", "DNS server address (UDP and TCP)")
	fs.StringVar(&cfg.RegistryAddr, "registry-addr", server.DefaultRegistryAddr, "ECR's image registry address (docker login/push/pull; the Docker engine trusts loopback registries over HTTP)")
	fs.DurationVar(&cfg.HealthCheckInterval, "health-check-interval", 10*time.Second, "how often HealthCheckConfig probes run")
	fs.DurationVar(&cfg.MetricPeriod, "metric-period", time.Minute, "the real length of CloudWatch's one-minute metric period; alarm periods and scaling cooldowns count in it")
	fs.Float64Var(&cfg.AccountThrottle.Rate, "account-rate-limit", gateway.DefaultAccountRate, "gateway requests per second for the whole account, as AWS's account-level throttling (-1: no limit)")
	fs.IntVar(&cfg.AccountThrottle.Burst, "account-burst-limit", gateway.DefaultAccountBurst, "burst of the account-level throttling")
	cfg.LoadBalancerAddresses = elbv2.DefaultAddresses
	fs.Func("lb-addresses", "the range load balancers get their own addresses from (default "+elbv2.DefaultAddresses.String()+")", func(v string) error {
		p, err := netip.ParsePrefix(v)
		if err != nil || !p.Addr().Is4() {
			return fmt.Errorf("want an IPv4 range such as %s", elbv2.DefaultAddresses)
		}
		cfg.LoadBalancerAddresses = p.Masked()
		return nil
	})
	fs.Func("roles", "the roles this process runs, some of "+strings.Join(server.AllRoles, ",")+" (default all)", func(v string) error {
		roles, err := server.ParseRoles(v)
		cfg.Roles = roles
		return err
	})
	fs.StringVar(&cfg.Node.Name, "node-name", "", "this node's name, its container instance's identity (default the host name)")
	fs.StringVar(&cfg.Node.Advertise, "advertise", "", "the address this node's tasks are reached at (a container instance attribute); process-runtime tasks listen on it, a host port each")
	fs.StringVar(&cfg.Node.Zone, "zone", "", "this node's availability zone (default <region>a)")
	fs.DurationVar(&cfg.Node.LeaseTTL, "lease-ttl", 10*time.Second, "how long a node or the controller outlives its last lease renewal before it counts as lost (on etcd)")
	fs.IntVar(&cfg.Node.CPU, "node-cpu", 0, "CPU units this node offers to tasks, 1024 a core (default the machine's)")
	fs.IntVar(&cfg.Node.Memory, "node-memory", 0, "MiB of memory this node offers to tasks (default the machine's)")
	fs.StringVar(&cfg.OTLPEndpoint, "otlp-endpoint", "", "send a trace span per gateway request to this OTLP/HTTP collector (e.g. http://localhost:4318)")
	fs.BoolVar(&cfg.AccessLogStdout, "access-log-stdout", false, "also print stages' access log lines to stdout")
	fs.BoolVar(&cfg.DockerTaskCredentials, "docker-task-credentials", true, "on the docker runtime, serve task role credentials and the API to task containers on 169.254.170.2:80, as ECS does (one server per machine)")
	cfg.Images = map[string]string{}
	fs.Var(imageMap(cfg.Images), "image", "map an image name in templates to something the runtime runs, NAME=REF, for every stack; repeatable, or comma-separated")
	fs.Var((*boundAPIs)(&cfg.BoundAPIs), "bind-api", "serve one HTTP API on an address of its own, whatever the Host: API=ADDR, API an id or name; repeatable, or comma-separated")
	return fs.String("log-level", "info", "debug, info, warn or error")
}

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, err
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}

func runServer(ctx context.Context, args []string) error {
	var cfg server.Config
	fs := flag.NewFlagSet("portolan server", flag.ExitOnError)
	level := serverFlags(fs, &cfg)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := newLogger(*level)
	if err != nil {
		return err
	}
	s, err := server.New(cfg, log)
	if err != nil {
		return err
	}
	// The console URL carries the admin token when credentials are on:
	// browsers and Prometheus cannot sign requests.
	log.Info("web console", "url", s.ConsoleURL(), "metrics", "http://"+s.APIAddr()+"/metrics")
	return s.Run(ctx)
}

// boundAPIs is the --bind-api flag: API=ADDR pairs, comma-separated or
// given again.
type boundAPIs []server.BoundAPI

func (b *boundAPIs) String() string {
	if b == nil {
		return ""
	}
	var parts []string
	for _, x := range *b {
		parts = append(parts, x.API+"="+x.Addr)
	}
	return strings.Join(parts, ",")
}

func (b *boundAPIs) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		api, addr, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || api == "" || addr == "" {
			return fmt.Errorf("%q: want API=ADDR, such as pets=127.0.0.1:9000", part)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%q: %w", part, err)
		}
		*b = append(*b, server.BoundAPI{API: api, Addr: addr})
	}
	return nil
}

// imageMap is the --image flag: NAME=REF pairs, comma- or space-separated
// or given again (a config file's one value lists them with commas).
type imageMap map[string]string

func (m imageMap) String() string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (m imageMap) Set(v string) error {
	for _, kv := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		name, ref, ok := strings.Cut(kv, "=")
		if !ok || name == "" || ref == "" {
			return fmt.Errorf("%q: want NAME=REF, such as app=./bin/app", kv)
		}
		m[name] = ref
	}
	return nil
}
