package stack_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/stack"
)

const previewBase = `Parameters:
  Suffix: {Type: String, Default: one}
Resources:
  Namespace:
    Type: AWS::ServiceDiscovery::HttpNamespace
    Properties: {Name: preview, Description: first}
  Service:
    Type: AWS::ServiceDiscovery::Service
    Properties: {Name: api, NamespaceId: !Ref Namespace, Description: !Sub "svc-${Suffix}"}
  Cluster:
    Type: AWS::ECS::Cluster
    Properties: {ClusterName: preview}
Outputs:
  Id: {Value: !Ref Namespace}
`

// TestPreview: what a change set shows for the changes a template can
// make to a deployed stack, without changing anything.
func TestPreview(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	if _, _, err := deploy(t, env, "pv", []byte(previewBase), nil, nil); err != nil {
		t.Fatal(err)
	}
	st, _ := env.Server.Stacks.Get(ctx, "pv")
	ns, svc := st.Resources["Namespace"].PhysicalID, st.Resources["Service"].PhysicalID
	type want struct {
		changes   []stack.ResourceChange
		unchanged bool
	}
	for name, tc := range map[string]struct {
		template string
		params   map[string]string
		want     want
	}{
		"unchanged": {previewBase, nil, want{unchanged: true}},
		"output only": {strings.Replace(previewBase, "Id: {Value: !Ref Namespace}", "Id: {Value: !Ref Namespace, Description: now described}", 1), nil,
			want{}},
		"in place": {strings.Replace(previewBase, "Description: first", "Description: second", 1), nil, want{changes: []stack.ResourceChange{
			{Action: "Modify", LogicalID: "Namespace", PhysicalID: ns, Type: "AWS::ServiceDiscovery::HttpNamespace", Replacement: "False", Scope: []string{"Properties"},
				Details: []stack.ChangeDetail{{Attribute: "Properties", Name: "Description", RequiresRecreation: "Never", Evaluation: "Static", ChangeSource: "DirectModification"}}},
		}}},
		"parameter": {previewBase, map[string]string{"Suffix": "two"}, want{changes: []stack.ResourceChange{
			{Action: "Modify", LogicalID: "Service", PhysicalID: svc, Type: "AWS::ServiceDiscovery::Service", Replacement: "False", Scope: []string{"Properties"},
				Details: []stack.ChangeDetail{{Attribute: "Properties", Name: "Description", RequiresRecreation: "Never", Evaluation: "Static", ChangeSource: "ParameterReference", CausingEntity: "Suffix"}}},
		}}},
		// A new name replaces the namespace; the service names it by id, so
		// it changes once the new one exists, and NamespaceId replaces it.
		"replacement": {strings.Replace(previewBase, "Name: preview,", "Name: renamed,", 1), nil, want{changes: []stack.ResourceChange{
			{Action: "Modify", LogicalID: "Namespace", PhysicalID: ns, Type: "AWS::ServiceDiscovery::HttpNamespace", Replacement: "True", Scope: []string{"Properties"},
				Details: []stack.ChangeDetail{{Attribute: "Properties", Name: "Name", RequiresRecreation: "Always", Evaluation: "Static", ChangeSource: "DirectModification"}}},
			{Action: "Modify", LogicalID: "Service", PhysicalID: svc, Type: "AWS::ServiceDiscovery::Service", Replacement: "Conditional", Scope: []string{"Properties"},
				Details: []stack.ChangeDetail{{Attribute: "Properties", Name: "NamespaceId", RequiresRecreation: "Always", Evaluation: "Dynamic", ChangeSource: "ResourceReference", CausingEntity: "Namespace"}}},
		}}},
		"add and remove": {strings.Replace(previewBase, "  Cluster:\n    Type: AWS::ECS::Cluster\n    Properties: {ClusterName: preview}\n",
			"  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties: {LogGroupName: preview}\n", 1), nil, want{changes: []stack.ResourceChange{
			{Action: "Add", LogicalID: "Logs", Type: "AWS::Logs::LogGroup"},
			{Action: "Remove", LogicalID: "Cluster", PhysicalID: st.Resources["Cluster"].PhysicalID, Type: "AWS::ECS::Cluster"},
		}}},
	} {
		t.Run(name, func(t *testing.T) {
			before := env.Server.StoreRevision()
			p, err := env.Server.Stacks.Preview(ctx, stack.DeployInput{StackName: "pv", Template: []byte(tc.template), Parameters: tc.params})
			if err != nil {
				t.Fatal(err)
			}
			if got := (want{p.Changes, p.Unchanged}); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("preview:\n got %+v\nwant %+v", got, tc.want)
			}
			if env.Server.StoreRevision() != before {
				t.Error("a preview changed state")
			}
		})
	}
	// A new stack: everything is an Add.
	p, err := env.Server.Stacks.Preview(ctx, stack.DeployInput{StackName: "fresh", Template: []byte(previewBase)})
	if err != nil || len(p.Changes) != 3 || p.Changes[0].Action != "Add" || p.Unchanged {
		t.Fatalf("preview of a new stack: %v %+v", err, p)
	}
	if _, err := env.Server.Stacks.Preview(ctx, stack.DeployInput{StackName: "fresh", Template: []byte("Resources: {Q: {Type: AWS::SQS::Queue}}")}); err == nil {
		t.Fatal("preview of an unsupported type succeeded")
	}
}
