// Package buildcheck builds Portolan for the platforms it ships on besides
// the host's, from `go test ./...` (what CI runs), so that a Linux-only
// call outside a file tagged for Linux fails at once. Each platform pair
// is a package of its own below this one: a cold cross build of the whole
// binary takes minutes, and go test gives each package ten.
package buildcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// portable are the packages with per-OS files, vetted (tests included)
// for every platform besides building the binary. Not ./..., though the
// whole module vets clean for Windows and macOS: that compiles every
// test's dependencies for the platform too, and doubled a pair's time
// (2026-12-07, windows/amd64, cold cache, load ≈ 3: the build 75 s, these
// packages' vet 18 s, ./... 93 s more), where linuxarm64 is already near
// 400 s of go test's 600 under load.
var portable = []string{
	"./internal/ecs/runtime/process/...", "./internal/ecs/runtime/runtimetest/...", "./internal/httpserve/",
	"./internal/upstream/", "./internal/elbv2/alb/", "./internal/server/servertest/", "./internal/sockio/",
}

// Check builds ./cmd/portolan for goos/goarch and, for another operating
// system than the host's, vets the portable packages there (on the
// host's, only the architecture differs: go vet ./... has seen its
// files, and linux/arm64 with the vet ran past 500 s of go test's 600 in
// a loaded clean-clone run).
func Check(t *testing.T, goos, goarch string) {
	t.Helper()
	if testing.Short() {
		t.Skip("cross-compiles the binary")
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	env := append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	steps := [][]string{{"build", "-o", os.DevNull, "./cmd/portolan"}}
	if goos != runtime.GOOS {
		steps = append(steps, append([]string{"vet"}, portable...))
	}
	for _, args := range steps {
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = root, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("GOOS=%s GOARCH=%s go %v: %v\n%s", goos, goarch, args, err, out)
		}
	}
}
