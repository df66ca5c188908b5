package cognito_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cognito/cognitotest"
)

// TestSignUpWithEmailAsUsername: a pool whose users sign in with their
// email gives them a generated user name; SignUp leaves them UNCONFIRMED
// until the delivered code confirms them; a wrong code changes nothing.
func TestSignUpWithEmailAsUsername(t *testing.T) {
	env := cognitotest.Start(t)
	c := env.Client()
	ctx := context.Background()
	p, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("shop"), UsernameAttributes: []types.UsernameAttributeType{"email"},
		AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"},
		Schema:                 []types.SchemaAttributeType{{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	id := *p.UserPool.Id
	cl, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &id, ClientName: aws.String("web"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	pool := cognitotest.Pool{ID: id, ClientID: *cl.UserPoolClient.ClientId}
	signUp := func(email, password string, attrs ...types.AttributeType) (*cip.SignUpOutput, error) {
		return c.SignUp(ctx, &cip.SignUpInput{ClientId: &pool.ClientID, Username: aws.String(email), Password: aws.String(password), UserAttributes: attrs})
	}
	_, err = signUp("carol@example.com", "weakpass")
	awstest.WantCode(t, err, "InvalidPasswordException")
	_, err = signUp("carol@example.com", "Str0ng-pass", types.AttributeType{Name: aws.String("custom:nope"), Value: aws.String("x")})
	awstest.WantCode(t, err, "InvalidParameterException")
	_, err = signUp("carol", "Str0ng-pass")
	awstest.WantCode(t, err, "InvalidParameterException")
	users, err := c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &id})
	if err != nil || len(users.Users) != 0 {
		t.Fatalf("refused sign-ups left %d users (%v)", len(users.Users), err)
	}
	out, err := signUp("carol@example.com", "Str0ng-pass", types.AttributeType{Name: aws.String("custom:tenant"), Value: aws.String("acme")})
	if err != nil {
		t.Fatal(err)
	}
	if out.UserConfirmed || out.UserSub == nil || *out.CodeDeliveryDetails.Destination != "c***@e***" {
		t.Fatalf("sign-up %+v", out)
	}
	_, err = signUp("carol@example.com", "Str0ng-pass")
	awstest.WantCode(t, err, "UsernameExistsException")
	_, err = pool.SignIn(ctx, c, "carol@example.com", "Str0ng-pass")
	awstest.WantCode(t, err, "UserNotConfirmedException")

	username := *out.UserSub // the generated user name is the sub
	_, err = c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: &pool.ClientID, Username: aws.String("carol@example.com"), ConfirmationCode: aws.String("000000x")})
	awstest.WantCode(t, err, "CodeMismatchException")
	code := env.Codes.Get(username)
	if len(code) != 6 {
		t.Fatalf("code %q", code)
	}
	if _, err := c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: &pool.ClientID, Username: aws.String("carol@example.com"), ConfirmationCode: &code}); err != nil {
		t.Fatal(err)
	}
	signedIn, err := pool.SignIn(ctx, c, "carol@example.com", "Str0ng-pass")
	if err != nil {
		t.Fatal(err)
	}
	claims, _ := claimsOf(t, *signedIn.AuthenticationResult.IdToken)
	if claims["cognito:username"] != username || claims["email"] != "carol@example.com" || claims["custom:tenant"] != "acme" {
		t.Fatalf("claims %v", claims)
	}

	// ListUsers filters.
	if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &id, Username: aws.String("dave@example.org"), MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	for filter, want := range map[string]int{`email = "carol@example.com"`: 1, `email ^= "DAVE"`: 1, `cognito:user_status = "FORCE_CHANGE_PASSWORD"`: 1, "": 2,
		`status = "Enabled"`: 2} {
		got, err := c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &id, Filter: aws.String(filter)})
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		if len(got.Users) != want {
			t.Errorf("%s: %d users, want %d", filter, len(got.Users), want)
		}
	}
	_, err = c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &id, Filter: aws.String(`password = "x"`)})
	awstest.WantCode(t, err, "InvalidParameterException")

	// AdminConfirmSignUp confirms without a code; only an unconfirmed user.
	erin, err := signUp("erin@example.com", "Str0ng-pass")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: &id, Username: erin.UserSub}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: &id, Username: erin.UserSub})
	awstest.WantCode(t, err, "NotAuthorizedException")
	if _, err := pool.SignIn(ctx, c, "erin@example.com", "Str0ng-pass"); err != nil {
		t.Fatal(err)
	}
	_, err = c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: aws.String("nobody@example.com")})
	awstest.WantCode(t, err, "UserNotFoundException")

	// AdminDeleteUser frees the email.
	if _, err := c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: &id, Username: aws.String("carol@example.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := signUp("carol@example.com", "Str0ng-pass"); err != nil {
		t.Fatal(err)
	}
}

// TestPoolAndClientValidation: bad requests answer AWS's errors and leave
// nothing behind.
func TestPoolAndClientValidation(t *testing.T) {
	env := cognitotest.Start(t)
	c := env.Client()
	ctx := context.Background()
	for _, in := range []*cip.CreateUserPoolInput{
		{PoolName: aws.String("x"), UsernameAttributes: []types.UsernameAttributeType{"email"}, AliasAttributes: []types.AliasAttributeType{"email"}},
		{PoolName: aws.String("x"), Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(3)}}},
	} {
		_, err := c.CreateUserPool(ctx, in)
		awstest.WantCode(t, err, "InvalidParameterException")
	}
	pools, err := c.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	if err != nil || len(pools.UserPools) != 0 {
		t.Fatalf("%d pools after refusals (%v)", len(pools.UserPools), err)
	}
	pool := cognitotest.NewPool(t, c)
	for _, in := range []*cip.CreateUserPoolClientInput{
		{UserPoolId: &pool.ID, ClientName: aws.String("x"), ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_EVERYTHING"}},
		{UserPoolId: &pool.ID, ClientName: aws.String("x"), AccessTokenValidity: aws.Int32(2), TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: "days"}},
		{UserPoolId: &pool.ID, ClientName: aws.String("x"), AllowedOAuthScopes: []string{"nothere/read"}},
	} {
		if _, err := c.CreateUserPoolClient(ctx, in); err == nil {
			t.Fatalf("accepted %+v", in)
		}
	}
	_, err = c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String("us-east-1_nothere"), ClientName: aws.String("x")})
	awstest.WantCode(t, err, "ResourceNotFoundException")
	clients, err := c.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: &pool.ID})
	if err != nil || len(clients.UserPoolClients) != 1 {
		t.Fatalf("%d clients after refusals (%v)", len(clients.UserPoolClients), err)
	}
	desc, err := c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &pool.ID})
	if err != nil || desc.UserPool.EstimatedNumberOfUsers != 1 || *desc.UserPool.Arn != "arn:aws:cognito-idp:us-east-1:000000000000:userpool/"+pool.ID {
		t.Fatalf("describe %+v %v", desc, err)
	}
	if _, err := c.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: &pool.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = pool.SignIn(ctx, c, pool.Username, pool.Password)
	awstest.WantCode(t, err, "ResourceNotFoundException")
}
