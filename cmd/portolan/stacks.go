package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/portolan/portolan/internal/cloudformation"
)

// `portolan deploy`, `destroy` and `up` are clients of the server's
// CloudFormation API, as the AWS CLI is: they create or update a stack,
// print its events as they come, and report how it ended.

// stackClient is a CloudFormation client for the server at api, signing
// with the credentials in the environment (or creds, when given).
func stackClient(api string, creds *aws.Credentials) *cfn.Client {
	region := cmp.Or(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), "us-east-1")
	c := aws.Credentials{AccessKeyID: os.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"), SessionToken: os.Getenv("AWS_SESSION_TOKEN")}
	if creds != nil {
		c = *creds
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		// A server without credentials checks no signature.
		c = aws.Credentials{AccessKeyID: "portolan", SecretAccessKey: "portolan"}
	}
	return cfn.New(cfn.Options{Region: region, BaseEndpoint: aws.String("http://" + api), HTTPClient: &http.Client{Transport: plainBody{http.DefaultTransport}},
		Credentials: credentials.StaticCredentialsProvider{Value: c}})
}

// plainBody hands net/http a buffered copy of each request body. With the
// SDK's own body type, net/http may close a connection under a response
// still being read, every time for large responses such as a long list of
// stack events (aws-sdk-go-v2 issues 1825 and 2737).
type plainBody struct{ rt http.RoundTripper }

func (p plainBody) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.ContentLength = int64(len(b))
	}
	return p.rt.RoundTrip(req)
}

// stackOutcome is how a stack operation ended, for printOutputs.
type stackOutcome struct {
	Name        string
	StackID     string
	Status      string
	Outputs     []types.Output
	NotEmulated []string // "LogicalId Type"
	LogGroups   []string
}

// deployStack creates the stack, or updates it, and follows it to its
// end. Stopping ctx (Ctrl-C) cancels it: an update is cancelled, a create
// deleted, and both roll back; the events are followed to the end.
func deployStack(ctx context.Context, cf *cfn.Client, name string, body []byte, params, images map[string]string, out io.Writer) (*stackOutcome, error) {
	var ps []types.Parameter
	for _, k := range slices.Sorted(maps.Keys(params)) {
		ps = append(ps, types.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(params[k])})
	}
	var tags []types.Tag
	for _, k := range slices.Sorted(maps.Keys(images)) {
		tags = append(tags, types.Tag{Key: aws.String(cloudformation.ImageTagPrefix + k), Value: aws.String(images[k])})
	}
	caps := []types.Capability{types.CapabilityCapabilityIam, types.CapabilityCapabilityNamedIam, types.CapabilityCapabilityAutoExpand}
	tplBody, tplURL, err := templateSource(body)
	if err != nil {
		return nil, err
	}
	since := time.Now().Add(-time.Second)
	existing, err := describeStack(ctx, cf, name)
	if err != nil {
		return nil, err
	}
	var stackID string
	creating := existing == nil || existing.StackStatus == types.StackStatusReviewInProgress
	if creating {
		res, err := cf.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String(name), TemplateBody: tplBody, TemplateURL: tplURL,
			Parameters: ps, Tags: tags, Capabilities: caps})
		if err != nil {
			return nil, apiMessage(err)
		}
		stackID = aws.ToString(res.StackId)
	} else {
		res, err := cf.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String(name), TemplateBody: tplBody, TemplateURL: tplURL,
			Parameters: ps, Tags: tags, Capabilities: caps})
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorMessage() == "No updates are to be performed." {
			fmt.Fprintf(out, "No changes to deploy: stack %s is up to date\n", name)
			return outcome(ctx, cf, aws.ToString(existing.StackId))
		}
		if err != nil {
			return nil, apiMessage(err)
		}
		stackID = aws.ToString(res.StackId)
	}
	st, err := followStack(ctx, cf, stackID, since, out, func(stop context.Context) {
		if creating {
			cf.DeleteStack(stop, &cfn.DeleteStackInput{StackName: aws.String(stackID)})
		} else {
			cf.CancelUpdateStack(stop, &cfn.CancelUpdateStackInput{StackName: aws.String(stackID)})
		}
	})
	if err != nil {
		return nil, err
	}
	if st.StackStatus != types.StackStatusCreateComplete && st.StackStatus != types.StackStatusUpdateComplete {
		return nil, fmt.Errorf("stack %s: %s: %s", name, st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	return outcome(ctx, cf, stackID)
}

// templateSource sends a template in the request when it fits AWS's
// 51,200 bytes, else as a file:// URL the server (on this machine) reads.
func templateSource(body []byte) (tplBody, tplURL *string, err error) {
	if len(body) <= 51200 {
		return aws.String(string(body)), nil, nil
	}
	f, err := os.CreateTemp("", "portolan-template-*.json")
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if _, err := f.Write(body); err != nil {
		return nil, nil, err
	}
	abs, err := filepath.Abs(f.Name())
	return nil, aws.String("file://" + abs), err
}

// destroyStack deletes a stack and follows it to its end.
func destroyStack(ctx context.Context, cf *cfn.Client, name string, out io.Writer) error {
	st, err := describeStack(ctx, cf, name)
	if err != nil {
		return err
	}
	if st == nil {
		return fmt.Errorf("stack %s does not exist", name)
	}
	since := time.Now().Add(-time.Second)
	if _, err := cf.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: st.StackId}); err != nil {
		return apiMessage(err)
	}
	st, err = followStack(ctx, cf, aws.ToString(st.StackId), since, out, nil)
	if err != nil {
		return err
	}
	if st.StackStatus != types.StackStatusDeleteComplete {
		return fmt.Errorf("stack %s: %s: %s", name, st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	return nil
}

// describeStack returns the stack, or nil when there is none.
func describeStack(ctx context.Context, cf *cfn.Client, nameOrID string) (*types.Stack, error) {
	res, err := cf.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String(nameOrID)})
	var ae smithy.APIError
	if errors.As(err, &ae) && strings.Contains(ae.ErrorMessage(), "does not exist") {
		return nil, nil
	}
	if err != nil {
		return nil, apiMessage(err)
	}
	return &res.Stacks[0], nil
}

// followStack prints the stack's events newer than since, oldest first,
// until the stack's status is final, and returns the stack. If ctx ends
// first, stop is called (once) and following goes on until the end.
func followStack(ctx context.Context, cf *cfn.Client, stackID string, since time.Time, out io.Writer, stop func(context.Context)) (*types.Stack, error) {
	bg := context.WithoutCancel(ctx)
	seen := map[string]bool{}
	stopped := false
	for {
		if ctx.Err() != nil && !stopped {
			stopped = true
			if stop != nil {
				stop(bg)
			}
		}
		st, err := describeStack(bg, cf, stackID)
		if err != nil {
			return nil, err
		}
		if err := printEvents(bg, cf, stackID, since, seen, out); err != nil {
			return nil, err
		}
		if st == nil {
			return nil, fmt.Errorf("stack %s is gone", stackID)
		}
		if !strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") {
			if stopped {
				return st, fmt.Errorf("stack %s: interrupted; it ended %s", aws.ToString(st.StackName), st.StackStatus)
			}
			return st, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// printEvents prints the events not seen yet, oldest first.
func printEvents(ctx context.Context, cf *cfn.Client, stackID string, since time.Time, seen map[string]bool, out io.Writer) error {
	var fresh []types.StackEvent
	p := cfn.NewDescribeStackEventsPaginator(cf, &cfn.DescribeStackEventsInput{StackName: aws.String(stackID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return apiMessage(err)
		}
		done := false
		for _, e := range page.StackEvents { // newest first
			if seen[aws.ToString(e.EventId)] || aws.ToTime(e.Timestamp).Before(since) {
				done = true
				break
			}
			fresh = append(fresh, e)
		}
		if done {
			break
		}
	}
	for i := len(fresh) - 1; i >= 0; i-- {
		e := fresh[i]
		seen[aws.ToString(e.EventId)] = true
		fmt.Fprintf(out, "%s  %-22s %-45s %-34s %s\n", aws.ToTime(e.Timestamp).Local().Format(time.TimeOnly), e.ResourceStatus,
			aws.ToString(e.ResourceType), aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceStatusReason))
	}
	return nil
}

// outcome gathers what printOutputs shows of a stack.
func outcome(ctx context.Context, cf *cfn.Client, stackID string) (*stackOutcome, error) {
	st, err := describeStack(ctx, cf, stackID)
	if err != nil || st == nil {
		return nil, err
	}
	o := &stackOutcome{Name: aws.ToString(st.StackName), StackID: stackID, Status: string(st.StackStatus), Outputs: st.Outputs}
	p := cfn.NewListStackResourcesPaginator(cf, &cfn.ListStackResourcesInput{StackName: aws.String(stackID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, apiMessage(err)
		}
		for _, r := range page.StackResourceSummaries {
			if aws.ToString(r.ResourceStatusReason) == "accepted, not emulated" {
				o.NotEmulated = append(o.NotEmulated, aws.ToString(r.LogicalResourceId)+" "+aws.ToString(r.ResourceType))
			}
			if aws.ToString(r.ResourceType) == "AWS::Logs::LogGroup" {
				o.LogGroups = append(o.LogGroups, aws.ToString(r.PhysicalResourceId))
			}
		}
	}
	slices.Sort(o.NotEmulated)
	return o, nil
}

// apiMessage is an API error as a user reads it: the server's message.
func apiMessage(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return errors.New(ae.ErrorMessage())
	}
	return err
}
