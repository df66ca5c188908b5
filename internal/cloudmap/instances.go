package cloudmap

import (
	"context"
	"errors"
	"strconv"

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
func (r *Registry) RegisterInstance(ctx context.Context, in *RegisterInstanceInput) (*OperationOutput, error) {
	if err := validateInstanceID(in.InstanceId); err != nil {
		return nil, err
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

func (r *Registry) DeregisterInstance(ctx context.Context, in *InstanceRef) (*OperationOutput, error) {
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

func (r *Registry) GetInstance(ctx context.Context, in *InstanceRef) (*GetInstanceOutput, error) {
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

func (r *Registry) ListInstances(ctx context.Context, in *ListInstancesInput) (*ListInstancesOutput, error) {
	svc, _, err := r.getService(ctx, in.ServiceId)
	if err != nil {
		return nil, err
	}
	kvs, _, err := r.st.List(ctx, instPrefix(svc.Id))
	if err != nil {
		return nil, err
	}
	all := make([]InstanceSummary, 0, len(kvs))
	for _, kv := range kvs {
		if inst := store.DecodeJSON[Instance](kv.Value); inst != nil {
			all = append(all, InstanceSummary{Id: inst.Id, Attributes: inst.Attributes, CreatedByAccount: inst.CreatedByAccount})
		}
	}
	pg, next, err := page(all, func(s InstanceSummary) string { return s.Id }, in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	return &ListInstancesOutput{ResourceOwner: r.cfg.AccountID, Instances: nonNil(pg), NextToken: next}, nil
}

type GetInstancesHealthStatusInput struct {
	ServiceId  string
	Instances  []string
	MaxResults int32
	NextToken  string
}

type GetInstancesHealthStatusOutput struct {
	Status    map[string]string
	NextToken *string `json:",omitempty"`
}

func (r *Registry) GetInstancesHealthStatus(ctx context.Context, in *GetInstancesHealthStatusInput) (*GetInstancesHealthStatusOutput, error) {
	svc, _, err := r.getService(ctx, in.ServiceId)
	if err != nil {
		return nil, err
	}
	kvs, _, err := r.st.List(ctx, instPrefix(svc.Id))
	if err != nil {
		return nil, err
	}
	health, _, err := r.st.List(ctx, healthKey(svc.Id, ""))
	if err != nil {
		return nil, err
	}
	statusOf := map[string]string{}
	for _, kv := range health {
		statusOf[kv.Key[len(healthKey(svc.Id, "")):]] = string(kv.Value)
	}
	var ids []string
	for _, kv := range kvs {
		ids = append(ids, kv.Key[len(instPrefix(svc.Id)):])
	}
	if len(in.Instances) > 0 {
		known := map[string]bool{}
		for _, id := range ids {
			known[id] = true
		}
		for _, id := range in.Instances {
			if !known[id] {
				return nil, instanceNotFound(id)
			}
		}
		ids = append([]string(nil), in.Instances...)
	}
	pg, next, err := page(ids, func(s string) string { return s }, in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	out := &GetInstancesHealthStatusOutput{Status: make(map[string]string, len(pg)), NextToken: next}
	for _, id := range pg {
		switch {
		case !svc.HasHealthCheck():
			out.Status[id] = Unknown
		case statusOf[id] != "":
			out.Status[id] = statusOf[id]
		default:
			out.Status[id] = Healthy
		}
	}
	return out, nil
}

type UpdateInstanceCustomHealthStatusInput struct {
	ServiceId  string
	InstanceId string
	Status     string
}

// UpdateInstanceCustomHealthStatus records a custom health status. AWS
// applies it after about 30 s; Portolan applies it at once (docs/compat.md).
func (r *Registry) UpdateInstanceCustomHealthStatus(ctx context.Context, in *UpdateInstanceCustomHealthStatusInput) (*struct{}, error) {
	if in.Status != Healthy && in.Status != Unhealthy {
		return nil, invalidInput("Status %q is invalid: it must be HEALTHY or UNHEALTHY", in.Status)
	}
	svc, _, err := r.getService(ctx, in.ServiceId)
	if err != nil {
		return nil, err
	}
	if svc.HealthCheckCustomConfig == nil {
		return nil, customHealthNotFound(svc.Id)
	}
	if err := r.setHealth(ctx, svc.Id, in.InstanceId, in.Status); err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// SetHealth records the outcome of a health check Portolan ran itself for
// a service with a HealthCheckConfig.
func (r *Registry) SetHealth(ctx context.Context, serviceID, instanceID, status string) error {
	return r.setHealth(ctx, serviceID, instanceID, status)
}

func (r *Registry) setHealth(ctx context.Context, serviceID, instanceID, status string) error {
	return r.commit(ctx, func() (store.Txn, error) {
		inst, err := r.st.Get(ctx, instKey(serviceID, instanceID))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, instanceNotFound(instanceID)
		} else if err != nil {
			return store.Txn{}, err
		}
		cur, err := r.st.Get(ctx, healthKey(serviceID, instanceID))
		if err == nil && string(cur.Value) == status {
			return store.Txn{}, nil // unchanged: no write, no event
		}
		return store.Txn{
			If:   []store.Cmp{store.Unchanged(inst)},
			Then: []store.Op{store.Put(healthKey(serviceID, instanceID), []byte(status))},
		}, nil
	})
}

type DiscoverInstancesInput struct {
	NamespaceName      string
	ServiceName        string
	MaxResults         *int32
	QueryParameters    map[string]string
	OptionalParameters map[string]string
	HealthStatus       string
	OwnerAccount       string
}

// DiscoverInstancesOutput is pre-encoded: its instances were marshalled
// when the snapshot was built, so a query only concatenates bytes.
type DiscoverInstancesOutput struct {
	Instances         []*InstanceState
	InstancesRevision int64
}

func (o *DiscoverInstancesOutput) MarshalJSON() ([]byte, error) { return o.AppendJSON(nil), nil }

// AppendJSON writes the response from the instances' pre-encoded summaries.
func (o *DiscoverInstancesOutput) AppendJSON(b []byte) []byte {
	n := 64
	for _, is := range o.Instances {
		n += len(is.summary) + 1
	}
	b = append(make([]byte, 0, len(b)+n), b...)
	b = append(b, `{"Instances":[`...)
	for i, is := range o.Instances {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, is.summary...)
	}
	b = append(b, `],"InstancesRevision":`...)
	b = strconv.AppendInt(b, o.InstancesRevision, 10)
	return append(b, '}')
}

func (r *Registry) discoverTarget(ns, svc string, owner string) (*ServiceState, error) {
	if ns == "" {
		return nil, invalidInput("NamespaceName is required")
	}
	if svc == "" {
		return nil, invalidInput("ServiceName is required")
	}
	if owner != "" && owner != r.cfg.AccountID {
		return nil, namespaceNotFound(ns)
	}
	snap := r.view.Snapshot()
	if snap == nil {
		return nil, errBusy
	}
	nsState, st := snap.Lookup(ns, svc)
	if nsState == nil {
		return nil, namespaceNotFound(ns)
	}
	if st == nil {
		return nil, serviceNotFound(svc)
	}
	return st, nil
}

// DiscoverInstances answers from the View: no store read on this path.
func (r *Registry) DiscoverInstances(_ context.Context, in *DiscoverInstancesInput) (*DiscoverInstancesOutput, error) {
	max := 100
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 1000 {
			return nil, invalidInput("MaxResults must be between 1 and 1000")
		}
		max = int(*in.MaxResults)
	}
	switch in.HealthStatus {
	case "", Healthy, Unhealthy, "ALL", "HEALTHY_OR_ELSE_ALL":
	default:
		return nil, invalidInput("HealthStatus %q is invalid: it must be HEALTHY, UNHEALTHY, ALL or HEALTHY_OR_ELSE_ALL", in.HealthStatus)
	}
	st, err := r.discoverTarget(in.NamespaceName, in.ServiceName, in.OwnerAccount)
	if err != nil {
		return nil, err
	}
	picked := st.Discover(DiscoverQuery{
		HealthStatus:       in.HealthStatus,
		QueryParameters:    in.QueryParameters,
		OptionalParameters: in.OptionalParameters,
		MaxResults:         max,
	})
	return &DiscoverInstancesOutput{Instances: picked, InstancesRevision: st.InstancesRevision}, nil
}

type DiscoverInstancesRevisionInput struct {
	NamespaceName string
	ServiceName   string
	OwnerAccount  string
}

type DiscoverInstancesRevisionOutput struct{ InstancesRevision int64 }

func (r *Registry) DiscoverInstancesRevision(_ context.Context, in *DiscoverInstancesRevisionInput) (*DiscoverInstancesRevisionOutput, error) {
	st, err := r.discoverTarget(in.NamespaceName, in.ServiceName, in.OwnerAccount)
	if err != nil {
		return nil, err
	}
	return &DiscoverInstancesRevisionOutput{InstancesRevision: st.InstancesRevision}, nil
}
