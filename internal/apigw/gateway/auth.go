package gateway

import (
	"math"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"golang.org/x/time/rate"

	"github.com/portolan/portolan/internal/apigw"
	"github.com/portolan/portolan/internal/apigw/gateway/cors"
	"github.com/portolan/portolan/internal/apigw/jwtauth"
)

// What stands between a matched route and its integration: the stage's
// throttling, then the route's JWT authorizer. CORS preflights are answered
// before either (gateway.go).

// AWS's account-level throttling defaults: 10,000 requests per second with
// a burst of 5,000, shared by every API of the account in the Region.
const (
	DefaultAccountRate  = 10000
	DefaultAccountBurst = 5000
)

// Throttle is a steady rate (requests per second) and a burst (the token
// bucket's size).
type Throttle struct {
	Rate  float64
	Burst int
}

func newLimiter(t Throttle) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(t.Rate), t.Burst)
}

// routeThrottle returns the limits a route has in a stage: its
// routeSettings, field by field over the stage's defaultRouteSettings, over
// the account's. nil when the stage sets neither (the account's bucket
// alone applies).
func routeThrottle(st *apigw.StageState, routeKey string, account Throttle) *rate.Limiter {
	var r *float64
	var b *int32
	if d := st.DefaultRouteSettings; d != nil {
		r, b = d.ThrottlingRateLimit, d.ThrottlingBurstLimit
	}
	if rs, ok := st.RouteSettings[routeKey]; ok {
		if rs.ThrottlingRateLimit != nil {
			r = rs.ThrottlingRateLimit
		}
		if rs.ThrottlingBurstLimit != nil {
			b = rs.ThrottlingBurstLimit
		}
	}
	if r == nil && b == nil {
		return nil
	}
	t := account
	if r != nil {
		t.Rate = math.Max(*r, 0)
	}
	if b != nil {
		t.Burst = max(int(*b), 0)
	}
	return newLimiter(t)
}

// routeAuth is a route's JWT authorizer and scopes.
type routeAuth struct {
	authz  *jwtauth.Authorizer // nil: the authorizer is unusable; every request is refused
	scopes []string
	// The identity source: a header (canonical name) or a query string
	// parameter.
	header, query string
}

// compileAuthorizers builds a stage's JWT authorizers by id. The keyring is
// the gateway's, so keys outlive redeployments.
func (g *Gateway) compileAuthorizers(cfg *apigw.DeploymentConfig) map[string]*routeAuth {
	out := map[string]*routeAuth{}
	for _, a := range cfg.Authorizers {
		if a.AuthorizerType != apigw.AuthorizerJWT || a.JwtConfiguration == nil {
			continue
		}
		ra := &routeAuth{}
		if jwtauth.CheckIssuer(a.JwtConfiguration.Issuer) == nil {
			ra.authz = jwtauth.NewAuthorizer(g.keys, a.JwtConfiguration.Issuer, a.JwtConfiguration.Audience)
		}
		src := "$request.header.Authorization"
		if len(a.IdentitySource) > 0 {
			src = a.IdentitySource[0]
		}
		if h, ok := strings.CutPrefix(src, "$request.header."); ok {
			ra.header = textproto.CanonicalMIMEHeaderKey(h)
		} else if q, ok := strings.CutPrefix(src, "$request.querystring."); ok {
			ra.query = q
		}
		out[a.AuthorizerId] = ra
	}
	return out
}

// forRoute is the routeAuth of a route, with the route's scopes.
func forRoute(auths map[string]*routeAuth, r apigw.Route) *routeAuth {
	if r.AuthorizationType != apigw.AuthorizationJWT {
		return nil
	}
	base := auths[r.AuthorizerId]
	if base == nil {
		// The deployment froze a route whose authorizer it does not hold:
		// refuse rather than let requests through.
		return &routeAuth{}
	}
	ra := *base
	ra.scopes = r.AuthorizationScopes
	return &ra
}

var wwwAuthenticate = []string{"Bearer"}

// authorize runs the route's JWT authorizer. It answers 401 or 403 itself
// and returns false when the request must not reach the integration.
func (g *Gateway) authorize(w http.ResponseWriter, r *http.Request, rq *request, ra *routeAuth) bool {
	var token string
	switch {
	case ra.header != "":
		if v := r.Header[ra.header]; len(v) == 1 {
			token = jwtauth.TokenFromHeader(v[0])
		}
	case ra.query != "":
		q, _ := url.ParseQuery(rq.rawQuery)
		if v := q[ra.query]; len(v) == 1 {
			token = v[0]
		}
	}
	if ra.authz == nil {
		rq.authErr = "the authorizer's issuer is not usable"
		w.Header()["Www-Authenticate"] = wwwAuthenticate
		rq.fail(w, errUnauthorized)
		return false
	}
	claims, err := ra.authz.Verify(r.Context(), token)
	if err != nil {
		rq.authErr = err.Error()
		w.Header()["Www-Authenticate"] = wwwAuthenticate
		rq.fail(w, errUnauthorized)
		return false
	}
	rq.claims = claims
	if !claims.HasAnyScope(ra.scopes) {
		rq.authErr = "the token does not have the required scope"
		rq.fail(w, errForbidden)
		return false
	}
	return true
}

// preflight answers a CORS preflight request: 204, with the CORS headers
// when the configuration allows the request.
func (g *Gateway) preflight(w http.ResponseWriter, r *http.Request, rq *request, p *cors.Policy) {
	p.Preflight(w.Header(), r)
	rq.wroteHeader, rq.status = true, http.StatusNoContent
	w.WriteHeader(http.StatusNoContent)
}

// compileCors converts an API's corsConfiguration.
func compileCors(c *apigw.Cors) *cors.Policy {
	if c == nil {
		return nil
	}
	cfg := &cors.Config{AllowOrigins: c.AllowOrigins, AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders, ExposeHeaders: c.ExposeHeaders, MaxAge: c.MaxAge}
	if c.AllowCredentials != nil {
		cfg.AllowCredentials = *c.AllowCredentials
	}
	return cors.Compile(cfg)
}
