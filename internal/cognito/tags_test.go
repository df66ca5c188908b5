package cognito_test

import (
	"context"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cognito/cognitotest"
)

// TestTagsAndMFA: a pool's tags by ARN, as infrastructure tools read and
// write them; MFA reads OFF and cannot be turned on.
func TestTagsAndMFA(t *testing.T) {
	env := cognitotest.Start(t)
	c := env.Client()
	ctx := context.Background()
	p, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("tagged"), UserPoolTags: map[string]string{"team": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := p.UserPool.Arn
	if _, err := c.TagResource(ctx, &cip.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"env": "dev", "team": "b"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &cip.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.ListTagsForResource(ctx, &cip.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil || !maps.Equal(got.Tags, map[string]string{"team": "b"}) {
		t.Fatalf("tags %v %v", got, err)
	}
	_, err = c.TagResource(ctx, &cip.TagResourceInput{ResourceArn: aws.String("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_nothere"),
		Tags: map[string]string{"a": "b"}})
	awstest.WantCode(t, err, "ResourceNotFoundException")
	mfa, err := c.GetUserPoolMfaConfig(ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: p.UserPool.Id})
	if err != nil || mfa.MfaConfiguration != types.UserPoolMfaTypeOff {
		t.Fatalf("mfa %v %v", mfa, err)
	}
	_, err = c.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: p.UserPool.Id, MfaConfiguration: types.UserPoolMfaTypeOn})
	awstest.WantCode(t, err, "InvalidParameterException")
}
