package admin

import (
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// The console's DNS view: each Cloud Map service's records as Portolan's
// DNS server answers them, read through the server's own answer path
// (DNS.Answer), never derived again from the instances here.

// DNS is the DNS server's answer path.
type DNS interface {
	Answer(name string, qtype uint16) (*dns.Msg, error)
}

// ConsoleDNSName is what the DNS server answers for one service's name.
type ConsoleDNSName struct {
	Name      string `json:"name"`      // service.namespace
	Namespace string `json:"namespace"` // the namespace's name
	// Records are the answers to A, AAAA, SRV and CNAME queries for the
	// name, with the additional records (an SRV target's address).
	Records []ConsoleDNSRecord `json:"records"`
}

// ConsoleDNSRecord is one resource record of an answer.
type ConsoleDNSRecord struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	TTL        uint32 `json:"ttl"`
	Value      string `json:"value"`
	Additional bool   `json:"additional,omitempty"`
}

// dnsQueryTypes are the record types Cloud Map publishes for a service.
var dnsQueryTypes = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeSRV, dns.TypeCNAME}

// dnsView asks the DNS server for every service of the status's DNS
// namespaces (HTTP namespaces have no records).
func (a *Admin) dnsView(st *Status) []ConsoleDNSName {
	if a.dns == nil {
		return nil
	}
	out := []ConsoleDNSName{}
	for _, ns := range st.Namespaces {
		if !strings.HasPrefix(ns.Type, "DNS_") {
			continue
		}
		for _, svc := range ns.Services {
			name := ConsoleDNSName{Name: svc.Name + "." + ns.Name, Namespace: ns.Name, Records: []ConsoleDNSRecord{}}
			for _, t := range dnsQueryTypes {
				m, err := a.dns.Answer(name.Name, t)
				if err != nil {
					a.log.Warn("console DNS view", "name", name.Name, "err", err)
					continue
				}
				for _, rr := range m.Answer {
					if rr.Header().Rrtype == t { // not a CNAME's target, listed under its own name
						name.Records = append(name.Records, consoleRecord(rr, false))
					}
				}
				for _, rr := range m.Extra {
					if rr.Header().Rrtype != dns.TypeOPT {
						name.Records = append(name.Records, consoleRecord(rr, true))
					}
				}
			}
			// Picked values come in random order: sorted, the view only
			// changes when the answers do.
			sort.SliceStable(name.Records, func(i, j int) bool {
				x, y := name.Records[i], name.Records[j]
				return !x.Additional && y.Additional || x.Additional == y.Additional && (x.Type < y.Type || x.Type == y.Type && x.Name+x.Value < y.Name+y.Value)
			})
			out = append(out, name)
		}
	}
	return out
}

func consoleRecord(rr dns.RR, additional bool) ConsoleDNSRecord {
	h := rr.Header()
	return ConsoleDNSRecord{Name: h.Name, Type: dns.TypeToString[h.Rrtype], TTL: h.Ttl,
		Value: strings.TrimPrefix(rr.String(), h.String()), Additional: additional}
}
