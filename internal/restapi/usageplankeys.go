package restapi

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/store"
)

type CreateUsagePlanKeyInput struct {
	UsagePlanId string  `json:"-"`
	KeyId       *string `json:"keyId,omitempty"`
	KeyType     *string `json:"keyType,omitempty"`
}

// UsagePlanKeyRef names one key of a usage plan.
type UsagePlanKeyRef struct {
	UsagePlanId string `json:"-"`
	KeyId       string `json:"-"`
}

type GetUsagePlanKeysInput struct {
	UsagePlanId string `json:"-"`
	NameQuery   string `json:"-"`
	PageInput
}

func usagePlanKeyNotFound() error { return notFound("Invalid Usage Plan Key identifier specified") }

// planKeyRecords lists the memberships of one plan, or of every plan.
func (c *Control) planKeyRecords(ctx context.Context, planID string) ([]*planKeyRecord, error) {
	prefix := kindPrefix(kindPlanKey)
	if planID != "" {
		prefix = planKeysPrefix(planID)
	}
	recs, _, err := listJSON[planKeyRecord](ctx, c.st, prefix)
	return recs, err
}

// checkKeyStages refuses a plan whose keys (its own, and extraKey about to
// join) would reach one of its stages through another plan too: AWS lets a
// key be in one plan per API stage, which is what lets the gateway find
// the one plan that meters a request. It returns compares on the other
// plans it read.
func (c *Control) checkKeyStages(ctx context.Context, p *UsagePlan, extraKey string) ([]store.Cmp, error) {
	members, err := c.planKeyRecords(ctx, "")
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	if extraKey != "" {
		keys[extraKey] = true
	}
	for _, m := range members {
		if m.UsagePlanId == p.Id {
			keys[m.KeyId] = true
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	plans, kvs, err := listJSON[UsagePlan](ctx, c.st, kindPrefix(kindUsagePlan))
	if err != nil {
		return nil, err
	}
	var cmps []store.Cmp
	for i, other := range plans {
		if other.Id == p.Id {
			continue
		}
		cmps = append(cmps, store.Unchanged(kvs[i]))
		for _, m := range members {
			if m.UsagePlanId != other.Id || !keys[m.KeyId] {
				continue
			}
			for _, s := range other.ApiStages {
				if p.Stage(s.ApiId, s.Stage) != nil {
					return nil, conflict("Usage Plan %s cannot be added because API Key %s cannot reference multiple Usage Plans with the same API Stage: %s:%s", p.Id, m.KeyId, s.ApiId, s.Stage)
				}
			}
		}
	}
	return cmps, nil
}

// Stage returns the plan's entry for the API's stage, or nil.
func (p *UsagePlan) Stage(apiID, stage string) *ApiStage {
	for i := range p.ApiStages {
		if p.ApiStages[i].ApiId == apiID && p.ApiStages[i].Stage == stage {
			return &p.ApiStages[i]
		}
	}
	return nil
}

// CreateUsagePlanKey adds an API key to a usage plan.
func (c *Control) CreateUsagePlanKey(ctx context.Context, in *CreateUsagePlanKeyInput) (*UsagePlanKey, error) {
	if t := strOr(in.KeyType, ""); t != UsagePlanKeyTypeAPIKey {
		return nil, badRequest("Invalid key type specified: '%s'. Must be API_KEY", t)
	}
	keyID := strOr(in.KeyId, "")
	var out *UsagePlanKey
	err := c.commit(ctx, func() (store.Txn, error) {
		p, planKV, err := c.getUsagePlan(ctx, in.UsagePlanId)
		if err != nil {
			return store.Txn{}, err
		}
		k, keyKV, err := c.getApiKey(ctx, keyID)
		if err != nil {
			return store.Txn{}, err
		}
		if _, err := c.st.Get(ctx, planKeyKey(p.Id, k.Id)); err == nil {
			return store.Txn{}, conflict("Usage Plan %s already contains API Key %s", p.Id, k.Id)
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, err
		}
		cmps, err := c.checkKeyStages(ctx, p, k.Id)
		if err != nil {
			return store.Txn{}, err
		}
		out = &UsagePlanKey{Id: k.Id, Name: k.Name, Type: UsagePlanKeyTypeAPIKey, Value: k.Value}
		// The key's record is rewritten as it is so that a DeleteApiKey
		// racing with this fails its compare and, retried, sees the plan.
		return store.Txn{
			If: append(cmps, store.Unchanged(planKV), store.Unchanged(keyKV), store.Absent(planKeyKey(p.Id, k.Id))),
			Then: []store.Op{
				store.Put(planKeyKey(p.Id, k.Id), store.JSON(&planKeyRecord{UsagePlanId: p.Id, KeyId: k.Id})),
				store.Put(keyKV.Key, keyKV.Value),
			},
		}, nil
	})
	return out, err
}

// planKeys returns a plan's keys as usage plan keys, in id order.
func (c *Control) planKeys(ctx context.Context, planID string) ([]*UsagePlanKey, error) {
	if _, _, err := c.getUsagePlan(ctx, planID); err != nil {
		return nil, err
	}
	members, err := c.planKeyRecords(ctx, planID)
	if err != nil {
		return nil, err
	}
	out := make([]*UsagePlanKey, 0, len(members))
	for _, m := range members {
		k, _, err := c.getApiKey(ctx, m.KeyId)
		if errors.Is(err, ErrNotFound) {
			continue // deleted with its memberships; not there any more
		}
		if err != nil {
			return nil, err
		}
		out = append(out, &UsagePlanKey{Id: k.Id, Name: k.Name, Type: UsagePlanKeyTypeAPIKey, Value: k.Value})
	}
	slices.SortFunc(out, func(a, b *UsagePlanKey) int { return strings.Compare(a.Id, b.Id) })
	return out, nil
}

// GetUsagePlanKeys lists a plan's keys, filtered by name prefix.
func (c *Control) GetUsagePlanKeys(ctx context.Context, in *GetUsagePlanKeysInput) (*Page[*UsagePlanKey], error) {
	keys, err := c.planKeys(ctx, in.UsagePlanId)
	if err != nil {
		return nil, err
	}
	keys = slices.DeleteFunc(keys, func(k *UsagePlanKey) bool { return !strings.HasPrefix(k.Name, in.NameQuery) })
	return page(keys, func(k *UsagePlanKey) string { return k.Id }, in.PageInput)
}

// GetUsagePlanKey returns one key of a plan.
func (c *Control) GetUsagePlanKey(ctx context.Context, in *UsagePlanKeyRef) (*UsagePlanKey, error) {
	keys, err := c.planKeys(ctx, in.UsagePlanId)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.Id == in.KeyId {
			return k, nil
		}
	}
	return nil, usagePlanKeyNotFound()
}

// DeleteUsagePlanKey takes an API key out of a usage plan.
func (c *Control) DeleteUsagePlanKey(ctx context.Context, in *UsagePlanKeyRef) error {
	return c.commit(ctx, func() (store.Txn, error) {
		if _, _, err := c.getUsagePlan(ctx, in.UsagePlanId); err != nil {
			return store.Txn{}, err
		}
		if in.KeyId == "" || strings.Contains(in.KeyId, "/") {
			return store.Txn{}, usagePlanKeyNotFound()
		}
		kv, err := c.st.Get(ctx, planKeyKey(in.UsagePlanId, in.KeyId))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, usagePlanKeyNotFound()
		}
		if err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}, nil
	})
}
