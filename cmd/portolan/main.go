// Command portolan runs AWS's service-discovery stack — Cloud Map, ECS,
// API Gateway — on one machine, speaking AWS's own wire protocols.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `portolan runs the API Gateway → Cloud Map → ECS stack locally.

Usage:
  portolan up [DIR]                                      run a server, deploy DIR (default examples/quickstart), follow its logs
  portolan up --compose FILE                             the same with a compose file's services as ECS services
  portolan server [flags]                                run every role in this process
  portolan deploy -f TEMPLATE --stack-name NAME [...]    deploy a CloudFormation template
  portolan destroy NAME                                  delete a stack and what it created
  portolan status [--json]                               what runs: APIs, services, tasks, health
  portolan logs [--follow] [--since 10m] TARGET          print a log group's, a service's or a task's logs
  portolan store copy --from bolt:DIR --to etcd://HOST:PORT[,HOST:PORT...]
                                                         move a stopped server's state into an empty store
  portolan version                                       the version and commit this binary was built from

Run 'portolan <command> -h' for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "server":
		err = runServer(ctx, os.Args[2:])
	case "up":
		err = runUp(ctx, os.Args[2:])
	case "deploy":
		err = runDeploy(ctx, os.Args[2:])
	case "destroy":
		err = runDestroy(ctx, os.Args[2:])
	case "status":
		err = runStatus(ctx, os.Args[2:])
	case "logs":
		err = runLogs(ctx, os.Args[2:])
	case "store":
		err = runStore(ctx, os.Args[2:])
	case "version", "--version":
		printVersion(os.Stdout)
		return
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "portolan: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		slog.Error("portolan: " + err.Error())
		os.Exit(1)
	}
}
