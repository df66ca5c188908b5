package cognito

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/portolan/portolan/internal/store"
)

// A pool's domain prefix names its OAuth2 endpoints:
// https://<prefix>.auth.<region>.amazoncognito.com on AWS,
// http://<prefix>.auth.<region>.localhost:<api port> here (endpoints.go).
var domainPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`)

// CreateUserPoolDomainInput is CreateUserPoolDomain's request.
type CreateUserPoolDomainInput struct {
	Domain             string
	UserPoolId         string
	CustomDomainConfig *struct{ CertificateArn string }
}

// CreateUserPoolDomainOutput is its answer.
type CreateUserPoolDomainOutput struct {
	ManagedLoginVersion int `json:",omitempty"`
}

// CreateUserPoolDomain gives a pool its domain prefix. Custom domains (a
// CustomDomainConfig) are refused: there is no certificate or CDN here.
func (c *Control) CreateUserPoolDomain(ctx context.Context, in *CreateUserPoolDomainInput) (*CreateUserPoolDomainOutput, error) {
	if in.Domain == "" {
		return nil, required("domain")
	}
	if in.CustomDomainConfig != nil {
		return nil, invalidParameter("Custom domains are not emulated by Portolan; use a domain prefix.")
	}
	if !domainPattern.MatchString(in.Domain) {
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'domain' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$", in.Domain)
	}
	for _, reserved := range []string{"aws", "amazon", "cognito"} {
		if strings.Contains(in.Domain, reserved) {
			return nil, invalidParameter("Domain cannot contain reserved word: %s", reserved)
		}
	}
	err := c.commit(ctx, func() (store.Txn, error) {
		p, pkv, err := c.pool(ctx, in.UserPoolId)
		if err != nil {
			return store.Txn{}, err
		}
		if p.Domain != "" {
			return store.Txn{}, invalidParameter("User pool already has a domain configured.")
		}
		if _, err := c.st.Get(ctx, domainKey(in.Domain)); err == nil {
			return store.Txn{}, invalidParameter("Domain already associated with another user pool.")
		}
		p.Domain = in.Domain
		return store.Txn{If: []store.Cmp{store.Unchanged(pkv), store.Absent(domainKey(in.Domain))}, Then: []store.Op{
			store.Put(pkv.Key, store.JSON(p)),
			store.Put(domainKey(in.Domain), store.JSON(domainRecord{Domain: in.Domain, UserPoolId: p.Id})),
		}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateUserPoolDomainOutput{ManagedLoginVersion: 1}, nil
}

// DomainInput names a domain.
type DomainInput struct {
	Domain     string
	UserPoolId string
}

// DomainDescriptionType describes a domain.
type DomainDescriptionType struct {
	UserPoolId             string `json:",omitempty"`
	AWSAccountId           string `json:",omitempty"`
	Domain                 string `json:",omitempty"`
	CloudFrontDistribution string `json:",omitempty"`
	Version                string `json:",omitempty"`
	Status                 string `json:",omitempty"`
}

// DescribeUserPoolDomainOutput is DescribeUserPoolDomain's answer: empty
// for a domain nobody has, as on AWS.
type DescribeUserPoolDomainOutput struct {
	DomainDescription DomainDescriptionType
}

// DescribeUserPoolDomain describes a domain.
func (c *Control) DescribeUserPoolDomain(ctx context.Context, in *DomainInput) (*DescribeUserPoolDomainOutput, error) {
	if in.Domain == "" {
		return nil, required("domain")
	}
	d, _, err := store.GetJSON[domainRecord](ctx, c.st, domainKey(in.Domain))
	if errors.Is(err, store.ErrNotFound) {
		return &DescribeUserPoolDomainOutput{}, nil
	}
	if err != nil {
		return nil, err
	}
	return &DescribeUserPoolDomainOutput{DomainDescription: DomainDescriptionType{UserPoolId: d.UserPoolId, AWSAccountId: c.cfg.AccountID,
		Domain: d.Domain, CloudFrontDistribution: d.Domain + ".auth." + c.cfg.Region + ".localhost", Version: "1", Status: "ACTIVE"}}, nil
}

// DeleteUserPoolDomain takes a pool's domain away.
func (c *Control) DeleteUserPoolDomain(ctx context.Context, in *DomainInput) (*struct{}, error) {
	err := c.commit(ctx, func() (store.Txn, error) {
		p, pkv, err := c.pool(ctx, in.UserPoolId)
		if err != nil {
			return store.Txn{}, err
		}
		if p.Domain != in.Domain || in.Domain == "" {
			return store.Txn{}, invalidParameter("No such domain or user pool exists.")
		}
		p.Domain = ""
		return store.Txn{If: []store.Cmp{store.Unchanged(pkv)}, Then: []store.Op{store.Put(pkv.Key, store.JSON(p)), store.Delete(domainKey(in.Domain))}}, nil
	})
	return &struct{}{}, err
}
