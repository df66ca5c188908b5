package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/portolan/portolan/internal/admin"
)

// runStatus prints what the server at --api runs: its APIs and routes, VPC
// links, Cloud Map instances with their health, ECS services and tasks.
func runStatus(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("portolan status", flag.ExitOnError)
	api := apiFlag(fs)
	asJSON := fs.Bool("json", false, "print the server's JSON answer instead of tables")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("usage: portolan status [--api ADDR] [--json]")
	}
	resp, err := apiGet(ctx, *api, "/_portolan/status")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if *asJSON {
		var out bytes.Buffer
		if err := json.Indent(&out, body, "", "  "); err != nil {
			return fmt.Errorf("bad answer from server: %w", err)
		}
		out.WriteByte('\n')
		_, err := out.WriteTo(os.Stdout)
		return err
	}
	var st admin.Status
	if err := json.Unmarshal(body, &st); err != nil {
		return fmt.Errorf("bad answer from server: %w", err)
	}
	printStatus(os.Stdout, &st, time.Now())
	return nil
}

// printStatus writes one table per kind of thing, as `kubectl get` does,
// leaving out the kinds there are none of.
func printStatus(out io.Writer, st *admin.Status, now time.Time) {
	var sections []func(*tabwriter.Writer)
	if len(st.APIs) > 0 {
		sections = append(sections, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "API\tID\tENDPOINT\tSTAGES")
			for _, a := range st.APIs {
				var stages []string
				for _, s := range a.Stages {
					stages = append(stages, s.Name)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", a.Name, a.ID, dash(a.Endpoint), dash(strings.Join(stages, ",")))
			}
		}, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "API\tROUTE\tAUTHORIZATION\tINTEGRATION")
			for _, a := range st.APIs {
				for _, r := range a.Routes {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", a.Name, r.Key, dash(r.AuthorizationType), dash(r.Integration))
				}
			}
		})
	}
	if len(st.VpcLinks) > 0 {
		sections = append(sections, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "VPC LINK\tID\tSTATUS")
			for _, l := range st.VpcLinks {
				fmt.Fprintf(w, "%s\t%s\t%s\n", l.Name, l.ID, l.Status)
			}
		})
	}
	if len(st.Namespaces) > 0 {
		sections = append(sections, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "NAMESPACE\tSERVICE\tINSTANCE\tADDRESS\tHEALTH")
			for _, ns := range st.Namespaces {
				if len(ns.Services) == 0 {
					fmt.Fprintf(w, "%s\t-\t-\t-\t-\n", ns.Name)
				}
				for _, svc := range ns.Services {
					if len(svc.Instances) == 0 {
						fmt.Fprintf(w, "%s\t%s\t-\t-\t-\n", ns.Name, svc.Name)
					}
					for _, in := range svc.Instances {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", ns.Name, svc.Name, in.ID, dash(in.Address), in.Health)
					}
				}
			}
		})
	}
	var services, tasks bool
	for _, c := range st.Clusters {
		services = services || len(c.Services) > 0
		tasks = tasks || len(c.Tasks) > 0
		for _, s := range c.Services {
			tasks = tasks || len(s.Tasks) > 0
		}
	}
	if services {
		sections = append(sections, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "CLUSTER\tSERVICE\tRUNNING\tPENDING\tROLLOUT\tTASK DEFINITION")
			for _, c := range st.Clusters {
				for _, s := range c.Services {
					rollout := dash(s.Rollout)
					if s.Deployments > 1 {
						rollout += fmt.Sprintf(" (%d deployments)", s.Deployments)
					}
					fmt.Fprintf(w, "%s\t%s\t%d/%d\t%d\t%s\t%s\n", c.Name, s.Name, s.Running, s.Desired, s.Pending, rollout, s.TaskDefinition)
				}
			}
		})
	}
	if tasks {
		sections = append(sections, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "CLUSTER\tSERVICE\tTASK\tSTATUS\tHEALTH\tADDRESS\tAGE")
			row := func(cluster, service string, t admin.StatusTask) {
				status := t.LastStatus
				if t.DesiredStatus != "" && t.DesiredStatus != t.LastStatus {
					status += "→" + t.DesiredStatus
				}
				age := "-"
				if t.StartedAt != nil {
					age = shortDuration(now.Sub(*t.StartedAt))
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cluster, service, t.ID, status, t.Health, dash(t.Address), age)
			}
			for _, c := range st.Clusters {
				for _, s := range c.Services {
					for _, t := range s.Tasks {
						row(c.Name, s.Name, t)
					}
				}
				for _, t := range c.Tasks {
					row(c.Name, "-", t)
				}
			}
		})
	}
	if len(sections) == 0 {
		fmt.Fprintln(out, "Nothing runs yet: deploy a stack with 'portolan deploy' or start with 'portolan up'.")
		return
	}
	for i, section := range sections {
		if i > 0 {
			fmt.Fprintln(out)
		}
		w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		section(w)
		w.Flush()
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// shortDuration is an age as `kubectl get` shows one: 45s, 12m, 3h, 2d.
func shortDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
