package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"syscall"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/portolan/portolan/internal/cognito/cognitotest"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestCognitoKill9: a server killed with SIGKILL right after a pool, a
// client, a user and a sign-in were acknowledged has them all when started
// again: the same key set, the user signs in, and the refresh token from
// before refreshes.
func TestCognitoKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds portolan")
	}
	dataDir, port := t.TempDir(), servertest.FreePort(t)
	ctx := context.Background()
	c := cip.NewFromConfig(servertest.Config(fmt.Sprintf("http://localhost:%d", port), "test", "test"))
	srv := servertest.StartProcess(t, dataDir, port)
	pool := cognitotest.NewPool(t, c)
	out, err := pool.SignIn(ctx, c, pool.Username, pool.Password)
	if err != nil {
		t.Fatal(err)
	}
	jwks := func() string {
		req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/%s/.well-known/jwks.json", port, pool.ID), nil)
		req.Host = fmt.Sprintf("cognito-idp.us-east-1.localhost:%d", port)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("jwks: %d %s", resp.StatusCode, b)
		}
		return string(b)
	}
	before := jwks()
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()

	servertest.StartProcess(t, dataDir, port)
	if after := jwks(); after != before {
		t.Fatalf("key set changed:\n%s\n%s", before, after)
	}
	if _, err := pool.Refresh(ctx, c, *out.AuthenticationResult.RefreshToken); err != nil {
		t.Fatalf("refresh token from before the kill: %v", err)
	}
	if _, err := pool.SignIn(ctx, c, pool.Username, pool.Password); err != nil {
		t.Fatalf("sign-in after the kill: %v", err)
	}
}
