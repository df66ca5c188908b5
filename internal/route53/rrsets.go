package route53

import (
	"context"
	"encoding/xml"
	"errors"
	"strings"

	"github.com/portolan/portolan/internal/store"
)

// maxSetsPage is how many record sets ListResourceRecordSets answers at
// most.
const maxSetsPage = 300

type ChangeResourceRecordSetsInput struct {
	XMLName      xml.Name `xml:"ChangeResourceRecordSetsRequest"`
	HostedZoneId string   `xml:"-" uri:"HostedZoneId"`
	ChangeBatch  ChangeBatch
}

type ChangeBatch struct {
	Comment string
	Changes []Change `xml:"Changes>Change"`
}

type Change struct {
	Action            string
	ResourceRecordSet ResourceRecordSet
}

type ChangeResourceRecordSetsOutput struct{ ChangeInfo ChangeInfo }

// ChangeResourceRecordSets applies a batch atomically: every change, or
// none of them.
func (c *Control) ChangeResourceRecordSets(ctx context.Context, in *ChangeResourceRecordSetsInput) (*ChangeResourceRecordSetsOutput, error) {
	id := bareZoneID(in.HostedZoneId)
	if z := c.linkedZoneByID(id); z != nil {
		return nil, managedByCloudMap(id, z.ns.Arn)
	}
	if len(in.ChangeBatch.Comment) > maxComment {
		return nil, invalidInput("Comment must be at most %d characters", maxComment)
	}
	change, changeOp := newChange(in.ChangeBatch.Comment)
	err := c.commit(ctx, func() (store.Txn, error) {
		rec, _, err := store.GetJSON[zoneRecord](ctx, c.st, zoneKey(id))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, noSuchHostedZone(id)
		}
		if err != nil {
			return store.Txn{}, err
		}
		ver, err := c.st.Get(ctx, zoneVersionKey(id))
		if err != nil {
			return store.Txn{}, err
		}
		apex, _ := parseName(rec.Name)
		// The batch's rules look at the names it changes and the names its
		// aliases into this zone target: read the sets there, not the
		// whole zone, so that a batch costs what it changes.
		current := map[string]*ResourceRecordSet{}
		for _, name := range batchNames(in.ChangeBatch.Changes, id) {
			kvs, _, err := c.st.List(ctx, zoneSetsPrefix(id)+name+"|")
			if err != nil {
				return store.Txn{}, err
			}
			for _, kv := range kvs {
				if s := store.DecodeJSON[ResourceRecordSet](kv.Value); s != nil {
					current[identity(s)] = s
				}
			}
		}
		b, err := planBatch(id, apex, current, in.ChangeBatch.Changes, c.aliasCheck)
		if err != nil {
			return store.Txn{}, err
		}
		// Comparing on the zone's version serializes batches: everything
		// read above is what the batch applies to.
		ops := []store.Op{store.Put(zoneVersionKey(id), nil), changeOp}
		for key := range b.touched {
			s := b.sets[key]
			if s == nil {
				old := current[key]
				ops = append(ops, store.Delete(rrsetKey(id, old)))
			} else {
				ops = append(ops, store.Put(rrsetKey(id, s), store.JSON(s)))
			}
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(ver)}, Then: ops}, nil
	})
	if err != nil {
		return nil, err
	}
	info, err := c.committedChange(ctx, change)
	if err != nil {
		return nil, err
	}
	return &ChangeResourceRecordSetsOutput{ChangeInfo: info}, nil
}

// batchNames are the stored names a batch's rules read: those of its sets,
// and those of the targets of its aliases into zone zoneID.
func batchNames(changes []Change, zoneID string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(raw string) {
		if n, p := parseName(raw); p == nil && !seen[n.stored] {
			seen[n.stored] = true
			out = append(out, n.stored)
		}
	}
	for _, ch := range changes {
		add(ch.ResourceRecordSet.Name)
		if a := ch.ResourceRecordSet.AliasTarget; a != nil && bareZoneID(a.HostedZoneId) == zoneID {
			add(a.DNSName)
		}
	}
	return out
}

// aliasCheck vouches for alias targets in the other hosted zones here
// (Route 53's and Cloud Map's) and, through Config.Aliases, for names of
// other services (a load balancer's); any other zone is not checked.
func (c *Control) aliasCheck(zoneID string, name dnsName, rrtype string) (known, within, exists bool) {
	var apex string
	var sets []*SetState
	if z := c.snapshot().Zone(zoneID); z != nil {
		apex, sets = z.rec.Name, z.Sets
	} else if z := c.linkedZoneByID(zoneID); z != nil {
		apex, sets = z.hostedZone().Name, z.sets
	}
	if apex != "" {
		a, _ := parseName(apex)
		if !name.within(a) {
			return true, false, false
		}
		for _, s := range sets {
			if s.Name == name.stored && s.Type == rrtype {
				return true, true, true
			}
		}
		return true, true, false
	}
	// An ELB alias may name dualstack.<the load balancer's name>.
	plain := strings.TrimPrefix(name.presentation(), "dualstack.")
	for _, a := range c.cfg.Aliases {
		if known, exists := a.AliasTarget(plain); known {
			return true, true, exists
		}
	}
	return false, false, false
}

type ListResourceRecordSetsInput struct {
	HostedZoneId          string `uri:"HostedZoneId"`
	StartRecordName       string `query:"name"`
	StartRecordType       string `query:"type"`
	StartRecordIdentifier string `query:"identifier"`
	MaxItems              string `query:"maxitems"`
}

type ListResourceRecordSetsOutput struct {
	ResourceRecordSets   list[ResourceRecordSet]
	IsTruncated          bool
	NextRecordName       string `xml:",omitempty"`
	NextRecordType       string `xml:",omitempty"`
	NextRecordIdentifier string `xml:",omitempty"`
	MaxItems             int
}

// ListResourceRecordSets lists a zone's sets by name with its labels
// reversed, then type, then set identifier, from the start given on.
func (c *Control) ListResourceRecordSets(ctx context.Context, in *ListResourceRecordSetsInput) (*ListResourceRecordSetsOutput, error) {
	id := bareZoneID(in.HostedZoneId)
	maxItems, err := parseMaxItems(in.MaxItems, maxSetsPage)
	if err != nil {
		return nil, err
	}
	if in.StartRecordType != "" && in.StartRecordName == "" {
		return nil, invalidInput("The input is not valid: StartRecordType needs StartRecordName")
	}
	if in.StartRecordIdentifier != "" && in.StartRecordType == "" {
		return nil, invalidInput("The input is not valid: StartRecordIdentifier needs StartRecordType")
	}
	var sets []*SetState
	if z := c.snapshot().Zone(id); z != nil {
		sets = z.Sets
	} else if z := c.linkedZoneByID(id); z != nil {
		sets = z.sets
	} else {
		return nil, noSuchHostedZone(id)
	}
	var start setOrder
	if in.StartRecordName != "" {
		n, p := parseName(in.StartRecordName)
		if p != nil {
			return nil, ErrInvalidDomainName.Newf("%s is not a valid domain name", in.StartRecordName)
		}
		start = setOrder{sortKey(n.stored), in.StartRecordType, in.StartRecordIdentifier}
	}
	out := &ListResourceRecordSetsOutput{MaxItems: maxItems}
	var page []ResourceRecordSet
	for _, s := range sets {
		if compareOrder(s.order, start) < 0 {
			continue
		}
		if len(page) == maxItems {
			out.IsTruncated, out.NextRecordName, out.NextRecordType, out.NextRecordIdentifier = true, s.Name, s.Type, s.SetIdentifier
			break
		}
		page = append(page, s.ResourceRecordSet)
	}
	out.ResourceRecordSets = listOf("ResourceRecordSet", page)
	return out, nil
}
