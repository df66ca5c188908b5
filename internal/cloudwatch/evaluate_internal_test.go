package cloudwatch

import (
	"strings"
	"testing"
	"time"
)

// TestEvaluate: an alarm's state from its last EvaluationPeriods periods,
// with missing data treated as TreatMissingData says, worded as AWS does.
func TestEvaluate(t *testing.T) {
	now := time.Date(2026, 12, 7, 3, 30, 10, 0, time.UTC)
	period := func(i int) time.Time { return now.Truncate(time.Minute).Add(-time.Duration(i) * time.Minute) } // start of the i-th last period
	m := func(n int) *int { return &n }
	for _, c := range []struct {
		name       string
		points     map[int]float64 // i-th last whole period -> value
		m          *int            // DatapointsToAlarm
		treat      string
		was, state string
		reason     string
	}{
		{"all breaching", map[int]float64{1: 60, 2: 70, 3: 80}, nil, "", "OK", StateAlarm,
			"Threshold Crossed: 3 out of the last 3 datapoints [60.0 (07/12/26 03:29:00), 70.0 (07/12/26 03:28:00), 80.0 (07/12/26 03:27:00)] were greater than the threshold (50.0) (minimum 3 datapoints for OK -> ALARM transition)."},
		{"two of three with M=2", map[int]float64{1: 60, 2: 10, 3: 80}, m(2), "", "OK", StateAlarm, "Threshold Crossed: 2 out of the last 3 datapoints"},
		{"one of three", map[int]float64{1: 60, 2: 10, 3: 20}, nil, "", StateAlarm, StateOK,
			"Threshold Crossed: 2 out of the last 3 datapoints [10.0 (07/12/26 03:28:00), 20.0 (07/12/26 03:27:00)] were not greater than the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition)."},
		{"the current period does not count", map[int]float64{0: 90, 1: 10, 2: 10, 3: 10}, nil, "", "OK", StateOK, ""},
		{"all missing", nil, nil, "", "OK", StateInsufficientData, "Insufficient Data: 3 datapoints were unknown."},
		{"all missing, ignored", nil, nil, "ignore", StateAlarm, StateAlarm, ""},
		{"all missing, breaching", nil, nil, "breaching", "OK", StateAlarm,
			"Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching]."},
		{"all missing, not breaching", nil, nil, "notBreaching", StateAlarm, StateOK,
			"Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [NonBreaching]."},
		{"gaps filled as breaching", map[int]float64{1: 60}, nil, "breaching", "OK", StateAlarm, ""},
		{"gaps left missing", map[int]float64{1: 60}, nil, "missing", "OK", StateOK, ""},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			cw := New(Config{MetricPeriod: time.Minute})
			for i, v := range c.points {
				cw.Publish(Metric{Namespace: "App", MetricName: "Load"}, "", period(i).Add(time.Second), StatisticSet{SampleCount: 1, Sum: v, Minimum: v, Maximum: v})
			}
			a := &MetricAlarm{Namespace: "App", MetricName: "Load", Statistic: StatAverage, Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: c.m,
				Threshold: 50, ComparisonOperator: "GreaterThanThreshold", TreatMissingData: c.treat, StateValue: c.was}
			ev := cw.evaluate(a, now)
			reason := ""
			if ev.words != nil {
				reason, _ = ev.words()
			}
			if ev.state != c.state || !strings.HasPrefix(reason, c.reason) {
				t.Errorf("state %s, reason %q; want %s, %q", ev.state, reason, c.state, c.reason)
			}
		})
	}
}

// FuzzParseTime: no timestamp string makes the parser panic.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-12-07T03:30:00Z", "2026-12-07T03:30:00.123+01:00", "2026-12-07", "1765078200", "1.5e9", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := parseTime("StartTime", s); err != nil && !strings.Contains(err.Error(), "InvalidParameterValue") {
			t.Fatalf("%q: %v", s, err)
		}
	})
}
