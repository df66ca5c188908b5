package stack_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/route53/route53test"
	"github.com/portolan/portolan/internal/stack"
)

const zoneTemplate = `
Resources:
  Zone:
    Type: AWS::Route53::HostedZone
    Properties:
      Name: corp.internal
      HostedZoneConfig: {Comment: from a stack}
      VPCs: [{VPCId: vpc-0abc, VPCRegion: us-east-1}]
      HostedZoneTags: [{Key: team, Value: a}]
  Web:
    Type: AWS::Route53::RecordSetGroup
    Properties:
      HostedZoneId: !Ref Zone
      RecordSets:
        - {Name: db.corp.internal, Type: A, TTL: "60", ResourceRecords: [192.0.2.10, 192.0.2.11]}
        - Name: www.corp.internal
          Type: A
          AliasTarget: {HostedZoneId: !Ref Zone, DNSName: db.corp.internal}
        - {Name: old.corp.internal, Type: A, TTL: 60, ResourceRecords: [192.0.2.99]}
  Txt:
    Type: AWS::Route53::RecordSet
    Properties:
      HostedZoneName: corp.internal.
      Name: corp.internal
      Type: TXT
      TTL: "300"
      ResourceRecords: ['"hello"']
    DependsOn: Zone
Outputs:
  ZoneId: {Value: !Ref Zone}
  NameServers: {Value: !Join [",", !GetAtt Zone.NameServers]}
  Txt: {Value: !Ref Txt}
`

// TestRoute53Resources: a template's hosted zone, record set group and
// record set are created, served by the DNS server, updated in place
// (TTL, a set dropped, the VPCs, the tags) and destroyed.
func TestRoute53Resources(t *testing.T) {
	env := route53test.Start(t, route53test.WithDNS())
	d := stack.New(stack.Config{Region: awstest.Region, AccountID: route53test.AccountID, Store: env.Store, Route53: env.Route53})
	c := env.Client()
	ctx := context.Background()
	deploy := func(tpl string) *stack.Stack {
		t.Helper()
		var events []stack.Event
		st, err := d.Deploy(ctx, stack.DeployInput{StackName: "dns", Template: []byte(tpl)}, func(e stack.Event) { events = append(events, e) })
		if err != nil {
			t.Fatalf("deploy: %v\n%v", err, events)
		}
		return st
	}
	st := deploy(zoneTemplate)
	zone := output(st, "ZoneId")
	if !strings.HasPrefix(zone, "Z") || output(st, "Txt") != "corp.internal" {
		t.Fatalf("outputs %+v", st.Outputs)
	}
	got, err := c.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String(zone)})
	if err != nil || aws.ToString(got.HostedZone.Config.Comment) != "from a stack" || len(got.VPCs) != 1 {
		t.Fatalf("zone: %+v %v", got, err)
	}
	addr := env.DNSAddr()
	resolve := func(name string, qtype uint16) []string {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), qtype)
		r, err := dns.Exchange(m, addr)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, rr := range r.Answer {
			out = append(out, strings.TrimPrefix(rr.String(), rr.Header().String()))
		}
		slices.Sort(out)
		return out
	}
	if got := resolve("www.corp.internal", dns.TypeA); !slices.Equal(got, []string{"192.0.2.10", "192.0.2.11"}) {
		t.Errorf("alias from the template: %q", got)
	}
	if got := resolve("corp.internal", dns.TypeTXT); !slices.Equal(got, []string{`"hello"`}) {
		t.Errorf("TXT from the template: %q", got)
	}

	// Update in place: a TTL, a set dropped, another VPC, other tags.
	updated := strings.NewReplacer(`TTL: "60"`, `TTL: "30"`,
		"        - {Name: old.corp.internal, Type: A, TTL: 60, ResourceRecords: [192.0.2.99]}\n", "",
		"VPCs: [{VPCId: vpc-0abc, VPCRegion: us-east-1}]", "VPCs: [{VPCId: vpc-0def, VPCRegion: us-east-1}]",
		"HostedZoneTags: [{Key: team, Value: a}]", "HostedZoneTags: [{Key: team, Value: b}]").Replace(zoneTemplate)
	st = deploy(updated)
	if output(st, "ZoneId") != zone {
		t.Fatalf("the zone was replaced: %s, was %s", output(st, "ZoneId"), zone)
	}
	sets, err := c.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range sets.ResourceRecordSets {
		names = append(names, aws.ToString(s.Name)+" "+string(s.Type))
		if aws.ToString(s.Name) == "db.corp.internal." && aws.ToInt64(s.TTL) != 30 {
			t.Errorf("TTL not updated: %+v", s)
		}
	}
	if want := []string{"corp.internal. NS", "corp.internal. SOA", "corp.internal. TXT", "db.corp.internal. A", "www.corp.internal. A"}; !slices.Equal(names, want) {
		t.Errorf("sets after update %q, want %q", names, want)
	}
	got, err = c.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String(zone)})
	if err != nil || len(got.VPCs) != 1 || aws.ToString(got.VPCs[0].VPCId) != "vpc-0def" {
		t.Errorf("VPCs after update: %+v %v", got, err)
	}
	tags, err := c.ListTagsForResource(ctx, &route53.ListTagsForResourceInput{ResourceType: "hostedzone", ResourceId: aws.String(zone)})
	if err != nil || len(tags.ResourceTagSet.Tags) != 1 || aws.ToString(tags.ResourceTagSet.Tags[0].Value) != "b" {
		t.Errorf("tags after update: %+v %v", tags, err)
	}

	if err := d.Destroy(ctx, "dns", func(stack.Event) {}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListHostedZones(ctx, &route53.ListHostedZonesInput{})
	if err != nil || len(list.HostedZones) != 0 {
		t.Errorf("left after destroy: %+v %v", list, err)
	}
}
