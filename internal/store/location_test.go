package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/store"
)

func TestParseLocation(t *testing.T) {
	tests := []struct {
		in   string
		want string // fmt of the result, or "error: <substring>"
	}{
		{"bolt:/var/lib/portolan", "bolt /var/lib/portolan"},
		{"etcd://127.0.0.1:2379", "etcd [127.0.0.1:2379] prefix= user= pass="},
		{"etcd://a:1,b:2,[::1]:3/team-a", "etcd [a:1 b:2 [::1]:3] prefix=team-a/ user= pass="},
		{"etcd://root:s%40cret@h:2379/x/y/", "etcd [h:2379] prefix=x/y/ user=root pass=s@cret"},
		{"etcd://h", "error: want HOST:PORT"},
		{"etcd://h:0", "error: bad port"},
		{"etcd://h:2379,", "error: want HOST:PORT"},
		{"etcd://root:hunter2@h", "error: etcd://***@h"},
		{"bolt:", "error: needs a directory"},
		{"postgres://x", "error: want bolt:DIR or etcd://"},
	}
	for _, tc := range tests {
		loc, err := store.ParseLocation(tc.in)
		var got string
		switch {
		case err != nil:
			got = "error: " + err.Error()
		case loc.Etcd != nil:
			e := loc.Etcd
			got = fmt.Sprintf("etcd %v prefix=%s user=%s pass=%s", e.Endpoints, e.Prefix, e.Username, e.Password)
		default:
			got = "bolt " + loc.BoltDir
		}
		wantErr := strings.HasPrefix(tc.want, "error: ")
		if wantErr != (err != nil) || !strings.Contains(got, strings.TrimPrefix(tc.want, "error: ")) {
			t.Errorf("ParseLocation(%q) = %s, want %s", tc.in, got, tc.want)
		}
		if strings.Contains(got, "hunter2") {
			t.Errorf("ParseLocation(%q) leaks the password: %s", tc.in, got)
		}
	}
}

// FuzzParseLocation: any --store value parses or is refused, never
// panics, and an error never repeats the password it was given.
func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{"bolt:/d", "etcd://h:1", "etcd://u:p@a:1,b:2/x/", "etcd://@:", "etcd:///", "etcd://a@b@c:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc, err := store.ParseLocation(s)
		if err != nil {
			rest, isEtcd := strings.CutPrefix(s, "etcd://")
			hosts, _, _ := strings.Cut(rest, "/")
			if at := strings.LastIndex(hosts, "@"); isEtcd && at >= 4 && !strings.Contains(rest[at+1:], hosts[:at]) && strings.Contains(err.Error(), hosts[:at]) {
				t.Fatalf("ParseLocation(%q): the error shows the credentials: %v", s, err)
			}
			return
		}
		if (loc.Etcd == nil) == (loc.BoltDir == "") {
			t.Fatalf("ParseLocation(%q) = %+v: want exactly one of bolt and etcd", s, loc)
		}
		if loc.Etcd != nil && len(loc.Etcd.Endpoints) == 0 {
			t.Fatalf("ParseLocation(%q): etcd without endpoints", s)
		}
	})
}
