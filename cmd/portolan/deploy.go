package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/admin"
	"github.com/portolan/portolan/internal/stack"
)

// pairs is a repeatable K=V flag.
type pairs map[string]string

func (p pairs) String() string { return fmt.Sprint(map[string]string(p)) }

func (p pairs) Set(v string) error {
	for _, kv := range strings.Fields(v) {
		k, val, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("%q is not NAME=VALUE", kv)
		}
		p[k] = val
	}
	return nil
}

func runDeploy(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("portolan deploy", flag.ExitOnError)
	file := fs.String("f", "", "CloudFormation template (YAML or JSON)")
	name := fs.String("stack-name", "", "stack name")
	params, images := pairs{}, pairs{}
	fs.Var(params, "parameter-overrides", "template parameter NAME=VALUE (repeatable)")
	fs.Var(images, "image", "map an image name in the template to something runnable here, NAME=REF (repeatable)")
	api := apiFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// Like `aws cloudformation deploy`, take the overrides that follow the flag.
	for _, extra := range fs.Args() {
		if err := params.Set(extra); err != nil {
			return fmt.Errorf("unexpected argument %q", extra)
		}
	}
	if *file == "" || *name == "" {
		return errors.New("usage: portolan deploy -f TEMPLATE --stack-name NAME [--parameter-overrides K=V ...] [--image NAME=REF ...]")
	}
	body, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	st, err := deploy(ctx, *api, *name, admin.StackRequest{Template: string(body), Parameters: params, Images: images}, os.Stdout)
	if err != nil {
		return err
	}
	printOutputs(os.Stdout, st)
	return nil
}

func runDestroy(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("portolan destroy", flag.ExitOnError)
	api := apiFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: portolan destroy NAME")
	}
	_, err := stackCall(ctx, http.MethodDelete, *api, fs.Arg(0), nil, os.Stdout)
	return err
}

func deploy(ctx context.Context, api, name string, req admin.StackRequest, out io.Writer) (*stack.Stack, error) {
	body, _ := json.Marshal(req)
	return stackCall(ctx, http.MethodPut, api, name, body, out)
}

// stackCall sends a stack request and prints its events as they stream in.
func stackCall(ctx context.Context, method, api, name string, body []byte, out io.Writer) (*stack.Stack, error) {
	resp, err := apiDo(ctx, method, api, "/_portolan/stacks/"+name, body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var line struct {
			Event *stack.Event `json:"event"`
			admin.StackResult
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return nil, fmt.Errorf("bad answer from server: %w", err)
		}
		if ev := line.Event; ev != nil {
			fmt.Fprintf(out, "%s  %-22s %-45s %-34s %s\n", ev.Timestamp.Format(time.TimeOnly), ev.ResourceStatus, ev.ResourceType, ev.LogicalResourceId, ev.Reason)
			continue
		}
		if line.Error != "" {
			return line.Stack, errors.New(line.Error)
		}
		return line.Stack, nil
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, errors.New("the server closed the stream before the outcome")
}

func printOutputs(out io.Writer, st *stack.Stack) {
	if st == nil {
		return
	}
	if len(st.NotEmulated) > 0 {
		fmt.Fprintf(out, "\nAccepted, not emulated (%d): AWS plumbing with nothing to run here\n", len(st.NotEmulated))
		for _, r := range st.NotEmulated {
			fmt.Fprintf(out, "  %s\n", r)
		}
	}
	if len(st.Outputs) > 0 {
		fmt.Fprintln(out, "\nOutputs:")
		for _, o := range st.Outputs {
			fmt.Fprintf(out, "  %s = %s\n", o.Name, o.Value)
		}
	}
	fmt.Fprintf(out, "\nStack %s: %s\n", st.Name, st.Status)
}
