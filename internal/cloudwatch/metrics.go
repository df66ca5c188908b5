package cloudwatch

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
)

type MetricDatum struct {
	MetricName string
	Dimensions []Dimension
	// Timestamp is ISO 8601 as the wire carries it; empty means now.
	Timestamp       string
	Value           *float64
	StatisticValues *StatisticSet
	Values          []float64
	Counts          []float64
	Unit            string
	// StorageResolution is accepted (1 or 60); every datapoint is kept at
	// the resolution it was sent with.
	StorageResolution *int
}

type PutMetricDataInput struct {
	Namespace  string
	MetricData []MetricDatum
}

type PutMetricDataOutput struct{}

// units are CloudWatch's StandardUnit values.
var units = map[string]bool{"Seconds": true, "Microseconds": true, "Milliseconds": true, "Bytes": true, "Kilobytes": true,
	"Megabytes": true, "Gigabytes": true, "Terabytes": true, "Bits": true, "Kilobits": true, "Megabits": true, "Gigabits": true,
	"Terabits": true, "Percent": true, "Count": true, "Bytes/Second": true, "Kilobytes/Second": true, "Megabytes/Second": true,
	"Gigabytes/Second": true, "Terabytes/Second": true, "Bits/Second": true, "Kilobits/Second": true, "Megabits/Second": true,
	"Gigabits/Second": true, "Terabits/Second": true, "Count/Second": true, "None": true}

func checkUnit(param, u string) error {
	if u == "" || units[u] {
		return nil
	}
	return validation("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [Megabits, Terabits, Gigabits, Count, Bytes, Gigabytes, Gigabytes/Second, Kilobytes, Kilobits/Second, Terabytes, Terabits/Second, Bytes/Second, Percent, Megabytes, Megabits/Second, Milliseconds, Microseconds, Kilobytes/Second, Gigabits/Second, Megabytes/Second, Bits, Bits/Second, Count/Second, Seconds, Kilobits, Terabytes/Second, None]", u, param)
}

// PutMetricData adds datapoints. The whole request is checked before any
// of it is kept, so a bad datum changes nothing.
func (c *Control) PutMetricData(ctx context.Context, in *PutMetricDataInput) (*PutMetricDataOutput, error) {
	if in.Namespace == "" {
		return nil, missing("Namespace")
	}
	if strings.HasPrefix(in.Namespace, "AWS/") {
		return nil, invalidValue("The value AWS/ for parameter Namespace is invalid.")
	}
	if len(in.MetricData) == 0 {
		return nil, missing("MetricData")
	}
	if len(in.MetricData) > 1000 {
		return nil, invalidValue("The collection MetricData must not have a size greater than 1000.")
	}
	now := time.Now()
	type datum struct {
		t     time.Time
		stats StatisticSet
	}
	parsed := make([]datum, len(in.MetricData))
	for i, d := range in.MetricData {
		p := "MetricData.member." + strconv.Itoa(i+1)
		var err error
		if parsed[i].t, parsed[i].stats, err = checkDatum(p, d, now); err != nil {
			return nil, err
		}
	}
	for i, d := range in.MetricData {
		c.Publish(Metric{Namespace: in.Namespace, MetricName: d.MetricName, Dimensions: d.Dimensions}, d.Unit, parsed[i].t, parsed[i].stats)
	}
	return &PutMetricDataOutput{}, nil
}

// checkDatum validates one datum and returns its time and statistics.
func checkDatum(p string, d MetricDatum, now time.Time) (time.Time, StatisticSet, error) {
	var zero StatisticSet
	if d.MetricName == "" {
		return time.Time{}, zero, missing(p + ".MetricName")
	}
	if err := checkDimensions(p+".Dimensions", d.Dimensions); err != nil {
		return time.Time{}, zero, err
	}
	if err := checkUnit(p+".Unit", d.Unit); err != nil {
		return time.Time{}, zero, err
	}
	t := now
	if d.Timestamp != "" {
		var err error
		if t, err = parseTime(p+".Timestamp", d.Timestamp); err != nil {
			return time.Time{}, zero, err
		}
		// AWS accepts datapoints up to two weeks old and two hours ahead.
		if t.Before(now.Add(-14*24*time.Hour)) || t.After(now.Add(2*time.Hour)) {
			return time.Time{}, zero, invalidValue("The parameter %s.Timestamp must specify a time no more than two weeks in the past or two hours in the future.", p)
		}
	}
	if r := d.StorageResolution; r != nil && *r != 1 && *r != 60 {
		return time.Time{}, zero, invalidValue("The parameter %s.StorageResolution must be 1 or 60.", p)
	}
	given := 0
	for _, b := range []bool{d.Value != nil, d.StatisticValues != nil, d.Values != nil} {
		if b {
			given++
		}
	}
	if given != 1 {
		return time.Time{}, zero, ErrInvalidParameterCombination.Newf("The parameters %s.Value, %s.StatisticValues and %s.Values are mutually exclusive and you have specified more than one or none.", p, p, p)
	}
	switch {
	case d.Value != nil:
		if !finite(*d.Value) {
			return time.Time{}, zero, invalidValue("The value %v for parameter %s.Value is invalid.", *d.Value, p)
		}
		return t, StatisticSet{SampleCount: 1, Sum: *d.Value, Minimum: *d.Value, Maximum: *d.Value}, nil
	case d.StatisticValues != nil:
		s := *d.StatisticValues
		if s.SampleCount <= 0 || !finite(s.Sum) || !finite(s.Minimum) || !finite(s.Maximum) || s.Minimum > s.Maximum {
			return time.Time{}, zero, invalidValue("The parameter %s.StatisticValues is invalid: SampleCount must be positive and Minimum no greater than Maximum.", p)
		}
		return t, s, nil
	}
	return checkValues(p, d, t)
}

// checkValues turns Values (each with its count, 1 when Counts is absent)
// into a statistic set.
func checkValues(p string, d MetricDatum, t time.Time) (time.Time, StatisticSet, error) {
	var s StatisticSet
	if len(d.Values) > 150 {
		return time.Time{}, s, invalidValue("The collection %s.Values must not have a size greater than 150.", p)
	}
	if d.Counts != nil && len(d.Counts) != len(d.Values) {
		return time.Time{}, s, ErrInvalidParameterCombination.Newf("The parameters %s.Values and %s.Counts must be of the same size.", p, p)
	}
	for i, v := range d.Values {
		n := 1.0
		if d.Counts != nil {
			n = d.Counts[i]
		}
		if !finite(v) || !finite(n) || n <= 0 {
			return time.Time{}, s, invalidValue("The value %v for parameter %s.Values is invalid.", v, p)
		}
		s.add(StatisticSet{SampleCount: n, Sum: v * n, Minimum: v, Maximum: v})
	}
	if s.SampleCount == 0 {
		return time.Time{}, s, missing(p + ".Values")
	}
	return t, s, nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Publish records a datum from inside Portolan (the ECS agent, the load
// balancers): AWS's own namespaces are open to these publishers only.
func (c *Control) Publish(m Metric, unit string, t time.Time, s StatisticSet) {
	c.metrics.add(m, unit, t, s)
}

type ListMetricsInput struct {
	Namespace      string
	MetricName     string
	Dimensions     []DimensionFilter
	RecentlyActive string
	NextToken      string
}

type ListMetricsOutput struct {
	Metrics   []Metric
	NextToken string
}

var metricsPager = awsapi.Pager{Max: 500, Default: 500, BadToken: ErrInvalidNextToken.Newf("The service cannot find the NextToken.")}

// ListMetrics lists the metrics that have datapoints.
func (c *Control) ListMetrics(ctx context.Context, in *ListMetricsInput) (*ListMetricsOutput, error) {
	if len(in.Dimensions) > 30 {
		return nil, invalidValue("The collection Dimensions must not have a size greater than 30.")
	}
	var since time.Time
	switch in.RecentlyActive {
	case "":
	case "PT3H":
		since = time.Now().Add(-3 * 60 * c.Seconds(60))
	default:
		return nil, validation("Value '%s' at 'recentlyActive' failed to satisfy constraint: Member must satisfy enum value set: [PT3H]", in.RecentlyActive)
	}
	all := c.metrics.metrics(in.Namespace, in.MetricName, in.Dimensions, since)
	page, next, err := awsapi.Paginate(metricsPager, all, func(m Metric) string { return seriesKey(m.Namespace, m.MetricName, m.Dimensions) }, in.NextToken, nil)
	if err != nil {
		return nil, err
	}
	for i := range page {
		if page[i].Dimensions == nil {
			page[i].Dimensions = []Dimension{}
		}
	}
	return &ListMetricsOutput{Metrics: page, NextToken: next}, nil
}
