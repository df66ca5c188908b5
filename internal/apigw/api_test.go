package apigw_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
)

// TestWire checks what the SDK does not show: status codes, the error
// encoding and member names on the wire.
func TestWire(t *testing.T) {
	env := apigwtest.Start(t)
	call := func(method, path, body string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, env.Endpoint+path, strings.NewReader(body))
		resp, err := env.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		if len(b) > 0 {
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s %s: %q: %v", method, path, b, err)
			}
		}
		return resp, m
	}
	resp, api := call("POST", "/v2/apis", `{"name":"w","protocolType":"HTTP"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("CreateApi status %d", resp.StatusCode)
	}
	for _, k := range []string{"apiId", "apiEndpoint", "name", "protocolType", "routeSelectionExpression", "apiKeySelectionExpression", "createdDate", "disableExecuteApiEndpoint"} {
		if _, ok := api[k]; !ok {
			t.Errorf("CreateApi response lacks %q: %v", k, api)
		}
	}
	if d, _ := api["createdDate"].(string); !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(d) {
		t.Errorf("createdDate %q is not ISO 8601", d)
	}
	id := api["apiId"].(string)
	resp, body := call("GET", "/v2/apis/nope", "")
	if resp.StatusCode != 404 || resp.Header.Get("x-amzn-ErrorType") != "NotFoundException" || body["message"] == nil {
		t.Fatalf("GetApi(nope): %d %v %v", resp.StatusCode, resp.Header, body)
	}
	resp, body = call("POST", "/v2/apis/"+id+"/routes", `{"routeKey":"GET //x"}`)
	if resp.StatusCode != 400 || resp.Header.Get("x-amzn-ErrorType") != "BadRequestException" {
		t.Fatalf("CreateRoute: %d %v", resp.StatusCode, body)
	}
	resp, body = call("POST", "/v2/apis/"+id+"/routes", `{"routeKey":`)
	if resp.StatusCode != 400 || resp.Header.Get("x-amzn-ErrorType") != "BadRequestException" {
		t.Fatalf("malformed body: %d %v", resp.StatusCode, body)
	}
	resp, list := call("GET", "/v2/apis?maxResults=1", "")
	if resp.StatusCode != 200 || list["items"] == nil {
		t.Fatalf("GetApis: %d %v", resp.StatusCode, list)
	}
	resp, _ = call("DELETE", "/v2/apis/"+id, "")
	if resp.StatusCode != 204 {
		t.Fatalf("DeleteApi status %d", resp.StatusCode)
	}
}
