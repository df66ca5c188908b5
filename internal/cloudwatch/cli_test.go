package cloudwatch_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudwatch"
	"github.com/portolan/portolan/internal/cloudwatch/cloudwatchtest"
)

// TestCLIMetrics puts datapoints with the AWS CLI and reads them back as
// statistics per period, as metric data and in the metric list.
func TestCLIMetrics(t *testing.T) {
	awstest.NeedCLI(t)
	e := cloudwatchtest.Start(t, cloudwatchtest.Options{MetricPeriod: time.Minute})
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	ts := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	awstest.CLI(ctx, t, e.Endpoint, "cloudwatch", "put-metric-data", "--namespace", "App",
		"--metric-data", `[{"MetricName":"Latency","Dimensions":[{"Name":"Stage","Value":"prod"}],"Timestamp":"`+ts(-150*time.Second)+`","Value":10,"Unit":"Milliseconds"},
		{"MetricName":"Latency","Dimensions":[{"Name":"Stage","Value":"prod"}],"Timestamp":"`+ts(-140*time.Second)+`","Value":30,"Unit":"Milliseconds"},
		{"MetricName":"Latency","Dimensions":[{"Name":"Stage","Value":"prod"}],"Timestamp":"`+ts(-30*time.Second)+`","Values":[1,2],"Counts":[1,3],"Unit":"Milliseconds"}]`)
	var stats struct {
		Label      string
		Datapoints []struct {
			Timestamp                                   time.Time
			SampleCount, Average, Sum, Minimum, Maximum float64
			Unit                                        string
		}
	}
	out := awstest.CLI(ctx, t, e.Endpoint, "cloudwatch", "get-metric-statistics", "--namespace", "App", "--metric-name", "Latency",
		"--dimensions", "Name=Stage,Value=prod", "--start-time", ts(-10*time.Minute), "--end-time", ts(time.Minute), "--period", "60",
		"--statistics", "Average", "Sum", "SampleCount", "Minimum", "Maximum")
	if err := json.Unmarshal(out, &stats); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(stats.Datapoints) != 2 || stats.Label != "Latency" {
		t.Fatalf("datapoints = %s, want two periods", out)
	}
	first, last := stats.Datapoints[0], stats.Datapoints[1]
	if first.Timestamp.After(last.Timestamp) {
		first, last = last, first
	}
	if first.SampleCount != 2 || first.Average != 20 || first.Minimum != 10 || first.Maximum != 30 || first.Unit != "Milliseconds" {
		t.Errorf("first period = %+v, want 2 samples averaging 20", first)
	}
	if last.SampleCount != 4 || last.Sum != 7 || last.Maximum != 2 {
		t.Errorf("last period = %+v, want 4 samples summing to 7", last)
	}

	out = awstest.CLI(ctx, t, e.Endpoint, "cloudwatch", "get-metric-data", "--start-time", ts(-10*time.Minute), "--end-time", ts(time.Minute),
		"--metric-data-queries", `[{"Id":"lat","MetricStat":{"Metric":{"Namespace":"App","MetricName":"Latency","Dimensions":[{"Name":"Stage","Value":"prod"}]},"Period":60,"Stat":"Maximum"}}]`)
	var data struct {
		MetricDataResults []struct {
			Id, Label, StatusCode string
			Values                []float64
		}
	}
	if err := json.Unmarshal(out, &data); err != nil {
		t.Fatal(err)
	}
	if r := data.MetricDataResults; len(r) != 1 || r[0].StatusCode != "Complete" || len(r[0].Values) != 2 || r[0].Values[0] != 2 || r[0].Values[1] != 30 {
		t.Errorf("get-metric-data = %s, want [2 30] newest first", out)
	}

	out = awstest.CLI(ctx, t, e.Endpoint, "cloudwatch", "list-metrics", "--namespace", "App", "--dimensions", "Name=Stage")
	if !strings.Contains(string(out), `"MetricName": "Latency"`) || !strings.Contains(string(out), `"Value": "prod"`) {
		t.Errorf("list-metrics = %s", out)
	}
}

// TestCLIBadInput: AWS's error codes, and nothing changes.
func TestCLIBadInput(t *testing.T) {
	awstest.NeedCLI(t)
	e := cloudwatchtest.Start(t, cloudwatchtest.Options{})
	ctx := context.Background()
	rev := e.Store.Revision()
	for _, c := range []struct {
		args []string
		code string
	}{
		{[]string{"put-metric-data", "--namespace", "AWS/ECS", "--metric-name", "X", "--value", "1"}, "InvalidParameterValue"},
		{[]string{"put-metric-data", "--namespace", "App", "--metric-name", "X", "--value", "1", "--unit", "Furlongs"}, "ValidationError"},
		{[]string{"get-metric-statistics", "--namespace", "App", "--metric-name", "X", "--start-time", "2026-01-02T00:00:00Z", "--end-time", "2026-01-01T00:00:00Z", "--period", "60", "--statistics", "Average"}, "InvalidParameterValue"},
		{[]string{"get-metric-statistics", "--namespace", "App", "--metric-name", "X", "--start-time", "2026-01-01T00:00:00Z", "--end-time", "2026-01-02T00:00:00Z", "--period", "7", "--statistics", "Average"}, "InvalidParameterValue"},
		{[]string{"put-metric-alarm", "--alarm-name", "a", "--metric-name", "X", "--namespace", "App", "--statistic", "Average", "--period", "60", "--evaluation-periods", "1", "--threshold", "1", "--comparison-operator", "Bigger"}, "ValidationError"},
		{[]string{"put-metric-alarm", "--alarm-name", "a", "--metric-name", "X", "--namespace", "App", "--statistic", "Average", "--period", "60", "--evaluation-periods", "2", "--datapoints-to-alarm", "3", "--threshold", "1", "--comparison-operator", "LessThanThreshold"}, "InvalidParameterValue"},
		{[]string{"delete-alarms", "--alarm-names", "nope"}, "ResourceNotFound"},
	} {
		msg := awstest.CLIFails(ctx, t, e.Endpoint, append([]string{"cloudwatch"}, c.args...)...)
		if !strings.Contains(msg, "("+c.code+")") {
			t.Errorf("%v: %s, want %s", c.args, msg, c.code)
		}
	}
	if got := e.Store.Revision(); got != rev {
		t.Errorf("store revision %d -> %d after refused requests", rev, got)
	}
}

// TestCLIAlarmStates: an alarm leaves INSUFFICIENT_DATA for ALARM when
// its metric breaches for DatapointsToAlarm periods, says why in AWS's
// words, and goes back to OK when the metric does.
func TestCLIAlarmStates(t *testing.T) {
	awstest.NeedCLI(t)
	e := cloudwatchtest.Start(t, cloudwatchtest.Options{MetricPeriod: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	awstest.CLI(ctx, t, e.Endpoint, "cloudwatch", "put-metric-alarm", "--alarm-name", "high-load", "--metric-name", "Load", "--namespace", "App",
		"--statistic", "Average", "--period", "60", "--evaluation-periods", "3", "--datapoints-to-alarm", "2", "--threshold", "50",
		"--comparison-operator", "GreaterThanThreshold")
	alarm := describe(ctx, t, e, "high-load")
	if alarm.StateValue != "INSUFFICIENT_DATA" {
		t.Fatalf("new alarm = %+v", alarm)
	}
	// Publish 80 every 200 ms (five times per period) until ALARM.
	publishUntil(ctx, t, e, 80, "ALARM")
	// The metric keeps breaching while the CLI reads the alarm: a slow
	// CLI on a loaded machine would otherwise see three missing periods.
	stop := keepPublishing(e, 80)
	alarm = describe(ctx, t, e, "high-load")
	stop()
	if !strings.HasPrefix(alarm.StateReason, "Threshold Crossed: ") || !strings.Contains(alarm.StateReason, "were greater than the threshold (50.0) (minimum 2 datapoints for OK -> ALARM transition).") {
		t.Errorf("StateReason = %q", alarm.StateReason)
	}
	publishUntil(ctx, t, e, 10, "OK")
}

type alarmView struct {
	AlarmName, StateValue, StateReason, StateReasonData string
}

func describe(ctx context.Context, t *testing.T, e *cloudwatchtest.Env, name string) alarmView {
	t.Helper()
	var out struct{ MetricAlarms []alarmView }
	b := awstest.CLI(ctx, t, e.Endpoint, "cloudwatch", "describe-alarms", "--alarm-names", name)
	if err := json.Unmarshal(b, &out); err != nil || len(out.MetricAlarms) != 1 {
		t.Fatalf("describe-alarms = %s (%v)", b, err)
	}
	return out.MetricAlarms[0]
}

// keepPublishing publishes value in-process every 200 ms until stopped.
func keepPublishing(e *cloudwatchtest.Env, value float64) (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			e.CloudWatch.Publish(cloudwatch.Metric{Namespace: "App", MetricName: "Load"}, "", time.Now(),
				cloudwatch.StatisticSet{SampleCount: 1, Sum: value, Minimum: value, Maximum: value})
			select {
			case <-done:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// publishUntil publishes value in-process until the alarm is in state.
func publishUntil(ctx context.Context, t *testing.T, e *cloudwatchtest.Env, value float64, state string) {
	t.Helper()
	for {
		e.CloudWatch.Publish(cloudwatch.Metric{Namespace: "App", MetricName: "Load"}, "", time.Now(),
			cloudwatch.StatisticSet{SampleCount: 1, Sum: value, Minimum: value, Maximum: value})
		out, err := e.CloudWatch.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"high-load"}})
		if err != nil {
			t.Fatal(err)
		}
		if out.MetricAlarms[0].StateValue == state {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("alarm never reached %s: %+v", state, out.MetricAlarms[0])
		case <-time.After(200 * time.Millisecond):
		}
	}
}
