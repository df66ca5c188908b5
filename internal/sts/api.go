package sts

import "github.com/portolan/portolan/internal/awsapi"

// Version is the API version clients send (Version=2011-06-15).
const Version = "2011-06-15"

// Namespace is the xmlns of every answer.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// Register serves every STS operation Portolan has on mux.
func (c *Control) Register(mux *awsapi.Mux) {
	s := awsapi.NewQueryService(Version, Namespace)
	s.Handle("GetCallerIdentity", awsapi.QueryOp(c.GetCallerIdentity)) // identity.go
	s.Handle("AssumeRole", awsapi.QueryOp(c.AssumeRole))               // sessions.go
	s.Handle("GetSessionToken", awsapi.QueryOp(c.GetSessionToken))
	mux.AddQuery(s)
}
