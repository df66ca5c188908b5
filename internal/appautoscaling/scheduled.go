package appautoscaling

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type PutScheduledActionInput struct {
	ServiceNamespace     string
	ScheduledActionName  string
	ResourceId           string
	ScalableDimension    string
	Schedule             string
	Timezone             string
	StartTime            *awsapi.Timestamp
	EndTime              *awsapi.Timestamp
	ScalableTargetAction *ScalableTargetAction
}

type PutScheduledActionOutput struct{}

// PutScheduledAction creates or replaces a scheduled action.
func (c *Control) PutScheduledAction(ctx context.Context, in *PutScheduledActionInput) (*PutScheduledActionOutput, error) {
	ref := targetRef{in.ServiceNamespace, in.ResourceId, in.ScalableDimension}
	if in.ScheduledActionName == "" {
		return nil, required("scheduledActionName")
	}
	if err := checkTarget(ref); err != nil {
		return nil, err
	}
	if _, err := parseSchedule(in.Schedule, in.Timezone); err != nil {
		return nil, err
	}
	if a := in.ScalableTargetAction; a != nil && a.MinCapacity != nil && a.MaxCapacity != nil && *a.MinCapacity > *a.MaxCapacity {
		return nil, validation("Minimum capacity cannot be greater than maximum capacity")
	}
	err := c.commit(ctx, func() (store.Txn, error) {
		tkv, err := c.st.Get(ctx, targetKey(ref))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, targetNotFound(ref)
		}
		if err != nil {
			return store.Txn{}, err
		}
		rec := &scheduledRecord{ScheduledAction: ScheduledAction{ScheduledActionName: in.ScheduledActionName, ServiceNamespace: ref.ServiceNamespace,
			ResourceId: ref.ResourceId, ScalableDimension: ref.ScalableDimension, Schedule: in.Schedule, Timezone: in.Timezone,
			StartTime: in.StartTime, EndTime: in.EndTime, ScalableTargetAction: in.ScalableTargetAction, CreationTime: awsapi.Now(),
			ScheduledActionARN: c.arn("scheduledAction:" + awsapi.NewUUID() + ":resource/" + ref.ServiceNamespace + "/" + ref.ResourceId + ":scheduledActionName/" + in.ScheduledActionName)},
			LastRun: time.Now()}
		old, kv, err := store.GetJSON[scheduledRecord](ctx, c.st, scheduledKey(ref, in.ScheduledActionName))
		cmp := store.Absent(scheduledKey(ref, in.ScheduledActionName))
		if err == nil {
			rec.ScheduledActionARN, rec.CreationTime, cmp = old.ScheduledActionARN, old.CreationTime, store.Unchanged(kv)
		}
		return store.Txn{If: []store.Cmp{cmp, store.Unchanged(tkv)}, Then: []store.Op{store.Put(scheduledKey(ref, in.ScheduledActionName), store.JSON(rec))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &PutScheduledActionOutput{}, nil
}

type DescribeScheduledActionsInput struct {
	ServiceNamespace     string
	ScheduledActionNames []string
	ResourceId           string
	ScalableDimension    string
	MaxResults           *int
	NextToken            string
}

type DescribeScheduledActionsOutput struct {
	ScheduledActions []ScheduledAction
	NextToken        string `json:",omitempty"`
}

// DescribeScheduledActions lists a namespace's scheduled actions.
func (c *Control) DescribeScheduledActions(ctx context.Context, in *DescribeScheduledActionsInput) (*DescribeScheduledActionsOutput, error) {
	if in.ServiceNamespace == "" {
		return nil, required("serviceNamespace")
	}
	recs, err := list[scheduledRecord](ctx, c.st, scheduledPrefix+in.ServiceNamespace+"/")
	if err != nil {
		return nil, err
	}
	var match []ScheduledAction
	for _, r := range recs {
		if (len(in.ScheduledActionNames) > 0 && !slices.Contains(in.ScheduledActionNames, r.ScheduledActionName)) ||
			(in.ResourceId != "" && r.ResourceId != in.ResourceId) || (in.ScalableDimension != "" && r.ScalableDimension != in.ScalableDimension) {
			continue
		}
		match = append(match, r.ScheduledAction)
	}
	page, next, err := awsapi.Paginate(pager, match, func(a ScheduledAction) string {
		return targetRef{a.ServiceNamespace, a.ResourceId, a.ScalableDimension}.id() + "/" + a.ScheduledActionName
	}, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &DescribeScheduledActionsOutput{ScheduledActions: orEmpty(page), NextToken: next}, nil
}

type DeleteScheduledActionInput struct {
	ServiceNamespace    string
	ScheduledActionName string
	ResourceId          string
	ScalableDimension   string
}

type DeleteScheduledActionOutput struct{}

// DeleteScheduledAction deletes a scheduled action.
func (c *Control) DeleteScheduledAction(ctx context.Context, in *DeleteScheduledActionInput) (*DeleteScheduledActionOutput, error) {
	ref := targetRef{in.ServiceNamespace, in.ResourceId, in.ScalableDimension}
	if in.ScheduledActionName == "" {
		return nil, required("scheduledActionName")
	}
	if err := checkTarget(ref); err != nil {
		return nil, err
	}
	err := c.commit(ctx, func() (store.Txn, error) {
		kv, err := c.st.Get(ctx, scheduledKey(ref, in.ScheduledActionName))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, ErrObjectNotFound.Newf("No scheduled action found for service namespace: %s, resource ID: %s, scalable dimension: %s, scheduled action name: %s",
				ref.ServiceNamespace, ref.ResourceId, ref.ScalableDimension, in.ScheduledActionName)
		}
		if err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteScheduledActionOutput{}, nil
}

// schedule says when an action is next due after a time (zero: never).
type schedule interface {
	Next(after time.Time) time.Time
}

type atSchedule time.Time

func (a atSchedule) Next(after time.Time) time.Time {
	if t := time.Time(a); t.After(after) {
		return t
	}
	return time.Time{}
}

type rateSchedule time.Duration

func (r rateSchedule) Next(after time.Time) time.Time { return after.Add(time.Duration(r)) }

var rateRE = regexp.MustCompile(`^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$`)

// parseSchedule reads at(yyyy-mm-ddThh:mm:ss), rate(N unit) and AWS's
// six-field cron(min hour day-of-month month day-of-week year); the year
// must be * (robfig/cron has no year field), and L, W and # are refused.
func parseSchedule(s, tz string) (schedule, error) {
	loc := time.UTC
	if tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return nil, validation("Invalid timezone: %s", tz)
		}
		loc = l
	}
	bad := validation("Unsupported schedule expression '%s'. Supported forms: at(yyyy-mm-ddThh:mm:ss), rate(value unit), cron(fields)", s)
	switch {
	case strings.HasPrefix(s, "at(") && strings.HasSuffix(s, ")"):
		t, err := time.ParseInLocation("2006-01-02T15:04:05", s[3:len(s)-1], loc)
		if err != nil {
			return nil, bad
		}
		return atSchedule(t), nil
	case strings.HasPrefix(s, "rate("):
		m := rateRE.FindStringSubmatch(s)
		if m == nil {
			return nil, bad
		}
		n, _ := strconv.Atoi(m[1])
		unit := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[strings.TrimSuffix(m[2], "s")]
		if n < 1 {
			return nil, bad
		}
		return rateSchedule(time.Duration(n) * unit), nil
	case strings.HasPrefix(s, "cron(") && strings.HasSuffix(s, ")"):
		f := strings.Fields(s[5 : len(s)-1])
		if len(f) != 6 || f[5] != "*" || strings.ContainsAny(s, "LW#") {
			return nil, bad
		}
		sched, err := cron.ParseStandard("CRON_TZ=" + loc.String() + " " + strings.Join(f[:5], " "))
		if err != nil {
			return nil, bad
		}
		return sched, nil
	}
	return nil, bad
}

// runScheduled fires every scheduled action that came due since it last
// ran, within its start and end time: the target's min and max become
// the action's, and a desired count outside them is scaled into them.
func (c *Control) runScheduled(ctx context.Context, now time.Time) {
	recs, err := list[scheduledRecord](ctx, c.st, scheduledPrefix)
	if err != nil {
		return
	}
	for _, r := range recs {
		sched, err := parseSchedule(r.Schedule, r.Timezone)
		if err != nil {
			continue
		}
		due := sched.Next(r.LastRun)
		if due.IsZero() || due.After(now) {
			continue
		}
		if err := c.markRun(ctx, r, now); err != nil {
			continue
		}
		if (r.StartTime != nil && now.Before(r.StartTime.Time())) || (r.EndTime != nil && now.After(r.EndTime.Time())) {
			continue
		}
		c.fire(ctx, r, now)
	}
}

// markRun records that r ran at now, before it acts, so that a crash
// afterwards does not run it twice.
func (c *Control) markRun(ctx context.Context, r *scheduledRecord, now time.Time) error {
	ref := targetRef{r.ServiceNamespace, r.ResourceId, r.ScalableDimension}
	return c.commit(ctx, func() (store.Txn, error) {
		cur, kv, err := store.GetJSON[scheduledRecord](ctx, c.st, scheduledKey(ref, r.ScheduledActionName))
		if err != nil {
			return store.Txn{}, err
		}
		cur.LastRun = now
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(cur))}}, nil
	})
}

func (c *Control) fire(ctx context.Context, r *scheduledRecord, now time.Time) {
	ref := targetRef{r.ServiceNamespace, r.ResourceId, r.ScalableDimension}
	rec, _, err := c.target(ctx, ref)
	if err != nil || rec == nil || rec.SuspendedState.scheduled() || r.ScalableTargetAction == nil {
		return
	}
	in := &RegisterScalableTargetInput{ServiceNamespace: ref.ServiceNamespace, ResourceId: ref.ResourceId, ScalableDimension: ref.ScalableDimension,
		MinCapacity: r.ScalableTargetAction.MinCapacity, MaxCapacity: r.ScalableTargetAction.MaxCapacity}
	if _, err := c.register(ctx, in, "scheduled action name "+r.ScheduledActionName+" was triggered"); err != nil {
		c.log.Warn("scheduled action", "scheduledActionName", r.ScheduledActionName, "err", err)
		return
	}
	c.log.Info("scheduled action ran", "scheduledActionName", r.ScheduledActionName, "resourceId", r.ResourceId, "at", fmt.Sprint(now))
}
