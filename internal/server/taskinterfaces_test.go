package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestTaskNetworkInterfaces: a running awsvpc task in a subnet has one
// network interface in DescribeNetworkInterfaces, with the task's private
// address, as ECS makes them; while it runs, its subnet cannot be
// deleted, and once it stops the interface is gone.
func TestTaskNetworkInterfaces(t *testing.T) {
	app := runtimetest.BuildApp(t)
	env := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ec2c, ecsc := ec2.NewFromConfig(env.AWS), ecs.NewFromConfig(env.AWS)
	vpc, err := ec2c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.30.0.0/16")})
	must(t, err)
	subnet, err := ec2c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.30.1.0/24")})
	must(t, err)
	subnetID := *subnet.Subnet.SubnetId
	_, err = ecsc.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("eni")})
	must(t, err)
	td, err := ecsc.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("eni"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String(app), Essential: aws.Bool(true), Memory: aws.Int32(128)}}})
	must(t, err)
	run, err := ecsc.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("eni"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{subnetID}}}})
	must(t, err)
	task := run.Tasks[0].TaskArn
	bySubnet := &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{{Name: aws.String("subnet-id"), Values: []string{subnetID}}}}
	var enis []ec2types.NetworkInterface
	for len(enis) == 0 {
		out, err := ec2c.DescribeNetworkInterfaces(ctx, bySubnet)
		must(t, err)
		enis = out.NetworkInterfaces
		if len(enis) == 0 {
			sleep(ctx, t)
		}
	}
	tasks, err := ecsc.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("eni"), Tasks: []string{*task}})
	must(t, err)
	details := map[string]string{}
	for _, d := range tasks.Tasks[0].Attachments[0].Details {
		details[*d.Name] = *d.Value
	}
	eni := enis[0]
	if len(enis) != 1 || *eni.NetworkInterfaceId != details["networkInterfaceId"] || *eni.PrivateIpAddress != details["privateIPv4Address"] ||
		*eni.VpcId != *vpc.Vpc.VpcId || eni.Status != ec2types.NetworkInterfaceStatusInUse || !aws.ToBool(eni.RequesterManaged) {
		t.Fatalf("interface %+v for task attachment %v", enis, details)
	}
	_, err = ec2c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &subnetID})
	awstest.WantCode(t, err, "DependencyViolation")

	_, err = ecsc.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("eni"), Task: task})
	must(t, err)
	for {
		out, err := ec2c.DescribeNetworkInterfaces(ctx, bySubnet)
		must(t, err)
		if len(out.NetworkInterfaces) == 0 {
			break
		}
		sleep(ctx, t)
	}
	_, err = ec2c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &subnetID})
	must(t, err)
}

func sleep(ctx context.Context, t *testing.T) {
	t.Helper()
	select {
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	case <-time.After(100 * time.Millisecond):
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
