package route53_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/route53/route53test"
)

// BenchmarkChangeToDNS measures propagation: from an UPSERT acknowledged
// by ChangeResourceRecordSets (through the SDK) to the first DNS answer
// that shows it, polling over UDP, in a zone of 1,000 record sets (so
// every change recompiles a realistic view and table). Reports p50 and
// p99.
func BenchmarkChangeToDNS(b *testing.B) {
	env := route53test.Start(b, route53test.WithDNS())
	c := env.Client()
	ctx := context.Background()
	zone := createZone(b, c, "bench.test", "").HostedZone.Id
	for batch := range 4 {
		var changes []types.Change
		for i := range 250 {
			n := batch*250 + i
			changes = append(changes, change(types.ChangeActionCreate, rrset(fmt.Sprintf("h%d.bench.test", n), types.RRTypeA, 60, fmt.Sprintf("10.%d.%d.1", n/250, n%250))))
		}
		if _, err := changeBatch(ctx, c, zone, changes...); err != nil {
			b.Fatal(err)
		}
	}
	conn, err := net.Dial("udp", env.DNSAddr())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	q := new(dns.Msg)
	q.SetQuestion("moving.bench.test.", dns.TypeA)
	pkt, _ := q.Pack()
	buf := make([]byte, 1500)
	answer := func() string {
		conn.Write(pkt)
		conn.SetReadDeadline(time.Now().Add(time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			b.Fatal(err)
		}
		var m dns.Msg
		if err := m.Unpack(buf[:n]); err != nil || len(m.Answer) != 1 {
			return ""
		}
		return m.Answer[0].(*dns.A).A.String()
	}
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		ip := fmt.Sprintf("10.201.%d.%d", i/250%250, i%250+1)
		if _, err := changeBatch(ctx, c, zone, change(types.ChangeActionUpsert, rrset("moving.bench.test", types.RRTypeA, 60, ip))); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for answer() != ip {
			if time.Since(start) > 5*time.Second {
				b.Fatalf("answer never %s", ip)
			}
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
