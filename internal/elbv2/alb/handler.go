package alb

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// handler serves one listener from its current route.
type handler struct {
	route   atomic.Pointer[route]
	buffers *bufferPool
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt := h.route.Load()
	client, _ := netip.ParseAddrPort(r.RemoteAddr)
	q := request{r: r, client: client}
	for i := range rt.rules {
		rule := &rt.rules[i]
		if matches(rule.conditions, &q) {
			serveAction(w, r, rt, &rule.action, h.buffers)
			return
		}
	}
	// Unreachable with a default rule; a listener without one has nothing to do.
	writeELBError(w, http.StatusServiceUnavailable)
}

func serveAction(w http.ResponseWriter, r *http.Request, rt *route, a *compiledAction, buffers *bufferPool) {
	switch a.typ {
	case ActionFixedResponse:
		a.fixed.write(w)
	case ActionRedirect:
		writeRedirect(w, r, rt.port, a.redirect)
	default:
		forward(w, r, rt, a, buffers)
	}
}

func forward(w http.ResponseWriter, r *http.Request, rt *route, a *compiledAction, buffers *bufferPool) {
	g, _ := a.pickGroup(r)
	if g == nil || !g.registered {
		// AWS answers 503 when the group has no target to send to.
		writeELBError(w, http.StatusServiceUnavailable)
		return
	}
	g.counters.requests.Add(1)
	t := g.pickTarget(r)
	t.counter.requests.Add(1)
	if a.sticky > 0 && len(a.groups) > 1 {
		setStickyCookie(w, cookieTargetGroup, g.token, a.sticky)
	}
	if g.sticky > 0 {
		setStickyCookie(w, cookieTarget, t.token, g.sticky)
	}
	serveForward(w, r, rt, t.pool, buffers)
}

// setStickyCookie (re)sets a stickiness cookie on every response, as an
// ALB does, so that the duration runs from the client's last request.
func setStickyCookie(w http.ResponseWriter, name, value string, d time.Duration) {
	c := http.Cookie{Name: name, Value: value, Path: "/", Expires: time.Now().Add(d).UTC()}
	w.Header().Add("Set-Cookie", c.String())
}

// serverHeader is the Server header on every answer the balancer itself
// produces (errors, fixed responses, redirects).
const serverHeader = "awselb/2.0"

// elbErrorBody is AWS's error page: a small HTML page titled with the
// status line, CRLF line ends (its 502 is 122 bytes, its 503 162).
func elbErrorBody(status string) string {
	return "<html>\r\n<head><title>" + status + "</title></head>\r\n<body>\r\n<center><h1>" + status + "</h1></center>\r\n</body>\r\n</html>\r\n"
}

// The status lines AWS's pages carry (504's is nginx's "Time-out").
var elbStatusText = map[int]string{
	http.StatusMovedPermanently:   "301 Moved Permanently",
	http.StatusFound:              "302 Found",
	http.StatusBadRequest:         "400 Bad Request",
	http.StatusBadGateway:         "502 Bad Gateway",
	http.StatusServiceUnavailable: "503 Service Temporarily Unavailable",
	http.StatusGatewayTimeout:     "504 Gateway Time-out",
}

// canned is an answer the balancer gives itself, built once: its header
// values are shared by every response that carries them (net/http only
// reads them), so serving one allocates nothing.
type canned struct {
	status        int
	contentType   []string
	contentLength []string
	body          []byte
}

func newCanned(status int, contentType, body string) *canned {
	return &canned{status: status, contentType: []string{contentType}, contentLength: []string{strconv.Itoa(len(body))}, body: []byte(body)}
}

// fixedResponse is a fixed-response action's answer.
func fixedResponse(f *FixedResponse) *canned {
	ct := f.ContentType
	if ct == "" {
		ct = "text/plain; charset=utf-8"
	}
	return newCanned(f.StatusCode, ct, f.Body)
}

var serverValue = []string{serverHeader}

// elbPages are AWS's error and redirect pages, by status.
var elbPages = func() map[int]*canned {
	m := make(map[int]*canned, len(elbStatusText))
	for code, text := range elbStatusText {
		m[code] = newCanned(code, "text/html", elbErrorBody(text))
	}
	return m
}()

func (c *canned) write(w http.ResponseWriter) {
	h := w.Header()
	h["Server"] = serverValue
	h["Content-Type"] = c.contentType
	h["Content-Length"] = c.contentLength
	w.WriteHeader(c.status)
	_, _ = w.Write(c.body)
}

func writeELBError(w http.ResponseWriter, status int) { elbPages[status].write(w) }

func writeRedirect(w http.ResponseWriter, r *http.Request, port string, rd *Redirect) {
	w.Header().Set("Location", redirectLocation(r, port, rd))
	elbPages[rd.StatusCode].write(w)
}

// redirectLocation builds the Location of a redirect as an ALB does:
// protocol://host:port/path?query, each component the configured one
// with #{protocol}, #{host}, #{port}, #{path} (without its leading "/")
// and #{query} replaced by the request's. The port is always written;
// the "?" only when the query is not empty.
func redirectLocation(r *http.Request, port string, rd *Redirect) string {
	host := hostOnly(r.Host)
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/")
	expand := strings.NewReplacer("#{protocol}", scheme(r), "#{host}", host, "#{port}", port, "#{path}", path, "#{query}", r.URL.RawQuery)
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	protocol := strings.ToLower(expand.Replace(or(rd.Protocol, "#{protocol}")))
	loc := protocol + "://" + expand.Replace(or(rd.Host, "#{host}")) + ":" + expand.Replace(or(rd.Port, "#{port}")) +
		expand.Replace(or(rd.Path, "/#{path}"))
	if query := expand.Replace(or(rd.Query, "#{query}")); query != "" {
		loc += "?" + query
	}
	return loc
}
