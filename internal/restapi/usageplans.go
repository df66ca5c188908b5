package restapi

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type CreateUsagePlanInput struct {
	ApiStages   []ApiStage        `json:"apiStages,omitempty"`
	Description *string           `json:"description,omitempty"`
	Name        *string           `json:"name,omitempty"`
	Quota       *QuotaSettings    `json:"quota,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Throttle    *ThrottleSettings `json:"throttle,omitempty"`
}

// UsagePlanRef names a usage plan.
type UsagePlanRef struct {
	UsagePlanId string `json:"-"`
}

type GetUsagePlansInput struct {
	KeyId string `json:"-"`
	PageInput
}

type UpdateUsagePlanInput struct {
	UsagePlanId string `json:"-"`
	PatchInput
}

func usagePlanNotFound() error { return notFound("Invalid Usage Plan ID specified") }

// validateUsagePlan checks a plan's own settings; its stages are checked
// against the store by checkPlanStages.
func validateUsagePlan(p *UsagePlan) error {
	if p.Name == "" {
		return badRequest("Invalid usage plan name specified: a name is required")
	}
	if t := p.Throttle; t != nil && (t.BurstLimit < 0 || t.RateLimit < 0) {
		return badRequest("Throttle burstLimit and rateLimit must not be negative")
	}
	if q := p.Quota; q != nil {
		if q.Limit < 0 {
			return badRequest("Quota limit must not be negative")
		}
		maxOffset := map[string]int32{QuotaDay: 0, QuotaWeek: 6, QuotaMonth: 27}
		hi, ok := maxOffset[q.Period]
		if !ok {
			return badRequest("Invalid quota period specified: %s. Must be one of: [DAY, WEEK, MONTH]", q.Period)
		}
		if q.Offset < 0 || q.Offset > hi {
			return badRequest("Quota offset for period %s must be between 0 and %d", q.Period, hi)
		}
	}
	seen := map[string]bool{}
	for _, s := range p.ApiStages {
		if seen[s.ApiId+":"+s.Stage] {
			return conflict("API stage %s:%s is listed twice in the usage plan", s.ApiId, s.Stage)
		}
		seen[s.ApiId+":"+s.Stage] = true
		for key, t := range s.Throttle {
			if err := validateThrottleKey(key); err != nil {
				return err
			}
			if t == nil || t.BurstLimit < 0 || t.RateLimit < 0 {
				return badRequest("Throttle for %s must have non-negative burstLimit and rateLimit", key)
			}
		}
	}
	return nil
}

// validateThrottleKey checks a method throttle's key, "/pets/GET": the
// resource path, then the method.
func validateThrottleKey(key string) error {
	i := strings.LastIndexByte(key, '/')
	if i < 0 || !strings.HasPrefix(key, "/") || validateHTTPMethod(key[i+1:]) != nil && key[i+1:] != "*" {
		return badRequest("Invalid method throttle key specified: %s; write /RESOURCE_PATH/METHOD", key)
	}
	return nil
}

// checkPlanStages verifies that every stage a plan covers exists.
func (c *Control) checkPlanStages(ctx context.Context, p *UsagePlan) error {
	for _, s := range p.ApiStages {
		if _, _, err := c.getStage(ctx, s.ApiId, s.Stage); err != nil {
			if errors.Is(err, ErrNotFound) {
				return badRequest("Invalid API Stage {api: %s, stage: %s} specified for usageplan %s", s.ApiId, s.Stage, p.Id)
			}
			return err
		}
	}
	return nil
}

// CreateUsagePlan creates a usage plan.
func (c *Control) CreateUsagePlan(ctx context.Context, in *CreateUsagePlanInput) (*UsagePlan, error) {
	p := &UsagePlan{
		ApiStages:   in.ApiStages,
		Description: strOr(in.Description, ""),
		Id:          awsapi.RandomID(6),
		Name:        strOr(in.Name, ""),
		Quota:       in.Quota,
		Tags:        in.Tags,
		Throttle:    in.Throttle,
	}
	if err := validateUsagePlan(p); err != nil {
		return nil, err
	}
	if err := checkTags(p.Tags); err != nil {
		return nil, err
	}
	err := c.commit(ctx, func() (store.Txn, error) {
		if err := c.checkPlanStages(ctx, p); err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Absent(usagePlanKey(p.Id))}, Then: []store.Op{store.Put(usagePlanKey(p.Id), store.JSON(p))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (c *Control) getUsagePlan(ctx context.Context, id string) (*UsagePlan, store.KV, error) {
	if id == "" || strings.Contains(id, "/") {
		return nil, store.KV{}, usagePlanNotFound()
	}
	p, kv, err := store.GetJSON[UsagePlan](ctx, c.st, usagePlanKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, usagePlanNotFound()
	}
	return p, kv, err
}

// GetUsagePlan returns a usage plan.
func (c *Control) GetUsagePlan(ctx context.Context, in *UsagePlanRef) (*UsagePlan, error) {
	p, _, err := c.getUsagePlan(ctx, in.UsagePlanId)
	return p, err
}

// GetUsagePlans lists usage plans in id order, those holding keyId when
// it is given.
func (c *Control) GetUsagePlans(ctx context.Context, in *GetUsagePlansInput) (*Page[*UsagePlan], error) {
	plans, _, err := listJSON[UsagePlan](ctx, c.st, kindPrefix(kindUsagePlan))
	if err != nil {
		return nil, err
	}
	if in.KeyId != "" {
		members, err := c.planKeyRecords(ctx, "")
		if err != nil {
			return nil, err
		}
		plans = slices.DeleteFunc(plans, func(p *UsagePlan) bool {
			return !slices.ContainsFunc(members, func(m *planKeyRecord) bool { return m.UsagePlanId == p.Id && m.KeyId == in.KeyId })
		})
	}
	return page(plans, func(p *UsagePlan) string { return p.Id }, in.PageInput)
}

// usagePlanPatch is what UpdateUsagePlan may change. Stages are added and
// removed by value "apiId:stage"; a stage's method throttles are
// /apiStages/{apiId:stage}/throttle/{resource path, "~1" for "/"}/{method}/
// {rateLimit|burstLimit}.
var usagePlanPatch = []patchRule[UsagePlan]{
	{"/name", "replace", setString(func(p *UsagePlan) *string { return &p.Name })},
	{"/description", "replace remove", setString(func(p *UsagePlan) *string { return &p.Description })},
	{"/productCode", "replace remove", setString(func(p *UsagePlan) *string { return &p.ProductCode })},
	{"/throttle", "remove", func(p *UsagePlan, _ *PatchOperation, _ []string) error { p.Throttle = nil; return nil }},
	{"/throttle/burstLimit", "replace", func(p *UsagePlan, op *PatchOperation, _ []string) error {
		n, err := op.intValue(0, 1<<31-1)
		p.Throttle = orNew(p.Throttle)
		p.Throttle.BurstLimit = int32(n)
		return err
	}},
	{"/throttle/rateLimit", "replace", func(p *UsagePlan, op *PatchOperation, _ []string) (err error) {
		p.Throttle = orNew(p.Throttle)
		p.Throttle.RateLimit, err = op.floatValue(0, 1e9)
		return err
	}},
	{"/quota", "remove", func(p *UsagePlan, _ *PatchOperation, _ []string) error { p.Quota = nil; return nil }},
	{"/quota/limit", "replace", func(p *UsagePlan, op *PatchOperation, _ []string) error {
		n, err := op.intValue(0, 1<<31-1)
		p.Quota = orNew(p.Quota)
		p.Quota.Limit = int32(n)
		return err
	}},
	{"/quota/offset", "replace", func(p *UsagePlan, op *PatchOperation, _ []string) error {
		n, err := op.intValue(0, 27)
		p.Quota = orNew(p.Quota)
		p.Quota.Offset = int32(n)
		return err
	}},
	{"/quota/period", "replace", func(p *UsagePlan, op *PatchOperation, _ []string) error {
		p.Quota = orNew(p.Quota)
		p.Quota.Period = op.str()
		return nil
	}},
	{"/apiStages", "add remove", func(p *UsagePlan, op *PatchOperation, _ []string) error {
		api, stage, ok := strings.Cut(op.str(), ":")
		if !ok || api == "" || stage == "" {
			return badRequest("Invalid API stage specified: %s; write apiId:stage", op.str())
		}
		i := slices.IndexFunc(p.ApiStages, func(s ApiStage) bool { return s.ApiId == api && s.Stage == stage })
		switch {
		case op.Op == "add" && i >= 0:
			return conflict("API stage %s is already in the usage plan", op.str())
		case op.Op == "add":
			p.ApiStages = append(p.ApiStages, ApiStage{ApiId: api, Stage: stage})
		case i < 0:
			return notFound("API stage %s is not in the usage plan", op.str())
		default:
			p.ApiStages = slices.Delete(p.ApiStages, i, i+1)
		}
		return nil
	}},
	{"/apiStages/{}/throttle", "remove", func(p *UsagePlan, op *PatchOperation, args []string) error {
		s, err := planStage(p, args[0])
		if err == nil {
			s.Throttle = nil
		}
		return err
	}},
	{"/apiStages/{}/throttle/{}/{}", "remove", func(p *UsagePlan, op *PatchOperation, args []string) error {
		s, err := planStage(p, args[0])
		if err == nil {
			delete(s.Throttle, args[1]+"/"+args[2])
		}
		return err
	}},
	{"/apiStages/{}/throttle/{}/{}/burstLimit", "replace", stageThrottle(func(t *ThrottleSettings, op *PatchOperation) error {
		n, err := op.intValue(0, 1<<31-1)
		t.BurstLimit = int32(n)
		return err
	})},
	{"/apiStages/{}/throttle/{}/{}/rateLimit", "replace", stageThrottle(func(t *ThrottleSettings, op *PatchOperation) (err error) {
		t.RateLimit, err = op.floatValue(0, 1e9)
		return err
	})},
}

func orNew[T any](p *T) *T {
	if p == nil {
		return new(T)
	}
	return p
}

// planStage finds the plan's entry for "apiId:stage".
func planStage(p *UsagePlan, ref string) (*ApiStage, error) {
	api, stage, _ := strings.Cut(ref, ":")
	for i := range p.ApiStages {
		if p.ApiStages[i].ApiId == api && p.ApiStages[i].Stage == stage {
			return &p.ApiStages[i], nil
		}
	}
	return nil, notFound("API stage %s is not in the usage plan", ref)
}

func stageThrottle(set func(*ThrottleSettings, *PatchOperation) error) func(*UsagePlan, *PatchOperation, []string) error {
	return func(p *UsagePlan, op *PatchOperation, args []string) error {
		s, err := planStage(p, args[0])
		if err != nil {
			return err
		}
		key := args[1] + "/" + args[2]
		if err := validateThrottleKey(key); err != nil {
			return err
		}
		t := s.Throttle[key]
		if t == nil {
			t = &ThrottleSettings{}
		}
		if s.Throttle == nil {
			s.Throttle = map[string]*ThrottleSettings{}
		}
		s.Throttle[key] = t
		return set(t, op)
	}
}

// UpdateUsagePlan applies a patch to a usage plan. A stage it adds must
// exist and must not make one of the plan's keys reach a stage through two
// plans.
func (c *Control) UpdateUsagePlan(ctx context.Context, in *UpdateUsagePlanInput) (*UsagePlan, error) {
	var out *UsagePlan
	err := c.commit(ctx, func() (store.Txn, error) {
		p, kv, err := c.getUsagePlan(ctx, in.UsagePlanId)
		if err != nil {
			return store.Txn{}, err
		}
		if err := applyPatch(p, in.PatchOperations, usagePlanPatch); err != nil {
			return store.Txn{}, err
		}
		if err := validateUsagePlan(p); err != nil {
			return store.Txn{}, err
		}
		if err := c.checkPlanStages(ctx, p); err != nil {
			return store.Txn{}, err
		}
		cmps, err := c.checkKeyStages(ctx, p, "")
		if err != nil {
			return store.Txn{}, err
		}
		out = p
		return store.Txn{If: append(cmps, store.Unchanged(kv)), Then: []store.Op{store.Put(kv.Key, store.JSON(p))}}, nil
	})
	return out, err
}

// DeleteUsagePlan deletes a usage plan and its keys' memberships (the API
// keys themselves stay).
func (c *Control) DeleteUsagePlan(ctx context.Context, in *UsagePlanRef) error {
	return c.commit(ctx, func() (store.Txn, error) {
		_, kv, err := c.getUsagePlan(ctx, in.UsagePlanId)
		if err != nil {
			return store.Txn{}, err
		}
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}
		members, err := c.planKeyRecords(ctx, in.UsagePlanId)
		if err != nil {
			return store.Txn{}, err
		}
		for _, m := range members {
			txn.Then = append(txn.Then, store.Delete(planKeyKey(m.UsagePlanId, m.KeyId)))
		}
		return txn, nil
	})
}

// dropPlanStages takes the stages drop selects out of every usage plan:
// the writes, and the compares that keep them valid.
func (c *Control) dropPlanStages(ctx context.Context, drop func(ApiStage) bool) ([]store.Op, []store.Cmp, error) {
	plans, kvs, err := listJSON[UsagePlan](ctx, c.st, kindPrefix(kindUsagePlan))
	if err != nil {
		return nil, nil, err
	}
	var (
		ops  []store.Op
		cmps []store.Cmp
	)
	for i, p := range plans {
		n := len(p.ApiStages)
		p.ApiStages = slices.DeleteFunc(p.ApiStages, drop)
		if len(p.ApiStages) != n {
			ops = append(ops, store.Put(kvs[i].Key, store.JSON(p)))
			cmps = append(cmps, store.Unchanged(kvs[i]))
		}
	}
	return ops, cmps, nil
}
