package cognito

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The HTTP endpoints a pool has besides its API, served on the API port
// by host name, as AWS serves them on hosts of their own:
//
//	cognito-idp.<region>.localhost         /<poolId>/.well-known/openid-configuration
//	                                       /<poolId>/.well-known/jwks.json
//	<domain>.auth.<region>.localhost       POST /oauth2/token
//
// (*.localhost resolves to loopback without any DNS set-up.) The pool
// domain's AWS name, <domain>.auth.<region>.amazoncognito.com, is answered
// too, for a client pointed here through /etc/hosts or a proxy.

// maxFormBytes bounds a token request's form.
const maxFormBytes = 64 << 10

// Endpoints serves the discovery documents and the token endpoint, and
// hands every other request (the API itself, on any host) to next.
func (c *Control) Endpoints(next http.Handler) http.Handler {
	idpHost := "cognito-idp." + c.cfg.Region + ".localhost"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := strings.ToLower(r.Host)
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if host == idpHost && r.Method == http.MethodGet {
			c.serveDiscovery(w, r)
			return
		}
		if domain, ok := c.domainOf(host); ok {
			c.serveDomain(w, r, domain)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// domainOf is the domain prefix a host names.
func (c *Control) domainOf(host string) (string, bool) {
	for _, suffix := range []string{".auth." + c.cfg.Region + ".localhost", ".auth." + c.cfg.Region + ".amazoncognito.com"} {
		if d, ok := strings.CutSuffix(host, suffix); ok && d != "" && !strings.Contains(d, ".") {
			return d, true
		}
	}
	return "", false
}

func (c *Control) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	poolID, doc, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	s := c.view.Value()
	var pk *poolKeys
	if s != nil {
		pk = s.keys[poolID]
	}
	if pk == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "User pool " + poolID + " does not exist."})
		return
	}
	switch doc {
	case ".well-known/jwks.json":
		w.Header().Set("Content-Type", "application/json")
		w.Write(pk.jwks)
	case ".well-known/openid-configuration":
		base := "http://" + r.Host + "/" + poolID
		cfg := map[string]any{
			"issuer":                                c.Issuer(poolID),
			"jwks_uri":                              base + "/.well-known/jwks.json",
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported":              []string{"code", "token"},
			"scopes_supported":                      []string{"openid", "email", "phone", "profile"},
			"subject_types_supported":               []string{"public"},
			"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		}
		for d, id := range s.domains {
			if id == poolID {
				_, port, _ := net.SplitHostPort(r.Host)
				origin := "http://" + d + ".auth." + c.cfg.Region + ".localhost"
				if port != "" {
					origin += ":" + port
				}
				cfg["token_endpoint"] = origin + "/oauth2/token"
			}
		}
		writeJSON(w, http.StatusOK, cfg)
	default:
		http.NotFound(w, r)
	}
}

// oauthError is an OAuth2 error response (RFC 6749 5.2).
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (e *oauthError) Error() string { return e.Code }

func oauthErr(code, desc string) *oauthError { return &oauthError{Code: code, Description: desc} }

// tokenRequest is a parsed POST /oauth2/token.
type tokenRequest struct {
	GrantType    string
	ClientID     string
	ClientSecret string
	Scopes       []string
	RefreshToken string
}

// parseTokenRequest reads a token request: a form body, and the client's
// credentials from HTTP Basic (each part form-encoded, RFC 6749 2.3.1) or
// from the form, never both.
func parseTokenRequest(contentType, authorization string, body []byte) (*tokenRequest, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, oauthErr("invalid_request", "Content-Type must be application/x-www-form-urlencoded")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, oauthErr("invalid_request", "the body is not a valid form")
	}
	for name, vs := range form {
		if len(vs) > 1 {
			return nil, oauthErr("invalid_request", "parameter "+name+" repeated")
		}
	}
	req := &tokenRequest{GrantType: form.Get("grant_type"), ClientID: form.Get("client_id"), ClientSecret: form.Get("client_secret"),
		Scopes: scopeList(form.Get("scope")), RefreshToken: form.Get("refresh_token")}
	if authorization != "" {
		scheme, cred, _ := strings.Cut(authorization, " ")
		if !strings.EqualFold(scheme, "basic") {
			return nil, oauthErr("invalid_client", "unsupported authorization scheme")
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		if err != nil {
			return nil, oauthErr("invalid_client", "malformed basic credentials")
		}
		id, secret, ok := strings.Cut(string(raw), ":")
		if !ok {
			return nil, oauthErr("invalid_client", "malformed basic credentials")
		}
		if id, err = url.QueryUnescape(id); err != nil {
			return nil, oauthErr("invalid_client", "malformed basic credentials")
		}
		if secret, err = url.QueryUnescape(secret); err != nil {
			return nil, oauthErr("invalid_client", "malformed basic credentials")
		}
		if req.ClientSecret != "" || (req.ClientID != "" && req.ClientID != id) {
			return nil, oauthErr("invalid_request", "client credentials given twice")
		}
		req.ClientID, req.ClientSecret = id, secret
	}
	switch {
	case req.GrantType == "":
		return nil, oauthErr("invalid_request", "grant_type is required")
	case req.ClientID == "":
		return nil, oauthErr("invalid_client", "client_id is required")
	}
	return req, nil
}

// serveDomain serves a pool domain's OAuth2 endpoints.
func (c *Control) serveDomain(w http.ResponseWriter, r *http.Request, domain string) {
	if r.URL.Path != "/oauth2/token" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, oauthErr("invalid_request", "use POST"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, oauthErr("invalid_request", "the body is too large"))
		return
	}
	var poolID string
	if s := c.view.Value(); s != nil {
		poolID = s.domains[domain]
	}
	if poolID == "" {
		http.NotFound(w, r)
		return
	}
	req, err := parseTokenRequest(r.Header.Get("Content-Type"), r.Header.Get("Authorization"), body)
	var out any
	if err == nil {
		out, err = c.token(r.Context(), poolID, req)
	}
	var oe *oauthError
	switch {
	case errors.As(err, &oe):
		status := http.StatusBadRequest
		if oe.Code == "invalid_client" && r.Header.Get("Authorization") != "" {
			status = http.StatusUnauthorized
			w.Header().Set("WWW-Authenticate", `Basic realm="oauth2"`)
		}
		writeJSON(w, status, oe)
	case err != nil:
		c.log.Error("token endpoint", "err", err)
		writeJSON(w, http.StatusInternalServerError, oauthErr("server_error", ""))
	default:
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, out)
	}
}

// token answers a parsed token request for a pool.
func (c *Control) token(ctx context.Context, poolID string, req *tokenRequest) (any, error) {
	cl, _, err := c.client(ctx, req.ClientID)
	if err != nil || cl.UserPoolId != poolID {
		return nil, oauthErr("invalid_client", "")
	}
	if cl.ClientSecret != "" && subtle.ConstantTimeCompare([]byte(cl.ClientSecret), []byte(req.ClientSecret)) != 1 {
		return nil, oauthErr("invalid_client", "")
	}
	switch req.GrantType {
	case "client_credentials":
		if cl.ClientSecret == "" {
			return nil, oauthErr("invalid_client", "")
		}
		if !cl.AllowedOAuthFlowsUserPoolClient || !slices.Contains(cl.AllowedOAuthFlows, "client_credentials") {
			return nil, oauthErr("unauthorized_client", "")
		}
		scopes := req.Scopes
		for _, s := range scopes {
			if !slices.Contains(cl.AllowedOAuthScopes, s) {
				return nil, oauthErr("invalid_scope", "")
			}
		}
		if len(scopes) == 0 {
			scopes = cl.AllowedOAuthScopes
		}
		tok, life, err := c.clientToken(ctx, cl, scopes)
		if err != nil {
			return nil, err
		}
		return map[string]any{"access_token": tok, "expires_in": life, "token_type": "Bearer"}, nil
	case "refresh_token":
		p, _, err := c.pool(ctx, poolID)
		if err != nil {
			return nil, err
		}
		if req.RefreshToken == "" {
			return nil, oauthErr("invalid_request", "refresh_token is required")
		}
		// The client proved its secret itself: no SECRET_HASH here.
		out, err := c.refreshAuth(ctx, p, cl, map[string]string{"REFRESH_TOKEN": req.RefreshToken}, true)
		if errors.Is(err, ErrNotAuthorized) {
			return nil, oauthErr("invalid_grant", "")
		}
		if err != nil {
			return nil, err
		}
		res := out.AuthenticationResult
		return map[string]any{"id_token": res.IdToken, "access_token": res.AccessToken, "expires_in": res.ExpiresIn, "token_type": "Bearer"}, nil
	case "authorization_code":
		return nil, oauthErr("unsupported_grant_type", "the hosted sign-in pages are not emulated, so there are no authorization codes")
	}
	return nil, oauthErr("unsupported_grant_type", "")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
