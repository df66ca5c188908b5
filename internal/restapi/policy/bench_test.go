package policy

import "testing"

// BenchmarkEvaluate: the per-request cost of the private API policy from
// AWS's docs, for an allowed and a denied request. Run with -benchmem:
// Evaluate must report 0 allocs/op.
func BenchmarkEvaluate(b *testing.B) {
	p, err := Parse(sourceVpceDeny, testAPI)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		vpce string
		want Decision
	}{{"allowed", "vpce-0fedcba9876543210", Allow}, {"denied", "vpce-00000000000000000", Deny}} {
		r := req("*", "prod/GET/pets/7", map[string]string{"aws:SourceVpce": bc.vpce, "aws:SourceVpc": "vpc-1", "aws:SourceIp": "10.0.0.9"})
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if p.Evaluate(r) != bc.want {
					b.Fatal("wrong decision")
				}
			}
		})
	}
}

// TestEvaluateAllocatesNothing holds Evaluate to its promise for every
// kind of condition.
func TestEvaluateAllocatesNothing(t *testing.T) {
	p, err := Parse(`{"Statement":[
	  {"Effect":"Deny","Principal":{"AWS":["999999999999","arn:aws:iam::1:role/x"]},"Action":"*","Resource":"*"},
	  {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:a1b2c3d4e5/prod/GET/*","Condition":{
	    "StringLike":{"aws:sourcevpce":"vpce-*"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"NumericLessThan":{"n":"1"},
	    "ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"},"Bool":{"aws:SecureTransport":"true"},"Null":{"aws:SourceVpc":"true"},
	    "StringNotEqualsIgnoreCase":{"aws:UserAgent":"bot"}}}]}`, testAPI)
	if err != nil {
		t.Fatal(err)
	}
	r := req("arn:aws:iam::111122223333:role/dev", "prod/GET/pets", map[string]string{
		"aws:SourceVpce": "vpce-1", "aws:SourceIp": "10.0.0.1", "n": "0.5", "aws:PrincipalArn": "arn:aws:iam::111122223333:role/dev", "aws:SecureTransport": "true"})
	if d := p.Evaluate(r); d != Allow {
		t.Fatalf("decision %v", d)
	}
	if n := testing.AllocsPerRun(100, func() { p.Evaluate(r) }); n != 0 {
		t.Fatalf("Evaluate allocates %v times per call", n)
	}
}
