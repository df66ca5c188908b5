package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestSigV4RejectsStaleAndTampered sends raw CreateHttpNamespace requests,
// signed with the SDK's own signer, to a server that requires credentials:
// one signed 16 minutes ago or ahead (outside AWS's 15-minute skew), or
// whose body changed after signing, is refused with AWS's error and creates
// nothing. The same request signed now and sent as signed goes through, so
// the refusals are the server's judgement, not a malformed request.
func TestSigV4RejectsStaleAndTampered(t *testing.T) {
	const key, secret = "AKIDPORTOLAN", "s3cret"
	env := servertest.Start(t, func(c *server.Config) { c.AccessKeyID, c.SecretAccessKey = key, secret })
	url := "http://" + env.Server.APIAddr() + "/"
	c := sd.NewFromConfig(env.AWS)
	ctx := context.Background()

	// send signs signedBody at signedAt and sends body.
	send := func(t *testing.T, signedBody, body string, signedAt time.Time, header map[string]string) (*http.Response, map[string]string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "Route53AutoNaming_v20170314.CreateHttpNamespace")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		sum := sha256.Sum256([]byte(signedBody))
		if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
			req, hex.EncodeToString(sum[:]), "servicediscovery", "us-east-1", signedAt); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out map[string]string
		json.Unmarshal(b, &out)
		return resp, out
	}
	namespaces := func(t *testing.T) []string {
		t.Helper()
		out, err := c.ListNamespaces(ctx, &sd.ListNamespacesInput{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, ns := range out.Namespaces {
			names = append(names, aws.ToString(ns.Name))
		}
		slices.Sort(names)
		return names
	}
	if _, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("existing")}); err != nil {
		t.Fatal(err)
	}

	const signed, tampered = `{"Name":"signed"}`, `{"Name":"sneaky"}` // same length: only the content differs
	bodyHash := sha256.Sum256([]byte(signed))
	cases := []struct {
		name         string
		body         string
		signedAt     time.Duration // from now
		header       map[string]string
		code, prefix string
	}{
		{name: "stale X-Amz-Date", body: signed, signedAt: -16 * time.Minute,
			code: "InvalidSignatureException", prefix: "Signature expired: "},
		{name: "X-Amz-Date in the future", body: signed, signedAt: 16 * time.Minute,
			code: "InvalidSignatureException", prefix: "Signature not yet current: "},
		{name: "body changed after signing", body: tampered,
			code: "InvalidSignatureException", prefix: "The request signature we calculated does not match the signature you provided."},
		// With the payload hash in a signed header the header itself is
		// right, so the server must hash the body it got to catch it.
		{name: "body changed under X-Amz-Content-Sha256", body: tampered,
			header: map[string]string{"X-Amz-Content-Sha256": hex.EncodeToString(bodyHash[:])},
			code:   "XAmzContentSHA256Mismatch", prefix: "The provided 'x-amz-content-sha256' header does not match what was computed."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, names := env.Server.StoreRevision(), namespaces(t)
			resp, body := send(t, signed, tc.body, time.Now().Add(tc.signedAt), tc.header)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("x-amzn-ErrorType") != tc.code ||
				body["__type"] != tc.code || !strings.HasPrefix(body["Message"], tc.prefix) {
				t.Fatalf("got %s, x-amzn-ErrorType %q, body %v; want 400 %s %q…",
					resp.Status, resp.Header.Get("x-amzn-ErrorType"), body, tc.code, tc.prefix)
			}
			if after := namespaces(t); env.Server.StoreRevision() != before || !slices.Equal(after, names) {
				t.Fatalf("refused request changed state: namespaces %v, then %v", names, after)
			}
		})
	}

	resp, body := send(t, signed, signed, time.Now(), nil)
	if resp.StatusCode != http.StatusOK || body["OperationId"] == "" {
		t.Fatalf("request signed now and sent as signed: %s %v", resp.Status, body)
	}
	if names := namespaces(t); !slices.Equal(names, []string{"existing", "signed"}) {
		t.Fatalf("namespaces = %v, want existing and signed", names)
	}
}
