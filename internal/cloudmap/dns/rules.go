package dns

import (
	"log/slog"

	"github.com/portolan/portolan/internal/store"
)

// ForwardRules is a source of forwarding rules (Route 53 Resolver's rules
// associated with a VPC). A name outside our zones at or below a rule's
// domain is forwarded to the rule's targets instead of the upstreams; the
// most specific rule wins; a rule without targets (a SYSTEM rule) sends
// its names back to the upstreams. Names inside our zones are answered
// from them whatever the rules say.
type ForwardRules interface {
	store.Source
	// ForwardRules are the rules to apply now and the revision they reflect.
	ForwardRules() ([]ForwardRule, int64)
}

// ForwardRule is one domain and where to send its names.
type ForwardRule struct {
	Domain  string   // presentation name
	Targets []string // host:port ("host" means port 53); none: the upstreams
}

// addRules puts the rules into t; a later rule for the same domain
// replaces an earlier one. Targets that are our own addresses (own) are
// left out: a rule must never send a query back to us, in a loop.
func (t *table) addRules(rules []ForwardRule, revs []int64, own []string, log *slog.Logger) {
	t.rulesRevs = revs
	if len(rules) == 0 {
		return
	}
	t.rules = make(map[string][]string, len(rules))
	for _, r := range rules {
		key, ok := ownerKey(r.Domain)
		if !ok {
			log.Warn("forwarding rule's domain is not a DNS name; it is ignored", "domain", r.Domain)
			continue
		}
		// Non-nil: a rule, even with no targets.
		t.rules[key] = append([]string{}, upstreamAddrs(r.Targets, own)...)
	}
}

// forwardTargets are where a name outside our zones goes: the targets of
// the most specific rule for it, or nil for the upstreams.
func (t *table) forwardTargets(key []byte) []string {
	if len(t.rules) == 0 {
		return nil
	}
	for off := 0; off < len(key); off += 1 + int(key[off]) {
		if targets, ok := t.rules[string(key[off:])]; ok {
			if len(targets) == 0 {
				return nil // SYSTEM: the upstreams
			}
			return targets
		}
		if key[off] == 0 {
			break
		}
	}
	return nil
}
