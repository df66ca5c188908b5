package awsapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
)

// jsonContentType is what awsJson1_1 services answer with.
const jsonContentType = "application/x-amz-json-1.1"

// Handler is one awsJson1_1 operation: it gets the raw request body and
// returns the value to encode as the response (nil encodes as {}).
type Handler func(ctx context.Context, body []byte) (any, error)

// JSONService is an awsJson1_1 service: POST / with X-Amz-Target
// "<TargetPrefix>.<Operation>".
type JSONService struct {
	TargetPrefix string
	// MessageKey is the member that carries an error's text: Cloud Map's
	// error shapes declare "Message", ECS's "message".
	MessageKey string
	ops        map[string]Handler
	// queryCompatible services (querycompat.go) also name the awsQuery
	// code and fault in X-Amzn-Query-Error, which clients report.
	queryCompatible bool
}

// NewJSONService returns a service with no operations yet.
func NewJSONService(targetPrefix, messageKey string) *JSONService {
	return &JSONService{TargetPrefix: targetPrefix, MessageKey: messageKey, ops: map[string]Handler{}}
}

// Handle registers an operation.
func (s *JSONService) Handle(op string, h Handler) { s.ops[op] = h }

// Op adapts a typed operation: the body is decoded into In, and the *Out
// it returns is the response.
func Op[In, Out any](fn func(context.Context, *In) (*Out, error)) Handler {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if err := DecodeJSON(body, in); err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// DecodeJSON decodes a request body, treating an empty body as {} and
// reporting malformed input as AWS's SerializationException.
func DecodeJSON(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return Errorf("SerializationException", "%s", serializationMessage(err))
	}
	return nil
}

func serializationMessage(err error) string {
	switch e := err.(type) {
	case *json.UnmarshalTypeError:
		if e.Field != "" {
			return "Unexpected value type for field " + e.Field + ": expected " + e.Type.String()
		}
		return "Unexpected value type: expected " + e.Type.String()
	case *json.SyntaxError:
		return "Malformed JSON body: " + e.Error()
	}
	return "Malformed JSON body"
}

func (s *JSONService) serve(ctx context.Context, w http.ResponseWriter, op string, body []byte, logger *slog.Logger) {
	h, ok := s.ops[op]
	if !ok {
		s.writeError(w, ErrUnknownOperation)
		return
	}
	out, err := h(ctx, body)
	if err != nil {
		logFailure(logger, ctx, s.TargetPrefix+"."+op, err)
		s.writeError(w, AsError(err))
		return
	}
	if out == nil {
		out = struct{}{}
	}
	writeJSON(w, jsonContentType, http.StatusOK, out)
}

func (s *JSONService) writeError(w http.ResponseWriter, e *Error) {
	body := make(map[string]any, len(e.Fields)+2)
	for k, v := range e.Fields {
		body[k] = v
	}
	body["__type"] = e.Code
	key := s.MessageKey
	if key == "" {
		key = "message"
	}
	body[key] = e.Message
	w.Header().Set("x-amzn-ErrorType", e.Code)
	if s.queryCompatible {
		fault := "Sender"
		if e.Status >= 500 {
			fault = "Receiver"
		}
		w.Header().Set("X-Amzn-Query-Error", e.Code+";"+fault)
	}
	writeJSON(w, jsonContentType, e.Status, body)
}
