// Package iamtest runs IAM and STS for tests, as the server runs them: a
// real bolt store in a temp dir, both APIs on one loopback listener that
// verifies SigV4 (the configured key pair and the temporary credentials
// STS issues), and STS's Run started. STS's clock can be moved forward,
// so that a test sees credentials expire without waiting for them.
package iamtest
