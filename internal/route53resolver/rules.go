package route53resolver

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type CreateResolverRuleInput struct {
	CreatorRequestId   string
	Name               string
	RuleType           string
	DomainName         string
	TargetIps          []TargetAddress
	ResolverEndpointId string
	Tags               []Tag
}

type ResolverRuleOutput struct{ ResolverRule ResolverRule }

func (c *Control) CreateResolverRule(ctx context.Context, in *CreateResolverRuleInput) (*ResolverRuleOutput, error) {
	domain, err := checkRule(in.CreatorRequestId, in.RuleType, in.DomainName, in.TargetIps, in.ResolverEndpointId)
	if err != nil {
		return nil, err
	}
	now := timestamp(time.Now())
	id := "rslvr-rr-" + awsapi.RandomHex(17)
	rec := ruleRecord{ResolverRule: ResolverRule{
		Id: id, CreatorRequestId: in.CreatorRequestId, Arn: c.arn("resolver-rule/" + id), DomainName: domain,
		Status: statusComplete, StatusMessage: "Successfully created Resolver Rule", RuleType: in.RuleType, Name: in.Name,
		TargetIps: withDefaults(in.TargetIps), ResolverEndpointId: in.ResolverEndpointId, OwnerId: c.cfg.AccountID,
		ShareStatus: "NOT_SHARED", CreationTime: now, ModificationTime: now,
	}, Tags: in.Tags}
	err = c.commit(ctx, func() (store.Txn, error) {
		if _, err := c.st.Get(ctx, requestKey("rule", in.CreatorRequestId)); err == nil {
			return store.Txn{}, ErrResourceExists.Newf("Resolver rule with creator request ID '%s' already exists", in.CreatorRequestId)
		}
		cmps := []store.Cmp{store.Absent(requestKey("rule", in.CreatorRequestId))}
		if in.ResolverEndpointId != "" {
			kv, err := c.outboundEndpoint(ctx, in.ResolverEndpointId)
			if err != nil {
				return store.Txn{}, err
			}
			cmps = append(cmps, store.Unchanged(kv))
		}
		return store.Txn{If: cmps, Then: []store.Op{store.Put(ruleKey(id), store.JSON(rec)), store.Put(requestKey("rule", in.CreatorRequestId), store.JSON(id))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &ResolverRuleOutput{rec.ResolverRule}, nil
}

// checkRule validates a rule and returns its domain as Resolver writes it
// (lower case, with the final dot).
func checkRule(creatorID, ruleType, domain string, targets []TargetAddress, endpoint string) (string, error) {
	switch {
	case creatorID == "":
		return "", required("creatorRequestId")
	case len(creatorID) > maxCreatorID:
		return "", invalidParameter("CreatorRequestId", "CreatorRequestId must be at most %d characters", maxCreatorID)
	case ruleType == "RECURSIVE":
		return "", invalidRequest("Cannot create a rule of type RECURSIVE: Resolver has one, for all domains")
	case ruleType != RuleForward && ruleType != RuleSystem:
		return "", invalidParameter("RuleType", "RuleType must be FORWARD or SYSTEM")
	case domain == "":
		return "", required("domainName")
	case ruleType == RuleSystem && (len(targets) > 0 || endpoint != ""):
		return "", invalidRequest("Cannot specify resolver endpoint ID and target IP for SYSTEM type resolver rule")
	case ruleType == RuleForward && len(targets) == 0:
		return "", invalidRequest("A FORWARD rule needs at least one target IP")
	case ruleType == RuleForward && endpoint == "":
		return "", invalidRequest("A FORWARD rule needs an outbound resolver endpoint")
	}
	fqdn := strings.ToLower(mdns.Fqdn(domain))
	if _, ok := mdns.IsDomainName(fqdn); !ok || strings.ContainsAny(fqdn, " \t\\") || strings.Contains(fqdn, "..") {
		return "", invalidParameter("DomainName", "Invalid domain name: '%s'", domain)
	}
	for _, t := range targets {
		if a, err := netip.ParseAddr(t.Ip); err != nil || !a.Is4() {
			return "", invalidParameter("TargetIps", "Invalid IP address: '%s'", t.Ip)
		}
		if t.Port != nil && (*t.Port < 0 || *t.Port > 65535) {
			return "", invalidParameter("TargetIps", "Port must be from 0 to 65535")
		}
		if t.Protocol != "" && t.Protocol != "Do53" {
			return "", invalidParameter("TargetIps", "Portolan forwards over Do53 only")
		}
	}
	return fqdn, nil
}

// withDefaults fills in what Resolver reports for a target: port 53,
// protocol Do53.
func withDefaults(targets []TargetAddress) []TargetAddress {
	out := make([]TargetAddress, len(targets))
	for i, t := range targets {
		if t.Port == nil {
			p := int32(53)
			t.Port = &p
		}
		if t.Protocol == "" {
			t.Protocol = "Do53"
		}
		out[i] = t
	}
	return out
}

// outboundEndpoint reads the endpoint a FORWARD rule names, which must be
// an OUTBOUND one.
func (c *Control) outboundEndpoint(ctx context.Context, id string) (store.KV, error) {
	rec, kv, err := store.GetJSON[endpointRecord](ctx, c.st, endpointKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return kv, notFound("ResolverEndpoint", "Resolver endpoint with ID '%s' does not exist.", id)
	}
	if err == nil && rec.Direction != DirectionOutbound {
		err = invalidRequest("Resolver endpoint '%s' is not an OUTBOUND endpoint", id)
	}
	return kv, err
}

type ResolverRuleIdInput struct{ ResolverRuleId string }

func (c *Control) GetResolverRule(ctx context.Context, in *ResolverRuleIdInput) (*ResolverRuleOutput, error) {
	if in.ResolverRuleId == "" {
		return nil, required("resolverRuleId")
	}
	r := c.snapshot().rule(in.ResolverRuleId)
	if r == nil {
		return nil, notFound("ResolverRule", "Resolver rule with ID '%s' does not exist", in.ResolverRuleId)
	}
	return &ResolverRuleOutput{r.ResolverRule}, nil
}

type UpdateResolverRuleInput struct {
	ResolverRuleId string
	Config         struct {
		Name               *string
		TargetIps          []TargetAddress
		ResolverEndpointId *string
	}
}

func (c *Control) UpdateResolverRule(ctx context.Context, in *UpdateResolverRuleInput) (*ResolverRuleOutput, error) {
	if in.ResolverRuleId == "" {
		return nil, required("resolverRuleId")
	}
	var out ResolverRule
	err := c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := store.GetJSON[ruleRecord](ctx, c.st, ruleKey(in.ResolverRuleId))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, notFound("ResolverRule", "Resolver rule with ID '%s' does not exist", in.ResolverRuleId)
		}
		if err != nil {
			return store.Txn{}, err
		}
		if in.Config.Name != nil {
			rec.Name = *in.Config.Name
		}
		if in.Config.TargetIps != nil {
			rec.TargetIps = withDefaults(in.Config.TargetIps)
		}
		if in.Config.ResolverEndpointId != nil {
			rec.ResolverEndpointId = *in.Config.ResolverEndpointId
		}
		if _, err := checkRule(rec.CreatorRequestId, rec.RuleType, rec.DomainName, rec.TargetIps, rec.ResolverEndpointId); err != nil {
			return store.Txn{}, err
		}
		cmps := []store.Cmp{store.Unchanged(kv)}
		if rec.ResolverEndpointId != "" {
			ekv, err := c.outboundEndpoint(ctx, rec.ResolverEndpointId)
			if err != nil {
				return store.Txn{}, err
			}
			cmps = append(cmps, store.Unchanged(ekv))
		}
		rec.ModificationTime = timestamp(time.Now())
		out = rec.ResolverRule
		return store.Txn{If: cmps, Then: []store.Op{store.Put(ruleKey(rec.Id), store.JSON(rec))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &ResolverRuleOutput{out}, nil
}

// DeleteResolverRule deletes a rule no VPC is associated with.
func (c *Control) DeleteResolverRule(ctx context.Context, in *ResolverRuleIdInput) (*ResolverRuleOutput, error) {
	if in.ResolverRuleId == "" {
		return nil, required("resolverRuleId")
	}
	var out ResolverRule
	err := c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := store.GetJSON[ruleRecord](ctx, c.st, ruleKey(in.ResolverRuleId))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, notFound("ResolverRule", "Resolver rule with ID '%s' does not exist", in.ResolverRuleId)
		}
		if err != nil {
			return store.Txn{}, err
		}
		users, err := c.st.Get(ctx, ruleUsersKey(rec.Id))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, err
		}
		users.Key = ruleUsersKey(rec.Id) // ModRevision 0 when absent: Unchanged is then Absent
		assocs, _, err := c.st.List(ctx, assocPrefix)
		if err != nil {
			return store.Txn{}, err
		}
		for _, a := range assocs {
			if r := store.DecodeJSON[ResolverRuleAssociation](a.Value); r != nil && r.ResolverRuleId == rec.Id {
				return store.Txn{}, ErrResourceInUse.Newf("Please disassociate this resolver rule from VPC first before deleting")
			}
		}
		out = rec.ResolverRule
		out.Status, out.StatusMessage = statusDeleting, "Deleting Resolver Rule"
		return store.Txn{If: []store.Cmp{store.Unchanged(kv), store.Unchanged(users)},
			Then: []store.Op{store.Delete(ruleKey(rec.Id)), store.Delete(ruleUsersKey(rec.Id))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &ResolverRuleOutput{out}, nil
}

type ListResolverRulesOutput struct {
	MaxResults    int
	NextToken     *string
	ResolverRules []ResolverRule
}

func (c *Control) ListResolverRules(ctx context.Context, in *ListInput) (*ListResolverRulesOutput, error) {
	var all []ResolverRule
	for _, r := range c.snapshot().Rules {
		ok, err := matches(in.Filters, map[string]string{"Name": r.Name, "DomainName": r.DomainName, "RuleType": r.RuleType,
			"Status": r.Status, "CreatorRequestId": r.CreatorRequestId, "ResolverEndpointId": r.ResolverEndpointId})
		if err != nil {
			return nil, err
		}
		if ok {
			all = append(all, r.ResolverRule)
		}
	}
	page, next, err := awsapi.Paginate(pager, all, func(r ResolverRule) string { return r.Id }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListResolverRulesOutput{MaxResults: len(page), NextToken: awsapi.StringPtr(next), ResolverRules: orEmpty(page)}, nil
}
