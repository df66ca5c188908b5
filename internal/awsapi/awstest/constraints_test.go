package awstest

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestConstraintCases(t *testing.T) {
	n := func(s string) *json.Number { v := json.Number(s); return &v }
	type enum string
	str, i32 := reflect.TypeOf((*string)(nil)), reflect.TypeOf((*int32)(nil))
	for _, tc := range []struct {
		name  string
		shape Shape
		typ   reflect.Type
		want  []ConstraintCase
	}{
		{"length", Shape{Type: "string", Min: n("2"), Max: n("3")}, str,
			[]ConstraintCase{{"m", "min length", "a"}, {"m", "max length", "aaaa"}}},
		{"no minimum above zero", Shape{Type: "string", Min: n("0"), Max: n("1")}, str,
			[]ConstraintCase{{"m", "max length", "aa"}}},
		{"enum", Shape{Type: "string", Enum: []string{"NOT_A_VALID_VALUE"}}, reflect.TypeOf(enum("")),
			[]ConstraintCase{{"m", "enum", "NOT_A_VALID_VALUE_0"}}},
		{"range", Shape{Type: "integer", Min: n("1"), Max: n("50")}, i32,
			[]ConstraintCase{{"m", "min", int64(0)}, {"m", "max", int64(51)}}},
		// An int32 cannot hold one more than its largest value.
		{"range at the type's end", Shape{Type: "integer", Min: n("0"), Max: n("2147483647")}, i32,
			[]ConstraintCase{{"m", "min", int64(-1)}}},
		{"huge length", Shape{Type: "string", Max: n("10485760")}, str, nil},
	} {
		if got := ConstraintCases("m", tc.shape, tc.typ); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
