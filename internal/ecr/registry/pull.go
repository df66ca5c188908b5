package registry

import (
	"context"
	"net"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/ecr"
)

// pullTTL is how long the password handed to the engine for one pull is
// good for.
const pullTTL = time.Hour

// PullRef maps an image of this registry, as a task definition names it,
// to what the engine pulls: <account>.dkr.ecr.<region>.amazonaws.com/<repo>
// (what CDK's ContainerImage.fromEcrRepository writes), the registry's
// address or its .localhost name, each with :tag (default latest) or
// @digest. It implements the docker runtime's Registry.
func (g *Registry) PullRef(ctx context.Context, image string) (ref, username, password string, ok bool, err error) {
	host, rest, found := strings.Cut(image, "/")
	if !found || !g.ours(host) || rest == "" {
		return "", "", "", false, nil
	}
	if !strings.ContainsAny(rest, ":@") {
		rest += ":latest"
	}
	password, err = g.cfg.ECR.Password(ctx, time.Now().Add(pullTTL))
	if err != nil {
		return "", "", "", false, err
	}
	return g.cfg.ECR.RegistryHost() + "/" + rest, ecr.TokenUser, password, true, nil
}

// ours says whether an image's host names this registry.
func (g *Registry) ours(host string) bool {
	account, region := g.cfg.ECR.AccountID(), g.cfg.ECR.Region()
	if host == account+".dkr.ecr."+region+".amazonaws.com" || host == g.cfg.ECR.RegistryHost() {
		return true
	}
	name, port, err := net.SplitHostPort(host)
	_, ourPort, _ := net.SplitHostPort(g.cfg.ECR.RegistryHost())
	return err == nil && name == HostAlias(account, region) && port == ourPort
}
