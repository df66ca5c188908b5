// Command registry is the client of bench/registry.sh: it pushes an image
// of random layers to a Docker/OCI registry with the distribution API as
// docker push does (POST an upload, PATCH the layer as one stream, PUT
// with its digest, then the manifest), pulls it back (the manifest, then
// each blob), and prints one line per round:
//
//	NAME push_mbps=… pull_mbps=…
//
// Layers are fresh random bytes every round, so nothing is deduplicated.
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"time"
)

type client struct {
	base, repo, user, password string
	http                       *http.Client
}

func main() {
	name := flag.String("name", "registry", "the name to print")
	base := flag.String("registry", "http://127.0.0.1:5000", "registry base URL")
	repo := flag.String("repo", "bench", "repository")
	user := flag.String("user", "", "basic auth user (none if empty)")
	password := flag.String("password", "", "basic auth password")
	layers := flag.Int("layers", 4, "layers per image")
	sizeMB := flag.Int("layer-mb", 32, "size of each layer in MiB")
	round := flag.Int("round", 0, "round number (the tag)")
	flag.Parse()
	c := &client{base: strings.TrimSuffix(*base, "/"), repo: *repo, user: *user, password: *password,
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}}

	blobs := make([][]byte, *layers)
	for i := range blobs {
		blobs[i] = make([]byte, *sizeMB<<20)
		rand.Read(blobs[i])
	}
	total := float64(*layers * *sizeMB)
	start := time.Now()
	manifest := c.push(blobs, fmt.Sprintf("r%d", *round))
	push := time.Since(start)
	start = time.Now()
	c.pull(fmt.Sprintf("r%d", *round), manifest, len(blobs))
	pull := time.Since(start)
	fmt.Printf("%s push_mbps=%.1f pull_mbps=%.1f\n", *name, total/push.Seconds(), total/pull.Seconds())
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func (c *client) do(method, url, contentType string, body io.Reader, want int) *http.Response {
	if !strings.HasPrefix(url, "http") {
		url = c.base + url
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		log.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json")
	if c.user != "" {
		req.SetBasicAuth(c.user, c.password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	if resp.StatusCode != want {
		b, _ := io.ReadAll(resp.Body)
		log.Fatalf("%s %s: %s %s", method, url, resp.Status, b)
	}
	return resp
}

func (c *client) upload(blob []byte) {
	resp := c.do(http.MethodPost, "/v2/"+c.repo+"/blobs/uploads/", "", nil, http.StatusAccepted)
	resp.Body.Close()
	resp = c.do(http.MethodPatch, resp.Header.Get("Location"), "application/octet-stream", bytes.NewReader(blob), http.StatusAccepted)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	sep := "?"
	if strings.Contains(loc, "?") {
		sep = "&"
	}
	resp = c.do(http.MethodPut, loc+sep+"digest="+digest(blob), "", nil, http.StatusCreated)
	resp.Body.Close()
}

func (c *client) push(blobs [][]byte, tag string) []byte {
	var diffIDs []string
	var layers []any
	for _, b := range blobs {
		c.upload(b)
		diffIDs = append(diffIDs, digest(b))
		layers = append(layers, map[string]any{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(b), "digest": digest(b)})
	}
	config, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux", "rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	c.upload(config)
	m, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
		"config": map[string]any{"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config), "digest": digest(config)},
		"layers": layers})
	resp := c.do(http.MethodPut, "/v2/"+c.repo+"/manifests/"+tag, "application/vnd.docker.distribution.manifest.v2+json", bytes.NewReader(m), http.StatusCreated)
	resp.Body.Close()
	return m
}

func (c *client) pull(tag string, want []byte, n int) {
	resp := c.do(http.MethodGet, "/v2/"+c.repo+"/manifests/"+tag, "", nil, http.StatusOK)
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, want) {
		log.Fatalf("pulled another manifest:\n%s", got)
	}
	var m struct{ Layers []struct{ Digest string } }
	json.Unmarshal(got, &m)
	if len(m.Layers) != n {
		log.Fatalf("manifest has %d layers", len(m.Layers))
	}
	for _, l := range m.Layers {
		resp := c.do(http.MethodGet, "/v2/"+c.repo+"/blobs/"+l.Digest, "", nil, http.StatusOK)
		h := sha256.New()
		io.Copy(h, resp.Body)
		resp.Body.Close()
		if "sha256:"+hex.EncodeToString(h.Sum(nil)) != l.Digest {
			log.Fatalf("blob %s came back different", l.Digest)
		}
	}
}
