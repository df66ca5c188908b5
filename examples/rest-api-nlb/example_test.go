package restapinlb_test

import (
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestRestAPINLBExample does what the README says, on free ports: `portolan
// up examples/rest-api-nlb`, then the curl line it prints: through the
// execute-api endpoint's host, the private API's {proxy+} method reaches
// both tasks over the VPC link and the NLB, with the path passed through.
// The public host is refused by the resource policy's endpoint, and a path
// no method serves is AWS's 403. Ctrl-C must delete the stack.
func TestRestAPINLBExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the whole example")
	}
	// A load balancer range of the example's own, apart from other tests'.
	up := servertest.StartUp(t, t.TempDir(), "--lb-addresses", "127.0.250.0/24", "examples/rest-api-nlb")
	printed := up.Output
	m := regexp.MustCompile(`(?m)^\s+curl (http://(\w+)-(vpce-\w+)\.execute-api\.localhost:\d+/prod/)$`).FindStringSubmatch(printed())
	if m == nil {
		t.Fatalf("up printed no curl line for the endpoint host:\n%s", printed())
	}
	stageURL, apiID, vpce := m[1], m[2], m[3]
	client := up.Client()
	call := func(url string) (int, string) {
		resp, err := client.Get(url)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// Both tasks answer, each with the path it was asked for. The NLB
	// balances connections and the gateway keeps its own to it alive, so
	// calls at once (which open several) are what spread. The service was
	// stable when up printed, so its targets were healthy: every call must
	// succeed.
	tasks := map[string]bool{}
	var mu sync.Mutex
	for round := 0; len(tasks) < 2; round++ {
		if round == 30 {
			t.Fatalf("calls reached %v, want both tasks", tasks)
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				code, body := call(stageURL + "pets/7?x=1")
				var got struct{ Method, Path, Task string }
				if code != 200 || json.Unmarshal([]byte(body), &got) != nil || got.Path != "/pets/7" || got.Method != "GET" || got.Task == "" {
					t.Errorf("through the endpoint host: %d %s", code, body)
					return
				}
				mu.Lock()
				tasks[got.Task] = true
				mu.Unlock()
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
	}

	// The public host of a PRIVATE API, and a path no method serves.
	public := strings.Replace(stageURL, apiID+"-"+vpce, apiID, 1)
	if code, body := call(public + "pets/7"); code != 403 {
		t.Errorf("public host: %d %s, want 403", code, body)
	}
	if code, body := call(stageURL); code != 403 || !strings.Contains(body, "Missing Authentication Token") {
		t.Errorf("the root, which has no method: %d %s", code, body)
	}

	if out := up.Stop(t); !regexp.MustCompile(`DELETE_COMPLETE +AWS::CloudFormation::Stack +rest-api-nlb`).MatchString(out) {
		t.Fatalf("the stack was not deleted on Ctrl-C:\n%s", out)
	}
}
