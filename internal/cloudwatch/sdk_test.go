package cloudwatch_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudwatch/cloudwatchtest"
)

// TestSDK drives CloudWatch with aws-sdk-go-v2 in each protocol clients
// speak to it: Smithy RPC v2 CBOR (the SDK's own), awsJson1_0 (botocore's,
// so the AWS CLI v1's) and awsQuery (the CLI v2's): datapoints in and out,
// an alarm, AWS's error codes.
func TestSDK(t *testing.T) {
	for _, p := range []struct {
		name     string
		protocol func(*cw.Options)
	}{
		{"rpcv2cbor", nil},
		{"awsJson1_0", func(o *cw.Options) { o.Protocol = awsjson.New10(schemas.GraniteServiceVersion20100801) }},
		{"awsQuery", func(o *cw.Options) { o.Protocol = awsquery.New(schemas.GraniteServiceVersion20100801) }},
	} {
		t.Run(p.name, func(t *testing.T) { testSDK(t, p.protocol, p.name == "awsQuery") })
	}
}

func testSDK(t *testing.T, protocol func(*cw.Options), shapeNames bool) {
	e := cloudwatchtest.Start(t, cloudwatchtest.Options{MetricPeriod: time.Minute})
	ctx := context.Background()
	var opts []func(*cw.Options)
	if protocol != nil {
		opts = append(opts, protocol)
	}
	c := cw.NewFromConfig(awstest.Config(e.Endpoint, "test", "test"), opts...)
	wantCode := func(err error, code string) {
		t.Helper()
		var api smithy.APIError
		// Over awsQuery the SDK names a modeled error by its shape
		// (InvalidParameterValueException for the InvalidParameterValue
		// on the wire, which the CLI test sees).
		if !errors.As(err, &api) || (api.ErrorCode() != code && (!shapeNames || api.ErrorCode() != code+"Exception")) {
			t.Fatalf("want %s, got %v", code, err)
		}
	}
	now := time.Now().UTC().Truncate(time.Minute)
	dims := []cwtypes.Dimension{{Name: aws.String("Queue"), Value: aws.String("jobs")}}
	_, err := c.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String("App"), MetricData: []cwtypes.MetricDatum{
		{MetricName: aws.String("Depth"), Dimensions: dims, Timestamp: aws.Time(now.Add(-90 * time.Second)), Value: aws.Float64(-4), Unit: cwtypes.StandardUnitCount},
		{MetricName: aws.String("Depth"), Dimensions: dims, Timestamp: aws.Time(now.Add(-80 * time.Second)), StatisticValues: &cwtypes.StatisticSet{
			SampleCount: aws.Float64(2), Sum: aws.Float64(20), Minimum: aws.Float64(8), Maximum: aws.Float64(12)}, Unit: cwtypes.StandardUnitCount},
	}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.GetMetricStatistics(ctx, &cw.GetMetricStatisticsInput{Namespace: aws.String("App"), MetricName: aws.String("Depth"), Dimensions: dims,
		StartTime: aws.Time(now.Add(-5 * time.Minute)), EndTime: aws.Time(now), Period: aws.Int32(60),
		Statistics: []cwtypes.Statistic{cwtypes.StatisticAverage, cwtypes.StatisticMinimum, cwtypes.StatisticSampleCount}})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Datapoints) != 1 {
		t.Fatalf("datapoints = %+v, want one period", st.Datapoints)
	}
	dp := st.Datapoints[0]
	if *dp.SampleCount != 3 || *dp.Average != 16.0/3 || *dp.Minimum != -4 || dp.Unit != cwtypes.StandardUnitCount || !dp.Timestamp.Equal(now.Add(-2*time.Minute)) {
		t.Errorf("datapoint = %+v at %v", dp, dp.Timestamp)
	}
	_, err = c.PutMetricAlarm(ctx, &cw.PutMetricAlarmInput{AlarmName: aws.String("deep"), MetricName: aws.String("Depth"), Namespace: aws.String("App"),
		Dimensions: dims, Statistic: cwtypes.StatisticMaximum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(2), Threshold: aws.Float64(100),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold, AlarmActions: []string{"arn:aws:sns:us-east-1:000000000000:ops"}})
	if err != nil {
		t.Fatal(err)
	}
	al, err := c.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{AlarmNames: []string{"deep"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(al.MetricAlarms) != 1 || al.MetricAlarms[0].StateValue != cwtypes.StateValueInsufficientData || *al.MetricAlarms[0].EvaluationPeriods != 2 ||
		al.MetricAlarms[0].AlarmActions[0] != "arn:aws:sns:us-east-1:000000000000:ops" || *al.MetricAlarms[0].AlarmArn != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:deep" {
		t.Errorf("alarm = %+v", al.MetricAlarms)
	}
	lm, err := c.ListMetrics(ctx, &cw.ListMetricsInput{Namespace: aws.String("App")})
	if err != nil || len(lm.Metrics) != 1 || *lm.Metrics[0].Dimensions[0].Value != "jobs" {
		t.Errorf("list metrics = %+v, %v", lm, err)
	}

	rev := e.Store.Revision()
	_, err = c.DeleteAlarms(ctx, &cw.DeleteAlarmsInput{AlarmNames: []string{"deep", "nope"}})
	wantCode(err, "ResourceNotFound")
	_, err = c.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String("AWS/EC2"), MetricData: []cwtypes.MetricDatum{{MetricName: aws.String("x"), Value: aws.Float64(1)}}})
	wantCode(err, "InvalidParameterValue")
	_, err = c.GetMetricStatistics(ctx, &cw.GetMetricStatisticsInput{Namespace: aws.String("App"), MetricName: aws.String("Depth"),
		StartTime: aws.Time(now.Add(-30 * 24 * time.Hour)), EndTime: aws.Time(now), Period: aws.Int32(60), Statistics: []cwtypes.Statistic{cwtypes.StatisticSum}})
	wantCode(err, "InvalidParameterCombination")
	if got := e.Store.Revision(); got != rev {
		t.Errorf("revision %d -> %d after refused requests", rev, got)
	}
	if _, err = c.DeleteAlarms(ctx, &cw.DeleteAlarmsInput{AlarmNames: []string{"deep"}}); err != nil {
		t.Fatal(err)
	}
}
