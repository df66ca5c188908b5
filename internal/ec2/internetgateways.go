package ec2

import (
	"context"
	"slices"

	"github.com/portolan/portolan/internal/store"
)

// InternetGateway is a gateway as DescribeInternetGateways reports it.
type InternetGateway struct {
	InternetGatewayId string
	OwnerId           string
	Attachments       []InternetGatewayAttachment `ec2:"attachmentSet"`
	Tags              []Tag                       `ec2:"tagSet"`
}

// InternetGatewayAttachment is the VPC a gateway is attached to.
type InternetGatewayAttachment struct {
	VpcId string
	State string
}

type internetGatewayRecord struct{ InternetGateway }

func (g *internetGatewayRecord) attachedTo(vpcID string) bool {
	return slices.ContainsFunc(g.Attachments, func(a InternetGatewayAttachment) bool { return a.VpcId == vpcID })
}

type CreateInternetGatewayInput struct {
	DryRun            *bool
	TagSpecifications []TagSpecification `ec2:"TagSpecification"`
}

type CreateInternetGatewayOutput struct{ InternetGateway *InternetGateway }

type DescribeInternetGatewaysInput struct {
	DryRun             *bool
	InternetGatewayIds []string `ec2:"InternetGatewayId"`
	Filters            []Filter `ec2:"Filter"`
	MaxResults         *int32
	NextToken          *string
}

type DescribeInternetGatewaysOutput struct {
	InternetGateways []InternetGateway `ec2:"internetGatewaySet"`
	NextToken        *string
}

type InternetGatewayVpcInput struct {
	DryRun            *bool
	InternetGatewayId *string
	VpcId             *string
}

type DeleteInternetGatewayInput struct {
	DryRun            *bool
	InternetGatewayId *string
}

type ReturnOutput struct{ Return bool }

func igwNotFound(id string) error {
	return ErrInternetGatewayNotFound.Newf("The internetGateway ID '%s' does not exist", id)
}

// CreateInternetGateway makes a gateway, attached to nothing.
func (c *Control) CreateInternetGateway(ctx context.Context, in *CreateInternetGatewayInput) (*CreateInternetGatewayOutput, error) {
	tags, err := tagsFor(in.TagSpecifications, "internet-gateway")
	if err != nil {
		return nil, err
	}
	if isTrue(in.DryRun) {
		return nil, errDryRun
	}
	g := &internetGatewayRecord{InternetGateway{InternetGatewayId: newID("igw-"), OwnerId: c.cfg.AccountID, Attachments: []InternetGatewayAttachment{}, Tags: tags}}
	err = c.write(ctx, func() (store.Txn, error) {
		return store.Txn{If: []store.Cmp{store.Absent(igwKey(g.InternetGatewayId))}, Then: []store.Op{store.Put(igwKey(g.InternetGatewayId), store.JSON(g))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateInternetGatewayOutput{InternetGateway: &g.InternetGateway}, nil
}

func (c *Control) existingIGW(ctx context.Context, id *string) (*internetGatewayRecord, store.KV, error) {
	if id == nil {
		return nil, store.KV{}, missing("InternetGatewayId")
	}
	if !validID(*id, "igw-") {
		return nil, store.KV{}, malformed(ErrInternetGatewayIDMalformed, *id)
	}
	r, kv, err := getRecord[internetGatewayRecord](ctx, c.st, igwKey(*id))
	if err == nil && r == nil {
		err = igwNotFound(*id)
	}
	return r, kv, err
}

// AttachInternetGateway attaches a gateway to a VPC: one gateway a VPC,
// one VPC a gateway.
func (c *Control) AttachInternetGateway(ctx context.Context, in *InternetGatewayVpcInput) (*ReturnOutput, error) {
	if in.VpcId == nil {
		return nil, missing("VpcId")
	}
	err := c.write(ctx, func() (store.Txn, error) {
		g, kv, err := c.existingIGW(ctx, in.InternetGatewayId)
		if err != nil {
			return store.Txn{}, err
		}
		_, vkv, err := c.existingVpc(ctx, *in.VpcId)
		if err != nil {
			return store.Txn{}, err
		}
		if len(g.Attachments) > 0 {
			return store.Txn{}, ErrAlreadyAssociated.Newf("resource %s is already attached to network %s", g.InternetGatewayId, g.Attachments[0].VpcId)
		}
		igws, err := listRecords[internetGatewayRecord](ctx, c.st, igwPrefix)
		if err != nil {
			return store.Txn{}, err
		}
		if i := slices.IndexFunc(igws, func(o *internetGatewayRecord) bool { return o.attachedTo(*in.VpcId) }); i >= 0 {
			return store.Txn{}, ErrAlreadyAssociated.Newf("Network %s already has an internet gateway attached", *in.VpcId)
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		g.Attachments = []InternetGatewayAttachment{{VpcId: *in.VpcId, State: "available"}}
		var txn store.Txn
		putIfUnchanged(&txn, kv, g)
		touch(&txn, vkv)
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}

// DetachInternetGateway detaches a gateway from its VPC. A public NAT
// gateway still in the VPC maps public addresses through it: AWS refuses.
func (c *Control) DetachInternetGateway(ctx context.Context, in *InternetGatewayVpcInput) (*ReturnOutput, error) {
	if in.VpcId == nil {
		return nil, missing("VpcId")
	}
	err := c.write(ctx, func() (store.Txn, error) {
		g, kv, err := c.existingIGW(ctx, in.InternetGatewayId)
		if err != nil {
			return store.Txn{}, err
		}
		if !g.attachedTo(*in.VpcId) {
			return store.Txn{}, ErrGatewayNotAttached.Newf("resource %s is not attached to network %s", g.InternetGatewayId, *in.VpcId)
		}
		nats, err := listRecords[natGatewayRecord](ctx, c.st, natPrefix)
		if err != nil {
			return store.Txn{}, err
		}
		if slices.ContainsFunc(nats, func(n *natGatewayRecord) bool {
			return n.VpcId == *in.VpcId && n.DeleteTime == nil && n.ConnectivityType == "public"
		}) {
			return store.Txn{}, ErrDependencyViolation.Newf("Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", *in.VpcId)
		}
		_, vkv, err := c.vpc(ctx, *in.VpcId)
		if err != nil {
			return store.Txn{}, err
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		g.Attachments = []InternetGatewayAttachment{}
		var txn store.Txn
		putIfUnchanged(&txn, kv, g)
		touch(&txn, vkv)
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}

var igwFilters = []string{"internet-gateway-id", "attachment.vpc-id", "attachment.state", "owner-id", "tag-key", "tag:"}

func igwFilterValues(g *internetGatewayRecord, name string) []string {
	var out []string
	switch name {
	case "internet-gateway-id":
		return []string{g.InternetGatewayId}
	case "owner-id":
		return []string{g.OwnerId}
	case "attachment.vpc-id":
		for _, a := range g.Attachments {
			out = append(out, a.VpcId)
		}
		return out
	case "attachment.state":
		for _, a := range g.Attachments {
			out = append(out, a.State)
		}
		return out
	}
	return tagFilterValues(g.Tags, name)
}

// DescribeInternetGateways lists gateways by id, filtered, a page at a time.
func (c *Control) DescribeInternetGateways(ctx context.Context, in *DescribeInternetGatewaysInput) (*DescribeInternetGatewaysOutput, error) {
	igws, next, err := describe(ctx, c, describer[internetGatewayRecord, InternetGateway]{
		prefix: igwPrefix, filters: igwFilters, values: igwFilterValues, notFound: igwNotFound,
		id:     func(r *internetGatewayRecord) string { return r.InternetGatewayId },
		render: func(r *internetGatewayRecord) InternetGateway { return r.InternetGateway },
	}, describeQuery{in.DryRun, in.InternetGatewayIds, in.Filters, in.MaxResults, in.NextToken})
	if err != nil {
		return nil, err
	}
	return &DescribeInternetGatewaysOutput{InternetGateways: igws, NextToken: next}, nil
}

// DeleteInternetGateway deletes a detached gateway.
func (c *Control) DeleteInternetGateway(ctx context.Context, in *DeleteInternetGatewayInput) (*ReturnOutput, error) {
	err := c.write(ctx, func() (store.Txn, error) {
		g, kv, err := c.existingIGW(ctx, in.InternetGatewayId)
		if err != nil {
			return store.Txn{}, err
		}
		if len(g.Attachments) > 0 {
			return store.Txn{}, ErrDependencyViolation.Newf("The internetGateway '%s' has dependencies and cannot be deleted.", g.InternetGatewayId)
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		var txn store.Txn
		deleteIfUnchanged(&txn, kv)
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}
