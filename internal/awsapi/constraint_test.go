package awsapi

import (
	"slices"
	"testing"
)

func TestJSONViolations(t *testing.T) {
	rules := []Constraint{
		Length("name", 1, 3), Range("limit", 1, 50), Enum("class", "A", "B"), Range("from", 0, NoLimit),
	}
	for _, tc := range []struct {
		body string
		want []string
	}{
		{`{}`, nil},
		{`{"name":null,"limit":null}`, nil},
		{`not json`, nil},
		{`{"name":7,"limit":"x"}`, nil}, // wrong types are the decoder's to refuse
		{`{"name":"äöü","limit":50,"class":"B","from":0}`, nil}, // characters, not bytes
		{`{"name":""}`, []string{"Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"}},
		{`{"name":"abcd"}`, []string{"Value 'abcd' at 'name' failed to satisfy constraint: Member must have length less than or equal to 3"}},
		{`{"limit":51,"class":"C","from":-1}`, []string{
			"Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50",
			"Value 'C' at 'class' failed to satisfy constraint: Member must satisfy enum value set: [A, B]",
			"Value '-1' at 'from' failed to satisfy constraint: Member must have value greater than or equal to 0",
		}},
	} {
		if got := JSONViolations([]byte(tc.body), rules); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.body, got, tc.want)
		}
	}
	nested := []Constraint{Enum("platform.arch", "X86_64"), Enum("constraints[].type", "memberOf")}
	body := `{"platform":{"arch":"Z80"},"constraints":[{"type":"memberOf"},{"type":"distinct"}]}`
	if got, want := JSONViolations([]byte(body), nested), []string{
		"Value 'Z80' at 'platform.arch' failed to satisfy constraint: Member must satisfy enum value set: [X86_64]",
		"Value 'distinct' at 'constraints.2.member.type' failed to satisfy constraint: Member must satisfy enum value set: [memberOf]",
	}; !slices.Equal(got, want) {
		t.Errorf("nested: %q, want %q", got, want)
	}
	if got := JSONViolations([]byte(`{"platform":"flat","constraints":{"type":"x"}}`), nested); got != nil {
		t.Errorf("mistyped holders: %q, want none", got)
	}
	if got, want := ValidationMessage([]string{"a", "b"}), "2 validation errors detected: a; b"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got, want := ValidationMessage([]string{"a"}), "1 validation error detected: a"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
