package awsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// FuzzSigV4 feeds arbitrary Authorization headers, dates, paths, queries,
// header values and bodies to ParseAuthorization and Verify, which must
// answer with an *Error and never panic. It also checks, differentially,
// that whatever aws-sdk-go-v2's signer signs (header or presigned), Verify
// accepts. Seeds are requests real SDK clients sent, and signer output.
func FuzzSigV4(f *testing.F) {
	srv := newSigTestServer(f)
	for _, c := range sigSDKCalls {
		_ = c.call(context.Background(), srv.URL, credentials.NewStaticCredentialsProvider(sigTestCreds.AccessKeyID, sigTestCreds.SecretAccessKey, ""))
	}
	for _, s := range srv.seen {
		f.Add(s.auth, s.date, s.path, s.query, "", s.body)
	}
	for _, tr := range sigTestRequests {
		r, body := sigNewRequest(f, tr)
		sigSDKSign(f, r, body, sigTestCreds, tr.service, sigTestTime)
		f.Add(r.Header.Get("Authorization"), r.Header.Get("X-Amz-Date"), r.URL.EscapedPath(), r.URL.RawQuery, tr.header["X-Custom"], body)
	}

	v := NewVerifier([]Credentials{sigTestCreds}, sigFixedNow)
	f.Fuzz(func(t *testing.T, auth, date, path, query, value string, body []byte) {
		if _, err := ParseAuthorization(auth); err != nil {
			sigCheckFuzzErr(t, err)
		}

		u, err := url.Parse(path)
		if err != nil {
			u = &url.URL{Path: path}
		}
		u.RawQuery = query
		r := &http.Request{Method: "POST", URL: u, Host: "localhost:4566", ContentLength: int64(len(body)),
			Header: http.Header{"Authorization": {auth}, "X-Amz-Date": {date}, "X-Custom": {value}}}
		if _, err := v.Verify(r, body); err != nil {
			sigCheckFuzzErr(t, err)
		}

		// Differential: the SDK signs, Verify must agree. A query that
		// does not parse is sent encoded, as every SDK would.
		if _, err := url.ParseQuery(query); err != nil {
			query = url.Values{"q": {query}}.Encode()
		}
		newReq := func() *http.Request {
			r, _ := http.NewRequest("POST", "http://localhost:4566/", bytes.NewReader(body))
			r.URL.Path = "/" + path
			r.URL.RawQuery = query
			r.Header.Set("X-Custom", value)
			return r
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])
		creds := aws.Credentials{AccessKeyID: sigTestCreds.AccessKeyID, SecretAccessKey: sigTestCreds.SecretAccessKey}
		signer := v4.NewSigner()

		r = newReq()
		if err := signer.SignHTTP(context.Background(), creds, r, hash, "ecs", "us-east-1", sigTestTime); err != nil {
			t.Fatal(err)
		}
		r.URL.RawQuery = query // as sent, not as the signer reordered it
		if _, err := v.Verify(r, body); err != nil {
			t.Fatalf("SDK-signed request rejected: %v\npath %q query %q value %q", err, path, query, value)
		}

		signed, _, err := signer.PresignHTTP(context.Background(), creds, newReq(), hash, "ecs", "us-east-1", sigTestTime)
		if err != nil {
			t.Fatal(err)
		}
		if r, err = http.NewRequest("POST", signed, bytes.NewReader(body)); err != nil {
			t.Fatalf("presigned URL %q: %v", signed, err)
		}
		r.Header.Set("X-Custom", value)
		if _, err := v.Verify(r, body); err != nil {
			t.Fatalf("SDK-presigned request rejected: %v\nURL %q value %q", err, signed, value)
		}
	})
}

func sigCheckFuzzErr(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code == "" || e.Message == "" || (e.Status != http.StatusBadRequest && e.Status != http.StatusForbidden) {
		t.Fatalf("error %#v is not an AWS client error", err)
	}
}
