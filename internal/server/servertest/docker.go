package servertest

import (
	"context"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// DockerEngine is a client of the local Docker engine, or skips the test
// when none answers (the only reason a docker test may skip).
func DockerEngine(t testing.TB) *client.Client {
	t.Helper()
	cli, err := client.New(client.FromEnv)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err = cli.Ping(ctx, client.PingOptions{})
		cancel()
	}
	if err != nil {
		t.Skipf("no Docker engine: %v", err)
	}
	return cli
}
