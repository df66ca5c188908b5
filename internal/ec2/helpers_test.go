package ec2_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ec2/ec2test"
)

const (
	vpcA    = "vpc-0a1b2c3d4e5f60718"
	vpcB    = "vpc-1a2b3c4d"
	subnet1 = "subnet-0123456789abcdef0"
	subnet2 = "subnet-0fedcba9876543210"
	sg1     = "sg-0123456789abcdef0"
	execAPI = "com.amazonaws.us-east-1.execute-api"
	s3      = "com.amazonaws.us-east-1.s3"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// interfaceEndpoint creates an execute-api Interface endpoint in vpc.
func interfaceEndpoint(t *testing.T, e *ec2test.Env, vpc string, mod ...func(*ec2.CreateVpcEndpointInput)) types.VpcEndpoint {
	t.Helper()
	in := &ec2.CreateVpcEndpointInput{
		VpcId: aws.String(vpc), ServiceName: aws.String(execAPI), VpcEndpointType: types.VpcEndpointTypeInterface,
		SubnetIds: []string{subnet1, subnet2}, SecurityGroupIds: []string{sg1},
	}
	for _, m := range mod {
		m(in)
	}
	out, err := e.Client().CreateVpcEndpoint(ctxT(t), in)
	if err != nil {
		t.Fatal(err)
	}
	return *out.VpcEndpoint
}

// describeAll lists every endpoint's id.
func describeAll(t *testing.T, e *ec2test.Env) []string {
	t.Helper()
	out, err := e.Client().DescribeVpcEndpoints(ctxT(t), &ec2.DescribeVpcEndpointsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range out.VpcEndpoints {
		ids = append(ids, aws.ToString(v.VpcEndpointId))
	}
	return ids
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	awstest.WantCode(t, err, code)
}
