package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// TestVersion: the version line names the Go release and the platform the
// binary was built for, from the build information Go records in it.
func TestVersion(t *testing.T) {
	var out bytes.Buffer
	printVersion(&out)
	line := out.String()
	if !strings.HasPrefix(line, "portolan ") || !strings.Contains(line, runtime.Version()) || !strings.HasSuffix(line, " "+runtime.GOOS+"/"+runtime.GOARCH+"\n") {
		t.Fatalf("version line %q", line)
	}
}
