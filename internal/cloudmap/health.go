package cloudmap

import (
	"context"
	"errors"

	"github.com/portolan/portolan/internal/store"
)

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

func (r *Control) GetInstancesHealthStatus(ctx context.Context, in *GetInstancesHealthStatusInput) (*GetInstancesHealthStatusOutput, error) {
	svc, kvs, err := r.listInstances(ctx, in.ServiceId)
	if err != nil {
		return nil, err
	}
	health, _, err := r.st.List(ctx, healthPrefix(svc.Id))
	if err != nil {
		return nil, err
	}
	statusOf := map[string]string{}
	for _, kv := range health {
		statusOf[kv.Key[len(healthPrefix(svc.Id)):]] = string(kv.Value)
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
	pg, next, err := page(ids, func(s string) string { return s }, in.NextToken, in.MaxResults)
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
func (r *Control) UpdateInstanceCustomHealthStatus(ctx context.Context, in *UpdateInstanceCustomHealthStatusInput) (*struct{}, error) {
	if in.Status != Healthy && in.Status != Unhealthy {
		return nil, invalidInput("Status %q is invalid: it must be HEALTHY or UNHEALTHY", in.Status)
	}
	if in.InstanceId == "" {
		return nil, invalidInput("InstanceId is required")
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
func (r *Control) SetHealth(ctx context.Context, serviceID, instanceID, status string) error {
	return r.setHealth(ctx, serviceID, instanceID, status)
}

func (r *Control) setHealth(ctx context.Context, serviceID, instanceID, status string) error {
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
