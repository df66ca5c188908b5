package cloudmap_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
)

// TestServiceAttributes adds, merges, deletes and reads service attributes,
// and checks the 30-attribute quota.
func TestServiceAttributes(t *testing.T) {
	c, env := client(t)
	ctx := context.Background()
	svc := httpService(t, c, "attrs")
	read := func() map[string]string {
		t.Helper()
		out, err := c.GetServiceAttributes(ctx, &sd.GetServiceAttributesInput{ServiceId: svc.Service.Id})
		if err != nil {
			t.Fatal(err)
		}
		a := out.ServiceAttributes
		if aws.ToString(a.ServiceArn) != *svc.Service.Arn || aws.ToString(a.ResourceOwner) != "000000000000" {
			t.Fatalf("ServiceAttributes = %+v", a)
		}
		return a.Attributes
	}
	if got := read(); len(got) != 0 {
		t.Fatalf("new service has attributes %v", got)
	}
	if _, err := c.UpdateServiceAttributes(ctx, &sd.UpdateServiceAttributesInput{ServiceId: svc.Service.Id, Attributes: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	// Updates merge into what is there; the service ARN works as the id.
	if _, err := c.UpdateServiceAttributes(ctx, &sd.UpdateServiceAttributesInput{ServiceId: svc.Service.Arn, Attributes: map[string]string{"b": "3", "c": "4"}}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(read()); got != "map[a:1 b:3 c:4]" {
		t.Fatalf("after two updates: %s", got)
	}
	// Deleting a key that is not there is not an error.
	if _, err := c.DeleteServiceAttributes(ctx, &sd.DeleteServiceAttributesInput{ServiceId: svc.Service.Id, Attributes: []string{"a", "nope"}}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(read()); got != "map[b:3 c:4]" {
		t.Fatalf("after delete: %s", got)
	}

	// 2 attributes + 29 new ones is over the quota of 30: refused whole.
	many := map[string]string{}
	for i := 0; i < 29; i++ {
		many[fmt.Sprintf("k%02d", i)] = "v"
	}
	before := env.Store.Revision()
	_, err := c.UpdateServiceAttributes(ctx, &sd.UpdateServiceAttributesInput{ServiceId: svc.Service.Id, Attributes: many})
	wantCode(t, err, "ServiceAttributesLimitExceededException")
	if after := env.Store.Revision(); after != before {
		t.Fatalf("refused update moved the store from revision %d to %d", before, after)
	}
	if got := fmt.Sprint(read()); got != "map[b:3 c:4]" {
		t.Fatalf("after refused update: %s", got)
	}
	delete(many, "k00")
	if _, err := c.UpdateServiceAttributes(ctx, &sd.UpdateServiceAttributesInput{ServiceId: svc.Service.Id, Attributes: many}); err != nil {
		t.Fatalf("exactly 30 attributes: %v", err)
	}
	if got := read(); len(got) != 30 {
		t.Fatalf("%d attributes, want 30", len(got))
	}

	if _, err := c.DeleteService(ctx, &sd.DeleteServiceInput{Id: svc.Service.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetServiceAttributes(ctx, &sd.GetServiceAttributesInput{ServiceId: svc.Service.Id})
	wantCode(t, err, "ServiceNotFound")
}
