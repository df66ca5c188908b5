package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestBoundAPI: an address bound to an API by name serves that API
// whatever the Host, even with its default endpoint disabled (as a custom
// domain does); once a newer API takes the name, the address serves it.
func TestBoundAPI(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Header.Get("X-Which")+" "+r.URL.Path)
	}))
	t.Cleanup(backend.Close)
	env := servertest.Start(t, func(c *server.Config) {
		c.BoundAPIs = []server.BoundAPI{{API: "pets", Addr: "127.0.0.1:0"}, {API: "nosuchapi", Addr: "127.0.0.1:0"}}
	})
	ctx := context.Background()
	client := apigatewayv2.NewFromConfig(env.AWS)
	create := func(which string, disabled bool) string {
		t.Helper()
		api, err := client.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("pets"), ProtocolType: "HTTP",
			DisableExecuteApiEndpoint: aws.Bool(disabled)})
		if err != nil {
			t.Fatal(err)
		}
		integ, err := client.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: "HTTP_PROXY",
			IntegrationMethod: aws.String("ANY"), IntegrationUri: aws.String(backend.URL + "/{proxy}"), PayloadFormatVersion: aws.String("1.0"),
			RequestParameters: map[string]string{"append:header.X-Which": which}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("ANY /{proxy+}"),
			Target: aws.String("integrations/" + *integ.IntegrationId)}); err != nil {
			t.Fatal(err)
		}
		if _, err := client.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
		return *api.ApiId
	}
	get := func(addr, host, path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	eventually := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("not %s after 5s", what)
			}
		}
	}

	first := create("first", true)
	bound := env.Server.BoundAPIAddr(0)
	eventually("the bound address serving the API", func() bool {
		status, body := get(bound, "anything.example", "/a/b")
		return status == 200 && body == "first /a/b"
	})
	if status, _ := get(env.Server.GatewayAddr(), first+".execute-api.localhost", "/a/b"); status != 403 {
		t.Fatalf("default endpoint of an API that disables it: %d", status)
	}
	if status, body := get(env.Server.BoundAPIAddr(1), "localhost", "/a/b"); status != 404 || body != `{"message":"Not Found"}` {
		t.Fatalf("address bound to no API: %d %s", status, body)
	}

	// Created times are whole seconds: make the second API newer.
	time.Sleep(1100 * time.Millisecond)
	create("second", false)
	eventually("the bound address serving the newer API of the name", func() bool {
		_, body := get(bound, "localhost", "/c")
		return body == "second /c"
	})
}

// TestAccessLogStdout: with AccessLogStdout, a stage's access log lines
// are printed to stdout as well as written to its log group.
func TestAccessLogStdout(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w // read when the server is made
	env := servertest.Start(t, func(c *server.Config) { c.AccessLogStdout = true })
	os.Stdout = stdout
	t.Cleanup(func() { w.Close() })
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()

	ctx := context.Background()
	client := apigatewayv2.NewFromConfig(env.AWS)
	api, err := client.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("logged"), ProtocolType: "HTTP"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true),
		AccessLogSettings: &types.AccessLogSettings{DestinationArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:/apigw/logged"),
			Format: aws.String(`{"id":"$context.requestId","path":"$context.path","status":"$context.status"}`)}}); err != nil {
		t.Fatal(err)
	}
	host := *api.ApiId + ".execute-api.localhost"
	deadline := time.After(5 * time.Second)
	sent := map[string]bool{} // request ids: the stage may take a moment to log
	for {
		req, _ := http.NewRequest("GET", "http://"+env.Server.GatewayAddr()+"/nothing-here", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		sent[resp.Header.Get("Apigw-Requestid")] = true
		select {
		case line := <-lines:
			var got struct{ ID, Path, Status string }
			if err := json.Unmarshal([]byte(line), &got); err != nil || !sent[got.ID] || got.Path != "/nothing-here" || got.Status != "404" {
				t.Fatalf("stdout line %q (%v)", line, err)
			}
			return
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("no access log line on stdout after 5s")
		}
	}
}
