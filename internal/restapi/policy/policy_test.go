package policy

import (
	"errors"
	"strings"
	"testing"
)

// TestParseErrors: every malformed document is refused with an error
// naming the element at fault.
func TestParseErrors(t *testing.T) {
	const ok = `"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"`
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":[{` + s + `}]}` }
	cases := []struct {
		name, doc, path, msg string
	}{
		{"not JSON", `{"Version":`, "", "not a JSON object"},
		{"an array", `[]`, "", "not a JSON object"},
		{"empty", ``, "", "not a JSON object"},
		{"unknown top-level element", `{"Statement":[{` + ok + `}],"Foo":1}`, "Foo", "unknown policy element"},
		{"bad version", `{"Version":"2020-01-01","Statement":[{` + ok + `}]}`, "Version", "2012-10-17"},
		{"no statement", `{"Version":"2012-10-17"}`, "", "no Statement"},
		{"empty statement list", `{"Statement":[]}`, "Statement", "is empty"},
		{"statement not an object", `{"Statement":["x"]}`, "Statement[0]", "JSON object"},
		{"unknown statement element", stmt(ok + `,"Effects":"Allow"`), "Statement[0].Effects", "unknown statement element"},
		{"lower-case effect", stmt(`"Effect":"allow","Principal":"*","Action":"*","Resource":"*"`), "Statement[0].Effect", "Allow"},
		{"no effect", stmt(`"Principal":"*","Action":"*","Resource":"*"`), "Statement[0].Effect", "Allow"},
		{"no principal", stmt(`"Effect":"Allow","Action":"*","Resource":"*"`), "Statement[0]", "neither Principal nor NotPrincipal"},
		{"both principals", stmt(ok + `,"NotPrincipal":"*"`), "Statement[0]", "both Principal and NotPrincipal"},
		{"principal string not *", stmt(`"Effect":"Allow","Principal":"me","Action":"*","Resource":"*"`), "Statement[0].Principal", "must be \"*\""},
		{"bad AWS principal", stmt(`"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"*","Resource":"*"`), "Statement[0].Principal.AWS", "invalid principal \"bob\""},
		{"unknown principal type", stmt(`"Effect":"Allow","Principal":{"Users":"x"},"Action":"*","Resource":"*"`), "Statement[0].Principal.Users", "unknown principal type"},
		{"no action", stmt(`"Effect":"Allow","Principal":"*","Resource":"*"`), "Statement[0]", "neither Action nor NotAction"},
		{"action without service", stmt(`"Effect":"Allow","Principal":"*","Action":"Invoke","Resource":"*"`), "Statement[0].Action", "invalid action \"Invoke\""},
		{"action a number", stmt(`"Effect":"Allow","Principal":"*","Action":7,"Resource":"*"`), "Statement[0].Action", "string"},
		{"empty action list", stmt(`"Effect":"Allow","Principal":"*","Action":[],"Resource":"*"`), "Statement[0].Action", "is empty"},
		{"no resource", stmt(`"Effect":"Allow","Principal":"*","Action":"*"`), "Statement[0]", "neither Resource nor NotResource"},
		{"resource not an ARN", stmt(`"Effect":"Allow","Principal":"*","Action":"*","Resource":"pets"`), "Statement[0].Resource", "invalid resource \"pets\""},
		{"short form without slash", stmt(`"Effect":"Allow","Principal":"*","Action":"*","Resource":"execute-api:*"`), "Statement[0].Resource", "short form"},
		{"unknown operator", stmt(ok + `,"Condition":{"StringEq":{"k":"v"}}`), "Statement[0].Condition.StringEq", "unknown condition operator"},
		{"date operators", stmt(ok + `,"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`), "Statement[0].Condition.DateGreaterThan", "not supported"},
		{"unknown set operator", stmt(ok + `,"Condition":{"ForSome:StringEquals":{"k":"v"}}`), "Statement[0].Condition.ForSome:StringEquals", "unknown set operator"},
		{"NullIfExists", stmt(ok + `,"Condition":{"NullIfExists":{"k":"true"}}`), "Statement[0].Condition.NullIfExists", "Null takes no"},
		{"bad CIDR", stmt(ok + `,"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}`), "Statement[0].Condition.IpAddress.aws:SourceIp", "not an IP address"},
		{"bad bool", stmt(ok + `,"Condition":{"Bool":{"aws:SecureTransport":"yes"}}`), "Statement[0].Condition.Bool.aws:SecureTransport", "not true or false"},
		{"bad number", stmt(ok + `,"Condition":{"NumericEquals":{"k":"ten"}}`), "Statement[0].Condition.NumericEquals.k", "not a number"},
		{"object value", stmt(ok + `,"Condition":{"StringEquals":{"k":{"a":1}}}`), "Statement[0].Condition.StringEquals.k", "strings, numbers or booleans"},
		{"null value", stmt(ok + `,"Condition":{"StringEquals":{"k":null}}`), "Statement[0].Condition.StringEquals.k", "strings, numbers or booleans"},
		{"no values", stmt(ok + `,"Condition":{"StringEquals":{"k":[]}}`), "Statement[0].Condition.StringEquals.k", "no values"},
		{"no keys", stmt(ok + `,"Condition":{"StringEquals":{}}`), "Statement[0].Condition.StringEquals", "no condition key"},
		{"condition not an object", stmt(ok + `,"Condition":"x"`), "Statement[0].Condition", "JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.doc, testAPI)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, %v; want a *ParseError", p, err)
			}
			if pe.Path != tc.path || !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("error %q at %q; want %q at %q", pe.Msg, pe.Path, tc.msg, tc.path)
			}
		})
	}
}

// TestParseAccepts: forms IAM allows that a stricter reader might refuse.
func TestParseAccepts(t *testing.T) {
	docs := []string{
		`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`,
		`{"Version":"2008-10-17","Id":"x","Statement":[{"Sid":"1","Effect":"Deny","Principal":{"AWS":["*"]},"Action":["execute-api:Invoke","execute-api:*"],"Resource":["*"]}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:execute-api:us-east-1:000000000000:*/prod/*"}]}`,
		"  \n{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"k\":[1,true,\"s\"]}}}]}\n",
	}
	for _, doc := range docs {
		if _, err := Parse(doc, testAPI); err != nil {
			t.Errorf("Parse(%s): %v", doc, err)
		}
	}
}
