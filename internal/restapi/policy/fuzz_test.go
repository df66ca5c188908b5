package policy

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: no document makes Parse panic; a document it accepts can be
// evaluated against any request, with the same answer twice.
func FuzzParse(f *testing.F) {
	for _, doc := range []string{crossAccountRoles, sourceIPDeny, privateVpcSourceIPDeny, sourceVpcAllowList, sourceVpceDeny, pathScopedAllow,
		`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"NotAction":"s3:*","NotResource":"execute-api:/a/*",
		  "Condition":{"Null":{"k":true},"ForAllValues:StringLikeIfExists":{"j":["a*",1]},"NumericLessThan":{"n":2.5}}}}`,
		`{"Statement":[]}`, `null`, `{"Statement":[{"Effect":"Allow"}]}`} {
		f.Add(doc, "vpce-0123456789abcdef0", "10.0.0.1", "prod/GET/pets")
	}
	f.Fuzz(func(t *testing.T, doc, vpce, ip, path string) {
		p, err := Parse(doc, testAPI)
		if err != nil {
			if p != nil {
				t.Fatal("a policy and an error")
			}
			return
		}
		r := req("*", path, map[string]string{"aws:SourceVpce": vpce, "aws:SourceIp": ip})
		d := p.Evaluate(r)
		if d != Allow && d != Deny && d != NoMatch {
			t.Fatalf("decision %d", d)
		}
		if again := p.Evaluate(r); again != d {
			t.Fatalf("decided %v, then %v", d, again)
		}
	})
}

// FuzzEvaluate checks the private API policy of AWS's docs (deny every
// endpoint but one, allow the rest) against what it says, for any
// request: Deny unless the request came through vpce-a; Allow through it
// for this API's resources; nothing for other APIs'.
func FuzzEvaluate(f *testing.F) {
	p, err := Parse(`{"Version":"2012-10-17","Statement":[
	  {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-a"}}},
	  {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`, testAPI)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("*", "execute-api:Invoke", testAPI+"/prod/GET/", "vpce-a", true)
	f.Add("arn:aws:iam::1:user/x", "execute-api:invoke", testAPI+"/p/POST/a/b", "vpce-b", true)
	f.Add("*", "execute-api:Invoke", "arn:aws:execute-api:us-east-1:000000000000:other/prod/GET/", "vpce-a", false)
	f.Fuzz(func(t *testing.T, principal, action, resource, vpce string, hasVpce bool) {
		ctx := map[string]string{}
		if hasVpce {
			ctx["aws:SourceVpce"] = vpce
		}
		got := p.Evaluate(&Request{Principal: principal, Action: action, Resource: resource, Context: ctx})
		want := NoMatch
		if strings.EqualFold(action, "execute-api:Invoke") && ownResource(resource) {
			want = Deny
			if hasVpce && vpce == "vpce-a" {
				want = Allow
			}
		}
		if got != want {
			t.Fatalf("%q %q %q vpce=%q(%v): %v, want %v", principal, action, resource, vpce, hasVpce, got, want)
		}
	})
}

// ownResource: the resource is testAPI's, written as IAM reads it.
func ownResource(resource string) bool {
	a, ok := splitARN(resource)
	return ok && a[0]+":"+a[1]+":"+a[2]+":"+a[3]+":"+a[4] == "arn:aws:execute-api:us-east-1:000000000000" &&
		strings.HasPrefix(a[5], "a1b2c3d4e5/")
}

// FuzzGlob checks glob against the regular expression the pattern means.
func FuzzGlob(f *testing.F) {
	f.Add("a*b?c", "axxbyc", false)
	f.Add("*/GET/*", "prod/GET/pets", false)
	f.Add("EXECUTE-api:inv*", "execute-api:Invoke", true)
	f.Add("?", "é", false)
	f.Add("**?*", "", false)
	f.Fuzz(func(t *testing.T, pattern, s string, fold bool) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) || len(pattern) > 64 {
			return
		}
		var re strings.Builder
		re.WriteString(`(?s)^`)
		if fold {
			re.WriteString(`(?i)`)
		}
		for _, c := range pattern {
			switch c {
			case '*':
				re.WriteString(`.*`)
			case '?':
				re.WriteString(`.`)
			default:
				if fold && c > utf8.RuneSelf-1 {
					// glob folds ASCII only; keep other letters exact.
					re.WriteString(`(?-i:` + regexp.QuoteMeta(string(c)) + `)`)
					continue
				}
				re.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		re.WriteString(`$`)
		if fold && hasNonASCIIFold(s) {
			return // (?i) also folds K (Kelvin) with k and ſ with s; glob does not
		}
		want := regexp.MustCompile(re.String()).MatchString(s)
		if got := glob(pattern, s, fold); got != want {
			t.Fatalf("glob(%q, %q, %v) = %v, regexp says %v", pattern, s, fold, got, want)
		}
	})
}

func hasNonASCIIFold(s string) bool {
	return strings.ContainsAny(s, "\u212a\u017f")
}
