package scripts_test

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestReleaseScript runs scripts/release.sh for the host's platform into
// a temporary directory and checks what it made: SHA256SUMS names the
// archive with its real digest, and the binary in it runs.
func TestReleaseScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a release archive")
	}
	if runtime.GOOS == "windows" {
		t.Skip("scripts/release.sh is a POSIX shell script")
	}
	pair := runtime.GOOS + "/" + runtime.GOARCH
	out := t.TempDir()
	cmd := exec.Command("sh", "scripts/release.sh", "-o", out, "-v", "v0.0.0-test", pair)
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("release.sh: %v\n%s", err, b)
	}
	name := "portolan_v0.0.0-test_" + runtime.GOOS + "_" + runtime.GOARCH
	archive := name + ".tar.gz"

	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, archive))
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(b)
	if want := hex.EncodeToString(digest[:]) + "  " + archive + "\n"; string(sums) != want {
		t.Errorf("SHA256SUMS = %q, want %q", sums, want)
	}
	// sha256sum -c agrees, as a user would check it.
	check := exec.Command("sha256sum", "-c", "SHA256SUMS")
	check.Dir = out
	if _, err := exec.LookPath("sha256sum"); err == nil {
		if b, err := check.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c: %v\n%s", err, b)
		}
	}

	bin := filepath.Join(t.TempDir(), "portolan")
	extract(t, filepath.Join(out, archive), name+"/portolan", bin)
	v, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(v), "portolan ") || !strings.HasSuffix(string(v), " "+pair+"\n") {
		t.Errorf("the archive's portolan version = %q, %v", v, err)
	}
}

// extract copies the file member of the tar.gz archive to path.
func extract(t *testing.T, archive, member, path string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			t.Fatalf("%s has no %s; it holds %v", archive, member, names)
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Name != member {
			continue
		}
		w, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o755)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, tr); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
}
