package elbv2

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// Validation of the actions listeners and rules take and the conditions
// rules match on. These checks need nothing but the request: whether a
// forward action's target groups exist, are compatible and free is
// checked against the store (listeners.go, checkForwardTargets).

// AWS's limits on actions and conditions (API reference and "Quotas for
// your Application Load Balancers").
const (
	minActionOrder, maxActionOrder = 1, 50000
	maxTargetGroupsPerAction       = 5   // ALB; an NLB forwards to one
	maxTargetGroupWeight           = 999 // TargetGroupTuple.Weight 0..999
	maxStickinessSeconds           = 604800
	maxFixedResponseBody           = 1024
	maxConditionValuesPerRule      = 5 // condition-values-per-alb-rule
	maxConditionWildcardsPerRule   = 5 // condition-wildcards-per-alb-rule
	maxConditionValueLength        = 128
	maxHeaderNameLength            = 40
	maxMethodLength                = 40
	maxRedirectComponentLength     = 128
)

// Condition fields.
const (
	FieldHostHeader        = "host-header"
	FieldPathPattern       = "path-pattern"
	FieldHTTPHeader        = "http-header"
	FieldHTTPRequestMethod = "http-request-method"
	FieldQueryString       = "query-string"
	FieldSourceIP          = "source-ip"
)

var fixedResponseContentTypes = []string{"text/plain", "text/css", "text/html", "application/javascript", "application/json"}

// isNetwork reports whether a load balancer of type lbType is an NLB,
// whose listeners forward only.
func isNetwork(lbType string) bool { return lbType == TypeNetwork }

// validateActions checks a listener's default actions or a rule's actions
// for a load balancer of lbType and a listener of protocol: each action
// well formed, Orders in range and distinct, exactly one terminal action
// and it last. It returns the actions sorted by Order.
func validateActions(actions []Action, lbType, protocol string) ([]Action, error) {
	if len(actions) == 0 {
		return nil, validation("At least one action must be specified")
	}
	for i := range actions {
		if err := validateAction(&actions[i], lbType, protocol); err != nil {
			return nil, err
		}
	}
	sorted := slices.Clone(actions)
	// An action without Order sorts by its position, after any ordered one.
	order := func(i int) int {
		if o := sorted[i].Order; o != nil {
			return int(*o)
		}
		return maxActionOrder + 1 + i
	}
	idx := make([]int, len(sorted))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(order(a), order(b)) })
	out := make([]Action, len(sorted))
	for i, j := range idx {
		out[i] = sorted[j]
	}
	seen := map[int32]bool{}
	for _, a := range out {
		if a.Order != nil {
			if seen[*a.Order] {
				return nil, validation("Action order '%d' is used more than once", *a.Order)
			}
			seen[*a.Order] = true
		}
	}
	terminal := 0
	for _, a := range out {
		if isTerminal(a.Type) {
			terminal++
		}
	}
	if terminal != 1 || !isTerminal(out[len(out)-1].Type) {
		return nil, invalidAction("Exactly one of the actions must be a forward, redirect or fixed-response action, and it must be the last one")
	}
	return out, nil
}

func isTerminal(typ string) bool {
	return typ == ActionForward || typ == ActionRedirect || typ == ActionFixedResponse
}

func invalidAction(format string, args ...any) *awsapi.Error {
	return ErrInvalidLoadBalancerAction.Newf(format, args...)
}

func validateAction(a *Action, lbType, protocol string) error {
	if a.Order != nil && (*a.Order < minActionOrder || *a.Order > maxActionOrder) {
		return validation("Action order must be between %d and %d", minActionOrder, maxActionOrder)
	}
	switch a.Type {
	case ActionForward:
		return validateForward(a, lbType)
	case ActionRedirect, ActionFixedResponse:
		if isNetwork(lbType) {
			return invalidAction("The action type '%s' is not valid for a Network Load Balancer; its listeners can only forward", a.Type)
		}
		if a.TargetGroupArn != nil || a.ForwardConfig != nil {
			return validation("A target group can be specified only for a forward action")
		}
		if a.Type == ActionRedirect {
			if a.FixedResponseConfig != nil {
				return validation("A fixed-response configuration cannot be specified for a redirect action")
			}
			return validateRedirect(a.RedirectConfig, protocol)
		}
		if a.RedirectConfig != nil {
			return validation("A redirect configuration cannot be specified for a fixed-response action")
		}
		return validateFixedResponse(a.FixedResponseConfig)
	case "authenticate-oidc", "authenticate-cognito":
		if isNetwork(lbType) {
			return invalidAction("The action type '%s' is not valid for a Network Load Balancer; its listeners can only forward", a.Type)
		}
		// Portolan serves no identity provider yet (docs/compat.md).
		return invalidAction("The action type '%s' is not supported", a.Type)
	case "":
		return validation("An action type must be specified")
	}
	return validation("Action type '%s' must be one of [forward, authenticate-oidc, authenticate-cognito, redirect, fixed-response]", a.Type)
}

func validateForward(a *Action, lbType string) error {
	if a.RedirectConfig != nil || a.FixedResponseConfig != nil {
		return validation("Only a target group or forward configuration can be specified for a forward action")
	}
	fc := a.ForwardConfig
	if fc == nil {
		if a.TargetGroupArn == nil || *a.TargetGroupArn == "" {
			return validation("A target group ARN must be specified for a forward action")
		}
		return nil
	}
	n := len(fc.TargetGroups)
	switch {
	case n == 0:
		return validation("A forward configuration must specify at least one target group")
	case isNetwork(lbType) && n > 1:
		return invalidAction("A Network Load Balancer listener can forward to a single target group")
	case n > maxTargetGroupsPerAction:
		return validation("A forward action can specify at most %d target groups", maxTargetGroupsPerAction)
	}
	seen := map[string]bool{}
	for _, t := range fc.TargetGroups {
		if t.TargetGroupArn == "" {
			return validation("A target group ARN must be specified for each target group of a forward configuration")
		}
		if seen[t.TargetGroupArn] {
			return validation("Target group '%s' is specified more than once in a forward configuration", t.TargetGroupArn)
		}
		seen[t.TargetGroupArn] = true
		if t.Weight != nil && (*t.Weight < 0 || *t.Weight > maxTargetGroupWeight) {
			return validation("Target group weight must be between 0 and %d", maxTargetGroupWeight)
		}
	}
	// Both forms together must name the same, single target group.
	if a.TargetGroupArn != nil && (n != 1 || fc.TargetGroups[0].TargetGroupArn != *a.TargetGroupArn) {
		return validation("You cannot specify both a target group ARN and a forward configuration with a different or more than one target group")
	}
	if s := fc.TargetGroupStickinessConfig; s != nil {
		if s.DurationSeconds != nil && (*s.DurationSeconds < 1 || *s.DurationSeconds > maxStickinessSeconds) {
			return validation("Target group stickiness duration must be between 1 and %d seconds", maxStickinessSeconds)
		}
		if s.Enabled != nil && *s.Enabled && s.DurationSeconds == nil {
			return validation("Target group stickiness duration must be specified when stickiness is enabled")
		}
	}
	return nil
}

// forwardTargetGroups lists the target groups an action forwards to.
func forwardTargetGroups(a Action) []string {
	if a.Type != ActionForward {
		return nil
	}
	if a.ForwardConfig != nil {
		arns := make([]string, 0, len(a.ForwardConfig.TargetGroups))
		for _, t := range a.ForwardConfig.TargetGroups {
			arns = append(arns, t.TargetGroupArn)
		}
		return arns
	}
	if a.TargetGroupArn != nil {
		return []string{*a.TargetGroupArn}
	}
	return nil
}

func validateRedirect(rc *RedirectActionConfig, listenerProtocol string) error {
	if rc == nil {
		return validation("A redirect configuration must be specified for a redirect action")
	}
	if rc.StatusCode != "HTTP_301" && rc.StatusCode != "HTTP_302" {
		return validation("Redirect status code must be one of [HTTP_301, HTTP_302]")
	}
	if p := rc.Protocol; p != nil {
		switch *p {
		case ProtocolHTTP:
			// HTTPS may not be downgraded to HTTP.
			if listenerProtocol == ProtocolHTTPS {
				return invalidAction("You cannot redirect HTTPS to HTTP")
			}
		case ProtocolHTTPS, "#{protocol}":
		default:
			return validation("Redirect protocol must be one of [HTTP, HTTPS, #{protocol}]")
		}
	}
	if p := rc.Port; p != nil && *p != "#{port}" {
		if n, err := strconv.Atoi(*p); err != nil || n < 1 || n > 65535 {
			return validation("Redirect port must be between 1 and 65535, or #{port}")
		}
	}
	for _, c := range []struct {
		name string
		v    *string
		min  int
	}{{"host", rc.Host, 1}, {"path", rc.Path, 1}, {"query", rc.Query, 0}} {
		if c.v != nil && (len(*c.v) < c.min || len(*c.v) > maxRedirectComponentLength) {
			return validation("Redirect %s must be between %d and %d characters long", c.name, c.min, maxRedirectComponentLength)
		}
	}
	if rc.Path != nil && !strings.HasPrefix(*rc.Path, "/") {
		return validation("Redirect path must start with '/'")
	}
	// A redirect must change the protocol, host, port or path, or it loops.
	unchanged := func(v *string, self string) bool { return v == nil || *v == self }
	if (rc.Protocol == nil || *rc.Protocol == "#{protocol}" || *rc.Protocol == listenerProtocol) &&
		unchanged(rc.Host, "#{host}") && unchanged(rc.Port, "#{port}") && unchanged(rc.Path, "/#{path}") {
		return invalidAction("The redirect must change at least one of the protocol, host, port or path, or it would redirect to itself")
	}
	return nil
}

func validateFixedResponse(fr *FixedResponseActionConfig) error {
	if fr == nil {
		return validation("A fixed-response configuration must be specified for a fixed-response action")
	}
	s := fr.StatusCode
	if len(s) != 3 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || !isDigit(s[1]) || !isDigit(s[2]) {
		return validation("Fixed response status code must match ^(2|4|5)\\d\\d$")
	}
	if ct := fr.ContentType; ct != nil && !slices.Contains(fixedResponseContentTypes, *ct) {
		return validation("Fixed response content type must be one of [%s]", strings.Join(fixedResponseContentTypes, ", "))
	}
	if fr.MessageBody != nil && len(*fr.MessageBody) > maxFixedResponseBody {
		return validation("Fixed response message body must be at most %d characters long", maxFixedResponseBody)
	}
	return nil
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// validateConditions checks a rule's conditions, each given by its *Config
// or, for host-header and path-pattern, by the legacy Field/Values form
// with one value. Field is inferred from the single *Config when absent.
// At most one condition each of host-header, path-pattern,
// http-request-method and source-ip; at most 5 values and 5 wildcards
// across the rule.
func validateConditions(conds []RuleCondition) ([]RuleCondition, error) {
	if len(conds) == 0 {
		return nil, validation("At least one condition must be specified")
	}
	out := make([]RuleCondition, len(conds))
	seen := map[string]bool{}
	var tally conditionTally
	for i, c := range conds {
		field, err := conditionField(c)
		if err != nil {
			return nil, err
		}
		if field != FieldHTTPHeader && field != FieldQueryString {
			if seen[field] {
				return nil, validation("A rule can have at most one '%s' condition", field)
			}
			seen[field] = true
		}
		if err := tally.check(field, c); err != nil {
			return nil, err
		}
		c.Field = &field
		out[i] = c
	}
	if tally.values > maxConditionValuesPerRule {
		return nil, validation("A rule can have at most %d condition values", maxConditionValuesPerRule)
	}
	if tally.wildcards > maxConditionWildcardsPerRule {
		return nil, validation("A rule can have at most %d wildcards in its conditions", maxConditionWildcardsPerRule)
	}
	return out, nil
}

// conditionField is the field a condition matches on: its Field, which
// must agree with the one *Config given, or that *Config's field.
func conditionField(c RuleCondition) (string, error) {
	var configs []string
	for _, f := range []struct {
		set   bool
		field string
	}{
		{c.HostHeaderConfig != nil, FieldHostHeader},
		{c.PathPatternConfig != nil, FieldPathPattern},
		{c.HttpHeaderConfig != nil, FieldHTTPHeader},
		{c.HttpRequestMethodConfig != nil, FieldHTTPRequestMethod},
		{c.QueryStringConfig != nil, FieldQueryString},
		{c.SourceIpConfig != nil, FieldSourceIP},
	} {
		if f.set {
			configs = append(configs, f.field)
		}
	}
	if len(configs) > 1 {
		return "", validation("A condition can have only one of its field's configurations")
	}
	field := ""
	if c.Field != nil {
		field = *c.Field
	}
	switch {
	case field == "" && len(configs) == 0:
		return "", validation("A condition field must be specified")
	case field == "":
		field = configs[0]
	case len(configs) == 1 && configs[0] != field:
		return "", validation("The configuration given does not belong to condition field '%s'", field)
	}
	switch field {
	case FieldHostHeader, FieldPathPattern, FieldHTTPHeader, FieldHTTPRequestMethod, FieldQueryString, FieldSourceIP:
	default:
		return "", validation("Condition field '%s' must be one of [http-header, http-request-method, host-header, path-pattern, query-string, source-ip]", field)
	}
	if c.Values != nil {
		if field != FieldHostHeader && field != FieldPathPattern {
			return "", validation("Condition values can be given without a configuration only for host-header and path-pattern conditions")
		}
		if len(configs) == 1 {
			return "", validation("A condition cannot have both values and a configuration")
		}
		if len(c.Values) != 1 {
			return "", validation("A '%s' condition given by its values takes exactly one value; use its configuration for more", field)
		}
	} else if len(configs) == 0 {
		return "", validation("A '%s' condition must have values", field)
	}
	return field, nil
}

// conditionTally counts a rule's condition values and wildcards.
type conditionTally struct{ values, wildcards int }

func (t *conditionTally) check(field string, c RuleCondition) error {
	var values []string
	switch field {
	case FieldHostHeader:
		values = c.Values
		if c.HostHeaderConfig != nil {
			values = c.HostHeaderConfig.Values
		}
		return t.each(field, values, true, validHostPattern)
	case FieldPathPattern:
		values = c.Values
		if c.PathPatternConfig != nil {
			values = c.PathPatternConfig.Values
		}
		return t.each(field, values, true, validPathPattern)
	case FieldHTTPHeader:
		name := ""
		if c.HttpHeaderConfig.HttpHeaderName != nil {
			name = *c.HttpHeaderConfig.HttpHeaderName
		}
		if name == "" || len(name) > maxHeaderNameLength || !isToken(name) {
			return validation("HTTP header name must be 1 to %d characters of a header name", maxHeaderNameLength)
		}
		return t.each(field, c.HttpHeaderConfig.Values, true, func(string) bool { return true })
	case FieldHTTPRequestMethod:
		return t.each(field, c.HttpRequestMethodConfig.Values, false, validMethod)
	case FieldSourceIP:
		return t.each(field, c.SourceIpConfig.Values, false, validCIDR)
	}
	pairs := c.QueryStringConfig.Values
	if len(pairs) == 0 {
		return validation("A query-string condition must have at least one key/value pair")
	}
	for _, p := range pairs {
		if p.Value == nil || *p.Value == "" {
			return validation("Each key/value pair of a query-string condition must have a value")
		}
		if err := t.one(field, *p.Value, true, func(string) bool { return true }); err != nil {
			return err
		}
		if p.Key != nil {
			if *p.Key == "" || len(*p.Key) > maxConditionValueLength {
				return validation("A query-string key must be 1 to %d characters long", maxConditionValueLength)
			}
			t.wildcards += wildcards(*p.Key)
		}
		// A key/value pair is one condition value.
	}
	return nil
}

func (t *conditionTally) each(field string, values []string, wild bool, ok func(string) bool) error {
	if len(values) == 0 {
		return validation("A '%s' condition must have at least one value", field)
	}
	for _, v := range values {
		if err := t.one(field, v, wild, ok); err != nil {
			return err
		}
	}
	return nil
}

func (t *conditionTally) one(field, v string, wild bool, ok func(string) bool) error {
	if v == "" || len(v) > maxConditionValueLength {
		return validation("Each '%s' condition value must be 1 to %d characters long", field, maxConditionValueLength)
	}
	if !ok(v) {
		return validation("Condition value '%s' is not valid for a '%s' condition", v, field)
	}
	t.values++
	if wild {
		t.wildcards += wildcards(v)
	}
	return nil
}

func wildcards(s string) int { return strings.Count(s, "*") + strings.Count(s, "?") }

// validHostPattern: letters, digits, '-', '.', wildcards; at least one '.',
// and only letters (or wildcards) after the last one.
func validHostPattern(v string) bool {
	for _, r := range v {
		if !isAlnum(r) && !strings.ContainsRune("-.*?", r) {
			return false
		}
	}
	dot := strings.LastIndexByte(v, '.')
	if dot < 0 || dot == len(v)-1 {
		return false
	}
	for _, r := range v[dot+1:] {
		if !isLetter(r) && r != '*' && r != '?' {
			return false
		}
	}
	return true
}

// validPathPattern: the characters AWS lists for path patterns.
func validPathPattern(v string) bool {
	for _, r := range v {
		if !isAlnum(r) && !strings.ContainsRune("_-.$/~\"'@:+&*?", r) {
			return false
		}
	}
	return true
}

func validMethod(v string) bool {
	if len(v) > maxMethodLength {
		return false
	}
	for _, r := range v {
		if !(r >= 'A' && r <= 'Z') && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

func validCIDR(v string) bool {
	_, err := netip.ParsePrefix(v)
	return err == nil
}

// isToken reports whether s is an RFC 9110 token, what a header name is.
func isToken(s string) bool {
	for _, r := range s {
		if !isAlnum(r) && !strings.ContainsRune("!#$%&'*+-.^_`|~", r) {
			return false
		}
	}
	return true
}

func isLetter(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') }
func isAlnum(r rune) bool  { return isLetter(r) || (r >= '0' && r <= '9') }
