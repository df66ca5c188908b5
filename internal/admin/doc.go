// Package admin serves Portolan's own endpoints under /_portolan on the api
// address: the status view (`portolan status`) and the log stream
// (`portolan logs`). It also holds their wire types, the JSON shapes the
// CLI reads. Stacks are deployed through the CloudFormation API (package
// cloudformation), which `portolan deploy` and `destroy` call like any
// client.
//
// Admin owns no state and no goroutine of its own: it reads through the
// services' exported Go APIs, the same calls the AWS APIs answer, handed to
// it in a Config by internal/server, which mounts its handlers next to
// /_portolan/health (that one belongs to the server's lifecycle).
package admin
