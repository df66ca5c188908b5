// Package cognitotest runs Cognito user pools alone for tests: a bolt
// store in a temp dir, the cognito-idp API and the pools' HTTP endpoints
// (discovery, key sets, the OAuth2 token endpoint) on a real loopback
// listener, and SDK clients for it.
//
// It wires the parts as internal/server does, without the rest of the
// server: tests that exercise only Cognito use it; tests that put its
// tokens through an HTTP API's authorizer use internal/server/servertest.
package cognitotest
