package compose

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

func load(t *testing.T, env ...string) *Project {
	t.Helper()
	p, err := Load(context.Background(), "testdata/shop.yml", env)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestUnsupportedListed: every key the template does not carry over is
// reported, by path, and nothing that it carries over is.
func TestUnsupportedListed(t *testing.T) {
	p := load(t)
	want := []string{
		"networks.back.driver",
		"services.web.ports[1].published: only a service's first port is published",
		"services.web.ports[2].protocol: udp (TCP only)",
		"services.web.ports[2].published: only a service's first port is published",
		"services.web.restart",
		"services.web.volumes",
	}
	if !slices.Equal(p.Unsupported, want) {
		t.Fatalf("unsupported:\n got %q\nwant %q", p.Unsupported, want)
	}
	if p.Name != "shop" || p.Namespace() != "shop.local" {
		t.Fatalf("name %q namespace %q", p.Name, p.Namespace())
	}
}

func TestBuildsAndPublished(t *testing.T) {
	p := load(t, "WEB_PORT=9100")
	abs, _ := filepath.Abs("testdata/web")
	if b := p.Builds(); len(b) != 1 || b[0] != (Build{Service: "web", Context: abs, Image: "shop-web"}) {
		t.Fatalf("builds %+v", b)
	}
	if pub := p.Published(); len(pub) != 1 || pub[0] != (Published{Service: "web", API: "shop-web", Addr: "127.0.0.1:9100"}) {
		t.Fatalf("published %+v", pub)
	}
}

// template is the parsed template, with helpers to reach into it.
type template struct {
	Resources map[string]struct {
		Type       string
		Properties map[string]any
		DependsOn  []string
	}
	Outputs map[string]struct{ Value string }
}

func TestTemplate(t *testing.T) {
	p := load(t)
	b, err := p.Template(Options{Environment: map[string]string{"PORTOLAN_DNS": "127.0.0.1:8600", "GREETING": "overridden"}})
	if err != nil {
		t.Fatal(err)
	}
	var tpl template
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for id, r := range tpl.Resources {
		kinds[id] = r.Type
	}
	for id, typ := range map[string]string{
		"Cluster": "AWS::ECS::Cluster", "Namespace": "AWS::ServiceDiscovery::PrivateDnsNamespace",
		"WebService": "AWS::ECS::Service", "DbService": "AWS::ECS::Service", "Web2Service": "AWS::ECS::Service",
		"WebDiscovery": "AWS::ServiceDiscovery::Service", "WebApi": "AWS::ApiGatewayV2::Api", "VpcLink": "AWS::ApiGatewayV2::VpcLink",
		"NetworkFront": "AWS::EC2::SecurityGroup", "NetworkBack": "AWS::EC2::SecurityGroup", "NetworkDefault": "AWS::EC2::SecurityGroup",
	} {
		if kinds[id] != typ {
			t.Errorf("resource %s is %q, want %s", id, kinds[id], typ)
		}
	}
	if _, ok := tpl.Resources["DbApi"]; ok {
		t.Error("db publishes no port but has an API")
	}
	if got := tpl.Resources["Namespace"].Properties["Name"]; got != "shop.local" {
		t.Errorf("namespace %v", got)
	}

	web := tpl.Resources["WebService"]
	if !slices.Equal(web.DependsOn, []string{"DbService"}) || web.Properties["DesiredCount"] != 3.0 || web.Properties["ServiceName"] != "web" {
		t.Errorf("web service: %+v", web)
	}
	same(t, "web registry", web.Properties["ServiceRegistries"], `[{"ContainerName":"web","ContainerPort":8080,"RegistryArn":{"Fn::GetAtt":["WebDiscovery","Arn"]}}]`)
	same(t, "web groups", web.Properties["NetworkConfiguration"].(map[string]any)["AwsvpcConfiguration"].(map[string]any)["SecurityGroups"],
		`[{"Fn::GetAtt":["NetworkBack","GroupId"]},{"Fn::GetAtt":["NetworkFront","GroupId"]}]`)

	webDef := container(t, tpl.Resources["WebTaskDefinition"].Properties)
	same(t, "web image", webDef["Image"], `"shop-web"`)
	same(t, "web command", webDef["Command"], `["serve","--verbose"]`)
	// The file's own value wins over what up adds; a variable without a value is left out.
	same(t, "web environment", webDef["Environment"], `[{"Name":"GREETING","Value":"hello"},{"Name":"PORTOLAN_DNS","Value":"127.0.0.1:8600"}]`)
	same(t, "web ports", webDef["PortMappings"], `[{"ContainerPort":8080,"Protocol":"tcp"},{"ContainerPort":8443,"Protocol":"tcp"}]`)

	abs, _ := filepath.Abs("testdata/bin/db")
	dbDef := container(t, tpl.Resources["DbTaskDefinition"].Properties)
	same(t, "db image", dbDef["Image"], `"`+abs+`"`)
	same(t, "db entrypoint", dbDef["EntryPoint"], `["/bin/db"]`)
	same(t, "db working directory", dbDef["WorkingDirectory"], `"/srv"`)
	same(t, "db health check", dbDef["HealthCheck"], `{"Command":["CMD","/bin/db","-ping"],"Interval":5,"Retries":4,"StartPeriod":10,"Timeout":2}`)
	same(t, "db ports", dbDef["PortMappings"], `[{"ContainerPort":5432,"Protocol":"tcp"}]`)
	if _, ok := container(t, tpl.Resources["Web2TaskDefinition"].Properties)["HealthCheck"]; ok {
		t.Error("test NONE gave web-2 a health check")
	}
	same(t, "web-2 records", tpl.Resources["Web2Discovery"].Properties["DnsConfig"], `{"DnsRecords":[{"TTL":10,"Type":"A"}],"RoutingPolicy":"MULTIVALUE"}`)

	if got := tpl.Outputs["WebUrl"].Value; got != "curl http://127.0.0.1:9000/" {
		t.Errorf("web's output %q", got)
	}
}

func container(t *testing.T, props map[string]any) map[string]any {
	t.Helper()
	defs, _ := props["ContainerDefinitions"].([]any)
	if len(defs) != 1 {
		t.Fatalf("container definitions %v", defs)
	}
	return defs[0].(map[string]any)
}

// same compares a value of the parsed template with the JSON it should be.
func same(t *testing.T, what string, got any, want string) {
	t.Helper()
	b, _ := json.Marshal(got)
	if string(b) != want {
		t.Errorf("%s:\n got %s\nwant %s", what, b, want)
	}
}

func TestLogicalIDs(t *testing.T) {
	for in, want := range map[string]string{"web-app_2": "WebApp2", "9lives": "S9lives", "-": "S", "db": "Db"} {
		if got := camel(in); got != want {
			t.Errorf("camel(%q) = %q, want %q", in, got, want)
		}
	}
	// Two names that spell the same id: the second (in name order) gets a number.
	p := &Project{Name: "x", services: types.Services{"web-app": {Name: "web-app"}, "web_app": {Name: "web_app"}}}
	if ids := p.logicalIDs(); ids["web-app"] != "WebApp" || ids["web_app"] != "WebApp2" {
		t.Errorf("ids %v", ids)
	}
}
