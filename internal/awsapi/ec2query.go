package awsapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"reflect"
	"unicode"
	"unicode/utf8"
)

// EC2's Query flavour (protocol ec2Query): requests are awsQuery forms
// whose lists are Name.N (DecodeEC2Query); answers carry the output's
// members straight under <ActionResponse>, with <requestId> and no Result
// element, named in lowerCamel, lists as <name><item>…</item></name>; and
// errors are <Response><Errors><Error>… with a RequestID.

// ErrEC2InvalidParameterValue is EC2's answer to a parameter it cannot
// read or accept.
var ErrEC2InvalidParameterValue = Kind("InvalidParameterValue", http.StatusBadRequest)

// NewEC2QueryService returns a service answering in EC2's flavour.
func NewEC2QueryService(version, namespace string) *QueryService {
	s := NewQueryService(version, namespace)
	s.ec2 = true
	return s
}

// EC2Op adapts a typed operation of an EC2-flavoured service: the form is
// decoded into In with DecodeEC2Query, and the *Out's members are the
// answer's.
func EC2Op[In, Out any](fn func(context.Context, *In) (*Out, error)) QueryHandler {
	return func(ctx context.Context, params url.Values) (any, error) {
		in := new(In)
		if err := DecodeEC2Query(params, in); err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

func writeEC2Response(ctx context.Context, w http.ResponseWriter, namespace, action string, out any) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<" + action + "Response xmlns=\"" + namespace + "\"><requestId>" + RequestID(ctx) + "</requestId>")
	if out != nil {
		ec2XML.encode(&b, reflect.ValueOf(out))
	}
	b.WriteString("</" + action + "Response>")
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

// writeEC2Error answers in EC2's error shape. EC2 sends every error,
// server faults included, in the same envelope.
func writeEC2Error(ctx context.Context, w http.ResponseWriter, e *Error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<Response><Errors><Error><Code>")
	xml.EscapeText(&b, []byte(e.Code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(e.Message))
	b.WriteString("</Message></Error></Errors><RequestID>" + RequestID(ctx) + "</RequestID></Response>")
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(e.Status)
	w.Write(b.Bytes())
}

// ec2ElementName is the element a field travels in: its `ec2:"…"` tag,
// else its name with the first letter lowered (VpcEndpointId →
// vpcEndpointId), as EC2 names its output members.
func ec2ElementName(f reflect.StructField) string {
	if tag := f.Tag.Get("ec2"); tag != "" {
		return tag
	}
	r, n := utf8.DecodeRuneInString(f.Name)
	return string(unicode.ToLower(r)) + f.Name[n:]
}

// ec2XML writes members as EC2 does: lowerCamel element names, list
// items as <item>.
var ec2XML = queryXML{item: "item", name: ec2ElementName}
