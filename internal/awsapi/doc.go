// Package awsapi holds the wire protocols every Portolan service shares:
// awsJson1_1 (POST / with X-Amz-Target dispatch), restJson1 routing, the
// encoding of AWS errors, SigV4 verification, timestamps, ids and ARNs.
//
// A service package builds its handlers from these pieces and returns
// *Error values; how an error looks on the wire is decided here, once.
package awsapi
