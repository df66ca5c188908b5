package gateway

import (
	"errors"
	"net"
	"net/netip"
	"net/textproto"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/upstream"
)

type integrationKind uint8

const (
	kindProxy integrationKind = iota + 1 // HTTP_PROXY
	kindHTTP                             // HTTP: integration responses map the answer
	kindMock                             // MOCK: no backend
	kindFail                             // something that cannot be called: 500
)

// integrationState is a method's integration, compiled once per stage.
type integrationState struct {
	kind    integrationKind
	reason  string // kindFail: why, for $context.integrationErrorMessage
	method  string // "" passes the client's method through (ANY)
	timeout time.Duration
	uri     *uriTemplate
	// VPC_LINK: the load balancer's address; the URI's port picks the
	// listener and its host is the Host header.
	vpcLink bool
	nlb     netip.Addr
	params  []paramMapping
	// requestTemplates by content type (MOCK reads the status from them;
	// passthroughBehavior decides whether a body without one may pass).
	templates   map[string]string
	passthrough string
	responses   []*integrationResponse // with a selectionPattern, in status order
	fallback    *integrationResponse   // the default (no selectionPattern)
}

// paramMapping is one requestParameters entry: a target
// (integration.request.{path,querystring,header}.NAME) and its source
// (method.request.{path,querystring,header}.NAME, stageVariables.NAME,
// context.NAME, or a 'literal').
type paramMapping struct {
	target byte // 'p' path, 'q' query string, 'h' header
	name   string
	source byte // 'l' literal, 'p', 'q', 'h' method request, 's' stage variable, 'c' context
	value  string
}

// integrationResponse is one integration response, compiled.
type integrationResponse struct {
	pattern   *regexp.Regexp // nil: the default
	status    int
	headers   []headerMapping
	templates map[string]string // responseTemplates by content type, returned as written
}

// headerMapping is method.response.header.NAME = 'literal' or
// integration.response.header.FROM.
type headerMapping struct {
	name, literal, from string
}

func (g *Gateway) compileIntegration(a *restapi.Snapshot, st *restapi.StageState, in *restapi.Integration) *integrationState {
	is := &integrationState{timeout: time.Duration(restapi.DefaultTimeoutMillis) * time.Millisecond}
	fail := func(reason string) *integrationState {
		is.kind, is.reason = kindFail, reason
		return is
	}
	if in == nil {
		return fail("the method has no integration")
	}
	if in.TimeoutInMillis > 0 {
		is.timeout = time.Duration(in.TimeoutInMillis) * time.Millisecond
	}
	if in.HttpMethod != "" && in.HttpMethod != restapi.AnyMethod {
		is.method = in.HttpMethod
	}
	is.templates, is.passthrough = in.RequestTemplates, in.PassthroughBehavior
	var err error
	if is.params, err = compileParams(in.RequestParameters); err != nil {
		return fail("invalid request parameters: " + err.Error())
	}
	if is.responses, is.fallback, err = compileResponses(in.IntegrationResponses); err != nil {
		return fail("invalid integration responses: " + err.Error())
	}
	switch in.Type {
	case restapi.IntegrationMock:
		is.kind = kindMock
		return is
	case restapi.IntegrationHTTPProxy:
		is.kind = kindProxy
	case restapi.IntegrationHTTP:
		is.kind = kindHTTP
	default:
		return fail("integration type " + in.Type + " is not supported")
	}
	if is.uri, err = compileURI(in.Uri); err != nil {
		return fail("invalid integration URI: " + err.Error())
	}
	if in.ConnectionType != restapi.ConnectionVpcLink {
		if is.uri.scheme == "http" && is.uri.host != "" {
			is.uri.pool = g.up.Pool(withPort(is.uri.host, "80"))
		}
		return is
	}
	is.vpcLink = true
	linkID := expandStageVariables(in.ConnectionId, st.Variables)
	link := a.VpcLink(linkID)
	switch {
	case link == nil:
		return fail("VPC link " + linkID + " does not exist")
	case link.Status != restapi.VpcLinkAvailable:
		return fail("VPC link " + linkID + " is " + link.Status)
	case len(link.TargetArns) == 0 || g.cfg.LoadBalancers == nil:
		return fail("VPC link " + linkID + " has no load balancer")
	}
	addr, ok := g.cfg.LoadBalancers.LoadBalancerAddress(link.TargetArns[0])
	if !ok {
		return fail("the load balancer of VPC link " + linkID + " does not exist")
	}
	is.nlb = addr
	if is.uri.host != "" && is.uri.scheme == "http" {
		is.uri.pool = g.up.Pool(netip.AddrPortFrom(addr, is.uri.port()).String())
	}
	return is
}

// compileParams reads requestParameters, in a stable order.
func compileParams(in map[string]string) ([]paramMapping, error) {
	names := make([]string, 0, len(in))
	for k := range in {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []paramMapping
	for _, k := range names {
		v := in[k]
		rest, ok := strings.CutPrefix(k, "integration.request.")
		if !ok {
			return nil, errors.New("unknown target " + k)
		}
		loc, name, _ := strings.Cut(rest, ".")
		m := paramMapping{name: name}
		switch loc {
		case "path":
			m.target = 'p'
		case "querystring", "multivaluequerystring":
			m.target = 'q'
		case "header", "multivalueheader":
			m.target, m.name = 'h', textproto.CanonicalMIMEHeaderKey(name)
		default:
			return nil, errors.New("unknown target " + k)
		}
		if name == "" {
			return nil, errors.New("target " + k + " has no name")
		}
		switch {
		case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
			m.source, m.value = 'l', v[1:len(v)-1]
		case strings.HasPrefix(v, "method.request.path."):
			m.source, m.value = 'p', v[len("method.request.path."):]
		case strings.HasPrefix(v, "method.request.querystring."):
			m.source, m.value = 'q', v[len("method.request.querystring."):]
		case strings.HasPrefix(v, "method.request.multivaluequerystring."):
			m.source, m.value = 'q', v[len("method.request.multivaluequerystring."):]
		case strings.HasPrefix(v, "method.request.header."):
			m.source, m.value = 'h', textproto.CanonicalMIMEHeaderKey(v[len("method.request.header."):])
		case strings.HasPrefix(v, "method.request.multivalueheader."):
			m.source, m.value = 'h', textproto.CanonicalMIMEHeaderKey(v[len("method.request.multivalueheader."):])
		case strings.HasPrefix(v, "stageVariables."):
			m.source, m.value = 's', v[len("stageVariables."):]
		case strings.HasPrefix(v, "context."):
			m.source, m.value = 'c', v[len("context."):]
		default:
			return nil, errors.New("unknown source " + v + " for " + k)
		}
		out = append(out, m)
	}
	return out, nil
}

// compileResponses orders the integration responses: those with a
// selectionPattern by status code, then the default.
func compileResponses(in map[string]*restapi.IntegrationResponse) ([]*integrationResponse, *integrationResponse, error) {
	codes := make([]string, 0, len(in))
	for k := range in {
		codes = append(codes, k)
	}
	sort.Strings(codes)
	var out []*integrationResponse
	var def *integrationResponse
	for _, code := range codes {
		src := in[code]
		if src == nil {
			continue
		}
		status, err := strconv.Atoi(src.StatusCode)
		if err != nil || status < 100 || status > 599 {
			return nil, nil, errors.New("bad status code " + strconv.Quote(src.StatusCode))
		}
		ir := &integrationResponse{status: status, templates: src.ResponseTemplates}
		for _, name := range sortedKeys(src.ResponseParameters) {
			v := src.ResponseParameters[name]
			h, ok := strings.CutPrefix(name, "method.response.header.")
			if !ok {
				continue
			}
			hm := headerMapping{name: textproto.CanonicalMIMEHeaderKey(h)}
			switch {
			case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
				hm.literal = v[1 : len(v)-1]
			case strings.HasPrefix(v, "integration.response.header."):
				hm.from = textproto.CanonicalMIMEHeaderKey(v[len("integration.response.header."):])
			default:
				continue // body mappings (JSONPath) are not applied
			}
			ir.headers = append(ir.headers, hm)
		}
		if src.SelectionPattern == "" {
			if def == nil {
				def = ir
			}
			continue
		}
		// Java's matches(): the pattern must match the whole status code.
		if ir.pattern, err = regexp.Compile(`^(?:` + src.SelectionPattern + `)$`); err != nil {
			return nil, nil, err
		}
		out = append(out, ir)
	}
	return out, def, nil
}

// choose picks the integration response for a status code: the first
// whose selectionPattern matches, else the default; nil when neither.
func (is *integrationState) choose(status string) *integrationResponse {
	for _, ir := range is.responses {
		if ir.pattern.MatchString(status) {
			return ir
		}
	}
	return is.fallback
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// expandStageVariables resolves ${stageVariables.NAME} in s.
func expandStageVariables(s string, vars map[string]string) string {
	const open = "${stageVariables."
	for {
		i := strings.Index(s, open)
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return s
		}
		s = s[:i] + vars[s[i+len(open):i+j]] + s[i+j+1:]
	}
}

// withPort adds the default port to a host without one.
func withPort(host, port string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), port)
}

// uriTemplate is an integration URI: scheme, host (authority) and a path
// and query template whose {name} placeholders take
// integration.request.path.NAME and ${stageVariables.NAME} the stage's
// variables. A host with a placeholder is rendered per request.
type uriTemplate struct {
	scheme string
	host   string    // "" when hostParts has a placeholder
	hostT  []uriPart // the host template
	path   []uriPart // path and query, as written (escaped)
	pool   *upstream.Pool
}

type uriPart struct {
	kind byte // 'l' literal, 'p' path parameter, 's' stage variable
	text string
}

func compileURI(raw string) (*uriTemplate, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return nil, errors.New(strconv.Quote(raw) + " is not an http or https URL")
	}
	// The host ends at the first '/' or '?' outside a placeholder.
	host, pathStart, depth := rest, -1, 0
	for i := 0; i < len(rest) && pathStart < 0; i++ {
		switch rest[i] {
		case '{':
			depth++
		case '}':
			depth--
		case '/', '?':
			if depth == 0 {
				pathStart = i
			}
		}
	}
	path := ""
	if pathStart >= 0 {
		host, path = rest[:pathStart], rest[pathStart:]
	}
	t := &uriTemplate{scheme: scheme}
	var err error
	if t.hostT, err = splitTemplate(host); err != nil {
		return nil, err
	}
	if len(t.hostT) == 1 && t.hostT[0].kind == 'l' {
		t.host = host
	}
	if len(t.hostT) == 0 {
		return nil, errors.New(strconv.Quote(raw) + " has no host")
	}
	if t.path, err = splitTemplate(path); err != nil {
		return nil, err
	}
	return t, nil
}

func splitTemplate(s string) ([]uriPart, error) {
	var parts []uriPart
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "${stageVariables."):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, errors.New("unterminated ${")
			}
			parts = append(parts, uriPart{'s', s[i+len("${stageVariables.") : i+end]})
			i += end + 1
		case s[i] == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, errors.New("unterminated {")
			}
			parts = append(parts, uriPart{'p', strings.TrimSuffix(s[i+1:i+end], "+")})
			i += end + 1
		default:
			j := i + 1
			for j < len(s) && s[j] != '{' && !strings.HasPrefix(s[j:], "${") {
				j++
			}
			parts = append(parts, uriPart{'l', s[i:j]})
			i = j
		}
	}
	return parts, nil
}

// port is the static host's port: the one written, else the scheme's.
func (t *uriTemplate) port() uint16 {
	return hostPort(t.host, t.scheme)
}

func hostPort(host, scheme string) uint16 {
	if _, p, err := net.SplitHostPort(host); err == nil {
		if n, err := strconv.ParseUint(p, 10, 16); err == nil {
			return uint16(n)
		}
	}
	if scheme == "https" {
		return 443
	}
	return 80
}
