package template

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func mustParse(t *testing.T, src string) *Template {
	t.Helper()
	tm, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return tm
}

func planWith(tm *Template, params map[string]string) (*Plan, error) {
	cfg := testConfig
	cfg.Parameters = params
	return tm.Plan(cfg)
}

func TestParameters(t *testing.T) {
	tests := []struct {
		name      string
		param     string // the parameter's definition, YAML flow mapping
		overrides map[string]string
		want      any    // what Ref P gives
		err       string // substring
	}{
		{name: "default", param: `{Type: String, Default: a}`, want: "a"},
		{name: "empty default is a value", param: `{Type: String, Default: ""}`, want: ""},
		{name: "override wins", param: `{Type: String, Default: a}`, overrides: map[string]string{"P": "b"}, want: "b"},
		{name: "no default no override", param: `{Type: String}`, err: "parameter P needs a value: it has no Default and no override was given (P=VALUE)"},
		{name: "unknown override", param: `{Type: String, Default: a}`, overrides: map[string]string{"Q": "x"}, err: `parameter override Q: the template has no parameter named "Q"`},
		{name: "AllowedValues ok", param: `{Type: String, Default: b, AllowedValues: [a, b]}`, want: "b"},
		{name: "AllowedValues violated", param: `{Type: String, AllowedValues: [a, b]}`, overrides: map[string]string{"P": "c"}, err: `parameter P: value "c" is not one of the AllowedValues ["a" "b"]`},
		{name: "default violates AllowedValues", param: `{Type: String, Default: c, AllowedValues: [a, b]}`, err: `value "c" is not one of the AllowedValues`},
		{name: "AllowedPattern whole match", param: `{Type: String, AllowedPattern: "[a-z]+"}`, overrides: map[string]string{"P": "abc1"}, err: "does not match AllowedPattern [a-z]+"},
		{name: "AllowedPattern ok", param: `{Type: String, AllowedPattern: "[a-z]+"}`, overrides: map[string]string{"P": "abc"}, want: "abc"},
		{name: "ConstraintDescription replaces the message", param: `{Type: String, AllowedPattern: "[a-z]+", ConstraintDescription: "lower-case letters only"}`, overrides: map[string]string{"P": "A"}, err: `value "A" does not satisfy the constraint: lower-case letters only`},
		{name: "MinLength", param: `{Type: String, MinLength: 3}`, overrides: map[string]string{"P": "ab"}, err: "is shorter than MinLength 3"},
		{name: "MaxLength counts characters", param: `{Type: String, MaxLength: 2}`, overrides: map[string]string{"P": "éé"}, want: "éé"},
		{name: "MaxLength", param: `{Type: String, MaxLength: 2}`, overrides: map[string]string{"P": "abc"}, err: "is longer than MaxLength 2"},
		{name: "Number", param: `{Type: Number, Default: 8080}`, want: "8080"},
		{name: "Number not a number", param: `{Type: Number}`, overrides: map[string]string{"P": "eight"}, err: `value "eight" is not a number`},
		{name: "Number NaN", param: `{Type: Number}`, overrides: map[string]string{"P": "NaN"}, err: "is not a number"},
		{name: "MinValue", param: `{Type: Number, MinValue: 1}`, overrides: map[string]string{"P": "0"}, err: "is less than MinValue 1"},
		{name: "MaxValue", param: `{Type: Number, MaxValue: 2.5}`, overrides: map[string]string{"P": "3"}, err: "is greater than MaxValue 2.5"},
		{name: "Number AllowedValues numerically", param: `{Type: Number, AllowedValues: [1, 2]}`, overrides: map[string]string{"P": "2.0"}, want: "2.0"},
		{name: "NoEcho hides the value", param: `{Type: String, NoEcho: true, AllowedValues: [a]}`, overrides: map[string]string{"P": "s3cret"}, err: "value (NoEcho value) is not one of"},
		{name: "CommaDelimitedList", param: `{Type: CommaDelimitedList, Default: "a, b ,c"}`, want: []any{"a", "b", "c"}},
		{name: "CommaDelimitedList default as YAML list", param: `{Type: CommaDelimitedList, Default: [a, b]}`, want: []any{"a", "b"}},
		{name: "CommaDelimitedList empty", param: `{Type: CommaDelimitedList, Default: ""}`, want: []any{}},
		{name: "CommaDelimitedList AllowedValues per element", param: `{Type: CommaDelimitedList, AllowedValues: [a, b]}`, overrides: map[string]string{"P": "a,c"}, err: `value "c" is not one of`},
		{name: "List<Number>", param: `{Type: "List<Number>", Default: "1,2"}`, want: []any{"1", "2"}},
		{name: "List<Number> element not a number", param: `{Type: "List<Number>"}`, overrides: map[string]string{"P": "1,x"}, err: `value "x" is not a number`},
		{name: "AWS-specific type is a string", param: `{Type: "AWS::EC2::VPC::Id", Default: vpc-1}`, want: "vpc-1"},
		{name: "AWS-specific list type", param: `{Type: "List<AWS::EC2::Subnet::Id>", Default: "subnet-1,subnet-2"}`, want: []any{"subnet-1", "subnet-2"}},
		{name: "SSM type is the value as given", param: `{Type: "AWS::SSM::Parameter::Value<String>", Default: /my/param}`, want: "/my/param"},
		{name: "SSM list type", param: `{Type: "AWS::SSM::Parameter::Value<List<String>>", Default: "a,b"}`, want: []any{"a", "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := fmt.Sprintf("Parameters:\n  P: %s\nResources:\n  R:\n    Type: Test::R\n    Properties: {V: !Ref P}\n", tc.param)
			tm := mustParse(t, src)
			pl, err := planWith(tm, tc.overrides)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want one containing %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("error leaks a NoEcho value: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			props, err := pl.NewResolver().ResolveProperties("R")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(props["V"], tc.want) {
				t.Fatalf("Ref P = %#v, want %#v", props["V"], tc.want)
			}
		})
	}
}

const conditionsTemplate = `
Parameters:
  Env: {Type: String, Default: prod}
  Size: {Type: Number, Default: 2}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Big: !Equals [!Ref Size, 4]
  ProdAndBig: !And [!Condition IsProd, !Condition Big]
  ProdOrBig: !Or [!Condition IsProd, !Condition Big]
  InUsEast1: !Equals [!Ref AWS::Region, us-east-1]
  Mapped: {"Fn::Equals": [{"Fn::FindInMap": [Flags, !Ref Env, On]}, "yes"]}
Mappings:
  Flags:
    prod: {On: "yes"}
    dev: {On: "no"}
Resources:
  Always:
    Type: Test::Always
    Properties:
      Mode: !If [IsProd, production, development]
      Replicas: !If [Big, 4, !Ref AWS::NoValue]
      Extra: !If [IsDev, !Ref DevOnly, !Ref AWS::NoValue]
      List: [a, !If [IsProd, !Ref AWS::NoValue, b], c]
  DevOnly:
    Type: Test::DevOnly
    Condition: IsDev
  ProdOnly:
    Type: Test::ProdOnly
    Condition: IsProd
Outputs:
  DevOut:
    Condition: IsDev
    Value: !Ref DevOnly
  ProdOut:
    Condition: IsProd
    Value: !Ref ProdOnly
`

func TestConditions(t *testing.T) {
	tests := []struct {
		name      string
		params    map[string]string
		conds     map[string]bool
		resources []string
		skipped   []string
		props     map[string]any
		outputs   []string
	}{
		{
			name: "defaults",
			conds: map[string]bool{"IsProd": true, "IsDev": false, "Big": false, "ProdAndBig": false, "ProdOrBig": true,
				"InUsEast1": true, "Mapped": true},
			resources: []string{"Always", "ProdOnly"},
			skipped:   []string{"DevOnly"},
			props:     map[string]any{"Mode": "production", "List": []any{"a", "c"}},
			outputs:   []string{"ProdOut"},
		},
		{
			name:   "dev and big",
			params: map[string]string{"Env": "dev", "Size": "4"},
			conds: map[string]bool{"IsProd": false, "IsDev": true, "Big": true, "ProdAndBig": false, "ProdOrBig": true,
				"InUsEast1": true, "Mapped": false},
			resources: []string{"DevOnly", "Always"}, // Always refers to DevOnly now
			skipped:   []string{"ProdOnly"},
			props:     map[string]any{"Mode": "development", "Replicas": int64(4), "Extra": "phys-DevOnly", "List": []any{"a", "b", "c"}},
			outputs:   []string{"DevOut"},
		},
		{
			name:   "number compares as text",
			params: map[string]string{"Size": "4"},
			conds: map[string]bool{"IsProd": true, "IsDev": false, "Big": true, "ProdAndBig": true, "ProdOrBig": true,
				"InUsEast1": true, "Mapped": true},
			resources: []string{"Always", "ProdOnly"},
			skipped:   []string{"DevOnly"},
			props:     map[string]any{"Mode": "production", "Replicas": int64(4), "List": []any{"a", "c"}},
			outputs:   []string{"ProdOut"},
		},
	}
	tm := mustParse(t, conditionsTemplate)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := planWith(tm, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(pl.Conditions, tc.conds) {
				t.Errorf("conditions = %v, want %v", pl.Conditions, tc.conds)
			}
			if got := ids(pl); !slices.Equal(got, tc.resources) {
				t.Errorf("resources = %v, want %v", got, tc.resources)
			}
			if !slices.Equal(pl.Skipped, tc.skipped) {
				t.Errorf("skipped = %v, want %v", pl.Skipped, tc.skipped)
			}
			r := deployAll(t, pl)
			props, err := r.ResolveProperties("Always")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(props, tc.props) {
				t.Errorf("Always properties = %#v, want %#v", props, tc.props)
			}
			outs, err := r.Outputs()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, o := range outs {
				names = append(names, o.Name)
			}
			if !slices.Equal(names, tc.outputs) {
				t.Errorf("outputs = %v, want %v", names, tc.outputs)
			}
		})
	}
}

func TestConditionErrors(t *testing.T) {
	tests := []struct{ name, conditions, err string }{
		{"self reference", "C: !Not [!Condition C]", "condition C depends on itself"},
		{"mutual reference", "C: !Not [!Condition D]\n  D: !Not [!Condition C]", "depends on itself"},
		{"not a condition function", "C: !Ref Env", "Ref is not a condition function (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition)"},
		{"And needs two", "C: !And [!Equals [a, a]]", "Fn::And takes a list of 2 to 10 conditions"},
		{"Or at most ten", "C: !Or [" + strings.Repeat("!Equals [a, a], ", 10) + "!Equals [a, a]]", "Fn::Or takes a list of 2 to 10"},
		{"Equals arity", "C: !Equals [a]", "Fn::Equals takes [value1, value2]"},
		{"Not arity", "C: !Not [!Equals [a, a], !Equals [a, a]]", "Fn::Not takes [condition]"},
		{"literal", "C: true", "a condition must be one of"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := "Parameters: {Env: {Type: String, Default: x}}\nConditions:\n  " + tc.conditions + "\nResources: {R: {Type: Test::R}}\n"
			tm, err := Parse([]byte(src))
			if err == nil {
				_, err = tm.Plan(testConfig)
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error = %v, want one containing %q", err, tc.err)
			}
		})
	}
}

// A taken branch or a DependsOn may not point at a resource whose condition
// is false; an untaken branch may (that is what Fn::If is for).
func TestReferencesToSkippedResources(t *testing.T) {
	tests := []struct{ name, props, dependsOn, output, err string }{
		{name: "untaken branch is fine", props: `{X: !If [On, !Ref Opt, none]}`},
		{name: "Ref", props: `{X: !Ref Opt}`, err: "Resources.R.Properties.X.Ref (line 6, column 21): refers to Opt, which is not created because its condition On is false"},
		{name: "GetAtt", props: `{X: !GetAtt Opt.Arn}`, err: "refers to Opt, which is not created"},
		{name: "Sub", props: `{X: !Sub "${Opt.Arn}"}`, err: "refers to Opt, which is not created"},
		{name: "taken branch", props: `{X: !If [Off, !Ref Opt, none]}`, err: "refers to Opt, which is not created"},
		{name: "DependsOn", props: `{}`, dependsOn: "Opt", err: "Resources.R.DependsOn[0] (line 7, column 16): refers to Opt"},
		{name: "output", props: `{}`, output: "!Ref Opt", err: "Outputs.O.Value.Ref"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := "Conditions:\n  On: !Equals [a, b]\n  Off: !Not [!Condition On]\nResources:\n  R:\n    Properties: " + tc.props + "\n    Type: Test::R\n"
			if tc.dependsOn != "" {
				src = "Conditions:\n  On: !Equals [a, b]\n  Off: !Not [!Condition On]\nResources:\n  R:\n    Properties: " + tc.props + "\n    DependsOn: " + tc.dependsOn + "\n    Type: Test::R\n"
			}
			src += "  Opt:\n    Type: Test::Opt\n    Condition: On\n"
			if tc.output != "" {
				src += "Outputs:\n  O:\n    Value: " + tc.output + "\n"
			}
			tm := mustParse(t, src)
			_, err := tm.Plan(testConfig)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error = %v, want one containing %q", err, tc.err)
			}
		})
	}
}

func TestCycles(t *testing.T) {
	tests := []struct{ name, resources, cycle string }{
		{"self Ref", `
  A: {Type: T::A, Properties: {X: !Ref A}}`, "A -> A"},
		{"direct", `
  A: {Type: T::A, Properties: {X: !Ref B}}
  B: {Type: T::B, Properties: {X: !Ref A}}`, "A -> B -> A"},
		{"indirect through GetAtt", `
  A: {Type: T::A, Properties: {X: !GetAtt C.Arn}}
  B: {Type: T::B, Properties: {X: !GetAtt A.Arn}}
  C: {Type: T::C, Properties: {X: !GetAtt B.Arn}}
  D: {Type: T::D, Properties: {X: !Ref A}}`, "A -> C -> B -> A"},
		{"through Sub", `
  A: {Type: T::A, Properties: {X: !Sub "${B}"}}
  B: {Type: T::B, Properties: {X: !Sub "arn:${A.Arn}"}}`, "A -> B -> A"},
		{"through Sub variable map", `
  A: {Type: T::A, Properties: {X: !Sub ["${V}", {V: !Ref B}]}}
  B: {Type: T::B, Properties: {X: !Ref A}}`, "A -> B -> A"},
		{"through DependsOn", `
  A: {Type: T::A, DependsOn: B}
  B: {Type: T::B, DependsOn: [C]}
  C: {Type: T::C, Properties: {X: !Ref A}}`, "A -> B -> C -> A"},
		{"through nested functions", `
  A: {Type: T::A, Properties: {X: !Join [",", [!Select [0, !Split [",", !GetAtt B.List]]]]}}
  B: {Type: T::B, Properties: {X: !Base64 {"Fn::Sub": "${A}"}}}`, "A -> B -> A"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tm := mustParse(t, "Resources:"+tc.resources+"\n")
			_, err := tm.Plan(testConfig)
			want := "circular dependency between resources: " + tc.cycle
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error = %v, want one containing %q", err, want)
			}
		})
	}
	// "${!A}" is a literal, not a reference: no cycle.
	tm := mustParse(t, "Resources:\n  A: {Type: T::A, Properties: {X: !Sub \"${!A}\"}}\n")
	if _, err := tm.Plan(testConfig); err != nil {
		t.Fatalf("literal ${!A}: %v", err)
	}
}

// The order depends only on the dependencies, never on map iteration or on
// the order resources are written in; ties go to the smaller logical id.
func TestDeterministicOrder(t *testing.T) {
	src := `
Resources:
  Zeta: {Type: T::Z}
  Alpha: {Type: T::A, Properties: {X: !Ref Mid}}
  Mid: {Type: T::M, DependsOn: Zeta}
  Beta: {Type: T::B}
  Gamma: {Type: T::G, Properties: {X: !GetAtt Beta.Arn, Y: !Ref Alpha}}
`
	want := []string{"Beta", "Zeta", "Mid", "Alpha", "Gamma"}
	for i := 0; i < 20; i++ {
		pl, err := mustParse(t, src).Plan(testConfig)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(pl); !slices.Equal(got, want) {
			t.Fatalf("run %d: order %v, want %v", i, got, want)
		}
		if got, wantDel := pl.DeletionOrder(), []string{"Gamma", "Alpha", "Mid", "Zeta", "Beta"}; !slices.Equal(got, wantDel) {
			t.Fatalf("deletion order %v, want %v", got, wantDel)
		}
	}
	pl, _ := mustParse(t, src).Plan(testConfig)
	gamma, _ := pl.Resource("Gamma")
	if !slices.Equal(gamma.DependsOn, []string{"Alpha", "Beta"}) {
		t.Errorf("Gamma.DependsOn = %v", gamma.DependsOn)
	}
	beta, _ := pl.Resource("Beta")
	if !slices.Equal(beta.Attributes, []string{"Arn"}) {
		t.Errorf("Beta.Attributes = %v", beta.Attributes)
	}
}

func TestConfigChecks(t *testing.T) {
	tm := mustParse(t, "Resources: {R: {Type: T::R}}\n")
	for _, tc := range []struct {
		mutate func(*Config)
		err    string
	}{
		{func(c *Config) { c.Region = "" }, `region "" is not a region name`},
		{func(c *Config) { c.AccountID = "123" }, `account id "123" is not 12 digits`},
		{func(c *Config) { c.StackName = "1stack" }, `stack name "1stack" must start with a letter`},
		{func(c *Config) { c.StackName = "my_stack" }, `stack name "my_stack"`},
		{func(c *Config) { c.StackID = "" }, "stack id is empty"},
	} {
		cfg := testConfig
		tc.mutate(&cfg)
		if _, err := tm.Plan(cfg); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("error = %v, want %q", err, tc.err)
		}
	}
}

// Errors that need no created resource surface at Plan, all of them.
func TestPlanFindsEvaluationErrorsEarly(t *testing.T) {
	src := `
Mappings:
  M: {a: {b: c}}
Resources:
  A:
    Type: T::A
    Properties:
      Zone: !Select [3, !GetAZs ""]
  B:
    Type: T::B
    Properties:
      Image: !FindInMap [M, a, nope]
      Id: !Select [0, !GetAtt A.Ids]
Outputs:
  L:
    Value: !GetAZs ""
`
	_, err := mustParse(t, src).Plan(testConfig)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"Resources.A.Properties.Zone.Fn::Select (line 8, column 13): Fn::Select index 3 is out of range: the list has 3 elements",
		`Resources.B.Properties.Image.Fn::FindInMap (line 12, column 14): Fn::FindInMap: mapping M.a has no key "nope"`,
		"Outputs.L.Value (line 16, column 12): must evaluate to a string, not a list",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%v", want, err)
		}
	}
}

func TestOutputs(t *testing.T) {
	src := `
Parameters:
  Env: {Type: String, Default: prod}
Resources:
  Api: {Type: T::Api}
Outputs:
  Url:
    Description: where the API listens
    Value: !Sub "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
    Export:
      Name: !Sub "${AWS::StackName}-url"
  Port:
    Value: 8080
  Joined:
    Value: !Join [",", !GetAtt Api.Stages]
`
	pl, err := mustParse(t, src).Plan(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	r := pl.NewResolver()
	if _, err := r.Outputs(); err == nil || !strings.Contains(err.Error(), "resource Api (T::Api) has no physical id recorded") {
		t.Fatalf("outputs before recording: %v", err)
	}
	if err := r.Record("Api", "abc123", map[string]any{"Stages": []string{"dev", "prod"}}); err != nil {
		t.Fatal(err)
	}
	got, err := r.Outputs()
	if err != nil {
		t.Fatal(err)
	}
	want := []OutputValue{
		{Name: "Joined", Value: "dev,prod"},
		{Name: "Port", Value: "8080"},
		{Name: "Url", Value: "https://abc123.execute-api.us-east-1.amazonaws.com/", Description: "where the API listens", ExportName: "demo-url"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outputs = %#v\nwant %#v", got, want)
	}
}

// Properties as a whole may come from Fn::If.
func TestPropertiesFromIf(t *testing.T) {
	src := `
Conditions:
  On: !Equals [a, a]
  Off: !Equals [a, b]
Resources:
  A: {Type: T::A, Properties: {"Fn::If": [On, {X: 1}, {X: 2}]}}
  B: {Type: T::B, Properties: {"Fn::If": [Off, {X: 1}, !Ref AWS::NoValue]}}
  C: {Type: T::C, Properties: {"Fn::If": [On, notamap, {X: 2}]}}
`
	_, err := mustParse(t, src).Plan(testConfig)
	if err == nil || !strings.Contains(err.Error(), `Resources.C.Properties (line 8, column 31): Properties must evaluate to a mapping, not "notamap"`) {
		t.Fatalf("error = %v", err)
	}
	pl, err := mustParse(t, strings.Replace(src, "notamap", "{Y: 3}", 1)).Plan(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	r := pl.NewResolver()
	for id, want := range map[string]map[string]any{"A": {"X": int64(1)}, "B": {}, "C": {"Y": int64(3)}} {
		got, err := r.ResolveProperties(id)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %#v, %v; want %#v", id, got, err, want)
		}
	}
}

func ids(pl *Plan) []string {
	var out []string
	for _, r := range pl.Resources {
		out = append(out, r.LogicalID)
	}
	return out
}

// deployAll plays the deployer: resolves and records every resource in
// order, with physical id "phys-<id>" and every attribute the plan asks for
// set to "<id>.<attr>".
func deployAll(t *testing.T, pl *Plan) *Resolver {
	t.Helper()
	r := pl.NewResolver()
	for _, res := range pl.Resources {
		if _, err := r.ResolveProperties(res.LogicalID); err != nil {
			t.Fatalf("resolve %s: %v", res.LogicalID, err)
		}
		attrs := map[string]any{}
		for _, a := range res.Attributes {
			attrs[a] = res.LogicalID + "." + a
		}
		if err := r.Record(res.LogicalID, "phys-"+res.LogicalID, attrs); err != nil {
			t.Fatal(err)
		}
	}
	return r
}
