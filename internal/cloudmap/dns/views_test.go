package dns_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/miekg/dns"
)

// TestAddView: a view added while the server runs (another region's
// Cloud Map, in a store of its own here) is served beside the first, and
// its later changes are followed too.
func TestAddView(t *testing.T) {
	home, other := start(t), start(t)
	a := svc{name: "web", policy: types.RoutingPolicyMultivalue, records: map[types.RecordType]int64{types.RecordTypeA: 60}}
	homeSvc := home.service(t, home.namespace(t, "home.local", false, 60), a)
	home.register(t, homeSvc, "h1", attrs("AWS_INSTANCE_IPV4", "10.1.0.1"))
	otherSvc := other.service(t, other.namespace(t, "other.local", false, 60), a)
	other.register(t, otherSvc, "o1", attrs("AWS_INSTANCE_IPV4", "10.2.0.1"))

	answers := func(name string) []string {
		m := ask(t, home.addr, query{name: name, qtype: dns.TypeA})
		return rrStrings(m.Answer)
	}
	eventually(t, "home.local answered", func() bool { return len(answers("web.home.local.")) == 1 })
	if got := answers("web.other.local."); len(got) != 0 {
		t.Fatalf("web.other.local before its view was added: %v", got)
	}
	home.dns.AddView(other.reg.View())
	eventually(t, "other.local answered", func() bool { return len(answers("web.other.local.")) == 1 })
	other.register(t, otherSvc, "o2", attrs("AWS_INSTANCE_IPV4", "10.2.0.2"))
	eventually(t, "the added view's change answered", func() bool { return len(answers("web.other.local.")) == 2 })
	if got := answers("web.home.local."); len(got) != 1 {
		t.Fatalf("web.home.local after a view was added: %v", got)
	}
}
