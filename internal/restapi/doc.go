// Package restapi is Portolan's API Gateway for REST APIs (apigateway, the
// v1 API): REST APIs, their resource trees, methods and integrations,
// deployments, stages, VPC links (to Network Load Balancers), API keys,
// usage plans and the account's settings, served over restJson1 at
// /restapis, /vpclinks, /apikeys, /usageplans, /account and /tags by
// Register, and as a Go API (the exported methods of Control, with the
// wire's inputs and outputs) for in-process callers such as the
// CloudFormation deployer.
//
// Where it sits. Writes go to the store under restapi/ in one transaction
// each. View follows the store and publishes immutable Snapshots; the REST
// data plane serves requests from them and never reads the store. A stage
// serves the config of its deployment only: CreateDeployment freezes the
// API's resources, methods, integrations and resource policy, so a change
// (the policy included) takes effect on the next deployment, as on AWS.
package restapi
