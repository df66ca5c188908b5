package route53_test

import (
	"context"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"

	cmdns "github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/route53/route53test"
	"github.com/portolan/portolan/internal/store"
)

// loadBalancers stands for the load balancers' view: their names as the
// DNS server's records and as alias targets Route 53 vouches for.
type loadBalancers struct {
	store.Feed[[]cmdns.Record]
}

func (l *loadBalancers) Records() ([]cmdns.Record, int64) {
	recs, rev, _ := l.Load()
	return recs, rev
}

func (l *loadBalancers) AliasTarget(name string) (known, exists bool) {
	if !strings.Contains(name, ".elb.") {
		return false, false
	}
	recs, _ := l.Records()
	return true, slices.ContainsFunc(recs, func(r cmdns.Record) bool { return strings.EqualFold(r.Name, strings.TrimSuffix(name, ".")) })
}

// Test addresses come from this package's own /24.
const nlbDNSName = "web-0123456789abcdef.elb.us-east-1.amazonaws.com"

func ask(t testing.TB, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	r, err := dns.Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s: %v", name, err)
	}
	return r
}

// rdata is an answer's values in presentation format, sorted.
func rdata(m *dns.Msg) []string {
	var out []string
	for _, rr := range m.Answer {
		out = append(out, strings.TrimPrefix(rr.String(), rr.Header().String()))
	}
	slices.Sort(out)
	return out
}

// waitInsync polls GetChange until the change is INSYNC.
func waitInsync(t testing.TB, c *route53.Client, id *string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := c.GetChange(context.Background(), &route53.GetChangeInput{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		if got.ChangeInfo.Status == types.ChangeStatusInsync {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("change %s still %s", aws.ToString(id), got.ChangeInfo.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestServedByDNS: a private zone's records, written in one batch, are
// answered by the DNS server once the change is INSYNC: A, CNAME (chased),
// TXT, SRV, and an alias to a load balancer's name, which follows the load
// balancer's address; aliases to names that do not exist are refused; a
// deleted set stops answering; and all of it survives a restart.
func TestServedByDNS(t *testing.T) {
	lbs := &loadBalancers{}
	lbs.Publish([]cmdns.Record{{Name: nlbDNSName, Addr: netip.MustParseAddr("127.0.230.10")}}, 1)
	withLBs := func(c *cmdns.Config) { c.Records = []cmdns.Records{lbs} }
	env := route53test.Start(t, route53test.WithDNS(withLBs), route53test.WithAliases(lbs))
	c := env.Client()
	ctx := context.Background()
	created := createZone(t, c, "corp.internal", "vpc-0abc")
	zone := created.HostedZone.Id
	waitInsync(t, c, created.ChangeInfo.Id)

	nlbAlias := &types.ResourceRecordSet{Name: aws.String("api.corp.internal"), Type: types.RRTypeA,
		AliasTarget: &types.AliasTarget{HostedZoneId: aws.String("Z26RNL4JYFTOTI"), DNSName: aws.String("dualstack." + nlbDNSName), EvaluateTargetHealth: true}}
	out, err := changeBatch(ctx, c, zone,
		change(types.ChangeActionUpsert, rrset("db.corp.internal", types.RRTypeA, 60, "192.0.2.10", "192.0.2.11")),
		change(types.ChangeActionUpsert, rrset("www.corp.internal", types.RRTypeCname, 60, "db.corp.internal")),
		change(types.ChangeActionUpsert, rrset("corp.internal", types.RRTypeTxt, 60, `"hello world"`)),
		change(types.ChangeActionUpsert, rrset("_pg._tcp.corp.internal", types.RRTypeSrv, 60, "1 10 5432 db.corp.internal")),
		change(types.ChangeActionUpsert, nlbAlias),
		change(types.ChangeActionUpsert, rrset("*.apps.corp.internal", types.RRTypeA, 60, "192.0.2.30")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitInsync(t, c, out.ChangeInfo.Id)
	addr := env.DNSAddr()
	txt := []string{`"hello world"`}
	check := func(t *testing.T) {
		t.Helper()
		for _, q := range []struct {
			name  string
			qtype uint16
			want  []string
		}{
			{"db.corp.internal", dns.TypeA, []string{"192.0.2.10", "192.0.2.11"}},
			{"www.corp.internal", dns.TypeA, []string{"192.0.2.10", "192.0.2.11", "db.corp.internal."}},
			{"corp.internal", dns.TypeTXT, txt},
			{"_pg._tcp.corp.internal", dns.TypeSRV, []string{"1 10 5432 db.corp.internal."}},
			{"api.corp.internal", dns.TypeA, []string{"127.0.230.10"}},
			{"anything.apps.corp.internal", dns.TypeA, []string{"192.0.2.30"}},
			{"corp.internal", dns.TypeNS, []string{"ns-0.awsdns-00.com.", "ns-1024.awsdns-00.org.", "ns-1536.awsdns-00.co.uk.", "ns-512.awsdns-00.net."}},
		} {
			m := ask(t, addr, q.name, q.qtype)
			if !m.Authoritative || m.Rcode != dns.RcodeSuccess || !slices.Equal(rdata(m), q.want) {
				t.Errorf("%s %s: %s AA=%v %q, want %q", q.name, dns.TypeToString[q.qtype], dns.RcodeToString[m.Rcode], m.Authoritative, rdata(m), q.want)
			}
		}
		m := ask(t, addr, "nothing.corp.internal", dns.TypeA)
		if m.Rcode != dns.RcodeNameError || len(m.Ns) != 1 || m.Ns[0].(*dns.SOA).Mbox != "awsdns-hostmaster.amazon.com." {
			t.Errorf("NXDOMAIN with the zone's SOA: %v", m)
		}
	}
	t.Run("answers", check)

	// The load balancer moves: the alias follows without a change to the zone.
	lbs.Publish([]cmdns.Record{{Name: nlbDNSName, Addr: netip.MustParseAddr("127.0.230.11")}}, 2)
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Equal(rdata(ask(t, addr, "api.corp.internal", dns.TypeA)), []string{"127.0.230.11"}) {
		if time.Now().After(deadline) {
			t.Fatal("the alias did not follow the load balancer")
		}
		time.Sleep(5 * time.Millisecond)
	}

	for _, r := range []struct {
		alias   *types.AliasTarget
		message string
	}{
		{&types.AliasTarget{HostedZoneId: aws.String("Z26RNL4JYFTOTI"), DNSName: aws.String("gone-0123.elb.us-east-1.amazonaws.com")},
			"[Tried to create an alias that targets gone-0123.elb.us-east-1.amazonaws.com., type A in zone Z26RNL4JYFTOTI, but that target was not found]"},
		{&types.AliasTarget{HostedZoneId: zone, DNSName: aws.String("missing.corp.internal")},
			"[Tried to create an alias that targets missing.corp.internal., type A in zone " + zoneID(created) + ", but that target was not found]"},
		{&types.AliasTarget{HostedZoneId: zone, DNSName: aws.String("db.example.org")},
			"[Tried to create an alias that targets db.example.org., type A in zone " + zoneID(created) + ", but the alias target name does not lie within the target zone]"},
	} {
		_, err := changeBatch(ctx, c, zone, change(types.ChangeActionCreate, &types.ResourceRecordSet{Name: aws.String("x.corp.internal"), Type: types.RRTypeA, AliasTarget: r.alias}))
		if e := apiError(t, err, "InvalidChangeBatch", http.StatusBadRequest); e.Message != r.message {
			t.Errorf("message\n%s\nwant\n%s", e.Message, r.message)
		}
	}
	// An alias to a set of the same zone, created in the same batch.
	out, err = changeBatch(ctx, c, zone,
		change(types.ChangeActionCreate, rrset("v2.corp.internal", types.RRTypeA, 60, "192.0.2.20")),
		change(types.ChangeActionCreate, &types.ResourceRecordSet{Name: aws.String("current.corp.internal"), Type: types.RRTypeA,
			AliasTarget: &types.AliasTarget{HostedZoneId: zone, DNSName: aws.String("v2.corp.internal")}}),
		change(types.ChangeActionDelete, rrset("corp.internal", types.RRTypeTxt, 60, `"hello world"`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitInsync(t, c, out.ChangeInfo.Id)
	if got := rdata(ask(t, addr, "current.corp.internal", dns.TypeA)); !slices.Equal(got, []string{"192.0.2.20"}) {
		t.Errorf("in-zone alias: %q", got)
	}
	if m := ask(t, addr, "corp.internal", dns.TypeTXT); len(m.Answer) != 0 || m.Rcode != dns.RcodeSuccess {
		t.Errorf("deleted TXT still answers: %v", m)
	}

	// Restart: the zone, its sets and its changes are all still there.
	txt = nil
	env.Stop()
	lbs.Publish([]cmdns.Record{{Name: nlbDNSName, Addr: netip.MustParseAddr("127.0.230.10")}}, 3)
	env = route53test.Start(t, route53test.InDir(env.Dir), route53test.WithDNS(withLBs), route53test.WithAliases(lbs))
	c = env.Client()
	addr = env.DNSAddr()
	waitInsync(t, c, out.ChangeInfo.Id)
	t.Run("after-restart", check)
	if got := rdata(ask(t, addr, "current.corp.internal", dns.TypeA)); !slices.Equal(got, []string{"192.0.2.20"}) {
		t.Errorf("in-zone alias after restart: %q", got)
	}
}

// TestChangePending: a change is PENDING until the DNS server answers from
// a revision of the zones that has it (here a server held back), then
// INSYNC; an unknown change is NoSuchChange.
func TestChangePending(t *testing.T) {
	var served atomic.Int64
	env := route53test.Start(t, route53test.WithServed(served.Load))
	c := env.Client()
	ctx := context.Background()
	created := createZone(t, c, "pending.test", "")
	if created.ChangeInfo.Status != types.ChangeStatusPending {
		t.Errorf("CreateHostedZone's change %s before the DNS server has it", created.ChangeInfo.Status)
	}
	out, err := changeBatch(ctx, c, created.HostedZone.Id, change(types.ChangeActionCreate, rrset("a.pending.test", types.RRTypeA, 60, "192.0.2.1")))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetChange(ctx, &route53.GetChangeInput{Id: out.ChangeInfo.Id})
	if err != nil || got.ChangeInfo.Status != types.ChangeStatusPending || !got.ChangeInfo.SubmittedAt.Equal(*out.ChangeInfo.SubmittedAt) {
		t.Fatalf("GetChange before it is served: %+v %v", got, err)
	}
	served.Store(env.Store.Revision())
	waitInsync(t, c, out.ChangeInfo.Id)
	waitInsync(t, c, created.ChangeInfo.Id)
	_, err = c.GetChange(ctx, &route53.GetChangeInput{Id: aws.String("C0NOSUCHCHANGE")})
	apiError(t, err, "NoSuchChange", http.StatusNotFound)
}
