package cloudmap

import (
	"context"
	"strconv"
)

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

func (r *Control) discoverTarget(ns, svc string, owner string) (*ServiceState, error) {
	if ns == "" {
		return nil, invalidInput("NamespaceName is required")
	}
	if svc == "" {
		return nil, invalidInput("ServiceName is required")
	}
	if owner != "" && owner != r.cfg.AccountID {
		return nil, namespaceNotFound(ns)
	}
	snap := r.view.Value()
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
func (r *Control) DiscoverInstances(_ context.Context, in *DiscoverInstancesInput) (*DiscoverInstancesOutput, error) {
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

func (r *Control) DiscoverInstancesRevision(_ context.Context, in *DiscoverInstancesRevisionInput) (*DiscoverInstancesRevisionOutput, error) {
	st, err := r.discoverTarget(in.NamespaceName, in.ServiceName, in.OwnerAccount)
	if err != nil {
		return nil, err
	}
	return &DiscoverInstancesRevisionOutput{InstancesRevision: st.InstancesRevision}, nil
}
