// Package cognito is Amazon Cognito user pools (cognito-idp, awsJson1_1,
// AWSCognitoIdentityProviderService.<Op>): the local identity provider
// whose tokens HTTP APIs' JWT authorizers accept.
//
// A pool holds users (passwords as argon2id hashes only), groups, app
// clients, resource servers and a domain. Sign-in (InitiateAuth,
// AdminInitiateAuth, RespondToAuthChallenge) issues ID and access tokens
// shaped as Cognito's, signed RS256 with the pool's key, whose issuer is
// the real https://cognito-idp.<region>.amazonaws.com/<poolId>: a template
// or a configuration naming that issuer works unchanged. Refresh tokens
// are opaque; the store keeps only their hashes. Repeated wrong passwords
// lock a user out as Cognito does (password.go).
//
// The signing keys live in the store and survive restarts. The read side
// (view.go) holds every pool's public keys and the domains: the gateway's
// JWT authorizers take a local pool's keys from it (IssuerKey, the
// jwtauth.LocalKeys the server wires in) without any network, and the
// HTTP endpoints (endpoints.go) serve discovery documents, key sets and
// the OAuth2 token endpoint from it.
//
// The files follow every service's skeleton: service.go, keys.go,
// errors.go, model.go, api.go, then userpools.go, clients.go,
// resourceservers.go, domains.go, groups.go, users.go, signup.go, auth.go
// (sign-in and sign-out), tokens.go (what a token holds), signingkeys.go,
// password.go (hashing, policy, lockout), filter.go (ListUsers' filter),
// tags.go (pools' tags and MFA setting), view.go and endpoints.go.
package cognito
