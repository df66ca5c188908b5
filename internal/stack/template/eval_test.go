package template

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// evalTemplate is a small template around one property value: Thing.V is
// the expression under test, Db is a resource whose physical id and
// attributes the tests record.
const evalTemplate = `
Parameters:
  Env: {Type: String, Default: prod, AllowedValues: [prod, dev]}
  Count: {Type: Number, Default: 3}
  Subnets: {Type: CommaDelimitedList, Default: "subnet-a, subnet-b"}
  Ports: {Type: List<Number>, Default: "80,443"}
  Index: {Type: Number, Default: 1}
Mappings:
  RegionMap:
    us-east-1: {Ami: ami-123, Zones: [x, y], Size: 2}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Db:
    Type: Test::Db
  Thing:
    Type: Test::Thing
    Properties:
      V: %s
`

var testConfig = Config{
	Region:    "us-east-1",
	AccountID: "123456789012",
	StackName: "demo",
	StackID:   "arn:aws:cloudformation:us-east-1:123456789012:stack/demo/1111",
}

// planEval plans evalTemplate with expr as Thing.V under cfg.
func planEval(t *testing.T, expr string, cfg Config) *Plan {
	t.Helper()
	tm, err := Parse([]byte(fmt.Sprintf(evalTemplate, expr)))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := tm.Plan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// absent marks a property that evaluated to AWS::NoValue.
const absent = "<absent>"

// evalExpr deploys evalTemplate with expr as Thing.V and returns V.
func evalExpr(expr string, params map[string]string) (any, error) {
	tm, err := Parse([]byte(fmt.Sprintf(evalTemplate, expr)))
	if err != nil {
		return nil, err
	}
	cfg := testConfig
	cfg.Parameters = params
	pl, err := tm.Plan(cfg)
	if err != nil {
		return nil, err
	}
	r := pl.NewResolver()
	if err := r.Record("Db", "db-1", map[string]any{
		"Endpoint.Address": "db.local",
		"Port":             5432,
		"Ips":              []string{"10.0.0.1", "10.0.0.2"},
	}); err != nil {
		return nil, err
	}
	props, err := r.ResolveProperties("Thing")
	if err != nil {
		return nil, err
	}
	v, ok := props["V"]
	if !ok {
		return absent, nil
	}
	return v, nil
}

func TestIntrinsicFunctions(t *testing.T) {
	for _, tc := range intrinsicCases() {
		for form, expr := range map[string]string{"short": tc.short, "long": tc.long} {
			t.Run(tc.name+"/"+form, func(t *testing.T) {
				got, err := evalExpr(expr, tc.params)
				if tc.err != "" {
					if err == nil || !strings.Contains(err.Error(), tc.err) {
						t.Fatalf("error = %v, want one containing %q (value %#v)", err, tc.err, got)
					}
					return
				}
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("got %#v, want %#v", got, tc.want)
				}
			})
		}
	}
}

// intrinsicCase is one expression in both of its forms and what it
// evaluates to in evalTemplate.
type intrinsicCase struct {
	name        string
	short, long string // the same expression in YAML short form and JSON long form
	params      map[string]string
	want        any    // when err is empty
	err         string // substring of the expected error
}

// intrinsicCases lists TestIntrinsicFunctions' cases, function by function.
func intrinsicCases() []intrinsicCase {
	return []intrinsicCase{
		// Ref
		{name: "Ref string parameter", short: `!Ref Env`, long: `{"Ref": "Env"}`, want: "prod"},
		{name: "Ref override", short: `!Ref Env`, long: `{"Ref": "Env"}`, params: map[string]string{"Env": "dev"}, want: "dev"},
		{name: "Ref number parameter is a string", short: `!Ref Count`, long: `{"Ref": "Count"}`, want: "3"},
		{name: "Ref CommaDelimitedList trims", short: `!Ref Subnets`, long: `{"Ref": "Subnets"}`, want: []any{"subnet-a", "subnet-b"}},
		{name: "Ref List<Number>", short: `!Ref Ports`, long: `{"Ref": "Ports"}`, want: []any{"80", "443"}},
		{name: "Ref resource", short: `!Ref Db`, long: `{"Ref": "Db"}`, want: "db-1"},
		{name: "Ref unknown", short: `!Ref Nope`, long: `{"Ref": "Nope"}`, err: `Ref to "Nope", which is not a parameter, resource or pseudo parameter`},
		{name: "Ref non-string", short: `!Ref [a]`, long: `{"Ref": ["a"]}`, err: "Ref takes a logical id"},

		// Pseudo parameters
		{name: "AWS::Region", short: `!Ref AWS::Region`, long: `{"Ref": "AWS::Region"}`, want: "us-east-1"},
		{name: "AWS::AccountId", short: `!Ref AWS::AccountId`, long: `{"Ref": "AWS::AccountId"}`, want: "123456789012"},
		{name: "AWS::StackName", short: `!Ref AWS::StackName`, long: `{"Ref": "AWS::StackName"}`, want: "demo"},
		{name: "AWS::StackId", short: `!Ref AWS::StackId`, long: `{"Ref": "AWS::StackId"}`, want: testConfig.StackID},
		{name: "AWS::Partition", short: `!Ref AWS::Partition`, long: `{"Ref": "AWS::Partition"}`, want: "aws"},
		{name: "AWS::URLSuffix", short: `!Ref AWS::URLSuffix`, long: `{"Ref": "AWS::URLSuffix"}`, want: "amazonaws.com"},
		{name: "AWS::NotificationARNs", short: `!Ref AWS::NotificationARNs`, long: `{"Ref": "AWS::NotificationARNs"}`, want: []any{}},
		{name: "AWS::NoValue removes the property", short: `!Ref AWS::NoValue`, long: `{"Ref": "AWS::NoValue"}`, want: absent},
		{name: "AWS::NoValue removes list elements", short: `[a, !Ref AWS::NoValue, b]`, long: `["a", {"Ref": "AWS::NoValue"}, "b"]`, want: []any{"a", "b"}},
		{name: "AWS::NoValue removes map entries", short: `{K: !Ref AWS::NoValue, L: 1}`, long: `{"K": {"Ref": "AWS::NoValue"}, "L": 1}`, want: map[string]any{"L": int64(1)}},
		{name: "unknown pseudo parameter", short: `!Ref AWS::Nope`, long: `{"Ref": "AWS::Nope"}`, err: `Ref to "AWS::Nope"`},

		// Fn::GetAtt
		{name: "GetAtt dotted attribute", short: `!GetAtt Db.Endpoint.Address`, long: `{"Fn::GetAtt": ["Db", "Endpoint.Address"]}`, want: "db.local"},
		{name: "GetAtt list form", short: `!GetAtt [Db, Port]`, long: `{"Fn::GetAtt": ["Db", "Port"]}`, want: int64(5432)},
		{name: "GetAtt list attribute", short: `!GetAtt Db.Ips`, long: `{"Fn::GetAtt": "Db.Ips"}`, want: []any{"10.0.0.1", "10.0.0.2"}},
		{name: "GetAtt attribute not recorded", short: `!GetAtt Db.Arn`, long: `{"Fn::GetAtt": ["Db", "Arn"]}`, err: `resource Db (Test::Db) has no attribute "Arn" recorded (recorded: Endpoint.Address, Ips, Port)`},
		{name: "GetAtt unknown resource", short: `!GetAtt Nope.Arn`, long: `{"Fn::GetAtt": ["Nope", "Arn"]}`, err: `"Nope" is not a resource`},
		{name: "GetAtt of a parameter", short: `!GetAtt Env.Arn`, long: `{"Fn::GetAtt": ["Env", "Arn"]}`, err: "Env is a parameter; only resources have attributes"},
		{name: "GetAtt without attribute", short: `!GetAtt Db`, long: `{"Fn::GetAtt": ["Db"]}`, err: "GetAtt"},

		// Fn::Sub
		{name: "Sub pseudo, parameter, resource, attribute", short: `!Sub "${AWS::Region}/${Env}/${Db}/${Db.Endpoint.Address}:${Db.Port}"`, long: `{"Fn::Sub": "${AWS::Region}/${Env}/${Db}/${Db.Endpoint.Address}:${Db.Port}"}`, want: "us-east-1/prod/db-1/db.local:5432"},
		{name: "Sub literal escape", short: `!Sub "${!Literal}-${Env}"`, long: `{"Fn::Sub": "${!Literal}-${Env}"}`, want: "${Literal}-prod"},
		{name: "Sub variable map", short: `!Sub ["${A}-${B}-${Env}", {A: !Ref Db, B: 7}]`, long: `{"Fn::Sub": ["${A}-${B}-${Env}", {"A": {"Ref": "Db"}, "B": 7}]}`, want: "db-1-7-prod"},
		{name: "Sub number parameter", short: `!Sub "n=${Count}"`, long: `{"Fn::Sub": "n=${Count}"}`, want: "n=3"},
		{name: "Sub unterminated is literal", short: `!Sub "a${b"`, long: `{"Fn::Sub": "a${b"}`, want: "a${b"},
		{name: "Sub unknown variable", short: `!Sub "${Nope}"`, long: `{"Fn::Sub": "${Nope}"}`, err: "Fn::Sub variable ${Nope} is not"},
		{name: "Sub list parameter", short: `!Sub "${Subnets}"`, long: `{"Fn::Sub": "${Subnets}"}`, err: "${Subnets} is a list; only strings"},
		{name: "Sub unknown attribute", short: `!Sub "${Db.Arn}"`, long: `{"Fn::Sub": "${Db.Arn}"}`, err: `no attribute "Arn" recorded`},

		// Fn::Join
		{name: "Join", short: `!Join [":", [a, !Ref Env, !Ref Db]]`, long: `{"Fn::Join": [":", ["a", {"Ref": "Env"}, {"Ref": "Db"}]]}`, want: "a:prod:db-1"},
		{name: "Join scalars", short: `!Join ["", [a, 1, true, 2.5]]`, long: `{"Fn::Join": ["", ["a", 1, true, 2.5]]}`, want: "a1true2.5"},
		{name: "Join list parameter", short: `!Join [",", !Ref Subnets]`, long: `{"Fn::Join": [",", {"Ref": "Subnets"}]}`, want: "subnet-a,subnet-b"},
		{name: "Join GetAZs", short: `!Join [",", !GetAZs ""]`, long: `{"Fn::Join": [",", {"Fn::GetAZs": ""}]}`, want: "us-east-1a,us-east-1b,us-east-1c"},
		{name: "Join Split", short: `!Join ["+", !Split [",", "a,b,c"]]`, long: `{"Fn::Join": ["+", {"Fn::Split": [",", "a,b,c"]}]}`, want: "a+b+c"},
		{name: "Join list attribute", short: `!Join [" ", !GetAtt Db.Ips]`, long: `{"Fn::Join": [" ", {"Fn::GetAtt": ["Db", "Ips"]}]}`, want: "10.0.0.1 10.0.0.2"},
		{name: "Join nested and NoValue", short: `!Join ["/", [!Join ["-", [a, b]], !Ref AWS::NoValue, c]]`, long: `{"Fn::Join": ["/", [{"Fn::Join": ["-", ["a", "b"]]}, {"Ref": "AWS::NoValue"}, "c"]]}`, want: "a-b/c"},
		{name: "Join element is a list", short: `!Join [",", [a, !Ref Subnets]]`, long: `{"Fn::Join": [",", ["a", {"Ref": "Subnets"}]]}`, err: "Fn::Join can join strings only; element 1 is a list"},
		{name: "Join delimiter must be literal", short: `!Join [!Ref Env, [a]]`, long: `{"Fn::Join": [{"Ref": "Env"}, ["a"]]}`, err: "delimiter must be a literal string"},
		{name: "Join of a string", short: `!Join [",", !Ref Env]`, long: `{"Fn::Join": [",", {"Ref": "Env"}]}`, err: "Fn::Join needs a list"},

		// Fn::Select
		{name: "Select number index", short: `!Select [1, [a, b, c]]`, long: `{"Fn::Select": [1, ["a", "b", "c"]]}`, want: "b"},
		{name: "Select string index", short: `!Select ["2", [a, b, c]]`, long: `{"Fn::Select": ["2", ["a", "b", "c"]]}`, want: "c"},
		{name: "Select index parameter", short: `!Select [!Ref Index, !Ref Subnets]`, long: `{"Fn::Select": [{"Ref": "Index"}, {"Ref": "Subnets"}]}`, want: "subnet-b"},
		{name: "Select GetAZs", short: `!Select [0, !GetAZs ""]`, long: `{"Fn::Select": [0, {"Fn::GetAZs": ""}]}`, want: "us-east-1a"},
		{name: "Select Split", short: `!Select [1, !Split ["/", "a/b/c"]]`, long: `{"Fn::Select": [1, {"Fn::Split": ["/", "a/b/c"]}]}`, want: "b"},
		{name: "Select list attribute", short: `!Select [1, !GetAtt Db.Ips]`, long: `{"Fn::Select": [1, {"Fn::GetAtt": ["Db", "Ips"]}]}`, want: "10.0.0.2"},
		{name: "Select out of range", short: `!Select [3, [a, b, c]]`, long: `{"Fn::Select": [3, ["a", "b", "c"]]}`, err: "Fn::Select index 3 is out of range: the list has 3 elements"},
		{name: "Select out of range of a parameter", short: `!Select [!Ref Count, !Ref Subnets]`, long: `{"Fn::Select": [{"Ref": "Count"}, {"Ref": "Subnets"}]}`, err: "index 3 is out of range: the list has 2 elements"},
		{name: "Select negative", short: `!Select [-1, [a]]`, long: `{"Fn::Select": [-1, ["a"]]}`, err: "index -1 is out of range"},
		{name: "Select non-integer", short: `!Select ["x", [a]]`, long: `{"Fn::Select": ["x", ["a"]]}`, err: `index "x" is not an integer`},
		{name: "Select from a string", short: `!Select [0, !Ref Env]`, long: `{"Fn::Select": [0, {"Ref": "Env"}]}`, err: "Fn::Select needs a list"},

		// Fn::Split
		{name: "Split", short: `!Split [",", "a,,b"]`, long: `{"Fn::Split": [",", "a,,b"]}`, want: []any{"a", "", "b"}},
		{name: "Split a function result", short: `!Split ["-", !Sub "${Env}-${Db}"]`, long: `{"Fn::Split": ["-", {"Fn::Sub": "${Env}-${Db}"}]}`, want: []any{"prod", "db", "1"}},
		{name: "Split empty delimiter", short: `!Split ["", "ab"]`, long: `{"Fn::Split": ["", "ab"]}`, err: "delimiter must be a non-empty"},

		// Fn::GetAZs
		{name: "GetAZs empty is the stack's region", short: `!GetAZs ""`, long: `{"Fn::GetAZs": ""}`, want: []any{"us-east-1a", "us-east-1b", "us-east-1c"}},
		{name: "GetAZs Ref region", short: `!GetAZs {Ref: AWS::Region}`, long: `{"Fn::GetAZs": {"Ref": "AWS::Region"}}`, want: []any{"us-east-1a", "us-east-1b", "us-east-1c"}},
		{name: "GetAZs named region", short: `!GetAZs eu-west-3`, long: `{"Fn::GetAZs": "eu-west-3"}`, want: []any{"eu-west-3a", "eu-west-3b", "eu-west-3c"}},

		// Fn::FindInMap
		{name: "FindInMap", short: `!FindInMap [RegionMap, !Ref AWS::Region, Ami]`, long: `{"Fn::FindInMap": ["RegionMap", {"Ref": "AWS::Region"}, "Ami"]}`, want: "ami-123"},
		{name: "FindInMap list value", short: `!FindInMap [RegionMap, us-east-1, Zones]`, long: `{"Fn::FindInMap": ["RegionMap", "us-east-1", "Zones"]}`, want: []any{"x", "y"}},
		{name: "FindInMap number value", short: `!FindInMap [RegionMap, us-east-1, Size]`, long: `{"Fn::FindInMap": ["RegionMap", "us-east-1", "Size"]}`, want: int64(2)},
		{name: "FindInMap missing top key", short: `!FindInMap [RegionMap, eu-west-1, Ami]`, long: `{"Fn::FindInMap": ["RegionMap", "eu-west-1", "Ami"]}`, err: `mapping RegionMap has no key "eu-west-1"`},
		{name: "FindInMap missing second key", short: `!FindInMap [RegionMap, us-east-1, Nope]`, long: `{"Fn::FindInMap": ["RegionMap", "us-east-1", "Nope"]}`, err: `mapping RegionMap.us-east-1 has no key "Nope"`},
		{name: "FindInMap unknown mapping", short: `!FindInMap [Nope, a, b]`, long: `{"Fn::FindInMap": ["Nope", "a", "b"]}`, err: `mapping "Nope" is not defined`},

		// Fn::Base64
		{name: "Base64", short: `!Base64 hello`, long: `{"Fn::Base64": "hello"}`, want: "aGVsbG8="},
		{name: "Base64 of Sub", short: `!Base64 {"Fn::Sub": "${Env}"}`, long: `{"Fn::Base64": {"Fn::Sub": "${Env}"}}`, want: "cHJvZA=="},

		// Fn::If
		{name: "If true", short: `!If [IsProd, big, small]`, long: `{"Fn::If": ["IsProd", "big", "small"]}`, want: "big"},
		{name: "If false", short: `!If [IsProd, big, small]`, long: `{"Fn::If": ["IsProd", "big", "small"]}`, params: map[string]string{"Env": "dev"}, want: "small"},
		{name: "If NoValue", short: `!If [IsProd, !Ref AWS::NoValue, small]`, long: `{"Fn::If": ["IsProd", {"Ref": "AWS::NoValue"}, "small"]}`, want: absent},
		{name: "If unknown condition", short: `!If [Nope, a, b]`, long: `{"Fn::If": ["Nope", "a", "b"]}`, err: `condition "Nope" is not defined`},
		{name: "If wrong arity", short: `!If [IsProd, a]`, long: `{"Fn::If": ["IsProd", "a"]}`, err: "Fn::If takes [ConditionName, valueIfTrue, valueIfFalse]"},

		// Condition functions belong in Conditions.
		{name: "Equals outside Conditions", short: `!Equals [a, a]`, long: `{"Fn::Equals": ["a", "a"]}`, err: "Fn::Equals is allowed only in the Conditions section"},

		// Unsupported and unknown functions
		{name: "ImportValue", short: `!ImportValue shared-vpc`, long: `{"Fn::ImportValue": "shared-vpc"}`, err: "No export named shared-vpc found."},
		{name: "Cidr", short: `!Cidr [10.0.0.0/16, 2, 8]`, long: `{"Fn::Cidr": ["10.0.0.0/16", 2, 8]}`, err: "Fn::Cidr is not supported"},
		{name: "unknown function", short: `{"Fn::Nope": 1}`, long: `{"Fn::Nope": 1}`, err: "unknown intrinsic function Fn::Nope"},
		{name: "function key beside others", short: `{Ref: Env, Other: 1}`, long: `{"Ref": "Env", "Other": 1}`, err: "Ref must be the only key"},
	}
}

func TestPartitionFollowsRegion(t *testing.T) {
	for _, tc := range []struct{ region, partition, suffix string }{
		{"us-east-1", "aws", "amazonaws.com"},
		{"cn-north-1", "aws-cn", "amazonaws.com.cn"},
		{"us-gov-west-1", "aws-us-gov", "amazonaws.com"},
	} {
		cfg := testConfig
		cfg.Region = tc.region
		r := planEval(t, `!Sub "${AWS::Partition} ${AWS::URLSuffix}"`, cfg).NewResolver()
		props, err := r.ResolveProperties("Thing")
		if err != nil {
			t.Fatal(err)
		}
		if want := tc.partition + " " + tc.suffix; props["V"] != want {
			t.Errorf("%s: got %q, want %q", tc.region, props["V"], want)
		}
	}
	if got := StackARN("us-east-1", "000000000000", "demo", "abc"); got != "arn:aws:cloudformation:us-east-1:000000000000:stack/demo/abc" {
		t.Errorf("StackARN = %s", got)
	}
}

// A property that references a resource not yet recorded names it, so a
// deployer that walks out of order learns what it skipped.
func TestResolveBeforeDependencyRecorded(t *testing.T) {
	pl := planEval(t, `!Ref Db`, testConfig)
	_, err := pl.NewResolver().ResolveProperties("Thing")
	if err == nil || !strings.Contains(err.Error(), "resource Db (Test::Db) has no physical id recorded") {
		t.Fatalf("error = %v", err)
	}
	var e *Error
	if !asError(err, &e) || e.Path != "Resources.Thing.Properties.V.Ref" || e.Line == 0 {
		t.Fatalf("error location = %+v", e)
	}
}

// Resolved properties belong to the caller: changing them must not change
// the template or later resolutions.
func TestResolvedPropertiesAreCopies(t *testing.T) {
	pl := planEval(t, `{L: [a, b], M: {K: v}, S: !Ref Subnets}`, testConfig)
	r := pl.NewResolver()
	first, err := r.ResolveProperties("Thing")
	if err != nil {
		t.Fatal(err)
	}
	v := first["V"].(map[string]any)
	v["L"].([]any)[0] = "changed"
	v["M"].(map[string]any)["K"] = "changed"
	v["S"].([]any)[0] = "changed"
	second, err := r.ResolveProperties("Thing")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"V": map[string]any{"L": []any{"a", "b"}, "M": map[string]any{"K": "v"}, "S": []any{"subnet-a", "subnet-b"}}}
	if !reflect.DeepEqual(second, want) {
		t.Fatalf("second resolution = %#v", second)
	}
}

func TestRecordRejects(t *testing.T) {
	pl := planEval(t, `x`, testConfig)
	r := pl.NewResolver()
	for _, tc := range []struct {
		id, physical string
		attrs        map[string]any
		err          string
	}{
		{"Nope", "x", nil, "not a resource of this plan"},
		{"Db", "", nil, "empty physical id"},
		{"Db", "x", map[string]any{"A": struct{}{}}, "unsupported value of type struct {}"},
	} {
		if err := r.Record(tc.id, tc.physical, tc.attrs); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Record(%s, %q) = %v, want %q", tc.id, tc.physical, err, tc.err)
		}
	}
}
