package route53resolver

import (
	"context"
	"errors"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type AssociateResolverRuleInput struct {
	ResolverRuleId string
	Name           string
	VPCId          string
}

type ResolverRuleAssociationOutput struct{ ResolverRuleAssociation ResolverRuleAssociation }

// AssociateResolverRule puts a rule in force for a VPC (here: for every
// client of the DNS server).
func (c *Control) AssociateResolverRule(ctx context.Context, in *AssociateResolverRuleInput) (*ResolverRuleAssociationOutput, error) {
	switch {
	case in.ResolverRuleId == "":
		return nil, required("resolverRuleId")
	case in.VPCId == "":
		return nil, required("vPCId")
	case !strings.HasPrefix(in.VPCId, "vpc-"):
		return nil, invalidParameter("VPCId", "The vpc ID '%s' does not exist", in.VPCId)
	}
	a := ResolverRuleAssociation{Id: "rslvr-rrassoc-" + awsapi.RandomHex(17), ResolverRuleId: in.ResolverRuleId, Name: in.Name, VPCId: in.VPCId,
		Status: statusComplete, StatusMessage: "Successfully associated Resolver Rule"}
	err := c.commit(ctx, func() (store.Txn, error) {
		rule, kv, err := store.GetJSON[ruleRecord](ctx, c.st, ruleKey(in.ResolverRuleId))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, notFound("ResolverRule", "Resolver rule with ID '%s' does not exist.", in.ResolverRuleId)
		}
		if err != nil {
			return store.Txn{}, err
		}
		users, err := c.st.Get(ctx, ruleUsersKey(rule.Id))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, err
		}
		users.Key = ruleUsersKey(rule.Id)
		// One rule per domain and VPC: an association of another rule
		// for the same domain with the same VPC conflicts.
		for _, other := range c.snapshot().Associations {
			r := c.snapshot().rule(other.ResolverRuleId)
			if other.VPCId == in.VPCId && r != nil && r.DomainName == rule.DomainName {
				return store.Txn{}, invalidRequest("Cannot associate rules with same domain name with same VPC. Conflict with resolver rule '%s'", r.Id)
			}
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv), store.Unchanged(users)},
			Then: []store.Op{store.Put(assocKey(a.Id), store.JSON(a)), store.Put(ruleUsersKey(rule.Id), nil)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &ResolverRuleAssociationOutput{a}, nil
}

type DisassociateResolverRuleInput struct {
	ResolverRuleId string
	VPCId          string
}

func (c *Control) DisassociateResolverRule(ctx context.Context, in *DisassociateResolverRuleInput) (*ResolverRuleAssociationOutput, error) {
	switch {
	case in.ResolverRuleId == "":
		return nil, required("resolverRuleId")
	case in.VPCId == "":
		return nil, required("vPCId")
	}
	var out ResolverRuleAssociation
	err := c.commit(ctx, func() (store.Txn, error) {
		if _, err := c.st.Get(ctx, ruleKey(in.ResolverRuleId)); errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, notFound("ResolverRule", "Resolver rule with ID '%s' does not exist", in.ResolverRuleId)
		}
		kvs, _, err := c.st.List(ctx, assocPrefix)
		if err != nil {
			return store.Txn{}, err
		}
		for _, kv := range kvs {
			a := store.DecodeJSON[ResolverRuleAssociation](kv.Value)
			if a == nil || a.ResolverRuleId != in.ResolverRuleId || a.VPCId != in.VPCId {
				continue
			}
			out = *a
			out.Status, out.StatusMessage = statusDeleting, "Deleting Association"
			return store.Txn{If: []store.Cmp{store.Unchanged(kv)},
				Then: []store.Op{store.Delete(kv.Key), store.Put(ruleUsersKey(in.ResolverRuleId), nil)}}, nil
		}
		return store.Txn{}, notFound("ResolverRuleAssociation", "Resolver Rule Association between Resolver Rule '%s' and VPC '%s' does not exist", in.ResolverRuleId, in.VPCId)
	})
	if err != nil {
		return nil, err
	}
	return &ResolverRuleAssociationOutput{out}, nil
}

type GetResolverRuleAssociationInput struct{ ResolverRuleAssociationId string }

func (c *Control) GetResolverRuleAssociation(ctx context.Context, in *GetResolverRuleAssociationInput) (*ResolverRuleAssociationOutput, error) {
	if in.ResolverRuleAssociationId == "" {
		return nil, required("resolverRuleAssociationId")
	}
	for _, a := range c.snapshot().Associations {
		if a.Id == in.ResolverRuleAssociationId {
			return &ResolverRuleAssociationOutput{*a}, nil
		}
	}
	return nil, notFound("ResolverRuleAssociation", "ResolverRuleAssociation '%s' does not Exist", in.ResolverRuleAssociationId)
}

type ListResolverRuleAssociationsOutput struct {
	MaxResults               int
	NextToken                *string
	ResolverRuleAssociations []ResolverRuleAssociation
}

func (c *Control) ListResolverRuleAssociations(ctx context.Context, in *ListInput) (*ListResolverRuleAssociationsOutput, error) {
	var all []ResolverRuleAssociation
	for _, a := range c.snapshot().Associations {
		ok, err := matches(in.Filters, map[string]string{"Name": a.Name, "ResolverRuleId": a.ResolverRuleId, "VPCId": a.VPCId, "Status": a.Status})
		if err != nil {
			return nil, err
		}
		if ok {
			all = append(all, *a)
		}
	}
	page, next, err := awsapi.Paginate(pager, all, func(a ResolverRuleAssociation) string { return a.Id }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListResolverRuleAssociationsOutput{MaxResults: len(page), NextToken: awsapi.StringPtr(next), ResolverRuleAssociations: orEmpty(page)}, nil
}
