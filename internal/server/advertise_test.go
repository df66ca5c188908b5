package server

import (
	"net/netip"
	"testing"

	"github.com/portolan/portolan/internal/ecs/runtime/process"
)

// TestProcessAddresses: a node that advertises an address puts its
// process-runtime tasks on it (ports mode); without one, --task-addresses
// decides alone.
func TestProcessAddresses(t *testing.T) {
	for _, tc := range []struct {
		flag, advertise string
		mode            process.AddressMode
		shared          string
		fails           bool
	}{
		{flag: "auto", mode: process.ModeAuto},
		{flag: "addresses", mode: process.ModeAddresses},
		{flag: "auto", advertise: "10.0.0.7", mode: process.ModePorts, shared: "10.0.0.7"},
		{flag: "ports", advertise: "::ffff:10.0.0.7", mode: process.ModePorts, shared: "10.0.0.7"},
		{flag: "addresses", advertise: "10.0.0.7", fails: true},
		{flag: "sideways", fails: true},
	} {
		var cfg Config
		cfg.TaskAddresses, cfg.Node.Advertise = tc.flag, tc.advertise
		mode, shared, err := processAddresses(cfg)
		if tc.fails {
			if err == nil {
				t.Errorf("%s %q: no error", tc.flag, tc.advertise)
			}
			continue
		}
		want := netip.Addr{}
		if tc.shared != "" {
			want = netip.MustParseAddr(tc.shared)
		}
		if err != nil || mode != tc.mode || shared != want {
			t.Errorf("%s %q: %s %v %v, want %s %v", tc.flag, tc.advertise, mode, shared, err, tc.mode, want)
		}
	}
}
