package cloudmap

import (
	"context"
	"errors"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type CreateHttpNamespaceInput struct {
	Name             string
	CreatorRequestId string
	Description      string
	Tags             []Tag
}

type CreatePrivateDnsNamespaceInput struct {
	Name             string
	CreatorRequestId string
	Description      string
	Vpc              string
	Tags             []Tag
	Properties       *struct{ DnsProperties *struct{ SOA *SOA } }
}

type CreatePublicDnsNamespaceInput struct {
	Name             string
	CreatorRequestId string
	Description      string
	Tags             []Tag
	Properties       *struct{ DnsProperties *struct{ SOA *SOA } }
}

func (r *Control) CreateHttpNamespace(ctx context.Context, in *CreateHttpNamespaceInput) (*OperationOutput, error) {
	return r.createNamespace(ctx, NamespaceHTTP, in.Name, in.CreatorRequestId, in.Description, "", in.Tags, nil)
}

func (r *Control) CreatePrivateDnsNamespace(ctx context.Context, in *CreatePrivateDnsNamespaceInput) (*OperationOutput, error) {
	if in.Vpc == "" {
		return nil, invalidInput("Vpc is required for a private DNS namespace")
	}
	return r.createNamespace(ctx, NamespaceDNSPrivate, in.Name, in.CreatorRequestId, in.Description, in.Vpc, in.Tags, soaOf(in.Properties))
}

func (r *Control) CreatePublicDnsNamespace(ctx context.Context, in *CreatePublicDnsNamespaceInput) (*OperationOutput, error) {
	return r.createNamespace(ctx, NamespaceDNSPublic, in.Name, in.CreatorRequestId, in.Description, "", in.Tags, soaOf(in.Properties))
}

func soaOf(p *struct{ DnsProperties *struct{ SOA *SOA } }) *SOA {
	if p == nil || p.DnsProperties == nil {
		return nil
	}
	return p.DnsProperties.SOA
}

func (r *Control) createNamespace(ctx context.Context, typ, name, creatorID, desc, vpc string, tags []Tag, soa *SOA) (*OperationOutput, error) {
	name = strings.TrimSuffix(name, ".")
	if typ == NamespaceHTTP {
		name = strings.TrimSpace(name)
	}
	for _, err := range []error{validateNamespaceName(typ, name), validateDescription(desc), validateCreatorRequestID(creatorID), validateTags("", tags)} {
		if err != nil {
			return nil, err
		}
	}
	ttl := int64(DefaultSOATTL)
	if soa != nil {
		if err := validateTTL(soa.TTL, "SOA"); err != nil {
			return nil, err
		}
		ttl = *soa.TTL
	}
	var out OperationOutput
	err := r.commit(ctx, func() (store.Txn, error) {
		existing, _, err := store.GetJSON[requestRecord](ctx, r.st, nsNameKey(name))
		switch {
		case err == nil:
			ns, _, err := store.GetJSON[namespaceRecord](ctx, r.st, nsKey(existing.Target))
			if err != nil {
				return store.Txn{}, err
			}
			// A retry with the same CreatorRequestId is the same request.
			if creatorID != "" && ns.CreatorRequestId == creatorID && ns.Type == typ {
				out.OperationId = ns.CreateOperationId
				return store.Txn{}, nil
			}
			return store.Txn{}, namespaceAlreadyExists(name, ns)
		case !errors.Is(err, store.ErrNotFound):
			return store.Txn{}, err
		}
		guard, err := r.st.Get(ctx, nsCreateKey)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, err
		}
		guard.Key = nsCreateKey // ModRevision 0 when absent: Unchanged is then Absent
		all, _, err := r.st.List(ctx, nsPrefix)
		if err != nil {
			return store.Txn{}, err
		}
		if len(all) >= maxNamespaces {
			return store.Txn{}, limitExceeded("The account has reached the limit of %d namespaces", maxNamespaces)
		}
		id := "ns-" + awsapi.RandomID(16)
		op := r.newOperation(OpCreateNamespace, map[string]string{"NAMESPACE": id})
		rec := namespaceRecord{
			Namespace: Namespace{
				Id:               id,
				Arn:              r.arn("namespace/" + id),
				ResourceOwner:    r.cfg.AccountID,
				Name:             name,
				Type:             typ,
				Description:      desc,
				CreateDate:       op.CreateDate,
				CreatorRequestId: creatorID,
				Properties:       &NamespaceProperties{HttpProperties: &HttpProperties{HttpName: name}},
			},
			Vpc:               vpc,
			Tags:              tags,
			CreateOperationId: op.Id,
		}
		if typ == NamespaceHTTP {
			rec.Properties.DnsProperties = &DnsProperties{}
		} else {
			rec.Properties.DnsProperties = &DnsProperties{HostedZoneId: "Z" + strings.ToUpper(awsapi.RandomID(20)), SOA: &SOA{TTL: &ttl}}
		}
		out.OperationId = op.Id
		return store.Txn{
			If: []store.Cmp{store.Absent(nsNameKey(name)), store.Unchanged(guard)},
			Then: []store.Op{
				store.Put(nsCreateKey, nil),
				store.Put(nsKey(id), store.JSON(rec)),
				store.Put(nsNameKey(name), store.JSON(requestRecord{OperationId: op.Id, Target: id})),
				store.Put(nsMembersKey(id), nil),
				store.Put(opKey(op.Id), store.JSON(op)),
			},
		}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// NamespaceUpdate is the Namespace member of the Update*Namespace inputs.
type NamespaceUpdate struct {
	Description *string
	Properties  *struct{ DnsProperties *struct{ SOA *SOA } }
}

type UpdateNamespaceInput struct {
	Id               string
	UpdaterRequestId string
	Namespace        *NamespaceUpdate
}

func (r *Control) UpdateHttpNamespace(ctx context.Context, in *UpdateNamespaceInput) (*OperationOutput, error) {
	if in.Namespace == nil || in.Namespace.Description == nil {
		return nil, invalidInput("Namespace.Description is required")
	}
	return r.updateNamespace(ctx, NamespaceHTTP, in)
}

func (r *Control) UpdatePrivateDnsNamespace(ctx context.Context, in *UpdateNamespaceInput) (*OperationOutput, error) {
	return r.updateNamespace(ctx, NamespaceDNSPrivate, in)
}

func (r *Control) UpdatePublicDnsNamespace(ctx context.Context, in *UpdateNamespaceInput) (*OperationOutput, error) {
	return r.updateNamespace(ctx, NamespaceDNSPublic, in)
}

// updateNamespace changes what AWS lets change: the description and, for
// DNS namespaces, the SOA TTL.
func (r *Control) updateNamespace(ctx context.Context, typ string, in *UpdateNamespaceInput) (*OperationOutput, error) {
	id, err := resolveID("namespace", in.Id)
	if err != nil {
		return nil, err
	}
	if in.Namespace == nil {
		return nil, invalidInput("Namespace is required")
	}
	if len(in.UpdaterRequestId) > maxCreatorRequestID {
		return nil, invalidInput("UpdaterRequestId must be at most %d characters", maxCreatorRequestID)
	}
	if d := in.Namespace.Description; d != nil {
		if err := validateDescription(*d); err != nil {
			return nil, err
		}
	}
	soa := soaOf(in.Namespace.Properties)
	if soa != nil {
		if typ == NamespaceHTTP {
			return nil, invalidInput("An HTTP namespace has no SOA record")
		}
		if err := validateTTL(soa.TTL, "SOA"); err != nil {
			return nil, err
		}
	}
	var out OperationOutput
	err = r.commit(ctx, func() (store.Txn, error) {
		ns, kv, err := r.getNamespace(ctx, id)
		if err != nil {
			return store.Txn{}, err
		}
		if ns.Type != typ {
			return store.Txn{}, invalidInput("Namespace %s is of type %s", id, ns.Type)
		}
		// The UpdaterRequestId is remembered in the store, as RegisterInstance's
		// CreatorRequestId is, so a retry after a lost answer (or a restart)
		// returns the first operation instead of applying the update again.
		cmps := []store.Cmp{store.Unchanged(kv)}
		var reqKey string
		if in.UpdaterRequestId != "" {
			reqKey = requestKey("nsupdate", in.UpdaterRequestId)
			prev, _, err := store.GetJSON[requestRecord](ctx, r.st, reqKey)
			switch {
			case err == nil && prev.Target == id:
				out.OperationId = prev.OperationId
				return store.Txn{}, nil
			case err == nil:
				return store.Txn{}, duplicateRequest("UpdaterRequestId", prev.OperationId)
			case !errors.Is(err, store.ErrNotFound):
				return store.Txn{}, err
			}
			cmps = append(cmps, store.Absent(reqKey))
		}
		if d := in.Namespace.Description; d != nil {
			ns.Description = *d
		}
		if soa != nil {
			ttl := *soa.TTL
			ns.Properties.DnsProperties.SOA = &SOA{TTL: &ttl}
		}
		op := r.newOperation(OpUpdateNamespace, map[string]string{"NAMESPACE": id})
		out.OperationId = op.Id
		ops := []store.Op{store.Put(nsKey(id), store.JSON(ns)), store.Put(opKey(op.Id), store.JSON(op))}
		if reqKey != "" {
			ops = append(ops, store.Put(reqKey, store.JSON(requestRecord{OperationId: op.Id, Target: id})))
		}
		return store.Txn{If: cmps, Then: ops}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (r *Control) DeleteNamespace(ctx context.Context, in *IdInput) (*OperationOutput, error) {
	id, err := resolveID("namespace", in.Id)
	if err != nil {
		return nil, err
	}
	var out OperationOutput
	err = r.commit(ctx, func() (store.Txn, error) {
		ns, kv, err := r.getNamespace(ctx, id)
		if err != nil {
			return store.Txn{}, err
		}
		members, err := r.st.Get(ctx, nsMembersKey(id))
		if err != nil {
			return store.Txn{}, err
		}
		services, _, err := r.st.List(ctx, svcNamePrefix(id))
		if err != nil {
			return store.Txn{}, err
		}
		if len(services) > 0 {
			return store.Txn{}, resourceInUse("Namespace %s has %d services; delete them first", id, len(services))
		}
		op := r.newOperation(OpDeleteNamespace, map[string]string{"NAMESPACE": id})
		out.OperationId = op.Id
		return store.Txn{
			If: []store.Cmp{store.Unchanged(kv), store.Unchanged(members)},
			Then: []store.Op{
				store.Delete(nsKey(id)),
				store.Delete(nsNameKey(ns.Name)),
				store.Delete(nsMembersKey(id)),
				store.Put(opKey(op.Id), store.JSON(op)),
			},
		}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

type GetNamespaceOutput struct{ Namespace *Namespace }

// getNamespace reads the namespace record with the id, answering
// NamespaceNotFound when there is none.
func (r *Control) getNamespace(ctx context.Context, id string) (*namespaceRecord, store.KV, error) {
	ns, kv, err := store.GetJSON[namespaceRecord](ctx, r.st, nsKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, namespaceNotFound(id)
	}
	return ns, kv, err
}

func (r *Control) GetNamespace(ctx context.Context, in *IdInput) (*GetNamespaceOutput, error) {
	id, err := resolveID("namespace", in.Id)
	if err != nil {
		return nil, err
	}
	ns, _, err := r.getNamespace(ctx, id)
	if err != nil {
		return nil, err
	}
	n := ns.Namespace
	n.ServiceCount, err = r.count(ctx, svcNamePrefix(id))
	if err != nil {
		return nil, err
	}
	return &GetNamespaceOutput{Namespace: &n}, nil
}

type ListNamespacesOutput struct {
	Namespaces []Namespace
	NextToken  *string `json:",omitempty"`
}

func (r *Control) ListNamespaces(ctx context.Context, in *ListInput) (*ListNamespacesOutput, error) {
	kvs, _, err := r.st.List(ctx, nsPrefix)
	if err != nil {
		return nil, err
	}
	var all []Namespace
	for _, kv := range kvs {
		rec := store.DecodeJSON[namespaceRecord](kv.Value)
		if rec == nil {
			continue
		}
		ok, err := namespaceMatches(&rec.Namespace, in.Filters)
		if err != nil {
			return nil, err
		}
		if ok {
			n := rec.Namespace
			if n.ServiceCount, err = r.count(ctx, svcNamePrefix(n.Id)); err != nil {
				return nil, err
			}
			n.CreatorRequestId = ""
			all = append(all, n)
		}
	}
	pg, next, err := page(all, func(n Namespace) string { return n.Id }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListNamespacesOutput{Namespaces: nonNil(pg), NextToken: next}, nil
}

func namespaceMatches(n *Namespace, filters []Filter) (bool, error) {
	for _, f := range filters {
		var field string
		switch f.Name {
		case "TYPE":
			field = n.Type
		case "NAME":
			field = n.Name
		case "HTTP_NAME":
			field = n.HttpName()
		case "RESOURCE_OWNER":
			field = "SELF"
		default:
			return false, invalidInput("Filter name %q is invalid: it must be TYPE, NAME, HTTP_NAME or RESOURCE_OWNER", f.Name)
		}
		ok, err := conditionHolds(f, field)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}
