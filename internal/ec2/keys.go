package ec2

// Store layout. Each EC2 object is one record under its kind's prefix,
// keyed by its id; a ClientToken used to create one is a guard key naming
// it, so that two retries racing with the same token cannot both create.
const (
	keyPrefix         = "ec2/"
	endpointPrefix    = keyPrefix + "vpce/"
	clientTokenPrefix = keyPrefix + "vpcetoken/"

	vpcPrefix      = keyPrefix + "vpc/"
	subnetPrefix   = keyPrefix + "subnet/"
	groupPrefix    = keyPrefix + "sg/"
	igwPrefix      = keyPrefix + "igw/"
	rtbPrefix      = keyPrefix + "rtb/"
	aclPrefix      = keyPrefix + "acl/"
	natPrefix      = keyPrefix + "nat/"
	eipPrefix      = keyPrefix + "eip/"
	peeringPrefix  = keyPrefix + "pcx/"
	natTokenPrefix = keyPrefix + "nattoken/"
	// publicIPPrefix guards an Elastic IP's address: one allocation each.
	publicIPPrefix = keyPrefix + "publicip/"
	// defaultVPCMadeKey records that the account's default VPC was made:
	// deleted afterwards, it stays deleted, as on AWS.
	defaultVPCMadeKey = keyPrefix + "defaultvpc"
)

func endpointKey(id string) string       { return endpointPrefix + id }
func clientTokenKey(token string) string { return clientTokenPrefix + token }
func vpcKey(id string) string            { return vpcPrefix + id }
func subnetKey(id string) string         { return subnetPrefix + id }
func groupKey(id string) string          { return groupPrefix + id }
func igwKey(id string) string            { return igwPrefix + id }
func rtbKey(id string) string            { return rtbPrefix + id }
func aclKey(id string) string            { return aclPrefix + id }
func natKey(id string) string            { return natPrefix + id }
func eipKey(id string) string            { return eipPrefix + id }
func peeringKey(id string) string        { return peeringPrefix + id }
func natTokenKey(token string) string    { return natTokenPrefix + token }
func publicIPKey(ip string) string       { return publicIPPrefix + ip }

// privateDNSPrefix guards a service's private DNS name in a VPC: one key
// per VPC and service naming the endpoint that answers it.
const privateDNSPrefix = keyPrefix + "privatedns/"

func privateDNSKey(vpcID, service string) string { return privateDNSPrefix + vpcID + "/" + service }

// kinds maps an id's prefix to the store prefix of its records and the
// resource type DescribeTags reports: every taggable object.
var kinds = []struct{ idPrefix, keyPrefix, resourceType string }{
	{"vpc-", vpcPrefix, "vpc"},
	{"subnet-", subnetPrefix, "subnet"},
	{"sg-", groupPrefix, "security-group"},
	{"igw-", igwPrefix, "internet-gateway"},
	{"rtb-", rtbPrefix, "route-table"},
	{"acl-", aclPrefix, "network-acl"},
	{"nat-", natPrefix, "natgateway"},
	{"eipalloc-", eipPrefix, "elastic-ip"},
	{"pcx-", peeringPrefix, "vpc-peering-connection"},
	{"vpce-", endpointPrefix, "vpc-endpoint"},
}
