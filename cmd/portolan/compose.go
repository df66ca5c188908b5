package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/portolan/portolan/internal/compose"
	"github.com/portolan/portolan/internal/server"
)

// loadCompose prepares `up --compose FILE`: it reads the file, lists what
// it leaves out, builds the services' apps (mapping the images the
// template names to them, as up does for a template's apps), and tells the
// server what the services need of it: each published port served by its
// HTTP API, and on the docker runtime the namespace as the tasks' search
// domain, so that a compose name alone resolves through Portolan's DNS.
func loadCompose(ctx context.Context, file string, cfg *server.Config, images pairs, out io.Writer) (*compose.Project, error) {
	p, err := compose.Load(ctx, file, os.Environ())
	if err != nil {
		return nil, err
	}
	if len(p.Unsupported) > 0 {
		fmt.Fprintf(out, "Not carried over from %s (Portolan has no equivalent yet):\n  %s\n", file, strings.Join(p.Unsupported, "\n  "))
	}
	binDir := filepath.Join(cfg.DataDir, "bin", p.Name)
	var built []string
	for _, b := range p.Builds() {
		if _, set := images[b.Image]; set {
			continue // --image NAME=REF wins, as for a template's apps
		}
		bin, err := filepath.Abs(filepath.Join(binDir, b.Service))
		if err != nil {
			return nil, err
		}
		if err := buildApp(ctx, b.Context, bin); err != nil {
			return nil, err
		}
		images[b.Image], images[b.Image+":latest"] = bin, bin
		built = append(built, b.Image)
	}
	if cfg.Runtime == "docker" {
		if err := imageApps(ctx, "compose", built, images); err != nil {
			return nil, err
		}
		cfg.DNSSearch = append(cfg.DNSSearch, p.Namespace())
	}
	for _, pub := range p.Published() {
		cfg.BoundAPIs = append(cfg.BoundAPIs, server.BoundAPI{API: pub.API, Addr: pub.Addr})
	}
	return p, nil
}

// composeTemplate is the project's template for the server s runs as.
// Tasks of the process runtime are host processes, with the host's
// resolv.conf: they are told where Portolan's DNS is and the namespace to
// search, for apps that resolve compose names there.
func composeTemplate(p *compose.Project, runtime, dnsAddr string) ([]byte, error) {
	var o compose.Options
	if runtime != "docker" {
		o.Environment = map[string]string{"PORTOLAN_DNS": dnsAddr, "PORTOLAN_DNS_SEARCH": p.Namespace()}
	}
	return p.Template(o)
}
