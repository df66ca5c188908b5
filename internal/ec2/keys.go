package ec2

// Store layout. Each endpoint is one record; a ClientToken used to create
// one is a guard key naming it, so that two retries racing with the same
// token cannot both create.
const (
	keyPrefix         = "ec2/"
	endpointPrefix    = keyPrefix + "vpce/"
	clientTokenPrefix = keyPrefix + "vpcetoken/"
)

func endpointKey(id string) string       { return endpointPrefix + id }
func clientTokenKey(token string) string { return clientTokenPrefix + token }

// privateDNSPrefix guards a service's private DNS name in a VPC: one key
// per VPC and service naming the endpoint that answers it.
const privateDNSPrefix = keyPrefix + "privatedns/"

func privateDNSKey(vpcID, service string) string { return privateDNSPrefix + vpcID + "/" + service }
