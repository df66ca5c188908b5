package elbv2

// Store layout. A load balancer's listeners and their rules live inside its
// record: a listener's port and a rule's priority must be unique within
// the load balancer, and one record makes every change one compare-and-swap.
// A target group's registered targets live inside its record for the same
// reason. Target health lives apart, under keys the health checker alone
// writes, so probing never contends with configuration changes.
const (
	keyPrefix          = "elbv2/"
	loadBalancerPrefix = keyPrefix + "lb/"
	targetGroupPrefix  = keyPrefix + "tg/"
	healthPrefix       = keyPrefix + "health/"
)

func loadBalancerKey(id string) string { return loadBalancerPrefix + id }
func targetGroupKey(id string) string  { return targetGroupPrefix + id }

// targetHealthPrefix holds the health of every target of a target group.
func targetHealthPrefix(tgID string) string { return healthPrefix + tgID + "/" }

// targetHealthKey is one target's health: a target is its id and port.
func targetHealthKey(tgID, target string) string { return targetHealthPrefix(tgID) + target }

// Guards: one key per taken load balancer name, target group name and
// load balancer address. A create requires its guards Absent and writes
// them with its record, so two creates racing for one name or one address
// cannot both win; a delete removes them with the record.
const (
	loadBalancerNamePrefix = keyPrefix + "lbname/"
	targetGroupNamePrefix  = keyPrefix + "tgname/"
	addressPrefix          = keyPrefix + "address/"
)

func loadBalancerNameKey(name string) string { return loadBalancerNamePrefix + name }
func targetGroupNameKey(name string) string  { return targetGroupNamePrefix + name }
func addressKey(addr string) string          { return addressPrefix + addr }
