package cloudmap_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudmap/cloudmaptest"
)

// TestRequiredMembers is generated from the SDK's own validators: for
// every operation, each required member left out (the others given) is
// refused with InvalidInput and changes nothing, as AWS refuses it before
// looking anything up.
func TestRequiredMembers(t *testing.T) {
	e := cloudmaptest.Start(t)
	if n := awstest.CheckRequired(t, servicediscovery.NewFromConfig(e.AWS), e.Store.Revision, "InvalidInput"); n < 20 {
		t.Fatalf("only %d cases: the SDK's validators were not read", n)
	}
}

// TestEnumAndRangeMembers is generated from botocore's model of Cloud Map:
// for every operation, each top-level enum member given a value outside
// its set, each string member too short or too long and each number out
// of its range is refused with InvalidInput and changes nothing. The
// other members name a real namespace and service and hold valid values,
// so that only the member under test is wrong.
func TestEnumAndRangeMembers(t *testing.T) {
	e := cloudmaptest.Start(t)
	c := e.Client()
	svc := httpService(t, c, "ns")
	nsID := aws.ToString(svc.Service.NamespaceId)
	given := awstest.Given{
		"ServiceId": aws.ToString(svc.Service.Id), "ResourceARN": aws.ToString(svc.Service.Arn),
		"NamespaceName": "ns", "ServiceName": "s",
		"CreateService.NamespaceId":     nsID,
		"CreatePublicDnsNamespace.Name": "example.com",
		"TagResource.Tags":              []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
		"UpdateHttpNamespace.Id":        nsID,
		"UpdateHttpNamespace.Namespace": &types.HttpNamespaceChange{Description: aws.String("d")},
	}
	model := awstest.LoadModel(t, "servicediscovery")
	n := awstest.CheckConstraints(t, c, model, e.Store.Revision, given, "InvalidInput")
	t.Logf("%d cases", n)
	if n < 60 {
		t.Fatalf("only %d cases: the model's constraints were not read", n)
	}
}
