package awstest

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Model is one service's botocore model (data/<service>/<version>/
// service-2.json): the operations' input shapes with the constraints the
// Go SDK does not carry (lengths, ranges, patterns). Tests read it as a
// statement of AWS's rules; nothing of it reaches the product.
type Model struct {
	Operations map[string]struct {
		Input *struct {
			Shape string `json:"shape"`
		} `json:"input"`
	} `json:"operations"`
	Shapes map[string]Shape `json:"shapes"`
}

// Shape is a botocore shape. Min and Max are lengths for strings, lists
// and maps, and bounds for numbers.
type Shape struct {
	Type     string            `json:"type"`
	Enum     []string          `json:"enum"`
	Min      *json.Number      `json:"min"`
	Max      *json.Number      `json:"max"`
	Pattern  string            `json:"pattern"`
	Required []string          `json:"required"`
	Members  map[string]Member `json:"members"`
	Member   *Member           `json:"member"` // a list's element
}

// Member is one member of a structure shape; Location is "uri",
// "querystring", "header" or "" (the body).
type Member struct {
	Shape    string `json:"shape"`
	Location string `json:"location"`
}

// Input is the input shape of operation op, or nil if the model has no
// such operation or it takes no input.
func (m *Model) Input(op string) *Shape {
	o, ok := m.Operations[op]
	if !ok || o.Input == nil {
		return nil
	}
	s, ok := m.Shapes[o.Input.Shape]
	if !ok {
		return nil
	}
	return &s
}

// LoadModel reads service's model (botocore's directory name, such as
// "logs" or "servicediscovery") from the botocore of a python3 on this
// machine: the one on PATH, or Debian's. Without botocore the test is
// skipped, and fails in CI, where .ci/run installs boto3.
func LoadModel(t testing.TB, service string) *Model {
	t.Helper()
	dir := botocoreDir()
	if dir == "" {
		needInCI(t, "no python3 that can import botocore (apt-get install python3-boto3)")
	}
	// Newest API version last: the versions are dates.
	paths, _ := filepath.Glob(filepath.Join(dir, "data", service, "*", "service-2.json*"))
	sort.Strings(paths)
	if len(paths) == 0 {
		t.Fatalf("botocore at %s has no model of %s", dir, service)
	}
	path := paths[len(paths)-1]
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	var m Model
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &m
}

func botocoreDir() string {
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append([]string{p}, candidates...)
	}
	for _, p := range candidates {
		out, err := exec.Command(p, "-c", "import botocore, os; print(os.path.dirname(botocore.__file__))").Output()
		if err == nil {
			return strings.TrimSpace(string(out))
		}
	}
	return ""
}

// needInCI skips the test, or fails it in CI, where what it needs is
// installed.
func needInCI(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}
