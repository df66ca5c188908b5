package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/portolan/portolan/internal/admin"
)

const logsUsage = "usage: portolan logs [--follow] [--since DURATION] TARGET   (a log group, an ECS service or a task id)"

// runLogs prints a target's log events as `portolan up` does, and with
// --follow keeps printing new ones until interrupted.
func runLogs(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("portolan logs", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), logsUsage)
		fs.PrintDefaults()
	}
	var follow bool
	fs.BoolVar(&follow, "follow", false, "keep printing new events until interrupted")
	fs.BoolVar(&follow, "f", false, "short for --follow")
	since := fs.String("since", "", "only events newer than this: a duration (10m, 2h) or an RFC 3339 time (default: all)")
	api := apiFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// Flags may also follow the target: portolan logs hello --follow.
	var targets []string
	for fs.NArg() > 0 {
		targets = append(targets, fs.Arg(0))
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return err
		}
	}
	if len(targets) != 1 {
		return errors.New(logsUsage)
	}
	q := url.Values{"target": {targets[0]}}
	if follow {
		q.Set("follow", "1")
	}
	if *since != "" {
		q.Set("since", *since)
	}
	resp, err := apiGet(ctx, *api, "/_portolan/logs?"+q.Encode())
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer resp.Body.Close()
	err = printLogs(os.Stdout, resp.Body)
	if ctx.Err() != nil {
		return nil // interrupted: the way --follow ends
	}
	return err
}

// printLogs prints the server's LogLines as `time stream | message`, each
// as it arrives.
func printLogs(out io.Writer, body io.Reader) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var l admin.LogLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return fmt.Errorf("bad answer from server: %w", err)
		}
		if l.Error != "" {
			return errors.New(l.Error)
		}
		if _, err := fmt.Fprintf(out, "%s %s | %s\n", l.Time.Local().Format(time.TimeOnly), shortStream(l.Stream), l.Message); err != nil {
			return err
		}
	}
	return sc.Err()
}
