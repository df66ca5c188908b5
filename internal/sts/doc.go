// Package sts is the AWS Security Token Service: GetCallerIdentity,
// AssumeRole and GetSessionToken, in awsQuery (Version=2011-06-15).
//
// The temporary credentials it issues (ASIA… access keys with a session
// token) are records in the store, so they outlive a restart until they
// expire. Control is the awsapi.SessionKeys the server's SigV4 verifier
// asks about every ASIA… key: a request signed with issued credentials
// and carrying their X-Amz-Security-Token is authenticated like one
// signed with the configured keys; an unknown key or token is refused
// with InvalidClientTokenId, an expired one with ExpiredToken.
//
// AssumeRole reads roles through IAM's Control; trust policies are not
// evaluated (Portolan enforces no policy), so any authenticated caller
// may assume any role that exists.
package sts
