package gateway

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// mock answers a MOCK integration: the request template for the request's
// content type names the status ({"statusCode": 200}; 200 without a
// template, or when statusCode is not a number: there is no VTL engine),
// which selects the integration response whose template is the body.
func (g *Gateway) mock(w http.ResponseWriter, r *http.Request, rq *request, is *integrationState) {
	tmpl, has := is.templates[requestContentType(r)]
	if !has && r.ContentLength != 0 && !is.bodyPasses(requestContentType(r)) {
		rq.fail(w, errUnsupportedMedia)
		return
	}
	status := 200
	if has {
		if n, ok := templateStatus(tmpl); ok {
			status = n
		}
	}
	rq.integCalled, rq.integStatus = true, status
	ir := is.choose(statusText(status))
	if ir == nil {
		rq.integErr = "no integration response matches status " + statusText(status) + " and there is no default"
		rq.fail(w, errInternal)
		return
	}
	g.respond(w, r, rq, ir, nil)
}

// templateStatus reads the literal statusCode of a MOCK request template.
func templateStatus(tmpl string) (int, bool) {
	i := strings.Index(tmpl, `"statusCode"`)
	if i < 0 {
		return 0, false
	}
	s := strings.TrimLeft(tmpl[i+len(`"statusCode"`):], " \t\r\n")
	s, ok := strings.CutPrefix(s, ":")
	if !ok {
		return 0, false
	}
	s = strings.TrimLeft(s, " \t\r\n\"")
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil || n < 100 || n > 599 {
		return 0, false
	}
	return n, true
}

// respond writes the method response an integration response maps to:
// its status, its header mappings (static 'values' and, from backend, the
// integration's response headers) and, when it has a response template for
// the content type the client accepts, that template as the body, as
// written (true). Otherwise it writes the head only (false) and the
// caller passes the integration's body through as application/json.
func (g *Gateway) respond(w http.ResponseWriter, r *http.Request, rq *request, ir *integrationResponse, backend http.Header) bool {
	h := w.Header()
	for _, hm := range ir.headers {
		v := hm.literal
		if hm.from != "" {
			if vv := backend[hm.from]; len(vv) > 0 {
				v = vv[0]
			}
		}
		if v != "" {
			h[hm.name] = []string{v}
		}
	}
	rq.wroteHeader, rq.status = true, ir.status
	ct, body, ok := pickTemplate(ir.templates, r.Header.Get("Accept"))
	if !ok {
		h["Content-Type"] = jsonContentType
		w.WriteHeader(ir.status)
		return false
	}
	h["Content-Type"] = []string{ct}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(ir.status)
	n, _ := io.WriteString(w, body)
	rq.respLen = int64(n)
	return true
}

// pickTemplate chooses the response template for the Accept header: an
// exact media type it lists, else application/json.
func pickTemplate(templates map[string]string, accept string) (string, string, bool) {
	if len(templates) == 0 {
		return "", "", false
	}
	for _, part := range strings.Split(accept, ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil {
			if t, ok := templates[mt]; ok {
				return mt, t, true
			}
		}
	}
	t, ok := templates["application/json"]
	return "application/json", t, ok
}
