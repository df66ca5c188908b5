package apigw

import (
	"context"
	"errors"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type CreateVpcLinkInput struct {
	Name             *string           `json:"name,omitempty"`
	SecurityGroupIds []string          `json:"securityGroupIds,omitempty"`
	SubnetIds        []string          `json:"subnetIds,omitempty"`
	Tags             map[string]string `json:"tags,omitempty"`
}

type UpdateVpcLinkInput struct {
	VpcLinkId string  `json:"-"`
	Name      *string `json:"name,omitempty"`
}

// VpcLinkRef names a VPC link.
type VpcLinkRef struct {
	VpcLinkId string `json:"-"`
}

// CreateVpcLink creates a VPC link. There is one network here, so a link is
// AVAILABLE at once (AWS takes minutes, PENDING first); subnets and
// security groups are recorded, not used.
func (s *Control) CreateVpcLink(ctx context.Context, in *CreateVpcLinkInput) (*VpcLink, error) {
	name := strOr(in.Name, "")
	if name == "" || len(name) > 128 {
		return nil, badRequest("Name is required and must be at most 128 characters")
	}
	if len(in.SubnetIds) == 0 {
		return nil, badRequest("SubnetIds is required")
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	sg := in.SecurityGroupIds
	if sg == nil {
		sg = []string{}
	}
	l := &VpcLink{
		CreatedDate:          now(),
		Name:                 name,
		SecurityGroupIds:     sg,
		SubnetIds:            in.SubnetIds,
		Tags:                 in.Tags,
		VpcLinkId:            awsapi.RandomID(6),
		VpcLinkStatus:        VpcLinkAvailable,
		VpcLinkStatusMessage: "VPC link is ready to route traffic",
		VpcLinkVersion:       VpcLinkV2,
	}
	err := s.commit(ctx, func() (store.Txn, error) {
		return store.Txn{If: []store.Cmp{store.Absent(vpcLinkKey(l.VpcLinkId))}, Then: []store.Op{store.Put(vpcLinkKey(l.VpcLinkId), store.JSON(l))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (s *Control) getVpcLink(ctx context.Context, id string) (*VpcLink, store.KV, error) {
	l, kv, err := store.GetJSON[VpcLink](ctx, s.st, vpcLinkKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, s.notFound("VpcLink", id)
	}
	return l, kv, err
}

// GetVpcLink returns a VPC link.
func (s *Control) GetVpcLink(ctx context.Context, in *VpcLinkRef) (*VpcLink, error) {
	l, _, err := s.getVpcLink(ctx, in.VpcLinkId)
	return l, err
}

// GetVpcLinks lists VPC links in id order.
func (s *Control) GetVpcLinks(ctx context.Context, in *PageInput) (*Page[*VpcLink], error) {
	links, _, err := listJSON[VpcLink](ctx, s.st, vpcLinkPrefix)
	if err != nil {
		return nil, err
	}
	items, next, err := page(links, func(l *VpcLink) string { return l.VpcLinkId }, *in)
	if err != nil {
		return nil, err
	}
	return &Page[*VpcLink]{Items: items, NextToken: next}, nil
}

// UpdateVpcLink renames a VPC link.
func (s *Control) UpdateVpcLink(ctx context.Context, in *UpdateVpcLinkInput) (*VpcLink, error) {
	var out VpcLink
	err := s.commit(ctx, func() (store.Txn, error) {
		l, kv, err := s.getVpcLink(ctx, in.VpcLinkId)
		if err != nil {
			return store.Txn{}, err
		}
		if in.Name != nil {
			if *in.Name == "" || len(*in.Name) > 128 {
				return store.Txn{}, badRequest("Name must be 1 to 128 characters")
			}
			l.Name = *in.Name
		}
		out = *l
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(l))}}, nil
	})
	return &out, err
}

// DeleteVpcLink deletes a VPC link. Integrations that still name it answer
// 500 when invoked, as a private integration without a working link does.
func (s *Control) DeleteVpcLink(ctx context.Context, in *VpcLinkRef) error {
	return s.commit(ctx, func() (store.Txn, error) {
		_, kv, err := s.getVpcLink(ctx, in.VpcLinkId)
		if err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}, nil
	})
}
