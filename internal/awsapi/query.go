package awsapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// QueryHandler is one awsQuery operation: it gets the request's form
// parameters and returns the value to encode as the operation's Result
// element (nil: an empty one).
type QueryHandler func(ctx context.Context, params url.Values) (any, error)

// QueryService is an awsQuery service (Elastic Load Balancing, and later
// CloudFormation, IAM, STS): POST / with a form body carrying Action and
// Version, answered in XML. Services share the endpoint and are told apart
// by Version, which is unique to each service's API.
type QueryService struct {
	Version string
	// Namespace is the xmlns of every answer, e.g.
	// http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/.
	Namespace string
	ops       map[string]QueryHandler
	// ec2 answers in EC2's flavour (ec2query.go).
	ec2 bool
}

// NewQueryService returns a service with no operations yet.
func NewQueryService(version, namespace string) *QueryService {
	return &QueryService{Version: version, Namespace: namespace, ops: map[string]QueryHandler{}}
}

// Handle registers an operation.
func (s *QueryService) Handle(action string, h QueryHandler) { s.ops[action] = h }

// QueryOp adapts a typed operation: the form is decoded into In (see
// DecodeQuery), and the *Out it returns is the Result element.
func QueryOp[In, Out any](fn func(context.Context, *In) (*Out, error)) QueryHandler {
	return func(ctx context.Context, params url.Values) (any, error) {
		in := new(In)
		if err := DecodeQuery(params, in); err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// isQuery reports whether r is an awsQuery call.
func isQuery(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}

func (s *QueryService) serve(ctx context.Context, w http.ResponseWriter, params url.Values, logger *slog.Logger) {
	action := params.Get("Action")
	h, ok := s.ops[action]
	if !ok {
		s.writeError(ctx, w, StatusErrorf(http.StatusBadRequest, "InvalidAction", "The action %s is not valid for this web service: Portolan does not emulate it.", action))
		return
	}
	out, err := h(ctx, params)
	if err != nil {
		logFailure(logger, ctx, action, err)
		s.writeError(ctx, w, AsError(err))
		return
	}
	if s.ec2 {
		writeEC2Response(ctx, w, s.Namespace, action, out)
		return
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<" + action + "Response xmlns=\"" + s.Namespace + "\"><" + action + "Result>")
	if out != nil {
		awsQueryXML.encode(&b, reflect.ValueOf(out))
	}
	b.WriteString("</" + action + "Result><ResponseMetadata><RequestId>" + RequestID(ctx) + "</RequestId></ResponseMetadata></" + action + "Response>")
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

// writeError answers in awsQuery's error shape: an ErrorResponse whose
// Type says whose fault it was.
func (s *QueryService) writeError(ctx context.Context, w http.ResponseWriter, e *Error) {
	if s.ec2 {
		writeEC2Error(ctx, w, e)
		return
	}
	writeQueryError(ctx, w, s.Namespace, e)
}

func writeQueryError(ctx context.Context, w http.ResponseWriter, namespace string, e *Error) {
	kind := "Sender"
	if e.Status >= 500 {
		kind = "Receiver"
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<ErrorResponse xmlns="` + namespace + `"><Error><Type>` + kind + `</Type><Code>`)
	xml.EscapeText(&b, []byte(e.Code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(e.Message))
	b.WriteString("</Message></Error><RequestId>" + RequestID(ctx) + "</RequestId></ErrorResponse>")
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.Status)
	w.Write(b.Bytes())
}

// queryXML is how a Query protocol writes a response's members as XML
// elements: awsQuery and EC2's dialect differ only in these.
type queryXML struct {
	item string                           // a list item's element: member, or EC2's item
	name func(reflect.StructField) string // a member's element name
}

// awsQueryXML names elements by their Go field names (AWS's member names).
var awsQueryXML = queryXML{item: "member", name: func(f reflect.StructField) string { return f.Name }}

// encode writes v's members: nil pointers and lists and empty strings left
// out, a non-nil empty list as an empty element, an embedded struct's
// members as the outer struct's (as the decoder reads them), times in ISO
// 8601 with milliseconds.
func (d *queryXML) encode(b *bytes.Buffer, v reflect.Value) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			b.WriteString(t.UTC().Format("2006-01-02T15:04:05.000Z"))
			return
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			fv := v.Field(i)
			if !f.IsExported() || omitQueryField(fv) {
				continue
			}
			if f.Anonymous && fv.Kind() == reflect.Struct {
				d.encode(b, fv)
				continue
			}
			name := d.name(f)
			b.WriteString("<" + name + ">")
			d.encode(b, fv)
			b.WriteString("</" + name + ">")
		}
	case reflect.Slice:
		for i := range v.Len() {
			b.WriteString("<" + d.item + ">")
			d.encode(b, v.Index(i))
			b.WriteString("</" + d.item + ">")
		}
	case reflect.String:
		xml.EscapeText(b, []byte(v.String()))
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Float64:
		b.WriteString(strconv.FormatFloat(v.Float(), 'f', -1, 64))
	}
}

// omitQueryField leaves out what AWS leaves out: unset optional members.
// A nil list is left out too; an empty, non-nil one is sent as an empty
// element, as AWS does for members it always returns.
func omitQueryField(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice:
		return v.IsNil()
	case reflect.String:
		return v.Len() == 0
	}
	return false
}
