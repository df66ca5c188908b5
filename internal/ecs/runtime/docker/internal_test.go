package docker

import (
	"bytes"
	"debug/elf"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

func TestPauseProgram(t *testing.T) {
	for _, tt := range []struct {
		arch    string
		machine elf.Machine
	}{{"amd64", elf.EM_X86_64}, {"arm64", elf.EM_AARCH64}} {
		b, err := pauseProgram(tt.arch)
		if err != nil {
			t.Fatal(err)
		}
		f, err := elf.NewFile(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: not an ELF file: %v", tt.arch, err)
		}
		if f.Machine != tt.machine || f.Type != elf.ET_EXEC || f.Class != elf.ELFCLASS64 || len(f.Progs) != 1 {
			t.Errorf("%s: %v %v %v, %d program headers", tt.arch, f.Machine, f.Type, f.Class, len(f.Progs))
		}
		p := f.Progs[0]
		if p.Type != elf.PT_LOAD || p.Flags != elf.PF_R|elf.PF_X || p.Filesz != uint64(len(b)) ||
			f.Entry < p.Vaddr || f.Entry >= p.Vaddr+p.Memsz {
			t.Errorf("%s: segment %+v, entry %#x", tt.arch, p.ProgHeader, f.Entry)
		}
	}
	if _, err := pauseProgram("s390x"); err == nil {
		t.Error("pauseProgram(s390x): no error")
	}
}

func TestSubnets(t *testing.T) {
	pool := netip.MustParsePrefix("10.213.0.0/22")
	var got []string
	for p := range subnets(pool, 24) {
		got = append(got, p.String())
	}
	if want := []string{"10.213.0.0/24", "10.213.1.0/24", "10.213.2.0/24", "10.213.3.0/24"}; !slices.Equal(got, want) {
		t.Errorf("subnets = %v, want %v", got, want)
	}
	got = nil
	for p := range subnetsBackward(netip.MustParsePrefix("10.213.0.0/16"), 30) {
		if got = append(got, p.String()); len(got) == 2 {
			break
		}
	}
	if want := []string{"10.213.255.252/30", "10.213.255.248/30"}; !slices.Equal(got, want) {
		t.Errorf("subnetsBackward = %v, want %v", got, want)
	}
	taken := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	if !overlapsAny(netip.MustParsePrefix("10.213.1.0/24"), taken) || overlapsAny(netip.MustParsePrefix("172.30.0.0/24"), taken) {
		t.Error("overlapsAny is wrong")
	}
}

func TestPauseTaskID(t *testing.T) {
	for _, tt := range []struct {
		names []string
		id    string
	}{
		{[]string{"/portolan-0123abcd"}, "0123abcd"},
		{[]string{"/portolan.warm.0123abcd"}, ""},
		{[]string{"/portolan-0123abcd.web"}, ""},
		{[]string{"/other", "portolan-t1"}, "t1"},
		{nil, ""},
	} {
		id, ok := pauseTaskID(tt.names)
		if id != tt.id || ok != (tt.id != "") {
			t.Errorf("pauseTaskID(%q) = %q, %v; want %q", tt.names, id, ok, tt.id)
		}
	}
	if n := warmName(); !strings.HasPrefix(n, warmPrefix) {
		t.Errorf("warmName() = %q", n)
	}
	if _, ok := pauseTaskID([]string{"/" + warmName()}); ok {
		t.Error("a warm name parses as a task's")
	}
}

func TestLineWriter(t *testing.T) {
	var got []runtime.LogLine
	after := time.Date(2026, 1, 2, 3, 4, 5, 100, time.UTC)
	w := &lineWriter{stream: runtime.Stderr, after: after, fn: func(l runtime.LogLine) error {
		got = append(got, l)
		return nil
	}}
	in := "2026-01-02T03:04:05.0000001Z skipped: at the cursor\n" +
		"2026-01-02T03:04:05.000000101Z first\r\n2026-01-02T03:04:06Z sec"
	// Split writes, as frames arrive.
	for _, chunk := range []string{in[:10], in[10:70], in[70:]} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Write([]byte("ond\n")); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Text != "first" || got[1].Text != "second" || got[1].Stream != runtime.Stderr {
		t.Fatalf("lines = %+v", got)
	}
	if c, _ := time.Parse(time.RFC3339Nano, got[0].Cursor); !c.Equal(after.Add(1)) {
		t.Errorf("cursor %q, want the line's time", got[0].Cursor)
	}
}

// TestFirstFree: an address past the four AWS reserves at a subnet's start
// and short of its last, the lowest free one.
func TestFirstFree(t *testing.T) {
	a := netip.MustParseAddr
	tests := []struct {
		subnet string
		used   []string
		want   string // "" for none
	}{
		{"10.0.1.0/24", nil, "10.0.1.4"},
		{"10.0.1.7/24", nil, "10.0.1.4"}, // not masked
		{"10.0.1.0/24", []string{"10.0.1.4", "10.0.1.6"}, "10.0.1.5"},
		{"10.0.1.16/28", []string{"10.0.1.20", "10.0.1.21", "10.0.1.22", "10.0.1.23", "10.0.1.24", "10.0.1.25", "10.0.1.26", "10.0.1.27", "10.0.1.28", "10.0.1.29"}, "10.0.1.30"},
		{"10.0.1.16/28", []string{"10.0.1.20", "10.0.1.21", "10.0.1.22", "10.0.1.23", "10.0.1.24", "10.0.1.25", "10.0.1.26", "10.0.1.27", "10.0.1.28", "10.0.1.29", "10.0.1.30"}, ""},
		{"10.0.1.0/30", nil, ""},
	}
	for _, tt := range tests {
		used := map[netip.Addr]bool{}
		for _, u := range tt.used {
			used[a(u)] = true
		}
		got, ok := firstFree(netip.MustParsePrefix(tt.subnet), used)
		if tt.want == "" && ok || tt.want != "" && got != a(tt.want) {
			t.Errorf("firstFree(%s, %v) = %v, %v; want %q", tt.subnet, tt.used, got, ok, tt.want)
		}
	}
}
