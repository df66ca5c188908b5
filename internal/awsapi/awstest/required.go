package awstest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Operation is one operation of an aws-sdk-go-v2 client, called through
// reflection: Call sends an input (a pointer to the operation's input
// struct) and returns the error.
type Operation struct {
	Name     string
	Required []string // the input's required top-level members, as the SDK's validator names them
	input    reflect.Type
	call     reflect.Value
}

// NewInput is a zero input of the operation.
func (op Operation) NewInput() reflect.Value { return reflect.New(op.input) }

// Call sends in with the SDK's own validation of required members off,
// so the server sees what the client left out.
func (op Operation) Call(ctx context.Context, in reflect.Value) error {
	opt := reflect.ValueOf(withoutValidation(op.call.Type().In(2).Elem()))
	out := op.call.Call([]reflect.Value{reflect.ValueOf(ctx), in, opt})
	if err, _ := out[1].Interface().(error); err != nil {
		return err
	}
	return nil
}

// withoutValidation makes a func(*Options) of the client's Options type
// that removes the OperationInputValidation step from the stack.
func withoutValidation(optionFunc reflect.Type) any {
	return reflect.MakeFunc(optionFunc, func(args []reflect.Value) []reflect.Value {
		o := args[0].Elem()
		apiOptions := o.FieldByName("APIOptions")
		remove := func(s *middleware.Stack) error {
			// Inputs without required members have no validation step.
			if _, ok := s.Initialize.Get("OperationInputValidation"); !ok {
				return nil
			}
			_, err := s.Initialize.Remove("OperationInputValidation")
			return err
		}
		apiOptions.Set(reflect.Append(apiOptions, reflect.ValueOf(remove)))
		return nil
	}).Interface()
}

// Operations lists client's operations (methods of the form
// func(context.Context, *XInput, ...func(*Options)) (*XOutput, error)) with
// the required members the SDK's validator reports for an empty input.
// The client must point at an endpoint; with validation on, nothing is
// sent for an input that misses a required member.
func Operations(t testing.TB, client any) []Operation {
	t.Helper()
	v := reflect.ValueOf(client)
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	var ops []Operation
	for i := range v.NumMethod() {
		m, mt := v.Method(i), v.Type().Method(i)
		ft := m.Type()
		if ft.NumIn() != 3 || !ft.IsVariadic() || ft.In(0) != ctxType || ft.In(1).Kind() != reflect.Pointer || ft.NumOut() != 2 {
			continue
		}
		op := Operation{Name: mt.Name, input: ft.In(1).Elem(), call: m}
		// An empty input, validated by the SDK: the required members are
		// named in the error, and nothing reaches the server.
		out := m.Call([]reflect.Value{reflect.ValueOf(context.Background()), reflect.New(op.input)})
		var invalid smithy.InvalidParamsError
		if err, _ := out[1].Interface().(error); errors.As(err, &invalid) {
			for _, e := range invalid.Errs() {
				var p smithy.InvalidParamError
				// Field is "XInput.Member" (the context, then the name).
				if errors.As(e, &p) && p.Field() != "" {
					op.Required = append(op.Required, strings.TrimPrefix(p.Field(), op.input.Name()+"."))
				}
			}
			sort.Strings(op.Required)
		}
		ops = append(ops, op)
	}
	return ops
}

// Fill sets every member of in (a pointer to an input struct) named in
// fields to a plausible value of its type: "x" for strings, the first
// value of an enum, 1 for numbers, true, one-element lists and maps, and
// empty structures.
func Fill(in reflect.Value, fields []string) {
	s := in.Elem()
	for _, name := range fields {
		f := s.FieldByName(name)
		if !f.IsValid() || !f.CanSet() {
			continue
		}
		f.Set(sample(f.Type()))
	}
}

func sample(t reflect.Type) reflect.Value {
	switch t.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if t.Elem().Kind() != reflect.Struct {
			p.Elem().Set(sample(t.Elem()))
		}
		return p
	case reflect.String:
		v := reflect.New(t).Elem()
		if values := reflect.New(t).MethodByName("Values"); values.IsValid() {
			if vs := values.Call(nil)[0]; vs.Len() > 0 {
				return vs.Index(0)
			}
		}
		v.SetString("x")
		return v
	case reflect.Int, reflect.Int32, reflect.Int64:
		v := reflect.New(t).Elem()
		v.SetInt(1)
		return v
	case reflect.Float64, reflect.Float32:
		v := reflect.New(t).Elem()
		v.SetFloat(1)
		return v
	case reflect.Bool:
		v := reflect.New(t).Elem()
		v.SetBool(true)
		return v
	case reflect.Slice:
		v := reflect.MakeSlice(t, 1, 1)
		if t.Elem().Kind() != reflect.Struct {
			v.Index(0).Set(sample(t.Elem()))
		}
		return v
	case reflect.Map:
		v := reflect.MakeMap(t)
		v.SetMapIndex(sample(t.Key()), sample(t.Elem()))
		return v
	}
	return reflect.New(t).Elem()
}

// CheckRequired calls every operation of client once per required member,
// that member left out and the others given, and wants one of codes (the
// service's validation errors) and no change to the store (revision reads
// its revision). Operations the server does not serve and members that
// travel in the URL's path (no client can leave them out) are skipped. It
// returns the number of cases checked.
func CheckRequired(t *testing.T, client any, revision func() int64, codes ...string) int {
	return CheckRequiredGiven(t, client, revision, nil, codes...)
}

// CheckRequiredGiven is CheckRequired with string members named in given
// set to those values (the ids of real resources, so that what a request
// names exists and only the missing member is wrong).
func CheckRequiredGiven(t *testing.T, client any, revision func() int64, given map[string]string, codes ...string) int {
	t.Helper()
	ctx := context.Background()
	checked := 0
	for _, op := range Operations(t, client) {
		for _, missing := range op.Required {
			in := op.NewInput()
			var others []string
			for _, f := range op.Required {
				if f != missing {
					others = append(others, f)
				}
			}
			Fill(in, others)
			setGiven(in, given)
			if expectRefused(ctx, t, op, in, op.Name+" without "+missing, revision, codes) {
				checked++
			}
		}
	}
	return checked
}

// setGiven sets the string members of in that are named in given and
// already set (by Fill) to given's values.
func setGiven(in reflect.Value, given map[string]string) {
	for name, v := range given {
		if f := in.Elem().FieldByName(name); f.IsValid() && f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.String && !f.IsNil() {
			f.Elem().SetString(v)
		}
	}
}

// expectRefused sends in and wants one of codes and no change to the
// store; label says what the case is in a failure. It reports false for
// a case that could not be checked: a member that travels in the URL's
// path and so cannot be sent as given, an operation Portolan does not
// serve, or one sent to a host of its own.
func expectRefused(ctx context.Context, t *testing.T, op Operation, in reflect.Value, label string, revision func() int64, codes []string) bool {
	t.Helper()
	rev := revision()
	err := op.Call(ctx, in)
	var api smithy.APIError
	var serialization *smithy.SerializationError
	var unsent *smithyhttp.RequestSendError
	switch {
	case errors.As(err, &serialization):
		// A member that travels in the URL's path: the SDK cannot
		// leave it out, and neither can any client.
		return false
	case errors.As(err, &api) && api.ErrorCode() == "UnknownOperationException", errors.As(err, &unsent):
		// An operation Portolan does not serve, or one sent to a
		// host of its own (streaming operations' "stream-" host).
		return false
	case !errors.As(err, &api) || !slices.Contains(codes, api.ErrorCode()):
		t.Errorf("%s: %v, want one of %v", label, err, codes)
	}
	if revision() != rev {
		t.Errorf("%s changed the store", label)
	}
	return true
}
