package stack

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/route53"
)

// Route 53 resources, created through the same operations the wire
// serves. A hosted zone's Ref is its id (Z…); a record set's is its name;
// a record set group's a generated name. Record sets are deleted as they
// are when the stack deletes them, so that a change made outside the
// stack does not make the delete fail.

// r53Props are the properties of AWS::Route53::HostedZone.
type r53Props struct {
	Name             string
	HostedZoneConfig *struct{ Comment string }
	HostedZoneTags   []route53.Tag
	VPCs             []route53.VPC
}

type r53HostedZone struct{ c *route53.Control }

func (h r53HostedZone) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p r53Props
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	in := &route53.CreateHostedZoneInput{Name: p.Name, CallerReference: creatorRequestID(r)}
	if p.HostedZoneConfig != nil {
		in.HostedZoneConfig = &route53.HostedZoneConfig{Comment: p.HostedZoneConfig.Comment}
	}
	if len(p.VPCs) > 0 {
		in.VPC = &p.VPCs[0]
	}
	id, nameServers := "", []string{}
	out, err := h.c.CreateHostedZone(ctx, in)
	switch {
	case err == nil:
		id = strings.TrimPrefix(out.HostedZone.Id, "/hostedzone/")
		if out.DelegationSet != nil {
			nameServers = out.DelegationSet.NameServers
		}
	case errors.Is(err, route53.ErrHostedZoneAlreadyExists):
		// A retry of this deploy (after a crash): the zone is the one
		// this caller reference made.
		if id, nameServers, err = h.byCallerReference(ctx, in.CallerReference); err != nil {
			return "", nil, err
		}
	default:
		return "", nil, err
	}
	return created(r, id, map[string]any{"Id": id, "NameServers": nameServers},
		func() error { return h.associate(ctx, id, p.VPCs, nil) },
		func() error { return h.retag(ctx, id, p.HostedZoneTags, nil) })
}

func (h r53HostedZone) byCallerReference(ctx context.Context, ref string) (string, []string, error) {
	list, err := h.c.ListHostedZones(ctx, &route53.ListHostedZonesInput{})
	if err != nil {
		return "", nil, err
	}
	for _, z := range zonesOf(list) {
		if z.CallerReference == ref {
			id := strings.TrimPrefix(z.Id, "/hostedzone/")
			got, err := h.c.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: id})
			if err != nil {
				return "", nil, err
			}
			ns := []string{}
			if got.DelegationSet != nil {
				ns = got.DelegationSet.NameServers
			}
			return id, ns, nil
		}
	}
	return "", nil, route53.ErrHostedZoneAlreadyExists.Newf("A hosted zone has already been created with the caller reference %s", ref)
}

// associate brings a private zone's VPCs to want: new ones first, so that
// a zone never loses its last VPC on the way.
func (h r53HostedZone) associate(ctx context.Context, id string, want, had []route53.VPC) error {
	key := func(v route53.VPC) string { return v.VPCId + "/" + v.VPCRegion }
	for _, v := range want {
		if !slices.ContainsFunc(had, func(o route53.VPC) bool { return key(o) == key(v) }) {
			_, err := h.c.AssociateVPCWithHostedZone(ctx, &route53.AssociateVPCWithHostedZoneInput{HostedZoneId: id, VPC: &v})
			if err != nil && !errors.Is(err, route53.ErrConflictingDomainExists) {
				return err
			}
		}
	}
	for _, v := range had {
		if !slices.ContainsFunc(want, func(o route53.VPC) bool { return key(o) == key(v) }) {
			if _, err := h.c.DisassociateVPCFromHostedZone(ctx, &route53.DisassociateVPCFromHostedZoneInput{HostedZoneId: id, VPC: &v}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (h r53HostedZone) retag(ctx context.Context, id string, want, had []route53.Tag) error {
	var gone []string
	for _, t := range had {
		if !slices.ContainsFunc(want, func(w route53.Tag) bool { return w.Key == t.Key }) {
			gone = append(gone, t.Key)
		}
	}
	// At most 10 of each a call.
	for len(want) > 0 || len(gone) > 0 {
		add, rm := want[:min(10, len(want))], gone[:min(10, len(gone))]
		want, gone = want[len(add):], gone[len(rm):]
		if _, err := h.c.ChangeTagsForResource(ctx, &route53.ChangeTagsForResourceInput{ResourceType: "hostedzone", ResourceId: id,
			AddTags: add, RemoveTagKeys: rm}); err != nil {
			return err
		}
	}
	return nil
}

// Update: a new name, or going between public and private, replaces the
// zone, as in CloudFormation; the comment, VPCs and tags change in place.
func (h r53HostedZone) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was r53Props
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if !strings.EqualFold(strings.TrimSuffix(p.Name, "."), strings.TrimSuffix(was.Name, ".")) || (len(p.VPCs) == 0) != (len(was.VPCs) == 0) {
		return nil, ErrReplace
	}
	comment := ""
	if p.HostedZoneConfig != nil {
		comment = p.HostedZoneConfig.Comment
	}
	if _, err := h.c.UpdateHostedZoneComment(ctx, &route53.UpdateHostedZoneCommentInput{Id: r.PhysicalID, Comment: comment}); err != nil {
		return nil, err
	}
	if err := h.associate(ctx, r.PhysicalID, p.VPCs, was.VPCs); err != nil {
		return nil, err
	}
	return r.Attrs, h.retag(ctx, r.PhysicalID, p.HostedZoneTags, was.HostedZoneTags)
}

func (h r53HostedZone) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: r.PhysicalID})
	return ignoreNotFound(err)
}

func zonesOf(l *route53.ListHostedZonesOutput) []route53.HostedZone { return l.HostedZones.Items() }

// ---- RecordSet and RecordSetGroup ----

// r53RecordSet is a record set as a template writes it: ResourceRecords
// are plain strings, and the zone may be named instead of identified.
type r53RecordSet struct {
	HostedZoneId     string
	HostedZoneName   string
	Name             string
	Type             string
	TTL              *int64
	ResourceRecords  []string
	AliasTarget      *route53.AliasTarget
	SetIdentifier    string
	Weight           *int64
	Failover         string
	MultiValueAnswer *bool
	HealthCheckId    string
}

func (s r53RecordSet) wire() route53.ResourceRecordSet {
	out := route53.ResourceRecordSet{Name: s.Name, Type: s.Type, TTL: s.TTL, AliasTarget: s.AliasTarget, SetIdentifier: s.SetIdentifier,
		Weight: s.Weight, Failover: s.Failover, MultiValueAnswer: s.MultiValueAnswer, HealthCheckId: s.HealthCheckId}
	for _, v := range s.ResourceRecords {
		out.ResourceRecords = append(out.ResourceRecords, route53.ResourceRecord{Value: v})
	}
	return out
}

// sameIdentity reports whether two sets name the same record set.
func (s r53RecordSet) sameIdentity(o r53RecordSet) bool {
	return strings.EqualFold(strings.TrimSuffix(s.Name, "."), strings.TrimSuffix(o.Name, ".")) && s.Type == o.Type && s.SetIdentifier == o.SetIdentifier
}

// zoneOf finds the zone a record set names, by id or by name.
func zoneOf(ctx context.Context, c *route53.Control, id, name string) (string, error) {
	if id != "" {
		return strings.TrimPrefix(id, "/hostedzone/"), nil
	}
	want := strings.ToLower(strings.TrimSuffix(name, ".")) + "."
	out, err := c.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: name, MaxItems: "1"})
	if err != nil {
		return "", err
	}
	for _, z := range out.HostedZones.Items() {
		if z.Name == want {
			return strings.TrimPrefix(z.Id, "/hostedzone/"), nil
		}
	}
	return "", route53.ErrNoSuchHostedZone.Newf("No hosted zone found with the name %s", name)
}

// current is the record set as the zone has it now, or nil.
func current(ctx context.Context, c *route53.Control, zone string, s r53RecordSet) (*route53.ResourceRecordSet, error) {
	out, err := c.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: zone, StartRecordName: s.Name,
		StartRecordType: s.Type, StartRecordIdentifier: s.SetIdentifier, MaxItems: "1"})
	if err != nil {
		return nil, err
	}
	for _, got := range out.ResourceRecordSets.Items() {
		if (r53RecordSet{Name: got.Name, Type: got.Type, SetIdentifier: got.SetIdentifier}).sameIdentity(s) {
			return &got, nil
		}
	}
	return nil, nil
}

// change applies one batch to a zone.
func change(ctx context.Context, c *route53.Control, zone, comment string, changes []route53.Change) error {
	if len(changes) == 0 {
		return nil
	}
	_, err := c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone,
		ChangeBatch: route53.ChangeBatch{Comment: comment, Changes: changes}})
	return err
}

// deleteSets deletes the sets that still exist, as they are now.
func deleteSets(ctx context.Context, c *route53.Control, zone string, sets []r53RecordSet) error {
	var changes []route53.Change
	for _, s := range sets {
		got, err := current(ctx, c, zone, s)
		if err != nil {
			return ignoreNotFound(err)
		}
		if got != nil {
			changes = append(changes, route53.Change{Action: route53.ActionDelete, ResourceRecordSet: *got})
		}
	}
	return ignoreNotFound(change(ctx, c, zone, "", changes))
}

type r53RecordSetHandler struct{ c *route53.Control }

func (h r53RecordSetHandler) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var s r53RecordSet
	if err := decodeProps(r.Props, &s); err != nil {
		return "", nil, err
	}
	zone, err := zoneOf(ctx, h.c, s.HostedZoneId, s.HostedZoneName)
	if err != nil {
		return "", nil, err
	}
	if err := change(ctx, h.c, zone, str(r.Props, "Comment"), []route53.Change{{Action: route53.ActionCreate, ResourceRecordSet: s.wire()}}); err != nil {
		return "", nil, err
	}
	return s.Name, map[string]any{"HostedZoneId": zone}, nil
}

// Update: another zone, name, type or set identifier replaces the set;
// anything else is an UPSERT.
func (h r53RecordSetHandler) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var s, was r53RecordSet
	if err := decodeProps(r.Props, &s); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	zone, err := zoneOf(ctx, h.c, s.HostedZoneId, s.HostedZoneName)
	if err != nil {
		return nil, err
	}
	if zone != r.Attrs["HostedZoneId"] || !s.sameIdentity(was) {
		return nil, ErrReplace
	}
	return r.Attrs, change(ctx, h.c, zone, str(r.Props, "Comment"), []route53.Change{{Action: route53.ActionUpsert, ResourceRecordSet: s.wire()}})
}

func (h r53RecordSetHandler) Delete(ctx context.Context, r *Resource) error {
	var s r53RecordSet
	decodeProps(r.Props, &s)
	zone, _ := r.Attrs["HostedZoneId"].(string)
	return deleteSets(ctx, h.c, zone, []r53RecordSet{s})
}

// r53GroupProps are the properties of AWS::Route53::RecordSetGroup.
type r53GroupProps struct {
	HostedZoneId   string
	HostedZoneName string
	Comment        string
	RecordSets     []r53RecordSet
}

type r53RecordSetGroup struct{ c *route53.Control }

func (h r53RecordSetGroup) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p r53GroupProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	zone, err := zoneOf(ctx, h.c, p.HostedZoneId, p.HostedZoneName)
	if err != nil {
		return "", nil, err
	}
	var changes []route53.Change
	for _, s := range p.RecordSets {
		changes = append(changes, route53.Change{Action: route53.ActionCreate, ResourceRecordSet: s.wire()})
	}
	if err := change(ctx, h.c, zone, p.Comment, changes); err != nil {
		return "", nil, err
	}
	return generatedName(r, 64), map[string]any{"HostedZoneId": zone}, nil
}

// Update: another zone replaces the group; otherwise one batch deletes
// the sets the template no longer has and upserts the rest.
func (h r53RecordSetGroup) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was r53GroupProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	zone, err := zoneOf(ctx, h.c, p.HostedZoneId, p.HostedZoneName)
	if err != nil {
		return nil, err
	}
	if zone != r.Attrs["HostedZoneId"] {
		return nil, ErrReplace
	}
	var changes []route53.Change
	for _, s := range was.RecordSets {
		if slices.ContainsFunc(p.RecordSets, s.sameIdentity) {
			continue
		}
		got, err := current(ctx, h.c, zone, s)
		if err != nil {
			return nil, err
		}
		if got != nil {
			changes = append(changes, route53.Change{Action: route53.ActionDelete, ResourceRecordSet: *got})
		}
	}
	for _, s := range p.RecordSets {
		changes = append(changes, route53.Change{Action: route53.ActionUpsert, ResourceRecordSet: s.wire()})
	}
	return r.Attrs, change(ctx, h.c, zone, p.Comment, changes)
}

func (h r53RecordSetGroup) Delete(ctx context.Context, r *Resource) error {
	var p r53GroupProps
	decodeProps(r.Props, &p)
	zone, _ := r.Attrs["HostedZoneId"].(string)
	return deleteSets(ctx, h.c, zone, p.RecordSets)
}
