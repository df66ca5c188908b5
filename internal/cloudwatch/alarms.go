package cloudwatch

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type Tag struct {
	Key   string
	Value string
}

// The alarm states.
const (
	StateOK               = "OK"
	StateAlarm            = "ALARM"
	StateInsufficientData = "INSUFFICIENT_DATA"
)

// MetricAlarm is an alarm as DescribeAlarms shows it, and as it is stored.
type MetricAlarm struct {
	AlarmName                          string
	AlarmArn                           string
	AlarmDescription                   string
	AlarmConfigurationUpdatedTimestamp time.Time
	ActionsEnabled                     bool
	OKActions                          []string
	AlarmActions                       []string
	InsufficientDataActions            []string
	StateValue                         string
	StateReason                        string
	StateReasonData                    string
	StateUpdatedTimestamp              time.Time
	StateTransitionedTimestamp         time.Time
	MetricName                         string
	Namespace                          string
	Statistic                          string
	Dimensions                         []Dimension
	Period                             int
	Unit                               string
	EvaluationPeriods                  int
	DatapointsToAlarm                  *int
	Threshold                          float64
	ComparisonOperator                 string
	TreatMissingData                   string
}

// alarmRecord is what the store holds for an alarm.
type alarmRecord struct {
	MetricAlarm
	Tags []Tag `json:",omitempty"`
}

type PutMetricAlarmInput struct {
	AlarmName               string
	AlarmDescription        string
	ActionsEnabled          *bool
	OKActions               []string
	AlarmActions            []string
	InsufficientDataActions []string
	MetricName              string
	Namespace               string
	Statistic               string
	ExtendedStatistic       string
	Dimensions              []Dimension
	Period                  *int
	Unit                    string
	EvaluationPeriods       *int
	DatapointsToAlarm       *int
	Threshold               *float64
	ComparisonOperator      string
	TreatMissingData        string
	Tags                    []Tag
	// Metrics (metric math alarms) and ThresholdMetricId are refused.
	Metrics           []MetricDataQuery
	ThresholdMetricId string
}

type PutMetricAlarmOutput struct{}

var comparisonOperators = []string{"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"}

var treatMissing = []string{"breaching", "notBreaching", "ignore", "missing"}

func (in *PutMetricAlarmInput) check() error {
	switch {
	case in.AlarmName == "":
		return validation("Value null at 'alarmName' failed to satisfy constraint: Member must not be null")
	case len(in.AlarmName) > 255:
		return validation("Value '%s' at 'alarmName' failed to satisfy constraint: Member must have length less than or equal to 255", in.AlarmName)
	case in.EvaluationPeriods == nil:
		return validation("Value null at 'evaluationPeriods' failed to satisfy constraint: Member must not be null")
	case *in.EvaluationPeriods < 1:
		return validation("Value '%d' at 'evaluationPeriods' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.EvaluationPeriods)
	case in.ComparisonOperator == "":
		return validation("Value null at 'comparisonOperator' failed to satisfy constraint: Member must not be null")
	case !slices.Contains(comparisonOperators, in.ComparisonOperator):
		return validation("Value '%s' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [%s]", in.ComparisonOperator, strings.Join(comparisonOperators, ", "))
	case in.TreatMissingData != "" && !slices.Contains(treatMissing, in.TreatMissingData):
		return validation("Value '%s' at 'treatMissingData' failed to satisfy constraint: Member must satisfy enum value set: [breaching, notBreaching, ignore, missing]", in.TreatMissingData)
	case len(in.Metrics) > 0 || in.ThresholdMetricId != "":
		return invalidValue("The parameter Metrics is not supported: Portolan does not evaluate metric math alarms.")
	case in.ExtendedStatistic != "":
		return invalidValue("The parameter ExtendedStatistic is not supported: Portolan keeps statistic sets, not the samples percentiles need.")
	case in.Statistic == "":
		return ErrInvalidParameterCombination.Newf("One of Statistic or ExtendedStatistic must be specified.")
	case in.MetricName == "" || in.Namespace == "":
		return ErrInvalidParameterCombination.Newf("MetricName and Namespace must be specified for an alarm on a single metric.")
	case in.Threshold == nil:
		return ErrInvalidParameterCombination.Newf("Threshold must be specified when the comparison operator is not an anomaly detection one.")
	case in.DatapointsToAlarm != nil && (*in.DatapointsToAlarm < 1 || *in.DatapointsToAlarm > *in.EvaluationPeriods):
		return invalidValue("DatapointsToAlarm must be between 1 and EvaluationPeriods (%d).", *in.EvaluationPeriods)
	}
	if err := checkStatistic("Statistic", in.Statistic); err != nil {
		return err
	}
	if err := checkPeriod("Period", in.Period); err != nil {
		return err
	}
	if p := *in.Period; p < 60 && p != 10 && p != 30 {
		return invalidValue("The parameter Period must be 10, 30 or a multiple of 60.")
	}
	if *in.Period**in.EvaluationPeriods > 7*24*3600 {
		return invalidValue("The evaluation period (Period x EvaluationPeriods) must not be longer than 7 days.")
	}
	if err := checkDimensions("Dimensions", in.Dimensions); err != nil {
		return err
	}
	if err := checkUnit("Unit", in.Unit); err != nil {
		return err
	}
	for _, list := range [][]string{in.OKActions, in.AlarmActions, in.InsufficientDataActions} {
		if len(list) > 5 {
			return invalidValue("The collection of actions must not have a size greater than 5.")
		}
		for _, a := range list {
			if !awsapi.IsARN(a) {
				return invalidValue("Invalid arn syntax: %s", a)
			}
		}
	}
	return nil
}

// PutMetricAlarm creates an alarm, or replaces the configuration of one,
// leaving its state as it is (as CloudWatch does).
func (c *Control) PutMetricAlarm(ctx context.Context, in *PutMetricAlarmInput) (*PutMetricAlarmOutput, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	now := time.Now().Truncate(time.Millisecond).UTC()
	err := c.commit(ctx, func() (store.Txn, error) {
		old, kv, err := store.GetJSON[alarmRecord](ctx, c.st, alarmKey(in.AlarmName))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, err
		}
		rec := &alarmRecord{MetricAlarm: MetricAlarm{AlarmName: in.AlarmName, AlarmArn: c.AlarmARN(in.AlarmName),
			StateValue: StateInsufficientData, StateReason: "Unchecked: Initial alarm creation", StateUpdatedTimestamp: now, StateTransitionedTimestamp: now}}
		cmp := store.Absent(alarmKey(in.AlarmName))
		if old != nil {
			rec.MetricAlarm, rec.Tags, cmp = old.MetricAlarm, old.Tags, store.Unchanged(kv)
		} else {
			rec.Tags = in.Tags
		}
		a := &rec.MetricAlarm
		a.AlarmDescription, a.ActionsEnabled = in.AlarmDescription, in.ActionsEnabled == nil || *in.ActionsEnabled
		a.OKActions, a.AlarmActions, a.InsufficientDataActions = orEmpty(in.OKActions), orEmpty(in.AlarmActions), orEmpty(in.InsufficientDataActions)
		a.MetricName, a.Namespace, a.Statistic, a.Dimensions = in.MetricName, in.Namespace, in.Statistic, orEmpty(in.Dimensions)
		a.Period, a.Unit, a.EvaluationPeriods, a.DatapointsToAlarm = *in.Period, in.Unit, *in.EvaluationPeriods, in.DatapointsToAlarm
		a.Threshold, a.ComparisonOperator, a.TreatMissingData = *in.Threshold, in.ComparisonOperator, in.TreatMissingData
		a.AlarmConfigurationUpdatedTimestamp = now
		return store.Txn{If: []store.Cmp{cmp}, Then: []store.Op{store.Put(alarmKey(in.AlarmName), store.JSON(rec))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &PutMetricAlarmOutput{}, nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type DescribeAlarmsInput struct {
	AlarmNames      []string
	AlarmNamePrefix string
	AlarmTypes      []string
	ActionPrefix    string
	StateValue      string
	MaxRecords      *int
	NextToken       string
}

type DescribeAlarmsOutput struct {
	MetricAlarms    []MetricAlarm
	CompositeAlarms []struct{}
	NextToken       string
}

var alarmsPager = awsapi.Pager{Max: 100, Default: 50,
	BadSize:  invalidValue("The parameter MaxRecords must be between 1 and 100."),
	BadToken: ErrInvalidNextToken.Newf("The service cannot find the NextToken.")}

// DescribeAlarms lists alarms by name, name prefix, state or action.
func (c *Control) DescribeAlarms(ctx context.Context, in *DescribeAlarmsInput) (*DescribeAlarmsOutput, error) {
	if len(in.AlarmNames) > 0 && in.AlarmNamePrefix != "" {
		return nil, ErrInvalidParameterCombination.Newf("AlarmNamePrefix and AlarmNames cannot be specified together.")
	}
	if in.StateValue != "" && !slices.Contains([]string{StateOK, StateAlarm, StateInsufficientData}, in.StateValue) {
		return nil, validation("Value '%s' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]", in.StateValue)
	}
	recs, err := c.alarms(ctx)
	if err != nil {
		return nil, err
	}
	out := &DescribeAlarmsOutput{MetricAlarms: []MetricAlarm{}, CompositeAlarms: []struct{}{}}
	if len(in.AlarmTypes) > 0 && !slices.Contains(in.AlarmTypes, "MetricAlarm") {
		return out, nil
	}
	var match []MetricAlarm
	for _, r := range recs {
		a := r.MetricAlarm
		switch {
		case len(in.AlarmNames) > 0 && !slices.Contains(in.AlarmNames, a.AlarmName),
			!strings.HasPrefix(a.AlarmName, in.AlarmNamePrefix),
			in.StateValue != "" && a.StateValue != in.StateValue,
			in.ActionPrefix != "" && !slices.ContainsFunc(slices.Concat(a.OKActions, a.AlarmActions, a.InsufficientDataActions),
				func(s string) bool { return strings.HasPrefix(s, in.ActionPrefix) }):
			continue
		}
		match = append(match, a)
	}
	page, next, err := awsapi.Paginate(alarmsPager, match, func(a MetricAlarm) string { return a.AlarmName }, in.NextToken, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	out.MetricAlarms, out.NextToken = orEmpty(page), next
	return out, nil
}

// alarms reads every alarm, by name.
func (c *Control) alarms(ctx context.Context) ([]*alarmRecord, error) {
	kvs, _, err := c.st.List(ctx, alarmPrefix)
	if err != nil {
		return nil, err
	}
	out := make([]*alarmRecord, 0, len(kvs))
	for _, kv := range kvs {
		if r := store.DecodeJSON[alarmRecord](kv.Value); r != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

type DeleteAlarmsInput struct {
	AlarmNames []string
}

type DeleteAlarmsOutput struct{}

// DeleteAlarms deletes alarms: all of them, or none if one is missing.
func (c *Control) DeleteAlarms(ctx context.Context, in *DeleteAlarmsInput) (*DeleteAlarmsOutput, error) {
	if len(in.AlarmNames) > 100 {
		return nil, invalidValue("The collection AlarmNames must not have a size greater than 100.")
	}
	err := c.commit(ctx, func() (store.Txn, error) {
		var t store.Txn
		for _, name := range in.AlarmNames {
			kv, err := c.st.Get(ctx, alarmKey(name))
			if errors.Is(err, store.ErrNotFound) {
				return t, ErrResourceNotFound.Newf("The following alarms were not found: [%s]", name)
			}
			if err != nil {
				return t, err
			}
			t.If = append(t.If, store.Unchanged(kv))
			t.Then = append(t.Then, store.Delete(kv.Key))
		}
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteAlarmsOutput{}, nil
}
