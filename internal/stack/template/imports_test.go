package template

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestImportValue: an import reads the exports the Config carries, by a
// name that may use parameters; Plan lists what it imported; a name that
// depends on a resource, or that nobody exports, is refused before anything
// is created.
func TestImportValue(t *testing.T) {
	cfg := testConfig
	cfg.Exports = map[string]string{"shared-vpc": "vpc-123", "prod-db": "db.local"}
	for _, tc := range []struct {
		expr, want string
		imports    []string
	}{
		{`!ImportValue shared-vpc`, "vpc-123", []string{"shared-vpc"}},
		{`!ImportValue {"Fn::Sub": "${Env}-db"}`, "db.local", []string{"prod-db"}},
		{`!Join ["/", [!ImportValue shared-vpc, !ImportValue prod-db]]`, "vpc-123/db.local", []string{"prod-db", "shared-vpc"}},
		// Only the branch a condition takes is imported.
		{`!If [IsProd, !ImportValue prod-db, none]`, "db.local", []string{"prod-db"}},
	} {
		pl := planEval(t, tc.expr, cfg)
		props, err := pl.NewResolver().ResolveProperties("Thing")
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		if props["V"] != tc.want || !slices.Equal(pl.Imports, tc.imports) {
			t.Errorf("%s = %v importing %v, want %q importing %v", tc.expr, props["V"], pl.Imports, tc.want, tc.imports)
		}
	}
	for expr, want := range map[string]string{
		`!ImportValue missing`:                        "No export named missing found.",
		`!ImportValue {"Fn::Sub": "${Db}"}`:           "must not depend on any resources",
		`!ImportValue {"Fn::GetAtt": [Db, Name]}`:     "must not depend on any resources",
		`!ImportValue [shared-vpc]`:                   "Fn::ImportValue takes an export name",
		`!ImportValue {"Fn::Sub": "${Env}-nope"}`:     "No export named prod-nope found.",
		`{"Fn::ImportValue": {"Ref": "Missing"}}`:     `"Missing"`,
		`{"Fn::ImportValue": {"Fn::Nope": "shared"}}`: "unknown intrinsic function Fn::Nope",
	} {
		tm, err := Parse([]byte(strings.Replace(evalTemplate, "%s", expr, 1)))
		if err == nil {
			_, err = tm.Plan(cfg)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", expr, err, want)
		}
	}
}

func TestReferences(t *testing.T) {
	tm, err := Parse([]byte(`
Parameters:
  Env: {Type: String, Default: prod}
Resources:
  Db: {Type: Test::Db}
  Cache: {Type: Test::Db}
  Thing:
    Type: Test::Thing
    Properties:
      Plain: text
      Name: !Sub "${Env}-${Db.Name}"
      Nested: {List: [!Ref Cache, !GetAtt Db.Arn]}
      Local: !Sub ["${X}", {X: !Ref Env}]
`))
	if err != nil {
		t.Fatal(err)
	}
	refs := tm.References("Thing")
	want := PropertyReferences{
		Resources:  map[string][]string{"Name": {"Db"}, "Nested": {"Cache", "Db"}},
		Parameters: map[string][]string{"Name": {"Env"}, "Local": {"Env"}},
	}
	if !reflect.DeepEqual(refs, want) {
		t.Errorf("References = %+v, want %+v", refs, want)
	}
}
