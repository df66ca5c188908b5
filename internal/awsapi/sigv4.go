package awsapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// SigV4 verification follows what AWS answers and what aws-sdk-go-v2's signer
// (aws/signer/v4) produces for non-S3 services; the messages are AWS's own.

const (
	sigAlgorithm       = "AWS4-HMAC-SHA256"
	sigTerminator      = "aws4_request"
	sigDateLayout      = "20060102T150405Z"
	sigDayLayout       = "20060102"
	sigMaxSkew         = 15 * time.Minute
	sigMaxExpires      = 7 * 24 * 60 * 60 // seconds; AWS caps presigned URLs at a week
	sigUnsignedPayload = "UNSIGNED-PAYLOAD"
	// sigMaxCachedKeys bounds the signing-key cache: region and service come
	// from the client, so anyone who knows an access key id could grow it.
	sigMaxCachedKeys = 1024
)

// Credentials is one access key pair the server accepts.
type Credentials struct{ AccessKeyID, SecretAccessKey string }

// Scope is what a verified signature tells about the request: its credential
// scope. The caller decides whether Region and Service are ones it serves.
type Scope struct{ AccessKeyID, Date, Region, Service string }

// Authorization is a parsed AWS4-HMAC-SHA256 Authorization header.
// Date, Region and Service come from the credential scope.
type Authorization struct {
	AccessKeyID, Date, Region, Service string
	SignedHeaders                      []string
	Signature                          string
}

// sigAuth is an Authorization plus what verification needs besides.
type sigAuth struct {
	Authorization
	credential string // "key/date/region/service/terminator", as sent
	terminator string
}

// Verifier checks SigV4 signatures against a fixed set of credentials.
type Verifier struct {
	secrets map[string]string // access key id -> secret
	now     func() time.Time
	keys    sync.Map // credential string -> derived signing key ([]byte)
	nkeys   atomic.Int64
	// sessions, when set, knows the temporary credentials STS issued
	// (session.go).
	sessions SessionKeys
}

// NewVerifier returns a Verifier accepting creds; a later duplicate access
// key id replaces an earlier one. now nil means time.Now.
func NewVerifier(creds []Credentials, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	v := &Verifier{secrets: make(map[string]string, len(creds)), now: now}
	for _, c := range creds {
		v.secrets[c.AccessKeyID] = c.SecretAccessKey
	}
	return v
}

// Errors whose text never varies.
var (
	errSigMissingToken = StatusErrorf(http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
	errSigUnknownKey   = Errorf("UnrecognizedClientException", "The security token included in the request is invalid.")
	errSigMismatch     = Errorf("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	errSigHostUnsigned = Errorf("InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	errSigBoth         = Errorf("InvalidSignatureException", "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
	errSigPayloadHash  = Errorf("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
	errSigURLExpired   = StatusErrorf(http.StatusForbidden, "AccessDenied", "Request has expired")
)

func sigIncomplete(format string, args ...any) *Error {
	return Errorf("IncompleteSignatureException", format, args...)
}

// Verify checks r's Authorization header (AWS4-HMAC-SHA256), or its
// presigned query string, against body (the full request body, already
// read). It returns an *Error with AWS's code on failure.
func (v *Verifier) Verify(r *http.Request, body []byte) (Scope, error) {
	query, err := sigParseQuery(r.URL.RawQuery)
	if err != nil {
		return Scope{}, err
	}
	header := r.Header.Get("Authorization")
	presigned := slices.ContainsFunc(query, func(p sigParam) bool { return p.key == "X-Amz-Algorithm" })
	var (
		a       sigAuth
		stamp   string
		expires = -1 // seconds; -1: not presigned
	)
	switch {
	case header != "" && presigned:
		return Scope{}, errSigBoth
	case presigned:
		a, stamp, expires, err = sigParsePresigned(query)
	case header != "":
		// AWS accepts the Date header when X-Amz-Date is absent (botocore sends that).
		if stamp = r.Header.Get("X-Amz-Date"); stamp == "" {
			stamp = r.Header.Get("Date")
		}
		a, err = sigParseAuthorization(header, stamp != "")
	default:
		return Scope{}, errSigMissingToken
	}
	if err != nil {
		return Scope{}, err
	}
	if !slices.Contains(a.SignedHeaders, "host") {
		return Scope{}, errSigHostUnsigned
	}
	t, ok := sigParseTime(stamp, !presigned && r.Header.Get("X-Amz-Date") == "")
	if !ok {
		return Scope{}, sigIncomplete("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", stamp)
	}
	if err := v.checkTime(t, expires); err != nil {
		return Scope{}, err
	}
	if err := sigCheckScope(a, t); err != nil {
		return Scope{}, err
	}
	secret, ok := v.secrets[a.AccessKeyID]
	if !ok {
		if secret, err = v.sessionSecret(r, a.AccessKeyID, query); err != nil {
			return Scope{}, err
		}
	}

	sum := sha256.Sum256(body)
	var bodyHash [sha256.Size * 2]byte
	hex.Encode(bodyHash[:], sum[:])
	payloadHash := bodyHash[:]
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		if h != sigUnsignedPayload && !strings.EqualFold(h, string(payloadHash)) {
			return Scope{}, errSigPayloadHash
		}
		payloadHash = []byte(h) // the client signed its header value, whatever its case
	}

	canonical := sigCanonicalRequest(r, a.SignedHeaders, query, presigned, payloadHash)
	crSum := sha256.Sum256(canonical)
	scope := a.credential[len(a.AccessKeyID)+1:]
	toSign := make([]byte, 0, len(sigAlgorithm)+len(sigDateLayout)+len(scope)+sha256.Size*2+3)
	toSign = append(toSign, sigAlgorithm+"\n"...)
	toSign = t.AppendFormat(toSign, sigDateLayout)
	toSign = append(toSign, '\n')
	toSign = append(toSign, scope...)
	toSign = append(toSign, '\n')
	toSign = hex.AppendEncode(toSign, crSum[:])

	mac := hmac.New(sha256.New, v.signingKey(a, secret))
	mac.Write(toSign)
	var want [sha256.Size * 2]byte
	hex.Encode(want[:], mac.Sum(nil))
	if !hmac.Equal([]byte(a.Signature), want[:]) {
		return Scope{}, errSigMismatch
	}
	return Scope{AccessKeyID: a.AccessKeyID, Date: a.Date, Region: a.Region, Service: a.Service}, nil
}

// sigParseTime parses the signing time: X-Amz-Date exactly in ISO 8601 basic
// format, or an HTTP Date header (botocore writes RFC 1123 with "-0000").
// The string to sign always carries the basic format.
func sigParseTime(stamp string, httpDate bool) (time.Time, bool) {
	if httpDate {
		t, err := http.ParseTime(stamp)
		if err != nil {
			t, err = time.Parse(time.RFC1123Z, stamp)
		}
		return t.UTC(), err == nil
	}
	t, err := time.Parse(sigDateLayout, stamp)
	// time.Parse would also take fractional seconds, which AWS does not.
	var buf [len(sigDateLayout)]byte
	return t, err == nil && string(t.AppendFormat(buf[:0], sigDateLayout)) == stamp
}

// checkTime enforces AWS's 15-minute clock skew window, or for a presigned
// URL that window before the signing time and X-Amz-Expires after it.
func (v *Verifier) checkTime(t time.Time, expires int) error {
	now := v.now().UTC()
	if late := now.Add(sigMaxSkew); t.After(late) {
		return Errorf("InvalidSignatureException", "Signature not yet current: %s is still later than %s (%s + 15 min.)",
			t.Format(sigDateLayout), late.Format(sigDateLayout), now.Format(sigDateLayout))
	}
	if expires >= 0 {
		if now.After(t.Add(time.Duration(expires) * time.Second)) {
			return errSigURLExpired
		}
		return nil
	}
	if early := now.Add(-sigMaxSkew); t.Before(early) {
		return Errorf("InvalidSignatureException", "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			t.Format(sigDateLayout), early.Format(sigDateLayout), now.Format(sigDateLayout))
	}
	return nil
}

// sigCheckScope checks the credential scope against the request time. AWS
// reports every problem at once; the region and service are the caller's.
func sigCheckScope(a sigAuth, t time.Time) error {
	var msgs []string
	if a.terminator != sigTerminator {
		msgs = append(msgs, "Credential should be scoped with a valid terminator: '"+sigTerminator+"', not '"+a.terminator+"'.")
	}
	var buf [len(sigDayLayout)]byte
	if day := t.AppendFormat(buf[:0], sigDayLayout); a.Date != string(day) {
		msgs = append(msgs, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+
			a.Date+"' != '"+string(day)+"', from '"+t.Format(sigDateLayout)+"'.")
	}
	if len(msgs) > 0 {
		return Errorf("InvalidSignatureException", "%s", strings.Join(msgs, " "))
	}
	return nil
}

// signingKey derives the SigV4 signing key, once per credential scope: the
// credential string names the access key (hence the secret), day, region and
// service, so it is the whole cache key and needs no allocation to build.
func (v *Verifier) signingKey(a sigAuth, secret string) []byte {
	if k, ok := v.keys.Load(a.credential); ok {
		return k.([]byte)
	}
	k := []byte("AWS4" + secret)
	for _, s := range []string{a.Date, a.Region, a.Service, sigTerminator} {
		mac := hmac.New(sha256.New, k)
		mac.Write([]byte(s))
		k = mac.Sum(nil)
	}
	if v.nkeys.Add(1) > sigMaxCachedKeys {
		v.keys.Clear()
		v.nkeys.Store(0)
	}
	v.keys.Store(a.credential, k)
	return k
}

// ParseAuthorization parses an AWS4-HMAC-SHA256 Authorization header value.
// It checks the shape only: the credential scope's terminator and date are
// checked by Verify, as AWS reports them as signature errors.
func ParseAuthorization(h string) (Authorization, error) {
	a, err := sigParseAuthorization(h, true)
	return a.Authorization, err
}

// sigParseAuthorization parses h the way AWS does: the algorithm, then
// key=value pairs separated by commas or spaces. hasDate says whether the
// request carries X-Amz-Date or Date, whose absence AWS reports together
// with missing parameters.
func sigParseAuthorization(h string, hasDate bool) (sigAuth, error) {
	alg, rest, _ := strings.Cut(h, " ")
	if alg != sigAlgorithm && strings.HasPrefix(alg, "AWS") {
		return sigAuth{}, sigIncomplete("Unsupported AWS 'algorithm': '%s'.", alg)
	}
	names := [...]string{"Credential", "Signature", "SignedHeaders"}
	var vals [len(names)]string
	var have [len(names)]bool
	for pair := range strings.FieldsFuncSeq(rest, func(c rune) bool { return c == ',' || c == ' ' }) {
		k, val, ok := strings.Cut(pair, "=")
		if !ok {
			return sigAuth{}, sigIncomplete("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", pair, h)
		}
		if i := slices.Index(names[:], k); i >= 0 {
			vals[i], have[i] = val, true
		}
	}
	var msg strings.Builder
	for i, n := range names {
		if !have[i] {
			msg.WriteString("Authorization header requires '" + n + "' parameter. ")
		}
	}
	if !hasDate {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		// AWS echoes only the scheme, not the whole header.
		return sigAuth{}, sigIncomplete("%sAuthorization=%s", msg.String(), alg)
	}
	if alg != sigAlgorithm {
		return sigAuth{}, sigIncomplete("Unsupported AWS 'algorithm': '%s'.", alg)
	}
	return sigNewAuth(vals[0], vals[2], vals[1])
}

// sigParsePresigned reads the X-Amz-* query parameters of a presigned URL.
func sigParsePresigned(query []sigParam) (a sigAuth, stamp string, expires int, err error) {
	names := [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"}
	var vals [len(names)]string
	for _, p := range query {
		if i := slices.Index(names[:], p.key); i >= 0 && vals[i] == "" {
			vals[i] = p.value
		}
	}
	var msg strings.Builder
	for i, n := range names {
		if vals[i] == "" {
			msg.WriteString("AWS query-string parameters must include '" + n + "'. ")
		}
	}
	if msg.Len() > 0 {
		return a, "", 0, sigIncomplete("%sRe-examine the query-string parameters.", msg.String())
	}
	if vals[0] != sigAlgorithm {
		return a, "", 0, sigIncomplete("Unsupported AWS 'algorithm': '%s'.", vals[0])
	}
	// Without X-Amz-Expires the URL lives as long as a header signature would.
	expires = -1
	for _, p := range query {
		if p.key == "X-Amz-Expires" {
			n, err := strconv.Atoi(p.value)
			if err != nil || n < 1 || n > sigMaxExpires {
				return a, "", 0, sigIncomplete("X-Amz-Expires must be a number of seconds between 1 and %d, not '%s'.", sigMaxExpires, p.value)
			}
			expires = n
			break
		}
	}
	a, err = sigNewAuth(vals[1], vals[3], vals[2])
	return a, vals[4], expires, err
}

func sigNewAuth(cred, signed, sig string) (sigAuth, error) {
	if strings.Count(cred, "/") != 4 {
		return sigAuth{}, sigIncomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", cred)
	}
	key, rest, _ := strings.Cut(cred, "/")
	date, rest, _ := strings.Cut(rest, "/")
	region, rest, _ := strings.Cut(rest, "/")
	service, terminator, _ := strings.Cut(rest, "/")
	return sigAuth{
		Authorization: Authorization{
			AccessKeyID: key, Date: date, Region: region, Service: service,
			SignedHeaders: strings.Split(signed, ";"),
			Signature:     sig,
		},
		credential: cred,
		terminator: terminator,
	}, nil
}

// sigParam is one decoded query parameter.
type sigParam struct{ key, value string }

// sigParseQuery decodes a raw query as url.ParseQuery does ('+' is a space),
// which is what the SDK signer sees through URL.Query, but keeps the order
// and rejects bad escapes instead of dropping the pair.
func sigParseQuery(raw string) ([]sigParam, error) {
	if raw == "" {
		return nil, nil
	}
	var params []sigParam
	for seg := range strings.SplitSeq(raw, "&") {
		if seg == "" {
			continue
		}
		k, val, _ := strings.Cut(seg, "=")
		k, err := url.QueryUnescape(k)
		if err == nil {
			val, err = url.QueryUnescape(val)
		}
		if err != nil {
			esc, _ := err.(url.EscapeError) // the only error QueryUnescape returns
			return nil, Errorf("MalformedQueryString", "Illegal hex character in escape %% pattern: %s", string(esc))
		}
		params = append(params, sigParam{k, val})
	}
	return params, nil
}

// sigCanonicalRequest builds the SigV4 canonical request as aws-sdk-go-v2
// does for non-S3 services.
func sigCanonicalRequest(r *http.Request, signed []string, query []sigParam, presigned bool, payloadHash []byte) []byte {
	b := make([]byte, 0, 512)
	b = append(b, r.Method...)
	b = append(b, '\n')

	// Non-S3 services escape the already-escaped path once more, so
	// /v2/tags/arn%3Aaws... is signed as /v2/tags/arn%253Aaws...
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b = sigAppendEscaped(b, path, false)
	b = append(b, '\n')

	// Names and values are escaped first and sorted after, as SigV4 says.
	enc := make([]sigParam, 0, len(query))
	for _, p := range query {
		if presigned && p.key == "X-Amz-Signature" {
			continue
		}
		enc = append(enc, sigParam{string(sigAppendEscaped(nil, p.key, true)), string(sigAppendEscaped(nil, p.value, true))})
	}
	slices.SortFunc(enc, func(x, y sigParam) int {
		if c := strings.Compare(x.key, y.key); c != 0 {
			return c
		}
		return strings.Compare(x.value, y.value)
	})
	for i, p := range enc {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.key...)
		b = append(b, '=')
		b = append(b, p.value...)
	}
	b = append(b, '\n')

	for _, name := range signed {
		b = append(b, name...)
		b = append(b, ':')
		b = sigAppendHeader(b, r, name)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	for i, name := range signed {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, name...)
	}
	b = append(b, '\n')
	return append(b, payloadHash...)
}

// sigAppendHeader appends the canonical value of a signed header: its values
// trimmed and comma-joined. Go keeps Host in r.Host, not r.Header; a request
// built in-process (not read from the wire) has its length in
// r.ContentLength only.
func sigAppendHeader(b []byte, r *http.Request, name string) []byte {
	switch name {
	case "host":
		if r.Host != "" {
			return sigAppendTrimmed(b, r.Host)
		}
		return sigAppendTrimmed(b, r.URL.Host)
	case "content-length":
		if _, ok := r.Header["Content-Length"]; !ok && r.ContentLength >= 0 {
			return strconv.AppendInt(b, r.ContentLength, 10)
		}
	}
	// A scan rather than Header.Values, which allocates to canonicalize
	// the lower-case name; a server's header map holds a dozen keys.
	for k, vals := range r.Header {
		if strings.EqualFold(k, name) {
			for i, v := range vals {
				if i > 0 {
					b = append(b, ',')
				}
				b = sigAppendTrimmed(b, v)
			}
			break
		}
	}
	return b
}

// sigAppendTrimmed appends v without surrounding whitespace and with each
// run of spaces collapsed to one.
func sigAppendTrimmed(b []byte, v string) []byte {
	v = strings.TrimSpace(v)
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		b = append(b, v[i])
	}
	return b
}

// sigAppendEscaped percent-encodes every byte but A-Z a-z 0-9 - . _ ~ (and
// '/' unless encodeSlash), with upper-case hex: AWS's URI encoding.
func sigAppendEscaped(b []byte, s string, encodeSlash bool) []byte {
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/' && !encodeSlash {
			b = append(b, c)
		} else {
			b = append(b, '%', hexUpper[c>>4], hexUpper[c&15])
		}
	}
	return b
}
