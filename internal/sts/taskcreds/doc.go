// Package taskcreds gives ECS tasks their task role's credentials, as the
// ECS agent does: the containers of a task whose definition names a
// taskRoleArn are told AWS_CONTAINER_CREDENTIALS_FULL_URI, a loopback URL
// on Portolan's api listener, and AWS_CONTAINER_AUTHORIZATION_TOKEN, the
// task's own secret, which the SDKs send as the Authorization header.
// The endpoint answers STS credentials for the role (the session named
// after the task), which the api then accepts like any STS session. Every
// task is also told AWS_ENDPOINT_URL and AWS_REGION, so an SDK inside it
// calls Portolan with no configuration at all.
//
// The agent asks Environment before it starts a container and Release
// once the task is deprovisioned (agent.TaskEnvironment). Each task's
// token and current credentials are one record in the store, so a
// restarted server keeps serving the tasks it re-adopts.
//
// Where tasks reach the api is the server's choice (Config.Endpoint): on
// the process runtime the api listener's loopback address; on the docker
// runtime 169.254.170.2, ECS's own credentials address, which the server
// makes an address of the host and serves the api on (internal/server's
// taskcreds.go). Those are the plain-http hosts the SDKs accept.
package taskcreds
