package cloudwatch

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// evaluation is the outcome of evaluating one alarm at one time.
type evaluation struct {
	state string
	// words is StateReason and StateReasonData, worded only when the
	// state changes (most evaluations change nothing).
	words func() (reason, data string)
	// latest is the most recent datapoint of the evaluation range.
	latest    float64
	hasLatest bool
}

// evaluatedPoint is one period of the evaluation range.
type evaluatedPoint struct {
	start time.Time
	value float64
	ok    bool // a datapoint exists
}

// evaluateAlarms evaluates every alarm, records state changes and runs
// actions.
func (c *Control) evaluateAlarms(ctx context.Context, now time.Time) {
	recs, err := c.alarms(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Error("list alarms", "err", err)
		}
		return
	}
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.AlarmName] = true
		c.evaluateAlarm(ctx, r, now)
	}
	c.mu.Lock()
	for name := range c.lastAction {
		if !seen[name] {
			delete(c.lastAction, name)
		}
	}
	c.mu.Unlock()
}

func (c *Control) evaluateAlarm(ctx context.Context, r *alarmRecord, now time.Time) {
	a := &r.MetricAlarm
	ev := c.evaluate(a, now)
	changed := ev.state != a.StateValue
	if changed {
		if err := c.setState(ctx, a, ev, now); err != nil {
			if ctx.Err() == nil {
				c.log.Error("record alarm state", "alarmName", a.AlarmName, "err", err)
			}
			return
		}
	}
	if !a.ActionsEnabled || c.cfg.Actions == nil {
		return
	}
	var actions []string
	switch a.StateValue {
	case StateAlarm:
		actions = a.AlarmActions
	case StateOK:
		actions = a.OKActions
	default:
		actions = a.InsufficientDataActions
	}
	if len(actions) == 0 {
		return
	}
	// Actions run on a transition; Auto Scaling actions also once per
	// period while the alarm stays in the state (as CloudWatch does).
	c.mu.Lock()
	last, ran := c.lastAction[a.AlarmName]
	due := changed || !ran || now.Sub(last) >= c.Seconds(a.Period)-c.cfg.MetricPeriod/10
	if due {
		c.lastAction[a.AlarmName] = now
	}
	c.mu.Unlock()
	if !due {
		return
	}
	for _, arn := range actions {
		if !changed && !strings.HasPrefix(arn, "arn:aws:autoscaling:") {
			continue
		}
		if _, err := c.cfg.Actions.AlarmAction(ctx, arn, AlarmEvent{Alarm: *a, Value: ev.latest, HasValue: ev.hasLatest}); err != nil && ctx.Err() == nil {
			c.log.Warn("alarm action failed", "alarmName", a.AlarmName, "action", arn, "err", err)
		}
	}
}

// setState writes a's new state, unless the alarm changed meanwhile (the
// next evaluation sees the new one).
func (c *Control) setState(ctx context.Context, a *MetricAlarm, ev evaluation, now time.Time) error {
	return c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := store.GetJSON[alarmRecord](ctx, c.st, alarmKey(a.AlarmName))
		if err != nil {
			return store.Txn{}, err
		}
		if !rec.AlarmConfigurationUpdatedTimestamp.Equal(a.AlarmConfigurationUpdatedTimestamp) {
			return store.Txn{}, nil
		}
		t := now.Truncate(time.Millisecond).UTC()
		rec.StateValue = ev.state
		rec.StateReason, rec.StateReasonData = ev.words()
		rec.StateUpdatedTimestamp, rec.StateTransitionedTimestamp = t, t
		*a = rec.MetricAlarm
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(rec))}}, nil
	})
}

// evaluate decides a's state at now from the last EvaluationPeriods whole
// periods: ALARM when at least DatapointsToAlarm of them breach, missing
// periods counting as TreatMissingData says; INSUFFICIENT_DATA when
// every period is missing (treated as missing); the state unchanged when
// every period is missing and they are to be ignored; OK otherwise.
func (c *Control) evaluate(a *MetricAlarm, now time.Time) evaluation {
	period := c.Seconds(a.Period)
	end := now.Truncate(period)
	start := end.Add(-time.Duration(a.EvaluationPeriods) * period)
	buckets := c.metrics.aggregate(seriesKey(a.Namespace, a.MetricName, a.Dimensions), a.Unit, start, end, period)
	points := make([]evaluatedPoint, a.EvaluationPeriods) // most recent first
	for i := range points {
		points[i].start = end.Add(-time.Duration(i+1) * period)
	}
	for _, b := range buckets {
		i := int(end.Sub(b.start)/period) - 1
		if i >= 0 && i < len(points) {
			points[i].value, points[i].ok = b.stats.statistic(a.Statistic), true
		}
	}
	m := a.EvaluationPeriods
	if a.DatapointsToAlarm != nil {
		m = *a.DatapointsToAlarm
	}
	breaching, present := 0, 0
	var shown []evaluatedPoint
	for _, p := range points {
		switch {
		case p.ok:
			present++
			shown = append(shown, p)
			if breaches(a.ComparisonOperator, p.value, a.Threshold) {
				breaching++
			}
		case a.TreatMissingData == "breaching":
			breaching++
		}
	}
	ev := evaluation{}
	if len(shown) > 0 {
		ev.latest, ev.hasLatest = shown[0].value, true
	}
	switch {
	case breaching >= m:
		ev.state = StateAlarm
	case present == 0 && a.TreatMissingData == "ignore":
		ev.state = a.StateValue
		return ev
	case present == 0 && (a.TreatMissingData == "" || a.TreatMissingData == "missing"):
		ev.state = StateInsufficientData
		ev.words = func() (string, string) {
			n := len(points)
			return fmt.Sprintf("Insufficient Data: %d datapoint%s %s unknown.", n, plural(n), wereWas(n)), reasonData(a, now, start, nil)
		}
		return ev
	default:
		ev.state = StateOK
	}
	ev.words = func() (string, string) {
		n := len(points)
		if present > 0 {
			return thresholdReason(a, ev.state, shown, breaching, m, n), reasonData(a, now, start, shown)
		}
		treated := "NonBreaching"
		if ev.state == StateAlarm {
			treated = "Breaching"
		}
		return fmt.Sprintf("Threshold Crossed: no datapoints were received for %d period%s and %d missing datapoint%s %s treated as [%s].",
			n, plural(n), n, plural(n), wereWas(n), treated), reasonData(a, now, start, shown)
	}
	return ev
}

func breaches(op string, v, threshold float64) bool {
	switch op {
	case "GreaterThanOrEqualToThreshold":
		return v >= threshold
	case "GreaterThanThreshold":
		return v > threshold
	case "LessThanThreshold":
		return v < threshold
	case "LessThanOrEqualToThreshold":
		return v <= threshold
	}
	return false
}

var operatorWords = map[string]string{
	"GreaterThanOrEqualToThreshold": "greater than or equal to",
	"GreaterThanThreshold":          "greater than",
	"LessThanThreshold":             "less than",
	"LessThanOrEqualToThreshold":    "less than or equal to",
}

// thresholdReason words a state as CloudWatch does, e.g. "Threshold
// Crossed: 3 out of the last 3 datapoints [80.5 (07/12/26 03:31:00), …]
// were greater than the threshold (50.0) (minimum 3 datapoints for OK ->
// ALARM transition)."
func thresholdReason(a *MetricAlarm, state string, shown []evaluatedPoint, breaching, m, n int) string {
	var list []string
	count := breaching
	words := operatorWords[a.ComparisonOperator]
	for _, p := range shown {
		if (state == StateAlarm) == breaches(a.ComparisonOperator, p.value, a.Threshold) {
			list = append(list, formatValue(p.value)+" ("+p.start.UTC().Format("02/01/06 15:04:05")+")")
		}
	}
	minimum := m
	if state == StateOK {
		words = "not " + words
		count = len(list)
		minimum = max(1, n-m+1)
	}
	from := "OK"
	if state == StateOK {
		from = StateAlarm
	}
	return fmt.Sprintf("Threshold Crossed: %d out of the last %d datapoints [%s] %s %s the threshold (%s) (minimum %d datapoint%s for %s -> %s transition).",
		count, n, strings.Join(list, ", "), wereWas(count), words, formatValue(a.Threshold), minimum, plural(minimum), from, state)
}

// formatValue writes a number as CloudWatch's reasons do: at least one
// decimal.
func formatValue(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func wereWas(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// reasonData is StateReasonData: the evaluation as JSON, in CloudWatch's
// shape.
func reasonData(a *MetricAlarm, now, start time.Time, shown []evaluatedPoint) string {
	type dp struct {
		Timestamp string  `json:"timestamp"`
		Value     float64 `json:"value"`
	}
	const layout = "2006-01-02T15:04:05.000+0000"
	recent := []float64{}
	evaluated := []dp{}
	for _, p := range shown {
		recent = append(recent, p.value)
		evaluated = append(evaluated, dp{Timestamp: p.start.UTC().Format(layout), Value: p.value})
	}
	b, _ := json.Marshal(map[string]any{
		"version": "1.0", "queryDate": now.UTC().Format(layout), "startDate": start.UTC().Format(layout),
		"statistic": a.Statistic, "period": a.Period, "recentDatapoints": recent, "threshold": a.Threshold,
		"evaluatedDatapoints": evaluated,
	})
	return string(b)
}
