package registry_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/portolan/portolan/internal/ecr"
	"github.com/portolan/portolan/internal/ecr/ecrtest"
)

func get(t *testing.T, url, user, password string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// TestAuthentication: the registry takes the user AWS with a password of
// this registry's, until it expires, as ECR does.
func TestAuthentication(t *testing.T) {
	e := ecrtest.Start(t, "")
	ctx := context.Background()
	base := "http://" + e.RegistryAddr + "/v2/"
	good, err := e.ECR.Password(ctx, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := e.ECR.Password(ctx, time.Now().Add(-time.Second))
	cases := []struct {
		name, user, password string
		status               int
		says                 string
	}{
		{"no credentials", "", "", 401, "Not Authorized"},
		{"another user", "admin", good, 401, "invalid"},
		{"a forged password", "AWS", good[:len(good)-2] + "xx", 401, "invalid"},
		{"an expired password", "AWS", expired, 403, "expired"},
		{"a good password", "AWS", good, 200, "{}"},
	}
	for _, tc := range cases {
		resp, body := get(t, base, tc.user, tc.password)
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d %s, want %d saying %q", tc.name, resp.StatusCode, body, tc.status, tc.says)
		}
		if tc.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic realm=") {
			t.Errorf("%s: WWW-Authenticate %q", tc.name, resp.Header.Get("WWW-Authenticate"))
		}
	}
	if resp, _ := get(t, "http://"+e.RegistryAddr+"/v2/_catalog", "AWS", good); resp.StatusCode != 405 {
		t.Errorf("_catalog: %d", resp.StatusCode)
	}

	// GetAuthorizationToken: base64 "AWS:<password>" for this registry.
	tok, err := e.Client().GetAuthorizationToken(ctx, &awsecr.GetAuthorizationTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	d := tok.AuthorizationData[0]
	if *d.ProxyEndpoint != "http://"+e.RegistryAddr || time.Until(*d.ExpiresAt) < 11*time.Hour {
		t.Fatalf("authorization data %+v", d)
	}
}

// TestRestart: images, tags and tokens outlive a restart on the same data.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	e := ecrtest.Start(t, dir)
	ctx := context.Background()
	if _, err := e.Client().CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	digest := e.Push(t, "web", "v1", []byte("layer"))
	password, _ := e.ECR.Password(ctx, time.Now().Add(time.Hour))
	e.Stop()

	e = ecrtest.Start(t, dir)
	resp, body := get(t, "http://"+e.RegistryAddr+"/v2/web/manifests/v1", ecr.TokenUser, password)
	if resp.StatusCode != 200 || ecr.Digest([]byte(body)) != digest {
		t.Fatalf("after the restart: %d %s", resp.StatusCode, body)
	}
	if resp, _, err := e.Get("/v2/web/blobs/"+sha256Of([]byte("layer")), ""); err != nil || resp.StatusCode != 200 {
		t.Fatalf("layer after the restart: %v %v", resp, err)
	}
}

func sha256Of(b []byte) string { return ecr.Digest(b) }

// TestCrossRepositoryMount: a blob mounts from a repository ECR has, never
// from one it deleted (whose blobs are still stored): that is an upload.
func TestCrossRepositoryMount(t *testing.T) {
	e := ecrtest.Start(t, "")
	ctx := context.Background()
	for _, name := range []string{"aa", "bb", "cc"} {
		if _, err := e.Client().CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	e.Push(t, "aa", "v1", []byte("shared layer"))
	e.Push(t, "cc", "v1", []byte("shared layer"))
	layer := sha256Of([]byte("shared layer"))
	if _, err := e.Client().DeleteRepository(ctx, &awsecr.DeleteRepositoryInput{RepositoryName: aws.String("cc"), Force: true}); err != nil {
		t.Fatal(err)
	}
	for from, want := range map[string]int{"aa": 201, "cc": 202} {
		status, err := e.Status("POST", "/v2/bb/blobs/uploads/?mount="+layer+"&from="+from)
		if err != nil || status != want {
			t.Errorf("mount from %s: %d %v, want %d", from, status, err, want)
		}
	}
}
