package process_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/ecs/runtime"
	"github.com/portolan/portolan/internal/ecs/runtime/process"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
)

func newDriver(t testing.TB, cfg process.Config) *process.Driver {
	t.Helper()
	d, err := process.New(cfg)
	if err != nil {
		t.Fatalf("process.New: %v", err)
	}
	return d
}

// modes are the task address modes every suite of this package runs in:
// ports mode is what macOS and Windows get, and runs here too.
var modes = []process.AddressMode{process.ModeAddresses, process.ModePorts}

func harness(t *testing.T, mode process.AddressMode) runtimetest.Harness {
	app := runtimetest.BuildApp(t)
	base := t.TempDir()
	return runtimetest.Harness{
		New: func(t *testing.T, key string) runtime.Driver {
			d := newDriver(t, process.Config{StateDir: filepath.Join(base, key), TaskAddresses: mode})
			if d.AddressMode() != mode {
				t.Fatalf("AddressMode = %s, want %s", d.AddressMode(), mode)
			}
			return d
		},
		App:          app,
		AppPath:      app,
		MissingImage: filepath.Join(base, "no-such-app"),
		// No network namespace: a task's containers meet at its address.
		TaskLocal: func(task runtime.Task) string { return task.Address.String() },
	}
}

func TestConformance(t *testing.T) {
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			runtimetest.Run(t, harness(t, mode))
		})
	}
}

// TestDefinition checks what a container definition means to this driver:
// argv, working directory, environment (see the package doc).
func TestDefinition(t *testing.T) {
	app := runtimetest.BuildApp(t)
	wd := t.TempDir()
	imageDir := filepath.Join(t.TempDir(), "image")
	if err := os.MkdirAll(filepath.Join(imageDir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, app, filepath.Join(imageDir, "app"))
	// Server environment that must not leak into containers, and one that
	// is passed through.
	t.Setenv("PORTOLAN_SECRET_ACCESS_KEY", "leak")
	t.Setenv("TZ", "UTC")

	d := newDriver(t, process.Config{StateDir: t.TempDir(), WorkingDirectory: wd})
	ctx := runtimetest.Context(t)
	tests := []struct {
		name    string
		spec    runtime.ContainerSpec
		port    string
		wantCwd string
		env     map[string]string
	}{
		{
			name:    "image is the executable, PORT from portMappings",
			spec:    runtime.ContainerSpec{Image: app, PortMappings: []runtime.PortMapping{{ContainerPort: 8080}}},
			port:    "8080",
			wantCwd: wd,
		},
		{
			name: "image directory is the working directory; argv[0] relative to it",
			spec: runtime.ContainerSpec{Image: imageDir, Command: []string{"./app"},
				PortMappings: []runtime.PortMapping{{ContainerPort: 9090}, {ContainerPort: 9091}}},
			port:    "9090",
			wantCwd: imageDir,
		},
		{
			name: "workingDirectory relative to the image directory; definition env wins",
			spec: runtime.ContainerSpec{Image: imageDir, EntryPoint: []string{filepath.Join(imageDir, "app")},
				WorkingDirectory: "sub", Environment: map[string]string{"PORT": "7070", "TZ": "Europe/Paris", "X": "y"},
				PortMappings: []runtime.PortMapping{{ContainerPort: 8080}}},
			port:    "7070",
			wantCwd: filepath.Join(imageDir, "sub"),
			env:     map[string]string{"TZ": "Europe/Paris", "X": "y"},
		},
		{
			name: "image ignored when it is not a directory; argv[0] from PATH",
			spec: runtime.ContainerSpec{Image: "nginx:latest", EntryPoint: []string{"app"},
				Environment:  map[string]string{"PATH": imageDir + ":/usr/bin"},
				PortMappings: []runtime.PortMapping{{ContainerPort: 8080}}},
			port:    "8080",
			wantCwd: wd,
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := runtimetest.Provision(t, d, "def")
			tt.spec.Name = "c" + strconv.Itoa(i)
			st := runtimetest.Start(t, d, task, tt.spec)
			port, _ := strconv.Atoi(tt.port)
			info := runtimetest.Info(t, runtimetest.AppURL(st, port, "/"))
			// In ports mode (macOS) PORT is the mapped port's host port.
			if want := runtimetest.Endpoint(st, port); info.Port != strconv.Itoa(int(want.Port())) || info.Host != want.Addr().String() {
				t.Errorf("app listens on %s:%s, want %s (container port %s)", info.Host, info.Port, want, tt.port)
			}
			if info.Cwd != tt.wantCwd {
				t.Errorf("cwd = %s, want %s", info.Cwd, tt.wantCwd)
			}
			if _, ok := info.Env["PORTOLAN_SECRET_ACCESS_KEY"]; ok {
				t.Errorf("the server's environment leaked into the container")
			}
			if info.Env["TZ"] == "" || info.Env["PATH"] == "" {
				t.Errorf("env lacks passed-through TZ or PATH: %v", info.Env)
			}
			for k, v := range tt.env {
				if info.Env[k] != v {
					t.Errorf("env %s = %q, want %q", k, info.Env[k], v)
				}
			}
		})
	}

	t.Run("errors", func(t *testing.T) {
		task := runtimetest.Provision(t, d, "def")
		var inf *runtime.ImageNotFoundError
		_, err := d.StartContainer(ctx, task.ID, runtime.ContainerSpec{Name: "a", Image: imageDir})
		if !errors.As(err, &inf) {
			t.Errorf("a directory image without a command = %v, want *ImageNotFoundError", err)
		}
		// An ECR image is for the docker runtime; the error says how to map it.
		_, err = d.StartContainer(ctx, task.ID, runtime.ContainerSpec{Name: "e", Image: "000000000000.dkr.ecr.us-east-1.amazonaws.com/web:v1"})
		if !errors.As(err, &inf) || !strings.Contains(err.Error(), "--image NAME=REF") {
			t.Errorf("an ECR image = %v, want *ImageNotFoundError naming --image", err)
		}
		_, err = d.StartContainer(ctx, task.ID, runtime.ContainerSpec{Name: "b", Command: []string{"no-such-command-xyz"}})
		if err == nil || errors.As(err, &inf) {
			t.Errorf("a command not in PATH = %v, want a start error", err)
		}
		_, err = d.StartContainer(ctx, task.ID, runtime.ContainerSpec{Name: "c", Image: app, WorkingDirectory: "/no/such/dir"})
		if err == nil {
			t.Errorf("a missing working directory: no error")
		}
		runtimetest.Start(t, d, task, runtime.ContainerSpec{Name: "d", Image: app, EntryPoint: []string{app, "sleep"}})
		if _, err := d.StartContainer(ctx, task.ID, runtime.ContainerSpec{Name: "d", Image: app}); err == nil {
			t.Errorf("starting a container name twice: no error")
		}
	})
}

func copyFile(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
