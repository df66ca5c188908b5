package elbv2

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/portolan/portolan/internal/store"
)

type RegisterTargetsInput struct {
	TargetGroupArn string
	Targets        []TargetDescription
}

type RegisterTargetsOutput struct{}

type DeregisterTargetsInput struct {
	TargetGroupArn string
	Targets        []TargetDescription
}

type DeregisterTargetsOutput struct{}

type DescribeTargetHealthInput struct {
	TargetGroupArn string
	Targets        []TargetDescription
	Include        []string
}

type DescribeTargetHealthOutput struct {
	TargetHealthDescriptions []TargetHealthDescription
}

// maxTargets is AWS's default quota of targets per target group.
const maxTargets = 1000

// registrationTime is how long a target with no health yet is reported as
// registering (Elb.RegistrationInProgress) before it is reported as being
// checked (Elb.InitialHealthChecking): the time the health checker takes
// to see a new target. AWS takes tens of seconds; here a snapshot is enough.
const registrationTime = 2 * time.Second

// targetName is how a target is told apart in its group and named in the
// health keys: its id and port.
func targetName(id string, port int32) string { return id + ":" + strconv.Itoa(int(port)) }

// resolveTargets validates targets for tg and fills in their ports.
func resolveTargets(tg *TargetGroup, targets []TargetDescription) ([]TargetDescription, error) {
	if len(targets) == 0 {
		return nil, validation("At least one target must be specified")
	}
	out := make([]TargetDescription, len(targets))
	for i, t := range targets {
		switch tg.TargetType {
		case TargetTypeIP:
			// AWS allows only private ranges; here targets listen on loopback.
			if a, err := netip.ParseAddr(t.Id); err != nil || !a.Is4() {
				return nil, ErrInvalidTarget.Newf("The IP address '%s' is not a valid IPv4 address", t.Id)
			}
		case TargetTypeInstance:
			if t.Id == "" {
				return nil, ErrInvalidTarget.Newf("The target ID must be specified")
			}
		case TargetTypeLambda, TargetTypeALB:
			if !isARNOf(t.Id) {
				return nil, ErrInvalidTarget.Newf("The target '%s' is not a valid ARN", t.Id)
			}
		}
		port := derefOr(tg.Port, 0)
		if t.Port != nil {
			port = *t.Port
		}
		if tg.TargetType != TargetTypeLambda && (port < 1 || port > 65535) {
			return nil, ErrInvalidTarget.Newf("The port %d of target '%s' is not valid: 1 to 65535", port, t.Id)
		}
		out[i] = TargetDescription{Id: t.Id, AvailabilityZone: t.AvailabilityZone}
		if tg.TargetType != TargetTypeLambda {
			out[i].Port = ptr(port)
		}
	}
	if tg.TargetType == TargetTypeLambda && len(out) > 1 {
		return nil, ErrTooManyTargets.Newf("A target group of target type 'lambda' can have only one target")
	}
	return out, nil
}

func isARNOf(s string) bool { return len(s) > 4 && s[:4] == "arn:" }

func (t *registeredTarget) name() string { return targetName(t.Id, derefOr(t.Port, 0)) }

// RegisterTargets adds targets to a group; one already registered stays as
// it is, and one draining is registered again.
func (c *Control) RegisterTargets(ctx context.Context, in *RegisterTargetsInput) (*RegisterTargetsOutput, error) {
	err := c.editTargets(ctx, in.TargetGroupArn, in.Targets, func(r *targetGroupRecord, kv store.KV, targets []TargetDescription) (store.Txn, error) {
		id, _ := parseTargetGroupARN(r.TargetGroupArn)
		now := time.Now().UTC()
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}}
		for _, t := range targets {
			name := targetName(t.Id, derefOr(t.Port, 0))
			i := slices.IndexFunc(r.Targets, func(x *registeredTarget) bool { return x.name() == name })
			switch {
			case i < 0:
				r.Targets = append(r.Targets, &registeredTarget{TargetDescription: t, RegisteredAt: now})
				// What a checker concluded of an earlier registration is stale.
				txn.Then = append(txn.Then, store.Delete(targetHealthKey(id, name)))
			case r.Targets[i].DeregisteredAt != nil:
				r.Targets[i].DeregisteredAt = nil
			}
		}
		if len(r.Targets) > maxTargets {
			return store.Txn{}, ErrTooManyTargets.Newf("You have reached the maximum number of targets per target group (%d)", maxTargets)
		}
		txn.Then = append(txn.Then, store.Put(kv.Key, store.JSON(r)))
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &RegisterTargetsOutput{}, nil
}

// DeregisterTargets starts draining targets: they stay, draining, for the
// group's deregistration delay, then go. A target that is not registered
// is InvalidTarget, as AWS answers.
func (c *Control) DeregisterTargets(ctx context.Context, in *DeregisterTargetsInput) (*DeregisterTargetsOutput, error) {
	err := c.editTargets(ctx, in.TargetGroupArn, in.Targets, func(r *targetGroupRecord, kv store.KV, targets []TargetDescription) (store.Txn, error) {
		now := time.Now().UTC()
		for _, t := range targets {
			name := targetName(t.Id, derefOr(t.Port, 0))
			i := slices.IndexFunc(r.Targets, func(x *registeredTarget) bool { return x.name() == name })
			if i < 0 {
				return store.Txn{}, ErrInvalidTarget.Newf("The target '%s' is not registered in target group '%s'", name, r.TargetGroupArn)
			}
			if r.Targets[i].DeregisteredAt == nil {
				r.Targets[i].DeregisteredAt = &now
			}
		}
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}}
		// A zero delay removes at once; otherwise the drainer does later.
		txn.Then = append(removeDrained(r, now), store.Put(kv.Key, store.JSON(r)))
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &DeregisterTargetsOutput{}, nil
}

// editTargets builds a transaction over one target group and the targets
// named, resolved against the group; it retries as commit does.
func (c *Control) editTargets(ctx context.Context, arn string, in []TargetDescription, build func(r *targetGroupRecord, kv store.KV, targets []TargetDescription) (store.Txn, error)) error {
	return c.commit(ctx, func() (store.Txn, error) {
		r, kv, err := c.targetGroupByARN(ctx, arn)
		if err != nil {
			return store.Txn{}, err
		}
		targets, err := resolveTargets(&r.TargetGroup, in)
		if err != nil {
			return store.Txn{}, err
		}
		return build(r, kv, targets)
	})
}

// deregistrationDelay is the group's deregistration_delay.timeout_seconds.
func deregistrationDelay(r *targetGroupRecord) time.Duration {
	n, _ := strconv.Atoi(targetGroupAttributes(r)["deregistration_delay.timeout_seconds"])
	return time.Duration(n) * time.Second
}

// drainingUntil is when a deregistered target goes; zero for one registered.
func drainingUntil(t *registeredTarget, delay time.Duration) time.Time {
	if t.DeregisteredAt == nil {
		return time.Time{}
	}
	return t.DeregisteredAt.Add(delay)
}

// removeDrained drops from r the targets whose draining has ended by now,
// and returns the deletes of their health.
func removeDrained(r *targetGroupRecord, now time.Time) []store.Op {
	delay := deregistrationDelay(r)
	id, _ := parseTargetGroupARN(r.TargetGroupArn)
	var ops []store.Op
	r.Targets = slices.DeleteFunc(r.Targets, func(t *registeredTarget) bool {
		end := drainingUntil(t, delay)
		if !end.IsZero() && !end.After(now) {
			ops = append(ops, store.Delete(targetHealthKey(id, t.name())))
			return true
		}
		return false
	})
	return ops
}

// RunDrainer removes deregistered targets once their delay has passed.
// It is a level-triggered reconciler: each pass reads every group, removes
// what has drained and asks to be woken when the next draining ends. The
// API already hides drained targets (DescribeTargetHealth), so the records
// are right even while the drainer is behind; it keeps them small.
func (c *Control) RunDrainer(ctx context.Context) error {
	return store.Follow(ctx, c.st, targetGroupPrefix, time.Minute, c.log, func(ctx context.Context, _ store.Update) time.Time {
		next, err := c.drainPass(ctx, time.Now())
		if err != nil {
			c.log.Warn("removing drained targets", "err", err)
			return time.Now().Add(time.Second)
		}
		return next
	})
}

// drainPass removes every drained target and returns when the next
// draining ends (zero: none is draining).
func (c *Control) drainPass(ctx context.Context, now time.Time) (time.Time, error) {
	records, kvs, err := c.targetGroups(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var next time.Time
	for i, r := range records {
		delay := deregistrationDelay(r)
		due := false
		for _, t := range r.Targets {
			end := drainingUntil(t, delay)
			switch {
			case end.IsZero():
			case !end.After(now):
				due = true
			case next.IsZero() || end.Before(next):
				next = end
			}
		}
		if !due {
			continue
		}
		ops := removeDrained(r, now)
		_, err := c.st.Commit(ctx, store.Txn{If: []store.Cmp{store.Unchanged(kvs[i])}, Then: append(ops, store.Put(kvs[i].Key, store.JSON(r)))})
		if errors.Is(err, store.ErrConflict) {
			// Changed meanwhile: the watch brings the change and another pass.
			continue
		} else if err != nil {
			return time.Time{}, err
		}
	}
	return next, nil
}

// DescribeTargetHealth reports the health of a group's targets, or of the
// targets named (one not registered is unused/Target.NotRegistered).
func (c *Control) DescribeTargetHealth(ctx context.Context, in *DescribeTargetHealthInput) (*DescribeTargetHealthOutput, error) {
	r, _, err := c.targetGroupByARN(ctx, in.TargetGroupArn)
	if err != nil {
		return nil, err
	}
	id, _ := parseTargetGroupARN(r.TargetGroupArn)
	health, _, err := c.st.List(ctx, targetHealthPrefix(id))
	if err != nil {
		return nil, err
	}
	checked := make(map[string]*targetHealthRecord, len(health))
	for _, kv := range health {
		if h := store.DecodeJSON[targetHealthRecord](kv.Value); h != nil {
			checked[kv.Key[len(targetHealthPrefix(id)):]] = h
		}
	}
	lbs, _, err := c.loadBalancers(ctx)
	if err != nil {
		return nil, err
	}
	inUse := len(loadBalancersOf(r.TargetGroupArn, lbs)) > 0
	now := time.Now()
	delay := deregistrationDelay(r)
	out := &DescribeTargetHealthOutput{TargetHealthDescriptions: []TargetHealthDescription{}}
	describe := func(t *registeredTarget) {
		out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, TargetHealthDescription{
			Target:          t.TargetDescription,
			HealthCheckPort: healthCheckPort(&r.TargetGroup, t),
			TargetHealth:    targetHealthOf(&r.TargetGroup, t, checked[t.name()], inUse, drainingUntil(t, delay), now),
		})
	}
	live := slices.DeleteFunc(slices.Clone(r.Targets), func(t *registeredTarget) bool {
		end := drainingUntil(t, delay)
		return !end.IsZero() && !end.After(now)
	})
	if len(in.Targets) == 0 {
		for _, t := range live {
			describe(t)
		}
		return out, nil
	}
	for _, want := range in.Targets {
		port := derefOr(want.Port, derefOr(r.Port, 0))
		i := slices.IndexFunc(live, func(t *registeredTarget) bool { return t.name() == targetName(want.Id, port) })
		if i >= 0 {
			describe(live[i])
			continue
		}
		t := TargetDescription{Id: want.Id, Port: want.Port}
		if r.TargetType != TargetTypeLambda {
			t.Port = &port
		}
		out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, TargetHealthDescription{
			Target:       t,
			TargetHealth: TargetHealth{State: HealthUnused, Reason: ptr(ReasonNotRegistered), Description: ptr("Target is not registered to the target group")},
		})
	}
	return out, nil
}

func healthCheckPort(tg *TargetGroup, t *registeredTarget) *string {
	if tg.TargetType == TargetTypeLambda {
		return nil
	}
	if p := derefOr(tg.HealthCheckPort, "traffic-port"); p != "traffic-port" {
		return &p
	}
	return ptr(strconv.Itoa(int(derefOr(t.Port, 0))))
}

// targetHealthOf is the state AWS reports: draining first, then unused
// when no load balancer sends the group traffic, then what the health
// checker last concluded, and before that initial.
func targetHealthOf(tg *TargetGroup, t *registeredTarget, checked *targetHealthRecord, inUse bool, drainEnd, now time.Time) TargetHealth {
	switch {
	case !drainEnd.IsZero():
		return TargetHealth{State: HealthDraining, Reason: ptr(ReasonDeregistrationInProgress), Description: ptr("Target deregistration is in progress")}
	case !inUse:
		return TargetHealth{State: HealthUnused, Reason: ptr(ReasonNotInUse), Description: ptr("Target group is not configured to receive traffic from the load balancer")}
	case !tg.HealthCheckEnabled:
		return TargetHealth{State: HealthUnavailable, Reason: ptr(ReasonHealthCheckDisabled), Description: ptr("Health checks are disabled")}
	case checked != nil:
		return checked.TargetHealth
	case now.Sub(t.RegisteredAt) < registrationTime:
		return TargetHealth{State: HealthInitial, Reason: ptr(ReasonRegistrationInProgress), Description: ptr("Target registration is in progress")}
	}
	return TargetHealth{State: HealthInitial, Reason: ptr(ReasonInitialHealthChecking), Description: ptr("Initial health checks in progress")}
}

// SetTargetHealth records what the health checker concluded of a target
// (its only writer). Nothing is written when the health has not changed,
// nor for a target no longer registered.
func (c *Control) SetTargetHealth(ctx context.Context, targetGroupArn string, target TargetDescription, health TargetHealth) error {
	return c.commit(ctx, func() (store.Txn, error) {
		r, kv, err := c.targetGroupByARN(ctx, targetGroupArn)
		if err != nil {
			return store.Txn{}, err
		}
		name := targetName(target.Id, derefOr(target.Port, derefOr(r.Port, 0)))
		if !slices.ContainsFunc(r.Targets, func(t *registeredTarget) bool { return t.name() == name }) {
			return store.Txn{}, nil
		}
		id, _ := parseTargetGroupARN(r.TargetGroupArn)
		key := targetHealthKey(id, name)
		old, hkv, err := store.GetJSON[targetHealthRecord](ctx, c.st, key)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return store.Txn{}, err
		case sameHealth(old.TargetHealth, health):
			return store.Txn{}, nil
		}
		// The group unchanged: a target deregistered and removed meanwhile
		// gets no health written after its removal.
		return store.Txn{
			If:   []store.Cmp{store.Unchanged(kv), {Key: key, ModRevision: hkv.ModRevision}},
			Then: []store.Op{store.Put(key, store.JSON(targetHealthRecord{TargetHealth: health, Since: time.Now().UTC()}))},
		}, nil
	})
}

func sameHealth(a, b TargetHealth) bool {
	return a.State == b.State && derefOr(a.Reason, "") == derefOr(b.Reason, "") && derefOr(a.Description, "") == derefOr(b.Description, "")
}
