package cloudwatch

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"time"
)

type GetMetricStatisticsInput struct {
	Namespace          string
	MetricName         string
	Dimensions         []Dimension
	StartTime          string
	EndTime            string
	Period             *int
	Statistics         []string
	ExtendedStatistics []string
	Unit               string
}

type GetMetricStatisticsOutput struct {
	Label      string
	Datapoints []Datapoint
}

// maxDatapoints is how many periods one request may span.
const maxDatapoints = 1440

// checkPeriod applies AWS's rule: 1, 5, 10 or 30 seconds (high
// resolution), or a multiple of 60.
func checkPeriod(param string, p *int) error {
	if p == nil {
		return missing(param)
	}
	switch n := *p; {
	case n < 1:
		return invalidValue("The parameter %s must be greater than 0.", param)
	case n == 1, n == 5, n == 10, n == 30, n%60 == 0:
		return nil
	}
	return invalidValue("The parameter %s must be 1, 5, 10, 30, or a multiple of 60.", param)
}

// timeRange parses and checks StartTime and EndTime, and how many periods
// of period AWS seconds lie between them.
func (c *Control) timeRange(startS, endS string, period int) (start, end time.Time, err error) {
	if startS == "" {
		return start, end, missing("StartTime")
	}
	if endS == "" {
		return start, end, missing("EndTime")
	}
	if start, err = parseTime("StartTime", startS); err != nil {
		return
	}
	if end, err = parseTime("EndTime", endS); err != nil {
		return
	}
	if !start.Before(end) {
		return start, end, invalidValue("The parameter StartTime must be less than the parameter EndTime.")
	}
	if n := int64(end.Sub(start) / c.Seconds(period)); n > maxDatapoints {
		return start, end, ErrInvalidParameterCombination.Newf("You have requested up to %d datapoints, which exceeds the limit of %d. You may reduce the datapoints requested by increasing Period, or decreasing the time range.", n, maxDatapoints)
	}
	return start, end, nil
}

// GetMetricStatistics returns a metric's statistics per period.
func (c *Control) GetMetricStatistics(ctx context.Context, in *GetMetricStatisticsInput) (*GetMetricStatisticsOutput, error) {
	switch {
	case in.Namespace == "":
		return nil, missing("Namespace")
	case in.MetricName == "":
		return nil, missing("MetricName")
	}
	if err := checkPeriod("Period", in.Period); err != nil {
		return nil, err
	}
	if len(in.ExtendedStatistics) > 0 {
		return nil, invalidValue("The parameter ExtendedStatistics is not supported: Portolan keeps statistic sets, not the samples percentiles need.")
	}
	if len(in.Statistics) == 0 {
		return nil, ErrInvalidParameterCombination.Newf("Must specify either Statistics or ExtendedStatistics, but not both.")
	}
	for i, s := range in.Statistics {
		if err := checkStatistic("Statistics.member."+strconv.Itoa(i+1), s); err != nil {
			return nil, err
		}
	}
	if err := checkDimensions("Dimensions", in.Dimensions); err != nil {
		return nil, err
	}
	if err := checkUnit("Unit", in.Unit); err != nil {
		return nil, err
	}
	start, end, err := c.timeRange(in.StartTime, in.EndTime, *in.Period)
	if err != nil {
		return nil, err
	}
	period := c.Seconds(*in.Period)
	buckets := c.metrics.aggregate(seriesKey(in.Namespace, in.MetricName, in.Dimensions), in.Unit, start.Truncate(period), end, period)
	out := &GetMetricStatisticsOutput{Label: in.MetricName, Datapoints: []Datapoint{}}
	for _, b := range buckets {
		dp := Datapoint{Timestamp: b.start, Unit: b.unit}
		if dp.Unit == "" {
			dp.Unit = "None"
		}
		for _, s := range in.Statistics {
			v := b.stats.statistic(s)
			switch s {
			case StatSampleCount:
				dp.SampleCount = &v
			case StatAverage:
				dp.Average = &v
			case StatSum:
				dp.Sum = &v
			case StatMinimum:
				dp.Minimum = &v
			case StatMaximum:
				dp.Maximum = &v
			}
		}
		out.Datapoints = append(out.Datapoints, dp)
	}
	return out, nil
}

type MetricStat struct {
	Metric Metric
	Period *int
	Stat   string
	Unit   string
}

type MetricDataQuery struct {
	Id         string
	MetricStat *MetricStat
	Expression string
	Label      string
	ReturnData *bool
	Period     *int
	AccountId  string
}

type GetMetricDataInput struct {
	MetricDataQueries []MetricDataQuery
	StartTime         string
	EndTime           string
	NextToken         string
	ScanBy            string
	MaxDatapoints     *int
}

type MessageData struct {
	Code  string
	Value string
}

type MetricDataResult struct {
	Id         string
	Label      string
	Timestamps []time.Time
	Values     []float64
	StatusCode string
	Messages   []MessageData
}

type GetMetricDataOutput struct {
	MetricDataResults []MetricDataResult
	Messages          []MessageData
	NextToken         string
}

var queryID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// GetMetricData answers metric queries (MetricStat; metric math
// expressions are not evaluated, see docs/compat.md).
func (c *Control) GetMetricData(ctx context.Context, in *GetMetricDataInput) (*GetMetricDataOutput, error) {
	if len(in.MetricDataQueries) == 0 {
		return nil, missing("MetricDataQueries")
	}
	if len(in.MetricDataQueries) > 500 {
		return nil, invalidValue("The collection MetricDataQueries must not have a size greater than 500.")
	}
	desc := true
	switch in.ScanBy {
	case "", "TimestampDescending":
	case "TimestampAscending":
		desc = false
	default:
		return nil, validation("Value '%s' at 'scanBy' failed to satisfy constraint: Member must satisfy enum value set: [TimestampDescending, TimestampAscending]", in.ScanBy)
	}
	out := &GetMetricDataOutput{MetricDataResults: []MetricDataResult{}, Messages: []MessageData{}}
	for i, q := range in.MetricDataQueries {
		p := "MetricDataQueries.member." + strconv.Itoa(i+1)
		r, err := c.metricDataQuery(p, q, in.StartTime, in.EndTime)
		if err != nil {
			return nil, err
		}
		if q.ReturnData != nil && !*q.ReturnData {
			continue
		}
		if !desc {
			slices.Reverse(r.Timestamps)
			slices.Reverse(r.Values)
		}
		out.MetricDataResults = append(out.MetricDataResults, r)
	}
	return out, nil
}

func (c *Control) metricDataQuery(p string, q MetricDataQuery, startS, endS string) (MetricDataResult, error) {
	var r MetricDataResult
	if !queryID.MatchString(q.Id) {
		return r, invalidValue("The value %s for parameter %s.Id is invalid: it must start with a lowercase letter and contain only letters, digits and underscores.", q.Id, p)
	}
	switch {
	case q.Expression != "" && q.MetricStat != nil:
		return r, ErrInvalidParameterCombination.Newf("Exactly one of MetricStat and Expression must be specified in %s.", p)
	case q.Expression != "":
		return r, invalidValue("The parameter %s.Expression is not supported: Portolan does not evaluate metric math.", p)
	case q.MetricStat == nil:
		return r, ErrInvalidParameterCombination.Newf("Exactly one of MetricStat and Expression must be specified in %s.", p)
	}
	ms := q.MetricStat
	if err := checkPeriod(p+".MetricStat.Period", ms.Period); err != nil {
		return r, err
	}
	if err := checkStatistic(p+".MetricStat.Stat", ms.Stat); err != nil {
		return r, err
	}
	if ms.Metric.Namespace == "" || ms.Metric.MetricName == "" {
		return r, missing(p + ".MetricStat.Metric.MetricName")
	}
	start, end, err := c.timeRange(startS, endS, *ms.Period)
	if err != nil {
		return r, err
	}
	period := c.Seconds(*ms.Period)
	buckets := c.metrics.aggregate(seriesKey(ms.Metric.Namespace, ms.Metric.MetricName, ms.Metric.Dimensions), ms.Unit, start.Truncate(period), end, period)
	r = MetricDataResult{Id: q.Id, Label: q.Label, StatusCode: "Complete", Timestamps: []time.Time{}, Values: []float64{}, Messages: []MessageData{}}
	if r.Label == "" {
		r.Label = ms.Metric.MetricName
	}
	for i := len(buckets) - 1; i >= 0; i-- {
		r.Timestamps = append(r.Timestamps, buckets[i].start)
		r.Values = append(r.Values, buckets[i].stats.statistic(ms.Stat))
	}
	return r, nil
}
