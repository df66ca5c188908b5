package awsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/smithy-go"
)

var (
	sigTestCreds = Credentials{AccessKeyID: "AKIDPORTOLAN", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYPORTOLAN"}
	// Five minutes before midnight, so a request can cross into the next day
	// while staying inside the 15-minute window.
	sigTestTime = time.Date(2026, 3, 14, 23, 55, 0, 0, time.UTC)
)

// sigTestRequest is a request of the shape an SDK sends.
type sigTestRequest struct {
	service, method, url, body string
	header                     map[string]string
}

var sigTestRequests = map[string]sigTestRequest{
	"servicediscovery": {service: "servicediscovery", method: "POST", url: "http://localhost:4566/",
		header: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Route53AutoNaming_v20170314.ListNamespaces"},
		body:   `{"MaxResults":10}`},
	"ecs": {service: "ecs", method: "POST", url: "http://127.0.0.1:4566/",
		header: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters"},
		body:   `{}`},
	"logs": {service: "logs", method: "POST", url: "http://localhost:4566/",
		header: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.PutLogEvents"},
		body:   `{"logGroupName":"/ecs/web","logEvents":[{"timestamp":1,"message":"héllo  \t wörld"}]}`},
	"apigateway tags": {service: "apigateway", method: "GET",
		url: "http://localhost:4566/v2/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Fapis%2Fabc"},
	"apigateway query": {service: "apigateway", method: "GET",
		// Repeated names sort by value; names sort after encoding ("b%2Fc" < "b-c").
		url: "http://localhost:4566/v2/apis?maxResults=10&nextToken=a%2Fb%20c%2Bd&a=z&a=&a=b&z&b-c=1&b%2Fc=2"},
	"apigateway spaces in headers": {service: "apigateway", method: "POST", url: "http://localhost:4566/v2/apis/abc/routes",
		header: map[string]string{"Content-Type": "application/json", "X-Custom": "  a   b  c  "},
		body:   `{"RouteKey":"GET /pets/{id}"}`},
}

func sigNewRequest(t testing.TB, tr sigTestRequest) (*http.Request, []byte) {
	t.Helper()
	body := []byte(tr.body)
	r, err := http.NewRequest(tr.method, tr.url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range tr.header {
		r.Header.Set(k, v)
	}
	return r, body
}

// sigSDKSign signs r with aws-sdk-go-v2's own signer.
func sigSDKSign(t testing.TB, r *http.Request, body []byte, c Credentials, service string, at time.Time) {
	t.Helper()
	sum := sha256.Sum256(body)
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey},
		r, hex.EncodeToString(sum[:]), service, "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
}

func sigFixedNow() time.Time { return sigTestTime }

func TestVerifyAcceptsSDKSignatures(t *testing.T) {
	v := NewVerifier([]Credentials{{"AKIDOTHER", "other"}, sigTestCreds}, sigFixedNow)
	for name, tr := range sigTestRequests {
		for _, skew := range []time.Duration{0, -15 * time.Minute, 15 * time.Minute} {
			t.Run(fmt.Sprintf("%s/%v", name, skew), func(t *testing.T) {
				r, body := sigNewRequest(t, tr)
				raw := r.URL.RawQuery
				sigSDKSign(t, r, body, sigTestCreds, tr.service, sigTestTime.Add(skew))
				// The signer rewrites the query in canonical order; other
				// clients send theirs as built, which must verify too.
				r.URL.RawQuery = raw
				scope, err := v.Verify(r, body)
				if err != nil {
					t.Fatalf("Verify: %v\nAuthorization: %s", err, r.Header.Get("Authorization"))
				}
				want := Scope{AccessKeyID: sigTestCreds.AccessKeyID, Date: sigTestTime.Add(skew).Format("20060102"), Region: "us-east-1", Service: tr.service}
				if scope != want {
					t.Errorf("scope = %+v, want %+v", scope, want)
				}
			})
		}
	}
}

// TestVerifyAWSExamples checks vectors published by AWS, oracles independent
// of the SDK: the IAM ListUsers example of the SigV4 documentation, and
// get-vanilla of the original SigV4 test suite, signed with a Date header
// rather than X-Amz-Date (as botocore does when a request carries Date).
func TestVerifyAWSExamples(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	for _, tc := range []struct {
		name, url string
		header    map[string]string
		now       time.Time
	}{
		{"iam ListUsers", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", map[string]string{
			"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
			"X-Amz-Date":   "20150830T123600Z",
			"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
				"SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
		}, time.Date(2015, 8, 30, 12, 40, 0, 0, time.UTC)},
		{"get-vanilla with Date", "http://host.foo.com/", map[string]string{
			"Date": "Mon, 09 Sep 2011 23:36:00 GMT",
			"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/host/aws4_request, " +
				"SignedHeaders=date;host, Signature=b27ccfbfa7df52a200ff74193ca6e32d4b48b8856fab7ebf1c595d0670a7e470",
		}, time.Date(2011, 9, 9, 23, 40, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest("GET", tc.url, nil)
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			v := NewVerifier([]Credentials{{"AKIDEXAMPLE", secret}}, func() time.Time { return tc.now })
			if _, err := v.Verify(r, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestVerifyPresigned(t *testing.T) {
	tr := sigTestRequests["apigateway query"]
	r, body := sigNewRequest(t, tr)
	q := r.URL.Query()
	q.Set("X-Amz-Expires", "300")
	r.URL.RawQuery = q.Encode()
	sum := sha256.Sum256(body)
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: sigTestCreds.AccessKeyID, SecretAccessKey: sigTestCreds.SecretAccessKey},
		r, hex.EncodeToString(sum[:]), "apigateway", "us-east-1", sigTestTime)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		now  time.Time
		code string
	}{
		{"fresh", sigTestTime.Add(299 * time.Second), ""},
		{"expired", sigTestTime.Add(301 * time.Second), "AccessDenied"},
		{"not yet valid", sigTestTime.Add(-16 * time.Minute), "InvalidSignatureException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr, _ := http.NewRequest("GET", signed, nil)
			_, err := NewVerifier([]Credentials{sigTestCreds}, func() time.Time { return tc.now }).Verify(pr, nil)
			sigCheckErr(t, err, tc.code)
		})
	}
}

func sigCheckErr(t *testing.T, err error, code string) *Error {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		return nil
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Verify = %v, want *Error %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("Verify = %v, want code %s", err, code)
	}
	return e
}

func TestVerifyRejects(t *testing.T) {
	for _, tc := range verifyRejectCases() {
		t.Run(tc.name, func(t *testing.T) {
			tr := sigTestRequests["servicediscovery"]
			r, body := sigNewRequest(t, tr)
			creds := sigTestCreds
			if tc.creds != nil {
				creds = *tc.creds
			}
			sigSDKSign(t, r, body, creds, tr.service, sigTestTime.Add(tc.signAt))
			if tc.mutate != nil {
				body = tc.mutate(r, body)
			}
			_, err := NewVerifier([]Credentials{sigTestCreds}, sigFixedNow).Verify(r, body)
			e := sigCheckErr(t, err, tc.code)
			if tc.status != 0 && e.Status != tc.status {
				t.Errorf("status = %d, want %d", e.Status, tc.status)
			}
			if tc.msg != "" && e.Message != tc.msg {
				t.Errorf("message:\n got %q\nwant %q", e.Message, tc.msg)
			}
		})
	}
}

// verifyReject is a signed request spoiled one way, and the AWS error its
// verification must give.
type verifyReject struct {
	name   string
	signAt time.Duration // offset from sigTestTime
	creds  *Credentials
	mutate func(r *http.Request, body []byte) []byte
	code   string
	status int
	msg    string // exact, when set
}

// verifyRejectCases lists TestVerifyRejects' cases.
func verifyRejectCases() []verifyReject {
	const (
		mismatch    = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
		goodCred    = "Credential=AKIDPORTOLAN/20260314/us-east-1/servicediscovery/aws4_request"
		goodSigned  = "SignedHeaders=content-type;host;x-amz-date;x-amz-target"
		goodSigPart = "Signature=0000000000000000000000000000000000000000000000000000000000000000"
	)
	setAuth := func(h string) func(*http.Request, []byte) []byte {
		return func(r *http.Request, b []byte) []byte { r.Header.Set("Authorization", h); return b }
	}
	return []verifyReject{
		{name: "wrong secret", creds: &Credentials{sigTestCreds.AccessKeyID, "not-the-secret"},
			code: "InvalidSignatureException", status: 400, msg: mismatch},
		{name: "unknown access key", creds: &Credentials{"AKIDNOBODY", sigTestCreds.SecretAccessKey},
			code: "UnrecognizedClientException", status: 400, msg: "The security token included in the request is invalid."},
		{name: "stale by 16 min", signAt: -16 * time.Minute, code: "InvalidSignatureException", status: 400,
			msg: "Signature expired: 20260314T233900Z is now earlier than 20260314T234000Z (20260314T235500Z - 15 min.)"},
		{name: "future by 16 min", signAt: 16 * time.Minute, code: "InvalidSignatureException", status: 400,
			msg: "Signature not yet current: 20260315T001100Z is still later than 20260315T001000Z (20260314T235500Z + 15 min.)"},
		{name: "tampered body", code: "InvalidSignatureException", msg: mismatch,
			mutate: func(r *http.Request, b []byte) []byte { return []byte(`{"MaxResults":11}`) }},
		{name: "tampered body under X-Amz-Content-Sha256", code: "XAmzContentSHA256Mismatch",
			mutate: func(r *http.Request, b []byte) []byte {
				sum := sha256.Sum256(b)
				r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
				return append(b, ' ')
			}},
		{name: "tampered signed header", code: "InvalidSignatureException", msg: mismatch,
			mutate: func(r *http.Request, b []byte) []byte {
				r.Header.Set("X-Amz-Target", "Route53AutoNaming_v20170314.DeleteNamespace")
				return b
			}},
		{name: "removed signed header", code: "InvalidSignatureException", msg: mismatch,
			mutate: func(r *http.Request, b []byte) []byte { r.Header.Del("Content-Type"); return b }},
		{name: "other host", code: "InvalidSignatureException", msg: mismatch,
			mutate: func(r *http.Request, b []byte) []byte { r.Host = "evil.example"; return b }},
		{name: "other path", code: "InvalidSignatureException", msg: mismatch,
			mutate: func(r *http.Request, b []byte) []byte { r.URL.Path = "/x"; return b }},
		{name: "added query", code: "InvalidSignatureException", msg: mismatch,
			mutate: func(r *http.Request, b []byte) []byte { r.URL.RawQuery = "a=b"; return b }},
		{name: "other method", code: "InvalidSignatureException", msg: mismatch,
			mutate: func(r *http.Request, b []byte) []byte { r.Method = "PUT"; return b }},
		{name: "scope date is not the X-Amz-Date day", code: "InvalidSignatureException",
			msg:    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260314' != '20260315', from '20260315T000500Z'.",
			mutate: func(r *http.Request, b []byte) []byte { r.Header.Set("X-Amz-Date", "20260315T000500Z"); return b }},
		{name: "no authentication", code: "MissingAuthenticationTokenException", status: 403, msg: "Missing Authentication Token",
			mutate: func(r *http.Request, b []byte) []byte { r.Header.Del("Authorization"); return b }},
		{name: "scheme only", code: "IncompleteSignatureException", status: 400,
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256",
			mutate: setAuth("AWS4-HMAC-SHA256")},
		{name: "no SignedHeaders and no date", code: "IncompleteSignatureException",
			msg: "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256",
			mutate: func(r *http.Request, b []byte) []byte {
				r.Header.Del("X-Amz-Date")
				r.Header.Set("Authorization", "AWS4-HMAC-SHA256 "+goodCred+", "+goodSigPart)
				return b
			}},
		{name: "bearer token", code: "IncompleteSignatureException",
			msg:    "'abc.def' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer abc.def'.",
			mutate: setAuth("Bearer abc.def")},
		{name: "space in access key", code: "IncompleteSignatureException",
			msg:    "'/20260314/us-east-1/servicediscovery/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=AKIDPORTOLAN /20260314/us-east-1/servicediscovery/aws4_request, SignedHeaders=host, Signature=00'.",
			mutate: setAuth("AWS4-HMAC-SHA256 Credential=AKIDPORTOLAN /20260314/us-east-1/servicediscovery/aws4_request, SignedHeaders=host, Signature=00")},
		{name: "other algorithm", code: "IncompleteSignatureException", msg: "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'.",
			mutate: setAuth("AWS4-ECDSA-P256-SHA256 " + goodCred + ", " + goodSigned + ", " + goodSigPart)},
		{name: "short credential", code: "IncompleteSignatureException",
			msg:    "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDPORTOLAN/20260314/us-east-1'",
			mutate: setAuth("AWS4-HMAC-SHA256 Credential=AKIDPORTOLAN/20260314/us-east-1, " + goodSigned + ", " + goodSigPart)},
		{name: "bad terminator", code: "InvalidSignatureException",
			msg:    "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
			mutate: setAuth("AWS4-HMAC-SHA256 Credential=AKIDPORTOLAN/20260314/us-east-1/servicediscovery/aws5_request, " + goodSigned + ", " + goodSigPart)},
		{name: "host not signed", code: "InvalidSignatureException", msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
			mutate: setAuth("AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=content-type;x-amz-date, " + goodSigPart)},
		{name: "X-Amz-Date not basic format", code: "IncompleteSignatureException",
			msg:    "Date must be in ISO-8601 'basic format'. Got '2026-03-14T23:55:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
			mutate: func(r *http.Request, b []byte) []byte { r.Header.Set("X-Amz-Date", "2026-03-14T23:55:00Z"); return b }},
		{name: "X-Amz-Date with fraction", code: "IncompleteSignatureException",
			mutate: func(r *http.Request, b []byte) []byte { r.Header.Set("X-Amz-Date", "20260314T235500.5Z"); return b }},
		{name: "header and presigned query", code: "InvalidSignatureException",
			msg:    "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
			mutate: func(r *http.Request, b []byte) []byte { r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256"; return b }},
		{name: "incomplete presigned query", code: "IncompleteSignatureException",
			msg: "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. " +
				"AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
			mutate: func(r *http.Request, b []byte) []byte {
				r.Header.Del("Authorization")
				r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
				return b
			}},
		{name: "bad query escape", code: "MalformedQueryString", msg: "Illegal hex character in escape % pattern: %yy",
			mutate: func(r *http.Request, b []byte) []byte { r.URL.RawQuery = "a=%yy"; return b }},
	}
}

func TestParseAuthorization(t *testing.T) {
	r, body := sigNewRequest(t, sigTestRequests["ecs"])
	sigSDKSign(t, r, body, sigTestCreds, "ecs", sigTestTime)
	a, err := ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	if a.AccessKeyID != sigTestCreds.AccessKeyID || a.Date != "20260314" || a.Region != "us-east-1" || a.Service != "ecs" ||
		len(a.Signature) != 64 || strings.Join(a.SignedHeaders, ";") != "content-length;content-type;host;x-amz-date;x-amz-target" {
		t.Errorf("ParseAuthorization = %+v", a)
	}
	// Routing by signing service must not need the date header.
	if _, err := ParseAuthorization("AWS4-HMAC-SHA256 Credential=k/20260314/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=x"); err != nil {
		t.Error(err)
	}
}

func TestSigningKeyCacheIsBounded(t *testing.T) {
	v := NewVerifier([]Credentials{sigTestCreds}, sigFixedNow)
	for i := range 3 * sigMaxCachedKeys {
		tr := sigTestRequests["ecs"]
		r, body := sigNewRequest(t, tr)
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: sigTestCreds.AccessKeyID, SecretAccessKey: sigTestCreds.SecretAccessKey},
			r, fmt.Sprintf("%x", sha256.Sum256(body)), "ecs", fmt.Sprintf("region-%d", i), sigTestTime)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(r, body); err != nil {
			t.Fatal(err)
		}
	}
	if n := v.nkeys.Load(); n > sigMaxCachedKeys {
		t.Errorf("%d cached keys, want at most %d", n, sigMaxCachedKeys)
	}
}

// sigTestServer answers every request after verifying it, with an empty JSON
// object or the AWS error, and remembers the scope of the last request.
type sigTestServer struct {
	*httptest.Server
	mu    sync.Mutex
	scope Scope
	seen  []sigSeenRequest // for the fuzz seed corpus
}

// sigSeenRequest is what FuzzSigV4 takes from a request a real client sent.
type sigSeenRequest struct {
	auth, date, path, query string
	body                    []byte
}

func newSigTestServer(t testing.TB) *sigTestServer {
	s := &sigTestServer{}
	v := NewVerifier([]Credentials{sigTestCreds}, nil)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		scope, err := v.Verify(r, body)
		s.mu.Lock()
		s.scope = scope
		s.seen = append(s.seen, sigSeenRequest{r.Header.Get("Authorization"), r.Header.Get("X-Amz-Date"), r.URL.EscapedPath(), r.URL.RawQuery, body})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if err != nil {
			e := AsError(err)
			w.Header().Set("X-Amzn-Errortype", e.Code)
			w.WriteHeader(e.Status)
			json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "message": e.Message})
			return
		}
		io.WriteString(w, "{}")
	}))
	t.Cleanup(s.Close)
	return s
}

// sigSDKCalls are real aws-sdk-go-v2 operations of the services Portolan
// emulates; the SDK's exact bytes reach Verify.
var sigSDKCalls = []struct {
	name, service string
	call          func(ctx context.Context, endpoint string, creds aws.CredentialsProvider) error
}{
	{"servicediscovery ListNamespaces", "servicediscovery", func(ctx context.Context, ep string, c aws.CredentialsProvider) error {
		cl := servicediscovery.New(servicediscovery.Options{Region: "us-east-1", BaseEndpoint: &ep, Credentials: c, RetryMaxAttempts: 1})
		_, err := cl.ListNamespaces(ctx, &servicediscovery.ListNamespacesInput{MaxResults: aws.Int32(10)})
		return err
	}},
	{"ecs ListClusters", "ecs", func(ctx context.Context, ep string, c aws.CredentialsProvider) error {
		cl := ecs.New(ecs.Options{Region: "us-east-1", BaseEndpoint: &ep, Credentials: c, RetryMaxAttempts: 1})
		_, err := cl.ListClusters(ctx, &ecs.ListClustersInput{})
		return err
	}},
	{"apigatewayv2 GetTags", "apigateway", func(ctx context.Context, ep string, c aws.CredentialsProvider) error {
		cl := apigatewayv2.New(apigatewayv2.Options{Region: "us-east-1", BaseEndpoint: &ep, Credentials: c, RetryMaxAttempts: 1})
		_, err := cl.GetTags(ctx, &apigatewayv2.GetTagsInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/apis/abc 1+2")})
		return err
	}},
	{"apigatewayv2 GetApis", "apigateway", func(ctx context.Context, ep string, c aws.CredentialsProvider) error {
		cl := apigatewayv2.New(apigatewayv2.Options{Region: "us-east-1", BaseEndpoint: &ep, Credentials: c, RetryMaxAttempts: 1})
		_, err := cl.GetApis(ctx, &apigatewayv2.GetApisInput{MaxResults: aws.String("10"), NextToken: aws.String("a/b c+d=")})
		return err
	}},
	{"logs DescribeLogGroups", "logs", func(ctx context.Context, ep string, c aws.CredentialsProvider) error {
		cl := cloudwatchlogs.New(cloudwatchlogs.Options{Region: "us-east-1", BaseEndpoint: &ep, Credentials: c, RetryMaxAttempts: 1})
		_, err := cl.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/ecs/wéb")})
		return err
	}},
}

func TestVerifyEndToEnd(t *testing.T) {
	srv := newSigTestServer(t)
	for _, call := range sigSDKCalls {
		for _, tc := range []struct {
			name  string
			creds Credentials
			code  string
		}{
			{"valid", sigTestCreds, ""},
			{"wrong secret", Credentials{sigTestCreds.AccessKeyID, "wrong"}, "InvalidSignatureException"},
			{"unknown key", Credentials{"AKIDNOBODY", sigTestCreds.SecretAccessKey}, "UnrecognizedClientException"},
		} {
			t.Run(call.name+"/"+tc.name, func(t *testing.T) {
				err := call.call(context.Background(), srv.URL, credentials.NewStaticCredentialsProvider(tc.creds.AccessKeyID, tc.creds.SecretAccessKey, ""))
				if tc.code == "" {
					if err != nil {
						t.Fatal(err)
					}
					srv.mu.Lock()
					defer srv.mu.Unlock()
					if srv.scope.Service != call.service || srv.scope.Region != "us-east-1" {
						t.Errorf("scope = %+v, want service %s", srv.scope, call.service)
					}
					return
				}
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
					t.Fatalf("err = %v, want API error %s", err, tc.code)
				}
			})
		}
	}
}

// TestVerifyAWSCLI drives the AWS CLI, whose botocore signer is a second
// independent implementation, against the same verifying server.
func TestVerifyAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil || testing.Short() {
		t.Skip("needs the aws CLI, and seconds")
	}
	srv := newSigTestServer(t)
	home := t.TempDir()
	// Nothing of the developer's AWS setup may leak in.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+home, "AWS_CONFIG_FILE="+home+"/none", "AWS_SHARED_CREDENTIALS_FILE="+home+"/none",
		"AWS_ACCESS_KEY_ID="+sigTestCreds.AccessKeyID, "AWS_DEFAULT_REGION=us-east-1", "AWS_MAX_ATTEMPTS=1")
	for _, tc := range []struct {
		args         []string
		secret, code string
	}{
		{[]string{"servicediscovery", "list-namespaces"}, sigTestCreds.SecretAccessKey, ""},
		{[]string{"servicediscovery", "list-namespaces"}, "wrong", "InvalidSignatureException"},
		{[]string{"ecs", "list-clusters"}, sigTestCreds.SecretAccessKey, ""},
		{[]string{"apigatewayv2", "get-tags", "--resource-arn", "arn:aws:apigateway:us-east-1::/apis/abc 1+2"}, sigTestCreds.SecretAccessKey, ""},
		{[]string{"apigatewayv2", "get-apis", "--max-results", "10", "--next-token", "a/b c+d="}, sigTestCreds.SecretAccessKey, ""},
		{[]string{"logs", "describe-log-groups", "--log-group-name-prefix", "/ecs/wéb"}, sigTestCreds.SecretAccessKey, ""},
	} {
		t.Run(strings.Join(tc.args, " ")+"/"+tc.secret, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command("aws", append(tc.args, "--endpoint-url", srv.URL)...)
			cmd.Env = append(slices.Clip(env), "AWS_SECRET_ACCESS_KEY="+tc.secret)
			out, err := cmd.CombinedOutput()
			if tc.code == "" && err != nil || tc.code != "" && !strings.Contains(string(out), tc.code) {
				t.Fatalf("aws %s: %v\n%s", strings.Join(tc.args, " "), err, out)
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	v := NewVerifier([]Credentials{sigTestCreds}, sigFixedNow)
	r, body := sigNewRequest(b, sigTestRequests["servicediscovery"])
	sigSDKSign(b, r, body, sigTestCreds, "servicediscovery", sigTestTime)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, body); err != nil {
			b.Fatal(err)
		}
	}
}
