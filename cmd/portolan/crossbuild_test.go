package main

import (
	"os"
	"os/exec"
	"testing"
)

// crossPlatforms are the platforms besides the host's that Portolan
// builds for; `go test ./...` (what CI runs) checks them here, so that a
// Linux-only call outside a file tagged for Linux fails the build at once.
var crossPlatforms = []struct{ goos, goarch string }{
	{"darwin", "amd64"},
	{"darwin", "arm64"},
	{"windows", "amd64"},
	{"linux", "arm64"},
}

// TestCrossBuild vets the whole module and builds the binary for each of
// crossPlatforms.
func TestCrossBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the module for four platforms")
	}
	for _, p := range crossPlatforms {
		t.Run(p.goos+"/"+p.goarch, func(t *testing.T) {
			env := append(os.Environ(), "GOOS="+p.goos, "GOARCH="+p.goarch, "CGO_ENABLED=0")
			for _, args := range [][]string{
				{"vet", "./..."},
				{"build", "-o", os.DevNull, "./cmd/portolan"},
			} {
				cmd := exec.Command("go", args...)
				cmd.Dir, cmd.Env = "../..", env
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("GOOS=%s GOARCH=%s go %v: %v\n%s", p.goos, p.goarch, args, err, out)
				}
			}
		})
	}
}
