package cloudmap

import (
	"context"
	"errors"

	"github.com/portolan/portolan/internal/store"
)

type ServiceAttributesInput struct {
	ServiceId  string
	Attributes map[string]string
}

type DeleteServiceAttributesInput struct {
	ServiceId  string
	Attributes []string
}

type ServiceAttributes struct {
	ServiceArn    string
	ResourceOwner string
	Attributes    map[string]string
}

type GetServiceAttributesOutput struct{ ServiceAttributes ServiceAttributes }

type ServiceIdInput struct{ ServiceId string }

func (r *Control) GetServiceAttributes(ctx context.Context, in *ServiceIdInput) (*GetServiceAttributesOutput, error) {
	svc, _, err := r.getService(ctx, in.ServiceId)
	if err != nil {
		return nil, err
	}
	attrs, _, err := store.GetJSON[map[string]string](ctx, r.st, svcAttrKey(svc.Id))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	out := &GetServiceAttributesOutput{ServiceAttributes: ServiceAttributes{ServiceArn: svc.Arn, ResourceOwner: r.cfg.AccountID, Attributes: map[string]string{}}}
	if attrs != nil {
		out.ServiceAttributes.Attributes = *attrs
	}
	return out, nil
}

func (r *Control) UpdateServiceAttributes(ctx context.Context, in *ServiceAttributesInput) (*struct{}, error) {
	if len(in.Attributes) == 0 {
		return nil, invalidInput("Attributes must not be empty")
	}
	for k, v := range in.Attributes {
		if len(k) > 255 || !attrKeyPattern.MatchString(k) || len(v) > 1024 || !printableWithSpace(v) {
			return nil, invalidInput("Service attribute %q is invalid", k)
		}
	}
	return r.editServiceAttributes(ctx, in.ServiceId, func(m map[string]string) {
		for k, v := range in.Attributes {
			m[k] = v
		}
	})
}

func (r *Control) DeleteServiceAttributes(ctx context.Context, in *DeleteServiceAttributesInput) (*struct{}, error) {
	if len(in.Attributes) == 0 {
		return nil, invalidInput("Attributes must not be empty")
	}
	return r.editServiceAttributes(ctx, in.ServiceId, func(m map[string]string) {
		for _, k := range in.Attributes {
			delete(m, k)
		}
	})
}

func (r *Control) editServiceAttributes(ctx context.Context, serviceID string, edit func(map[string]string)) (*struct{}, error) {
	err := r.commit(ctx, func() (store.Txn, error) {
		svc, svcKV, err := r.getService(ctx, serviceID)
		if err != nil {
			return store.Txn{}, err
		}
		m := map[string]string{}
		cmp := store.Absent(svcAttrKey(svc.Id))
		if kv, err := r.st.Get(ctx, svcAttrKey(svc.Id)); err == nil {
			m = *store.DecodeJSON[map[string]string](kv.Value)
			cmp = store.Unchanged(kv)
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, err
		}
		edit(m)
		if len(m) > maxServiceAttributes {
			return store.Txn{}, serviceAttributesLimit()
		}
		return store.Txn{If: []store.Cmp{cmp, store.Unchanged(svcKV)}, Then: []store.Op{store.Put(svcAttrKey(svc.Id), store.JSON(m))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}
