package cloudwatch

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkPublish: one datum into a series of a store holding 1,000
// series (what the ECS and ALB publishers do per service each sample).
func BenchmarkPublish(b *testing.B) {
	c := New(Config{MetricPeriod: time.Minute})
	t0 := time.Now()
	for i := range 1000 {
		c.Publish(Metric{Namespace: "AWS/ECS", MetricName: "CPUUtilization", Dimensions: []Dimension{{Name: "ServiceName", Value: strconv.Itoa(i)}}}, "Percent", t0, StatisticSet{SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1})
	}
	m := Metric{Namespace: "AWS/ECS", MetricName: "CPUUtilization", Dimensions: []Dimension{{Name: "ServiceName", Value: "7"}}}
	b.ResetTimer()
	for i := range b.N {
		c.Publish(m, "Percent", t0.Add(time.Duration(i)*time.Millisecond), StatisticSet{SampleCount: 1, Sum: 50, Minimum: 50, Maximum: 50})
	}
}

// BenchmarkEvaluate: one target tracking low alarm (15 periods) over a
// series with a datum every 20 s for the day the store keeps.
func BenchmarkEvaluate(b *testing.B) {
	c := New(Config{MetricPeriod: time.Minute})
	now := time.Now()
	m := Metric{Namespace: "AWS/ECS", MetricName: "CPUUtilization"}
	for i := range 3 * 1440 {
		c.Publish(m, "Percent", now.Add(-time.Duration(i)*20*time.Second), StatisticSet{SampleCount: 1, Sum: 30, Minimum: 30, Maximum: 30})
	}
	a := &MetricAlarm{Namespace: "AWS/ECS", MetricName: "CPUUtilization", Statistic: StatAverage, Period: 60, EvaluationPeriods: 15,
		Threshold: 45, ComparisonOperator: "LessThanThreshold", StateValue: StateOK}
	b.ResetTimer()
	for range b.N {
		if ev := c.evaluate(a, now); ev.state != StateAlarm {
			b.Fatal(ev.state)
		}
	}
}
