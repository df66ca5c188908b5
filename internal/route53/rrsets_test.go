package route53_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/portolan/portolan/internal/route53/route53test"
)

// rrset builds a plain record set.
func rrset(name string, typ types.RRType, ttl int64, values ...string) *types.ResourceRecordSet {
	s := &types.ResourceRecordSet{Name: aws.String(name), Type: typ, TTL: aws.Int64(ttl)}
	for _, v := range values {
		s.ResourceRecords = append(s.ResourceRecords, types.ResourceRecord{Value: aws.String(v)})
	}
	return s
}

func change(action types.ChangeAction, s *types.ResourceRecordSet) types.Change {
	return types.Change{Action: action, ResourceRecordSet: s}
}

func changeBatch(ctx context.Context, c *route53.Client, zone *string, changes ...types.Change) (*route53.ChangeResourceRecordSetsOutput, error) {
	return c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone, ChangeBatch: &types.ChangeBatch{Changes: changes}})
}

// listAll reads every set of a zone, page by page (pageSize sets a page).
func listAll(t testing.TB, c *route53.Client, zone *string, pageSize int32) []types.ResourceRecordSet {
	t.Helper()
	in := &route53.ListResourceRecordSetsInput{HostedZoneId: zone, MaxItems: aws.Int32(pageSize)}
	var out []types.ResourceRecordSet
	for {
		page, err := c.ListResourceRecordSets(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if int32(len(page.ResourceRecordSets)) > pageSize {
			t.Fatalf("page of %d sets, MaxItems %d", len(page.ResourceRecordSets), pageSize)
		}
		out = append(out, page.ResourceRecordSets...)
		if !page.IsTruncated {
			return out
		}
		in.StartRecordName, in.StartRecordType, in.StartRecordIdentifier = page.NextRecordName, page.NextRecordType, page.NextRecordIdentifier
	}
}

// summary renders sets as "name TYPE [id] values" lines.
func summary(sets []types.ResourceRecordSet) []string {
	var out []string
	for _, s := range sets {
		line := aws.ToString(s.Name) + " " + string(s.Type)
		if s.SetIdentifier != nil {
			line += " [" + aws.ToString(s.SetIdentifier) + "]"
		}
		for _, r := range s.ResourceRecords {
			line += " " + aws.ToString(r.Value)
		}
		if s.AliasTarget != nil {
			line += " alias:" + aws.ToString(s.AliasTarget.DNSName)
		}
		out = append(out, line)
	}
	return out
}

// TestChangeResourceRecordSets: an UPSERT batch of every record type,
// listed in Route 53's order (labels reversed, then type, then set
// identifier) and paged from any point; batches that cannot all apply
// are refused whole with every problem in Route 53's words, and change
// nothing.
func TestChangeResourceRecordSets(t *testing.T) {
	env := route53test.Start(t)
	c := env.Client()
	ctx := context.Background()
	zone := createZone(t, c, "example.com", "vpc-1").HostedZone.Id

	out, err := changeBatch(ctx, c, zone,
		change(types.ChangeActionUpsert, rrset("www.example.com", types.RRTypeA, 300, "192.0.2.1", "192.0.2.2")),
		change(types.ChangeActionUpsert, rrset("WWW.example.com.", types.RRTypeAaaa, 300, "2001:db8::1")),
		change(types.ChangeActionUpsert, rrset("alias.example.com", types.RRTypeCname, 60, "www.example.com")),
		change(types.ChangeActionUpsert, rrset("example.com", types.RRTypeTxt, 60, `"v=spf1 -all"`, `"a b" "c"`, "token")),
		change(types.ChangeActionUpsert, rrset("example.com", types.RRTypeMx, 60, "10 mail.example.com.")),
		change(types.ChangeActionUpsert, rrset("_sip._tcp.example.com", types.RRTypeSrv, 60, "1 10 5060 sip.example.com")),
		change(types.ChangeActionUpsert, rrset("example.com", types.RRTypeCaa, 60, `0 issue "amazon.com"`)),
		change(types.ChangeActionUpsert, rrset("1.2.0.192.in-addr.example.com", types.RRTypePtr, 60, "www.example.com")),
		change(types.ChangeActionUpsert, rrset("*.wild.example.com", types.RRTypeA, 60, "192.0.2.9")),
		change(types.ChangeActionUpsert, rrset("sub.example.com", types.RRTypeNs, 60, "ns1.elsewhere.net")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aws.ToString(out.ChangeInfo.Id), "/change/C") {
		t.Errorf("change %+v", out.ChangeInfo)
	}
	want := []string{
		"example.com. CAA 0 issue \"amazon.com\"",
		"example.com. MX 10 mail.example.com.",
		"example.com. NS ns-1536.awsdns-00.co.uk. ns-0.awsdns-00.com. ns-1024.awsdns-00.org. ns-512.awsdns-00.net.",
		"example.com. SOA ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400",
		"example.com. TXT \"v=spf1 -all\" \"a b\" \"c\" token",
		"_sip._tcp.example.com. SRV 1 10 5060 sip.example.com",
		"alias.example.com. CNAME www.example.com",
		"1.2.0.192.in-addr.example.com. PTR www.example.com",
		"sub.example.com. NS ns1.elsewhere.net",
		`\052.wild.example.com. A 192.0.2.9`,
		"www.example.com. A 192.0.2.1 192.0.2.2",
		"www.example.com. AAAA 2001:db8::1",
	}
	for _, size := range []int32{300, 1, 5} {
		if got := summary(listAll(t, c, zone, size)); !slices.Equal(got, want) {
			t.Errorf("pages of %d:\n%s\nwant\n%s", size, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	// Starting from a name that sorts between two sets.
	from, err := c.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: zone, StartRecordName: aws.String("b.example.com"), MaxItems: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(from.ResourceRecordSets); !slices.Equal(got, want[7:9]) || !from.IsTruncated || aws.ToString(from.NextRecordName) != "\\052.wild.example.com." || from.NextRecordType != types.RRTypeA {
		t.Errorf("from b.example.com: %q next %s %s", got, aws.ToString(from.NextRecordName), from.NextRecordType)
	}

	before := listAll(t, c, zone, 300)
	rev := env.Store.Revision()
	refused := refusedBatches()
	for _, r := range refused {
		t.Run(r.name, func(t *testing.T) {
			_, err := changeBatch(ctx, c, zone, r.changes...)
			e := apiError(t, err, r.code, http.StatusBadRequest)
			if e.Message != r.message {
				t.Errorf("message\n%s\nwant\n%s", e.Message, r.message)
			}
		})
	}
	if got := env.Store.Revision(); got != rev {
		t.Errorf("refused batches moved the store from revision %d to %d", rev, got)
	}
	if after := listAll(t, c, zone, 300); !slices.Equal(summary(after), summary(before)) {
		t.Errorf("refused batches changed the zone:\n%s", strings.Join(summary(after), "\n"))
	}

	// A batch that deletes a CNAME and creates an A at its name applies
	// whole: the conflict is judged on the batch's end state.
	if _, err := changeBatch(ctx, c, zone,
		change(types.ChangeActionDelete, rrset("alias.example.com.", types.RRTypeCname, 60, "WWW.example.com.")),
		change(types.ChangeActionCreate, rrset("alias.example.com", types.RRTypeA, 60, "192.0.2.5")),
	); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: zone})
	apiError(t, err, "HostedZoneNotEmpty", http.StatusBadRequest)
}

// refusal is a batch Route 53 refuses, and how.
type refusal struct {
	name    string
	changes []types.Change
	code    string
	message string
}

// refusedBatches are batches against TestChangeResourceRecordSets' zone
// that must be refused whole, with Route 53's code and message.
func refusedBatches() []refusal {
	return []refusal{
		{"delete-wrong-value-refused-whole", []types.Change{
			change(types.ChangeActionDelete, rrset("alias.example.com", types.RRTypeCname, 60, "www.example.com")),
			change(types.ChangeActionDelete, rrset("www.example.com", types.RRTypeA, 300, "192.0.2.1", "192.0.2.3")),
		}, "InvalidChangeBatch", "[Tried to delete resource record set [name='www.example.com.', type='A'] but the values provided do not match the current values]"},
		{"delete-missing", []types.Change{change(types.ChangeActionDelete, rrset("nope.example.com", types.RRTypeA, 60, "192.0.2.1"))},
			"InvalidChangeBatch", "[Tried to delete resource record set [name='nope.example.com.', type='A'] but it was not found]"},
		{"create-existing-and-outside-zone", []types.Change{
			change(types.ChangeActionCreate, rrset("www.example.com", types.RRTypeA, 300, "192.0.2.7")),
			change(types.ChangeActionCreate, rrset("www.example.org", types.RRTypeA, 300, "192.0.2.7")),
		}, "InvalidChangeBatch", "[Tried to create resource record set [name='www.example.com.', type='A'] but it already exists, RRSet with DNS name www.example.org. is not permitted in zone example.com.]"},
		{"cname-conflict", []types.Change{change(types.ChangeActionCreate, rrset("www.example.com", types.RRTypeCname, 60, "elsewhere.example.net"))},
			"InvalidChangeBatch", "[RRSet of type CNAME with DNS name www.example.com. is not permitted as it conflicts with other records with the same DNS name in zone example.com.]"},
		{"cname-at-apex", []types.Change{change(types.ChangeActionCreate, rrset("example.com", types.RRTypeCname, 60, "elsewhere.example.net"))},
			"InvalidChangeBatch", "[RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com.]"},
		{"delete-apex-ns", []types.Change{change(types.ChangeActionDelete, rrset("example.com", types.RRTypeNs, 172800,
			"ns-1536.awsdns-00.co.uk.", "ns-0.awsdns-00.com.", "ns-1024.awsdns-00.org.", "ns-512.awsdns-00.net."))},
			"InvalidChangeBatch", "[A HostedZone must contain at least one NS record for the zone itself.]"},
		{"same-set-twice", []types.Change{
			change(types.ChangeActionUpsert, rrset("x.example.com", types.RRTypeA, 60, "192.0.2.1")),
			change(types.ChangeActionUpsert, rrset("x.example.com", types.RRTypeA, 60, "192.0.2.2")),
		}, "InvalidChangeBatch", "[The request contains an invalid set of changes for a resource record set 'A x.example.com.']"},
		{"bad-ipv4", []types.Change{change(types.ChangeActionUpsert, rrset("x.example.com", types.RRTypeA, 60, "192.0.2"))},
			"InvalidChangeBatch", "[Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '192.0.2'']"},
		{"bad-ipv6", []types.Change{change(types.ChangeActionUpsert, rrset("x.example.com", types.RRTypeAaaa, 60, "192.0.2.1"))},
			"InvalidChangeBatch", "[Invalid Resource Record: 'FATAL problem: AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '192.0.2.1'']"},
		{"spaces-in-a", []types.Change{change(types.ChangeActionUpsert, rrset("x.example.com", types.RRTypeA, 60, "192.0.2.1, 192.0.2.2"))},
			"InvalidChangeBatch", "[Invalid Resource Record: 'FATAL problem: ARRDATANotSingleField (Value contains spaces) encountered with '192.0.2.1, 192.0.2.2'']"},
		{"unquoted-txt", []types.Change{change(types.ChangeActionUpsert, rrset("x.example.com", types.RRTypeTxt, 60, "ab+c/d="))},
			"InvalidChangeBatch", "[Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with 'ab+c/d='']"},
		{"long-txt", []types.Change{change(types.ChangeActionUpsert, rrset("x.example.com", types.RRTypeTxt, 60, `"`+strings.Repeat("a", 256)+`"`))},
			"InvalidChangeBatch", "[Invalid Resource Record: 'FATAL problem: CharacterStringTooLong (Value is too long) encountered with '\"" + strings.Repeat("a", 256) + "\"'']"},
		{"srv-fields", []types.Change{change(types.ChangeActionUpsert, rrset("x.example.com", types.RRTypeSrv, 60, "1 10 sip.example.com"))},
			"InvalidChangeBatch", "[Invalid Resource Record: 'FATAL problem: SRVRRDATAIllegalFieldCount (Value must have 4 fields) encountered with '1 10 sip.example.com'']"},
		{"empty-label", []types.Change{change(types.ChangeActionUpsert, rrset("x..example.com", types.RRTypeA, 60, "192.0.2.1"))},
			"InvalidChangeBatch", "[FATAL problem: DomainLabelEmpty (Domain label is empty) encountered with 'x..example.com']"},
		{"duplicate-value", []types.Change{change(types.ChangeActionUpsert, rrset("x.example.com", types.RRTypeA, 60, "192.0.2.1", "192.0.2.1"))},
			"InvalidChangeBatch", "[Duplicate Resource Record: '192.0.2.1']"},
		{"no-ttl", []types.Change{change(types.ChangeActionUpsert, &types.ResourceRecordSet{Name: aws.String("x.example.com"), Type: types.RRTypeA,
			ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.1")}}})},
			"InvalidInput", "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=UPSERT, Name=x.example.com., Type=A, SetIdentifier=null]"},
		{"weight-without-set-identifier", []types.Change{change(types.ChangeActionUpsert, &types.ResourceRecordSet{Name: aws.String("x.example.com"), Type: types.RRTypeA,
			TTL: aws.Int64(60), Weight: aws.Int64(1), ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.1")}}})},
			"InvalidInput", "Invalid request: Missing field 'SetIdentifier' in Change with [Action=UPSERT, Name=x.example.com., Type=A, SetIdentifier=null]"},
	}
}

// TestRoutingPolicies: weighted, failover and multivalue sets live side by
// side by SetIdentifier; mixing policies, or two PRIMARY sets, is refused.
func TestRoutingPolicies(t *testing.T) {
	env := route53test.Start(t)
	c := env.Client()
	ctx := context.Background()
	zone := createZone(t, c, "routing.test", "").HostedZone.Id
	routed := func(name, id string, set func(*types.ResourceRecordSet), value string) types.Change {
		s := rrset(name, types.RRTypeA, 60, value)
		s.SetIdentifier = aws.String(id)
		set(s)
		return change(types.ChangeActionCreate, s)
	}
	weight := func(w int64) func(*types.ResourceRecordSet) {
		return func(s *types.ResourceRecordSet) { s.Weight = aws.Int64(w) }
	}
	failover := func(f types.ResourceRecordSetFailover) func(*types.ResourceRecordSet) {
		return func(s *types.ResourceRecordSet) { s.Failover = f }
	}
	if _, err := changeBatch(ctx, c, zone,
		routed("w.routing.test", "blue", weight(1), "192.0.2.1"),
		routed("w.routing.test", "green", weight(3), "192.0.2.2"),
		routed("f.routing.test", "main", failover(types.ResourceRecordSetFailoverPrimary), "192.0.2.3"),
		routed("f.routing.test", "backup", failover(types.ResourceRecordSetFailoverSecondary), "192.0.2.4"),
		routed("m.routing.test", "one", func(s *types.ResourceRecordSet) { s.MultiValueAnswer = aws.Bool(true) }, "192.0.2.5"),
	); err != nil {
		t.Fatal(err)
	}
	got := summary(listAll(t, c, zone, 300))
	want := []string{"f.routing.test. A [backup] 192.0.2.4", "f.routing.test. A [main] 192.0.2.3", "m.routing.test. A [one] 192.0.2.5",
		"w.routing.test. A [blue] 192.0.2.1", "w.routing.test. A [green] 192.0.2.2"}
	if !slices.Equal(got[2:], want) {
		t.Errorf("sets:\n%s", strings.Join(got, "\n"))
	}
	for _, r := range []struct {
		change  types.Change
		message string
	}{
		{change(types.ChangeActionCreate, rrset("w.routing.test", types.RRTypeA, 60, "192.0.2.9")),
			"[RRSet with DNS name w.routing.test., type A cannot be created as weighted sets exist with the same name and type.]"},
		{routed("w.routing.test", "red", failover(types.ResourceRecordSetFailoverPrimary), "192.0.2.9"),
			"[RRSet with DNS name w.routing.test., type A, SetIdentifier red cannot be created as a non-failover set exists with the same name and type.]"},
		{routed("f.routing.test", "main2", failover(types.ResourceRecordSetFailoverPrimary), "192.0.2.9"),
			"[RRSet with DNS name f.routing.test., type A, SetIdentifier main2 cannot be created as a PRIMARY set already exists with the same name and type.]"},
	} {
		_, err := changeBatch(ctx, c, zone, r.change)
		if e := apiError(t, err, "InvalidChangeBatch", http.StatusBadRequest); e.Message != r.message {
			t.Errorf("message\n%s\nwant\n%s", e.Message, r.message)
		}
	}
	// Deleting a routed set names its identifier.
	_, err := changeBatch(ctx, c, zone, change(types.ChangeActionDelete, &types.ResourceRecordSet{Name: aws.String("w.routing.test"), Type: types.RRTypeA,
		SetIdentifier: aws.String("blue"), Weight: aws.Int64(2), TTL: aws.Int64(60), ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.1")}}}))
	if e := apiError(t, err, "InvalidChangeBatch", http.StatusBadRequest); e.Message != "[Tried to delete resource record set [name='w.routing.test.', type='A', set-identifier='blue'] but the values provided do not match the current values]" {
		t.Errorf("message %s", e.Message)
	}
}

// TestBatchLimits: more than 1,000 records in a batch (an UPSERT's
// counted twice) is refused.
func TestBatchLimits(t *testing.T) {
	env := route53test.Start(t)
	c := env.Client()
	zone := createZone(t, c, "limits.test", "").HostedZone.Id
	var changes []types.Change
	for i := range 501 {
		changes = append(changes, change(types.ChangeActionUpsert, rrset(fmt.Sprintf("h%d.limits.test", i), types.RRTypeA, 60, "192.0.2.1")))
	}
	_, err := changeBatch(context.Background(), c, zone, changes...)
	if e := apiError(t, err, "InvalidChangeBatch", http.StatusBadRequest); e.Message != "Number of records limit of 1000 exceeded." {
		t.Errorf("message %s", e.Message)
	}
	if _, err := changeBatch(context.Background(), c, zone, changes[:500]...); err != nil {
		t.Fatal(err)
	}
	if n := len(listAll(t, c, zone, 300)); n != 502 {
		t.Errorf("%d sets, want 502", n)
	}
}
