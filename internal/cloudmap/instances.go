package cloudmap

import (
	"context"
	"errors"

	"github.com/portolan/portolan/internal/store"
)

type RegisterInstanceInput struct {
	ServiceId        string
	InstanceId       string
	CreatorRequestId string
	Attributes       map[string]string
}

// RegisterInstance creates or replaces an instance (an upsert, as on AWS:
// re-registering updates its records and restarts its health).
func (r *Control) RegisterInstance(ctx context.Context, in *RegisterInstanceInput) (*OperationOutput, error) {
	if err := validateInstanceID(in.InstanceId); err != nil {
		return nil, err
	}
	if in.Attributes == nil {
		return nil, invalidInput("Attributes is required") // before the service is looked up, as AWS validates
	}
	if err := validateCreatorRequestID(in.CreatorRequestId); err != nil {
		return nil, err
	}
	var out OperationOutput
	err := r.commit(ctx, func() (store.Txn, error) {
		svc, svcKV, err := r.getService(ctx, in.ServiceId)
		if err != nil {
			return store.Txn{}, err
		}
		var reqCmp []store.Cmp
		if in.CreatorRequestId != "" {
			key := requestKey("instance", in.CreatorRequestId)
			prev, _, err := store.GetJSON[requestRecord](ctx, r.st, key)
			switch {
			case err == nil && prev.Target == svc.Id+"/"+in.InstanceId:
				out.OperationId = prev.OperationId // a retry of the same request
				return store.Txn{}, nil
			case err == nil:
				return store.Txn{}, duplicateRequest("CreatorRequestId", prev.OperationId)
			case !errors.Is(err, store.ErrNotFound):
				return store.Txn{}, err
			}
			reqCmp = append(reqCmp, store.Absent(key))
		}
		ns, _, err := store.GetJSON[namespaceRecord](ctx, r.st, nsKey(svc.NamespaceId))
		if err != nil {
			return store.Txn{}, err
		}
		if err := validateAttributes(in.Attributes, &svc.Service, ns.Type); err != nil {
			return store.Txn{}, err
		}
		op := r.newOperation(OpRegisterInstance, map[string]string{"INSTANCE": in.InstanceId, "SERVICE": svc.Id})
		out.OperationId = op.Id
		inst := Instance{Id: in.InstanceId, CreatorRequestId: in.CreatorRequestId, Attributes: in.Attributes, CreatedByAccount: r.cfg.AccountID}
		ops := []store.Op{
			store.Put(instKey(svc.Id, in.InstanceId), store.JSON(inst)),
			store.Put(svcInstancesKey(svc.Id), nil),
			store.Put(opKey(op.Id), store.JSON(op)),
		}
		if svc.HasHealthCheck() {
			status := Healthy
			if v, ok := in.Attributes[AttrInitHealth]; ok {
				status = v
			}
			ops = append(ops, store.Put(healthKey(svc.Id, in.InstanceId), []byte(status)))
		}
		if in.CreatorRequestId != "" {
			ops = append(ops, store.Put(requestKey("instance", in.CreatorRequestId), store.JSON(requestRecord{OperationId: op.Id, Target: svc.Id + "/" + in.InstanceId})))
		}
		return store.Txn{If: append(reqCmp, store.Unchanged(svcKV)), Then: ops}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

type InstanceRef struct {
	ServiceId  string
	InstanceId string
}

func (r *Control) DeregisterInstance(ctx context.Context, in *InstanceRef) (*OperationOutput, error) {
	if in.InstanceId == "" {
		return nil, invalidInput("InstanceId is required")
	}
	var out OperationOutput
	err := r.commit(ctx, func() (store.Txn, error) {
		svc, _, err := r.getService(ctx, in.ServiceId)
		if err != nil {
			return store.Txn{}, err
		}
		kv, err := r.st.Get(ctx, instKey(svc.Id, in.InstanceId))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, instanceNotFound(in.InstanceId)
		} else if err != nil {
			return store.Txn{}, err
		}
		op := r.newOperation(OpDeregisterInstance, map[string]string{"INSTANCE": in.InstanceId, "SERVICE": svc.Id})
		out.OperationId = op.Id
		return store.Txn{
			If: []store.Cmp{store.Unchanged(kv)},
			Then: []store.Op{
				store.Delete(instKey(svc.Id, in.InstanceId)),
				store.Delete(healthKey(svc.Id, in.InstanceId)),
				store.Put(svcInstancesKey(svc.Id), nil),
				store.Put(opKey(op.Id), store.JSON(op)),
			},
		}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

type GetInstanceOutput struct {
	ResourceOwner string
	Instance      *Instance
}

func (r *Control) GetInstance(ctx context.Context, in *InstanceRef) (*GetInstanceOutput, error) {
	if in.InstanceId == "" {
		return nil, invalidInput("InstanceId is required")
	}
	svc, _, err := r.getService(ctx, in.ServiceId)
	if err != nil {
		return nil, err
	}
	inst, _, err := store.GetJSON[Instance](ctx, r.st, instKey(svc.Id, in.InstanceId))
	if errors.Is(err, store.ErrNotFound) {
		return nil, instanceNotFound(in.InstanceId)
	} else if err != nil {
		return nil, err
	}
	return &GetInstanceOutput{ResourceOwner: r.cfg.AccountID, Instance: inst}, nil
}

type ListInstancesInput struct {
	ServiceId  string
	MaxResults int32
	NextToken  string
}

type InstanceSummary struct {
	Id               string
	Attributes       map[string]string
	CreatedByAccount string `json:",omitempty"`
}

type ListInstancesOutput struct {
	ResourceOwner string
	Instances     []InstanceSummary
	NextToken     *string `json:",omitempty"`
}

func (r *Control) ListInstances(ctx context.Context, in *ListInstancesInput) (*ListInstancesOutput, error) {
	_, kvs, err := r.listInstances(ctx, in.ServiceId)
	if err != nil {
		return nil, err
	}
	all := make([]InstanceSummary, 0, len(kvs))
	for _, kv := range kvs {
		if inst := store.DecodeJSON[Instance](kv.Value); inst != nil {
			all = append(all, InstanceSummary{Id: inst.Id, Attributes: inst.Attributes, CreatedByAccount: inst.CreatedByAccount})
		}
	}
	pg, next, err := page(all, func(s InstanceSummary) string { return s.Id }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListInstancesOutput{ResourceOwner: r.cfg.AccountID, Instances: nonNil(pg), NextToken: next}, nil
}
