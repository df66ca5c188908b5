package cloudmap_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
)

// TestPagination walks ListInstances page by page.
func TestPagination(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	op, _ := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("pages")})
	nsID := mustOp(t, c, op.OperationId).Targets["NAMESPACE"]
	svc, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("s"), NamespaceId: &nsID})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 25; i++ {
		if _, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String(string(rune('a' + i))), Attributes: map[string]string{"n": "1"}}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	pages := 0
	p := sd.NewListInstancesPaginator(c, &sd.ListInstancesInput{ServiceId: svc.Service.Id, MaxResults: aws.Int32(10)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, in := range out.Instances {
			if seen[*in.Id] {
				t.Fatalf("instance %s on two pages", *in.Id)
			}
			seen[*in.Id] = true
		}
	}
	if pages != 3 || len(seen) != 25 {
		t.Fatalf("%d pages, %d instances; want 3 and 25", pages, len(seen))
	}
}

// TestEmptyAttributes: Attributes is required but may be empty where no
// record needs one, as the API model allows (an HTTP namespace's
// instance); a DNS service's A record still needs its address.
func TestEmptyAttributes(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	op, _ := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("empty-attrs")})
	nsID := mustOp(t, c, op.OperationId).Targets["NAMESPACE"]
	svc, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("s"), NamespaceId: &nsID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String("i-1"), Attributes: map[string]string{}}); err != nil {
		t.Fatalf("an instance with no attributes: %v", err)
	}
	got, err := c.GetInstance(ctx, &sd.GetInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String("i-1")})
	if err != nil || len(got.Instance.Attributes) != 0 {
		t.Fatalf("GetInstance: %+v, %v", got, err)
	}
}
