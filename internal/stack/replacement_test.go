package stack

import "testing"

// TestRequiresRecreation: what a change set says of a property's change
// follows what the type's handler does with it.
func TestRequiresRecreation(t *testing.T) {
	for _, c := range []struct{ typ, prop, want string }{
		{"AWS::Route53::HostedZone", "Name", "Always"},
		{"AWS::Route53::HostedZone", "HostedZoneConfig", "Never"},
		{"AWS::Route53::HostedZone", "VPCs", "Conditionally"}, // public ↔ private only
		{"AWS::Route53::RecordSet", "Type", "Always"},
		{"AWS::Route53::RecordSet", "ResourceRecords", "Never"},
		{"AWS::Route53::RecordSetGroup", "HostedZoneName", "Always"},
		{"AWS::Route53::RecordSetGroup", "RecordSets", "Never"},
		{"AWS::ApiGateway::Deployment", "Description", "Always"},
		{"AWS::EC2::VPC", "CidrBlock", "Always"},
		{"AWS::EC2::VPC", "EnableDnsHostnames", "Never"},
		{"AWS::CDK::Metadata", "Analytics", "Never"},           // accepted placeholder: updated in place
		{"AWS::Example::Unknown", "Anything", "Conditionally"}, // a handler this table does not know
	} {
		if got := requiresRecreation(c.typ, c.prop); got != c.want {
			t.Errorf("%s %s: %s, want %s", c.typ, c.prop, got, c.want)
		}
	}
}
