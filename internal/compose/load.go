package compose

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/tree"
	"github.com/compose-spec/compose-go/v2/types"
)

// Project is a compose file as Portolan runs it.
type Project struct {
	// Name is the compose project's name: the ECS cluster's and the stack's.
	Name string
	// Dir is the directory the file's relative paths are relative to.
	Dir string
	// Unsupported are the paths of the keys the file sets that Portolan
	// does not carry over (services.web.volumes, ...), sorted.
	Unsupported []string

	services types.Services
	networks []string
}

// supported are the compose attributes the template carries over (doc.go
// says how); the loader reports every other one. Paths are those of the
// canonical model: ports, depends_on and build in their long syntax.
var supported = []tree.Path{
	"name",
	"networks.*",
	"services.*.image",
	"services.*.build.context",
	"services.*.command",
	"services.*.entrypoint",
	"services.*.environment.*",
	"services.*.working_dir",
	"services.*.expose",
	"services.*.ports.[].target",
	"services.*.ports.[].published",
	"services.*.ports.[].host_ip",
	"services.*.ports.[].protocol",
	"services.*.ports.[].mode",
	"services.*.depends_on.*.condition",
	"services.*.depends_on.*.required",
	"services.*.healthcheck.test",
	"services.*.healthcheck.interval",
	"services.*.healthcheck.timeout",
	"services.*.healthcheck.retries",
	"services.*.healthcheck.start_period",
	"services.*.healthcheck.disable",
	"services.*.networks.*",
	"services.*.deploy.replicas",
}

// Load reads the compose file at path, with env as the environment its
// ${VARIABLES} are interpolated from (a .env file beside it is read too,
// as docker compose does).
func Load(ctx context.Context, path string, env []string) (*Project, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	var unsupported []string
	opts, err := cli.NewProjectOptions([]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithEnv(env),
		cli.WithDotEnv,
		cli.WithResolvedPaths(true),
		cli.WithLoadOptions(loader.WithSupportedAttributes(supported, func(found []loader.UnsupportedAttribute) {
			for _, f := range found {
				unsupported = append(unsupported, readablePath(f.Path))
			}
		})),
	)
	if err != nil {
		return nil, err
	}
	p, err := opts.LoadProject(ctx)
	if err != nil {
		return nil, fmt.Errorf("compose file %s: %w", path, err)
	}
	if len(p.Services) == 0 {
		return nil, fmt.Errorf("compose file %s: no services", path)
	}
	proj := &Project{Name: p.Name, Dir: p.WorkingDir, services: p.Services}
	proj.Unsupported = append(unsupported, proj.unsupportedValues()...)
	slices.Sort(proj.Unsupported)
	proj.Unsupported = slices.Compact(proj.Unsupported)
	for name := range p.Networks {
		proj.networks = append(proj.networks, name)
	}
	slices.Sort(proj.networks)
	return proj, nil
}

// readablePath spells a model path as a user finds it in the file: the
// loader marks list items with [] and dots inside a key with a ghost.
func readablePath(p tree.Path) string {
	return strings.ReplaceAll(strings.ReplaceAll(string(p), ".[]", "[]"), "👻", ".")
}

// unsupportedValues are the keys Portolan reads but not with every value
// the specification allows.
func (p *Project) unsupportedValues() []string {
	var out []string
	for _, s := range p.services {
		for i, port := range s.Ports {
			if port.Protocol != "" && port.Protocol != "tcp" {
				out = append(out, fmt.Sprintf("services.%s.ports[%d].protocol: %s (TCP only)", s.Name, i, port.Protocol))
			}
			if port.Published != "" && i > 0 {
				out = append(out, fmt.Sprintf("services.%s.ports[%d].published: only a service's first port is published", s.Name, i))
			}
			if port.Mode == "host" {
				out = append(out, fmt.Sprintf("services.%s.ports[%d].mode: host", s.Name, i))
			}
		}
		if s.Build != nil && s.Build.Context != "" && strings.Contains(s.Build.Context, "://") {
			out = append(out, fmt.Sprintf("services.%s.build.context: %s (a local directory with a Go main package only)", s.Name, s.Build.Context))
		}
	}
	return out
}

// Service names, sorted: the order the template lists them in.
func (p *Project) Services() []string {
	var names []string
	for name := range p.services {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Build is a service's app to compile.
type Build struct {
	Service string
	// Context is the directory of its Go main package.
	Context string
	// Image is the name the template gives its container's image: what the
	// built binary or image must be mapped to.
	Image string
}

// Builds are the services with a build section, by service name.
func (p *Project) Builds() []Build {
	var out []Build
	for _, name := range p.Services() {
		s := p.services[name]
		if s.Build == nil {
			continue
		}
		out = append(out, Build{Service: name, Context: s.Build.Context, Image: p.image(s)})
	}
	return out
}

// image is the name a service's container image has in the template:
// compose's own default for a built image is <project>-<service>.
func (p *Project) image(s types.ServiceConfig) string {
	if s.Image != "" {
		if strings.HasPrefix(s.Image, "./") || strings.HasPrefix(s.Image, "../") {
			return filepath.Join(p.Dir, s.Image)
		}
		return s.Image
	}
	return p.Name + "-" + s.Name
}
