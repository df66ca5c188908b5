// Package awstest is the part every service's test harness shares
// (apigwtest, cloudmaptest, ecstest, servertest, and the services' own test
// helpers): an aws-sdk-go-v2 configuration that reaches a Portolan endpoint
// on loopback, the AWS endpoint itself (an awsapi.Mux served by httptest,
// with the goroutines of the roles behind it), the bolt store they share,
// the test logger, the assertion on an AWS error code as the SDK
// decoded it, a loopback TCP target for data-plane tests, and the
// validation checks generated for every operation of a client (required
// members from the SDK's validators, value sets, lengths and ranges from
// botocore's model of the service).
//
// A harness wires its own service's parts between these pieces; what it
// must not do is copy them, so that a client-side workaround (the "data-"
// host, the SDK's request body) is fixed once for every test.
package awstest
