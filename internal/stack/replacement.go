package stack

import "slices"

// replacingProperties lists, per resource type, the properties whose
// change makes the type's handler replace the resource (Update answers
// ErrReplace) rather than update it in place. A change set reports them as
// CloudFormation does ("RequiresRecreation": "Always"). The lists follow
// the handlers, which follow the "Update requires: Replacement" notes of
// AWS's resource reference; allReplaced types are replaced on any change.
var replacingProperties = map[string][]string{
	"AWS::ServiceDiscovery::HttpNamespace":          {"Name"},
	"AWS::ServiceDiscovery::PrivateDnsNamespace":    {"Name", "Vpc"},
	"AWS::ServiceDiscovery::PublicDnsNamespace":     {"Name"},
	"AWS::ServiceDiscovery::Service":                {"Name", "NamespaceId", "HealthCheckCustomConfig"},
	"AWS::ECS::Cluster":                             {"ClusterName"},
	"AWS::ECS::Service":                             {"ServiceName", "Cluster", "LaunchType"},
	"AWS::Logs::LogGroup":                           {"LogGroupName"},
	"AWS::ApiGatewayV2::Api":                        {},
	"AWS::ApiGatewayV2::Route":                      {"ApiId"},
	"AWS::ApiGatewayV2::Integration":                {"ApiId"},
	"AWS::ApiGatewayV2::Stage":                      {"ApiId", "StageName"},
	"AWS::ApiGatewayV2::VpcLink":                    {},
	"AWS::ApiGatewayV2::Authorizer":                 {"ApiId"},
	"AWS::ApiGatewayV2::DomainName":                 {"DomainName"},
	"AWS::ApiGatewayV2::ApiMapping":                 {"DomainName"},
	"AWS::ElasticLoadBalancingV2::LoadBalancer":     {"Name", "Scheme", "Type", "IpAddressType", "Subnets", "SecurityGroups", "SubnetMappings"},
	"AWS::ElasticLoadBalancingV2::TargetGroup":      {"Name", "Port", "Protocol", "ProtocolVersion", "VpcId", "TargetType", "IpAddressType"},
	"AWS::ElasticLoadBalancingV2::Listener":         {"LoadBalancerArn"},
	"AWS::ElasticLoadBalancingV2::ListenerRule":     {"ListenerArn"},
	"AWS::ECS::ClusterCapacityProviderAssociations": {"Cluster"},
	"AWS::ApiGateway::RestApi":                      {},
	"AWS::ApiGateway::Method":                       {"RestApiId", "ResourceId", "HttpMethod"},
	"AWS::ApiGateway::Stage":                        {"RestApiId", "StageName"},
	"AWS::ApiGateway::VpcLink":                      {"TargetArns"},
	"AWS::ApiGateway::Account":                      {},
	"AWS::ApiGateway::ApiKey":                       {"Value", "StageKeys"},
	"AWS::ApiGateway::UsagePlan":                    {},
	"AWS::EC2::VPCEndpoint":                         {"VpcId", "ServiceName", "VpcEndpointType"},
	"AWS::EC2::VPC":                                 {"CidrBlock", "InstanceTenancy"},
	"AWS::EC2::Subnet":                              {"VpcId", "CidrBlock", "AvailabilityZone", "AvailabilityZoneId"},
	"AWS::EC2::SecurityGroup":                       {"GroupName", "GroupDescription", "VpcId"},
	"AWS::EC2::InternetGateway":                     {},
	"AWS::EC2::RouteTable":                          {"VpcId"},
	"AWS::EC2::Route":                               {"RouteTableId", "DestinationCidrBlock"},
	"AWS::EC2::NatGateway":                          {"SubnetId", "AllocationId", "ConnectivityType", "PrivateIpAddress"},
	"AWS::EC2::EIP":                                 {"Domain"},
	"AWS::EC2::VPCPeeringConnection":                {"VpcId", "PeerVpcId", "PeerOwnerId", "PeerRegion"},
	"AWS::Route53::HostedZone":                      {"Name"},
	"AWS::Route53::RecordSet":                       {"Name", "Type", "SetIdentifier", "HostedZoneId", "HostedZoneName"},
	"AWS::Route53::RecordSetGroup":                  {"HostedZoneId", "HostedZoneName"},
	// AWS changes an endpoint's addresses, type and protocols in place;
	// Portolan replaces it (it has no per-address association calls).
	"AWS::Route53Resolver::ResolverEndpoint":        {"Direction", "IpAddresses", "SecurityGroupIds", "ResolverEndpointType", "Protocols"},
	"AWS::Route53Resolver::ResolverRule":            {"RuleType", "DomainName"},
	"AWS::Route53Resolver::ResolverRuleAssociation": {"ResolverRuleId", "VPCId", "Name"},
	"AWS::Cognito::UserPool":                        {"UserPoolName", "UsernameAttributes", "AliasAttributes", "UsernameConfiguration", "Schema"},
	"AWS::Cognito::UserPoolClient":                  {"UserPoolId", "GenerateSecret"},
	"AWS::Cognito::UserPoolDomain":                  {"UserPoolId", "Domain", "CustomDomainConfig"},
	"AWS::Cognito::UserPoolResourceServer":          {"UserPoolId", "Identifier"},
	"AWS::ECR::Repository":                          {"RepositoryName", "EncryptionConfiguration"},
	"AWS::ApplicationAutoScaling::ScalableTarget":   {"ResourceId", "ScalableDimension", "ServiceNamespace"},
	"AWS::ApplicationAutoScaling::ScalingPolicy":    {"PolicyName", "ResourceId", "ScalableDimension", "ScalingTargetId", "ServiceNamespace"},
	"AWS::CloudWatch::Alarm":                        {"AlarmName"},
}

// replacingForSomeValues lists properties whose change replaces the
// resource for some values only: a hosted zone's VPCs replace it when it
// turns from public to private or back, not when a private zone gains or
// loses a VPC.
var replacingForSomeValues = map[string][]string{
	"AWS::Route53::HostedZone": {"VPCs"},
}

var allReplaced = map[string]bool{
	"AWS::ECS::TaskDefinition":        true,
	"AWS::ServiceDiscovery::Instance": true,
	"AWS::ApiGatewayV2::Deployment":   true,
	"AWS::ApiGateway::Resource":       true,
	"AWS::ApiGateway::Deployment":     true,
	"AWS::ApiGateway::UsagePlanKey":   true,
	// Portolan replaces these on any change (CloudFormation updates a
	// rule's Description in place).
	"AWS::EC2::SecurityGroupIngress":        true,
	"AWS::EC2::SecurityGroupEgress":         true,
	"AWS::EC2::VPCGatewayAttachment":        true,
	"AWS::EC2::SubnetRouteTableAssociation": true,
	"AWS::Cognito::UserPoolGroup":           true,
	"AWS::Cognito::UserPoolUser":            true,
}

// requiresRecreation says whether changing a property of a resource type
// replaces the resource: Never, Always, or Conditionally for types whose
// handler's rules this table does not know (handlers plugged in through
// Config.Extra, for one).
func requiresRecreation(typ, prop string) string {
	if allReplaced[typ] {
		return "Always"
	}
	props, known := replacingProperties[typ]
	_, placeholder := notEmulated[typ]
	switch {
	case !known && placeholder:
		return "Never" // placeholders update in place
	case !known:
		return "Conditionally"
	case slices.Contains(props, prop):
		return "Always"
	case slices.Contains(replacingForSomeValues[typ], prop):
		return "Conditionally"
	}
	return "Never"
}
