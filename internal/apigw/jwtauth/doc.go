// Package jwtauth is the JWT authorizer of HTTP APIs, as "Control access to
// HTTP APIs with JWT authorizers in API Gateway" describes it: the token is
// taken from the identity source (alone or after "Bearer "), decoded, its
// RSA signature checked with the key its kid names in the issuer's key set
// (found through the issuer's OpenID Connect discovery document and cached
// for two hours), then its claims: exp in the future, nbf and iat in the
// past, iss equal to the issuer, aud (or client_id when there is no aud)
// one of the audiences, and, per route, at least one of the route's
// authorization scopes in scope or scp.
//
// JOSE itself (compact parsing, base64url, RSA and RSA-PSS verification,
// JWK decoding) is github.com/lestrrat-go/jwx; this package decides which
// algorithms and keys are acceptable and applies API Gateway's claim rules,
// which differ from the libraries' (client_id standing in for aud).
//
// It sits beside the control plane and the data plane and imports neither:
// the control plane (internal/apigw) validates authorizer configurations
// with it, the gateway (internal/apigw/gateway) verifies tokens with it.
//
// Issuers must be https, as on AWS, or http on a loopback host so that an
// identity provider on the developer's machine works.
package jwtauth
