package dns_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/miekg/dns"

	cmdns "github.com/portolan/portolan/internal/cloudmap/dns"
)

// BenchmarkRegisterToDNS measures propagation: the time from a change
// acknowledged by the API (RegisterInstance through the SDK, or a custom
// health change) to the first DNS answer that shows it, polling over UDP
// in a tight loop. The namespace holds 50 other services of 10 instances
// each, so every change rebuilds a realistic table. Reports p50 and p99.
func BenchmarkRegisterToDNS(b *testing.B) {
	f := start(b)
	ns := f.namespace(b, "prop.local", false, 15)
	for s := range 50 {
		id := f.service(b, ns, svc{name: fmt.Sprintf("bg%d", s), records: map[types.RecordType]int64{types.RecordTypeA: 10}})
		for i := range 10 {
			f.register(b, id, fmt.Sprintf("i%d", i), attrs("AWS_INSTANCE_IPV4", nthIPv4(i)))
		}
	}
	target := f.service(b, ns, svc{name: "target", custom: true, records: map[types.RecordType]int64{types.RecordTypeA: 10}})
	f.register(b, target, "stable", attrs("AWS_INSTANCE_IPV4", "10.200.0.1"))

	conn, err := net.Dial("udp", f.addr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	q := new(dns.Msg)
	q.SetQuestion("target.prop.local.", dns.TypeA)
	pkt, _ := q.Pack()
	buf := make([]byte, 1500)
	answer := func() []string {
		conn.Write(pkt)
		conn.SetReadDeadline(time.Now().Add(time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			b.Fatal(err)
		}
		var m dns.Msg
		if err := m.Unpack(buf[:n]); err != nil {
			b.Fatal(err)
		}
		return sortedValues(m.Answer)
	}
	// waitFor polls until the answer is want and returns how long it took.
	waitFor := func(want ...string) time.Duration {
		start := time.Now()
		for !slices.Equal(answer(), want) {
			if time.Since(start) > 5*time.Second {
				b.Fatalf("answer %v, want %v", answer(), want)
			}
		}
		return time.Since(start)
	}
	ctx := context.Background()

	for _, mode := range []string{"register", "health"} {
		b.Run(mode, func(b *testing.B) {
			var lat []time.Duration
			movingIP := ""
			if mode == "health" {
				movingIP = answerIP(b, f, target)
			}
			for i := 0; b.Loop(); i++ {
				switch mode {
				case "register":
					// Re-registering moves the instance to a new address.
					ip := fmt.Sprintf("10.201.%d.%d", i/250%250, i%250+1)
					f.register(b, target, "moving", attrs("AWS_INSTANCE_IPV4", ip))
					lat = append(lat, waitFor("10.200.0.1", ip))
				case "health":
					status, want := types.CustomHealthStatusUnhealthy, []string{"10.200.0.1"}
					if i%2 == 1 {
						status, want = types.CustomHealthStatusHealthy, sorted([]string{"10.200.0.1", movingIP})
					}
					_, err := f.sd.UpdateInstanceCustomHealthStatus(ctx, &sd.UpdateInstanceCustomHealthStatusInput{ServiceId: aws.String(target), InstanceId: aws.String("moving"), Status: status})
					if err != nil {
						b.Fatal(err)
					}
					lat = append(lat, waitFor(want...))
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
		})
	}
}

// answerIP is the address of instance "moving".
func answerIP(b *testing.B, f *fixture, svcID string) string {
	out, err := f.sd.GetInstance(context.Background(), &sd.GetInstanceInput{ServiceId: aws.String(svcID), InstanceId: aws.String("moving")})
	if err != nil {
		b.Fatal(err)
	}
	return out.Instance.Attributes["AWS_INSTANCE_IPV4"]
}

// BenchmarkAnswer measures the query path alone, without sockets: the fast
// wire path and the full miekg/dns path on the same queries. The table
// holds, beside the Cloud Map zones, a Route 53 hosted zone of 1,000
// record sets (A, TXT, CNAME, SRV), so that the Cloud Map queries show
// what the hosted zones cost them (the comparison docs/benchmarks.md
// reports).
func BenchmarkAnswer(b *testing.B) {
	tbl := fuzzTable(b, bigZone(b, 1000))
	for _, c := range []struct {
		name  string
		qtype uint16
		edns  uint16
	}{
		{"web.example.local.", dns.TypeA, 0},
		{"big.fuzz.test.", dns.TypeSRV, 1232},
		{"nothing.example.local.", dns.TypeA, 0},
		{"web-0123456789abcdef.elb.us-east-1.amazonaws.com.", dns.TypeA, 0}, // a Config.Records name
		{"h500.big.test.", dns.TypeA, 0},                                    // a hosted zone's set
		{"nothing.big.test.", dns.TypeA, 0},
	} {
		m := new(dns.Msg)
		m.SetQuestion(c.name, c.qtype)
		if c.edns > 0 {
			m.SetEdns0(c.edns, false)
		}
		pkt, _ := m.Pack()
		b.Run("fast/"+c.name+dns.TypeToString[c.qtype], func(b *testing.B) {
			a := tbl.Answerer(1)
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := a.Fast(pkt, true, false); !ok {
					b.Fatal("not on the fast path")
				}
			}
		})
		b.Run("full/"+c.name+dns.TypeToString[c.qtype], func(b *testing.B) {
			a := tbl.Answerer(1)
			b.ReportAllocs()
			for b.Loop() {
				r, _, _ := a.Full(pkt, true, false)
				if _, err := r.Pack(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// bigZone is a hosted zone big.test. with n record sets: h<i> A (two
// values) for most, and every tenth a TXT, CNAME or SRV instead.
func bigZone(tb testing.TB, n int) *cmdns.Zone {
	lines := apexLines("big.test.")
	for i := range n - 2 {
		switch i % 10 {
		case 1:
			lines = append(lines, fmt.Sprintf(`t%d.big.test. 300 IN TXT "v=%d"`, i, i))
		case 2:
			lines = append(lines, fmt.Sprintf("c%d.big.test. 300 IN CNAME h%d.big.test.", i, i-2))
		case 3:
			lines = append(lines, fmt.Sprintf("_s%d._tcp.big.test. 300 IN SRV 1 10 %d h%d.big.test.", i, 1000+i, i-3))
		default:
			lines = append(lines, fmt.Sprintf("h%d.big.test. 300 IN A %s", i, nthIPv4(i)), fmt.Sprintf("h%d.big.test. 300 IN A %s", i, nthIPv4(i+1)))
		}
	}
	return zoneOf(tb, "big.test.", lines)
}
