package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/moby/moby/client"
	"golang.org/x/sync/errgroup"

	"github.com/portolan/portolan/internal/compose"
	"github.com/portolan/portolan/internal/ecs/runtime/docker"
	"github.com/portolan/portolan/internal/logs"
	"github.com/portolan/portolan/internal/server"
)

// runUp is the quick start: a server in the foreground, the stack in DIR
// deployed on it, its URLs printed and its task logs streamed; Ctrl-C
// deletes the stack (stopping every task it started) and stops the server.
func runUp(ctx context.Context, args []string) error {
	var cfg server.Config
	fs := flag.NewFlagSet("portolan up", flag.ExitOnError)
	level := serverFlags(fs, &cfg)
	params := pairs{}
	fs.Var(params, "parameter-overrides", "template parameter NAME=VALUE (repeatable)")
	composeFile := fs.String("compose", "", "run a compose file's services (docker-compose.yml) instead of DIR's template")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// The server logs warnings only, so the deploy and the task logs stay readable.
	if *level == "info" {
		*level = "warn"
	}
	log, err := newLogger(*level)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return err
	}
	// The server is this process: the images up builds are mapped for it,
	// beside those given with --image.
	images := pairs(cfg.Images)
	var (
		name string
		tpl  []byte
		proj *compose.Project
	)
	if *composeFile != "" {
		if fs.NArg() > 0 {
			return fmt.Errorf("up: --compose and a directory (%s) are two stacks; give one", fs.Arg(0))
		}
		if proj, err = loadCompose(ctx, *composeFile, &cfg, images, os.Stdout); err != nil {
			return err
		}
		name = proj.Name
	} else {
		dir := "examples/quickstart"
		if fs.NArg() > 0 {
			dir = fs.Arg(0)
		}
		if name, tpl, err = loadTemplateDir(ctx, dir, cfg, images); err != nil {
			return err
		}
	}

	s, err := server.New(cfg, log)
	if err != nil {
		return err
	}
	serverCtx, stopServer := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServer()
	done := make(chan error, 1)
	go func() { done <- s.Run(serverCtx) }()
	if err := s.WaitReady(ctx); err != nil {
		return err
	}
	fmt.Printf("Portolan is up: AWS endpoint http://localhost:%s\n\n", port(s.APIAddr()))
	if proj != nil {
		if tpl, err = composeTemplate(proj, cfg.Runtime, s.DNSAddr()); err != nil {
			return err
		}
	}

	var creds *aws.Credentials
	if cfg.AccessKeyID != "" {
		creds = &aws.Credentials{AccessKeyID: cfg.AccessKeyID, SecretAccessKey: cfg.SecretAccessKey}
	}
	cf := stackClient(s.APIAddr(), creds)
	started := time.Now()
	st, err := deployStack(ctx, cf, name, tpl, params, nil, os.Stdout)
	if err != nil {
		stopServer()
		<-done
		return fmt.Errorf("deploy %s: %w", name, err)
	}
	printOutputs(os.Stdout, st)
	printTryIt(st.Outputs, s.GatewayAddr())
	fmt.Printf("\nConsole: %s\nMetrics: http://%s/metrics\n", s.ConsoleURL(), s.APIAddr())
	fmt.Printf("\nFollowing task logs; Ctrl-C stops everything.\n\n")
	followCtx, stopFollowing := context.WithCancel(ctx)
	var followers errgroup.Group
	defer func() {
		stopFollowing()
		followers.Wait() // each reported its own error
	}()
	for _, group := range st.LogGroups {
		followers.Go(func() error { return followLogs(followCtx, s.Logs, group, started) })
	}
	select {
	case <-ctx.Done():
	case err := <-done:
		return err
	}
	fmt.Printf("\nStopping: deleting stack %s\n", name)
	cleanup, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := destroyStack(cleanup, cf, name, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "destroy %s: %v\n", name, err)
	}
	stopServer()
	return <-done
}

// loadTemplateDir reads DIR's template and builds its apps (on the docker
// runtime, into images): the stack up deploys without --compose.
func loadTemplateDir(ctx context.Context, dir string, cfg server.Config, images pairs) (name string, tpl []byte, err error) {
	if tpl, err = readTemplate(dir); err != nil {
		return "", nil, err
	}
	built, err := buildApps(ctx, dir, filepath.Join(cfg.DataDir, "bin"), images)
	if err != nil {
		return "", nil, err
	}
	if cfg.Runtime == "docker" {
		// The docker runtime runs the engine's images: each binary becomes
		// one, FROM scratch.
		if err := imageApps(ctx, stackName(dir), built, images); err != nil {
			return "", nil, err
		}
	}
	return stackName(dir), tpl, nil
}

// followLogs prints a log group's events as they arrive until ctx ends.
// A follower that fails says so on stderr; up goes on serving the stack,
// and the other groups' logs, without it.
func followLogs(ctx context.Context, l *logs.Control, group string, since time.Time) error {
	err := l.Follow(ctx, group, since, func(stream string, t time.Time, msg string) {
		fmt.Printf("%s %s | %s\n", t.Format(time.TimeOnly), shortStream(stream), msg)
	})
	if err != nil && ctx.Err() == nil {
		fmt.Fprintf(os.Stderr, "follow log group %s: %v\n", group, err)
		return err
	}
	return nil
}

func readTemplate(dir string) ([]byte, error) {
	for _, f := range []string{"template.yaml", "template.yml", "template.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("no template.yaml or template.json in %s", dir)
}

// buildApps compiles every Go main package directly under dir and maps the
// image named after its directory to the binary: a template's "Image: app"
// runs ./app on the process runtime. Explicit --image mappings win.
func buildApps(ctx context.Context, dir, binDir string, images pairs) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var built []string
	for _, e := range entries {
		src := filepath.Join(dir, e.Name())
		if !e.IsDir() || !hasMainPackage(src) {
			continue
		}
		if _, set := images[e.Name()]; set {
			continue
		}
		bin, err := filepath.Abs(filepath.Join(binDir, e.Name()))
		if err != nil {
			return nil, err
		}
		if err := buildApp(ctx, src, bin); err != nil {
			return nil, err
		}
		images[e.Name()], images[e.Name()+":latest"] = bin, bin
		built = append(built, e.Name())
	}
	return built, nil
}

// buildApp compiles the Go main package in src to bin, statically, so
// that the same binary runs on the host and FROM scratch.
func buildApp(ctx context.Context, src, bin string) error {
	fmt.Printf("Building %s\n", src)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir, cmd.Stdout, cmd.Stderr = src, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s: %w", src, err)
	}
	return nil
}

// imageApps turns the binaries buildApps made into images FROM scratch,
// tagged portolan-up/<stack>-<app>, and maps the apps' image names to them.
func imageApps(ctx context.Context, stack string, built []string, images pairs) error {
	if len(built) == 0 {
		return nil
	}
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return err
	}
	defer cli.Close()
	for _, name := range built {
		tag := strings.ToLower("portolan-up/" + stack + "-" + name + ":latest")
		fmt.Printf("Building image %s\n", tag)
		if err := docker.BuildScratchImage(ctx, cli, tag, images[name]); err != nil {
			return fmt.Errorf("image %s: %w", tag, err)
		}
		images[name], images[name+":latest"] = tag, tag
	}
	return nil
}

func hasMainPackage(dir string) bool {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil && strings.Contains(string(b), "\npackage main\n") {
			return true
		}
	}
	return false
}

func stackName(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	var b strings.Builder
	for _, r := range filepath.Base(abs) {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if name == "" || !(name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z') {
		name = "stack-" + name
	}
	return name
}

// shortStream trims a stream name prefix/container/taskId to 8 digits of the task id.
func shortStream(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 && len(s)-i > 9 {
		return s[:min(len(s), i+9)] // prefix/container/taskid… → short task id
	}
	return s
}

func port(addr string) string {
	_, p, _ := strings.Cut(addr, ":")
	return p
}

// printTryIt shows how to call the stack: the outputs that are curl
// commands (a template's way to say it), else a curl of every URL output.
// An execute-api URL as AWS spells it (what CDK's REST API outputs join
// from the API id, the region and AWS::URLSuffix) is shown as the
// gateway's local equivalent, which the same request reaches.
func printTryIt(outputs []types.Output, gatewayAddr string) {
	var lines []string
	for _, o := range outputs {
		if v := aws.ToString(o.OutputValue); strings.HasPrefix(v, "curl ") {
			lines = append(lines, v)
		}
	}
	if len(lines) == 0 {
		for _, o := range outputs {
			v := aws.ToString(o.OutputValue)
			if !strings.HasPrefix(v, "http") {
				continue
			}
			u := localURL(v, gatewayAddr)
			if !strings.HasSuffix(u, "/") {
				u += "/"
			}
			lines = append(lines, "curl "+u)
		}
	}
	if len(lines) > 0 {
		fmt.Printf("\nTry it:\n  %s\n", strings.Join(lines, "\n  "))
	}
}

// localURL maps https://<name>.execute-api.<region>.amazonaws.com/<path>
// to http://<name>.execute-api.localhost:<gateway port>/<path>; other
// URLs are returned as they are.
func localURL(raw, gatewayAddr string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	name, rest, ok := strings.Cut(u.Hostname(), ".execute-api.")
	if !ok || name == "" || !(strings.HasSuffix(rest, ".amazonaws.com") || strings.HasSuffix(rest, ".amazonaws.com.cn")) {
		return raw
	}
	u.Scheme = "http"
	u.Host = name + ".execute-api.localhost:" + port(gatewayAddr)
	return u.String()
}
