// Command app uses Portolan as its AWS, reached by name on a compose
// network (AWS_ENDPOINT_URL=http://portolan:4566): it registers itself as an
// instance of the Cloud Map service web in the HTTP namespace demo, then
// answers GET / with what DiscoverInstances finds there.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
)

func main() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx) // AWS_ENDPOINT_URL, the keys and the region from the environment
	if err != nil {
		log.Fatal(err)
	}
	c := sd.NewFromConfig(cfg)
	// Portolan may still be starting: depends_on waits for its container,
	// not for its API.
	for err = register(ctx, c); err != nil; err = register(ctx, c) {
		log.Printf("register: %v; again in a second", err)
		time.Sleep(time.Second)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		out, err := c.DiscoverInstances(r.Context(), &sd.DiscoverInstancesInput{NamespaceName: aws.String("demo"), ServiceName: aws.String("web")})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out.Instances)
	})
	log.Fatal(http.ListenAndServe(":8080", nil))
}

// register makes the namespace and the service if they are missing and
// registers this container, under its host name, at its address.
func register(ctx context.Context, c *sd.Client) error {
	ns, err := namespace(ctx, c)
	if err != nil {
		return err
	}
	svc, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("web"), NamespaceId: aws.String(ns)})
	var exists *types.ServiceAlreadyExists
	var id string
	switch {
	case errors.As(err, &exists):
		id = aws.ToString(exists.ServiceId)
	case err != nil:
		return err
	default:
		id = aws.ToString(svc.Service.Id)
	}
	host, _ := os.Hostname()
	addrs, err := net.LookupHost(host)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("own address: %v", err)
	}
	_, err = c.RegisterInstance(ctx, &sd.RegisterInstanceInput{
		ServiceId: aws.String(id), InstanceId: aws.String(host),
		Attributes: map[string]string{"AWS_INSTANCE_IPV4": addrs[0], "AWS_INSTANCE_PORT": "8080"},
	})
	return err
}

// namespace is the id of the HTTP namespace demo, made on first use.
func namespace(ctx context.Context, c *sd.Client) (string, error) {
	op, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("demo")})
	var exists *types.NamespaceAlreadyExists
	if errors.As(err, &exists) {
		return aws.ToString(exists.NamespaceId), nil
	}
	if err != nil {
		return "", err
	}
	for {
		got, err := c.GetOperation(ctx, &sd.GetOperationInput{OperationId: op.OperationId})
		if err != nil {
			return "", err
		}
		switch got.Operation.Status {
		case types.OperationStatusSuccess:
			return got.Operation.Targets[string(types.OperationTargetTypeNamespace)], nil
		case types.OperationStatusFail:
			return "", fmt.Errorf("create namespace: %s", aws.ToString(got.Operation.ErrorMessage))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
