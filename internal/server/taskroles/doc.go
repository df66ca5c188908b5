// Package taskroles holds the whole-server tests of tasks that call AWS
// with their task role (on the process and docker runtimes) and of tasks
// in EC2 subnets on the docker runtime (addresses in the subnet's block,
// reachability within the VPC, re-adoption after kill -9).
//
// They share a package because the docker ones need the task credentials
// endpoint, 169.254.170.2:80, of which a machine has one: go test runs a
// package's tests one at a time but packages side by side. Servers that
// other packages' tests start as processes leave it alone
// (servertest.StartProcess and StartUp pass --docker-task-credentials=false).
package taskroles
