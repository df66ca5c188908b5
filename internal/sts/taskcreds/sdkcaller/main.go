// Command sdkcaller is an app as it would run on ECS: it loads the AWS
// SDK's default configuration (nothing of its own), lists the ECS
// clusters and asks STS who it is, printing both as JSON. Portolan's
// task-role tests run it as a task.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fail(err)
	}
	clusters, err := ecs.NewFromConfig(cfg).ListClusters(ctx, &ecs.ListClustersInput{})
	if err != nil {
		fail(err)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		fail(err)
	}
	b, _ := json.Marshal(map[string]any{"ClusterArns": clusters.ClusterArns, "Arn": id.Arn})
	fmt.Println(string(b))
}

func fail(err error) {
	fmt.Println("error:", err)
	os.Exit(1)
}
