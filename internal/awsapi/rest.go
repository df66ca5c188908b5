package awsapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// RESTRequest is what a restJson1 operation sees.
type RESTRequest struct {
	*http.Request
	Body []byte
	// Params holds the path labels of the matched pattern, unescaped.
	Params map[string]string
}

// RESTHandler is one restJson1 operation. It returns the success status (201
// for creates, 204 for deletes...) and the value to encode (nil: no body).
type RESTHandler func(ctx context.Context, r *RESTRequest) (status int, out any, err error)

// RawBody is an operation's output that is its whole HTTP body (an
// output shape whose member is the payload, such as ExportApi's), written
// as it is.
type RawBody struct {
	ContentType string
	Data        []byte
}

// RESTService is a restJson1 service: operations chosen by method and path.
type RESTService struct {
	routes []restRoute
}

type restRoute struct {
	method   string
	segments []string // literal, or "{name}", or "{name+}" as the last
	handler  RESTHandler
}

// Handle registers an operation under a path pattern such as
// "/v2/apis/{apiId}/routes/{routeId}"; a final "{name+}" takes the rest.
func (s *RESTService) Handle(method, pattern string, h RESTHandler) {
	s.routes = append(s.routes, restRoute{method: method, segments: strings.Split(strings.Trim(pattern, "/"), "/"), handler: h})
}

func (s *RESTService) serve(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, logger *slog.Logger) bool {
	// Match on the escaped path so that an ARN label with %2F stays one segment.
	path := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	pathMatched := false
	for _, rt := range s.routes {
		params, ok := rt.match(path)
		if !ok {
			continue
		}
		pathMatched = true
		if rt.method != r.Method {
			continue
		}
		status, out, err := rt.handler(ctx, &RESTRequest{Request: r, Body: body, Params: params})
		if err != nil {
			logFailure(logger, ctx, r.Method+" "+r.URL.Path, err)
			writeRESTError(w, AsError(err))
			return true
		}
		if out == nil {
			w.WriteHeader(status)
			return true
		}
		if raw, ok := out.(*RawBody); ok {
			w.Header().Set("Content-Type", raw.ContentType)
			w.WriteHeader(status)
			w.Write(raw.Data)
			return true
		}
		writeJSON(w, "application/json", status, out)
		return true
	}
	if pathMatched {
		writeRESTError(w, StatusErrorf(http.StatusMethodNotAllowed, "MethodNotAllowedException", "method %s is not allowed on %s", r.Method, r.URL.Path))
		return true
	}
	return false
}

func (rt restRoute) match(path []string) (map[string]string, bool) {
	var params map[string]string
	bind := func(name, raw string) bool {
		v, err := url.PathUnescape(raw)
		if err != nil {
			return false
		}
		if params == nil {
			params = map[string]string{}
		}
		params[name] = v
		return true
	}
	for i, seg := range rt.segments {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "+}") {
			return params, i < len(path) && bind(seg[1:len(seg)-2], strings.Join(path[i:], "/"))
		}
		if i >= len(path) {
			return nil, false
		}
		if strings.HasPrefix(seg, "{") {
			if path[i] == "" || !bind(seg[1:len(seg)-1], path[i]) {
				return nil, false
			}
			continue
		}
		if seg != path[i] {
			return nil, false
		}
	}
	return params, len(path) == len(rt.segments)
}

// writeRESTError encodes e as restJson1 services do: the code in the
// x-amzn-ErrorType header, the text in the body's "message".
func writeRESTError(w http.ResponseWriter, e *Error) {
	body := make(map[string]any, len(e.Fields)+1)
	for k, v := range e.Fields {
		body[k] = v
	}
	body["message"] = e.Message
	w.Header().Set("x-amzn-ErrorType", e.Code)
	writeJSON(w, "application/json", e.Status, body)
}
