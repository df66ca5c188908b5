package stack

import (
	"context"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// notEmulated lists types that describe AWS's own plumbing: there is
// nothing to run for them here, but templates need their Refs and GetAtts.
// They are recorded with a physical id and listed as "accepted, not
// emulated". The value is the id prefix AWS uses. The AWS::EC2 types are
// emulated by Config.EC2 (ec2Handlers); they are here for deployers made
// without it.
var notEmulated = map[string]string{
	"AWS::EC2::VPC":                         "vpc-",
	"AWS::EC2::Subnet":                      "subnet-",
	"AWS::EC2::SecurityGroup":               "sg-",
	"AWS::EC2::SecurityGroupIngress":        "sgr-",
	"AWS::EC2::SecurityGroupEgress":         "sgr-",
	"AWS::EC2::RouteTable":                  "rtb-",
	"AWS::EC2::Route":                       "r-",
	"AWS::EC2::SubnetRouteTableAssociation": "rtbassoc-",
	"AWS::EC2::InternetGateway":             "igw-",
	"AWS::EC2::VPCGatewayAttachment":        "igw-attach-",
	"AWS::EC2::NatGateway":                  "nat-",
	"AWS::EC2::EIP":                         "eipalloc-",
	"AWS::EC2::VPCEndpoint":                 "vpce-", // emulated with Config.EC2 (ec2.go)
	"AWS::EC2::VPCPeeringConnection":        "pcx-",
	"AWS::IAM::Role":                        "", // emulated with Config.IAM (iam.go)
	"AWS::IAM::Policy":                      "", // emulated with Config.IAM
	"AWS::IAM::ManagedPolicy":               "", // emulated with Config.IAM
	"AWS::IAM::InstanceProfile":             "", // emulated with Config.IAM
	"AWS::ECR::Repository":                  "", // emulated with Config.ECR (ecr.go)
	"AWS::CDK::Metadata":                    "",
}

// placeholder stands in for an AWS resource that has no local counterpart.
type placeholder struct {
	region, account string
}

// isPlaceholder reports whether h only accepts its resources (a type
// listed in notEmulated and not taken over by a service).
func isPlaceholder(h Handler) bool {
	_, ok := h.(placeholder)
	return ok
}

func (h placeholder) Create(_ context.Context, r *Resource) (string, map[string]any, error) {
	prefix := notEmulated[r.Type]
	id := prefix + awsapi.RandomHex(17)
	if prefix == "" {
		id = generatedName(r, 64)
		for _, k := range []string{"RoleName", "PolicyName", "ManagedPolicyName", "RepositoryName", "InstanceProfileName"} {
			if v := str(r.Props, k); v != "" {
				id = v
			}
		}
	}
	return id, h.attrs(r, id), nil
}

// attrs makes up the attributes the template asks for, in AWS's shapes.
func (h placeholder) attrs(r *Resource, id string) map[string]any {
	attrs := map[string]any{}
	service := strings.ToLower(strings.Split(r.Type, "::")[1])
	for _, name := range r.Wanted {
		switch {
		case name == "Arn" && r.Type == "AWS::IAM::Role":
			attrs[name] = awsapi.IAMRoleARN(h.account, id)
		case name == "Arn" && strings.HasPrefix(r.Type, "AWS::IAM::"):
			attrs[name] = awsapi.ARN("iam", "", h.account, "policy/"+id)
		case name == "Arn":
			attrs[name] = awsapi.ARN(service, h.region, h.account, strings.ToLower(strings.Split(r.Type, "::")[2])+"/"+id)
		case name == "RoleId":
			attrs[name] = "AROA" + strings.ToUpper(awsapi.RandomID(17))
		case name == "CidrBlock" || name == "AvailabilityZone":
			attrs[name] = str(r.Props, name)
		case name == "DefaultSecurityGroup":
			attrs[name] = "sg-" + awsapi.RandomHex(17)
		case name == "RepositoryUri":
			attrs[name] = h.account + ".dkr.ecr." + h.region + ".amazonaws.com/" + id
		default:
			attrs[name] = id // GroupId, VpcId, SubnetId, AllocationId...
		}
	}
	return attrs
}

func (h placeholder) Update(_ context.Context, r *Resource, _ map[string]any) (map[string]any, error) {
	return r.Attrs, nil
}

func (h placeholder) Delete(context.Context, *Resource) error { return nil }
