package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// cfnCLI runs `aws cloudformation ...` against a server.
type cfnCLI struct {
	t   *testing.T
	ctx context.Context
	url string
}

// json runs a command that must succeed and decodes its output into v.
func (c cfnCLI) json(v any, args ...string) {
	c.t.Helper()
	out := awstest.CLI(c.ctx, c.t, c.url, args...)
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			c.t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
	}
}

// run runs a command and returns what it printed, failing t unless it
// exits with code.
func (c cfnCLI) run(code int, args ...string) string {
	c.t.Helper()
	r := awstest.CLIRun(c.ctx, c.t, c.url, args...)
	if r.ExitCode != code {
		c.t.Fatalf("aws %s: exit %d, want %d\n%s%s", strings.Join(args, " "), r.ExitCode, code, r.Stdout, r.Stderr)
	}
	return r.Stdout + r.Stderr
}

type cliStack struct {
	StackId, StackName, StackStatus, StackStatusReason string
	Outputs                                            []struct{ OutputKey, OutputValue string }
	Parameters                                         []struct{ ParameterKey, ParameterValue string }
}

func (c cfnCLI) stack(name string) cliStack {
	c.t.Helper()
	var out struct{ Stacks []cliStack }
	c.json(&out, "cloudformation", "describe-stacks", "--stack-name", name)
	return out.Stacks[0]
}

func (s cliStack) output(key string) string {
	for _, o := range s.Outputs {
		if o.OutputKey == key {
			return o.OutputValue
		}
	}
	return ""
}

// events lists "Logical STATUS" of a stack's events, oldest first.
func (c cfnCLI) events(name string) []string {
	c.t.Helper()
	var out struct {
		StackEvents []struct{ LogicalResourceId, ResourceStatus, ResourceStatusReason string }
	}
	c.json(&out, "cloudformation", "describe-stack-events", "--stack-name", name)
	var lines []string
	for _, e := range slices.Backward(out.StackEvents) {
		lines = append(lines, e.LogicalResourceId+" "+e.ResourceStatus)
	}
	return lines
}

// callAPI GETs a path of an HTTP API's endpoint URL through the gateway
// until it answers 200 with want in its body (the tasks may be starting).
func callAPI(t *testing.T, gateway, endpoint, path, want string) string {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, gateway)
		}}}
	var last string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := client.Get(u.String() + path)
		if err != nil {
			last = err.Error()
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if last = fmt.Sprintf("%d %s", resp.StatusCode, b); resp.StatusCode == http.StatusOK && strings.Contains(string(b), want) {
			return string(b)
		}
	}
	t.Fatalf("GET %s%s: %s, want 200 with %q", endpoint, path, last, want)
	return ""
}

// quickstartVariant is the quick start's template with its greeting a
// parameter, and a spare log group nothing refers to.
func quickstartVariant(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/quickstart/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "Parameters:\n", "Parameters:\n  Greeting:\n    Type: String\n    Default: Hello from the quickstart\n", 1)
	s = strings.Replace(s, "{ Name: GREETING, Value: Hello from the quickstart }", "{ Name: GREETING, Value: !Ref Greeting }", 1)
	s = strings.Replace(s, "Resources:\n", "Resources:\n  Spare:\n    Type: AWS::Logs::LogGroup\n    Properties: { LogGroupName: /spare, RetentionInDays: 1 }\n", 1)
	if !strings.Contains(s, "!Ref Greeting") || !strings.Contains(s, "Spare:") {
		t.Fatal("the quick start's template changed: update quickstartVariant")
	}
	return writeTemplate(t, s)
}

func writeTemplate(t *testing.T, body string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCloudFormationDeployQuickstart drives the quick start through `aws
// cloudformation deploy` as a user of the AWS CLI would: the first deploy
// creates it (the API answers through the URL the stack outputs); a
// second, with a new greeting and count, updates it and the ECS service
// rolls to the new task definition; the same deploy again has no changes;
// a change set lists Add, Modify and Remove with their replacement; and
// delete-stack with its waiter leaves no task, instance or API behind.
func TestCloudFormationDeployQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the quick start's tasks and the AWS CLI's waiters")
	}
	awstest.NeedCLI(t)
	app := servertest.BuildApp(t, "./examples/quickstart/app")
	env := servertest.Start(t, func(c *server.Config) { c.Images = map[string]string{"app": app} })
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cli := cfnCLI{t, ctx, env.URL}

	out := cli.run(0, "cloudformation", "deploy", "--template-file", "../../examples/quickstart/template.yaml", "--stack-name", "quickstart")
	for _, want := range []string{"Waiting for changeset to be created..", "Successfully created/updated stack - quickstart"} {
		if !strings.Contains(out, want) {
			t.Fatalf("deploy printed no %q:\n%s", want, out)
		}
	}
	st := cli.stack("quickstart")
	if st.StackStatus != "CREATE_COMPLETE" {
		t.Fatalf("status %s", st.StackStatus)
	}
	callAPI(t, env.Server.GatewayAddr(), st.output("ApiUrl"), "/hello", "Hello from the quickstart")

	variant := quickstartVariant(t)
	out = cli.run(0, "cloudformation", "deploy", "--template-file", variant, "--stack-name", "quickstart",
		"--parameter-overrides", "Greeting=Bonjour", "DesiredCount=3")
	if !strings.Contains(out, "Successfully created/updated stack - quickstart") {
		t.Fatalf("update printed:\n%s", out)
	}
	events := cli.events("quickstart")
	update := events[slices.Index(events, "quickstart UPDATE_IN_PROGRESS"):]
	for _, want := range []string{"TaskDefinition CREATE_COMPLETE", "Service UPDATE_IN_PROGRESS", "Service UPDATE_COMPLETE", "quickstart UPDATE_COMPLETE"} {
		if !slices.Contains(update, want) {
			t.Fatalf("update events %v lack %q", update, want)
		}
	}
	callAPI(t, env.Server.GatewayAddr(), st.output("ApiUrl"), "/hello", "Bonjour")
	var svc struct {
		Services []struct {
			DesiredCount, RunningCount int
			TaskDefinition             string
		}
	}
	cli.json(&svc, "ecs", "describe-services", "--cluster", "quickstart", "--services", "hello")
	if s := svc.Services[0]; s.DesiredCount != 3 || !strings.HasSuffix(s.TaskDefinition, ":2") {
		t.Fatalf("the service did not roll to revision 2 with 3 tasks: %+v", s)
	}
	if pids := processesOf(app); len(pids) < 3 {
		t.Fatalf("%d task processes run, want at least 3", len(pids))
	}

	out = cli.run(0, "cloudformation", "deploy", "--template-file", variant, "--stack-name", "quickstart",
		"--parameter-overrides", "Greeting=Bonjour", "DesiredCount=3")
	if !strings.Contains(out, "No changes to deploy. Stack quickstart is up to date") {
		t.Fatalf("an unchanged deploy printed:\n%s", out)
	}

	changed := strings.Replace(strings.Replace(readFile(t, variant), "LogGroupName: /ecs/quickstart", "LogGroupName: /ecs/quickstart2", 1),
		"  Spare:\n    Type: AWS::Logs::LogGroup\n    Properties: { LogGroupName: /spare, RetentionInDays: 1 }\n",
		"  Added:\n    Type: AWS::Logs::LogGroup\n    Properties: { LogGroupName: /added }\n", 1)
	var cs struct{ Id string }
	cli.json(&cs, "cloudformation", "create-change-set", "--stack-name", "quickstart", "--change-set-name", "review",
		"--template-body", "file://"+writeTemplate(t, changed), "--parameters", "ParameterKey=Greeting,UsePreviousValue=true", "ParameterKey=DesiredCount,UsePreviousValue=true")
	cli.json(nil, "cloudformation", "wait", "change-set-create-complete", "--change-set-name", cs.Id)
	var desc struct {
		Status  string
		Changes []struct {
			ResourceChange struct{ Action, LogicalResourceId, Replacement string }
		}
	}
	cli.json(&desc, "cloudformation", "describe-change-set", "--change-set-name", cs.Id)
	got := map[string]string{}
	for _, c := range desc.Changes {
		got[c.ResourceChange.LogicalResourceId] = c.ResourceChange.Action + "/" + c.ResourceChange.Replacement
	}
	want := map[string]string{"Added": "Add/", "Logs": "Modify/True", "TaskDefinition": "Modify/Conditional", "Service": "Modify/False", "Spare": "Remove/"}
	if desc.Status != "CREATE_COMPLETE" || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("change set %s: %v, want %v", desc.Status, got, want)
	}
	cli.json(nil, "cloudformation", "delete-change-set", "--change-set-name", cs.Id)

	cli.json(nil, "cloudformation", "delete-stack", "--stack-name", "quickstart")
	cli.json(nil, "cloudformation", "wait", "stack-delete-complete", "--stack-name", "quickstart")
	var clusters struct{ ClusterArns []string }
	cli.json(&clusters, "ecs", "list-clusters")
	var apis struct{ Items []any }
	cli.json(&apis, "apigatewayv2", "get-apis")
	var ns struct{ Namespaces []any }
	cli.json(&ns, "servicediscovery", "list-namespaces")
	if len(clusters.ClusterArns) != 0 || len(apis.Items) != 0 || len(ns.Namespaces) != 0 {
		t.Fatalf("left after delete-stack: clusters %v, APIs %v, namespaces %v", clusters.ClusterArns, apis.Items, ns.Namespaces)
	}
	if pids := processesOf(app); len(pids) != 0 {
		t.Fatalf("task processes left after delete-stack: %v", pids)
	}
}

// processesOf lists the processes running the executable at path.
func processesOf(path string) []string {
	var pids []string
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if exe, err := os.Readlink(filepath.Join("/proc", d.Name(), "exe")); err == nil && exe == path {
			pids = append(pids, d.Name())
		}
	}
	return pids
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
