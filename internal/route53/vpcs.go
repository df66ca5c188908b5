package route53

import (
	"context"
	"encoding/xml"
	"slices"
)

// VPC associations are recorded and listed; the DNS server answers a
// private zone's names to every client, as it has no per-VPC views
// (docs/compat.md).

type AssociateVPCWithHostedZoneInput struct {
	XMLName      xml.Name `xml:"AssociateVPCWithHostedZoneRequest"`
	HostedZoneId string   `xml:"-" uri:"HostedZoneId"`
	VPC          *VPC
	Comment      string
}

type AssociateVPCWithHostedZoneOutput struct{ ChangeInfo ChangeInfo }

func (c *Control) AssociateVPCWithHostedZone(ctx context.Context, in *AssociateVPCWithHostedZoneInput) (*AssociateVPCWithHostedZoneOutput, error) {
	return c.changeVPCs(ctx, in.HostedZoneId, in.VPC, in.Comment, true)
}

type DisassociateVPCFromHostedZoneInput struct {
	XMLName      xml.Name `xml:"DisassociateVPCFromHostedZoneRequest"`
	HostedZoneId string   `xml:"-" uri:"HostedZoneId"`
	VPC          *VPC
	Comment      string
}

type DisassociateVPCFromHostedZoneOutput = AssociateVPCWithHostedZoneOutput

func (c *Control) DisassociateVPCFromHostedZone(ctx context.Context, in *DisassociateVPCFromHostedZoneInput) (*DisassociateVPCFromHostedZoneOutput, error) {
	return c.changeVPCs(ctx, in.HostedZoneId, in.VPC, in.Comment, false)
}

func (c *Control) changeVPCs(ctx context.Context, zoneID string, vpc *VPC, comment string, associate bool) (*AssociateVPCWithHostedZoneOutput, error) {
	id := bareZoneID(zoneID)
	if z := c.linkedZoneByID(id); z != nil {
		return nil, managedByCloudMap(id, z.ns.Arn)
	}
	if len(comment) > maxComment {
		return nil, invalidInput("Comment must be at most %d characters", maxComment)
	}
	if err := c.checkVPC(vpc); err != nil {
		return nil, err
	}
	change, changeOp := newChange(comment)
	err := c.updateZone(ctx, id, func(rec *zoneRecord) error {
		if rec.Config == nil || !rec.Config.PrivateZone {
			return ErrPublicZoneVPCAssociation.Newf("You're trying to associate a VPC with a public hosted zone. Amazon Route 53 doesn't support associating a VPC with a public hosted zone.")
		}
		i := slices.Index(rec.VPCs, *vpc)
		switch {
		case associate && i >= 0:
			return conflictingDomain(*vpc, id)
		case associate:
			if z := c.conflictingPrivateZone(rec.Name, *vpc, rec.Id); z != "" {
				return conflictingDomain(*vpc, z)
			}
			rec.VPCs = append(rec.VPCs, *vpc)
		case i < 0:
			return ErrVPCAssociationNotFound.Newf("The specified VPC and hosted zone are not currently associated.")
		case len(rec.VPCs) == 1:
			return ErrLastVPCAssociation.Newf("The VPC that you're trying to disassociate from the private hosted zone is the last VPC that is associated with the hosted zone. Amazon Route 53 doesn't support disassociating the last VPC from a hosted zone.")
		default:
			rec.VPCs = slices.Delete(rec.VPCs, i, i+1)
		}
		return nil
	}, changeOp)
	if err != nil {
		return nil, err
	}
	info, err := c.committedChange(ctx, change)
	if err != nil {
		return nil, err
	}
	return &AssociateVPCWithHostedZoneOutput{ChangeInfo: info}, nil
}
