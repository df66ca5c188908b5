package restapi

import (
	"context"
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// How a restJson1 request reaches a typed operation: the table in api.go
// names each route's operation, its success status (the API reference's,
// from the service model: 201 for creates and puts, 202 for most deletes,
// 204 for a few) and how its path and query members bind.

// op adapts a typed operation: the body is decoded into In, then bind fills
// the members that travel in the path and query.
func op[In, Out any](status int, fn func(context.Context, *In) (*Out, error), bind func(*awsapi.RESTRequest, *In)) awsapi.RESTHandler {
	return func(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
		in := new(In)
		if len(r.Body) > 0 {
			if err := awsapi.DecodeJSON(r.Body, in); err != nil {
				// restJson services report malformed bodies as their own
				// BadRequestException.
				return 0, nil, badRequest("%s", awsapi.AsError(err).Message)
			}
		}
		if bind != nil {
			bind(r, in)
		}
		out, err := fn(ctx, in)
		if err != nil {
			return 0, nil, err
		}
		return status, out, nil
	}
}

// del adapts an operation without output: status (202 or 204), no body.
func del[In any](status int, fn func(context.Context, *In) error, bind func(*awsapi.RESTRequest, *In)) awsapi.RESTHandler {
	return func(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
		in := new(In)
		if len(r.Body) > 0 {
			if err := awsapi.DecodeJSON(r.Body, in); err != nil {
				return 0, nil, badRequest("%s", awsapi.AsError(err).Message)
			}
		}
		bind(r, in)
		if err := fn(ctx, in); err != nil {
			return 0, nil, err
		}
		return status, nil, nil
	}
}

// Statuses the service model declares.
const (
	statusOK        = http.StatusOK
	statusCreated   = http.StatusCreated
	statusAccepted  = http.StatusAccepted
	statusNoContent = http.StatusNoContent
)
