package ecrtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/ecr"
)

// ManifestType is the Docker image manifest's media type.
const ManifestType = "application/vnd.docker.distribution.manifest.v2+json"

// RegistryClient speaks the distribution API to a registry as docker
// push and pull do, with a fresh password for every request.
type RegistryClient struct {
	Addr     string
	Password func() (string, error)
}

// RegistryClient is a client of the harness's registry.
func (e *Env) RegistryClient() *RegistryClient {
	return &RegistryClient{Addr: e.RegistryAddr, Password: func() (string, error) {
		return e.ECR.Password(context.Background(), time.Now().Add(time.Hour))
	}}
}

// Push, TryPush, Get and Status are the RegistryClient's, on the
// harness's registry.
func (e *Env) Push(t testing.TB, repo, tag string, content []byte) string {
	t.Helper()
	return e.RegistryClient().Push(t, repo, tag, content)
}

func (e *Env) TryPush(repo, tag string, content []byte) (int, string, error) {
	return e.RegistryClient().TryPush(repo, tag, content)
}

func (e *Env) Get(path, accept string) (*http.Response, []byte, error) {
	return e.RegistryClient().Get(path, accept)
}

func (e *Env) Status(method, path string) (int, error) {
	return e.RegistryClient().Status(method, path)
}

// Push uploads an image of one layer (content) to the registry as tag
// ("" for none) with the distribution API, as a docker push does, and
// returns the manifest's digest. It fails the test on any error.
func (e *RegistryClient) Push(t testing.TB, repo, tag string, content []byte) string {
	t.Helper()
	status, digest, err := e.TryPush(repo, tag, content)
	if err != nil || status != http.StatusCreated {
		t.Fatalf("push %s:%s: %d %v", repo, tag, status, err)
	}
	return digest
}

// TryPush is Push that reports the manifest PUT's status instead of
// failing (err is for what is not the registry's answer).
func (e *RegistryClient) TryPush(repo, tag string, content []byte) (status int, digest string, err error) {
	config := []byte(fmt.Sprintf(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]}}`, sha(content)))
	for _, blob := range [][]byte{content, config} {
		if err := e.uploadBlob(repo, blob); err != nil {
			return 0, "", err
		}
	}
	m, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ManifestType,
		"config": map[string]any{"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config), "digest": sha(config)},
		"layers": []any{map[string]any{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(content), "digest": sha(content)}}})
	ref := tag
	if ref == "" {
		ref = ecr.Digest(m)
	}
	resp, err := e.do(http.MethodPut, "/v2/"+repo+"/manifests/"+ref, ManifestType, m)
	if err != nil {
		return 0, "", err
	}
	return resp.StatusCode, ecr.Digest(m), nil
}

func (e *RegistryClient) uploadBlob(repo string, blob []byte) error {
	resp, err := e.do(http.MethodPost, "/v2/"+repo+"/blobs/uploads/", "", nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("start upload: %s", resp.Status)
	}
	loc := resp.Header.Get("Location")
	sep := "?"
	if bytes.Contains([]byte(loc), []byte("?")) {
		sep = "&"
	}
	resp, err = e.do(http.MethodPut, loc+sep+"digest="+sha(blob), "application/octet-stream", blob)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("upload blob: %s", resp.Status)
	}
	return nil
}

// Get fetches a registry path with a fresh token.
func (e *RegistryClient) Get(path string, accept string) (*http.Response, []byte, error) {
	req, _ := http.NewRequest(http.MethodGet, e.registryURL(path), nil)
	req.Header.Set("Accept", accept)
	resp, err := e.send(req)
	if err != nil {
		return nil, nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, b, err
}

func (e *RegistryClient) registryURL(path string) string {
	if len(path) > 4 && path[:4] == "http" {
		return path
	}
	return "http://" + e.Addr + path
}

func (e *RegistryClient) do(method, path, contentType string, body []byte) (*http.Response, error) {
	req, _ := http.NewRequest(method, e.registryURL(path), bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := e.send(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, nil
}

func (e *RegistryClient) send(req *http.Request) (*http.Response, error) {
	password, err := e.Password()
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(ecr.TokenUser, password)
	return http.DefaultClient.Do(req)
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Status sends a request without a body to the registry, with a fresh
// token, and returns the status of its answer.
func (e *RegistryClient) Status(method, path string) (int, error) {
	resp, err := e.do(method, path, "", nil)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}
