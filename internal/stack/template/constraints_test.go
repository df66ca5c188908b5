package template

import "testing"

// TestCheckParameters: the messages CloudFormation answers a stack
// operation with when its parameters break the template's constraints.
func TestCheckParameters(t *testing.T) {
	tm, err := Parse([]byte(`
Parameters:
  Env: {Type: String, Default: prod, AllowedValues: [prod, dev]}
  Name: {Type: String, Default: abc, AllowedPattern: "[a-z]+", MinLength: 2, MaxLength: 5}
  Count: {Type: Number, Default: 3, MinValue: 1, MaxValue: 10}
  Ports: {Type: List<Number>, Default: "80,443", AllowedValues: [80, 443, 8080]}
  Key: {Type: String, Default: k1, AllowedPattern: "k[0-9]", ConstraintDescription: must be k and a digit}
  Required: {Type: String}
Resources:
  Thing: {Type: Test::Thing}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		values map[string]string
		want   string
	}{
		{map[string]string{"Required": "x"}, ""},
		{map[string]string{"Required": "x", "Count": "10", "Ports": "8080, 80", "Name": "ab"}, ""},
		{map[string]string{}, "Parameters: [Required] must have values"},
		{map[string]string{"Required": "x", "Nope": "1", "Also": "2"}, "Parameters: [Also, Nope] do not exist in the template"},
		{map[string]string{"Required": "x", "Env": "staging"}, "Parameter 'Env' must be one of AllowedValues"},
		{map[string]string{"Required": "x", "Name": "ABC"}, "Parameter 'Name' must match pattern [a-z]+"},
		{map[string]string{"Required": "x", "Name": "a"}, "Parameter 'Name' must contain at least 2 characters"},
		{map[string]string{"Required": "x", "Name": "abcdef"}, "Parameter 'Name' must contain at most 5 characters"},
		{map[string]string{"Required": "x", "Count": "many"}, "Parameter 'Count' must be a number"},
		{map[string]string{"Required": "x", "Count": "0"}, "Parameter 'Count' must be a number not less than 1"},
		{map[string]string{"Required": "x", "Count": "11"}, "Parameter 'Count' must be a number not greater than 10"},
		{map[string]string{"Required": "x", "Ports": "80,81"}, "Parameter 'Ports' must be one of AllowedValues"},
		{map[string]string{"Required": "x", "Key": "kx"}, "Parameter 'Key' failed to satisfy constraint: must be k and a digit"},
	} {
		err := tm.CheckParameters(tc.values)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("CheckParameters(%v) = %q, want %q", tc.values, got, tc.want)
		}
	}
}
