package logs

import (
	"fmt"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// TestMetricFilters drives metric filters through the SDK: validation that
// changes nothing, create and replace, the listings and their filters,
// paging across groups whose names sort around the separator, the count in
// DescribeLogGroups, the quota, and filters leaving with their group.
func TestMetricFilters(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx := ctxT(t)
	for _, g := range []string{"a", "a.b", "b"} {
		must[*cwl.CreateLogGroupOutput](t)(env.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(g)}))
	}
	put := func(group, name, pattern string, tr types.MetricTransformation) error {
		_, err := env.client.PutMetricFilter(ctx, &cwl.PutMetricFilterInput{LogGroupName: aws.String(group), FilterName: aws.String(name),
			FilterPattern: aws.String(pattern), MetricTransformations: []types.MetricTransformation{tr}})
		return err
	}
	count := types.MetricTransformation{MetricName: aws.String("Errors"), MetricNamespace: aws.String("App"), MetricValue: aws.String("1")}
	latency := types.MetricTransformation{MetricName: aws.String("Latency"), MetricNamespace: aws.String("App"), MetricValue: aws.String("$.latency"),
		Unit: types.StandardUnitMilliseconds, Dimensions: map[string]string{"Route": "$.route"}}

	for _, c := range []struct {
		group, name, pattern string
		tr                   types.MetricTransformation
		code                 string
	}{
		{"missing", "f", "ERROR", count, "ResourceNotFoundException"},
		{"a", "bad:name", "ERROR", count, "InvalidParameterException"},
		{"a", "f", "{ $.x = ", count, "InvalidParameterException"},
		{"a", "f", "ERROR", types.MetricTransformation{MetricName: aws.String("E*"), MetricNamespace: aws.String("App"), MetricValue: aws.String("1")}, "InvalidParameterException"},
		{"a", "f", "ERROR", types.MetricTransformation{MetricName: aws.String("E"), MetricNamespace: aws.String("App"), MetricValue: aws.String("$latency")}, "InvalidParameterException"},
		{"a", "f", "ERROR", types.MetricTransformation{MetricName: aws.String("E"), MetricNamespace: aws.String("App"), MetricValue: aws.String("1"),
			DefaultValue: aws.Float64(0), Dimensions: map[string]string{"k": "$.k"}}, "InvalidParameterException"},
		{"a", "f", "ERROR", types.MetricTransformation{MetricName: aws.String("E"), MetricNamespace: aws.String("App"), MetricValue: aws.String("1"), Unit: "Parsecs"}, "InvalidParameterException"},
	} {
		if err := put(c.group, c.name, c.pattern, c.tr); errCode(err) != c.code {
			t.Errorf("PutMetricFilter(%s, %s, %q) = %v, want %s", c.group, c.name, c.pattern, err, c.code)
		}
	}
	if out := must[*cwl.DescribeMetricFiltersOutput](t)(env.client.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{})); len(out.MetricFilters) != 0 {
		t.Fatalf("refused puts stored %d filters", len(out.MetricFilters))
	}

	for _, g := range []string{"a", "a.b", "b"} {
		for _, name := range []string{"errors", "latency"} {
			tr := count
			if name == "latency" {
				tr = latency
			}
			if err := put(g, name, "{ $.level = \"error\" }", tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A put of an existing name replaces it.
	if err := put("a", "errors", "ERROR", count); err != nil {
		t.Fatal(err)
	}
	var seen []string
	var token *string
	for {
		page := must[*cwl.DescribeMetricFiltersOutput](t)(env.client.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{Limit: aws.Int32(4), NextToken: token}))
		for _, f := range page.MetricFilters {
			seen = append(seen, *f.LogGroupName+"/"+*f.FilterName)
		}
		if token = page.NextToken; token == nil {
			break
		}
	}
	if want := "[a/errors a/latency a.b/errors a.b/latency b/errors b/latency]"; fmt.Sprint(seen) != want {
		t.Fatalf("paged filters = %v, want %s", seen, want)
	}
	one := must[*cwl.DescribeMetricFiltersOutput](t)(env.client.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{LogGroupName: aws.String("a"), FilterNamePrefix: aws.String("err")}))
	if len(one.MetricFilters) != 1 || *one.MetricFilters[0].FilterPattern != "ERROR" || *one.MetricFilters[0].MetricTransformations[0].MetricValue != "1" {
		t.Fatalf("filter a/errors after its replacement: %+v", one.MetricFilters)
	}
	byMetric := must[*cwl.DescribeMetricFiltersOutput](t)(env.client.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{MetricName: aws.String("Latency"), MetricNamespace: aws.String("App")}))
	if len(byMetric.MetricFilters) != 3 || !maps.Equal(byMetric.MetricFilters[0].MetricTransformations[0].Dimensions, map[string]string{"Route": "$.route"}) {
		t.Fatalf("filters by metric: %+v", byMetric.MetricFilters)
	}
	if _, err := env.client.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{FilterNamePrefix: aws.String("e")}); errCode(err) != "InvalidParameterException" {
		t.Errorf("a prefix without a group = %v, want InvalidParameterException", err)
	}
	groups := must[*cwl.DescribeLogGroupsOutput](t)(env.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("b")}))
	if len(groups.LogGroups) != 1 || aws.ToInt32(groups.LogGroups[0].MetricFilterCount) != 2 {
		t.Fatalf("group b: %+v", groups.LogGroups)
	}

	for i := range maxMetricFilters - 2 {
		if err := put("b", fmt.Sprintf("f%03d", i), "", count); err != nil {
			t.Fatal(err)
		}
	}
	if err := put("b", "one-too-many", "", count); errCode(err) != "LimitExceededException" {
		t.Fatalf("filter %d of a group = %v, want LimitExceededException", maxMetricFilters+1, err)
	}

	must[*cwl.DeleteMetricFilterOutput](t)(env.client.DeleteMetricFilter(ctx, &cwl.DeleteMetricFilterInput{LogGroupName: aws.String("a"), FilterName: aws.String("errors")}))
	if _, err := env.client.DeleteMetricFilter(ctx, &cwl.DeleteMetricFilterInput{LogGroupName: aws.String("a"), FilterName: aws.String("errors")}); errCode(err) != "ResourceNotFoundException" {
		t.Errorf("deleting it again = %v, want ResourceNotFoundException", err)
	}
	must[*cwl.DeleteLogGroupOutput](t)(env.client.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("a.b")}))
	must[*cwl.CreateLogGroupOutput](t)(env.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("a.b")}))
	if out := must[*cwl.DescribeMetricFiltersOutput](t)(env.client.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{LogGroupName: aws.String("a.b")})); len(out.MetricFilters) != 0 {
		t.Fatalf("a group made again kept %d filters of its predecessor", len(out.MetricFilters))
	}
}

// TestTestMetricFilter: matches are numbered from 1, and a JSON pattern's
// selectors come back with the event's values.
func TestTestMetricFilter(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx := ctxT(t)
	msgs := []string{`{"level":"error","latency":12.5,"user":{"id":7}}`, "plain ERROR line", `{"level":"info","latency":3}`}
	out := must[*cwl.TestMetricFilterOutput](t)(env.client.TestMetricFilter(ctx, &cwl.TestMetricFilterInput{
		FilterPattern: aws.String(`{ $.level = "error" && $.user.id = 7 }`), LogEventMessages: msgs}))
	if len(out.Matches) != 1 || out.Matches[0].EventNumber != 1 || *out.Matches[0].EventMessage != msgs[0] ||
		!maps.Equal(out.Matches[0].ExtractedValues, map[string]string{"$.level": "error", "$.user.id": "7"}) {
		t.Fatalf("JSON pattern matches: %+v", out.Matches)
	}
	out = must[*cwl.TestMetricFilterOutput](t)(env.client.TestMetricFilter(ctx, &cwl.TestMetricFilterInput{FilterPattern: aws.String("ERROR"), LogEventMessages: msgs}))
	if len(out.Matches) != 1 || out.Matches[0].EventNumber != 2 || len(out.Matches[0].ExtractedValues) != 0 {
		t.Fatalf("term pattern matches: %+v", out.Matches)
	}
	if _, err := env.client.TestMetricFilter(ctx, &cwl.TestMetricFilterInput{FilterPattern: aws.String("ERROR"), LogEventMessages: make([]string, 51)}); errCode(err) != "InvalidParameterException" {
		t.Errorf("51 messages = %v, want InvalidParameterException", err)
	}
}

// TestSubscriptionsDestinationsPolicies: subscription filters (two per
// group, ByLogStream by default, a Logs destination must exist),
// destinations and their policies, resource policies (ten per region), and
// export tasks, refused for want of S3.
func TestSubscriptionsDestinationsPolicies(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx := ctxT(t)
	must[*cwl.CreateLogGroupOutput](t)(env.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("app")}))
	dest := must[*cwl.PutDestinationOutput](t)(env.client.PutDestination(ctx, &cwl.PutDestinationInput{DestinationName: aws.String("central"),
		TargetArn: aws.String("arn:aws:kinesis:us-east-1:123456789012:stream/logs"), RoleArn: aws.String("arn:aws:iam::123456789012:role/cwl")}))
	if *dest.Destination.Arn != "arn:aws:logs:us-east-1:123456789012:destination:central" {
		t.Fatalf("destination arn %s", *dest.Destination.Arn)
	}
	must[*cwl.PutDestinationPolicyOutput](t)(env.client.PutDestinationPolicy(ctx, &cwl.PutDestinationPolicyInput{DestinationName: aws.String("central"), AccessPolicy: aws.String(`{"Version":"2012-10-17","Statement":[]}`)}))
	dests := must[*cwl.DescribeDestinationsOutput](t)(env.client.DescribeDestinations(ctx, &cwl.DescribeDestinationsInput{DestinationNamePrefix: aws.String("cen")}))
	if len(dests.Destinations) != 1 || aws.ToString(dests.Destinations[0].AccessPolicy) == "" {
		t.Fatalf("destinations: %+v", dests.Destinations)
	}

	sub := func(name, arn string) error {
		_, err := env.client.PutSubscriptionFilter(ctx, &cwl.PutSubscriptionFilterInput{LogGroupName: aws.String("app"), FilterName: aws.String(name),
			FilterPattern: aws.String(""), DestinationArn: aws.String(arn)})
		return err
	}
	if err := sub("x", "arn:aws:logs:us-east-1:123456789012:destination:nowhere"); errCode(err) != "ResourceNotFoundException" {
		t.Errorf("a missing destination = %v, want ResourceNotFoundException", err)
	}
	if err := sub("x", "not-an-arn"); errCode(err) != "InvalidParameterException" {
		t.Errorf("a bad destination = %v, want InvalidParameterException", err)
	}
	for _, name := range []string{"to-central", "to-lambda"} {
		arn := *dest.Destination.Arn
		if name == "to-lambda" {
			arn = "arn:aws:lambda:us-east-1:123456789012:function:ship"
		}
		if err := sub(name, arn); err != nil {
			t.Fatal(err)
		}
	}
	if err := sub("third", *dest.Destination.Arn); errCode(err) != "LimitExceededException" {
		t.Errorf("a third subscription = %v, want LimitExceededException", err)
	}
	subs := must[*cwl.DescribeSubscriptionFiltersOutput](t)(env.client.DescribeSubscriptionFilters(ctx, &cwl.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("app")}))
	if len(subs.SubscriptionFilters) != 2 || subs.SubscriptionFilters[0].Distribution != types.DistributionByLogStream || *subs.SubscriptionFilters[1].FilterName != "to-lambda" {
		t.Fatalf("subscription filters: %+v", subs.SubscriptionFilters)
	}
	must[*cwl.DeleteSubscriptionFilterOutput](t)(env.client.DeleteSubscriptionFilter(ctx, &cwl.DeleteSubscriptionFilterInput{LogGroupName: aws.String("app"), FilterName: aws.String("to-lambda")}))
	must[*cwl.DeleteDestinationOutput](t)(env.client.DeleteDestination(ctx, &cwl.DeleteDestinationInput{DestinationName: aws.String("central")}))
	if _, err := env.client.DeleteDestination(ctx, &cwl.DeleteDestinationInput{DestinationName: aws.String("central")}); errCode(err) != "ResourceNotFoundException" {
		t.Errorf("deleting a destination again = %v", err)
	}

	if _, err := env.client.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String("{not json")}); errCode(err) != "InvalidParameterException" {
		t.Errorf("a policy that is not JSON = %v", err)
	}
	for i := range maxResourcePolicies {
		must[*cwl.PutResourcePolicyOutput](t)(env.client.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String(fmt.Sprint("p", i)), PolicyDocument: aws.String(`{"Statement":[]}`)}))
	}
	must[*cwl.PutResourcePolicyOutput](t)(env.client.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String("p0"), PolicyDocument: aws.String(`{"Version":"2012-10-17"}`)}))
	if _, err := env.client.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String("p10"), PolicyDocument: aws.String(`{}`)}); errCode(err) != "LimitExceededException" {
		t.Errorf("an eleventh policy = %v, want LimitExceededException", err)
	}
	pols := must[*cwl.DescribeResourcePoliciesOutput](t)(env.client.DescribeResourcePolicies(ctx, &cwl.DescribeResourcePoliciesInput{}))
	if len(pols.ResourcePolicies) != maxResourcePolicies || *pols.ResourcePolicies[0].PolicyDocument != `{"Version":"2012-10-17"}` {
		t.Fatalf("resource policies: %d, first %+v", len(pols.ResourcePolicies), pols.ResourcePolicies[0])
	}
	must[*cwl.DeleteResourcePolicyOutput](t)(env.client.DeleteResourcePolicy(ctx, &cwl.DeleteResourcePolicyInput{PolicyName: aws.String("p3")}))
	if _, err := env.client.DeleteResourcePolicy(ctx, &cwl.DeleteResourcePolicyInput{PolicyName: aws.String("p3")}); errCode(err) != "ResourceNotFoundException" {
		t.Errorf("deleting a policy again = %v", err)
	}

	if _, err := env.client.CreateExportTask(ctx, &cwl.CreateExportTaskInput{LogGroupName: aws.String("app"), Destination: aws.String("bucket"),
		From: aws.Int64(0), To: aws.Int64(1)}); errCode(err) != "InvalidParameterException" {
		t.Errorf("an export task = %v, want InvalidParameterException", err)
	}
	if out := must[*cwl.DescribeExportTasksOutput](t)(env.client.DescribeExportTasks(ctx, &cwl.DescribeExportTasksInput{})); len(out.ExportTasks) != 0 {
		t.Errorf("export tasks: %+v", out.ExportTasks)
	}
}
