package policy

import (
	"testing"
)

const testAPI = "arn:aws:execute-api:us-east-1:000000000000:a1b2c3d4e5"

// The policies of AWS's "API Gateway resource policy examples" page and
// the private API guide, as a user pastes them.
const (
	crossAccountRoles = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"AWS": ["arn:aws:iam::111122223333:role/developer", "arn:aws:iam::111122223333:role/Admin"]},
    "Action": "execute-api:Invoke",
    "Resource": ["execute-api:/stage/GET/pets"]
  }]
}`
	sourceIPDeny = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"]},
    {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"],
     "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}}}
  ]
}`
	privateVpcSourceIPDeny = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"]},
    {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"],
     "Condition": {"IpAddress": {"aws:VpcSourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}}}
  ]
}`
	// Note the key's spelling: AWS's example writes aws:sourceVpc.
	sourceVpcAllowList = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"],
     "Condition": {"StringNotEquals": {"aws:sourceVpc": "vpc-1a2b3c4d"}}},
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"]}
  ]
}`
	sourceVpceDeny = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/*/*",
     "Condition": {"StringNotEquals": {"aws:SourceVpce": ["vpce-0123456789abcdef0", "vpce-0fedcba9876543210"]}}},
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/*/*"}
  ]
}`
	pathScopedAllow = `{
  "Version": "2012-10-17",
  "Statement": {
    "Sid": "PetsOnly",
    "Effect": "Allow",
    "Principal": {"AWS": "*"},
    "Action": "execute-api:*",
    "Resource": ["execute-api:/prod/GET/pets", "execute-api:/prod/*/pets/*", "arn:aws:execute-api:us-east-1:000000000000:a1b2c3d4e5/dev/POST/orders"]
  }
}`
)

func req(principal, resource string, ctx map[string]string) *Request {
	return &Request{Principal: principal, Action: "execute-api:Invoke", Resource: testAPI + "/" + resource, Context: ctx}
}

func TestEvaluateAWSExamples(t *testing.T) {
	vpce := func(id string) map[string]string {
		return map[string]string{"aws:SourceVpce": id, "aws:SourceVpc": "vpc-1a2b3c4d", "aws:SourceIp": "10.0.0.5"}
	}
	cases := []struct {
		name   string
		policy string
		r      *Request
		want   Decision
	}{
		{"roles: developer role may GET pets", crossAccountRoles, req("arn:aws:iam::111122223333:role/developer", "stage/GET/pets", nil), Allow},
		{"roles: another role of that account may not", crossAccountRoles, req("arn:aws:iam::111122223333:role/other", "stage/GET/pets", nil), NoMatch},
		{"roles: anonymous may not", crossAccountRoles, req("*", "stage/GET/pets", nil), NoMatch},
		{"roles: other method", crossAccountRoles, req("arn:aws:iam::111122223333:role/Admin", "stage/POST/pets", nil), NoMatch},
		{"roles: other path", crossAccountRoles, req("arn:aws:iam::111122223333:role/Admin", "stage/GET/pets/1", nil), NoMatch},

		{"ip: outside the blocks", sourceIPDeny, req("*", "prod/GET/", map[string]string{"aws:SourceIp": "203.0.113.9"}), Allow},
		{"ip: inside the first block", sourceIPDeny, req("*", "prod/GET/", map[string]string{"aws:SourceIp": "192.0.2.77"}), Deny},
		{"ip: inside the second block", sourceIPDeny, req("*", "prod/GET/a/b", map[string]string{"aws:SourceIp": "198.51.100.1"}), Deny},
		{"ip: IPv4-mapped IPv6 is the same address", sourceIPDeny, req("*", "prod/GET/", map[string]string{"aws:SourceIp": "::ffff:192.0.2.1"}), Deny},
		{"ip: no source ip at all: IpAddress does not hold", sourceIPDeny, req("*", "prod/GET/", nil), Allow},
		{"ip: another API's resource", sourceIPDeny, &Request{Principal: "*", Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:000000000000:zzzzzzzzzz/prod/GET/"}, NoMatch},

		{"vpc source ip: denied block", privateVpcSourceIPDeny, req("*", "prod/GET/", map[string]string{"aws:VpcSourceIp": "192.0.2.3"}), Deny},
		{"vpc source ip: other address", privateVpcSourceIPDeny, req("*", "prod/GET/", map[string]string{"aws:VpcSourceIp": "10.1.1.1"}), Allow},

		{"vpc: the allowed VPC", sourceVpcAllowList, req("*", "prod/GET/items", vpce("vpce-0123456789abcdef0")), Allow},
		{"vpc: another VPC", sourceVpcAllowList, req("*", "prod/GET/items", map[string]string{"aws:SourceVpc": "vpc-99999999"}), Deny},
		{"vpc: the public host, no VPC", sourceVpcAllowList, req("*", "prod/GET/items", map[string]string{"aws:SourceIp": "127.0.0.1"}), Deny},
		{"vpc: the value is case-sensitive", sourceVpcAllowList, req("*", "prod/GET/items", map[string]string{"aws:SourceVpc": "VPC-1A2B3C4D"}), Deny},

		{"vpce: first endpoint", sourceVpceDeny, req("*", "prod/GET/", vpce("vpce-0123456789abcdef0")), Allow},
		{"vpce: second endpoint", sourceVpceDeny, req("*", "prod/DELETE/x/y/z", vpce("vpce-0fedcba9876543210")), Allow},
		{"vpce: another endpoint", sourceVpceDeny, req("*", "prod/GET/", vpce("vpce-00000000000000000")), Deny},
		{"vpce: the public host", sourceVpceDeny, req("*", "prod/GET/", nil), Deny},

		{"path: GET pets", pathScopedAllow, req("*", "prod/GET/pets", nil), Allow},
		{"path: any method on a pet", pathScopedAllow, req("*", "prod/PUT/pets/7", nil), Allow},
		{"path: pets/ needs something after it", pathScopedAllow, req("*", "prod/PUT/pets", nil), NoMatch},
		{"path: deep path under pets", pathScopedAllow, req("*", "prod/GET/pets/7/toys", nil), Allow},
		{"path: other stage", pathScopedAllow, req("*", "dev/GET/pets", nil), NoMatch},
		{"path: a full ARN", pathScopedAllow, req("*", "dev/POST/orders", nil), Allow},
		{"path: the path is case-sensitive", pathScopedAllow, req("*", "prod/GET/Pets", nil), NoMatch},
		{"path: the action is not", pathScopedAllow, &Request{Principal: "*", Action: "EXECUTE-API:invoke", Resource: testAPI + "/prod/GET/pets"}, Allow},
		{"path: another service's action", pathScopedAllow, &Request{Principal: "*", Action: "s3:GetObject", Resource: testAPI + "/prod/GET/pets"}, NoMatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.policy, testAPI)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Evaluate(tc.r); got != tc.want {
				t.Errorf("Evaluate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEvaluateElements(t *testing.T) {
	const head = `{"Version":"2012-10-17","Statement":[`
	cases := []struct {
		name      string
		statement string
		r         *Request
		want      Decision
	}{
		{"NotPrincipal applies to everyone else", `{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/ops"},"Action":"*","Resource":"*"}`,
			req("*", "prod/GET/", nil), Deny},
		{"NotPrincipal spares who it names", `{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/ops"},"Action":"*","Resource":"*"}`,
			req("arn:aws:iam::111122223333:role/ops", "prod/GET/", nil), NoMatch},
		{"an account id names all its principals", `{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"}`,
			req("arn:aws:iam::111122223333:user/alice", "prod/GET/", nil), Allow},
		{"an account root ARN too", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"*","Resource":"*"}`,
			req("arn:aws:sts::111122223333:assumed-role/r/s", "prod/GET/", nil), Allow},
		{"but not anonymous callers", `{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"}`,
			req("*", "prod/GET/", nil), NoMatch},
		{"NotAction", `{"Effect":"Allow","Principal":"*","NotAction":"execute-api:ManageConnections","Resource":"*"}`,
			req("*", "prod/GET/", nil), Allow},
		{"NotAction excludes", `{"Effect":"Allow","Principal":"*","NotAction":"execute-api:Inv*","Resource":"*"}`,
			req("*", "prod/GET/", nil), NoMatch},
		{"NotResource", `{"Effect":"Deny","Principal":"*","Action":"*","NotResource":"execute-api:/prod/GET/health"}`,
			req("*", "prod/GET/secrets", nil), Deny},
		{"NotResource spares", `{"Effect":"Deny","Principal":"*","Action":"*","NotResource":"execute-api:/prod/GET/health"}`,
			req("*", "prod/GET/health", nil), NoMatch},
		{"? is one character", `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"execute-api:/prod/GET/v?/items"}`,
			req("*", "prod/GET/v2/items", nil), Allow},
		{"? is not two", `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"execute-api:/prod/GET/v?/items"}`,
			req("*", "prod/GET/v10/items", nil), NoMatch},
		{"a wildcard stays within its ARN part", `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:execute-api:*:000000000000:a1b2c3d4e5/*"}`,
			&Request{Principal: "*", Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:999:000000000000:a1b2c3d4e5/p/GET/"}, NoMatch},
		{"region and account wildcards", `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:execute-api:*:*:*"}`,
			req("*", "prod/GET/", nil), Allow},
		{"Deny wins whatever the order", `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`,
			req("*", "prod/GET/", nil), Deny},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(head+tc.statement+"]}", testAPI)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Evaluate(tc.r); got != tc.want {
				t.Errorf("Evaluate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNilPolicyAllowsNothing(t *testing.T) {
	var p *Policy
	if got := p.Evaluate(req("*", "prod/GET/", nil)); got != NoMatch {
		t.Fatalf("nil policy: %v", got)
	}
}

func TestMessage(t *testing.T) {
	r := req("*", "prod/GET/pets", nil)
	if got, want := NoMatch.Message(r), "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "+testAPI+"/prod/GET/pets"; got != want {
		t.Errorf("implicit:\n got %s\nwant %s", got, want)
	}
	if got, want := Deny.Message(r), "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "+testAPI+"/prod/GET/pets with an explicit deny"; got != want {
		t.Errorf("explicit:\n got %s\nwant %s", got, want)
	}
}
