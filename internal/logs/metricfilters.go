package logs

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// Metric filters turn matching events into CloudWatch metrics. They are
// stored in their group's record, so they go when the group goes, as on
// AWS, and DescribeLogGroups counts them without another read.

// Limits from the CloudWatch Logs API model and quotas.
const (
	maxMetricFilters   = 100 // per log group
	maxTestMessages    = 50  // TestMetricFilter's logEventMessages
	maxMetricNameLen   = 255
	maxMetricValueLen  = 100
	maxMetricDimension = 3
)

// MetricTransformation says which metric a metric filter publishes.
type MetricTransformation struct {
	MetricName      string            `json:"metricName"`
	MetricNamespace string            `json:"metricNamespace"`
	MetricValue     string            `json:"metricValue"`
	DefaultValue    *float64          `json:"defaultValue,omitempty"`
	Dimensions      map[string]string `json:"dimensions,omitempty"`
	Unit            string            `json:"unit,omitempty"`
}

// PutMetricFilterInput is PutMetricFilter's request.
type PutMetricFilterInput struct {
	LogGroupName           string                 `json:"logGroupName"`
	FilterName             string                 `json:"filterName"`
	FilterPattern          *string                `json:"filterPattern"`
	MetricTransformations  []MetricTransformation `json:"metricTransformations"`
	ApplyOnTransformedLogs bool                   `json:"applyOnTransformedLogs"`
}

// MetricFilter is a metric filter as stored and as DescribeMetricFilters
// reports it.
type MetricFilter struct {
	FilterName             string                 `json:"filterName"`
	FilterPattern          string                 `json:"filterPattern"`
	MetricTransformations  []MetricTransformation `json:"metricTransformations"`
	CreationTime           int64                  `json:"creationTime"`
	LogGroupName           string                 `json:"logGroupName"`
	ApplyOnTransformedLogs bool                   `json:"applyOnTransformedLogs"`
}

// DescribeMetricFiltersInput is DescribeMetricFilters' request.
type DescribeMetricFiltersInput struct {
	LogGroupName     *string `json:"logGroupName"`
	FilterNamePrefix *string `json:"filterNamePrefix"`
	MetricName       *string `json:"metricName"`
	MetricNamespace  *string `json:"metricNamespace"`
	NextToken        *string `json:"nextToken"`
	Limit            *int32  `json:"limit"`
}

// DescribeMetricFiltersOutput is a page of DescribeMetricFilters.
type DescribeMetricFiltersOutput struct {
	MetricFilters []MetricFilter `json:"metricFilters"`
	NextToken     string         `json:"nextToken,omitempty"`
}

// FilterRef names a filter of a group: DeleteMetricFilter's and
// DeleteSubscriptionFilter's request.
type FilterRef struct {
	LogGroupName string `json:"logGroupName"`
	FilterName   string `json:"filterName"`
}

// TestMetricFilterInput is TestMetricFilter's request.
type TestMetricFilterInput struct {
	FilterPattern    *string  `json:"filterPattern"`
	LogEventMessages []string `json:"logEventMessages"`
}

// MetricFilterMatch is one event a filter pattern matched.
type MetricFilterMatch struct {
	EventNumber     int64             `json:"eventNumber"`
	EventMessage    string            `json:"eventMessage"`
	ExtractedValues map[string]string `json:"extractedValues"`
}

// TestMetricFilterOutput is TestMetricFilter's answer.
type TestMetricFilterOutput struct {
	Matches []MetricFilterMatch `json:"matches"`
}

// PutMetricFilter creates or replaces a metric filter of a log group
// (AWS PutMetricFilter).
func (s *Control) PutMetricFilter(ctx context.Context, in *PutMetricFilterInput) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	if err := checkFilterName(in.FilterName); err != nil {
		return nil, err
	}
	if _, err := checkFilterPattern(in.FilterPattern); err != nil {
		return nil, err
	}
	if err := checkTransformations(in.MetricTransformations); err != nil {
		return nil, err
	}
	f := MetricFilter{
		FilterName: in.FilterName, FilterPattern: *in.FilterPattern, MetricTransformations: in.MetricTransformations,
		CreationTime: nowMillis(), LogGroupName: in.LogGroupName, ApplyOnTransformedLogs: in.ApplyOnTransformedLogs,
	}
	return nil, s.updateGroup(ctx, in.LogGroupName, func(g *groupRecord) (err error) {
		g.MetricFilters, err = putFilter(g.MetricFilters, f, MetricFilter.name, maxMetricFilters)
		return err
	})
}

func (f MetricFilter) name() string { return f.FilterName }

// putFilter replaces the filter of a group's list that has item's name or,
// while the list is under its quota, adds item in name order.
func putFilter[T any](list []T, item T, name func(T) string, quota int) ([]T, error) {
	i := slices.IndexFunc(list, func(x T) bool { return name(x) == name(item) })
	switch {
	case i >= 0:
		list[i] = item
	case len(list) >= quota:
		return list, errLimitExceeded
	default:
		list = append(list, item)
		slices.SortFunc(list, func(a, b T) int { return cmp.Compare(name(a), name(b)) })
	}
	return list, nil
}

// deleteFilter removes the filter named n from a group's list, or answers
// missing.
func deleteFilter[T any](list []T, n string, name func(T) string, missing error) ([]T, error) {
	i := slices.IndexFunc(list, func(x T) bool { return name(x) == n })
	if i < 0 {
		return list, missing
	}
	return slices.Delete(list, i, i+1), nil
}

// DeleteMetricFilter deletes a metric filter (AWS DeleteMetricFilter).
func (s *Control) DeleteMetricFilter(ctx context.Context, in *FilterRef) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	if err := checkFilterName(in.FilterName); err != nil {
		return nil, err
	}
	return nil, s.updateGroup(ctx, in.LogGroupName, func(g *groupRecord) (err error) {
		g.MetricFilters, err = deleteFilter(g.MetricFilters, in.FilterName, MetricFilter.name, errMetricFilterNotFound)
		return err
	})
}

// DescribeMetricFilters lists metric filters by group and then filter name
// (AWS DescribeMetricFilters).
func (s *Control) DescribeMetricFilters(ctx context.Context, in *DescribeMetricFiltersInput) (*DescribeMetricFiltersOutput, error) {
	limit, err := checkLimit(in.Limit, describeLimit)
	if err != nil {
		return nil, err
	}
	switch {
	case in.FilterNamePrefix != nil && in.LogGroupName == nil:
		return nil, invalidParam("If you specify filterNamePrefix, you must also specify logGroupName.")
	case (in.MetricName == nil) != (in.MetricNamespace == nil):
		return nil, invalidParam("If you specify metricName, you must also specify metricNamespace, and the other way round.")
	}
	after := ""
	if in.NextToken != nil {
		if after, err = decodeNameToken(*in.NextToken); err != nil {
			return nil, err
		}
	}
	groups, err := s.groupsFor(ctx, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	out := &DescribeMetricFiltersOutput{MetricFilters: []MetricFilter{}}
	for _, g := range groups {
		for _, f := range g.MetricFilters {
			key := filterKey(g.Name, f.FilterName)
			if after != "" && key <= after {
				continue
			}
			if in.FilterNamePrefix != nil && !strings.HasPrefix(f.FilterName, *in.FilterNamePrefix) {
				continue
			}
			if in.MetricName != nil && !slices.ContainsFunc(f.MetricTransformations, func(t MetricTransformation) bool {
				return t.MetricName == *in.MetricName && t.MetricNamespace == *in.MetricNamespace
			}) {
				continue
			}
			if len(out.MetricFilters) == limit {
				last := out.MetricFilters[limit-1]
				out.NextToken = awsapi.PageToken(filterKey(last.LogGroupName, last.FilterName))
				return out, nil
			}
			out.MetricFilters = append(out.MetricFilters, f)
		}
	}
	return out, nil
}

// filterKey orders filters across groups for paging as the groups are
// listed: NUL sorts below every character a group name may hold.
func filterKey(group, filter string) string { return group + "\x00" + filter }

// groupsFor is the one named group (which must exist) or every group.
func (s *Control) groupsFor(ctx context.Context, name *string) ([]groupRecord, error) {
	prefix := groupsPrefix
	if name != nil {
		if err := checkGroupName("logGroupName", *name); err != nil {
			return nil, err
		}
		prefix = groupKey(*name)
	}
	kvs, _, err := s.cfg.Store.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var out []groupRecord
	for _, kv := range kvs {
		g, err := decodeGroup(kv.Value)
		if err != nil {
			return nil, err
		}
		if name == nil || g.Name == *name {
			out = append(out, g)
		}
	}
	if name != nil && len(out) == 0 {
		return nil, errGroupNotFound
	}
	return out, nil
}

// TestMetricFilter runs a filter pattern over sample messages (AWS
// TestMetricFilter); events are numbered from 1.
func (s *Control) TestMetricFilter(_ context.Context, in *TestMetricFilterInput) (*TestMetricFilterOutput, error) {
	pattern, err := checkFilterPattern(in.FilterPattern)
	if err != nil {
		return nil, err
	}
	if n := len(in.LogEventMessages); n < 1 || n > maxTestMessages {
		return nil, invalidParam("1 validation error detected: Value at 'logEventMessages' failed to satisfy constraint: Member must have length between 1 and %d", maxTestMessages)
	}
	out := &TestMetricFilterOutput{Matches: []MetricFilterMatch{}}
	for i, msg := range in.LogEventMessages {
		if pattern.Match(msg) {
			out.Matches = append(out.Matches, MetricFilterMatch{EventNumber: int64(i + 1), EventMessage: msg, ExtractedValues: pattern.Extract(msg)})
		}
	}
	return out, nil
}

// checkFilterName applies the model's FilterName rules.
func checkFilterName(name string) error {
	return checkName("filterName", name, maxNameLen, noColonOrStar, "[^:*]*")
}

// checkFilterPattern compiles a required filter pattern.
func checkFilterPattern(p *string) (*FilterPattern, error) {
	if p == nil {
		return nil, invalidParam("1 validation error detected: Value null at 'filterPattern' failed to satisfy constraint: Member must not be null")
	}
	f, err := ParseFilterPattern(*p)
	if err != nil {
		return nil, invalidParam("Invalid metric filter pattern: %v", err)
	}
	return f, nil
}

// checkTransformations applies the model's rules to metricTransformations:
// exactly one, with names CloudWatch accepts, a value that is a number or a
// JSON selector, at most three dimensions and then no default value.
func checkTransformations(ts []MetricTransformation) error {
	if len(ts) != 1 {
		return invalidParam("1 validation error detected: Value at 'metricTransformations' failed to satisfy constraint: Member must have length less than or equal to 1 and greater than or equal to 1")
	}
	t := ts[0]
	for field, v := range map[string]string{"metricName": t.MetricName, "metricNamespace": t.MetricNamespace} {
		if v == "" || len(v) > maxMetricNameLen || strings.ContainsAny(v, ":*$") {
			return invalidParam("1 validation error detected: Value '%s' at 'metricTransformations.1.member.%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*$]* and have length between 1 and %d", v, field, maxMetricNameLen)
		}
	}
	if _, _, err := parseMetricValue(t.MetricValue); err != nil {
		return err
	}
	if len(t.Dimensions) > maxMetricDimension {
		return invalidParam("1 validation error detected: Value at 'metricTransformations.1.member.dimensions' failed to satisfy constraint: Member must have length less than or equal to %d", maxMetricDimension)
	}
	if len(t.Dimensions) > 0 && t.DefaultValue != nil {
		return invalidParam("A metric filter with dimensions cannot have a default value.")
	}
	if t.Unit != "" && !slices.Contains(standardUnits, t.Unit) {
		return invalidParam("1 validation error detected: Value '%s' at 'metricTransformations.1.member.unit' failed to satisfy constraint: Member must satisfy enum value set: [%s]", t.Unit, strings.Join(standardUnits, ", "))
	}
	return nil
}

// parseMetricValue reads a metricValue: a number published as it is, or a
// JSON selector whose value in the event is published. Selectors of
// space-delimited fields ($name) need space-delimited patterns, which
// Portolan does not support.
func parseMetricValue(v string) (float64, []pathElem, error) {
	if v == "" || len(v) > maxMetricValueLen {
		return 0, nil, invalidParam("1 validation error detected: Value '%s' at 'metricTransformations.1.member.metricValue' failed to satisfy constraint: Member must have length between 1 and %d", v, maxMetricValueLen)
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f, nil, nil
	}
	path, err := parseSelector(v)
	if err != nil {
		return 0, nil, invalidParam("Invalid metric value: %s (a number or a JSON selector such as $.latency; space-delimited fields are not supported)", v)
	}
	return 0, path, nil
}

// standardUnits is CloudWatch's StandardUnit enum.
var standardUnits = []string{
	"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
	"Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
	"Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}
