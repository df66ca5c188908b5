package server_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// cliZone is what create-hosted-zone and get-change print.
type cliChange struct {
	ChangeInfo struct{ Id, Status string }
	HostedZone struct{ Id, Name string }
}

// TestRoute53ThroughTheCLI drives the whole server with the AWS CLI v2: a
// private hosted zone; one UPSERT batch of A, CNAME, TXT, SRV and an alias
// to an NLB's DNS name; get-change reaching INSYNC; the DNS server (asked
// with dig when installed, and miekg/dns) answering them, the alias with
// the NLB's address; a DELETE batch with a wrong value refused whole; a
// Cloud Map namespace listed as a linked zone with the records dig gets;
// and everything still served after a restart.
func TestRoute53ThroughTheCLI(t *testing.T) {
	awstest.NeedCLI(t)
	lbRange := func(c *server.Config) { c.LoadBalancerAddresses = netip.MustParsePrefix("127.0.230.0/24") }
	env := servertest.Start(t, lbRange)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cli := func(v any, args ...string) {
		t.Helper()
		out := awstest.CLI(ctx, t, env.URL, args...)
		if v != nil {
			if err := json.Unmarshal(out, v); err != nil {
				t.Fatalf("aws %v: %v\n%s", args, err, out)
			}
		}
	}
	var lbs struct {
		LoadBalancers []struct{ DNSName, CanonicalHostedZoneId string }
	}
	cli(&lbs, "elbv2", "create-load-balancer", "--name", "api", "--type", "network", "--scheme", "internal", "--subnets", "subnet-1")
	var described struct {
		LoadBalancers []struct {
			AvailabilityZones []struct {
				LoadBalancerAddresses []struct{ PrivateIPv4Address string }
			}
		}
	}
	cli(&described, "elbv2", "describe-load-balancers", "--names", "api")
	nlbAddr := described.LoadBalancers[0].AvailabilityZones[0].LoadBalancerAddresses[0].PrivateIPv4Address

	var zone cliChange
	cli(&zone, "route53", "create-hosted-zone", "--name", "corp.internal", "--caller-reference", "cli-1",
		"--vpc", "VPCRegion=us-east-1,VPCId=vpc-0abc", "--hosted-zone-config", "PrivateZone=true,Comment=cli")
	zoneID := strings.TrimPrefix(zone.HostedZone.Id, "/hostedzone/")
	batch := `{"Comment":"first","Changes":[
	 {"Action":"UPSERT","ResourceRecordSet":{"Name":"db.corp.internal","Type":"A","TTL":60,"ResourceRecords":[{"Value":"192.0.2.10"},{"Value":"192.0.2.11"}]}},
	 {"Action":"UPSERT","ResourceRecordSet":{"Name":"www.corp.internal","Type":"CNAME","TTL":60,"ResourceRecords":[{"Value":"db.corp.internal"}]}},
	 {"Action":"UPSERT","ResourceRecordSet":{"Name":"corp.internal","Type":"TXT","TTL":60,"ResourceRecords":[{"Value":"\"hello world\""}]}},
	 {"Action":"UPSERT","ResourceRecordSet":{"Name":"_pg._tcp.corp.internal","Type":"SRV","TTL":60,"ResourceRecords":[{"Value":"1 10 5432 db.corp.internal"}]}},
	 {"Action":"UPSERT","ResourceRecordSet":{"Name":"api.corp.internal","Type":"A","AliasTarget":{"HostedZoneId":"` + lbs.LoadBalancers[0].CanonicalHostedZoneId +
		`","DNSName":"dualstack.` + lbs.LoadBalancers[0].DNSName + `","EvaluateTargetHealth":false}}}]}`
	var changed cliChange
	cli(&changed, "route53", "change-resource-record-sets", "--hosted-zone-id", zoneID, "--change-batch", batch)
	for changed.ChangeInfo.Status != "INSYNC" {
		if ctx.Err() != nil {
			t.Fatalf("change never INSYNC: %+v", changed)
		}
		time.Sleep(50 * time.Millisecond)
		cli(&changed, "route53", "get-change", "--id", changed.ChangeInfo.Id)
	}

	dnsAddr := env.Server.DNSAddr()
	answers := map[string]struct {
		qtype uint16
		want  []string
	}{
		"db.corp.internal":       {dns.TypeA, []string{"192.0.2.10", "192.0.2.11"}},
		"www.corp.internal":      {dns.TypeA, []string{"192.0.2.10", "192.0.2.11", "db.corp.internal."}},
		"corp.internal":          {dns.TypeTXT, []string{`"hello world"`}},
		"_pg._tcp.corp.internal": {dns.TypeSRV, []string{"1 10 5432 db.corp.internal."}},
		"api.corp.internal":      {dns.TypeA, []string{nlbAddr}},
	}
	check := func(t *testing.T) {
		t.Helper()
		for name, a := range answers {
			if got := resolveValues(t, dnsAddr, name, a.qtype); !slices.Equal(got, a.want) {
				t.Errorf("%s %s: %q, want %q", name, dns.TypeToString[a.qtype], got, a.want)
			}
		}
		if dig, err := exec.LookPath("dig"); err == nil {
			host, port, _ := strings.Cut(dnsAddr, ":")
			out, err := exec.CommandContext(ctx, dig, "@"+host, "-p", port, "+short", "api.corp.internal", "A").Output()
			if err != nil || strings.TrimSpace(string(out)) != nlbAddr {
				t.Errorf("dig api.corp.internal: %q %v, want %s", out, err, nlbAddr)
			}
		}
	}
	t.Run("served", check)

	var before, after json.RawMessage
	cli(&before, "route53", "list-resource-record-sets", "--hosted-zone-id", zoneID)
	refused := awstest.CLIFails(ctx, t, env.URL, "route53", "change-resource-record-sets", "--hosted-zone-id", zoneID, "--change-batch", `{"Changes":[
	 {"Action":"DELETE","ResourceRecordSet":{"Name":"corp.internal","Type":"TXT","TTL":60,"ResourceRecords":[{"Value":"\"hello world\""}]}},
	 {"Action":"DELETE","ResourceRecordSet":{"Name":"db.corp.internal","Type":"A","TTL":60,"ResourceRecords":[{"Value":"192.0.2.10"}]}}]}`)
	if !strings.Contains(refused, "(InvalidChangeBatch)") ||
		!strings.Contains(refused, "[Tried to delete resource record set [name='db.corp.internal.', type='A'] but the values provided do not match the current values]") {
		t.Errorf("refused delete: %s", refused)
	}
	cli(&after, "route53", "list-resource-record-sets", "--hosted-zone-id", zoneID)
	if string(before) != string(after) {
		t.Errorf("a refused batch changed the zone:\n%s\n%s", before, after)
	}

	checkLinkedZoneCLI(t, cli, dnsAddr)

	// Restart: the same answers from the same state.
	env.Stop()
	env = servertest.Start(t, lbRange, func(c *server.Config) { c.DataDir = env.DataDir })
	dnsAddr = env.Server.DNSAddr()
	t.Run("after-restart", check)
}

// checkLinkedZoneCLI: a Cloud Map namespace is a linked zone, listed by
// list-hosted-zones, whose list-resource-record-sets are what the DNS
// server answers.
func checkLinkedZoneCLI(t *testing.T, cli func(v any, args ...string), dnsAddr string) {
	var op struct{ OperationId string }
	cli(&op, "servicediscovery", "create-private-dns-namespace", "--name", "app.local", "--vpc", "vpc-0abc")
	var zones struct {
		HostedZones []struct {
			Id, Name      string
			LinkedService *struct{ ServicePrincipal string }
		}
	}
	cli(&zones, "route53", "list-hosted-zones")
	i := slices.IndexFunc(zones.HostedZones, func(z struct {
		Id, Name      string
		LinkedService *struct{ ServicePrincipal string }
	}) bool {
		return z.Name == "app.local."
	})
	if len(zones.HostedZones) != 2 || i < 0 || zones.HostedZones[i].LinkedService == nil || zones.HostedZones[i].LinkedService.ServicePrincipal != "servicediscovery.amazonaws.com" {
		t.Fatalf("list-hosted-zones: %+v", zones)
	}
	var sets struct {
		ResourceRecordSets []struct {
			Name, Type      string
			ResourceRecords []struct{ Value string }
		}
	}
	cli(&sets, "route53", "list-resource-record-sets", "--hosted-zone-id", zones.HostedZones[i].Id)
	for _, s := range sets.ResourceRecordSets {
		got := resolveValues(t, dnsAddr, s.Name, dns.StringToType[s.Type])
		if len(s.ResourceRecords) != 1 || !slices.Equal(got, []string{s.ResourceRecords[0].Value}) {
			t.Errorf("%s %s listed %v, answered %q", s.Name, s.Type, s.ResourceRecords, got)
		}
	}

}

// resolveValues asks the DNS server and returns the answer's values in
// presentation format, sorted.
func resolveValues(t testing.TB, addr, name string, qtype uint16) []string {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	r, _, err := (&dns.Client{Timeout: 3 * time.Second}).Exchange(m, addr)
	if err != nil {
		t.Fatalf("resolve %s: %v", name, err)
	}
	var out []string
	for _, rr := range r.Answer {
		out = append(out, strings.TrimPrefix(rr.String(), rr.Header().String()))
	}
	slices.Sort(out)
	return out
}
