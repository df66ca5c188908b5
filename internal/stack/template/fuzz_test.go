package template

import (
	"os"
	"testing"
)

// FuzzParseTemplate feeds arbitrary bytes through everything a deploy runs
// before and between service calls: Parse, Plan, resolving every resource in
// order with recorded placeholders, outputs and change planning. None of it
// may panic or hang, whatever the template says.
func FuzzParseTemplate(f *testing.F) {
	if data, err := os.ReadFile(fixture); err == nil {
		f.Add(data)
	}
	seeds := []string{
		``,
		`{}`,
		`Resources: {R: {Type: T::R}}`,
		`{"Resources": {"R": {"Type": "T::R", "Properties": {"A": {"Fn::GetAtt": ["R", "Arn"]}}}}}`,
		"Resources:\n  A: {Type: T::A, Properties: {X: !Ref B}}\n  B: {Type: T::B, Properties: {X: !Ref A}}\n",
		"Resources:\n  A: {Type: T::A, DependsOn: [A]}\n",
		"Parameters:\n  P: {Type: CommaDelimitedList, Default: \"a,b\"}\nResources:\n  R: {Type: T::R, Properties: {X: !Select [1, !Ref P], Y: !Join [\",\", !Ref P]}}\n",
		"Parameters:\n  N: {Type: Number, Default: 2, MinValue: 1, AllowedValues: [1, 2]}\nConditions:\n  C: !And [!Equals [!Ref N, 2], !Not [!Condition D]]\n  D: !Or [!Equals [a, b], !Equals [!Ref AWS::Region, us-east-1]]\nResources:\n  R: {Type: T::R, Condition: C, Properties: {X: !If [D, !Ref AWS::NoValue, !Sub \"${AWS::StackName}-${N}\"]}}\nOutputs:\n  O: {Value: !GetAtt R.Arn, Condition: C, Export: {Name: !Sub \"${AWS::StackName}-o\"}}\n",
		"Mappings:\n  M: {us-east-1: {K: [a, b]}}\nResources:\n  R: {Type: T::R, Properties: {X: !Select [0, !FindInMap [M, !Ref AWS::Region, K]], Y: !Base64 !Sub x, Z: !Split [\",\", !Select [0, !GetAZs \"\"]]}}\n",
		"Resources:\n  R: &a {Type: T::R}\n  S: *a\n",
		"Transform: AWS::Serverless-2016-10-31\nResources: {}\n",
		"Conditions:\n  C: !Condition C\nResources: {R: {Type: T::R}}\n",
		"Resources:\n  R: {Type: T::R, Properties: {\"Fn::If\": [C, {}, !Ref AWS::NoValue]}}\nConditions: {C: !Equals [1, 1]}\n",
		"Resources:\n  R: {Type: T::R, Properties: {X: !Sub [\"${A}${!B}${R.Arn}\", {A: !Ref R}]}}\n",
		"Resources:\n  R: {Type: T::R, Properties: {X: !ImportValue shared, Y: !ImportValue {\"Fn::Sub\": \"${AWS::StackName}-x\"}}}\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	cfg := Config{Region: "us-east-1", AccountID: "000000000000", StackName: "fuzz", StackID: "arn:aws:cloudformation:us-east-1:000000000000:stack/fuzz/1",
		Exports: map[string]string{"shared": "v", "fuzz-x": "w"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		tm, err := Parse(data)
		if err != nil {
			return
		}
		pl, err := tm.Plan(cfg)
		if err != nil {
			return
		}
		r := pl.NewResolver()
		state := map[string]DeployedResource{}
		for _, res := range pl.Resources {
			props, err := r.ResolveProperties(res.LogicalID)
			if err != nil {
				// Plan checked everything but what recorded values bring;
				// placeholders are strings, so a list-typed attribute used
				// as a list may fail here, and only that.
				continue
			}
			attrs := map[string]any{}
			for _, a := range res.Attributes {
				attrs[a] = "v"
			}
			if err := r.Record(res.LogicalID, "id-"+res.LogicalID, attrs); err != nil {
				t.Fatalf("record %s: %v", res.LogicalID, err)
			}
			if state[res.LogicalID], err = r.Deployed(res.LogicalID, props); err != nil {
				t.Fatalf("deployed %s: %v", res.LogicalID, err)
			}
			PropertiesEqual(props, props)
		}
		_, _ = r.Outputs()
		pl.Changes(state)
		DeletionOrder(state)
	})
}
