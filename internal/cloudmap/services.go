package cloudmap

import (
	"context"
	"errors"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type CreateServiceInput struct {
	Name                    string
	NamespaceId             string
	CreatorRequestId        string
	Description             string
	DnsConfig               *DnsConfig
	HealthCheckConfig       *HealthCheckConfig
	HealthCheckCustomConfig *HealthCheckCustomConfig
	Tags                    []Tag
	Type                    string
}

type ServiceOutput struct{ Service *Service }

func (r *Control) CreateService(ctx context.Context, in *CreateServiceInput) (*ServiceOutput, error) {
	if err := validateServiceName(in.Name); err != nil {
		return nil, err
	}
	for _, err := range []error{validateDescription(in.Description), validateCreatorRequestID(in.CreatorRequestId), validateTags("", in.Tags)} {
		if err != nil {
			return nil, err
		}
	}
	nsRef := in.NamespaceId
	if nsRef == "" && in.DnsConfig != nil {
		nsRef = in.DnsConfig.NamespaceId // the deprecated place for it
	}
	nsID, err := resolveID("namespace", nsRef)
	if err != nil {
		return nil, err
	}
	if in.Type != "" && in.Type != ServiceTypeHTTP {
		return nil, invalidInput("Type %q is invalid: the only value you can set is HTTP", in.Type)
	}
	if in.HealthCheckConfig != nil && in.HealthCheckCustomConfig != nil {
		return nil, invalidInput("HealthCheckConfig and HealthCheckCustomConfig cannot both be specified")
	}
	if in.HealthCheckConfig != nil {
		if err := validateHealthCheckConfig(in.HealthCheckConfig); err != nil {
			return nil, err
		}
	}
	if in.HealthCheckCustomConfig != nil {
		// FailureThreshold is no longer honoured: AWS always reports 1.
		one := int32(1)
		in.HealthCheckCustomConfig.FailureThreshold = &one
	}
	var out ServiceOutput
	err = r.commit(ctx, func() (store.Txn, error) {
		ns, nsKV, err := r.getNamespace(ctx, nsID)
		if err != nil {
			return store.Txn{}, err
		}
		svc := Service{
			Name:                    in.Name,
			NamespaceId:             nsID,
			Description:             in.Description,
			HealthCheckConfig:       in.HealthCheckConfig,
			HealthCheckCustomConfig: in.HealthCheckCustomConfig,
			CreatorRequestId:        in.CreatorRequestId,
			CreatedByAccount:        r.cfg.AccountID,
			ResourceOwner:           r.cfg.AccountID,
		}
		if err := shapeService(&svc, ns.Type, in.Type, in.DnsConfig); err != nil {
			return store.Txn{}, err
		}
		if existing, _, err := store.GetJSON[requestRecord](ctx, r.st, svcNameKey(nsID, in.Name)); err == nil {
			old, _, err := store.GetJSON[serviceRecord](ctx, r.st, svcKey(existing.Target))
			if err != nil {
				return store.Txn{}, err
			}
			if in.CreatorRequestId != "" && old.CreatorRequestId == in.CreatorRequestId {
				out.Service = &old.Service
				return store.Txn{}, nil
			}
			return store.Txn{}, serviceAlreadyExists(in.Name, nsID, old)
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, err
		}
		svc.Id = "srv-" + awsapi.RandomID(16)
		svc.Arn = r.arn("service/" + svc.Id)
		svc.CreateDate = awsapi.Now()
		out.Service = &svc
		return store.Txn{
			If: []store.Cmp{store.Unchanged(nsKV), store.Absent(svcNameKey(nsID, in.Name))},
			Then: []store.Op{
				store.Put(svcKey(svc.Id), store.JSON(serviceRecord{Service: svc, Tags: in.Tags})),
				store.Put(svcNameKey(nsID, in.Name), store.JSON(requestRecord{Target: svc.Id})),
				store.Put(svcInstancesKey(svc.Id), nil),
				store.Put(nsMembersKey(nsID), nil),
			},
		}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// shapeService applies the namespace-dependent rules: DNS records only in
// DNS namespaces, Route 53 health checks only in public DNS and HTTP ones.
func shapeService(svc *Service, nsType, wantType string, dns *DnsConfig) error {
	if svc.HealthCheckConfig != nil && nsType == NamespaceDNSPrivate {
		return invalidInput("HealthCheckConfig is not supported for services in a private DNS namespace; use HealthCheckCustomConfig")
	}
	switch {
	case nsType == NamespaceHTTP:
		if dns != nil {
			return invalidInput("DnsConfig is not supported for services in an HTTP namespace")
		}
		svc.Type = ServiceTypeHTTP
	case dns == nil || wantType == ServiceTypeHTTP:
		if dns != nil {
			return invalidInput("DnsConfig cannot be specified for a service of type HTTP")
		}
		svc.Type = ServiceTypeHTTP
	default:
		c := *dns
		c.DnsRecords = append([]DnsRecord(nil), dns.DnsRecords...)
		if c.RoutingPolicy == "" {
			c.RoutingPolicy = RoutingMultivalue
		}
		// AWS returns the namespace here too (the deprecated place for it,
		// which the Terraform provider still reads back and compares).
		c.NamespaceId = svc.NamespaceId
		if err := validateDnsConfig(&c, svc.HealthCheckConfig != nil); err != nil {
			return err
		}
		svc.DnsConfig = &c
		svc.Type = ServiceTypeDNSHTTP
	}
	return nil
}

func (r *Control) getService(ctx context.Context, idOrARN string) (*serviceRecord, store.KV, error) {
	id, err := resolveID("service", idOrARN)
	if err != nil {
		return nil, store.KV{}, err
	}
	svc, kv, err := store.GetJSON[serviceRecord](ctx, r.st, svcKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, serviceNotFound(id)
	}
	return svc, kv, err
}

// listInstances reads the service with the id or ARN and its instances'
// records, in key order.
func (r *Control) listInstances(ctx context.Context, idOrARN string) (*serviceRecord, []store.KV, error) {
	svc, _, err := r.getService(ctx, idOrARN)
	if err != nil {
		return nil, nil, err
	}
	kvs, _, err := r.st.List(ctx, instPrefix(svc.Id))
	if err != nil {
		return nil, nil, err
	}
	return svc, kvs, nil
}

func (r *Control) GetService(ctx context.Context, in *IdInput) (*ServiceOutput, error) {
	rec, _, err := r.getService(ctx, in.Id)
	if err != nil {
		return nil, err
	}
	svc := rec.Service
	if svc.InstanceCount, err = r.count(ctx, instPrefix(svc.Id)); err != nil {
		return nil, err
	}
	return &ServiceOutput{Service: &svc}, nil
}

type ListServicesOutput struct {
	Services  []Service
	NextToken *string `json:",omitempty"`
}

func (r *Control) ListServices(ctx context.Context, in *ListInput) (*ListServicesOutput, error) {
	var nsFilter string
	for _, f := range in.Filters {
		switch f.Name {
		case "NAMESPACE_ID":
			if (f.Condition != "" && f.Condition != "EQ") || len(f.Values) != 1 {
				return nil, invalidInput("Filter NAMESPACE_ID takes one value with condition EQ")
			}
			id, err := resolveID("namespace", f.Values[0])
			if err != nil {
				return nil, err
			}
			nsFilter = id
		case "RESOURCE_OWNER":
			if ok, err := conditionHolds(f, "SELF"); err != nil || !ok {
				return &ListServicesOutput{Services: []Service{}}, err
			}
		default:
			return nil, invalidInput("Filter name %q is invalid: it must be NAMESPACE_ID or RESOURCE_OWNER", f.Name)
		}
	}
	kvs, _, err := r.st.List(ctx, svcPrefix)
	if err != nil {
		return nil, err
	}
	var all []Service
	for _, kv := range kvs {
		rec := store.DecodeJSON[serviceRecord](kv.Value)
		if rec == nil || (nsFilter != "" && rec.NamespaceId != nsFilter) {
			continue
		}
		s := rec.Service
		s.CreatorRequestId = ""
		if s.InstanceCount, err = r.count(ctx, instPrefix(s.Id)); err != nil {
			return nil, err
		}
		all = append(all, s)
	}
	pg, next, err := page(all, func(s Service) string { return s.Id }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListServicesOutput{Services: nonNil(pg), NextToken: next}, nil
}

type UpdateServiceInput struct {
	Id      string
	Service *struct {
		Description       *string
		DnsConfig         *struct{ DnsRecords []DnsRecord }
		HealthCheckConfig *HealthCheckConfig
	}
}

// UpdateService replaces the description, the record TTLs and the health
// check. As on AWS, omitting the DnsRecords or the HealthCheckConfig removes
// them, and services in HTTP namespaces cannot be updated at all.
func (r *Control) UpdateService(ctx context.Context, in *UpdateServiceInput) (*OperationOutput, error) {
	if in.Service == nil {
		return nil, invalidInput("Service is required")
	}
	if d := in.Service.Description; d != nil {
		if err := validateDescription(*d); err != nil {
			return nil, err
		}
	}
	if h := in.Service.HealthCheckConfig; h != nil {
		if err := validateHealthCheckConfig(h); err != nil {
			return nil, err
		}
	}
	var out OperationOutput
	err := r.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := r.getService(ctx, in.Id)
		if err != nil {
			return store.Txn{}, err
		}
		ns, _, err := store.GetJSON[namespaceRecord](ctx, r.st, nsKey(rec.NamespaceId))
		if err != nil {
			return store.Txn{}, err
		}
		// AWS refuses UpdateService for services in HTTP namespaces; its
		// model declares no error for it but InvalidInput (docs/compat.md).
		if ns.Type == NamespaceHTTP {
			return store.Txn{}, invalidInput("UpdateService is not supported for service %s: it is in HTTP namespace %s", rec.Id, rec.NamespaceId)
		}
		up := in.Service
		if d := up.Description; d != nil {
			rec.Description = *d
		}
		if rec.HealthCheckCustomConfig != nil && up.HealthCheckConfig != nil {
			return store.Txn{}, invalidInput("A service with HealthCheckCustomConfig cannot get a HealthCheckConfig")
		}
		if old, h := rec.HealthCheckConfig, up.HealthCheckConfig; old != nil && h != nil && old.Type != h.Type {
			return store.Txn{}, invalidInput("HealthCheckConfig.Type cannot be changed")
		}
		if rec.DnsConfig == nil {
			if up.DnsConfig != nil {
				return store.Txn{}, invalidInput("Service %s has no DNS records to update", rec.Id)
			}
		} else {
			if up.DnsConfig == nil {
				return store.Txn{}, invalidInput("DnsConfig.DnsRecords is required: a service's DNS records cannot be removed")
			}
			if err := sameRecordTypes(rec.DnsConfig.DnsRecords, up.DnsConfig.DnsRecords); err != nil {
				return store.Txn{}, err
			}
			c := *rec.DnsConfig
			c.DnsRecords = up.DnsConfig.DnsRecords
			if err := validateDnsConfig(&c, up.HealthCheckConfig != nil); err != nil {
				return store.Txn{}, err
			}
			rec.DnsConfig = &c
		}
		if up.HealthCheckConfig != nil && ns.Type == NamespaceDNSPrivate {
			return store.Txn{}, invalidInput("HealthCheckConfig is not supported for services in a private DNS namespace")
		}
		rec.HealthCheckConfig = up.HealthCheckConfig
		op := r.newOperation(OpUpdateService, map[string]string{"SERVICE": rec.Id})
		out.OperationId = op.Id
		return store.Txn{
			If:   []store.Cmp{store.Unchanged(kv)},
			Then: []store.Op{store.Put(svcKey(rec.Id), store.JSON(rec)), store.Put(opKey(op.Id), store.JSON(op))},
		}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func sameRecordTypes(old, updated []DnsRecord) error {
	types := func(rs []DnsRecord) map[string]bool {
		m := map[string]bool{}
		for _, r := range rs {
			m[r.Type] = true
		}
		return m
	}
	a, b := types(old), types(updated)
	if len(a) != len(b) {
		return invalidInput("The DNS record types of a service cannot be changed; only their TTLs can")
	}
	for t := range a {
		if !b[t] {
			return invalidInput("The DNS record types of a service cannot be changed; only their TTLs can")
		}
	}
	return nil
}

func (r *Control) DeleteService(ctx context.Context, in *IdInput) (*struct{}, error) {
	err := r.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := r.getService(ctx, in.Id)
		if err != nil {
			return store.Txn{}, err
		}
		instances, err := r.st.Get(ctx, svcInstancesKey(rec.Id))
		if err != nil {
			return store.Txn{}, err
		}
		n, err := r.count(ctx, instPrefix(rec.Id))
		if err != nil {
			return store.Txn{}, err
		}
		if n > 0 {
			return store.Txn{}, resourceInUse("Service %s has %d registered instances; deregister them first", rec.Id, n)
		}
		return store.Txn{
			If: []store.Cmp{store.Unchanged(kv), store.Unchanged(instances)},
			Then: []store.Op{
				store.Delete(svcKey(rec.Id)),
				store.Delete(svcNameKey(rec.NamespaceId, rec.Name)),
				store.Delete(svcInstancesKey(rec.Id)),
				store.Delete(svcAttrKey(rec.Id)),
				store.Put(nsMembersKey(rec.NamespaceId), nil),
			},
		}, nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}
