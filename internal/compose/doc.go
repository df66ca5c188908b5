// Package compose reads a Compose file (docker-compose.yml) and writes the
// CloudFormation template that runs the same services on Portolan: an ECS
// cluster named after the project, one task definition and one ECS service
// per compose service, each registered in Cloud Map under its compose name
// in the private DNS namespace <project>.local, so that services find each
// other by name through Portolan's DNS, as they do through the engine's DNS
// under docker compose.
//
// `portolan up --compose FILE` (cmd/portolan) loads the file here, builds
// the services' apps, starts a server and deploys the template on it like
// any other stack: the compose trial and the ECS deployment of a design run
// on the same engine, and Ctrl-C deletes the stack.
//
// # What maps to what
//
//	image            the container's image (on the process runtime, a path
//	                 beginning ./ or ../ is made absolute against the
//	                 compose file's directory)
//	build            context: a directory with a Go main package, which up
//	                 compiles statically (and, on the docker runtime, puts
//	                 in an image FROM scratch); the image is named by
//	                 `image`, else <project>-<service>, as compose names it
//	command,
//	entrypoint       command, entryPoint
//	environment      environment (a variable without a value is left out,
//	                 as compose leaves it out when the shell has none)
//	working_dir      workingDirectory
//	expose, ports    portMappings; the first port is the Cloud Map service's
//	                 SRV port. A published port gets an HTTP API whose VPC
//	                 link reaches the service through Cloud Map, served on
//	                 host_ip:published (default 127.0.0.1), so that a host
//	                 request goes where `docker compose` would send it
//	depends_on       the ECS service is created after those of its
//	                 dependencies have finished deploying (CloudFormation's
//	                 DependsOn), whatever the condition
//	healthcheck      the container's healthCheck (CMD and CMD-SHELL tests,
//	                 interval, timeout, retries, start_period); a service
//	                 with one is healthy in Cloud Map only while it passes
//	networks         one security group per network (described, not
//	                 enforced: every service reaches every other one)
//	deploy.replicas  desiredCount (default 1)
//
// Every other key is reported by Load, path by path, so that `portolan up`
// lists what it leaves out instead of dropping it silently: the loader's
// own fail-closed screening (loader.WithSupportedAttributes) does the walk.
package compose
