package gateway_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

// TestHTTPIntegration: a non-proxy HTTP integration sends only what
// requestParameters map (path, query string and header), and answers
// through the integration response whose selectionPattern matches the
// backend's status (else the default), with its static and mapped headers
// and its template as the body, or the backend's body when it has none.
// passthroughBehavior NEVER refuses a content type without a template.
func TestHTTPIntegration(t *testing.T) {
	f := newFixture(t)
	b := newBackend(t, "b")
	api, root := f.api("items", false, "")
	items := f.resource(api, root, "items")
	item := f.resource(api, items, "{id}")
	uri := "http://127.0.0.1:" + strconv.Itoa(b.port) + "/store/{id}"
	f.method(api, item, "ANY", false, "", &apigateway.PutIntegrationInput{Type: agtypes.IntegrationTypeHttp, IntegrationHttpMethod: aws.String("POST"),
		Uri: &uri, PassthroughBehavior: aws.String("NEVER"), RequestTemplates: map[string]string{"application/json": "$input.body"},
		RequestParameters: map[string]string{
			"integration.request.path.id":         "method.request.path.id",
			"integration.request.querystring.q":   "method.request.querystring.search",
			"integration.request.header.X-Mapped": "method.request.header.X-In",
			"integration.request.header.X-Stage":  "context.stage",
			"integration.request.header.X-Status": "method.request.header.X-Status",
		}})
	f.response(api, item, "ANY", "200", "", map[string]string{"method.response.header.X-Static": "'yes'",
		"method.response.header.X-From": "integration.response.header.X-Backend"}, nil)
	f.response(api, item, "ANY", "400", `4\d{2}`, nil, map[string]string{"application/json": `{"error":"bad"}`})
	f.response(api, item, "ANY", "502", `5\d{2}`, nil, nil)
	f.deploy(api, "prod")

	h := http.Header{"X-In": {"v"}, "X-Other": {"dropped"}, "Content-Type": {"application/json"}}
	r := f.do("GET", f.host(api), "/prod/items/a%20b?search=x&other=y", h, `{"n":1}`)
	if r.status != 200 || r.seen == nil || r.seen.Method != "POST" || r.seen.URI != "/store/a%20b?q=x" || r.seen.Body != `{"n":1}` {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if s := r.seen.Header; s.Get("X-Mapped") != "v" || s.Get("X-Other") != "" || s.Get("X-Stage") != "prod" {
		t.Errorf("backend headers %v", s)
	}
	if r.header.Get("X-Static") != "yes" || r.header.Get("X-From") != "b" || r.header.Get("X-Backend") != "" || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("answer headers %v", r.header)
	}
	if r := f.do("GET", f.host(api), "/prod/items/1", http.Header{"X-Status": {"404"}}, ""); r.status != 400 || r.body != `{"error":"bad"}` {
		t.Errorf("404 from the backend: %d %s", r.status, r.body)
	}
	if r := f.do("GET", f.host(api), "/prod/items/1", http.Header{"X-Status": {"503"}}, ""); r.status != 502 || !strings.Contains(r.body, `"Backend":"b"`) {
		t.Errorf("503 from the backend: %d %s", r.status, r.body)
	}
	before := b.hits.Load()
	r = f.do("POST", f.host(api), "/prod/items/1", http.Header{"Content-Type": {"text/plain"}}, "x")
	if r.status != 415 || r.header.Get("X-Amzn-Errortype") != "UnsupportedMediaTypeException" || b.hits.Load() != before {
		t.Errorf("NEVER passthrough of text/plain: %d %s", r.status, r.body)
	}
}

// TestMockIntegration: MOCK takes the status from its request template,
// which picks the integration response; the response template for the
// Accept header is the body, as written; no integration response for the
// status and no default answers 500.
func TestMockIntegration(t *testing.T) {
	f := newFixture(t)
	api, root := f.api("mock", false, "")
	missing := f.resource(api, root, "missing")
	f.method(api, root, "GET", false, "", &apigateway.PutIntegrationInput{Type: agtypes.IntegrationTypeMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 404}`}})
	f.response(api, root, "GET", "200", "", map[string]string{"method.response.header.X-Kind": "'default'"},
		map[string]string{"application/json": `{"ok":true}`})
	f.response(api, root, "GET", "404", "404", map[string]string{"method.response.header.X-Kind": "'missing'"},
		map[string]string{"application/json": `{"found":false}`, "application/xml": `<found>false</found>`})
	f.method(api, missing, "GET", false, "", &apigateway.PutIntegrationInput{Type: agtypes.IntegrationTypeMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 201}`}})
	f.response(api, missing, "GET", "200", "200", nil, nil)
	f.deploy(api, "prod")

	r := f.do("GET", f.host(api), "/prod", nil, "")
	if r.status != 404 || r.body != `{"found":false}` || r.header.Get("X-Kind") != "missing" || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s %v", r.status, r.body, r.header)
	}
	r = f.do("GET", f.host(api), "/prod", http.Header{"Accept": {"text/html, application/xml;q=0.9"}}, "")
	if r.status != 404 || r.body != `<found>false</found>` || r.header.Get("Content-Type") != "application/xml" {
		t.Fatalf("Accept xml: %d %s %v", r.status, r.body, r.header)
	}
	if r := f.do("GET", f.host(api), "/prod/missing", nil, ""); r.status != 500 || r.body != `{"message": "Internal server error"}` {
		t.Fatalf("no integration response: %d %s", r.status, r.body)
	}
}

// TestAccessLog: a stage with accessLogSettings writes one line per
// request, errors included, in its format.
func TestAccessLog(t *testing.T) {
	f := newFixture(t)
	api, root := f.api("logs", false, "")
	pets := f.resource(api, root, "pets")
	f.mockMethod(api, pets, "GET", false)
	f.deploy(api, "prod")
	format := `$context.httpMethod $context.resourcePath $context.path $context.status $context.error.responseType $context.stage $context.apiId $context.identity.sourceIp $context.requestId`
	_, err := f.agw.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: &api, StageName: aws.String("prod"), PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpReplace, Path: aws.String("/accessLogSettings/destinationArn"), Value: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:api-logs")},
		{Op: agtypes.OpReplace, Path: aws.String("/accessLogSettings/format"), Value: aws.String(format)},
	}})
	f.check(err)
	f.sync()
	ok := f.do("GET", f.host(api), "/prod/pets", nil, "")
	missing := f.do("GET", f.host(api), "/prod/cats", nil, "")
	want := []string{
		"GET /pets /prod/pets 200 - prod " + api + " 127.0.0.1 " + ok.header.Get("X-Amzn-Requestid"),
		"GET - /prod/cats 403 MISSING_AUTHENTICATION_TOKEN prod " + api + " 127.0.0.1 " + missing.header.Get("X-Amzn-Requestid"),
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := f.logs.lines()
		if len(got) == 2 && got[0] == want[0] && got[1] == want[1] {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("access log %q, want %q", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
