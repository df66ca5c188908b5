package policy

import "testing"

// TestConditions runs one Allow statement guarded by a condition over
// request contexts: true means the statement applies (Allow).
func TestConditions(t *testing.T) {
	type check struct {
		ctx  map[string]string
		want bool
	}
	ctx := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name      string
		condition string
		checks    []check
	}{
		{"StringEquals: values OR", `{"StringEquals":{"aws:SourceVpce":["vpce-a","vpce-b"]}}`, []check{
			{ctx("aws:SourceVpce", "vpce-a"), true}, {ctx("aws:SourceVpce", "vpce-b"), true},
			{ctx("aws:SourceVpce", "vpce-c"), false}, {ctx(), false}, {ctx("aws:SourceVpce", "VPCE-A"), false}}},
		{"keys AND", `{"StringEquals":{"aws:SourceVpce":"vpce-a","aws:SourceVpc":"vpc-1"}}`, []check{
			{ctx("aws:SourceVpce", "vpce-a", "aws:SourceVpc", "vpc-1"), true},
			{ctx("aws:SourceVpce", "vpce-a", "aws:SourceVpc", "vpc-2"), false}, {ctx("aws:SourceVpce", "vpce-a"), false}}},
		{"operators AND", `{"StringEquals":{"aws:SourceVpc":"vpc-1"},"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, []check{
			{ctx("aws:SourceVpc", "vpc-1", "aws:SourceIp", "192.168.1.1"), true},
			{ctx("aws:SourceVpc", "vpc-1", "aws:SourceIp", "10.2.3.4"), false}}},
		{"StringNotEquals: none may match; absent holds", `{"StringNotEquals":{"aws:SourceVpce":["vpce-a","vpce-b"]}}`, []check{
			{ctx("aws:SourceVpce", "vpce-a"), false}, {ctx("aws:SourceVpce", "vpce-b"), false},
			{ctx("aws:SourceVpce", "vpce-c"), true}, {ctx(), true}}},
		{"IgnoreCase", `{"StringEqualsIgnoreCase":{"aws:UserAgent":"Curl/8"}}`, []check{
			{ctx("aws:UserAgent", "curl/8"), true}, {ctx("aws:UserAgent", "wget"), false}}},
		{"NotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"aws:UserAgent":"Curl/8"}}`, []check{
			{ctx("aws:UserAgent", "CURL/8"), false}, {ctx("aws:UserAgent", "wget"), true}}},
		{"StringLike", `{"StringLike":{"aws:Referer":["https://*.example.com/*","https://example.com/?"]}}`, []check{
			{ctx("aws:Referer", "https://www.example.com/a"), true}, {ctx("aws:Referer", "https://example.com/x"), true},
			{ctx("aws:Referer", "https://example.com/xy"), false}, {ctx(), false}}},
		{"StringNotLike", `{"StringNotLike":{"aws:SourceVpce":"vpce-0*"}}`, []check{
			{ctx("aws:SourceVpce", "vpce-0abc"), false}, {ctx("aws:SourceVpce", "vpce-1abc"), true}, {ctx(), true}}},
		{"IpAddress: CIDRs and a bare address", `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.7","2001:db8::/32"]}}`, []check{
			{ctx("aws:SourceIp", "10.9.9.9"), true}, {ctx("aws:SourceIp", "192.0.2.7"), true}, {ctx("aws:SourceIp", "192.0.2.8"), false},
			{ctx("aws:SourceIp", "2001:db8::1"), true}, {ctx("aws:SourceIp", "not-an-ip"), false}, {ctx(), false}}},
		{"NotIpAddress", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, []check{
			{ctx("aws:SourceIp", "10.1.2.3"), false}, {ctx("aws:SourceIp", "11.1.2.3"), true}, {ctx(), true}}},
		{"Bool, as a JSON boolean", `{"Bool":{"aws:SecureTransport":false}}`, []check{
			{ctx("aws:SecureTransport", "false"), true}, {ctx("aws:SecureTransport", "true"), false}, {ctx(), false}}},
		{"Bool, as a string", `{"Bool":{"aws:SecureTransport":"TRUE"}}`, []check{
			{ctx("aws:SecureTransport", "true"), true}, {ctx("aws:SecureTransport", "false"), false}}},
		{"Null true: the key is absent", `{"Null":{"aws:SourceVpce":"true"}}`, []check{
			{ctx(), true}, {ctx("aws:SourceVpce", "vpce-a"), false}}},
		{"Null false: the key is present", `{"Null":{"aws:SourceVpce":false}}`, []check{
			{ctx(), false}, {ctx("aws:SourceVpce", "vpce-a"), true}}},
		{"IfExists: absent holds", `{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}`, []check{
			{ctx(), true}, {ctx("aws:SourceVpc", "vpc-1"), true}, {ctx("aws:SourceVpc", "vpc-2"), false}}},
		{"NotIpAddressIfExists", `{"NotIpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, []check{
			{ctx(), true}, {ctx("aws:SourceIp", "10.0.0.1"), false}}},
		{"ForAnyValue: absent fails", `{"ForAnyValue:StringEquals":{"aws:SourceVpc":"vpc-1"}}`, []check{
			{ctx(), false}, {ctx("aws:SourceVpc", "vpc-1"), true}}},
		{"ForAllValues: absent holds", `{"ForAllValues:StringEquals":{"aws:SourceVpc":"vpc-1"}}`, []check{
			{ctx(), true}, {ctx("aws:SourceVpc", "vpc-1"), true}, {ctx("aws:SourceVpc", "vpc-2"), false}}},
		{"keys are case-insensitive", `{"StringEquals":{"AWS:SOURCEVPCE":"vpce-a"}}`, []check{
			{ctx("aws:SourceVpce", "vpce-a"), true}, {ctx("aws:sourcevpce", "vpce-b"), false}}},
		{"ArnLike", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/dev-*"}}`, []check{
			{ctx("aws:PrincipalArn", "arn:aws:iam::111122223333:role/dev-x"), true},
			{ctx("aws:PrincipalArn", "arn:aws:iam::111122223333:role/prod-x"), false},
			{ctx("aws:PrincipalArn", "not an arn"), false}}},
		{"ArnNotEquals", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/ops"}}`, []check{
			{ctx("aws:PrincipalArn", "arn:aws:iam::111122223333:role/ops"), false},
			{ctx("aws:PrincipalArn", "arn:aws:iam::111122223333:role/dev"), true}}},
		{"Numeric", `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"},"NumericGreaterThanEquals":{"aws:MultiFactorAuthAge":10}}`, []check{
			{ctx("aws:MultiFactorAuthAge", "10"), true}, {ctx("aws:MultiFactorAuthAge", "3599.5"), true},
			{ctx("aws:MultiFactorAuthAge", "3600"), false}, {ctx("aws:MultiFactorAuthAge", "9"), false}, {ctx("aws:MultiFactorAuthAge", "x"), false}}},
		{"NumericNotEquals", `{"NumericNotEquals":{"k":[1,2]}}`, []check{
			{ctx("k", "1"), false}, {ctx("k", "2.0"), false}, {ctx("k", "3"), true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := `{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":` + tc.condition + `}}`
			p, err := Parse(doc, testAPI)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.checks {
				want := NoMatch
				if c.want {
					want = Allow
				}
				if got := p.Evaluate(req("*", "prod/GET/", c.ctx)); got != want {
					t.Errorf("context %v: %v, want %v", c.ctx, got, want)
				}
			}
		})
	}
}
