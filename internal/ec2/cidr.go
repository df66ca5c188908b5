package ec2

import (
	"crypto/rand"
	"encoding/binary"
	"net/netip"
)

// parseCIDR reads an IPv4 CIDR block as EC2 takes it: canonical (no host
// bits set) and with a prefix length in [minBits, maxBits]. ok is false
// for text that is not a CIDR at all; inRange false for one of the wrong
// size.
func parseCIDR(s string, minBits, maxBits int) (p netip.Prefix, ok, inRange bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return netip.Prefix{}, false, false
	}
	return p, true, p.Bits() >= minBits && p.Bits() <= maxBits
}

// contains says whether outer holds all of inner.
func contains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// usableAddresses is what AWS counts as a subnet's available addresses:
// all but the first four and the last.
func usableAddresses(p netip.Prefix) int32 { return int32(1)<<(32-p.Bits()) - 5 }

// hostIn picks an address a subnet could hand out: not one of the five
// AWS reserves. Portolan does not track which are taken (no instances run
// here), so two picks may coincide; they are labels, not routes.
func hostIn(p netip.Prefix) string {
	var b [4]byte
	rand.Read(b[:])
	size := uint32(1)<<(32-p.Bits()) - 5
	base := binary.BigEndian.Uint32(p.Addr().AsSlice())
	ip := base + 4 + binary.BigEndian.Uint32(b[:])%size
	var out [4]byte
	binary.BigEndian.PutUint32(out[:], ip)
	return netip.AddrFrom4(out).String()
}
