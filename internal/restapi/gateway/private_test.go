package gateway_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
)

// denyUnlessVpce is the policy AWS's private API guide gives: deny every
// call not through the endpoint, allow the rest.
func denyUnlessVpce(vpce string) string {
	return `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"` + vpce + `"}}},
	 {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`
}

// allowVpcs allows calls from the VPCs only.
func allowVpcs(vpcs ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke",
	 "Resource":"execute-api:/*","Condition":{"StringEquals":{"aws:SourceVpc":["` + strings.Join(vpcs, `","`) + `"]}}}]}`
}

// TestPrivateAPI: a PRIVATE API is served through execute-api VPC
// endpoints only ({api}-{vpce}.execute-api.localhost, or the endpoint's
// own DNS name with x-apigw-api-id), and its resource policy, as of the
// stage's deployment, decides with aws:SourceVpce and aws:SourceVpc. A
// denial answers 403 AccessDeniedException with AWS's message; the public
// host answers 403 Forbidden. With private DNS on an endpoint, the API's
// regional name goes through it.
func TestPrivateAPI(t *testing.T) {
	f := newFixture(t)
	b := newBackend(t, "b")
	epA, epB, epA2 := f.endpoint("vpc-0aaaaaaa", false), f.endpoint("vpc-0bbbbbbb", false), f.endpoint("vpc-0aaaaaaa", false)
	byVpce, _ := f.privateAPI(b, denyUnlessVpce(epA))
	byVpc, _ := f.privateAPI(b, allowVpcs("vpc-0aaaaaaa"))
	noPolicy, _ := f.privateAPI(b, "")

	alias := func(api, vpce string) string { return api + "-" + vpce + ".execute-api.localhost:" + f.port }
	masked := "arn:aws:execute-api:us-east-1:********0000:"
	denied := func(api, suffix string) string {
		return `{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: ` + masked + api + `/prod/GET/pets` + suffix + `"}`
	}
	for _, c := range []struct {
		name, host string
		header     http.Header
		status     int
		body       string // "" for the backend's answer
	}{
		{"the allowed endpoint", alias(byVpce, epA), nil, 200, ""},
		{"another endpoint", alias(byVpce, epB), nil, 403, denied(byVpce, " with an explicit deny")},
		{"the public host", f.host(byVpce), nil, 403, `{"message":"Forbidden"}`},
		{"an endpoint that does not exist", alias(byVpce, "vpce-0123456789abcdef0"), nil, 403, `{"message":"Forbidden"}`},
		{"the endpoint's own name", f.endpointName(epA), http.Header{"X-Apigw-Api-Id": {byVpce}}, 200, ""},
		{"another endpoint's own name", f.endpointName(epB), http.Header{"X-Apigw-Api-Id": {byVpce}}, 403, denied(byVpce, " with an explicit deny")},
		{"an endpoint's name without the API id", f.endpointName(epA), nil, 403, `{"message":"Forbidden"}`},
		{"an endpoint in the allowed VPC", alias(byVpc, epA), nil, 200, ""},
		{"another endpoint in the allowed VPC", alias(byVpc, epA2), nil, 200, ""},
		{"an endpoint in another VPC", alias(byVpc, epB), nil, 403, denied(byVpc, "")},
		{"no policy", alias(noPolicy, epA), nil, 403, denied(noPolicy, "")},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := b.hits.Load()
			r := f.do("GET", c.host, "/prod/pets", c.header, "")
			if r.status != c.status {
				t.Fatalf("%d %s, want %d", r.status, r.body, c.status)
			}
			if c.body == "" {
				if r.seen == nil || r.seen.Header.Get("X-Amzn-Vpce-Id") == "" {
					t.Fatalf("backend answer %s", r.body)
				}
				return
			}
			want := "AccessDeniedException"
			if strings.Contains(c.body, "Forbidden") {
				want = "ForbiddenException"
			}
			if r.body != c.body || r.header.Get("X-Amzn-Errortype") != want || b.hits.Load() != before {
				t.Fatalf("%s %q, want %s %q", r.body, r.header.Get("X-Amzn-Errortype"), c.body, want)
			}
		})
	}

	// A policy change takes effect on the next deployment.
	_, err := f.agw.UpdateRestApi(ctx, &apigateway.UpdateRestApiInput{RestApiId: &byVpc, PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpReplace, Path: aws.String("/policy"), Value: aws.String(allowVpcs("vpc-0aaaaaaa", "vpc-0bbbbbbb"))}}})
	f.check(err)
	f.sync()
	if r := f.do("GET", alias(byVpc, epB), "/prod/pets", nil, ""); r.status != 403 {
		t.Fatalf("before redeploying: %d %s", r.status, r.body)
	}
	f.deploy(byVpc, "prod")
	if r := f.do("GET", alias(byVpc, epB), "/prod/pets", nil, ""); r.status != 200 || r.seen.Header.Get("X-Amzn-Vpce-Id") != epB {
		t.Fatalf("after redeploying: %d %s", r.status, r.body)
	}

	// Private DNS on an endpoint in vpc-a: the regional name reaches the
	// private API through it, and no longer reaches public APIs.
	public, root := f.api("public", false, "")
	f.method(public, root, "GET", false, "", proxy("http://127.0.0.1:"+strconv.Itoa(b.port)+"/"))
	f.deploy(public, "prod")
	regional := func(api string) string { return api + ".execute-api.us-east-1.amazonaws.com:" + f.port }
	if r := f.do("GET", regional(public), "/prod", nil, ""); r.status != 200 {
		t.Fatalf("public API on its regional name: %d %s", r.status, r.body)
	}
	if r := f.do("GET", regional(byVpc), "/prod/pets", nil, ""); r.status != 403 || r.body != `{"message":"Forbidden"}` {
		t.Fatalf("private API on its regional name without private DNS: %d %s", r.status, r.body)
	}
	// A private hosted zone's alias (Route 53) rather than private DNS led
	// the regional name to the gateway: the call came through the one
	// endpoint the API is associated with.
	_, err = f.agw.UpdateRestApi(ctx, &apigateway.UpdateRestApiInput{RestApiId: &byVpce, PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpAdd, Path: aws.String("/endpointConfiguration/vpcEndpointIds"), Value: aws.String(epA)}}})
	f.check(err)
	f.sync()
	if r := f.do("GET", regional(byVpce), "/prod/pets", nil, ""); r.status != 200 || r.seen.Header.Get("X-Amzn-Vpce-Id") != epA {
		t.Fatalf("private API on its regional name, associated with one endpoint: %d %s", r.status, r.body)
	}
	dnsEP := f.endpoint("vpc-0aaaaaaa", true)
	if r := f.do("GET", regional(byVpc), "/prod/pets", nil, ""); r.status != 200 || r.seen.Header.Get("X-Amzn-Vpce-Id") != dnsEP {
		t.Fatalf("private API through private DNS: %d %s", r.status, r.body)
	}
	if r := f.do("GET", regional(public), "/prod", nil, ""); r.status != 403 || r.body != `{"message":"Forbidden"}` {
		t.Fatalf("public API from a VPC with private DNS: %d %s", r.status, r.body)
	}
	if r := f.do("GET", f.host(public), "/prod", nil, ""); r.status != 200 {
		t.Fatalf("public API on the local host: %d %s", r.status, r.body)
	}
}

// TestPublicAPIPolicy: a public API's resource policy is evaluated too,
// with aws:SourceIp (no VPC keys exist outside an endpoint).
func TestPublicAPIPolicy(t *testing.T) {
	f := newFixture(t)
	b := newBackend(t, "b")
	deny := `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
	 {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/POST/*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
	 {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"Null":{"aws:SourceVpce":"false"}}}]}`
	api, root := f.api("pets", false, deny)
	f.method(api, root, "ANY", false, "", proxy("http://127.0.0.1:"+strconv.Itoa(b.port)+"/"))
	f.deploy(api, "prod")
	if r := f.do("GET", f.host(api), "/prod", nil, ""); r.status != 200 {
		t.Fatalf("GET: %d %s", r.status, r.body)
	}
	r := f.do("POST", f.host(api), "/prod", nil, "{}")
	want := `{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:` + api + `/prod/POST/ with an explicit deny"}`
	if r.status != 403 || r.body != want {
		t.Fatalf("POST from outside 10.0.0.0/8: %d %s, want %s", r.status, r.body, want)
	}
}

// privateAPI creates a PRIVATE API with policy whose GET /pets proxies to
// b, deployed to prod.
func (f *fixture) privateAPI(b *backend, policy string) (string, string) {
	f.t.Helper()
	api, root := f.api("private", true, policy)
	pets := f.resource(api, root, "pets")
	f.method(api, pets, "GET", false, "", proxy("http://127.0.0.1:"+strconv.Itoa(b.port)+"/pets"))
	f.deploy(api, "prod")
	return api, root
}

// endpointName is the endpoint's own regional DNS name, with the
// gateway's port.
func (f *fixture) endpointName(id string) string {
	f.t.Helper()
	out, err := f.ec2c.DescribeVpcEndpoints(ctx, &ec2sdk.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	f.check(err)
	return aws.ToString(out.VpcEndpoints[0].DnsEntries[0].DnsName) + ":" + f.port
}
