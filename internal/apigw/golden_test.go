package apigw_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/wire")

// TestWireGolden records what AWS clients see for the calls of a typical
// private-integration setup: request, status, the error type header and the
// body, with generated ids, dates and ports replaced by placeholders.
// Regenerate with go test ./internal/apigw -run WireGolden -update.
func TestWireGolden(t *testing.T) {
	env := apigwtest.Start(t)
	client := env.HTTPClient()
	ids := map[string]string{} // generated value -> placeholder
	normalize := func(body []byte) []byte {
		s := string(body)
		for v, p := range ids {
			s = strings.ReplaceAll(s, v, p)
		}
		s = regexp.MustCompile(`"(createdDate|lastUpdatedDate)":"[^"]*"`).ReplaceAllString(s, `"$1":"<date>"`)
		s = strings.ReplaceAll(s, ":"+env.GatewayPort, ":<port>")
		var v any
		if json.Unmarshal([]byte(s), &v) == nil {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			enc.Encode(v)
			return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
		}
		return []byte(s)
	}
	learn := func(body []byte, keys ...string) {
		var m map[string]any
		json.Unmarshal(body, &m)
		for _, k := range keys {
			if v, ok := m[k].(string); ok {
				ids[v] = "<" + k + ">"
			}
		}
	}
	var out bytes.Buffer
	call := func(method, path, body string, learnKeys ...string) []byte {
		t.Helper()
		for v, p := range ids {
			path = strings.ReplaceAll(path, p, v)
			body = strings.ReplaceAll(body, p, v)
		}
		req, _ := http.NewRequest(method, env.Endpoint+path, strings.NewReader(body))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		learn(b, learnKeys...)
		fmt.Fprintf(&out, "### %s %s\n", method, normalize([]byte(path)))
		if body != "" {
			fmt.Fprintf(&out, "%s\n", normalize([]byte(body)))
		}
		fmt.Fprintf(&out, "--> %d %s\n", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
		if len(b) > 0 {
			fmt.Fprintf(&out, "%s\n", normalize(b))
		}
		out.WriteString("\n")
		return b
	}
	call("POST", "/v2/apis", `{"name":"pets","protocolType":"HTTP","tags":{"team":"a"}}`, "apiId")
	call("POST", "/v2/vpclinks", `{"name":"link","subnetIds":["subnet-1"]}`, "vpcLinkId")
	call("POST", "/v2/apis/<apiId>/integrations", `{"integrationType":"HTTP_PROXY","connectionType":"VPC_LINK","connectionId":"<vpcLinkId>",`+
		`"integrationUri":"arn:aws:servicediscovery:us-east-1:000000000000:service/srv-abcdef","integrationMethod":"ANY","payloadFormatVersion":"1.0",`+
		`"requestParameters":{"overwrite:path":"$request.path"}}`, "integrationId")
	call("POST", "/v2/apis/<apiId>/routes", `{"routeKey":"ANY /{proxy+}","target":"integrations/<integrationId>"}`, "routeId")
	call("POST", "/v2/apis/<apiId>/stages", `{"stageName":"$default","autoDeploy":true,`+
		`"accessLogSettings":{"destinationArn":"arn:aws:logs:us-east-1:000000000000:log-group:pets","format":"$context.requestId $context.status"}}`, "deploymentId")
	call("GET", "/v2/apis/<apiId>/routes?maxResults=10", "")
	call("GET", "/v2/apis/<apiId>/deployments", "")
	call("POST", "/v2/apis/<apiId>/routes", `{"routeKey":"ANY /{any+}"}`)
	call("POST", "/v2/apis/<apiId>/integrations", `{"integrationType":"HTTP_PROXY","connectionType":"VPC_LINK","connectionId":"<vpcLinkId>","integrationUri":"http://x"}`)
	call("GET", "/v2/apis/nope", "")
	call("GET", "/v2/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Fapis%2F<apiId>", "")
	call("DELETE", "/v2/apis/<apiId>", "")

	path := filepath.Join("testdata", "wire", "private-integration.txt")
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, out.Bytes()) {
		t.Fatalf("wire shapes changed (run with -update if intended):\n%s", out.String())
	}
}
