package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestDeploySignsRequests: a server with credentials refuses a deploy
// signed with other credentials and accepts the CLI's signed one.
func TestDeploySignsRequests(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) { c.AccessKeyID, c.SecretAccessKey = "AKIDSTACKS", "s3cret" })
	api := env.Server.APIAddr()
	tpl := []byte("Resources:\n  Ns:\n    Type: AWS::ServiceDiscovery::HttpNamespace\n    Properties: {Name: signed}\n")
	ctx := context.Background()

	t.Setenv("AWS_ACCESS_KEY_ID", "")
	if _, err := deployStack(ctx, stackClient(api, nil), "signed", tpl, nil, nil, io.Discard); err == nil || !strings.Contains(err.Error(), "security token") {
		t.Fatalf("deploy without the server's credentials: %v, want refused", err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDSTACKS")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	if _, err := deployStack(ctx, stackClient(api, nil), "signed", tpl, nil, nil, io.Discard); err == nil {
		t.Fatal("deploy signed with a wrong secret succeeded")
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s3cret")
	st, err := deployStack(ctx, stackClient(api, nil), "signed", tpl, nil, nil, io.Discard)
	if err != nil || st.Status != "CREATE_COMPLETE" {
		t.Fatalf("signed deploy: %v %+v", err, st)
	}
}
