package cognito_test

import (
	"context"
	"testing"

	"github.com/portolan/portolan/internal/cognito/cognitotest"
)

// BenchmarkInitiateAuth is a USER_PASSWORD_AUTH sign-in as a client sees
// it: the SDK over loopback, the password's argon2id hash, the sign-in
// written (fsynced) to the store, and two RS256 signatures.
//
//	go test ./internal/cognito -run XXX -bench InitiateAuth -benchtime 200x
func BenchmarkInitiateAuth(b *testing.B) {
	env := cognitotest.Start(b)
	c := env.Client()
	pool := cognitotest.NewPool(b, c)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := pool.SignIn(ctx, c, pool.Username, pool.Password); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefresh is REFRESH_TOKEN_AUTH: no password hash, no write.
func BenchmarkRefresh(b *testing.B) {
	env := cognitotest.Start(b)
	c := env.Client()
	pool := cognitotest.NewPool(b, c)
	ctx := context.Background()
	out, err := pool.SignIn(ctx, c, pool.Username, pool.Password)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := pool.Refresh(ctx, c, *out.AuthenticationResult.RefreshToken); err != nil {
			b.Fatal(err)
		}
	}
}
