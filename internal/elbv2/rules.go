package elbv2

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// Rules route an ALB listener's requests by their conditions, in priority
// order; the listener's DefaultActions are its default rule, which matches
// everything last. An NLB listener has only its default rule.

// AWS's rule limits.
const (
	minRulePriority, maxRulePriority = 1, 50000
	maxRulesPerLoadBalancer          = 100 // excluding default rules
	defaultPriority                  = "default"
)

// defaultRuleARN is the ARN of a listener's default rule. It is derived
// from the listener's ARN, so it is stable without being stored.
func defaultRuleARN(listenerArn string) string {
	sum := sha256.Sum256([]byte("default-rule/" + listenerArn))
	return ruleARN(listenerArn, hex.EncodeToString(sum[:8]))
}

func ruleARN(listenerArn, id string) string {
	a, _ := awsapi.ParseARN(listenerArn)
	a.Resource = "listener-rule/" + strings.TrimPrefix(a.Resource, "listener/") + "/" + id
	return a.String()
}

// defaultRule is a listener's default rule as DescribeRules shows it.
func defaultRule(l *listenerRecord) Rule {
	return Rule{RuleArn: defaultRuleARN(l.ListenerArn), Priority: defaultPriority, Conditions: []RuleCondition{}, Actions: l.DefaultActions, IsDefault: true}
}

// checkRulesAllowed: rules are an ALB's; an NLB listener only forwards.
func checkRulesAllowed(lb *loadBalancerRecord, l *listenerRecord) error {
	if lb.Type != TypeApplication {
		return ErrIncompatibleProtocols.Newf("Rules are not supported for %s listeners; a Network Load Balancer listener has only its default action", deref(l.Protocol))
	}
	return nil
}

func (lb *loadBalancerRecord) ruleCount() int {
	n := 0
	for _, l := range lb.Listeners {
		n += len(l.Rules)
	}
	return n
}

func parsePriority(p int32) (string, error) {
	if p < minRulePriority || p > maxRulePriority {
		return "", validation("Priority must be between %d and %d", minRulePriority, maxRulePriority)
	}
	return strconv.Itoa(int(p)), nil
}

func priorityInUse(p string) error {
	return ErrPriorityInUse.Newf("Priority '%s' is currently in use", p)
}

type CreateRuleInput struct {
	ListenerArn string
	Priority    *int32
	Conditions  []RuleCondition
	Actions     []Action
	Tags        []Tag
}

type CreateRuleOutput struct {
	Rules []Rule
}

// CreateRule adds a rule to an ALB listener.
func (c *Control) CreateRule(ctx context.Context, in *CreateRuleInput) (*CreateRuleOutput, error) {
	if in.Priority == nil {
		return nil, validation("A rule priority must be specified")
	}
	priority, err := parsePriority(*in.Priority)
	if err != nil {
		return nil, err
	}
	conds, err := validateConditions(in.Conditions)
	if err != nil {
		return nil, err
	}
	if err := checkListenerTags(in.Tags); err != nil {
		return nil, err
	}
	id := newID()
	var created Rule
	err = c.changeListener(ctx, in.ListenerArn, func(ch *lbChange, l *listenerRecord) error {
		if err := checkRulesAllowed(ch.lb, l); err != nil {
			return err
		}
		if l.rule(func(r *ruleRecord) bool { return r.Priority == priority }) != nil {
			return priorityInUse(priority)
		}
		if ch.lb.ruleCount() >= maxRulesPerLoadBalancer {
			return ErrTooManyRules.Newf("You've reached the limit on the number of rules per load balancer (%d)", maxRulesPerLoadBalancer)
		}
		actions, err := validateActions(in.Actions, ch.lb.Type, deref(l.Protocol))
		if err != nil {
			return err
		}
		if err := ch.checkForwardTargets(deref(l.Protocol), actions); err != nil {
			return err
		}
		created = Rule{RuleArn: ruleARN(l.ListenerArn, id), Priority: priority, Conditions: conds, Actions: actions}
		l.Rules = append(l.Rules, &ruleRecord{Rule: created, Tags: in.Tags})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateRuleOutput{Rules: []Rule{created}}, nil
}

func (l *listenerRecord) rule(match func(*ruleRecord) bool) *ruleRecord {
	for _, r := range l.Rules {
		if match(r) {
			return r
		}
	}
	return nil
}

type DescribeRulesInput struct {
	ListenerArn *string
	RuleArns    []string
	Marker      *string
	PageSize    *int32
}

type DescribeRulesOutput struct {
	Rules      []Rule
	NextMarker *string
}

// DescribeRules lists a listener's rules by priority, its default rule
// last, or the rules named.
func (c *Control) DescribeRules(ctx context.Context, in *DescribeRulesInput) (*DescribeRulesOutput, error) {
	var rules []Rule
	switch {
	case in.ListenerArn != nil && len(in.RuleArns) > 0:
		return nil, validation("Rule ARNs and a listener ARN cannot be specified at the same time")
	case in.ListenerArn != nil:
		_, l, err := c.listener(ctx, *in.ListenerArn)
		if err != nil {
			return nil, err
		}
		for _, r := range l.Rules {
			rules = append(rules, r.Rule)
		}
		slices.SortFunc(rules, func(a, b Rule) int { return cmp.Compare(priorityRank(a), priorityRank(b)) })
		rules = append(rules, defaultRule(l))
	case len(in.RuleArns) > 0:
		for _, arn := range in.RuleArns {
			r, err := c.rule(ctx, arn)
			if err != nil {
				return nil, err
			}
			rules = append(rules, r)
		}
	default:
		return nil, validation("Rule ARNs or a listener ARN must be specified")
	}
	page, next, err := awsapi.PaginateByPosition(listenerRulePager, rules, deref(in.Marker), pageSize(in.PageSize))
	if err != nil {
		return nil, err
	}
	return &DescribeRulesOutput{Rules: append([]Rule{}, page...), NextMarker: awsapi.StringPtr(next)}, nil
}

func priorityRank(r Rule) int {
	n, err := strconv.Atoi(r.Priority)
	if err != nil {
		return maxRulePriority + 1
	}
	return n
}

func ruleNotFound() error { return ErrRuleNotFound.Newf("One or more rules not found") }

// rule reads the rule arn names, the default rule included.
func (c *Control) rule(ctx context.Context, arn string) (Rule, error) {
	listenerArn, ok := listenerARNOfRule(arn)
	if !ok {
		return Rule{}, validation("'%s' is not a valid rule ARN", arn)
	}
	_, l, err := c.listener(ctx, listenerArn)
	if errors.Is(err, ErrListenerNotFound) {
		return Rule{}, ruleNotFound()
	}
	if err != nil {
		return Rule{}, err
	}
	if arn == defaultRuleARN(l.ListenerArn) {
		return defaultRule(l), nil
	}
	if r := l.rule(func(r *ruleRecord) bool { return r.RuleArn == arn }); r != nil {
		return r.Rule, nil
	}
	return Rule{}, ruleNotFound()
}

// changeRule applies change to the rule arn names (r is nil for the
// listener's default rule), in one transaction with its load balancer.
func (c *Control) changeRule(ctx context.Context, arn string, change func(ch *lbChange, l *listenerRecord, r *ruleRecord) error) error {
	listenerArn, ok := listenerARNOfRule(arn)
	if !ok {
		return validation("'%s' is not a valid rule ARN", arn)
	}
	err := c.changeListener(ctx, listenerArn, func(ch *lbChange, l *listenerRecord) error {
		if arn == defaultRuleARN(l.ListenerArn) {
			return change(ch, l, nil)
		}
		r := l.rule(func(r *ruleRecord) bool { return r.RuleArn == arn })
		if r == nil {
			return ruleNotFound()
		}
		return change(ch, l, r)
	})
	if errors.Is(err, ErrListenerNotFound) {
		return ruleNotFound()
	}
	return err
}

type ModifyRuleInput struct {
	RuleArn    string
	Conditions []RuleCondition
	Actions    []Action
}

type ModifyRuleOutput struct {
	Rules []Rule
}

// ModifyRule replaces what is given of a rule's conditions and actions.
// The default rule takes actions only: they are its listener's default
// actions.
func (c *Control) ModifyRule(ctx context.Context, in *ModifyRuleInput) (*ModifyRuleOutput, error) {
	var conds []RuleCondition
	if in.Conditions != nil {
		var err error
		if conds, err = validateConditions(in.Conditions); err != nil {
			return nil, err
		}
	}
	var modified Rule
	err := c.changeRule(ctx, in.RuleArn, func(ch *lbChange, l *listenerRecord, r *ruleRecord) error {
		protocol := deref(l.Protocol)
		var actions []Action
		if in.Actions != nil {
			var err error
			if actions, err = validateActions(in.Actions, ch.lb.Type, protocol); err != nil {
				return err
			}
			if err := ch.checkForwardTargets(protocol, actions); err != nil {
				return err
			}
		}
		if r == nil {
			if conds != nil {
				return ErrOperationNotPermitted.Newf("The conditions of a default rule cannot be modified")
			}
			if actions != nil {
				l.DefaultActions = actions
			}
			modified = defaultRule(l)
			return nil
		}
		if conds != nil {
			r.Conditions = conds
		}
		if actions != nil {
			r.Actions = actions
		}
		modified = r.Rule
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ModifyRuleOutput{Rules: []Rule{modified}}, nil
}

type DeleteRuleInput struct {
	RuleArn string
}

type DeleteRuleOutput struct{}

// DeleteRule removes a rule; a default rule goes only with its listener.
func (c *Control) DeleteRule(ctx context.Context, in *DeleteRuleInput) (*DeleteRuleOutput, error) {
	err := c.changeRule(ctx, in.RuleArn, func(ch *lbChange, l *listenerRecord, r *ruleRecord) error {
		if r == nil {
			return ErrOperationNotPermitted.Newf("Default rule '%s' cannot be deleted", in.RuleArn)
		}
		l.Rules = slices.DeleteFunc(l.Rules, func(x *ruleRecord) bool { return x == r })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteRuleOutput{}, nil
}

type RulePriorityPair struct {
	RuleArn  *string
	Priority *int32
}

type SetRulePrioritiesInput struct {
	RulePriorities []RulePriorityPair
}

type SetRulePrioritiesOutput struct {
	Rules []Rule
}

// SetRulePriorities sets the priorities of rules of one listener at once:
// every new priority is checked against the rules' priorities after the
// whole change, so two rules may swap theirs.
func (c *Control) SetRulePriorities(ctx context.Context, in *SetRulePrioritiesInput) (*SetRulePrioritiesOutput, error) {
	if len(in.RulePriorities) == 0 {
		return nil, validation("At least one rule priority must be specified")
	}
	want := map[string]string{}
	listenerArn := ""
	for _, p := range in.RulePriorities {
		arn := deref(p.RuleArn)
		l, ok := listenerARNOfRule(arn)
		if !ok {
			return nil, validation("'%s' is not a valid rule ARN", arn)
		}
		if listenerArn != "" && l != listenerArn {
			return nil, validation("The rules must all belong to the same listener")
		}
		listenerArn = l
		if p.Priority == nil {
			return nil, validation("A priority must be specified for rule '%s'", arn)
		}
		priority, err := parsePriority(*p.Priority)
		if err != nil {
			return nil, err
		}
		if _, dup := want[arn]; dup {
			return nil, validation("Rule '%s' is specified more than once", arn)
		}
		want[arn] = priority
	}
	var out []Rule
	err := c.changeListener(ctx, listenerArn, func(ch *lbChange, l *listenerRecord) error {
		out = nil
		if _, ok := want[defaultRuleARN(l.ListenerArn)]; ok {
			return ErrOperationNotPermitted.Newf("The priority of a default rule cannot be set")
		}
		for arn := range want {
			if l.rule(func(r *ruleRecord) bool { return r.RuleArn == arn }) == nil {
				return ruleNotFound()
			}
		}
		used := map[string]bool{}
		for _, r := range l.Rules {
			p := r.Priority
			if np, ok := want[r.RuleArn]; ok {
				p = np
			}
			if used[p] {
				return priorityInUse(p)
			}
			used[p] = true
		}
		for _, r := range l.Rules {
			if np, ok := want[r.RuleArn]; ok {
				r.Priority = np
				out = append(out, r.Rule)
			}
		}
		return nil
	})
	if errors.Is(err, ErrListenerNotFound) {
		return nil, ruleNotFound()
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Rule) int { return cmp.Compare(priorityRank(a), priorityRank(b)) })
	return &SetRulePrioritiesOutput{Rules: out}, nil
}
