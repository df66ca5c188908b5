package gateway

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/restapi"
)

// render fills a URI template for one request: a {name} takes
// integration.request.path.NAME (escaped for a path, a greedy value keeping
// its slashes), a ${stageVariables.NAME} the stage's variable as written.
func (g *Gateway) render(parts []uriPart, r *http.Request, rq *request, is *integrationState) string {
	if len(parts) == 1 && parts[0].kind == 'l' {
		return parts[0].text
	}
	var b strings.Builder
	for _, p := range parts {
		switch p.kind {
		case 'l':
			b.WriteString(p.text)
		case 's':
			b.WriteString(rq.st.vars[p.text])
		case 'p':
			b.WriteString(g.pathValue(p.text, r, rq, is))
		}
	}
	return b.String()
}

// pathValue is integration.request.path.NAME, escaped for a path: from
// its mapping, else (leniently; AWS requires the mapping) the method's
// path parameter of the same name.
func (g *Gateway) pathValue(name string, r *http.Request, rq *request, is *integrationState) string {
	for i := range is.params {
		m := &is.params[i]
		if m.target != 'p' || m.name != name {
			continue
		}
		if m.source == 'p' {
			if p, ok := rq.params.Lookup(m.value); ok {
				return p.Escaped()
			}
			return ""
		}
		return escapePath(g.paramValue(m, r, rq))
	}
	if p, ok := rq.params.Lookup(name); ok {
		return p.Escaped()
	}
	return ""
}

// paramValue is a mapping's source value for this request.
func (g *Gateway) paramValue(m *paramMapping, r *http.Request, rq *request) string {
	switch m.source {
	case 'l':
		return m.value
	case 'p':
		return rq.params.Get(m.value)
	case 'q':
		q, _ := url.ParseQuery(rq.rawQuery)
		return q.Get(m.value)
	case 'h':
		return r.Header.Get(m.value)
	case 's':
		return rq.st.vars[m.value]
	case 'c':
		v, _ := lookupCtx(m.value)
		return string(appendCtx(nil, v, rq, r, g.cfg.AccountID))
	}
	return ""
}

// mappedQuery adds the integration.request.querystring mappings to query.
func (g *Gateway) mappedQuery(query string, r *http.Request, rq *request, is *integrationState) string {
	for i := range is.params {
		m := &is.params[i]
		if m.target != 'q' {
			continue
		}
		if v := g.paramValue(m, r, rq); v != "" {
			query = joinQuery(query, url.QueryEscape(m.name)+"="+url.QueryEscape(v))
		}
	}
	return query
}

// mappedHeaders sets the integration.request.header mappings on h; values
// that would split a header line are dropped.
func (g *Gateway) mappedHeaders(h http.Header, r *http.Request, rq *request, is *integrationState) {
	for i := range is.params {
		m := &is.params[i]
		if m.target != 'h' {
			continue
		}
		if v := g.paramValue(m, r, rq); v != "" && !strings.ContainsAny(v, "\r\n\x00") {
			h[m.name] = []string{v}
		}
	}
}

// escapePath escapes a decoded value for a URL path, keeping '/'.
func escapePath(v string) string {
	parts := strings.Split(v, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// requestContentType is the request's media type, application/json when
// it has none (as REST APIs assume).
func requestContentType(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "application/json"
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	return strings.ToLower(ct)
}

// bodyPasses applies passthroughBehavior to a request body of content
// type ct (templates are not applied: there is no VTL engine): a type with
// a template passes; a type without one passes under WHEN_NO_MATCH (the
// default), and under WHEN_NO_TEMPLATES only when no template is defined;
// NEVER refuses it (415).
func (is *integrationState) bodyPasses(ct string) bool {
	if _, ok := is.templates[ct]; ok {
		return true
	}
	switch is.passthrough {
	case restapi.PassthroughNever:
		return false
	case restapi.PassthroughWhenNoTemplates:
		return len(is.templates) == 0
	}
	return true
}

// statusText is a status code's digits.
func statusText(code int) string { return strconv.Itoa(code) }

func itoa(n int) string { return strconv.Itoa(n) }
