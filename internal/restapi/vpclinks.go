package restapi

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type CreateVpcLinkInput struct {
	Description *string           `json:"description,omitempty"`
	Name        *string           `json:"name,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	TargetArns  []string          `json:"targetArns,omitempty"`
}

// VpcLinkRef names a VPC link.
type VpcLinkRef struct {
	VpcLinkId string `json:"-"`
}

type UpdateVpcLinkInput struct {
	VpcLinkId string `json:"-"`
	PatchInput
}

// LoadBalancers is what VPC links need of Elastic Load Balancing: the type
// ("network", "application") of the load balancer an ARN names, found
// false when there is none. The server hands in an adapter over
// elbv2.Control; without one, every link becomes AVAILABLE.
type LoadBalancers interface {
	LoadBalancerType(ctx context.Context, arn string) (typ string, found bool, err error)
}

// Status messages of a VPC link.
const (
	vpcLinkPendingMessage   = "VPC link is provisioning ENIs"
	vpcLinkAvailableMessage = "Your vpc link is ready to route traffic"
)

func vpcLinkNotFound() error { return notFound("Invalid VPC link identifier specified") }

// CreateVpcLink creates a link to one Network Load Balancer. It starts
// PENDING, as on AWS; the link reconciler (Run) makes it AVAILABLE once it
// has found the load balancer, or FAILED.
func (c *Control) CreateVpcLink(ctx context.Context, in *CreateVpcLinkInput) (*VpcLink, error) {
	l := &VpcLink{
		Description:   strOr(in.Description, ""),
		Id:            awsapi.RandomID(6),
		Name:          strOr(in.Name, ""),
		Status:        VpcLinkPending,
		StatusMessage: vpcLinkPendingMessage,
		Tags:          in.Tags,
		TargetArns:    in.TargetArns,
	}
	if l.Name == "" {
		return nil, badRequest("Invalid VPC link name specified: a name is required")
	}
	if len(l.TargetArns) != 1 {
		return nil, badRequest("A VPC link takes exactly one target ARN: the Network Load Balancer's")
	}
	if a, ok := awsapi.ParseARN(l.TargetArns[0]); !ok || a.Service != "elasticloadbalancing" || !strings.HasPrefix(a.Resource, "loadbalancer/net/") {
		return nil, badRequest("Invalid target ARN specified: %s is not a Network Load Balancer ARN", l.TargetArns[0])
	}
	if err := checkTags(l.Tags); err != nil {
		return nil, err
	}
	err := c.commit(ctx, func() (store.Txn, error) {
		return store.Txn{If: []store.Cmp{store.Absent(vpcLinkKey(l.Id))}, Then: []store.Op{store.Put(vpcLinkKey(l.Id), store.JSON(l))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (c *Control) getVpcLink(ctx context.Context, id string) (*VpcLink, store.KV, error) {
	if id == "" || strings.Contains(id, "/") {
		return nil, store.KV{}, vpcLinkNotFound()
	}
	l, kv, err := store.GetJSON[VpcLink](ctx, c.st, vpcLinkKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, vpcLinkNotFound()
	}
	return l, kv, err
}

// GetVpcLink returns a VPC link.
func (c *Control) GetVpcLink(ctx context.Context, in *VpcLinkRef) (*VpcLink, error) {
	l, _, err := c.getVpcLink(ctx, in.VpcLinkId)
	return l, err
}

// GetVpcLinks lists the VPC links in id order.
func (c *Control) GetVpcLinks(ctx context.Context, in *PageInput) (*Page[*VpcLink], error) {
	links, _, err := listJSON[VpcLink](ctx, c.st, kindPrefix(kindVpcLink))
	if err != nil {
		return nil, err
	}
	return page(links, func(l *VpcLink) string { return l.Id }, *in)
}

var vpcLinkPatch = []patchRule[VpcLink]{
	{"/name", "replace", setString(func(l *VpcLink) *string { return &l.Name })},
	{"/description", "replace remove", setString(func(l *VpcLink) *string { return &l.Description })},
}

// UpdateVpcLink renames or redescribes a VPC link.
func (c *Control) UpdateVpcLink(ctx context.Context, in *UpdateVpcLinkInput) (*VpcLink, error) {
	var out *VpcLink
	err := c.commit(ctx, func() (store.Txn, error) {
		l, kv, err := c.getVpcLink(ctx, in.VpcLinkId)
		if err != nil {
			return store.Txn{}, err
		}
		if err := applyPatch(l, in.PatchOperations, vpcLinkPatch); err != nil {
			return store.Txn{}, err
		}
		if l.Name == "" {
			return store.Txn{}, badRequest("Invalid VPC link name specified: a name is required")
		}
		out = l
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(l))}}, nil
	})
	return out, err
}

// DeleteVpcLink deletes a VPC link no integration uses.
func (c *Control) DeleteVpcLink(ctx context.Context, in *VpcLinkRef) error {
	return c.commit(ctx, func() (store.Txn, error) {
		_, kv, err := c.getVpcLink(ctx, in.VpcLinkId)
		if err != nil {
			return store.Txn{}, err
		}
		recs, apiKVs, err := listJSON[apiRecord](ctx, c.st, kindPrefix(kindAPI))
		if err != nil {
			return store.Txn{}, err
		}
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}
		for i, rec := range recs {
			if users := vpcLinkUsers(rec, in.VpcLinkId); len(users) > 0 {
				return store.Txn{}, badRequest("Cannot delete vpc link. Vpc link '%s', is referenced in [%s] in format of [Method:Resource].", in.VpcLinkId, strings.Join(users, ", "))
			}
			// An integration set to use the link meanwhile fails this compare.
			txn.If = append(txn.If, store.Unchanged(apiKVs[i]))
		}
		return txn, nil
	})
}

// vpcLinkUsers lists the methods ("GET:resourceId") whose integration uses
// the link.
func vpcLinkUsers(rec *apiRecord, linkID string) []string {
	var users []string
	for _, r := range sortedResources(rec) {
		for _, verb := range sortedKeys(r.ResourceMethods) {
			if i := r.ResourceMethods[verb].MethodIntegration; i != nil && i.ConnectionType == ConnectionVpcLink && i.ConnectionId == linkID {
				users = append(users, verb+":"+r.Id)
			}
		}
	}
	return users
}

// vpcLinkResync is how often PENDING links are looked at again when the
// load balancer lookup failed (the store watch covers every other change).
const vpcLinkResync = time.Second

// runVpcLinks is the VPC link reconciler: on every change to the links,
// each PENDING link becomes AVAILABLE if its target is an existing Network
// Load Balancer, FAILED with a message otherwise. Level-triggered: it
// recomputes from the stored links every time, and a lookup error leaves
// the link PENDING for the next pass.
func (c *Control) runVpcLinks(ctx context.Context) error {
	return store.Follow(ctx, c.st, kindPrefix(kindVpcLink), time.Minute, c.log, func(ctx context.Context, u store.Update) time.Time {
		if c.resolveVpcLinks(ctx) {
			return time.Now().Add(vpcLinkResync)
		}
		return time.Time{}
	})
}

// resolveVpcLinks takes one step on every PENDING link; it reports
// whether some link is still pending after it.
func (c *Control) resolveVpcLinks(ctx context.Context) (pending bool) {
	links, kvs, err := listJSON[VpcLink](ctx, c.st, kindPrefix(kindVpcLink))
	if err != nil {
		c.log.Warn("listing VPC links", "err", err)
		return true
	}
	for i, l := range links {
		if l.Status != VpcLinkPending {
			continue
		}
		status, msg, err := c.vpcLinkStatus(ctx, l)
		if err != nil {
			c.log.Warn("looking up a VPC link's load balancer", "vpcLinkId", l.Id, "err", err)
			pending = true
			continue
		}
		l.Status, l.StatusMessage = status, msg
		_, err = c.st.Commit(ctx, store.Txn{If: []store.Cmp{store.Unchanged(kvs[i])}, Then: []store.Op{store.Put(kvs[i].Key, store.JSON(l))}})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			c.log.Warn("updating a VPC link's status", "vpcLinkId", l.Id, "err", err)
			pending = true
		}
	}
	return pending
}

func (c *Control) vpcLinkStatus(ctx context.Context, l *VpcLink) (status, message string, err error) {
	if c.cfg.LoadBalancers == nil {
		return VpcLinkAvailable, vpcLinkAvailableMessage, nil
	}
	arn := l.TargetArns[0]
	typ, found, err := c.cfg.LoadBalancers.LoadBalancerType(ctx, arn)
	switch {
	case err != nil:
		return "", "", err
	case !found:
		return VpcLinkFailed, "NLB ARN is malformed or does not exist: " + arn, nil
	case typ != "network":
		return VpcLinkFailed, "The load balancer " + arn + " is not a Network Load Balancer", nil
	}
	return VpcLinkAvailable, vpcLinkAvailableMessage, nil
}
