// Package apigw is Portolan's API Gateway for HTTP APIs (apigatewayv2):
// APIs, routes, integrations, stages, deployments, authorizers and VPC
// links, served over restJson1 at /v2/... by Register, and as a Go API (the
// exported methods of Service, with the wire's inputs and outputs) for
// in-process callers such as the CloudFormation deployer.
//
// Where it sits. Writes go to the store under apigw/ in one transaction
// each. View follows the store and publishes immutable Snapshots; the data
// plane (package gateway) serves requests from them and never reads the
// store. A stage serves the config of its deployment only: CreateDeployment
// freezes the API's routes, integrations and authorizers, and a stage with
// autoDeploy gets a new deployment in the same transaction as every change,
// which is how AWS's autoDeploy behaves, without a background deployer.
//
// AWS behaviour relied on, and where it was checked:
//   - Paths, members and shapes: aws-sdk-go-v2/service/apigatewayv2 v1.35.2
//     (serializers and deserializers): listings are {"items","nextToken"}
//     with maxResults and nextToken as query parameters; timestamps are ISO
//     8601 strings; DeleteTags takes tagKeys in the query.
//   - timeoutInMillis: "between 50 and 30,000 milliseconds for HTTP APIs",
//     default 30 seconds (the SDK's CreateIntegrationInput doc).
//   - requestParameters keys, values and reserved headers: "Transform API
//     requests and responses for HTTP APIs" (package mapping).
//   - Private integrations: "API Gateway uses DiscoverInstances", the
//     integration URI is a Cloud Map service ARN (with optional attribute
//     filters as a query) or an ELB listener ARN ("Working with private
//     integrations for HTTP APIs"); AWS's refusal text for anything else is
//     quoted in validate.go.
//   - Route keys and precedence: package router (its doc.go).
//
// Assumed (not documented; chosen and tested): error messages other than
// the VPC link one; ConflictException for a duplicate route key and for
// deleting an integration or authorizer in use; maps in Update* merge, an
// empty value removing a key (documented for requestParameters only);
// pagination without maxResults returns everything; superseded automatic
// deployments keep their metadata but not their config (docs/compat.md).
package apigw
