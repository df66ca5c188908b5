package cloudmap_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
)

// TestDiscoverInstancesRandomOrder checks that DiscoverInstances answers in
// random order (spec §A.6), both when it returns every instance and when
// MaxResults makes it pick some: a client that always takes the first
// answer must spread its load.
func TestDiscoverInstancesRandomOrder(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	svc := httpService(t, c, "random")
	const n = 10
	for i := 0; i < n; i++ {
		if _, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String(fmt.Sprintf("i-%d", i)), Attributes: map[string]string{"n": fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name       string
		maxResults *int32
		want       int
	}{
		{"all instances", nil, n},
		{"MaxResults 3", aws.Int32(3), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			firsts := map[string]int{}
			for i := 0; i < 50; i++ {
				out, err := c.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("random"), ServiceName: aws.String("s"), MaxResults: tc.maxResults})
				if err != nil {
					t.Fatal(err)
				}
				got := ids(out.Instances)
				if len(got) != tc.want {
					t.Fatalf("%d instances, want %d", len(got), tc.want)
				}
				for j := 1; j < len(got); j++ {
					if got[j] == got[j-1] {
						t.Fatalf("instance %s returned twice: %v", got[j], got)
					}
				}
				firsts[*out.Instances[0].InstanceId]++
			}
			// With a uniform order the chance that 50 answers all start with
			// the same instance is 10^-49, and that they start with 4 or
			// fewer distinct ones below 10^-17: neither is a flake.
			if len(firsts) < n/2 {
				t.Fatalf("over 50 calls the first instance was only ever one of %v: the order is not random", firsts)
			}
		})
	}
}
