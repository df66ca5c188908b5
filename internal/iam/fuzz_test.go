package iam_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/iam/iamtest"
)

// FuzzQuery posts arbitrary awsQuery forms to IAM and STS over a real
// store: the decoding of their inputs (lists, tags, numbers), the policy
// grammar behind every document, and the operations. An answer of 500 is
// a failure (a panic becomes InternalFailure); every bad input must get
// an error of the caller's fault, in XML.
func FuzzQuery(f *testing.F) {
	e := iamtest.Start(f)
	mux := awsapi.NewMux(awstest.Logger())
	e.IAM.Register(mux)
	e.STS.Register(mux)
	doc := url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*"],"Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}]}`)
	trust := url.QueryEscape(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}}`)
	v := "&Version=2010-05-08"
	for _, s := range []string{
		"Action=CreateRole&RoleName=r&Path=/a/&AssumeRolePolicyDocument=" + trust + "&MaxSessionDuration=7200&Tags.member.1.Key=k&Tags.member.1.Value=v" + v,
		"Action=PutRolePolicy&RoleName=r&PolicyName=p&PolicyDocument=" + doc + v,
		"Action=CreatePolicy&PolicyName=m&PolicyDocument=" + doc + v,
		"Action=CreatePolicyVersion&PolicyArn=arn:aws:iam::000000000000:policy/m&SetAsDefault=true&PolicyDocument=" + doc + v,
		"Action=AttachRolePolicy&RoleName=r&PolicyArn=arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" + v,
		"Action=ListAttachedRolePolicies&RoleName=r&MaxItems=1&Marker=abc" + v,
		"Action=UntagRole&RoleName=r&TagKeys.member.1=k" + v,
		"Action=DeleteRole&RoleName=r" + v,
		"Action=CreateServiceLinkedRole&AWSServiceName=ecs.amazonaws.com" + v,
		"Action=ListPolicies&Scope=AWS&OnlyAttached=true" + v,
		"Action=AssumeRole&RoleArn=arn:aws:iam::000000000000:role/a/r&RoleSessionName=s&DurationSeconds=900&Version=2011-06-15",
		"Action=GetSessionToken&DurationSeconds=3600&Version=2011-06-15",
		"Action=GetCallerIdentity&Version=2011-06-15",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, form string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%q: %d %s", form, w.Code, w.Body)
		}
		if !strings.HasPrefix(w.Body.String(), "<?xml") {
			t.Fatalf("%q: not XML: %s", form, w.Body)
		}
	})
}
