package route53

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	mdns "github.com/miekg/dns"

	"github.com/portolan/portolan/internal/awsapi"
)

// seedBatch is a change batch as the SDK sends it.
const seedBatch = `<?xml version="1.0" encoding="UTF-8"?>
<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Comment>c</Comment><Changes>
<Change><Action>UPSERT</Action><ResourceRecordSet><Name>www.example.com</Name><Type>A</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>
<Change><Action>DELETE</Action><ResourceRecordSet><Name>old.example.com</Name><Type>TXT</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>"a b"</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>
<Change><Action>CREATE</Action><ResourceRecordSet><Name>api.example.com</Name><Type>A</Type><SetIdentifier>x</SetIdentifier><Weight>10</Weight><AliasTarget><HostedZoneId>ZSELF</HostedZoneId><DNSName>www.example.com</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget></ResourceRecordSet></Change>
</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`

// FuzzChangeBatch feeds request bodies through the XML decoding and the
// batch rules against a zone with a few sets: whatever comes in is
// either refused with an AWS error or yields sets that are all valid,
// inside the zone, and servable.
func FuzzChangeBatch(f *testing.F) {
	f.Add([]byte(seedBatch))
	f.Add([]byte(strings.ReplaceAll(seedBatch, "UPSERT", "BOGUS")))
	f.Add([]byte(strings.ReplaceAll(seedBatch, "<Type>A</Type>", "<Type>CNAME</Type>")))
	f.Add([]byte(`<ChangeResourceRecordSetsRequest><ChangeBatch><Changes></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`))
	f.Add([]byte(`<ChangeBatch/>`))
	apex, _ := parseName("example.com")
	current := map[string]*ResourceRecordSet{}
	for _, s := range apexSets(zoneRecord{HostedZone: HostedZone{Name: apex.stored}, NameServers: privateNameServers}) {
		current[identity(&s)] = &s
	}
	old := &ResourceRecordSet{Name: "old.example.com.", Type: "TXT", TTL: int64Ptr(60), ResourceRecords: []ResourceRecord{{`"a b"`}}}
	current[identity(old)] = old
	f.Fuzz(func(t *testing.T, body []byte) {
		var in ChangeResourceRecordSetsInput
		if err := awsapi.DecodeXML(body, "ChangeResourceRecordSetsRequest", &in); err != nil {
			if ae, ok := err.(*awsapi.Error); !ok || ae.Code != "MalformedInput" {
				t.Fatalf("decode error %v is not MalformedInput", err)
			}
			return
		}
		b, err := planBatch("ZSELF", apex, current, in.ChangeBatch.Changes, nil)
		if err != nil {
			if ae, ok := err.(*awsapi.Error); !ok || ae.Status != 400 {
				t.Fatalf("batch error %v is not a client error", err)
			}
			return
		}
		for id := range b.touched {
			s := b.sets[id]
			if s == nil {
				continue
			}
			n, p := parseName(s.Name)
			if p != nil || n.stored != s.Name || !n.within(apex) {
				t.Fatalf("stored set name %q (%v)", s.Name, p)
			}
			st := newSetState(s, slog.New(slog.DiscardHandler))
			if st.dns == nil {
				t.Fatalf("set %+v does not compile for the DNS server", s)
			}
			if s.AliasTarget == nil && len(st.dns.Records) != len(s.ResourceRecords) {
				t.Fatalf("set %+v: %d of %d values compile", s, len(st.dns.Records), len(s.ResourceRecords))
			}
			for _, rr := range st.dns.Records {
				buf := make([]byte, 1+mdns.Len(rr)+512)
				if _, err := mdns.PackRR(rr, buf, 0, nil, false); err != nil {
					t.Fatalf("value %v does not pack: %v", rr, err)
				}
			}
		}
	})
}

// FuzzRecordValue feeds values of every type through the value parser:
// an accepted value packs, and its presentation reads back (through
// miekg/dns's parser) to the same record.
func FuzzRecordValue(f *testing.F) {
	for _, seed := range []struct {
		typ, value string
	}{
		{"A", "192.0.2.1"}, {"AAAA", "2001:db8::1"}, {"CNAME", "www.example.com"}, {"TXT", `"a b" "c\"d" e`},
		{"TXT", `"\065\066"`}, {"MX", "10 mail.example.com."}, {"SRV", "1 10 5060 sip.example.com"}, {"NS", "ns1.example.net"},
		{"SOA", "ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 86400"}, {"PTR", "x.example.com"},
		{"CAA", `0 issue "amazon.com"`}, {"CAA", `128 iodef "mailto:a@example.com"`}, {"SPF", `"v=spf1 -all"`}, {"CNAME", `a\052b.example.com`},
	} {
		f.Add(seed.typ, seed.value)
	}
	f.Fuzz(func(t *testing.T, typ, value string) {
		rrtype, ok := recordTypes[typ]
		if !ok {
			return
		}
		rr, p := parseValue("x.example.com.", rrtype, 60, value)
		if p != nil {
			if !strings.HasPrefix(p.message(), "Invalid Resource Record: 'FATAL problem: ") {
				t.Fatalf("problem message %q", p.message())
			}
			return
		}
		buf := make([]byte, 1+mdns.Len(rr)+512)
		n, err := mdns.PackRR(rr, buf, 0, nil, false)
		if err != nil {
			t.Fatalf("%s %q: %v does not pack: %v", typ, value, rr, err)
		}
		back, err := mdns.NewRR(rr.String())
		if err != nil {
			t.Fatalf("%s %q: %q does not read back: %v", typ, value, rr.String(), err)
		}
		buf2 := make([]byte, 1+mdns.Len(back)+512)
		n2, err := mdns.PackRR(back, buf2, 0, nil, false)
		if err != nil || fmt.Sprintf("%x", buf[:n]) != fmt.Sprintf("%x", buf2[:n2]) {
			t.Fatalf("%s %q: %q reads back as %q", typ, value, rr.String(), back.String())
		}
	})
}

// FuzzName: a name that parses stores in a form that parses to itself,
// and its wire form is a valid DNS name.
func FuzzName(f *testing.F) {
	for _, s := range []string{"www.example.com", "*.Example.COM.", `a\052b.c`, `x\.y.z`, ".", "", "a..b", strings.Repeat("a", 64) + ".com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, p := parseName(s)
		if p != nil {
			return
		}
		again, p := parseName(n.stored)
		if p != nil || again.stored != n.stored || string(again.wire) != string(n.wire) {
			t.Fatalf("%q stored as %q reads back as %q (%v)", s, n.stored, again.stored, p)
		}
		if _, _, err := mdns.UnpackDomainName(n.wire, 0); err != nil {
			t.Fatalf("%q: wire %x: %v", s, n.wire, err)
		}
	})
}
