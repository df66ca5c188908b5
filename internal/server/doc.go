// Package server wires Portolan's roles into one process from a Config:
// the store, the AWS endpoint with every service's API, the /_portolan
// endpoints (package admin), and the controllers and data-plane listeners.
// It is the only place that knows every part; the parts know only the
// store and each other's Go APIs. lifecycle.go lists the roles a process
// runs and the order each goes through: New, Run(ctx), Ready.
package server
