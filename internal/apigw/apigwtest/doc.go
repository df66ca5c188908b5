// Package apigwtest runs API Gateway for tests: a bolt store in a temp dir,
// Cloud Map and the apigw control plane on one AWS endpoint (httptest, on
// loopback), and the gateway data plane on its own loopback listener, all
// wired as internal/server will wire them, plus SDK clients and an HTTP
// client that reaches <apiId>.execute-api.localhost without DNS.
//
// internal/server will wire the same parts; until it does, this is how
// tests run them together (bench/gateway does the same by hand).
package apigwtest
