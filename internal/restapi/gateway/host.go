package gateway

import (
	"net/http"
	"strings"
)

// The host names a REST API is invoked by ("Invoking a private API",
// https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-test-invoke-url.html),
// locally with Domain in place of execute-api.{region}.amazonaws.com:
//
//	{restApiId}.execute-api.localhost                     public endpoint
//	{restApiId}.execute-api.{region}.amazonaws.com        public endpoint, or, when an
//	                                                      execute-api VPC endpoint has private
//	                                                      DNS on, that endpoint (as in its VPC)
//	{restApiId}-{vpceId}.execute-api.localhost            through the VPC endpoint
//	{restApiId}-{vpceId}.execute-api.{region}.amazonaws.com
//	{vpceDnsName} (vpce-….execute-api.…) with x-apigw-api-id: {restApiId}
//
// A private API answers 403 Forbidden on the public endpoint, and a
// public API answers 403 Forbidden through a VPC endpoint (the VPC of an
// endpoint with private DNS on cannot reach public APIs, as on AWS).

// hostForm is how a host name reached the gateway.
type hostForm uint8

const (
	hostUnknown     hostForm = iota
	hostPublic               // {id}.execute-api.localhost
	hostRegional             // {id}.execute-api.{region}.amazonaws.com
	hostAlias                // {id}-{vpce}.execute-api.…
	hostEndpointDNS          // the VPC endpoint's own DNS name
)

// parseHost reads a request's host (and x-apigw-api-id, for an endpoint's
// own DNS name) without allocating unless it has upper-case letters.
func (g *Gateway) parseHost(host, apiHeader string) (apiID, vpceID string, form hostForm) {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		host = host[:i]
	}
	host = lower(host)
	first, rest, ok := strings.Cut(host, ".")
	if !ok || first == "" {
		return "", "", hostUnknown
	}
	rest = "." + rest // compare with the suffixes, which start with '.'
	switch {
	case rest == g.local || rest == g.aws || rest == g.regional:
		form = hostPublic
		if rest == g.aws {
			form = hostRegional
		}
		if id, vpce, ok := strings.Cut(first, "-"); ok {
			if !strings.HasPrefix(vpce, "vpce-") || id == "" {
				return "", "", hostUnknown
			}
			return id, vpce, hostAlias
		}
		return first, "", form
	case strings.HasPrefix(rest, ".execute-api.") && strings.HasPrefix(first, "vpce-"):
		// vpce-0123456789abcdef0-a1b2c3d4[-us-east-1a].execute-api.…: the id
		// is the first two dash-separated parts.
		id := first
		if i := strings.IndexByte(first[len("vpce-"):], '-'); i >= 0 {
			id = first[:len("vpce-")+i]
		}
		if apiHeader == "" {
			return "", "", hostUnknown
		}
		return lower(apiHeader), id, hostEndpointDNS
	}
	return "", "", hostUnknown
}

// ServesHost reports whether a request for host (with its
// x-apigw-api-id header, apiHeader) names one of this gateway's REST APIs:
// a server that shares a listener among gateways (one per region) asks
// each.
func (g *Gateway) ServesHost(host, apiHeader string) bool {
	snap := g.current()
	if snap == nil {
		return false
	}
	id, _, form := g.parseHost(host, apiHeader)
	return form != hostUnknown && snap.apis[id] != nil
}

// selectAPI finds the API a request is for, and the VPC endpoint it came
// through ("" for the public endpoint). ok is false when the request may
// not reach an API this way: no such API or endpoint, a private API on
// the public endpoint, a public one through an endpoint, or
// disableExecuteApiEndpoint; all answer 403 Forbidden.
func (g *Gateway) selectAPI(snap *snapshot, r *http.Request) (*apiState, string, bool) {
	var apiHeader []string
	if v := r.Header["X-Apigw-Api-Id"]; len(v) > 0 {
		apiHeader = v
	}
	first := ""
	if len(apiHeader) > 0 {
		first = apiHeader[0]
	}
	id, vpce, form := g.parseHost(r.Host, first)
	if form == hostUnknown {
		return nil, "", false
	}
	api := snap.apis[id]
	if api == nil {
		return nil, "", false
	}
	if form == hostRegional && g.cfg.Endpoints != nil {
		// Inside a VPC whose endpoint has private DNS, the API's regional
		// name resolves to the endpoint.
		if e, ok := g.cfg.Endpoints.PrivateDNSEndpoint(); ok {
			vpce = e
		} else {
			// No endpoint's private DNS claims the name, so a private
			// hosted zone's alias to the API's own endpoint resolved it
			// (the closed-network design): the call came through that
			// endpoint. With several, which one is unknowable here.
			vpce = api.soleEndpoint
		}
	}
	if vpce == "" {
		if api.private || api.disabled {
			return nil, "", false
		}
		return api, "", true
	}
	if !api.private || g.cfg.Endpoints == nil {
		return nil, "", false
	}
	if _, ok := g.cfg.Endpoints.Endpoint(vpce); !ok {
		return nil, "", false
	}
	return api, vpce, true
}

// stageFor picks the stage the first path segment names; rest is the
// path after it ("" for the stage's root).
func (a *apiState) stageFor(raw string) (*stageState, string) {
	if len(raw) < 2 {
		return nil, ""
	}
	seg, _, _ := strings.Cut(raw[1:], "/")
	st := a.stages[seg]
	if st == nil {
		return nil, ""
	}
	return st, raw[1+len(seg):]
}

// lower lower-cases ASCII, allocating only when there is an upper-case
// letter.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
