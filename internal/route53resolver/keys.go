package route53resolver

// Store layout, under keyPrefix; the View folds the resource kinds back.
const keyPrefix = "route53resolver/"

const (
	endpointPrefix = keyPrefix + "endpoint/"
	rulePrefix     = keyPrefix + "rule/"
	assocPrefix    = keyPrefix + "assoc/"
)

func endpointKey(id string) string { return endpointPrefix + id }
func ruleKey(id string) string     { return rulePrefix + id }
func assocKey(id string) string    { return assocPrefix + id }

// requestKey holds the id a CreatorRequestId created: it is used once.
func requestKey(kind, creatorRequestID string) string {
	return keyPrefix + "req/" + kind + "/" + creatorRequestID
}

// ruleUsersKey is rewritten whenever a VPC is associated with the rule or
// disassociated from it: DeleteResolverRule compares on it, so it never
// races an association.
func ruleUsersKey(id string) string { return keyPrefix + "ruleusers/" + id }

// ipKey holds the endpoint an address belongs to: an address serves one
// endpoint.
func ipKey(ip string) string { return keyPrefix + "ip/" + ip }

// endpointRecord is what the store holds for an endpoint.
type endpointRecord struct {
	ResolverEndpoint
	IpAddresses []IpAddressResponse
	Tags        []Tag `json:",omitempty"`
}

// ruleRecord is what the store holds for a rule.
type ruleRecord struct {
	ResolverRule
	Tags []Tag `json:",omitempty"`
}
