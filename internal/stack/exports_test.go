package stack_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/stack"
)

const exporter = `Parameters:
  ExportName: {Type: String, Default: shared-ns}
Resources:
  Namespace:
    Type: AWS::ServiceDiscovery::HttpNamespace
    Properties: {Name: shared}
Outputs:
  NamespaceId:
    Value: !Ref Namespace
    Export: {Name: !Ref ExportName}
`

const importer = `Resources:
  Service:
    Type: AWS::ServiceDiscovery::Service
    Properties: {Name: api, NamespaceId: !ImportValue shared-ns}
`

// TestExportsAcrossStacks: one stack exports its namespace's id and another
// imports it. While it is imported the export can be neither removed nor
// changed, and its stack not deleted; nobody else may export the same
// name; once the importer is gone, everything goes.
func TestExportsAcrossStacks(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	d := env.Server.Stacks
	net, _, err := deploy(t, env, "net", []byte(exporter), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	nsID := net.Resources["Namespace"].PhysicalID
	app, _, err := deploy(t, env, "app", []byte(importer), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(app.Imports, []string{"shared-ns"}) || app.Resources["Service"].Properties["NamespaceId"] != nsID {
		t.Fatalf("importer: imports %v, properties %v; want the namespace %s", app.Imports, app.Resources["Service"].Properties, nsID)
	}
	exports, err := d.Exports(ctx)
	if err != nil || len(exports) != 1 || exports[0] != (stack.Export{Name: "shared-ns", Value: nsID, StackID: net.StackID, StackName: "net"}) {
		t.Fatalf("exports %+v %v", exports, err)
	}
	if users, _ := d.Importers(ctx, "shared-ns"); !slices.Equal(users, []string{"app"}) {
		t.Fatalf("importers %v", users)
	}

	// Renaming the export would remove the one in use: refused, rolled back.
	st, _, err := deploy(t, env, "net", []byte(exporter), map[string]string{"ExportName": "other"}, nil)
	if err == nil || err.Error() != "Export shared-ns cannot be deleted as it is in use by app" || st.Status != "UPDATE_ROLLBACK_COMPLETE" {
		t.Fatalf("removing an export in use: %v, %s", err, st.Status)
	}
	if got, _ := d.Get(ctx, "net"); len(got.Outputs) != 1 || got.Outputs[0].ExportName != "shared-ns" || got.Parameters["ExportName"] != "shared-ns" {
		t.Fatalf("after the rollback: outputs %+v, parameters %v", got.Outputs, got.Parameters)
	}
	// Nobody else exports the same name.
	st, _, err = deploy(t, env, "copy", []byte(strings.Replace(exporter, "Name: shared}", "Name: copy}", 1)), nil, nil)
	if err == nil || err.Error() != "Export with name shared-ns is already exported by stack net" || st.Status != "ROLLBACK_COMPLETE" {
		t.Fatalf("exporting a taken name: %v", err)
	}
	// Deleting the exporter fails and deletes nothing.
	var events []stack.Event
	err = d.Destroy(ctx, "net", func(e stack.Event) { events = append(events, e) })
	if err == nil || !strings.Contains(err.Error(), "Export shared-ns cannot be deleted as it is in use by app") {
		t.Fatalf("destroying an exporter in use: %v", err)
	}
	if got, _ := d.Get(ctx, "net"); got.Status != "DELETE_FAILED" || got.Resources["Namespace"].PhysicalID != nsID {
		t.Fatalf("after the refused destroy: %+v", got)
	}
	if last := events[len(events)-1]; last.ResourceStatus != "DELETE_FAILED" || last.Reason != "Export shared-ns cannot be deleted as it is in use by app" {
		t.Fatalf("last event %+v", last)
	}

	for _, name := range []string{"copy", "app", "net"} {
		if err := d.Destroy(ctx, name, func(stack.Event) {}); err != nil {
			t.Fatalf("destroy %s: %v", name, err)
		}
	}
	if exports, _ := d.Exports(ctx); len(exports) != 0 {
		t.Fatalf("exports left: %v", exports)
	}
}

// TestImportOfMissingExport: importing a name nobody exports fails before
// anything is created.
func TestImportOfMissingExport(t *testing.T) {
	env := servertest.Start(t)
	before := env.Server.StoreRevision()
	if _, _, err := deploy(t, env, "app", []byte(importer), nil, nil); err == nil || !strings.Contains(err.Error(), "No export named shared-ns found.") {
		t.Fatalf("deploy: %v", err)
	}
	if env.Server.StoreRevision() != before {
		t.Fatal("a refused import changed state")
	}
}

// TestDisableRollbackKeepsWhatWasCreated: with DisableRollback a failed
// create stops where it failed, CREATE_FAILED, keeping the namespace it
// made; deploying a fixed template carries on from there.
func TestDisableRollbackKeepsWhatWasCreated(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	broken := `Resources:
  Namespace: {Type: AWS::ServiceDiscovery::HttpNamespace, Properties: {Name: kept}}
  Service:
    Type: AWS::ServiceDiscovery::Service
    DependsOn: [Namespace]
    Properties: {Name: api, NamespaceId: ns-doesnotexist}
`
	st, err := env.Server.Stacks.Deploy(ctx, stack.DeployInput{StackName: "dr", Template: []byte(broken), DisableRollback: true}, func(stack.Event) {})
	if err == nil || st.Status != "CREATE_FAILED" || st.Resources["Namespace"].PhysicalID == "" {
		t.Fatalf("deploy: %v %+v", err, st)
	}
	fixed := strings.Replace(broken, "ns-doesnotexist", "!Ref Namespace", 1)
	st, _, err = deploy(t, env, "dr", []byte(fixed), nil, nil)
	if err != nil || st.Status != "UPDATE_COMPLETE" {
		t.Fatalf("deploying the fixed template: %v %+v", err, st)
	}
	ns, _ := sd.NewFromConfig(env.AWS).ListNamespaces(ctx, &sd.ListNamespacesInput{})
	if len(ns.Namespaces) != 1 {
		t.Fatalf("%d namespaces, want the one kept", len(ns.Namespaces))
	}
}

// TestDestroyRetaining: the resources named are left in place and the
// stack forgets them.
func TestDestroyRetaining(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	tpl := `Resources:
  Keep: {Type: AWS::ServiceDiscovery::HttpNamespace, Properties: {Name: keep}}
  Drop: {Type: AWS::ServiceDiscovery::HttpNamespace, Properties: {Name: drop}}
`
	if _, _, err := deploy(t, env, "ret", []byte(tpl), nil, nil); err != nil {
		t.Fatal(err)
	}
	var events []stack.Event
	if err := env.Server.Stacks.DestroyRetaining(ctx, "ret", []string{"Keep"}, func(e stack.Event) { events = append(events, e) }); err != nil {
		t.Fatal(err)
	}
	ns, _ := sd.NewFromConfig(env.AWS).ListNamespaces(ctx, &sd.ListNamespacesInput{})
	if len(ns.Namespaces) != 1 || *ns.Namespaces[0].Name != "keep" {
		t.Fatalf("namespaces left: %+v", ns.Namespaces)
	}
	if !slices.ContainsFunc(events, func(e stack.Event) bool { return e.LogicalResourceId == "Keep" && e.ResourceStatus == "DELETE_SKIPPED" }) {
		t.Fatalf("no DELETE_SKIPPED for Keep: %+v", events)
	}
}
