package main

import (
	"context"

	"github.com/portolan/portolan/internal/cognito"
)

// cognitoIssuer makes a user pool, an app client and a user, signs the
// user in, and returns the pool as the issuer of -cognito: the client is
// the audience and the token is the user's ID token. The gateway takes the
// pool's keys from cg directly (gateway.Config.LocalKeys).
func cognitoIssuer(ctx context.Context, cg *cognito.Control) (*issuer, error) {
	pool, err := cg.CreateUserPool(ctx, &cognito.CreateUserPoolInput{PoolName: "bench"})
	if err != nil {
		return nil, err
	}
	id := pool.UserPool.Id
	cl, err := cg.CreateUserPoolClient(ctx, &cognito.UserPoolClientInput{UserPoolId: id, ClientName: "bench",
		ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH"}})
	if err != nil {
		return nil, err
	}
	if _, err := cg.AdminCreateUser(ctx, &cognito.AdminCreateUserInput{UserPoolId: id, Username: "bench", MessageAction: "SUPPRESS"}); err != nil {
		return nil, err
	}
	const password = "Bench-passw0rd"
	if _, err := cg.AdminSetUserPassword(ctx, &cognito.AdminSetUserPasswordInput{UserPoolId: id, Username: "bench", Password: password, Permanent: true}); err != nil {
		return nil, err
	}
	out, err := cg.InitiateAuth(ctx, &cognito.InitiateAuthInput{ClientId: cl.UserPoolClient.ClientId, AuthFlow: "USER_PASSWORD_AUTH",
		AuthParameters: map[string]string{"USERNAME": "bench", "PASSWORD": password}})
	if err != nil {
		return nil, err
	}
	return &issuer{url: cg.Issuer(id), token: out.AuthenticationResult.IdToken, audience: cl.UserPoolClient.ClientId}, nil
}
