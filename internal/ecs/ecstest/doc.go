// Package ecstest runs ECS for tests without the rest of the server: a
// bolt store in a temp dir; the ECS control plane, its Scheduler and the
// agent on the process runtime; and, because ECS truly needs them, Cloud
// Map (serviceRegistries, DiscoverInstances; through package
// ecs/discovery) and CloudWatch Logs (where awslogs output goes). All of
// them serve one AWS endpoint on a loopback port, with an aws-sdk-go-v2
// configuration that points at it.
//
// It wires the parts as internal/server does. Tests that need the DNS
// server, the gateway, the docker runtime or a server process to kill
// stay on internal/server/servertest.
package ecstest
