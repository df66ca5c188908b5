package awsapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
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

// Is makes errors.Is match by code: a service's sentinel (ErrServiceNotFound)
// matches every error it builds, whatever the message. ErrNotFound matches
// any service's "missing resource" code.
func (e *Error) Is(target error) bool {
	if target == ErrNotFound {
		return strings.HasSuffix(e.Code, "NotFound") || strings.HasSuffix(e.Code, "NotFoundException") || strings.HasPrefix(e.Code, "NoSuch")
	}
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Kind declares an error code a service answers with, and its HTTP status.
// A service exports one per code (its errors.go) and builds every error of
// that code from it with Newf, so the code string is written once and
// callers test for it with errors.Is.
func Kind(code string, status int) *Error { return &Error{Code: code, Status: status} }

// Newf returns an error of e's code and status with the message given.
func (e *Error) Newf(format string, args ...any) *Error {
	return &Error{Code: e.Code, Message: fmt.Sprintf(format, args...), Status: e.Status}
}

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

// ErrNotFound matches, through errors.Is, every *Error whose code names a
// missing resource (…NotFound, …NotFoundException, NoSuch… as Route 53
// and S3 name them) in any service: callers
// that only ask whether a thing still exists (a stack deleting what it
// made) need not know each service's code.
var ErrNotFound = errors.New("awsapi: resource not found")

// AsError returns err as an *Error, wrapping anything that is not one as an
// InternalFailure so that no Go error text leaks to clients.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ErrInternalFailure
}
