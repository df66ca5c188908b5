package policy

import (
	"strings"
	"testing"
)

// TestCheckForms: the elements a statement needs depend on the kind of
// document, as IAM checks them.
func TestCheckForms(t *testing.T) {
	identity := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	withBoth := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`
	for _, tc := range []struct {
		doc  string
		form Form
		want string // "" accepted, else a word of the error
	}{
		{identity, IdentityPolicy, ""},
		{identity, TrustPolicy, "Principal"},
		{identity, ResourcePolicy, "Principal"},
		{trust, TrustPolicy, ""},
		{trust, IdentityPolicy, "prohibited field Principal"},
		{trust, ResourcePolicy, "Resource"},
		{withBoth, ResourcePolicy, ""},
		{withBoth, TrustPolicy, ""},
		{withBoth, IdentityPolicy, "prohibited field Principal"},
		{`{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}]}`, IdentityPolicy, "prohibited field NotPrincipal"},
	} {
		err := Check(tc.doc, tc.form)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s as %+v: %v", tc.doc, tc.form, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s as %+v: want an error about %s, got %v", tc.doc, tc.form, tc.want, err)
		}
	}
}
