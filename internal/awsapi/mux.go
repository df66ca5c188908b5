package awsapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
)

// maxBodyBytes bounds a control-plane request body; AWS's own JSON APIs
// refuse far smaller ones, so nothing legitimate comes near it.
const maxBodyBytes = 16 << 20

// Mux is the single AWS endpoint every service is served from, as one
// endpoint override serves every service for the AWS CLI. It authenticates,
// then dispatches awsJson1_1 calls by X-Amz-Target prefix and everything else
// to the restJson1 services by path.
type Mux struct {
	// Authenticate, when set, vets every request before dispatch (SigV4).
	Authenticate func(r *http.Request, body []byte) error
	Logger       *slog.Logger

	json    map[string]*JSONService
	query   map[string]*QueryService // by API version
	rest    []*RESTService
	restXML []*RESTXMLService        // each owns a path prefix
	cbor    map[string]*QueryService // by Smithy service shape (rpcv2cbor.go)
}

// NewMux returns an empty endpoint.
func NewMux(logger *slog.Logger) *Mux {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Mux{Logger: logger, json: map[string]*JSONService{}, query: map[string]*QueryService{}, cbor: map[string]*QueryService{}}
}

// AddJSON serves an awsJson1_1 service.
func (m *Mux) AddJSON(s *JSONService) { m.json[s.TargetPrefix] = s }

// AddQuery serves an awsQuery service.
func (m *Mux) AddQuery(s *QueryService) { m.query[s.Version] = s }

// AddREST serves a restJson1 service.
func (m *Mux) AddREST(s *RESTService) { m.rest = append(m.rest, s) }

// AddRESTXML serves a restXml service: every request under its prefix.
func (m *Mux) AddRESTXML(s *RESTXMLService) { m.restXML = append(m.restXML, s) }

// restXMLFor is the restXml service that owns r's path, or nil.
func (m *Mux) restXMLFor(r *http.Request) *RESTXMLService {
	for _, s := range m.restXML {
		if s.owns(r) {
			return s
		}
	}
	return nil
}

type ctxKey struct{}

// RequestID returns the id of the request ctx belongs to.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := NewRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	ctx := context.WithValue(r.Context(), ctxKey{}, reqID)
	ctx = WithCallerAccessKey(ctx, accessKeyOf(r))
	r = r.WithContext(ctx)

	// The error shape depends on the service, so find it before anything can fail.
	var (
		jsvc   *JSONService
		opName string
	)
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		prefix, op, _ := strings.Cut(target, ".")
		jsvc, opName = m.json[prefix], op
	}
	query := jsvc == nil && isQuery(r)
	rpcCBOR := jsvc == nil && !query && isRPCv2CBOR(r)
	var xsvc *RESTXMLService
	if jsvc == nil && !query && !rpcCBOR {
		xsvc = m.restXMLFor(r)
	}
	// The awsQuery service is known once the body is read; until then, and
	// for a Version nobody serves, errors take awsQuery's shape.
	var qsvc *QueryService
	fail := func(e *Error) {
		switch {
		case jsvc != nil:
			jsvc.writeError(w, e)
		case rpcCBOR:
			writeCBORError(w, e)
		case xsvc != nil:
			xsvc.writeError(ctx, w, e)
		case qsvc != nil:
			qsvc.writeError(ctx, w, e)
		case query:
			writeQueryError(ctx, w, "", e)
		default:
			writeRESTError(w, e)
		}
	}
	defer func() {
		if p := recover(); p != nil {
			m.Logger.Error("panic serving request", "requestId", reqID, "panic", p, "stack", string(debug.Stack()))
			fail(ErrInternalFailure)
		}
	}()

	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		fail(StatusErrorf(http.StatusRequestEntityTooLarge, "SerializationException", "request body too large or unreadable"))
		return
	}
	// The signature covers the body as sent; the operation reads it
	// decoded (SDKs gzip large PutMetricData requests).
	body, err := decodeContent(r.Header.Get("Content-Encoding"), raw)
	if err != nil {
		fail(StatusErrorf(http.StatusBadRequest, "SerializationException", "%v", err))
		return
	}
	var (
		params   url.Values
		paramErr error
	)
	if query {
		// A form that fails to parse still yields the parameters before
		// the fault, Version among them, which picks the error's shape.
		params, paramErr = url.ParseQuery(string(body))
		qsvc = m.query[params.Get("Version")]
	}
	if m.Authenticate != nil {
		if err := m.Authenticate(r, raw); err != nil {
			fail(AsError(err))
			return
		}
	}
	if r.Header.Get("X-Amz-Target") != "" {
		if jsvc == nil || r.Method != http.MethodPost {
			fail(ErrUnknownOperation)
			return
		}
		jsvc.serve(ctx, w, opName, body, m.Logger)
		return
	}
	if rpcCBOR {
		m.serveRPCv2CBOR(ctx, w, r, body, m.Logger)
		return
	}
	if query {
		if paramErr != nil {
			fail(ErrQueryValidation.Newf("The request body is not a valid form: %v", paramErr))
			return
		}
		if qsvc == nil {
			fail(StatusErrorf(http.StatusBadRequest, "InvalidAction", "No service here has API version %q (action %q).", params.Get("Version"), params.Get("Action")))
			return
		}
		qsvc.serve(ctx, w, params, m.Logger)
		return
	}
	if xsvc != nil {
		xsvc.serve(ctx, w, r, body, m.Logger)
		return
	}
	for _, s := range m.rest {
		if s.serve(ctx, w, r, body, m.Logger) {
			return
		}
	}
	writeRESTError(w, StatusErrorf(http.StatusNotFound, "UnknownOperationException", "no operation matches %s %s", r.Method, r.URL.Path))
}

// logFailure records server-side failures; client errors are the client's business.
func logFailure(logger *slog.Logger, ctx context.Context, op string, err error) {
	var e *Error
	if !errors.As(err, &e) || e.Status >= 500 {
		logger.Error("operation failed", "op", op, "requestId", RequestID(ctx), "err", err)
	}
}

// JSONAppender is a response that encodes itself, for hot paths whose
// output was mostly encoded ahead of time: encoding/json would re-scan
// (and copy) what a json.Marshaler returns.
type JSONAppender interface {
	AppendJSON(b []byte) []byte
}

func writeJSON(w http.ResponseWriter, contentType string, status int, v any) {
	var (
		b   []byte
		err error
	)
	if a, ok := v.(JSONAppender); ok {
		b = a.AppendJSON(nil)
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"InternalFailure"}`)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(b)
}
