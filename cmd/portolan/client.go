package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The client commands (deploy, destroy, logs, status) talk to a running
// server over HTTP; this is how they reach it.

func apiFlag(fs *flag.FlagSet) *string {
	return fs.String("api", "127.0.0.1:4566", "address of the Portolan server")
}

// apiDo sends a request, signed, to the server at api.
func apiDo(ctx context.Context, method, api, path string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+api+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if err := sign(ctx, req, body); err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("no Portolan server at %s (start one with 'portolan server'): %w", api, err)
	}
	return resp, nil
}

// apiGet sends a signed GET to one of the server's /_portolan endpoints
// and returns the response if it is a 200.
func apiGet(ctx context.Context, api, path string) (*http.Response, error) {
	resp, err := apiDo(ctx, http.MethodGet, api, path, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var e struct{ Message string }
	if json.Unmarshal(b, &e) == nil && e.Message != "" {
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusBadRequest {
			return nil, errors.New(e.Message)
		}
		return nil, fmt.Errorf("%s: %s", resp.Status, e.Message)
	}
	return nil, fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
}

// sign adds a SigV4 signature when AWS credentials are in the environment,
// as a server started with --access-key-id requires of every request.
func sign(ctx context.Context, req *http.Request, body []byte) error {
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if key == "" || secret == "" {
		return nil
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = os.Getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		region = "us-east-1"
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: os.Getenv("AWS_SESSION_TOKEN")}
	return v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "portolan", region, time.Now())
}
