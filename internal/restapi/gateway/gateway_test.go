package gateway_test

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

var (
	uuidForm  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	apigwForm = regexp.MustCompile(`^[A-Za-z0-9+/]{15}=$`)
	traceForm = regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`)
)

// TestErrorAnswers: what a REST API answers itself, as AWS does: body,
// status, x-amzn-ErrorType, and x-amzn-RequestId (a UUID) and
// x-amz-apigw-id on every answer; no backend is called.
func TestErrorAnswers(t *testing.T) {
	f := newFixture(t)
	b := newBackend(t, "b")
	api, root := f.api("pets", false, "")
	pets := f.resource(api, root, "pets")
	f.method(api, pets, "GET", false, "", proxy("http://127.0.0.1:"+strconv.Itoa(b.port)+"/pets"))
	f.method(api, root, "GET", false, "AWS_IAM", proxy("http://127.0.0.1:"+strconv.Itoa(b.port)+"/"))
	f.deploy(api, "prod")
	private, _ := f.api("private", true, "")
	disabled, droot := f.api("disabled", false, "")
	_, err := f.agw.UpdateRestApi(ctx, &apigateway.UpdateRestApiInput{RestApiId: &disabled,
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/disableExecuteApiEndpoint"), Value: aws.String("true")}}})
	f.check(err)
	f.method(disabled, droot, "GET", false, "", proxy("http://127.0.0.1:"+strconv.Itoa(b.port)+"/"))
	f.deploy(disabled, "prod")
	f.sync()

	const (
		missing   = `{"message":"Missing Authentication Token"}`
		forbidden = `{"message":"Forbidden"}`
		badReq    = `{"message":"Bad Request"}`
	)
	// Every answer's ids are its own, on connections the client keeps
	// alive (where the gateway reuses the memory they are made in).
	seen := map[string]bool{}
	fresh := func(t *testing.T, h http.Header) {
		t.Helper()
		for _, id := range []string{h.Get("X-Amzn-Requestid"), h.Get("X-Amz-Apigw-Id")} {
			if seen[id] {
				t.Errorf("id %q on two answers", id)
			}
			seen[id] = true
		}
	}
	for _, c := range []struct {
		name, method, host, path string
		status                   int
		errorType, body          string
	}{
		{"unknown stage", "GET", f.host(api), "/beta/pets", 403, "MissingAuthenticationTokenException", missing},
		{"no stage", "GET", f.host(api), "/", 403, "MissingAuthenticationTokenException", missing},
		{"unknown resource", "GET", f.host(api), "/prod/cats", 403, "MissingAuthenticationTokenException", missing},
		{"unknown method", "POST", f.host(api), "/prod/pets", 403, "MissingAuthenticationTokenException", missing},
		{"deeper than any resource", "GET", f.host(api), "/prod/pets/7", 403, "MissingAuthenticationTokenException", missing},
		{"unsigned AWS_IAM method", "GET", f.host(api), "/prod", 403, "MissingAuthenticationTokenException", missing},
		{"unknown API", "GET", "abcdefghij.execute-api.localhost", "/prod/pets", 403, "ForbiddenException", forbidden},
		{"not an API host", "GET", "localhost", "/prod/pets", 403, "ForbiddenException", forbidden},
		{"private API on the public host", "GET", f.host(private), "/prod/pets", 403, "ForbiddenException", forbidden},
		{"disableExecuteApiEndpoint", "GET", f.host(disabled), "/prod", 403, "ForbiddenException", forbidden},
		{"dot segment", "GET", f.host(api), "/prod/pets/../pets", 400, "BadRequestException", badReq},
		{"empty segment", "GET", f.host(api), "/prod//pets", 400, "BadRequestException", badReq},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := b.hits.Load()
			r := f.do(c.method, c.host, c.path, nil, "")
			if r.status != c.status || r.body != c.body || r.header.Get("X-Amzn-Errortype") != c.errorType {
				t.Fatalf("%d %s %q, want %d %s %q", r.status, r.body, r.header.Get("X-Amzn-Errortype"), c.status, c.body, c.errorType)
			}
			if r.header.Get("Content-Type") != "application/json" || r.header.Get("Content-Length") != strconv.Itoa(len(c.body)) {
				t.Errorf("headers %v", r.header)
			}
			if !uuidForm.MatchString(r.header.Get("X-Amzn-Requestid")) || !apigwForm.MatchString(r.header.Get("X-Amz-Apigw-Id")) {
				t.Errorf("request ids %q %q", r.header.Get("X-Amzn-Requestid"), r.header.Get("X-Amz-Apigw-Id"))
			}
			fresh(t, r.header)
			if b.hits.Load() != before {
				t.Errorf("the backend was called")
			}
		})
	}
	// And the same stage serves what exists, with the ids on success too.
	r := f.do("GET", f.host(api), "/prod/pets", nil, "")
	if r.status != 200 || r.seen == nil || !uuidForm.MatchString(r.header.Get("X-Amzn-Requestid")) || r.header.Get("X-Amz-Apigw-Id") == "" ||
		r.header.Get("X-Amzn-Errortype") != "" {
		t.Fatalf("GET /prod/pets: %d %s %v", r.status, r.body, r.header)
	}
	fresh(t, r.header)
	// A signed call reaches the AWS_IAM method (the signature is not
	// verified: there is no IAM).
	sig := http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=AKID/20200101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00"}}
	if r := f.do("GET", f.host(api), "/prod", sig, ""); r.status != 200 || r.seen == nil {
		t.Fatalf("signed call: %d %s", r.status, r.body)
	}
}

// TestHTTPProxy: an HTTP_PROXY integration on a public URL passes the
// method, headers, query and body through, fills {proxy} from the greedy
// path parameter (escapes kept) and ${stageVariables.x} from the stage,
// and relays the backend's answer (status, headers, body) as it is.
func TestHTTPProxy(t *testing.T) {
	f := newFixture(t)
	b := newBackend(t, "b")
	api, root := f.api("pets", false, "")
	px := f.resource(api, root, "{proxy+}")
	f.method(api, px, "ANY", false, "", proxy("http://127.0.0.1:"+strconv.Itoa(b.port)+"/${stageVariables.prefix}/{proxy}?from=uri"))
	_, err := f.agw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &api, StageName: aws.String("prod"),
		Variables: map[string]string{"prefix": "v1"}})
	f.check(err)
	f.sync()

	for _, c := range []struct{ method, path, want string }{
		{"GET", "/prod/pets/7?x=1&y=a%20b", "/v1/pets/7?from=uri&x=1&y=a%20b"},
		{"POST", "/prod/a%2Fb/c%20d", "/v1/a%2Fb/c%20d?from=uri"},
		{"DELETE", "/prod/pets/", "/v1/pets?from=uri"},
		{"PATCH", "/prod/%E2%9C%93", "/v1/%E2%9C%93?from=uri"},
	} {
		h := http.Header{"X-Custom": {"one", "two"}, "X-Status": {"201"}, "Content-Type": {"text/plain"}}
		r := f.do(c.method, f.host(api), c.path, h, "hello")
		s := r.seen
		if r.status != 201 || s == nil || s.URI != c.want || s.Method != c.method {
			t.Fatalf("%s %s: %d %s, want the backend to see %s", c.method, c.path, r.status, r.body, c.want)
		}
		if s.Body != "hello" || len(s.Header["X-Custom"]) != 2 || s.Header.Get("Content-Type") != "text/plain" || s.Host != "127.0.0.1:"+strconv.Itoa(b.port) {
			t.Errorf("backend saw %+v", s)
		}
		if s.Header.Get("X-Forwarded-For") != "127.0.0.1" || s.Header.Get("X-Forwarded-Proto") != "http" || s.Header.Get("X-Forwarded-Port") != f.port ||
			s.Header.Get("X-Amzn-Apigateway-Api-Id") != api || !traceForm.MatchString(s.Header.Get("X-Amzn-Trace-Id")) {
			t.Errorf("forwarding headers %v", s.Header)
		}
		if r.header.Get("X-Backend") != "b" || r.header.Get("X-Amzn-Requestid") == "" {
			t.Errorf("answer headers %v", r.header)
		}
	}
	// What the client sends of the forwarding fields: its X-Forwarded-For
	// is extended, a trace id naming a Root kept, the rest replaced (or,
	// with no VPC endpoint, dropped).
	r := f.do("GET", f.host(api), "/prod/pets/7", http.Header{"X-Forwarded-For": {"10.0.0.1"}, "X-Forwarded-Proto": {"https"},
		"X-Forwarded-Port": {"1"}, "X-Amzn-Trace-Id": {"Root=1-5759e988-bd862e3fe1be46a994272793"},
		"X-Amzn-Apigateway-Api-Id": {"spoofed"}, "X-Amzn-Vpce-Id": {"vpce-spoofed"}}, "")
	for k, want := range map[string][]string{
		"X-Forwarded-For":          {"10.0.0.1, 127.0.0.1"},
		"X-Forwarded-Proto":        {"http"},
		"X-Forwarded-Port":         {f.port},
		"X-Amzn-Trace-Id":          {"Root=1-5759e988-bd862e3fe1be46a994272793"},
		"X-Amzn-Apigateway-Api-Id": {api},
		"X-Amzn-Vpce-Id":           nil,
	} {
		if r.seen == nil {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if got := r.seen.Header.Values(k); !slices.Equal(got, want) {
			t.Errorf("backend header %s = %q, want %q", k, got, want)
		}
	}
	// The root is not matched by {proxy+}: it takes one or more segments.
	if r := f.do("GET", f.host(api), "/prod", nil, ""); r.status != 403 {
		t.Fatalf("GET /prod: %d %s", r.status, r.body)
	}
}
