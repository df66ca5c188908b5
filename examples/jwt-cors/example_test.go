package jwtcors_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestJWTCORSExample does what the README says, on free ports: start the
// issuer, `portolan up examples/jwt-cors` pointed at it, then calls the
// API as curl and a browser would, and reads the access log that up
// streams. Ctrl-C must delete the stack.
func TestJWTCORSExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the whole example")
	}
	issuerURL := startIssuer(t)

	up := servertest.StartUp(t, t.TempDir(), "--parameter-overrides", "IssuerUrl="+issuerURL, "--parameter-overrides", "WebOrigin="+issuerURL, "examples/jwt-cors")
	printed := up.Output
	apiURL := regexp.MustCompile(`(?m)^\s+ApiUrl = (\S+)$`).FindStringSubmatch(printed())
	if apiURL == nil {
		t.Fatalf("no ApiUrl output:\n%s", printed())
	}
	var curls []string
	for _, line := range strings.Split(printed(), "\n") {
		if c, ok := strings.CutPrefix(strings.TrimSpace(line), "curl "); ok {
			curls = append(curls, c)
		}
	}
	client := up.Client()
	token := func(scope string) string {
		resp, err := http.Get(issuerURL + "/token?sub=alice&scope=" + scope)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.TrimSpace(string(b))
	}
	call := func(method, path string, header http.Header) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(method, apiURL[1]+path, nil)
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	// The service's tasks may still be registering.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _, _ := call("GET", "/health", nil); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/health never answered:\n%s", printed())
		}
		time.Sleep(200 * time.Millisecond)
	}

	checkScopes(t, call, token)
	checkCORS(t, call, token, issuerURL)

	// The curl lines up printed (the README's) work as written, given the
	// gateway's port: they name the default 8080, so point them at ours.
	_, port, _ := net.SplitHostPort(up.Gateway)
	if len(curls) == 0 {
		t.Errorf("up printed no curl lines:\n%s", printed())
	}
	runCurls(t, curls, port)
	checkBrowser(t, issuerURL+"/?api="+strings.ReplaceAll(apiURL[1], ":8080", ":"+port))

	// The access log, streamed by up: who called, and why calls failed.
	deadline = time.Now().Add(15 * time.Second)
	for !(strings.Contains(printed(), `"user":"alice"`) && regexp.MustCompile(`"status":"401".*"authError":"no token`).MatchString(printed())) {
		if time.Now().After(deadline) {
			t.Fatalf("access log lines missing:\n%s", printed())
		}
		time.Sleep(200 * time.Millisecond)
	}

	if out := up.Stop(t); !regexp.MustCompile(`DELETE_COMPLETE +AWS::CloudFormation::Stack +jwt-cors`).MatchString(out) {
		t.Fatalf("the stack was not deleted on Ctrl-C:\n%s", out)
	}
}

// apiCall sends one request to the example's API and returns its status,
// header and body.
type apiCall func(method, path string, header http.Header) (int, http.Header, string)

// startIssuer builds and starts the example's token issuer on a free port
// and returns its URL once it answers.
func startIssuer(t *testing.T) string {
	t.Helper()
	issuerBin := servertest.BuildApp(t, "./examples/jwt-cors/issuer")
	issuerURL := fmt.Sprintf("http://127.0.0.1:%d", servertest.FreePort(t))
	issuer := exec.Command(issuerBin, "-addr", strings.TrimPrefix(issuerURL, "http://"))
	issuer.Stderr = os.Stderr
	if err := issuer.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { issuer.Process.Kill(); issuer.Wait() })
	for i := 0; ; i++ {
		resp, err := http.Get(issuerURL + "/.well-known/openid-configuration")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i == 200 {
			t.Fatalf("issuer not up: %v", err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	return issuerURL
}

// checkScopes: no token is refused, pets/read may read but not write,
// pets/write may write.
func checkScopes(t *testing.T, call apiCall, token func(scope string) string) {
	t.Helper()
	if code, _, body := call("GET", "/pets", nil); code != 401 || body != `{"message":"Unauthorized"}` {
		t.Errorf("no token: %d %s", code, body)
	}
	code, _, body := call("GET", "/pets", http.Header{"Authorization": {"Bearer " + token("pets/read")}})
	var got struct {
		Pets        []string
		User, Scope string
	}
	if code != 200 || json.Unmarshal([]byte(body), &got) != nil || got.User != "alice" || got.Scope != "pets/read" || len(got.Pets) == 0 {
		t.Errorf("read with pets/read: %d %s", code, body)
	}
	if code, _, body := call("POST", "/pets", http.Header{"Authorization": {"Bearer " + token("pets/read")}}); code != 403 || body != `{"message":"Forbidden"}` {
		t.Errorf("write with pets/read: %d %s", code, body)
	}
	if code, _, body := call("POST", "/pets", http.Header{"Authorization": {"Bearer " + token("pets/write")}}); code != 200 {
		t.Errorf("write with pets/write: %d %s", code, body)
	}
}

// checkCORS: CORS for the web page's origin, not for others.
func checkCORS(t *testing.T, call apiCall, token func(scope string) string, origin string) {
	t.Helper()
	code, h, _ := call("OPTIONS", "/pets", http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Headers": {"authorization"}})
	if code != 204 || h.Get("Access-Control-Allow-Origin") != origin || h.Get("Access-Control-Allow-Methods") != "GET,POST" || h.Get("Access-Control-Max-Age") != "600" {
		t.Errorf("preflight: %d %v", code, h)
	}
	_, h, _ = call("GET", "/pets", http.Header{"Origin": {origin}, "Authorization": {"Bearer " + token("pets/read")}})
	if h.Get("Access-Control-Allow-Origin") != origin || h.Get("Access-Control-Expose-Headers") != "apigw-requestid" {
		t.Errorf("CORS on the answer: %v", h)
	}
	if _, h, _ = call("GET", "/pets", http.Header{"Origin": {"http://evil.example"}}); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("refused origin got %q", h.Get("Access-Control-Allow-Origin"))
	}
}

// runCurls runs the curl lines up printed against the gateway's port; the
// ones with a token must reach the API as alice.
func runCurls(t *testing.T, curls []string, port string) {
	t.Helper()
	for _, c := range curls {
		cmd := "curl -sS --max-time 10 " + strings.ReplaceAll(c, ":8080", ":"+port)
		out, err := exec.Command("sh", "-c", cmd).CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v %s", cmd, err, out)
		}
		if strings.Contains(c, "Bearer") && !strings.Contains(string(out), `"user":"alice"`) {
			t.Errorf("%s: %s", cmd, out)
		}
	}
}

// checkBrowser: a real browser loads the issuer's page, which calls the API
// across origins. From the allowed origin the call goes through; from
// another origin (the same page at localhost instead of 127.0.0.1) the
// browser blocks it.
func checkBrowser(t *testing.T, page string) {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Log("no chromium: the browser check is skipped (.ci/run installs it)")
		return
	}
	if dom := browse(t, chromium, page); !strings.Contains(dom, `200 {"pets":`) || !strings.Contains(dom, `"user":"browser-user"`) {
		t.Errorf("page on the allowed origin:\n%s", dom)
	}
	other := strings.Replace(page, "127.0.0.1", "localhost", 1)
	if dom := browse(t, chromium, other); !strings.Contains(dom, "blocked: TypeError") {
		t.Errorf("page on another origin:\n%s", dom)
	}
}

// browse loads url in headless Chromium, lets its scripts run, and returns
// the page's DOM.
func browse(t *testing.T, chromium, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir="+t.TempDir(),
		"--virtual-time-budget=10000", "--dump-dom", url)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v", url, err)
	}
	return string(out)
}
