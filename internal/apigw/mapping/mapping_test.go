package mapping

import (
	"strings"
	"testing"
)

func TestParseTemplate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Template
		err  string
	}{
		{"static", Template{{SourceLiteral, "static"}}, ""},
		{"$request.header.x-api-key", Template{{SourceHeader, "X-Api-Key"}}, ""},
		{"${request.path.id}-${stageVariables.env}", Template{{SourcePathParameter, "id"}, {SourceLiteral, "-"}, {SourceStageVariable, "env"}}, ""},
		{"/v2$request.path", Template{{SourceLiteral, "/v2"}, {SourcePath, ""}}, ""},
		{"$context.requestId.", Template{{SourceContext, "requestId"}, {SourceLiteral, "."}}, ""},
		{"cost $5", Template{{SourceLiteral, "cost $5"}}, ""},
		{"$request.querystring.Q", Template{{SourceQueryString, "Q"}}, ""},
		{"${request.body.name}", nil, "unsupported"},
		{"$request.body", nil, "unsupported"},
		{"${nope}", nil, "unknown variable"},
		{"${request.path.id", nil, "unterminated"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTemplate(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%#v, want %#v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("%#v, want %#v", got, tc.want)
				}
			}
		})
	}
}

func TestParseRequestParametersOrder(t *testing.T) {
	m, err := ParseRequestParameters(map[string]string{
		"append:header.b":     "2",
		"remove:header.a":     "''",
		"overwrite:path":      "/x",
		"overwrite:header.c":  "3",
		"append:querystring.": "",
	})
	if err == nil {
		t.Fatalf("an empty query string name was accepted: %v", m)
	}
	m, err = ParseRequestParameters(map[string]string{"append:header.b": "2", "remove:header.a": "''", "overwrite:path": "/x", "overwrite:header.c": "3"})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, x := range m {
		order = append(order, x.Name)
	}
	if strings.Join(order, ",") != "A,C,,B" {
		t.Fatalf("order %v: removes, then overwrites (headers, then path), then appends", order)
	}
}

// FuzzRequestParameters: the control plane's parser of network input never
// panics, and what it accepts is well formed.
func FuzzRequestParameters(f *testing.F) {
	for _, s := range [][2]string{
		{"append:header.header1", "$context.requestId"},
		{"overwrite:path", "/v2/${request.path.id}"},
		{"remove:querystring.q", "''"},
		{"overwrite:header.X", "${request.header.a} $stageVariables.b $"},
		{"append:header.Forwarded", "x"},
		{"overwrite:querystring.a", "${"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		m, err := ParseRequestParameters(map[string]string{key: value})
		if err != nil {
			return
		}
		if len(m) != 1 || m[0].Action == 0 || m[0].Location == 0 {
			t.Fatalf("%q=%q parsed to %#v", key, value, m)
		}
		for _, p := range m[0].Value {
			if p.Kind != SourceLiteral && p.Kind != SourcePath && p.Text == "" {
				t.Fatalf("%q: variable without a name in %#v", value, m[0].Value)
			}
		}
	})
}
