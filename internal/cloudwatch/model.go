package cloudwatch

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Dimension is a name/value pair that is part of a metric's identity.
type Dimension struct {
	Name  string
	Value string
}

// DimensionFilter matches a dimension by name, and by value if given.
type DimensionFilter struct {
	Name  string
	Value *string
}

// Metric names one time series.
type Metric struct {
	Namespace  string
	MetricName string
	Dimensions []Dimension
}

// StatisticSet is a datapoint pre-aggregated by its publisher.
type StatisticSet struct {
	SampleCount float64
	Sum         float64
	Minimum     float64
	Maximum     float64
}

// add folds o into s.
func (s *StatisticSet) add(o StatisticSet) {
	if s.SampleCount == 0 {
		*s = o
		return
	}
	s.SampleCount += o.SampleCount
	s.Sum += o.Sum
	s.Minimum = min(s.Minimum, o.Minimum)
	s.Maximum = max(s.Maximum, o.Maximum)
}

// statistic is one of CloudWatch's basic statistics of s.
func (s StatisticSet) statistic(name string) float64 {
	switch name {
	case StatSampleCount:
		return s.SampleCount
	case StatSum:
		return s.Sum
	case StatMinimum:
		return s.Minimum
	case StatMaximum:
		return s.Maximum
	}
	return s.Sum / s.SampleCount
}

// The basic statistics.
const (
	StatSampleCount = "SampleCount"
	StatAverage     = "Average"
	StatSum         = "Sum"
	StatMinimum     = "Minimum"
	StatMaximum     = "Maximum"
)

var statistics = []string{StatSampleCount, StatAverage, StatSum, StatMinimum, StatMaximum}

// checkStatistic refuses what is not a basic statistic. Percentiles and
// other extended statistics need the raw samples, which the in-memory
// store does not keep (docs/compat.md).
func checkStatistic(param, s string) error {
	if slices.Contains(statistics, s) {
		return nil
	}
	return invalidValue("The parameter %s must be a value in the set [ Maximum, Sum, SampleCount, Minimum, Average ].", param)
}

// Datapoint is one period's statistics of a metric.
type Datapoint struct {
	Timestamp   time.Time
	SampleCount *float64
	Average     *float64
	Sum         *float64
	Minimum     *float64
	Maximum     *float64
	Unit        string
}

// seriesKey is a metric's identity: namespace, name and its dimensions in
// name order (their order in a request does not matter).
func seriesKey(namespace, name string, dims []Dimension) string {
	d := slices.Clone(dims)
	slices.SortFunc(d, func(a, b Dimension) int { return strings.Compare(a.Name, b.Name) })
	var b strings.Builder
	b.WriteString(namespace + "\x00" + name)
	for _, x := range d {
		b.WriteString("\x00" + x.Name + "\x01" + x.Value)
	}
	return b.String()
}

// checkDimensions applies CloudWatch's limits on a metric's dimensions.
func checkDimensions(param string, dims []Dimension) error {
	if len(dims) > 30 {
		return invalidValue("The collection %s must not have a size greater than 30.", param)
	}
	for i, d := range dims {
		if d.Name == "" || len(d.Name) > 255 {
			return invalidValue("The parameter %s.member.%d.Name must be between 1 and 255 characters long.", param, i+1)
		}
		if d.Value == "" || len(d.Value) > 1024 {
			return invalidValue("The parameter %s.member.%d.Value must be between 1 and 1024 characters long.", param, i+1)
		}
		for _, e := range dims[:i] {
			if e.Name == d.Name {
				return ErrInvalidParameterCombination.Newf("No metric may have duplicate dimension names.")
			}
		}
	}
	return nil
}

// parseTime reads a timestamp as the CLI and SDKs send it in a query
// form: ISO 8601 (with or without fractional seconds or a zone), or epoch
// seconds.
func parseTime(param, s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	var sec float64
	if _, err := fmt.Sscanf(s, "%g", &sec); err == nil && !strings.ContainsAny(s, "-:T") {
		return time.Unix(0, int64(sec*1e9)), nil
	}
	return time.Time{}, invalidValue("The parameter %s must be a valid ISO 8601 timestamp, got '%s'.", param, s)
}
