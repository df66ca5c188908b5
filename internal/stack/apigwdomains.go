package stack

import (
	"context"

	"github.com/portolan/portolan/internal/apigw"
)

// gwDomainName is AWS::ApiGatewayV2::DomainName: Ref is the name;
// RegionalDomainName and RegionalHostedZoneId are what a Route 53 alias
// record to it names.
type gwDomainName struct{ s *apigw.Control }

func (h gwDomainName) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in apigw.CreateDomainNameInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	d, err := h.s.CreateDomainName(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return d.DomainName, domainNameAttrs(d), nil
}

func domainNameAttrs(d *apigw.DomainName) map[string]any {
	attrs := map[string]any{"DomainNameArn": d.DomainNameArn}
	if len(d.DomainNameConfigurations) > 0 {
		c := d.DomainNameConfigurations[0]
		attrs["RegionalDomainName"], attrs["RegionalHostedZoneId"] = c.ApiGatewayDomainName, c.HostedZoneId
	}
	return attrs
}

func (h gwDomainName) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if str(r.Props, "DomainName") != str(old, "DomainName") {
		return nil, ErrReplace
	}
	var in apigw.UpdateDomainNameInput
	if err := decodeProps(r.Props, &in); err != nil {
		return nil, err
	}
	in.DomainName = r.PhysicalID
	d, err := h.s.UpdateDomainName(ctx, &in)
	if err != nil {
		return nil, err
	}
	return domainNameAttrs(d), nil
}

func (h gwDomainName) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.s.DeleteDomainName(ctx, &apigw.DomainNameRef{DomainName: r.PhysicalID}))
}

// gwApiMapping is AWS::ApiGatewayV2::ApiMapping: Ref is the mapping's id.
type gwApiMapping struct{ s *apigw.Control }

func (h gwApiMapping) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in apigw.CreateApiMappingInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	in.DomainName = str(r.Props, "DomainName")
	m, err := h.s.CreateApiMapping(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return m.ApiMappingId, map[string]any{"ApiMappingId": m.ApiMappingId}, nil
}

func (h gwApiMapping) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if str(r.Props, "DomainName") != str(old, "DomainName") {
		return nil, ErrReplace
	}
	var in apigw.UpdateApiMappingInput
	if err := decodeProps(r.Props, &in); err != nil {
		return nil, err
	}
	in.DomainName, in.ApiMappingId = str(r.Props, "DomainName"), r.PhysicalID
	_, err := h.s.UpdateApiMapping(ctx, &in)
	return r.Attrs, err
}

func (h gwApiMapping) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.s.DeleteApiMapping(ctx, &apigw.ApiMappingRef{DomainName: str(r.Props, "DomainName"), ApiMappingId: r.PhysicalID}))
}
