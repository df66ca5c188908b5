package logs

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from what the server answers")

// volatile members change from run to run (clocks, random stream ids inside
// tokens); the golden files show their shape, not their value.
var volatile = map[string]bool{
	"creationTime": true, "ingestionTime": true, "lastIngestionTime": true,
	"eventId": true, "nextForwardToken": true, "nextBackwardToken": true, "nextToken": true,
	"uploadSequenceToken": true, "nextSequenceToken": true,
}

func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if volatile[k] {
				v[k] = fmt.Sprintf("<%s>", k)
				continue
			}
			v[k] = normalize(x)
		}
	case []any:
		for i, x := range v {
			v[i] = normalize(x)
		}
	}
	return v
}

// TestWireGolden records what AWS clients see for a few requests: the
// request body and the response's status and JSON.
func TestWireGolden(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx := ctxT(t)
	base := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for i, m := range []string{"starting", `{"level":"error","msg":"boom"}`, "ready"} {
		if err := env.svc.Append(ctx, "/ecs/web", "web/app/1", []Event{{Time: base.Add(time.Duration(i) * time.Second), Message: m}}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ name, op, body string }{
		{"describe-log-groups", "DescribeLogGroups", `{}`},
		{"describe-log-streams", "DescribeLogStreams", `{"logGroupName":"/ecs/web"}`},
		{"get-log-events", "GetLogEvents", `{"logGroupName":"/ecs/web","logStreamName":"web/app/1","startFromHead":true,"limit":2}`},
		{"filter-log-events-json", "FilterLogEvents", `{"logGroupName":"/ecs/web","filterPattern":"{ $.level = \"error\" }"}`},
		{"create-log-group-exists", "CreateLogGroup", `{"logGroupName":"/ecs/web"}`},
		{"put-retention-policy-invalid", "PutRetentionPolicy", `{"logGroupName":"/ecs/web","retentionInDays":2}`},
		{"get-log-events-missing-stream", "GetLogEvents", `{"logGroupName":"/ecs/web","logStreamName":"nope"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", env.url, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Amz-Target", TargetPrefix+"."+tc.op)
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			var body any
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("response is not JSON: %s", raw)
			}
			var pretty bytes.Buffer
			enc := json.NewEncoder(&pretty)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(normalize(body)); err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("POST / X-Amz-Target: %s.%s\n%s\n\nHTTP %d x-amzn-ErrorType: %s\n%s",
				TargetPrefix, tc.op, tc.body, resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), pretty.String())
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(want, []byte(got)) {
				t.Errorf("%s differs:\n--- want\n%s\n--- got\n%s", path, want, got)
			}
		})
	}
}
