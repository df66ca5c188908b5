package awsapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
)

// ErrMalformedInput is a restXml service's answer to a body that is not
// the XML document the operation takes.
var ErrMalformedInput = Kind("MalformedInput", http.StatusBadRequest)

// RESTXMLService is a restXml service (Route 53): operations chosen by
// method and path under one prefix, XML documents in and out, every
// answer in the service's namespace. It owns its prefix: any request
// under it is answered in its error shape, even one no operation matches.
type RESTXMLService struct {
	// Prefix is the path every operation lives under, e.g. "/2013-04-01/".
	Prefix string
	// Namespace is the xmlns of every answer, e.g.
	// https://route53.amazonaws.com/doc/2013-04-01/.
	Namespace string
	routes    []restRoute
	ops       []string // the operation of each route, which names its answer's root element
}

// NewRESTXMLService returns a service with no operations yet.
func NewRESTXMLService(prefix, namespace string) *RESTXMLService {
	return &RESTXMLService{Prefix: prefix, Namespace: namespace}
}

// Handle registers operation op under a path pattern relative to Prefix
// ("hostedzone/{Id}"). The handler's value is encoded as the root element
// <op>Response.
func (s *RESTXMLService) Handle(method, pattern, op string, h RESTHandler) {
	full := strings.TrimSuffix(s.Prefix, "/") + "/" + strings.TrimPrefix(pattern, "/")
	s.routes = append(s.routes, restRoute{method: method, segments: strings.Split(strings.Trim(full, "/"), "/"), handler: h})
	s.ops = append(s.ops, op)
}

// XMLLocated is an answer that carries a Location header (the URL of the
// resource a create made, as CreateHostedZone answers).
type XMLLocated interface {
	Location() string
}

func (s *RESTXMLService) owns(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, s.Prefix)
}

func (s *RESTXMLService) serve(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, logger *slog.Logger) {
	path := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	pathMatched := false
	for i, rt := range s.routes {
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
			logFailure(logger, ctx, s.ops[i], err)
			s.writeError(ctx, w, AsError(err))
			return
		}
		s.write(ctx, w, s.ops[i], status, out)
		return
	}
	if pathMatched {
		s.writeError(ctx, w, StatusErrorf(http.StatusMethodNotAllowed, "MethodNotAllowedException", "method %s is not allowed on %s", r.Method, r.URL.Path))
		return
	}
	s.writeError(ctx, w, StatusErrorf(http.StatusNotFound, "UnknownOperationException", "no operation matches %s %s", r.Method, r.URL.Path))
}

func (s *RESTXMLService) write(ctx context.Context, w http.ResponseWriter, op string, status int, out any) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	root := xml.StartElement{Name: xml.Name{Local: op + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: s.Namespace}}}
	enc := xml.NewEncoder(&b)
	var err error
	if out == nil {
		err = enc.EncodeElement(struct{}{}, root)
	} else {
		err = enc.EncodeElement(out, root)
	}
	if err != nil {
		s.writeError(ctx, w, ErrInternalFailure)
		return
	}
	if l, ok := out.(XMLLocated); ok {
		w.Header().Set("Location", l.Location())
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// writeError answers in the restXml error shape, which is awsQuery's
// ErrorResponse in the service's namespace.
func (s *RESTXMLService) writeError(ctx context.Context, w http.ResponseWriter, e *Error) {
	writeQueryError(ctx, w, s.Namespace, e)
}

// DecodeXML decodes a restXml request body whose root element must be
// root (e.g. CreateHostedZoneRequest) into v. Elements v does not name
// are ignored; a body that is not well-formed XML, or has another root,
// is MalformedInput.
func DecodeXML(body []byte, root string, v any) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return ErrMalformedInput.Newf("Request body is empty, expected %s", root)
		}
		if err != nil {
			return ErrMalformedInput.Newf("Request body is not well-formed XML: %v", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if start.Name.Local != root {
			return ErrMalformedInput.Newf("%s is not valid, expected %s", start.Name.Local, root)
		}
		if err := d.DecodeElement(v, &start); err != nil {
			return ErrMalformedInput.Newf("Request body is not well-formed XML: %v", err)
		}
		// Nothing but whitespace, comments and processing instructions
		// may follow the root.
		for {
			tok, err := d.Token()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return ErrMalformedInput.Newf("Request body is not well-formed XML: %v", err)
			}
			switch t := tok.(type) {
			case xml.CharData:
				if len(bytes.TrimSpace(t)) > 0 {
					return ErrMalformedInput.Newf("Request body has content after %s", root)
				}
			case xml.StartElement:
				return ErrMalformedInput.Newf("Request body has content after %s", root)
			}
		}
	}
}

// XMLOp adapts a typed restXml operation answering with status. In is
// filled as the service's model binds it: a field tagged uri:"Name" from
// the path label {Name}, one tagged query:"name" from the query string
// (string fields only: the service parses numbers itself, to answer in
// its own words), and, when In has an XMLName field, the rest from the
// body, whose root element that field names.
func XMLOp[In, Out any](status int, fn func(context.Context, *In) (*Out, error)) RESTHandler {
	root := requestRoot(reflect.TypeFor[In]())
	return func(ctx context.Context, r *RESTRequest) (int, any, error) {
		in := new(In)
		if root != "" {
			if err := DecodeXML(r.Body, root, in); err != nil {
				return 0, nil, err
			}
		}
		bindREST(r, reflect.ValueOf(in).Elem())
		out, err := fn(ctx, in)
		if err != nil {
			return 0, nil, err
		}
		return status, out, nil
	}
}

// requestRoot is the body's root element In declares, or "" for none.
func requestRoot(t reflect.Type) string {
	f, ok := t.FieldByName("XMLName")
	if !ok || f.Type != reflect.TypeFor[xml.Name]() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("xml"), ",")
	if i := strings.LastIndexByte(name, ' '); i >= 0 {
		name = name[i+1:] // "namespace local"
	}
	return name
}

func bindREST(r *RESTRequest, v reflect.Value) {
	q := r.URL.Query()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Type.Kind() != reflect.String {
			continue
		}
		if name := f.Tag.Get("uri"); name != "" {
			v.Field(i).SetString(r.Params[name])
		} else if name := f.Tag.Get("query"); name != "" && q.Has(name) {
			v.Field(i).SetString(q.Get(name))
		}
	}
}
