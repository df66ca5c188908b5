package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
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
	st, err := deployStack(ctx, stackClient(*api, nil), *name, body, params, images, os.Stdout)
	if err != nil {
		return reachable(*api, err)
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
	return reachable(*api, destroyStack(ctx, stackClient(*api, nil), fs.Arg(0), os.Stdout))
}

// reachable says so when err is that no server answers at api.
func reachable(api string, err error) error {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return fmt.Errorf("no Portolan server at %s (start one with 'portolan server'): %w", api, err)
	}
	return err
}

func printOutputs(out io.Writer, st *stackOutcome) {
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
			fmt.Fprintf(out, "  %s = %s\n", aws.ToString(o.OutputKey), aws.ToString(o.OutputValue))
		}
	}
	fmt.Fprintf(out, "\nStack %s: %s\n", st.Name, st.Status)
}
