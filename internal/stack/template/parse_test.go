package template

import (
	"reflect"
	"strings"
	"testing"
)

// Short forms become the long form in the value tree.
func TestShortFormsConvertToLongForm(t *testing.T) {
	src := `
Conditions:
  C: !And [!Equals [a, !Ref AWS::Region], !Not [!Condition D], !Or [!Condition D, !Condition D]]
  D: !Equals [x, y]
Resources:
  R:
    Type: Test::R
    Properties:
      RefProp: !Ref AWS::Region
      GetAttString: !GetAtt R.Endpoint.Port
      GetAttList: !GetAtt [R, Arn]
      SubString: !Sub "${AWS::Region}"
      SubList: !Sub ["${A}", {A: b}]
      Join: !Join [",", [a, b]]
      Select: !Select [0, !GetAZs ""]
      Split: !Split [",", "a,b"]
      If: !If [C, !Ref AWS::NoValue, !FindInMap [M, a, b]]
      Base64: !Base64 text
Mappings:
  M: {a: {b: c}}
`
	tm, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	wantProps := map[string]any{
		"RefProp":      map[string]any{"Ref": "AWS::Region"},
		"GetAttString": map[string]any{"Fn::GetAtt": []any{"R", "Endpoint.Port"}},
		"GetAttList":   map[string]any{"Fn::GetAtt": []any{"R", "Arn"}},
		"SubString":    map[string]any{"Fn::Sub": "${AWS::Region}"},
		"SubList":      map[string]any{"Fn::Sub": []any{"${A}", map[string]any{"A": "b"}}},
		"Join":         map[string]any{"Fn::Join": []any{",", []any{"a", "b"}}},
		"Select":       map[string]any{"Fn::Select": []any{int64(0), map[string]any{"Fn::GetAZs": ""}}},
		"Split":        map[string]any{"Fn::Split": []any{",", "a,b"}},
		"If": map[string]any{"Fn::If": []any{"C",
			map[string]any{"Ref": "AWS::NoValue"},
			map[string]any{"Fn::FindInMap": []any{"M", "a", "b"}}}},
		"Base64": map[string]any{"Fn::Base64": "text"},
	}
	if got := tm.Resources["R"].Properties; !reflect.DeepEqual(got, wantProps) {
		t.Errorf("properties:\n got %#v\nwant %#v", got, wantProps)
	}
	wantCond := map[string]any{"Fn::And": []any{
		map[string]any{"Fn::Equals": []any{"a", map[string]any{"Ref": "AWS::Region"}}},
		map[string]any{"Fn::Not": []any{map[string]any{"Condition": "D"}}},
		map[string]any{"Fn::Or": []any{map[string]any{"Condition": "D"}, map[string]any{"Condition": "D"}}},
	}}
	if got := tm.Conditions["C"]; !reflect.DeepEqual(got, wantCond) {
		t.Errorf("condition:\n got %#v\nwant %#v", got, wantCond)
	}
}

// Unquoted YAML scalars follow the YAML 1.2 core schema, except that
// numbers with leading zeros (account ids) and non-decimal forms stay text.
func TestScalars(t *testing.T) {
	src := `
Resources:
  R:
    Type: Test::R
    Properties:
      Int: 42
      Negative: -7
      Float: 2.5
      Exp: 1e3
      Quoted: "42"
      Single: '7'
      AccountId: 012345678901
      Hex: 0x1F
      Date: 2012-10-17
      True: true
      False: False
      Yes: yes
      Null: null
      Tilde: ~
      Empty:
      Inf: .inf
      Str: !!str 12
      TaggedInt: !!int "12"
      Block: |
        line
`
	tm, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Int": int64(42), "Negative": int64(-7), "Float": 2.5, "Exp": 1000.0,
		"Quoted": "42", "Single": "7", "AccountId": "012345678901", "Hex": "0x1F",
		"Date": "2012-10-17", "True": true, "False": false, "Yes": "yes",
		"Null": nil, "Tilde": nil, "Empty": nil, "Inf": ".inf",
		"Str": "12", "TaggedInt": int64(12), "Block": "line\n",
	}
	if got := tm.Resources["R"].Properties; !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
}

// A JSON template gives the same Template as its YAML twin.
func TestJSONAndYAMLAgree(t *testing.T) {
	yamlSrc := `
AWSTemplateFormatVersion: "2010-09-09"
Description: demo
Parameters:
  Env: {Type: String, Default: prod}
Resources:
  A:
    Type: Test::A
    Properties:
      Name: !Sub "${Env}-a"
      N: 1
      F: 1.5
      L: [true, null]
  B:
    Type: Test::B
    DependsOn: A
    Properties:
      A: !GetAtt A.Arn
Outputs:
  Out:
    Value: !Ref B
    Export: {Name: !Sub "${AWS::StackName}-out"}
`
	jsonSrc := `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Description": "demo",
  "Parameters": {"Env": {"Type": "String", "Default": "prod"}},
  "Resources": {
    "A": {"Type": "Test::A", "Properties": {"Name": {"Fn::Sub": "${Env}-a"}, "N": 1, "F": 1.5, "L": [true, null]}},
    "B": {"Type": "Test::B", "DependsOn": "A", "Properties": {"A": {"Fn::GetAtt": ["A", "Arn"]}}}
  },
  "Outputs": {"Out": {"Value": {"Ref": "B"}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-out"}}}}
}`
	y, err := Parse([]byte(yamlSrc))
	if err != nil {
		t.Fatal(err)
	}
	j, err := Parse([]byte(jsonSrc))
	if err != nil {
		t.Fatal(err)
	}
	y.pos, j.pos = nil, nil
	if !reflect.DeepEqual(y, j) {
		t.Errorf("YAML and JSON templates differ:\nyaml %#v\njson %#v", y, j)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		err  string // substring
		line int    // expected line of the first error, 0 to skip
	}{
		{"empty", "", "template is empty", 0},
		{"only whitespace", " \n\t\n", "template is empty", 0},
		{"not a mapping", "- a\n- b\n", "must be a mapping of sections", 1},
		{"YAML syntax", "Resources:\n  R:\n    Type: [a\n", "invalid YAML", 0},
		{"JSON syntax with position", "{\n  \"Resources\": {\n    \"R\": {\"Type\": \"A::B\" \"Properties\": {}}\n  }\n}", "invalid JSON", 3},
		{"JSON trailing data", "{\"Resources\": {\"R\": {\"Type\": \"A::B\"}}} x", "unexpected data after", 1},
		{"JSON truncated", "{\"Resources\": {", "invalid JSON: unexpected end of input", 0},
		{"JSON duplicate key", "{\"Resources\": {\"R\": {\"Type\": \"A::B\"}, \"R\": {}}}", `duplicate key "R"`, 1},
		{"YAML duplicate key", "Resources:\n  R: {Type: A::B}\n  R: {Type: A::B}\n", `duplicate key "R"`, 3},
		{"two documents", "Resources: {R: {Type: A::B}}\n---\nResources: {}\n", "found a second one", 0},
		{"alias", "Resources:\n  R: &r {Type: A::B}\n  S: *r\n", "YAML aliases (*r) are not supported", 3},
		{"merge key", "Resources:\n  R:\n    <<: {Type: A::B}\n", "merge keys", 3},
		{"unknown tag", "Resources:\n  R:\n    Type: A::B\n    Properties: {X: !Nope a}\n", "unknown YAML tag !Nope", 4},
		{"bad GetAtt short form", "Resources:\n  R:\n    Type: A::B\n    Properties: {X: !GetAtt R}\n", "want LogicalId.AttributeName", 4},
		{"unknown section", "Resources: {R: {Type: A::B}}\nOutput: {}\n", `unknown template section "Output"`, 2},
		{"transform", "Transform: AWS::Serverless-2016-10-31\nResources: {R: {Type: A::B}}\n", "Transform (\"AWS::Serverless-2016-10-31\") is not supported", 1},
		{"no resources", "Description: x\n", "needs a Resources section", 0},
		{"empty resources", "Resources: {}\n", "at least one resource", 1},
		{"resource without type", "Resources:\n  R: {Properties: {}}\n", "resource R needs a Type", 2},
		{"malformed type", "Resources:\n  R: {Type: Thing}\n", "not of the form", 2},
		{"unknown resource attribute", "Resources:\n  R: {Type: A::B, Propertes: {}}\n", `unknown resource attribute "Propertes"`, 2},
		{"bad DeletionPolicy", "Resources:\n  R: {Type: A::B, DeletionPolicy: Keep}\n", `DeletionPolicy "Keep"`, 2},
		{"bad logical id", "Resources:\n  my-res: {Type: A::B}\n", `logical id "my-res" must be alphanumeric`, 2},
		{"parameter and resource share a name", "Parameters: {R: {Type: String}}\nResources: {R: {Type: A::B}}\n", "used by both a parameter and a resource", 2},
		{"bad format version", "AWSTemplateFormatVersion: 2020-01-01\nResources: {R: {Type: A::B}}\n", "must be \"2010-09-09\"", 1},
		{"unknown parameter type", "Parameters: {P: {Type: Strng}}\nResources: {R: {Type: A::B}}\n", `unknown parameter type "Strng"`, 1},
		{"parameter without type", "Parameters: {P: {Default: x}}\nResources: {R: {Type: A::B}}\n", "parameter P needs a Type", 1},
		{"output without value", "Resources: {R: {Type: A::B}}\nOutputs: {O: {Description: x}}\n", "output O needs a Value", 2},
		{"export without name", "Resources: {R: {Type: A::B}}\nOutputs: {O: {Value: x, Export: {}}}\n", "Export needs a Name", 2},
		{"mapping value is a map", "Mappings: {M: {a: {b: {c: d}}}}\nResources: {R: {Type: A::B}}\n", "mapping values must be strings", 1},

		// Names that point nowhere, found before any planning.
		{"DependsOn unknown", "Resources:\n  R: {Type: A::B, DependsOn: [S]}\n", `DependsOn names "S", which is not a resource`, 2},
		{"DependsOn a parameter", "Parameters: {P: {Type: String}}\nResources:\n  R: {Type: A::B, DependsOn: P}\n", `DependsOn names "P"`, 3},
		{"resource condition unknown", "Resources:\n  R: {Type: A::B, Condition: C}\n", `condition "C" is not defined`, 2},
		{"output condition unknown", "Resources: {R: {Type: A::B}}\nOutputs:\n  O: {Value: x, Condition: C}\n", `condition "C" is not defined`, 3},
		{"condition refers to a resource", "Conditions:\n  C: !Equals [!Ref R, x]\nResources: {R: {Type: A::B}}\n", `conditions can use parameters and pseudo parameters only, not resource "R"`, 2},
		{"condition refers to unknown condition", "Conditions:\n  C: !Not [!Condition D]\nResources: {R: {Type: A::B}}\n", `condition "D" is not defined`, 2},
		{"unknown ref in untaken branch", "Conditions: {C: !Equals [a, b]}\nResources:\n  R: {Type: A::B, Properties: {X: !If [C, !Ref Nope, x]}}\n", `Ref to "Nope"`, 3},
		{"output refers to unknown", "Resources: {R: {Type: A::B}}\nOutputs:\n  O: {Value: !GetAtt Nope.Arn}\n", `"Nope" is not a resource`, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error = %v, want one containing %q", err, tc.err)
			}
			if tc.line > 0 {
				var e *Error
				if !asError(err, &e) || e.Line != tc.line {
					t.Fatalf("error at line %d, want %d: %v", e.Line, tc.line, err)
				}
			}
		})
	}
}

// All problems come back at once, each with its place.
func TestParseReportsEveryProblem(t *testing.T) {
	src := `Resources:
  A:
    Type: Test::A
    Properties:
      X: !Ref Missing1
  B:
    Type: Test::B
    DependsOn: Missing2
    Properties:
      Y: !GetAtt Missing3.Arn
`
	_, err := Parse([]byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		`Resources.A.Properties.X.Ref (line 5, column 10): Ref to "Missing1"`,
		`Resources.B.DependsOn[0] (line 8, column 16): DependsOn names "Missing2"`,
		`Resources.B.Properties.Y.Fn::GetAtt (line 10, column 10): Fn::GetAtt Missing3.Arn`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in\n%s", want, msg)
		}
	}
}

func TestNotes(t *testing.T) {
	src := `
Parameters:
  BootstrapVersion:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /cdk-bootstrap/hnb659fds/version
  Name:
    Type: String
    Default: abc
    AllowedPattern: "(?=abc).*"
Rules:
  CheckBootstrapVersion:
    Assertions: []
Resources:
  R: {Type: Test::R}
`
	tm, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := tm.Plan(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(pl.Notes, "\n")
	for _, want := range []string{"Rules section is not evaluated", "AllowedPattern \"(?=abc).*\" is not enforced", "BootstrapVersion has type AWS::SSM::Parameter::Value<String>"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if pl.Parameters["BootstrapVersion"] != "/cdk-bootstrap/hnb659fds/version" {
		t.Errorf("SSM parameter value = %q", pl.Parameters["BootstrapVersion"])
	}
}

// A flow-style YAML template starts with '{' but is not JSON; it must not
// be refused for that.
func TestFlowYAMLIsNotJSON(t *testing.T) {
	tm, err := Parse([]byte(`{Resources: {R: {Type: Test::R, Properties: {A: !Ref AWS::Region}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := tm.Resources["R"].Properties["A"]; !reflect.DeepEqual(got, map[string]any{"Ref": "AWS::Region"}) {
		t.Errorf("got %#v", got)
	}
}

func TestDeepNesting(t *testing.T) {
	deep := `{"Resources": {"R": {"Type": "T::R", "Properties": {"X": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}}}`
	_, err := Parse([]byte(deep))
	if err == nil || !strings.Contains(err.Error(), "nested more than 10000 levels deep") {
		t.Fatalf("error = %v", err)
	}
	ok := `{"Resources": {"R": {"Type": "T::R", "Properties": {"X": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}}}}`
	if _, err := Parse([]byte(ok)); err != nil {
		t.Fatalf("100 levels: %v", err)
	}
}
