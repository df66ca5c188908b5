package route53_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/route53/route53test"
)

// cloudMapNamespace creates a private DNS namespace with service "web"
// (A and SRV, TTL 60) and two instances, and returns the namespace.
func cloudMapNamespace(t testing.TB, env *route53test.Env) *sdtypes.Namespace {
	t.Helper()
	ctx := context.Background()
	c := env.CloudMapClient()
	op, err := c.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String("app.local"), Vpc: aws.String("vpc-0abc")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetOperation(ctx, &sd.GetOperationInput{OperationId: op.OperationId})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := c.GetNamespace(ctx, &sd.GetNamespaceInput{Id: aws.String(got.Operation.Targets["NAMESPACE"])})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("web"), NamespaceId: ns.Namespace.Id, DnsConfig: &sdtypes.DnsConfig{
		DnsRecords: []sdtypes.DnsRecord{{Type: sdtypes.RecordTypeA, TTL: aws.Int64(60)}, {Type: sdtypes.RecordTypeSrv, TTL: aws.Int64(60)}}}})
	if err != nil {
		t.Fatal(err)
	}
	for id, ip := range map[string]string{"i1": "10.0.0.1", "i2": "10.0.0.2"} {
		if _, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String(id),
			Attributes: map[string]string{"AWS_INSTANCE_IPV4": ip, "AWS_INSTANCE_PORT": "8080"}}); err != nil {
			t.Fatal(err)
		}
	}
	return ns.Namespace
}

// TestCloudMapZones: a Cloud Map DNS namespace is a hosted zone: listed
// with LinkedService, its VPC, and the records the DNS server answers
// (one set per instance, as Cloud Map keeps them); changing it through
// Route 53 is refused as AWS refuses it.
func TestCloudMapZones(t *testing.T) {
	env := route53test.Start(t, route53test.WithDNS())
	c := env.Client()
	ctx := context.Background()
	ns := cloudMapNamespace(t, env)
	zoneID := ns.Properties.DnsProperties.HostedZoneId
	createZone(t, c, "example.com", "")

	list, err := c.ListHostedZones(ctx, &route53.ListHostedZonesInput{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(list.HostedZones, func(z types.HostedZone) bool { return aws.ToString(z.Id) == "/hostedzone/"+aws.ToString(zoneID) })
	if len(list.HostedZones) != 2 || i < 0 {
		t.Fatalf("ListHostedZones: %+v", list.HostedZones)
	}
	z := list.HostedZones[i]
	if aws.ToString(z.Name) != "app.local." || !z.Config.PrivateZone || z.LinkedService == nil ||
		aws.ToString(z.LinkedService.ServicePrincipal) != "servicediscovery.amazonaws.com" || aws.ToString(z.LinkedService.Description) != aws.ToString(ns.Arn) {
		t.Errorf("Cloud Map's zone: %+v %+v", z, z.LinkedService)
	}
	got, err := c.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: zoneID})
	if err != nil || len(got.VPCs) != 1 || aws.ToString(got.VPCs[0].VPCId) != "vpc-0abc" {
		t.Fatalf("GetHostedZone: %+v %v", got, err)
	}

	sets := listAll(t, c, zoneID, 2)
	lines := summary(sets)
	want := []string{
		"app.local. NS ns1.portolan.internal.",
		"", // the SOA, checked against DNS below
		"web.app.local. A [i1] 10.0.0.1",
		"web.app.local. A [i2] 10.0.0.2",
		"web.app.local. SRV [i1] 1 1 8080 i1.web.app.local.",
		"web.app.local. SRV [i2] 1 1 8080 i2.web.app.local.",
		"i1.web.app.local. A 10.0.0.1",
		"i2.web.app.local. A 10.0.0.2",
	}
	if len(lines) != len(want) {
		t.Fatalf("sets:\n%s", strings.Join(lines, "\n"))
	}
	for i := range want {
		if want[i] != "" && lines[i] != want[i] {
			t.Errorf("set %d: %s, want %s", i, lines[i], want[i])
		}
	}
	if !aws.ToBool(sets[2].MultiValueAnswer) || aws.ToInt64(sets[2].TTL) != 60 {
		t.Errorf("instance set: %+v", sets[2])
	}
	// The same records the DNS server answers.
	addr := env.DNSAddr()
	soa := ask(t, addr, "app.local", dns.TypeSOA)
	if r := rdata(soa); len(r) != 1 || "app.local. SOA "+r[0] != lines[1] || soa.Answer[0].Header().Ttl != uint32(aws.ToInt64(sets[1].TTL)) {
		t.Errorf("SOA answered %q TTL %d, listed %s TTL %d", r, soa.Answer[0].Header().Ttl, lines[1], aws.ToInt64(sets[1].TTL))
	}
	if r := rdata(ask(t, addr, "web.app.local", dns.TypeA)); !slices.Equal(r, []string{"10.0.0.1", "10.0.0.2"}) {
		t.Errorf("A answered %q", r)
	}
	if r := rdata(ask(t, addr, "web.app.local", dns.TypeSRV)); !slices.Equal(r, []string{"1 1 8080 i1.web.app.local.", "1 1 8080 i2.web.app.local."}) {
		t.Errorf("SRV answered %q", r)
	}

	denied := "The resource hostedzone/" + aws.ToString(zoneID) + " can only be managed through servicediscovery.amazonaws.com (" + aws.ToString(ns.Arn) + ")"
	_, err = changeBatch(ctx, c, zoneID, change(types.ChangeActionCreate, rrset("x.app.local", types.RRTypeA, 60, "10.0.0.9")))
	if e := apiError(t, err, "AccessDenied", http.StatusForbidden); e.Message != denied {
		t.Errorf("message %s, want %s", e.Message, denied)
	}
	_, err = c.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: zoneID})
	apiError(t, err, "AccessDenied", http.StatusForbidden)
	_, err = c.ChangeTagsForResource(ctx, &route53.ChangeTagsForResourceInput{ResourceType: types.TagResourceTypeHostedzone, ResourceId: zoneID,
		AddTags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	apiError(t, err, "AccessDenied", http.StatusForbidden)
	_, err = c.AssociateVPCWithHostedZone(ctx, &route53.AssociateVPCWithHostedZoneInput{HostedZoneId: zoneID, VPC: &types.VPC{VPCId: aws.String("vpc-0def")}})
	apiError(t, err, "AccessDenied", http.StatusForbidden)
}

// TestListHostedZonesByName: zones in the order of their names with the
// labels reversed, then id, paged by NextDNSName and NextHostedZoneId.
func TestListHostedZonesByName(t *testing.T) {
	env := route53test.Start(t)
	c := env.Client()
	ctx := context.Background()
	for _, name := range []string{"b.example.com", "a.example.org", "example.com", "z.test"} {
		createZone(t, c, name, "")
	}
	createZone(t, c, "example.com", "vpc-1") // a second zone of the same name
	var names []string
	in := &route53.ListHostedZonesByNameInput{MaxItems: aws.Int32(2)}
	for {
		page, err := c.ListHostedZonesByName(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range page.HostedZones {
			names = append(names, aws.ToString(z.Name))
		}
		if !page.IsTruncated {
			break
		}
		in.DNSName, in.HostedZoneId = page.NextDNSName, page.NextHostedZoneId
	}
	if want := []string{"example.com.", "example.com.", "b.example.com.", "a.example.org.", "z.test."}; !slices.Equal(names, want) {
		t.Errorf("order %q, want %q", names, want)
	}
	from, err := c.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: aws.String("example.net")})
	if err != nil || len(from.HostedZones) != 2 || aws.ToString(from.HostedZones[0].Name) != "a.example.org." {
		t.Errorf("from example.net: %+v %v", from, err)
	}
	_, err = c.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{HostedZoneId: aws.String("Z123")})
	apiError(t, err, "InvalidInput", http.StatusBadRequest)

	// ListHostedZones pages by Marker.
	var ids []string
	lin := &route53.ListHostedZonesInput{MaxItems: aws.Int32(2)}
	for {
		page, err := c.ListHostedZones(ctx, lin)
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range page.HostedZones {
			ids = append(ids, aws.ToString(z.Id))
		}
		if !page.IsTruncated {
			break
		}
		lin.Marker = page.NextMarker
	}
	if len(ids) != 5 || !slices.IsSorted(ids) {
		t.Errorf("ListHostedZones pages: %q", ids)
	}
}

// TestTags: tags are added, replaced by key, removed, and listed.
func TestTags(t *testing.T) {
	env := route53test.Start(t)
	c := env.Client()
	ctx := context.Background()
	id := aws.String(zoneID(createZone(t, c, "tags.test", "")))
	tag := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	if _, err := c.ChangeTagsForResource(ctx, &route53.ChangeTagsForResourceInput{ResourceType: types.TagResourceTypeHostedzone, ResourceId: id,
		AddTags: []types.Tag{tag("env", "dev"), tag("team", "a")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ChangeTagsForResource(ctx, &route53.ChangeTagsForResourceInput{ResourceType: types.TagResourceTypeHostedzone, ResourceId: id,
		AddTags: []types.Tag{tag("env", "prod")}, RemoveTagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.ListTagsForResource(ctx, &route53.ListTagsForResourceInput{ResourceType: types.TagResourceTypeHostedzone, ResourceId: id})
	if err != nil {
		t.Fatal(err)
	}
	if tags := got.ResourceTagSet.Tags; len(tags) != 1 || aws.ToString(tags[0].Key) != "env" || aws.ToString(tags[0].Value) != "prod" ||
		aws.ToString(got.ResourceTagSet.ResourceId) != aws.ToString(id) {
		t.Errorf("tags %+v", got.ResourceTagSet)
	}
	_, err = c.ListTagsForResource(ctx, &route53.ListTagsForResourceInput{ResourceType: types.TagResourceTypeHostedzone, ResourceId: aws.String("ZNOPE")})
	apiError(t, err, "NoSuchHostedZone", http.StatusNotFound)
}
