package template

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"testing"
)

const fixture = "testdata/httpapi-cloudmap-fargate.yaml"

var fixtureConfig = Config{
	Region:    "us-east-1",
	AccountID: "000000000000",
	StackName: "BackendStack",
	StackID:   StackARN("us-east-1", "000000000000", "BackendStack", "6f1c2f9e-0000-4000-8000-000000000001"),
}

// What the services would return for each resource of the fixture: the
// physical id (Ref) and attributes (Fn::GetAtt). This is the engine's input
// from the deployer, recorded the way a deployer records it.
var fixtureCreated = map[string]struct {
	physical string
	attrs    map[string]any
}{
	"Vpc8378EB38":                                    {"vpc-0a1", map[string]any{"VpcId": "vpc-0a1", "CidrBlock": "10.0.0.0/16"}},
	"VpcPrivateSubnet1Subnet536B997A":                {"subnet-01", map[string]any{"SubnetId": "subnet-01"}},
	"VpcPrivateSubnet2Subnet3788AAA1":                {"subnet-02", nil},
	"VpcPrivateSubnet1RouteTableB2C5B500":            {"rtb-01", nil},
	"VpcPrivateSubnet2RouteTableA678073B":            {"rtb-02", nil},
	"VpcPrivateSubnet1RouteTableAssociation70C59FA6": {"rtbassoc-01", nil},
	"VpcPrivateSubnet2RouteTableAssociationA89CAD56": {"rtbassoc-02", nil},
	"EcsCluster97242B84":                             {"BackendStack-EcsCluster97242B84-x1", map[string]any{"Arn": "arn:aws:ecs:us-east-1:000000000000:cluster/BackendStack-EcsCluster97242B84-x1"}},
	"NameSpace88ADA01A":                              {"ns-abc", map[string]any{"Id": "ns-abc", "Arn": "arn:aws:servicediscovery:us-east-1:000000000000:namespace/ns-abc", "HostedZoneId": "Z1"}},
	"EcsDiscoveryService9B924BF9": {"srv-def", map[string]any{"Id": "srv-def", "Name": "backend",
		"Arn": "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-def"}},
	"TaskDefTaskRole1EDB4A67":             {"BackendStack-TaskDefTaskRole-x2", map[string]any{"Arn": "arn:aws:iam::000000000000:role/BackendStack-TaskDefTaskRole-x2", "RoleId": "AROA1"}},
	"TaskDef54694570":                     {"arn:aws:ecs:us-east-1:000000000000:task-definition/BackendStackTaskDef7EC001C4:1", map[string]any{"TaskDefinitionArn": "arn:aws:ecs:us-east-1:000000000000:task-definition/BackendStackTaskDef7EC001C4:1"}},
	"BackendService7A4224EE":              {"arn:aws:ecs:us-east-1:000000000000:service/BackendStack-EcsCluster97242B84-x1/backend", map[string]any{"Name": "backend"}},
	"BackendServiceSecurityGroup0865F57D": {"sg-0b1", map[string]any{"GroupId": "sg-0b1", "VpcId": "vpc-0a1"}},
	"BackendServiceSecurityGroupfromBackendStackVpcLinkSecurityGroupA3B43E5980802A546B50": {"sgr-01", nil},
	"VpcLinkSecurityGroupB3941EDC": {"sg-0c2", map[string]any{"GroupId": "sg-0c2"}},
	"VpcLink":                      {"vl-123", map[string]any{"VpcLinkId": "vl-123"}},
	"BackendApi":                   {"api0123", map[string]any{"ApiEndpoint": "https://api0123.execute-api.us-east-1.amazonaws.com", "ApiId": "api0123"}},
	"BackendIntegration":           {"int-9", nil},
	"BackendRoute":                 {"route-1", nil},
	"DefaultStage":                 {"$default", nil},
}

func planFixture(t *testing.T) *Plan {
	t.Helper()
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	tm, err := Parse(data)
	if err != nil {
		t.Fatalf("parse fixture: %v", err)
	}
	pl, err := tm.Plan(fixtureConfig)
	if err != nil {
		t.Fatalf("plan fixture: %v", err)
	}
	return pl
}

func TestFixturePlan(t *testing.T) {
	pl := planFixture(t)
	if len(pl.Resources) != len(fixtureCreated) {
		t.Fatalf("plan has %d resources, want %d", len(pl.Resources), len(fixtureCreated))
	}
	order := ids(pl)
	before := func(a, b string) {
		t.Helper()
		i, j := slices.Index(order, a), slices.Index(order, b)
		if i < 0 || j < 0 || i >= j {
			t.Errorf("%s (at %d) must come before %s (at %d)", a, i, b, j)
		}
	}
	before("Vpc8378EB38", "VpcPrivateSubnet1Subnet536B997A")
	before("Vpc8378EB38", "VpcPrivateSubnet2Subnet3788AAA1")
	before("VpcPrivateSubnet1Subnet536B997A", "VpcPrivateSubnet1RouteTableAssociation70C59FA6")
	before("NameSpace88ADA01A", "EcsDiscoveryService9B924BF9")
	before("TaskDef54694570", "BackendService7A4224EE")
	before("TaskDefTaskRole1EDB4A67", "TaskDef54694570")
	before("TaskDefTaskRole1EDB4A67", "BackendServiceSecurityGroup0865F57D") // explicit DependsOn
	before("EcsDiscoveryService9B924BF9", "BackendService7A4224EE")
	before("BackendServiceSecurityGroup0865F57D", "BackendService7A4224EE")
	before("BackendApi", "DefaultStage")
	before("BackendApi", "BackendRoute")
	before("BackendApi", "BackendIntegration")
	before("BackendIntegration", "BackendRoute")
	before("VpcLink", "BackendIntegration")
	before("VpcLinkSecurityGroupB3941EDC", "VpcLink")

	// Deletion is the exact reverse.
	del := pl.DeletionOrder()
	rev := slices.Clone(order)
	slices.Reverse(rev)
	if !slices.Equal(del, rev) {
		t.Errorf("deletion order %v is not the creation order reversed", del)
	}

	// The plan tells the deployer which attributes it must provide.
	wantAttrs := map[string][]string{
		"NameSpace88ADA01A":                   {"Id"},
		"EcsDiscoveryService9B924BF9":         {"Arn"},
		"TaskDefTaskRole1EDB4A67":             {"Arn"},
		"BackendServiceSecurityGroup0865F57D": {"GroupId"},
		"VpcLinkSecurityGroupB3941EDC":        {"GroupId"},
	}
	for _, r := range pl.Resources {
		if !slices.Equal(r.Attributes, wantAttrs[r.LogicalID]) {
			t.Errorf("%s.Attributes = %v, want %v", r.LogicalID, r.Attributes, wantAttrs[r.LogicalID])
		}
	}
	svc, _ := pl.Resource("BackendService7A4224EE")
	wantDeps := []string{"BackendServiceSecurityGroup0865F57D", "EcsCluster97242B84", "EcsDiscoveryService9B924BF9",
		"TaskDef54694570", "TaskDefTaskRole1EDB4A67", "VpcPrivateSubnet1Subnet536B997A", "VpcPrivateSubnet2Subnet3788AAA1"}
	if !slices.Equal(svc.DependsOn, wantDeps) {
		t.Errorf("service DependsOn = %v\nwant %v", svc.DependsOn, wantDeps)
	}

	// Same input, same plan.
	if again := ids(planFixture(t)); !slices.Equal(again, order) {
		t.Errorf("second plan order differs:\n%v\n%v", order, again)
	}
}

// deployFixture resolves and records every resource in plan order, as the
// deployer will, and returns the resolved properties and the state.
func deployFixture(t *testing.T, pl *Plan) (*Resolver, map[string]map[string]any, map[string]DeployedResource) {
	t.Helper()
	r := pl.NewResolver()
	props := map[string]map[string]any{}
	state := map[string]DeployedResource{}
	for _, res := range pl.Resources {
		p, err := r.ResolveProperties(res.LogicalID)
		if err != nil {
			t.Fatalf("resolve %s: %v", res.LogicalID, err)
		}
		c := fixtureCreated[res.LogicalID]
		if err := r.Record(res.LogicalID, c.physical, c.attrs); err != nil {
			t.Fatal(err)
		}
		props[res.LogicalID] = p
		if state[res.LogicalID], err = r.Deployed(res.LogicalID, p); err != nil {
			t.Fatal(err)
		}
	}
	return r, props, state
}

func TestFixtureResolvesEndToEnd(t *testing.T) {
	pl := planFixture(t)
	r, props, _ := deployFixture(t, pl)

	checks := []struct {
		id   string
		key  string
		want any
	}{
		{"VpcPrivateSubnet1Subnet536B997A", "AvailabilityZone", "us-east-1a"},
		{"VpcPrivateSubnet2Subnet3788AAA1", "AvailabilityZone", "us-east-1b"},
		{"VpcPrivateSubnet1Subnet536B997A", "VpcId", "vpc-0a1"},
		{"VpcPrivateSubnet1Subnet536B997A", "MapPublicIpOnLaunch", false},
		{"VpcPrivateSubnet1RouteTableAssociation70C59FA6", "SubnetId", "subnet-01"},
		{"VpcPrivateSubnet1RouteTableAssociation70C59FA6", "RouteTableId", "rtb-01"},
		{"NameSpace88ADA01A", "Vpc", "vpc-0a1"},
		{"NameSpace88ADA01A", "Name", "sample-name-space"},
		{"EcsDiscoveryService9B924BF9", "NamespaceId", "ns-abc"},
		{"EcsDiscoveryService9B924BF9", "DnsConfig", map[string]any{
			"DnsRecords":    []any{map[string]any{"TTL": int64(60), "Type": "SRV"}},
			"NamespaceId":   "ns-abc",
			"RoutingPolicy": "MULTIVALUE",
		}},
		{"TaskDef54694570", "TaskRoleArn", "arn:aws:iam::000000000000:role/BackendStack-TaskDefTaskRole-x2"},
		{"TaskDef54694570", "Cpu", "512"},
		{"TaskDefTaskRole1EDB4A67", "AssumeRolePolicyDocument", map[string]any{
			"Statement": []any{map[string]any{"Action": "sts:AssumeRole", "Effect": "Allow",
				"Principal": map[string]any{"Service": "ecs-tasks.amazonaws.com"}}},
			"Version": "2012-10-17",
		}},
		{"BackendService7A4224EE", "Cluster", "BackendStack-EcsCluster97242B84-x1"},
		{"BackendService7A4224EE", "TaskDefinition", "arn:aws:ecs:us-east-1:000000000000:task-definition/BackendStackTaskDef7EC001C4:1"},
		{"BackendService7A4224EE", "NetworkConfiguration", map[string]any{"AwsvpcConfiguration": map[string]any{
			"AssignPublicIp": "DISABLED",
			"SecurityGroups": []any{"sg-0b1"},
			"Subnets":        []any{"subnet-01", "subnet-02"},
		}}},
		{"BackendService7A4224EE", "ServiceRegistries", []any{map[string]any{
			"ContainerName": "BackendContainer",
			"ContainerPort": int64(8080),
			"RegistryArn":   "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-def",
		}}},
		{"BackendService7A4224EE", "DesiredCount", int64(1)},
		{"BackendServiceSecurityGroupfromBackendStackVpcLinkSecurityGroupA3B43E5980802A546B50", "GroupId", "sg-0b1"},
		{"BackendServiceSecurityGroupfromBackendStackVpcLinkSecurityGroupA3B43E5980802A546B50", "SourceSecurityGroupId", "sg-0c2"},
		{"VpcLink", "SecurityGroupIds", []any{"sg-0c2"}},
		{"VpcLink", "SubnetIds", []any{"subnet-01", "subnet-02"}},
		{"BackendIntegration", "ApiId", "api0123"},
		{"BackendIntegration", "ConnectionId", "vl-123"},
		{"BackendIntegration", "IntegrationUri", "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-def"},
		{"BackendIntegration", "PayloadFormatVersion", "1.0"},
		{"BackendRoute", "Target", "integrations/int-9"},
		{"BackendRoute", "RouteKey", "ANY /{proxy+}"},
		{"DefaultStage", "ApiId", "api0123"},
		{"DefaultStage", "StageName", "$default"},
		{"BackendApi", "CorsConfiguration", map[string]any{
			"AllowCredentials": false,
			"AllowHeaders":     []any{"Content-Type", "Authorization", "X-Api-Key"},
			"AllowMethods":     []any{"*"},
			"AllowOrigins":     []any{"*"},
			"MaxAge":           int64(600),
		}},
	}
	for _, c := range checks {
		if got := props[c.id][c.key]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s.%s = %#v, want %#v", c.id, c.key, got, c.want)
		}
	}
	if got := props["EcsCluster97242B84"]; len(got) != 0 {
		t.Errorf("cluster without Properties resolved to %#v", got)
	}
	outs, err := r.Outputs()
	if err != nil || len(outs) != 0 {
		t.Errorf("outputs = %v, %v; the fixture has none", outs, err)
	}
}

// Redeploying the same template: every resource is an Update candidate and,
// compared after the state went through JSON (as it will in the store),
// every one is unchanged.
func TestFixtureRedeployIsNoop(t *testing.T) {
	pl := planFixture(t)
	_, _, state := deployFixture(t, pl)

	first := pl.Changes(nil)
	for _, c := range first.Apply {
		if c.Action != ActionCreate {
			t.Fatalf("first deploy: %s is %s", c.LogicalID, c.Action)
		}
	}
	if len(first.Apply) != len(pl.Resources) || len(first.Cleanup) != 0 {
		t.Fatalf("first deploy: %d apply, %d cleanup", len(first.Apply), len(first.Cleanup))
	}

	data, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	var stored map[string]DeployedResource
	if err := json.Unmarshal(data, &stored); err != nil {
		t.Fatal(err)
	}

	again := planFixture(t)
	cs := again.Changes(stored)
	if len(cs.Cleanup) != 0 {
		t.Errorf("redeploy cleans up %v", cs.Cleanup)
	}
	r := again.NewResolver()
	for _, c := range cs.Apply {
		if c.Action != ActionUpdate {
			t.Fatalf("redeploy: %s is %s", c.LogicalID, c.Action)
		}
		p, err := r.ResolveProperties(c.LogicalID)
		if err != nil {
			t.Fatal(err)
		}
		if !PropertiesEqual(c.Previous.Properties, p) {
			t.Errorf("%s: properties changed:\nwas %#v\nnow %#v", c.LogicalID, c.Previous.Properties, p)
		}
		// Unchanged: keep what the resource had.
		if err := r.Record(c.LogicalID, c.Previous.PhysicalID, c.Previous.Attributes); err != nil {
			t.Fatal(err)
		}
	}
}

// The fixture written as JSON plans to the same result.
func TestFixtureAsJSON(t *testing.T) {
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	tree, _, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(tree, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	fromYAML, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := Parse(js)
	if err != nil {
		t.Fatalf("parse JSON fixture: %v", err)
	}
	if !reflect.DeepEqual(fromYAML.Resources, fromJSON.Resources) {
		t.Error("resources differ between the YAML fixture and its JSON form")
	}
	p1, err := fromYAML.Plan(fixtureConfig)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := fromJSON.Plan(fixtureConfig)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p1.Resources, p2.Resources) {
		t.Error("plans differ between the YAML fixture and its JSON form")
	}
}
