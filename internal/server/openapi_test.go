package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"go.yaml.in/yaml/v3"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/server/servertest"
)

// definition is an OpenAPI 3 document of two routes: one to a public URL,
// one private, through a VPC link to a Cloud Map service.
const definition = `openapi: 3.0.1
info: {title: orders, version: "2026-12-07", description: imported}
x-amazon-apigateway-cors: {allowOrigins: ["https://shop.example"], allowMethods: [GET]}
paths:
  /health:
    get:
      operationId: health
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: %s/health
        payloadFormatVersion: "1.0"
  /orders/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      x-amazon-apigateway-integration:
        $ref: '#/components/x-amazon-apigateway-integrations/orders'
components:
  x-amazon-apigateway-integrations:
    orders:
      type: http_proxy
      httpMethod: ANY
      uri: %s
      connectionType: VPC_LINK
      connectionId: %s
      payloadFormatVersion: "1.0"
`

// openAPIBackends starts the two backends of the definition: a public
// one, and a private one behind a Cloud Map service and a VPC link. It
// returns the public URL, the service's ARN and the link's id.
func openAPIBackends(t *testing.T, env *servertest.Env) (string, string, string) {
	t.Helper()
	ctx := context.Background()
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "public "+r.URL.Path) }))
	t.Cleanup(public.Close)
	private := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "private "+r.URL.Path) }))
	t.Cleanup(private.Close)
	cm := sd.NewFromConfig(env.AWS)
	op, err := cm.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("shop")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cm.GetOperation(ctx, &sd.GetOperationInput{OperationId: op.OperationId})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := cm.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("orders"), NamespaceId: aws.String(got.Operation.Targets["NAMESPACE"])})
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(private.URL, "http://"))
	if _, err := cm.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String("i-1"),
		Attributes: map[string]string{"AWS_INSTANCE_IPV4": host, "AWS_INSTANCE_PORT": port}}); err != nil {
		t.Fatal(err)
	}
	link, err := apigatewayv2.NewFromConfig(env.AWS).CreateVpcLink(ctx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("shop"), SubnetIds: []string{"subnet-1"}})
	if err != nil {
		t.Fatal(err)
	}
	return public.URL, *svc.Service.Arn, *link.VpcLinkId
}

// TestOpenAPIImportExport: an OpenAPI 3 definition with a public and a
// private integration imported with the AWS CLI serves both routes through
// the gateway; exported back (YAML and JSON) it names both routes with
// their integrations, and imported again it makes the same API; a
// reimport replaces the routes; a broken definition changes nothing.
func TestOpenAPIImportExport(t *testing.T) {
	awstest.NeedCLI(t)
	env := servertest.Start(t)
	ctx := context.Background()
	publicURL, serviceArn, linkID := openAPIBackends(t, env)
	v2 := apigatewayv2.NewFromConfig(env.AWS)

	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return "file://" + path
	}
	def := fmt.Sprintf(definition, publicURL, serviceArn, linkID)
	var api struct{ ApiId, Name string }
	json.Unmarshal(awstest.CLI(ctx, t, env.URL, "apigatewayv2", "import-api", "--body", write("def.yaml", def)), &api)
	if api.ApiId == "" || api.Name != "orders" {
		t.Fatalf("imported API: %+v", api)
	}
	awstest.CLI(ctx, t, env.URL, "apigatewayv2", "create-stage", "--api-id", api.ApiId, "--stage-name", "$default", "--auto-deploy")
	call := func(path string) string {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			req, _ := http.NewRequest("GET", "http://"+env.Server.GatewayAddr()+path, nil)
			req.Host = api.ApiId + ".execute-api.localhost"
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || time.Now().After(deadline) {
				return fmt.Sprintf("%d %s", resp.StatusCode, b)
			}
		}
	}
	if got := call("/health"); got != "200 public /health" {
		t.Errorf("GET /health = %q", got)
	}
	if got := call("/orders/42"); got != "200 private /orders/42" {
		t.Errorf("GET /orders/42 = %q", got)
	}

	// Exported back: both routes, their integrations, the CORS extension.
	yamlOut := filepath.Join(dir, "out.yaml")
	awstest.CLI(ctx, t, env.URL, "apigatewayv2", "export-api", "--api-id", api.ApiId, "--specification", "OAS30", "--output-type", "YAML", yamlOut)
	raw, _ := os.ReadFile(yamlOut)
	var exported struct {
		Info  struct{ Title string }
		Paths map[string]map[string]any
		Cors  map[string]any `yaml:"x-amazon-apigateway-cors"`
	}
	if err := yaml.Unmarshal(raw, &exported); err != nil {
		t.Fatalf("exported YAML: %v\n%s", err, raw)
	}
	operation := func(path, method string) map[string]any {
		op, _ := exported.Paths[path][method].(map[string]any)
		return op
	}
	orders := operation("/orders/{id}", "get")["x-amazon-apigateway-integration"]
	health := operation("/health", "get")
	if exported.Info.Title != "orders" || orders == nil || health["operationId"] != "health" || exported.Cors == nil ||
		!strings.Contains(fmt.Sprint(orders), linkID) || !strings.Contains(fmt.Sprint(orders), serviceArn) {
		t.Fatalf("exported definition:\n%s", raw)
	}
	jsonOut := filepath.Join(dir, "out.json")
	awstest.CLI(ctx, t, env.URL, "apigatewayv2", "export-api", "--api-id", api.ApiId, "--specification", "OAS30", "--output-type", "JSON", "--stage-name", "$default", jsonOut)
	raw, _ = os.ReadFile(jsonOut)
	var again struct{ ApiId string }
	json.Unmarshal(awstest.CLI(ctx, t, env.URL, "apigatewayv2", "import-api", "--body", "file://"+jsonOut), &again)
	routes := func(id string) string {
		out, err := v2.GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: &id})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, r := range out.Items {
			keys = append(keys, *r.RouteKey)
		}
		slices.Sort(keys)
		return strings.Join(keys, ",")
	}
	if a, b := routes(api.ApiId), routes(again.ApiId); a != "GET /health,GET /orders/{id}" || a != b {
		t.Fatalf("routes of the import %q and of its export imported again %q\n%s", a, b, raw)
	}

	// A reimport replaces the routes; the auto-deploying stage serves it.
	changed := strings.Replace(def, "/health:", "/status:", 1)
	awstest.CLI(ctx, t, env.URL, "apigatewayv2", "reimport-api", "--api-id", api.ApiId, "--body", write("changed.yaml", changed))
	if got := routes(api.ApiId); got != "GET /orders/{id},GET /status" {
		t.Fatalf("routes after the reimport: %s", got)
	}
	if got := call("/status"); got != "200 public /health" {
		t.Errorf("GET /status after the reimport = %q", got)
	}

	// A definition that fails changes nothing.
	before := env.Server.StoreRevision()
	for _, bad := range []string{"openapi: 3.0.1\ninfo: {version: x}\npaths: {}\n", strings.Replace(def, linkID, "nolink1", 1), "not: [an, openapi"} {
		stderr := awstest.CLIFails(ctx, t, env.URL, "apigatewayv2", "import-api", "--body", write("bad.yaml", bad))
		if !strings.Contains(stderr, "BadRequestException") && !strings.Contains(stderr, "NotFoundException") {
			t.Errorf("a bad definition: %s", stderr)
		}
	}
	if env.Server.StoreRevision() != before {
		t.Error("refused imports changed the state")
	}
}
