package endpointdns_test

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/ec2/ec2test"
	"github.com/portolan/portolan/internal/ec2/endpointdns"
	"github.com/portolan/portolan/internal/store"
)

// apiList is an APIs source the test publishes to, as the REST API view would.
type apiList struct{ store.Feed[[]string] }

func (a *apiList) RestAPIIDs() ([]string, int64) {
	ids, rev, _ := a.Load()
	return ids, rev
}

var gatewayAddr = netip.MustParseAddr("127.0.0.1")

func names(recs []dns.Record) []string {
	var out []string
	for _, r := range recs {
		if r.Addr != gatewayAddr {
			panic("a record not at the gateway: " + r.Name)
		}
		out = append(out, r.Name)
	}
	return out
}

// TestRecords: an execute-api endpoint's own names and, per REST API, the
// names AWS answers through it, follow the endpoints and the APIs.
func TestRecords(t *testing.T) {
	e := ec2test.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	apis := &apiList{}
	apis.Publish([]string{"a1b2c3d4e5"}, 1)
	r := endpointdns.New(endpointdns.Config{Endpoints: e.Control.View(), Region: "us-east-1", Gateway: gatewayAddr, APIs: apis})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	defer func() { stop(); <-done }()
	if err := r.Ready(ctx); err != nil {
		t.Fatal(err)
	}

	create := func(vpc, service string, typ types.VpcEndpointType, privateDNS bool) *types.VpcEndpoint {
		out, err := e.Client().CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String(service),
			VpcEndpointType: typ, SubnetIds: []string{"subnet-0123456789abcdef0"}, PrivateDnsEnabled: aws.Bool(privateDNS)})
		if err != nil {
			t.Fatal(err)
		}
		return out.VpcEndpoint
	}
	private := create("vpc-11111111", "com.amazonaws.us-east-1.execute-api", types.VpcEndpointTypeInterface, true)
	plain := create("vpc-22222222", "com.amazonaws.us-east-1.execute-api", types.VpcEndpointTypeInterface, false)
	create("vpc-33333333", "com.amazonaws.us-east-1.execute-api", types.VpcEndpointTypeInterface, true) // the same private names again
	create("vpc-11111111", "com.amazonaws.us-east-1.logs", types.VpcEndpointTypeInterface, true)        // not the gateway's to answer
	apis.Publish([]string{"a1b2c3d4e5", "zzzzzzzzzz"}, e.Store.Revision())

	recs, _, err := awaitRecords(ctx, r, func(recs []dns.Record) bool {
		return slices.Contains(names(recs), "zzzzzzzzzz.execute-api.us-east-1.amazonaws.com")
	})
	if err != nil {
		t.Fatal(err)
	}
	got := names(recs)
	for _, want := range []string{
		aws.ToString(private.DnsEntries[0].DnsName), aws.ToString(private.DnsEntries[1].DnsName), // regional and zonal
		aws.ToString(plain.DnsEntries[0].DnsName),
		"a1b2c3d4e5-" + *private.VpcEndpointId + ".execute-api.us-east-1.amazonaws.com",
		"a1b2c3d4e5-" + *plain.VpcEndpointId + ".execute-api.us-east-1.amazonaws.com",
		"a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", "zzzzzzzzzz.execute-api.us-east-1.amazonaws.com",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("%s not served; records %v", want, got)
		}
	}
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Errorf("records not sorted or repeated: %v", got)
	}
	for _, n := range got {
		if strings.Contains(n, ".logs.") || strings.HasPrefix(n, "*.") {
			t.Errorf("%s served", n)
		}
	}

	// Deleting the endpoints takes their names away.
	var ids []string
	for _, v := range e.Control.View().Snapshot().Endpoints() {
		ids = append(ids, v.VpcEndpointId)
	}
	if _, err := e.Client().DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: ids}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := awaitRecords(ctx, r, func(recs []dns.Record) bool { return len(recs) == 0 }); err != nil {
		t.Fatal(err)
	}
}

// awaitRecords waits until the records satisfy ok.
func awaitRecords(ctx context.Context, r *endpointdns.Records, ok func([]dns.Record) bool) ([]dns.Record, int64, error) {
	for {
		changed := r.Changed()
		if recs, rev := r.Records(); ok(recs) {
			return recs, rev, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
	}
}
