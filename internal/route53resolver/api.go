package route53resolver

import "github.com/portolan/portolan/internal/awsapi"

// TargetPrefix is Route 53 Resolver's X-Amz-Target prefix.
const TargetPrefix = "Route53Resolver"

// Register serves every Route 53 Resolver operation on mux.
func (c *Control) Register(mux *awsapi.Mux) {
	s := awsapi.NewJSONService(TargetPrefix, "Message")
	s.Handle("CreateResolverEndpoint", awsapi.Op(c.CreateResolverEndpoint))
	s.Handle("GetResolverEndpoint", awsapi.Op(c.GetResolverEndpoint))
	s.Handle("UpdateResolverEndpoint", awsapi.Op(c.UpdateResolverEndpoint))
	s.Handle("DeleteResolverEndpoint", awsapi.Op(c.DeleteResolverEndpoint))
	s.Handle("ListResolverEndpoints", awsapi.Op(c.ListResolverEndpoints))
	s.Handle("ListResolverEndpointIpAddresses", awsapi.Op(c.ListResolverEndpointIpAddresses))
	s.Handle("CreateResolverRule", awsapi.Op(c.CreateResolverRule))
	s.Handle("GetResolverRule", awsapi.Op(c.GetResolverRule))
	s.Handle("UpdateResolverRule", awsapi.Op(c.UpdateResolverRule))
	s.Handle("DeleteResolverRule", awsapi.Op(c.DeleteResolverRule))
	s.Handle("ListResolverRules", awsapi.Op(c.ListResolverRules))
	s.Handle("AssociateResolverRule", awsapi.Op(c.AssociateResolverRule))
	s.Handle("DisassociateResolverRule", awsapi.Op(c.DisassociateResolverRule))
	s.Handle("GetResolverRuleAssociation", awsapi.Op(c.GetResolverRuleAssociation))
	s.Handle("ListResolverRuleAssociations", awsapi.Op(c.ListResolverRuleAssociations))
	mux.AddJSON(s)
}
