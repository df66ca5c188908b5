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
	route atomic.Pointer[route]
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt := h.route.Load()
	client, _ := netip.ParseAddrPort(r.RemoteAddr)
	q := request{r: r, client: client}
	for i := range rt.rules {
		rule := &rt.rules[i]
		if matches(rule.conditions, &q) {
			serveAction(w, r, rt, &rule.action)
			return
		}
	}
	// Unreachable with a default rule; a listener without one has nothing to do.
	writeELBError(w, http.StatusServiceUnavailable)
}

func serveAction(w http.ResponseWriter, r *http.Request, rt *route, a *compiledAction) {
	switch a.typ {
	case ActionFixedResponse:
		writeFixedResponse(w, a.fixed)
	case ActionRedirect:
		writeRedirect(w, r, rt.port, a.redirect)
	default:
		forward(w, r, a)
	}
}

func forward(w http.ResponseWriter, r *http.Request, a *compiledAction) {
	g, _ := a.pickGroup(r)
	if g == nil || !g.registered {
		// AWS answers 503 when the group has no target to send to.
		writeELBError(w, http.StatusServiceUnavailable)
		return
	}
	t := g.pickTarget(r)
	if a.sticky > 0 && len(a.groups) > 1 {
		setStickyCookie(w, cookieTargetGroup, g.token, a.sticky)
	}
	if g.sticky > 0 {
		setStickyCookie(w, cookieTarget, t.token, g.sticky)
	}
	t.proxy.ServeHTTP(w, r)
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
	http.StatusBadGateway:         "502 Bad Gateway",
	http.StatusServiceUnavailable: "503 Service Temporarily Unavailable",
	http.StatusGatewayTimeout:     "504 Gateway Time-out",
}

// elbErrorPages are the bodies, built once.
var elbErrorPages = func() map[int]string {
	m := make(map[int]string, len(elbStatusText))
	for code, text := range elbStatusText {
		m[code] = elbErrorBody(text)
	}
	return m
}()

func writeELBError(w http.ResponseWriter, status int) {
	body := elbErrorPages[status]
	h := w.Header()
	h.Set("Server", serverHeader)
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func writeFixedResponse(w http.ResponseWriter, f *FixedResponse) {
	h := w.Header()
	h.Set("Server", serverHeader)
	ct := f.ContentType
	if ct == "" {
		ct = "text/plain; charset=utf-8"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(f.Body)))
	w.WriteHeader(f.StatusCode)
	_, _ = w.Write([]byte(f.Body))
}

func writeRedirect(w http.ResponseWriter, r *http.Request, port string, rd *Redirect) {
	body := elbErrorPages[rd.StatusCode]
	h := w.Header()
	h.Set("Server", serverHeader)
	h.Set("Location", redirectLocation(r, port, rd))
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rd.StatusCode)
	_, _ = w.Write([]byte(body))
}

// redirectLocation builds the Location of a redirect as an ALB does:
// protocol://host:port/path?query, each component the configured one
// with #{protocol}, #{host}, #{port}, #{path} (without its leading "/")
// and #{query} replaced by the request's. The port is always written;
// the "?" only when the query is not empty.
func redirectLocation(r *http.Request, port string, rd *Redirect) string {
	host := hostOnly(r.Host)
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/")
	expand := strings.NewReplacer("#{protocol}", "http", "#{host}", host, "#{port}", port, "#{path}", path, "#{query}", r.URL.RawQuery)
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
