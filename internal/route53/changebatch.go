package route53

import (
	"fmt"
	"slices"
	"strings"

	mdns "github.com/miekg/dns"
)

// Batch limits (Route 53's quotas on one ChangeResourceRecordSets).
const (
	maxBatchRecords = 1000  // ResourceRecord elements, an UPSERT's counted twice
	maxBatchChars   = 32000 // characters in all Value elements, an UPSERT's counted twice
	maxSetID        = 128
	maxTTL          = 1<<31 - 1
)

// aliasCheck answers whether an alias target exists: known is false for a
// zone nobody here can vouch for (accepted unchecked), within false for a
// name outside the target zone.
type aliasCheck func(zoneID string, name dnsName, rrtype string) (known, within, exists bool)

// batch is a change batch being applied to one zone's record sets in
// memory: it checks each change against the state the changes before it
// left (creates, deletes), then the state at the end (conflicts between
// sets, alias targets), collecting every problem, as Route 53 refuses a
// batch whole and names all its problems.
type batch struct {
	zoneID   string
	apex     dnsName
	sets     map[string]*ResourceRecordSet // by identity (name|type|set identifier)
	touched  map[string]bool               // identities the batch wrote or deleted
	problems []string
}

// identity is what tells record sets apart in a zone.
func identity(s *ResourceRecordSet) string { return s.Name + "|" + s.Type + "|" + s.SetIdentifier }

// describe names a set as Route 53's messages do.
func describe(s *ResourceRecordSet) string {
	if s.SetIdentifier != "" {
		return fmt.Sprintf("[name='%s', type='%s', set-identifier='%s']", s.Name, s.Type, s.SetIdentifier)
	}
	return fmt.Sprintf("[name='%s', type='%s']", s.Name, s.Type)
}

// planBatch applies changes to current (a zone's sets by identity; not
// modified) and returns the sets the batch leaves, and which identities
// it touched. A malformed change is an InvalidInput error; changes that
// cannot all apply are one InvalidChangeBatch naming every problem.
func planBatch(zoneID string, apex dnsName, current map[string]*ResourceRecordSet, changes []Change, alias aliasCheck) (*batch, error) {
	if len(changes) == 0 {
		return nil, invalidInput("Invalid XML ; the ChangeBatch has no Changes")
	}
	records, chars := 0, 0
	for _, ch := range changes {
		n, k := len(ch.ResourceRecordSet.ResourceRecords), 0
		for _, r := range ch.ResourceRecordSet.ResourceRecords {
			k += len(r.Value)
		}
		if ch.Action == ActionUpsert {
			n, k = 2*n, 2*k
		}
		records, chars = records+n, chars+k
	}
	if records > maxBatchRecords {
		return nil, ErrInvalidChangeBatch.Newf("Number of records limit of %d exceeded.", maxBatchRecords)
	}
	if chars > maxBatchChars {
		return nil, ErrInvalidChangeBatch.Newf("Number of characters limit of %d exceeded.", maxBatchChars)
	}
	b := &batch{zoneID: zoneID, apex: apex, sets: make(map[string]*ResourceRecordSet, len(current)+len(changes)), touched: map[string]bool{}}
	for k, s := range current {
		b.sets[k] = s
	}
	seen := map[string]bool{}
	for _, ch := range changes {
		set, problem, err := normalizeSet(ch, apex)
		if err != nil {
			return nil, err
		}
		if problem != "" {
			b.problems = append(b.problems, problem)
			continue
		}
		id := identity(set)
		if seen[id] {
			b.problems = append(b.problems, fmt.Sprintf("The request contains an invalid set of changes for a resource record set '%s %s'", set.Type, set.Name))
			continue
		}
		seen[id] = true
		b.apply(ch.Action, id, set)
	}
	b.checkNames()
	b.checkAliases(alias)
	if len(b.problems) > 0 {
		return nil, invalidChangeBatch(b.problems)
	}
	return b, nil
}

func (b *batch) apply(action, id string, set *ResourceRecordSet) {
	old := b.sets[id]
	isApex := set.Name == b.apex.stored
	switch action {
	case ActionCreate:
		if old != nil {
			b.problems = append(b.problems, fmt.Sprintf("Tried to create resource record set %s but it already exists", describe(set)))
			return
		}
		if set.Type == "SOA" {
			b.problems = append(b.problems, "A HostedZone must contain exactly one SOA record.")
			return
		}
	case ActionDelete:
		switch {
		case old == nil:
			b.problems = append(b.problems, fmt.Sprintf("Tried to delete resource record set %s but it was not found", describe(set)))
			return
		case !sameSet(old, set):
			b.problems = append(b.problems, fmt.Sprintf("Tried to delete resource record set %s but the values provided do not match the current values", describe(set)))
			return
		case isApex && set.Type == "SOA":
			b.problems = append(b.problems, "A HostedZone must contain exactly one SOA record.")
			return
		case isApex && set.Type == "NS":
			b.problems = append(b.problems, "A HostedZone must contain at least one NS record for the zone itself.")
			return
		}
		delete(b.sets, id)
		b.touched[id] = true
		return
	}
	if set.Type == "SOA" && (!isApex || old == nil) {
		b.problems = append(b.problems, fmt.Sprintf("RRSet of type SOA with DNS name %s is not permitted: a zone has one SOA record, at its apex", set.Name))
		return
	}
	b.sets[id] = set
	b.touched[id] = true
}

// checkNames checks the batch's end state at every name it touched: a
// CNAME alone at its name and never at the apex, one routing policy among
// the sets of a name and type, and at most one PRIMARY and one SECONDARY.
func (b *batch) checkNames() {
	byName := map[string][]*ResourceRecordSet{}
	for _, s := range b.sets {
		byName[s.Name] = append(byName[s.Name], s)
	}
	names := map[string]bool{}
	for id := range b.touched {
		name, _, _ := strings.Cut(id, "|")
		names[name] = true
	}
	for _, name := range slices.Sorted(mapKeys(names)) {
		sets := byName[name]
		slices.SortFunc(sets, func(a, b *ResourceRecordSet) int { return strings.Compare(identity(a), identity(b)) })
		for _, s := range sets {
			if s.Type != "CNAME" {
				continue
			}
			if name == b.apex.stored {
				b.problems = append(b.problems, fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s", name, b.apex.stored))
			} else if slices.ContainsFunc(sets, func(o *ResourceRecordSet) bool { return o.Type != "CNAME" }) {
				b.problems = append(b.problems, fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted as it conflicts with other records with the same DNS name in zone %s", name, b.apex.stored))
			}
			break
		}
		b.checkPolicies(sets)
	}
}

func (b *batch) checkPolicies(sets []*ResourceRecordSet) {
	byType := map[string][]*ResourceRecordSet{}
	for _, s := range sets {
		byType[s.Type] = append(byType[s.Type], s)
	}
	for _, typ := range slices.Sorted(mapKeys(byType)) {
		group := byType[typ]
		// The sets the batch left alone set the policy; the first the
		// batch wrote does when it wrote them all.
		ref := group[0]
		for _, s := range group {
			if !b.touched[identity(s)] {
				ref = s
				break
			}
		}
		for _, s := range group {
			p := policy(s)
			if p == policy(ref) || !b.touched[identity(s)] {
				continue
			}
			if p == "simple" {
				b.problems = append(b.problems, fmt.Sprintf("RRSet with DNS name %s, type %s cannot be created as %s sets exist with the same name and type.", s.Name, s.Type, policy(ref)))
			} else {
				b.problems = append(b.problems, fmt.Sprintf("RRSet with DNS name %s, type %s, SetIdentifier %s cannot be created as a non-%s set exists with the same name and type.", s.Name, s.Type, s.SetIdentifier, p))
			}
			break
		}
		failover := map[string]bool{}
		for _, s := range group {
			if s.Failover == "" {
				continue
			}
			if failover[s.Failover] {
				b.problems = append(b.problems, fmt.Sprintf("RRSet with DNS name %s, type %s, SetIdentifier %s cannot be created as a %s set already exists with the same name and type.", s.Name, s.Type, s.SetIdentifier, s.Failover))
			}
			failover[s.Failover] = true
		}
	}
}

// policy names a set's routing policy.
func policy(s *ResourceRecordSet) string {
	switch {
	case s.Weight != nil:
		return "weighted"
	case s.Failover != "":
		return "failover"
	case s.MultiValueAnswer != nil:
		return "multivalue answer"
	}
	return "simple"
}

// checkAliases checks the alias targets of the sets the batch wrote,
// against the end state for targets in this zone.
func (b *batch) checkAliases(alias aliasCheck) {
	for _, id := range slices.Sorted(mapKeys(b.touched)) {
		s := b.sets[id]
		if s == nil || s.AliasTarget == nil {
			continue
		}
		target, _ := parseName(s.AliasTarget.DNSName)
		zone := bareZoneID(s.AliasTarget.HostedZoneId)
		var known, within, exists bool
		if zone == b.zoneID {
			known, within = true, target.within(b.apex)
			exists = slices.ContainsFunc(slices.Collect(mapValues(b.sets)), func(o *ResourceRecordSet) bool {
				return o.Name == target.stored && o.Type == s.Type
			})
		} else if alias != nil {
			known, within, exists = alias(zone, target, s.Type)
		}
		switch {
		case !known:
		case !within:
			b.problems = append(b.problems, fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but the alias target name does not lie within the target zone", target.stored, s.Type, zone))
		case !exists:
			b.problems = append(b.problems, fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but that target was not found", target.stored, s.Type, zone))
		}
	}
}

// sameSet reports whether a DELETE names the set as it is: the same TTL,
// routing, alias target and values (in any order, compared as DNS data).
func sameSet(cur, del *ResourceRecordSet) bool {
	if !eqPtr(cur.TTL, del.TTL) || !eqPtr(cur.Weight, del.Weight) || !eqPtr(cur.MultiValueAnswer, del.MultiValueAnswer) ||
		cur.Failover != del.Failover || cur.HealthCheckId != del.HealthCheckId {
		return false
	}
	if (cur.AliasTarget == nil) != (del.AliasTarget == nil) {
		return false
	}
	if a, d := cur.AliasTarget, del.AliasTarget; a != nil && *a != *d {
		return false
	}
	return slices.Equal(canonicalValues(cur), canonicalValues(del))
}

func eqPtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// canonicalValues are a set's values as DNS data, lower-cased and sorted,
// so that "www.example.com" and "WWW.example.com." are the same value.
func canonicalValues(s *ResourceRecordSet) []string {
	rrtype := recordTypes[s.Type]
	out := make([]string, 0, len(s.ResourceRecords))
	for _, r := range s.ResourceRecords {
		v := r.Value
		if rr, p := parseValue(".", rrtype, 0, v); p == nil {
			v = strings.TrimPrefix(rr.String(), rr.Header().String())
		}
		out = append(out, strings.ToLower(v))
	}
	slices.Sort(out)
	return out
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func mapValues[K comparable, V any](m map[K]V) func(func(V) bool) {
	return func(yield func(V) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// changeContext names a change in the words of Route 53's InvalidInput
// messages.
func changeContext(ch Change, name string) string {
	id := "null"
	if ch.ResourceRecordSet.SetIdentifier != "" {
		id = ch.ResourceRecordSet.SetIdentifier
	}
	return fmt.Sprintf("Change with [Action=%s, Name=%s, Type=%s, SetIdentifier=%s]", ch.Action, name, ch.ResourceRecordSet.Type, id)
}

// normalizeSet checks one change's set and returns it as stored: the name
// in stored form, values trimmed, an alias target's name lower-cased with
// its final dot. A malformed change is an error; a set Route 53 would
// refuse in a batch is a problem.
func normalizeSet(ch Change, apex dnsName) (*ResourceRecordSet, string, error) {
	in := ch.ResourceRecordSet
	switch ch.Action {
	case ActionCreate, ActionDelete, ActionUpsert:
	default:
		return nil, "", invalidInput("Invalid XML ; cvc-enumeration-valid: Value '%s' is not facet-valid with respect to enumeration '[CREATE, DELETE, UPSERT]'. It must be a value from the enumeration.", ch.Action)
	}
	rrtype, ok := recordTypes[in.Type]
	if !ok {
		if strings.Contains(typeEnumeration, " "+in.Type+",") || strings.Contains(typeEnumeration, " "+in.Type+"]") {
			return nil, "", invalidInput("Portolan does not support record sets of type %s", in.Type)
		}
		return nil, "", invalidInput("Invalid XML ; cvc-enumeration-valid: Value '%s' is not facet-valid with respect to enumeration '%s'. It must be a value from the enumeration.", in.Type, typeEnumeration)
	}
	name, p := parseName(in.Name)
	if p != nil {
		return nil, fmt.Sprintf("FATAL problem: %s (%s) encountered with '%s'", p.code, p.text, in.Name), nil
	}
	if err := checkShape(ch, name.stored); err != nil {
		return nil, "", err
	}
	if !name.within(apex) {
		return nil, fmt.Sprintf("RRSet with DNS name %s is not permitted in zone %s", name.stored, apex.stored), nil
	}
	out := in
	out.Name = name.stored
	if in.AliasTarget != nil {
		target, p := parseName(in.AliasTarget.DNSName)
		if p != nil {
			return nil, fmt.Sprintf("FATAL problem: %s (%s) encountered with '%s'", p.code, p.text, in.AliasTarget.DNSName), nil
		}
		alias := *in.AliasTarget
		alias.DNSName, alias.HostedZoneId = target.stored, bareZoneID(alias.HostedZoneId)
		out.AliasTarget = &alias
		return &out, "", nil
	}
	return &out, valuesProblem(&out, name, rrtype), nil
}

// checkShape refuses what Route 53's schema and rules refuse outright:
// anything but exactly one of an alias target or a TTL with records, a
// routing policy without a set identifier or the other way round, and
// the routing policies Portolan does not serve.
func checkShape(ch Change, name string) error {
	in := ch.ResourceRecordSet
	where := changeContext(ch, name)
	alias, plain := in.AliasTarget != nil, in.TTL != nil || len(in.ResourceRecords) > 0
	switch {
	case in.TrafficPolicyInstanceId != "":
		return invalidInput("Portolan does not support traffic policies (TrafficPolicyInstanceId) in %s", where)
	case in.Region != "" || in.GeoLocation != nil || in.GeoProximityLocation != nil || in.CidrRoutingConfig != nil:
		return invalidInput("Portolan does not support latency, geolocation, geoproximity or IP-based routing in %s", where)
	case alias && plain:
		return invalidInput("Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in %s", where)
	case !alias && (in.TTL == nil || len(in.ResourceRecords) == 0):
		return invalidInput("Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in %s", where)
	case alias && (in.AliasTarget.HostedZoneId == "" || in.AliasTarget.DNSName == ""):
		return invalidInput("Invalid request: AliasTarget needs both HostedZoneId and DNSName in %s", where)
	case in.TTL != nil && (*in.TTL < 0 || *in.TTL > maxTTL):
		return invalidInput("Invalid request: TTL must be from 0 to %d in %s", maxTTL, where)
	}
	policies := 0
	for _, set := range []bool{in.Weight != nil, in.Failover != "", in.MultiValueAnswer != nil} {
		if set {
			policies++
		}
	}
	switch {
	case len(in.SetIdentifier) > maxSetID:
		return invalidInput("Invalid request: SetIdentifier must be at most %d characters in %s", maxSetID, where)
	case in.SetIdentifier != "" && policies == 0:
		return invalidInput("Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found none in %s", where)
	case policies > 1:
		return invalidInput("Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found more than one in %s", where)
	case policies == 1 && in.SetIdentifier == "":
		return invalidInput("Invalid request: Missing field 'SetIdentifier' in %s", where)
	case in.Weight != nil && (*in.Weight < 0 || *in.Weight > 255):
		return invalidInput("Invalid request: Weight must be from 0 to 255 in %s", where)
	case in.Failover != "" && in.Failover != "PRIMARY" && in.Failover != "SECONDARY":
		return invalidInput("Invalid XML ; cvc-enumeration-valid: Value '%s' is not facet-valid with respect to enumeration '[PRIMARY, SECONDARY]'. It must be a value from the enumeration.", in.Failover)
	}
	return nil
}

// valuesProblem checks a set's values (each in its type's format, no
// duplicates, one value for CNAME and SOA) and trims them.
func valuesProblem(s *ResourceRecordSet, name dnsName, rrtype uint16) string {
	if (rrtype == mdns.TypeCNAME || rrtype == mdns.TypeSOA) && len(s.ResourceRecords) > 1 {
		return fmt.Sprintf("RRSet of type %s with DNS name %s has more than one value", s.Type, s.Name)
	}
	values := make([]ResourceRecord, len(s.ResourceRecords))
	seen := map[string]bool{}
	for i, r := range s.ResourceRecords {
		v := strings.TrimSpace(r.Value)
		rr, p := parseValue(name.presentation(), rrtype, uint32(*s.TTL), v)
		if p != nil {
			return p.message()
		}
		canon := strings.ToLower(rr.String())
		if seen[canon] {
			return fmt.Sprintf("Duplicate Resource Record: '%s'", v)
		}
		seen[canon] = true
		values[i] = ResourceRecord{v}
	}
	s.ResourceRecords = values
	return ""
}
