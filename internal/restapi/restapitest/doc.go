// Package restapitest runs API Gateway's REST API control plane for tests:
// a real bolt store in a temp dir, the apigateway API on a loopback
// listener beside Elastic Load Balancing v2's (VPC links look their Network
// Load Balancers up there), and Control.Run (the View and the VPC link
// reconciler) started, as the server runs them.
package restapitest
