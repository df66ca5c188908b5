package awsapi

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS error: a code that clients switch on (the shape name, such
// as "NamespaceNotFound"), a human message, and the HTTP status it travels with.
// Fields carries the extra members some error shapes declare (for example
// NamespaceAlreadyExists carries NamespaceId and CreatorRequestId).
type Error struct {
	Code    string
	Message string
	Status  int
	Fields  map[string]any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// With returns a copy of e carrying one more member in its body.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Fields = make(map[string]any, len(e.Fields)+1)
	for k, v := range e.Fields {
		c.Fields[k] = v
	}
	c.Fields[key] = value
	return &c
}

// Errorf builds a client error (HTTP 400) with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// StatusErrorf builds an error with an explicit HTTP status.
func StatusErrorf(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: status}
}

// Errors common to every service.
var (
	ErrInternalFailure  = &Error{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: http.StatusInternalServerError}
	ErrUnknownOperation = &Error{Code: "UnknownOperationException", Message: "The action or operation requested is invalid. Verify that the action is typed correctly.", Status: http.StatusBadRequest}
)

// AsError returns err as an *Error, wrapping anything that is not one as an
// InternalFailure so that no Go error text leaks to clients.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ErrInternalFailure
}
