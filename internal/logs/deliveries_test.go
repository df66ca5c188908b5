package logs

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// TestDeliveries drives the delivery family through the SDK: a source, a
// log-group destination with a policy, a delivery between them, the
// conflicts AWS answers (a second delivery of the pair, deleting an end
// still in use), refused destinations that need a service Portolan lacks,
// and a teardown that leaves nothing.
func TestDeliveries(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx := ctxT(t)
	c := env.client
	src := must[*cwl.PutDeliverySourceOutput](t)(c.PutDeliverySource(ctx, &cwl.PutDeliverySourceInput{Name: aws.String("pool-logs"),
		ResourceArn: aws.String("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"), LogType: aws.String("USER_AUTH_EVENTS")}))
	if s := src.DeliverySource; aws.ToString(s.Service) != "cognito-idp" || s.Status != types.DeliverySourceStatusActive || len(s.ResourceArns) != 1 ||
		aws.ToString(s.Arn) != "arn:aws:logs:us-east-1:123456789012:delivery-source:pool-logs" {
		t.Fatalf("source = %+v", s)
	}
	group := "arn:aws:logs:us-east-1:000000000000:log-group:/vended/pool"
	dst := must[*cwl.PutDeliveryDestinationOutput](t)(c.PutDeliveryDestination(ctx, &cwl.PutDeliveryDestinationInput{Name: aws.String("to-group"),
		DeliveryDestinationConfiguration: &types.DeliveryDestinationConfiguration{DestinationResourceArn: aws.String(group)}}))
	if d := dst.DeliveryDestination; d.DeliveryDestinationType != types.DeliveryDestinationTypeCwl || d.OutputFormat != types.OutputFormatJson {
		t.Fatalf("destination = %+v", d)
	}
	rev := env.db.Revision()
	for _, bad := range []struct {
		err  error
		code string
	}{
		{second(c.PutDeliveryDestination(ctx, &cwl.PutDeliveryDestinationInput{Name: aws.String("to-s3"),
			DeliveryDestinationConfiguration: &types.DeliveryDestinationConfiguration{DestinationResourceArn: aws.String("arn:aws:s3:::bucket")}})), "ValidationException"},
		{second(c.PutDeliverySource(ctx, &cwl.PutDeliverySourceInput{Name: aws.String("bad name"), ResourceArn: aws.String("arn:aws:ecs:us-east-1:0:cluster/x"), LogType: aws.String("X")})), "ValidationException"},
		{second(c.PutDeliverySource(ctx, &cwl.PutDeliverySourceInput{Name: aws.String("pool-logs"),
			ResourceArn: aws.String("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"), LogType: aws.String("OTHER")})), "ConflictException"},
		{second(c.CreateDelivery(ctx, &cwl.CreateDeliveryInput{DeliverySourceName: aws.String("nosuch"), DeliveryDestinationArn: dst.DeliveryDestination.Arn})), "ResourceNotFoundException"},
		{second(c.GetDelivery(ctx, &cwl.GetDeliveryInput{Id: aws.String("nosuch")})), "ResourceNotFoundException"},
	} {
		if errCode(bad.err) != bad.code {
			t.Errorf("got %v, want %s", bad.err, bad.code)
		}
	}
	if env.db.Revision() != rev {
		t.Fatal("a refused call changed the store")
	}

	must[*cwl.PutDeliveryDestinationPolicyOutput](t)(c.PutDeliveryDestinationPolicy(ctx, &cwl.PutDeliveryDestinationPolicyInput{DeliveryDestinationName: aws.String("to-group"),
		DeliveryDestinationPolicy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"logs:CreateDelivery","Resource":"*"}]}`)}))
	pol := must[*cwl.GetDeliveryDestinationPolicyOutput](t)(c.GetDeliveryDestinationPolicy(ctx, &cwl.GetDeliveryDestinationPolicyInput{DeliveryDestinationName: aws.String("to-group")}))
	if pol.Policy == nil || aws.ToString(pol.Policy.DeliveryDestinationPolicy) == "" {
		t.Fatalf("policy = %+v", pol.Policy)
	}

	d := must[*cwl.CreateDeliveryOutput](t)(c.CreateDelivery(ctx, &cwl.CreateDeliveryInput{DeliverySourceName: aws.String("pool-logs"), DeliveryDestinationArn: dst.DeliveryDestination.Arn}))
	id := aws.ToString(d.Delivery.Id)
	if d.Delivery.DeliveryDestinationType != types.DeliveryDestinationTypeCwl || aws.ToString(d.Delivery.DeliverySourceName) != "pool-logs" {
		t.Fatalf("delivery = %+v", d.Delivery)
	}
	_, err := c.CreateDelivery(ctx, &cwl.CreateDeliveryInput{DeliverySourceName: aws.String("pool-logs"), DeliveryDestinationArn: dst.DeliveryDestination.Arn})
	if errCode(err) != "ConflictException" {
		t.Fatalf("a second delivery of the pair: %v", err)
	}
	for _, err := range []error{
		second(c.DeleteDeliverySource(ctx, &cwl.DeleteDeliverySourceInput{Name: aws.String("pool-logs")})),
		second(c.DeleteDeliveryDestination(ctx, &cwl.DeleteDeliveryDestinationInput{Name: aws.String("to-group")})),
	} {
		if errCode(err) != "ConflictException" {
			t.Errorf("deleting an end in use: %v", err)
		}
	}
	must[*cwl.UpdateDeliveryConfigurationOutput](t)(c.UpdateDeliveryConfiguration(ctx, &cwl.UpdateDeliveryConfigurationInput{Id: &id, RecordFields: []string{"event_timestamp", "message"}}))
	got := must[*cwl.GetDeliveryOutput](t)(c.GetDelivery(ctx, &cwl.GetDeliveryInput{Id: &id}))
	if len(got.Delivery.RecordFields) != 2 {
		t.Fatalf("after the update: %+v", got.Delivery)
	}
	if list := must[*cwl.DescribeDeliveriesOutput](t)(c.DescribeDeliveries(ctx, &cwl.DescribeDeliveriesInput{})); len(list.Deliveries) != 1 {
		t.Fatalf("deliveries = %+v", list.Deliveries)
	}

	must[*cwl.DeleteDeliveryOutput](t)(c.DeleteDelivery(ctx, &cwl.DeleteDeliveryInput{Id: &id}))
	must[*cwl.DeleteDeliverySourceOutput](t)(c.DeleteDeliverySource(ctx, &cwl.DeleteDeliverySourceInput{Name: aws.String("pool-logs")}))
	must[*cwl.DeleteDeliveryDestinationOutput](t)(c.DeleteDeliveryDestination(ctx, &cwl.DeleteDeliveryDestinationInput{Name: aws.String("to-group")}))
	if s := must[*cwl.DescribeDeliverySourcesOutput](t)(c.DescribeDeliverySources(ctx, &cwl.DescribeDeliverySourcesInput{})); len(s.DeliverySources) != 0 {
		t.Fatalf("sources left: %+v", s.DeliverySources)
	}
	if d := must[*cwl.DescribeDeliveryDestinationsOutput](t)(c.DescribeDeliveryDestinations(ctx, &cwl.DescribeDeliveryDestinationsInput{})); len(d.DeliveryDestinations) != 0 {
		t.Fatalf("destinations left: %+v", d.DeliveryDestinations)
	}
}

// second is the error of a call's two results.
func second[T any](_ T, err error) error { return err }
