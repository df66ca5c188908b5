package ecrimages_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/portolan/portolan/internal/ecr/ecrtest"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestECRKill9: an image whose push was acknowledged, and the lifecycle
// policy's expiry, survive a SIGKILL of the server; so does a token.
func TestECRKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds portolan")
	}
	dataDir, port := t.TempDir(), servertest.FreePort(t)
	ctx := context.Background()
	c := awsecr.NewFromConfig(servertest.Config(fmt.Sprintf("http://localhost:%d", port), "test", "test"))
	registry := func() *ecrtest.RegistryClient {
		t.Helper()
		d, err := c.DescribeRepositories(ctx, &awsecr.DescribeRepositoriesInput{RepositoryNames: []string{"web"}})
		if err != nil {
			t.Fatal(err)
		}
		addr, _, _ := strings.Cut(*d.Repositories[0].RepositoryUri, "/")
		return &ecrtest.RegistryClient{Addr: addr, Password: func() (string, error) {
			tok, err := c.GetAuthorizationToken(ctx, &awsecr.GetAuthorizationTokenInput{})
			if err != nil {
				return "", err
			}
			b, _ := base64.StdEncoding.DecodeString(*tok.AuthorizationData[0].AuthorizationToken)
			return strings.TrimPrefix(string(b), "AWS:"), nil
		}}
	}

	srv := servertest.StartProcess(t, dataDir, port)
	if _, err := c.CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	reg := registry()
	old := reg.Push(t, "web", "v1", []byte("one"))
	kept := reg.Push(t, "web", "v2", []byte("two"))
	if _, err := c.PutLifecyclePolicy(ctx, &awsecr.PutLifecyclePolicyInput{RepositoryName: aws.String("web"),
		LifecyclePolicyText: aws.String(`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`)}); err != nil {
		t.Fatal(err)
	}
	password, _ := reg.Password()
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()

	servertest.StartProcess(t, dataDir, port)
	reg = registry()
	reg.Password = func() (string, error) { return password, nil } // the token from before the kill
	if resp, body, err := reg.Get("/v2/web/manifests/v2", ecrtest.ManifestType); err != nil || resp.StatusCode != 200 {
		t.Fatalf("pull after the kill: %v %v %s", resp, err, body)
	}
	// The policy was acknowledged too: whether it ran before the kill or
	// after the restart, only the newer image is left.
	waitFor(t, func() bool {
		d, err := c.DescribeImages(ctx, &awsecr.DescribeImagesInput{RepositoryName: aws.String("web")})
		return err == nil && len(d.ImageDetails) == 1 && *d.ImageDetails[0].ImageDigest == kept
	}, "only %s left (%s expired): %s", kept, old, describe(t, c))
}

// waitFor polls cond for up to 30 seconds, then fails saying what it
// waited for.
func waitFor(t *testing.T, cond func() bool, format string, args ...any) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited for "+format, args...)
		}
	}
}

func describe(t *testing.T, c *awsecr.Client) string {
	d, err := c.DescribeImages(context.Background(), &awsecr.DescribeImagesInput{RepositoryName: aws.String("web")})
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, i := range d.ImageDetails {
		out = append(out, fmt.Sprint(*i.ImageDigest, i.ImageTags, *i.ImagePushedAt))
	}
	return strings.Join(out, "; ")
}
