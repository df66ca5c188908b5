package apigw

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type CreateApiMappingInput struct {
	DomainName    string  `json:"-"`
	ApiId         *string `json:"apiId,omitempty"`
	ApiMappingKey *string `json:"apiMappingKey,omitempty"`
	Stage         *string `json:"stage,omitempty"`
}

type UpdateApiMappingInput struct {
	DomainName    string  `json:"-"`
	ApiMappingId  string  `json:"-"`
	ApiId         *string `json:"apiId,omitempty"`
	ApiMappingKey *string `json:"apiMappingKey,omitempty"`
	Stage         *string `json:"stage,omitempty"`
}

// ApiMappingRef names an API mapping of a domain name.
type ApiMappingRef struct {
	DomainName   string `json:"-"`
	ApiMappingId string `json:"-"`
}

type GetApiMappingsInput struct {
	DomainName string `json:"-"`
	PageInput
}

// CreateApiMapping maps a stage of an HTTP API to a path of a domain name.
func (s *Control) CreateApiMapping(ctx context.Context, in *CreateApiMappingInput) (*ApiMapping, error) {
	m := &ApiMapping{ApiId: strOr(in.ApiId, ""), ApiMappingKey: strOr(in.ApiMappingKey, ""), Stage: strOr(in.Stage, ""), ApiMappingId: awsapi.RandomID(6)}
	err := s.editDomain(ctx, in.DomainName, func(d *domainRecord) error {
		if err := s.checkMapping(ctx, d, m); err != nil {
			return err
		}
		if d.Mappings == nil {
			d.Mappings = map[string]*ApiMapping{}
		}
		d.Mappings[m.ApiMappingId] = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// checkMapping validates a new or changed mapping m of d: an API and
// stage that exist, a well-formed key, and no other mapping of d on the
// same key (the paths of a domain's mappings must differ).
func (s *Control) checkMapping(ctx context.Context, d *domainRecord, m *ApiMapping) error {
	switch {
	case m.ApiId == "":
		return badRequest("ApiId is required")
	case m.Stage == "":
		return badRequest("Stage is required")
	case !validMappingKey(m.ApiMappingKey):
		return badRequest("Invalid ApiMappingKey %q: path segments of letters, digits and ._-~ separated by single slashes, with no slash at either end", m.ApiMappingKey)
	}
	if _, _, err := s.getAPI(ctx, m.ApiId); err != nil {
		return err
	}
	if _, err := s.st.Get(ctx, stageKey(m.ApiId, m.Stage)); errors.Is(err, store.ErrNotFound) {
		return s.notFound("Stage", m.Stage)
	} else if err != nil {
		return err
	}
	for _, o := range d.Mappings {
		if o.ApiMappingId != m.ApiMappingId && o.ApiMappingKey == m.ApiMappingKey {
			return conflict("ApiMapping with key %q already exists for domain name %s", m.ApiMappingKey, d.DomainName.DomainName)
		}
	}
	return nil
}

// validMappingKey: empty (the whole domain), or segments separated by
// single slashes.
func validMappingKey(k string) bool {
	if k == "" {
		return true
	}
	if len(k) > 1024 {
		return false
	}
	for _, seg := range strings.Split(k, "/") {
		if seg == "" {
			return false
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-~$", r)) {
				return false
			}
		}
	}
	return true
}

// editDomain changes a domain name's record in one compare-and-swap.
func (s *Control) editDomain(ctx context.Context, name string, edit func(*domainRecord) error) error {
	return s.commit(ctx, func() (store.Txn, error) {
		d, kv, err := s.getDomain(ctx, name)
		if err != nil {
			return store.Txn{}, err
		}
		if err := edit(d); err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(d))}}, nil
	})
}

func mappingNotFound(id string) error {
	return ErrNotFound.Newf("Invalid API mapping identifier specified %s", id).With("resourceType", "ApiMapping")
}

// GetApiMapping returns an API mapping.
func (s *Control) GetApiMapping(ctx context.Context, in *ApiMappingRef) (*ApiMapping, error) {
	d, _, err := s.getDomain(ctx, in.DomainName)
	if err != nil {
		return nil, err
	}
	m := d.Mappings[in.ApiMappingId]
	if m == nil {
		return nil, mappingNotFound(in.ApiMappingId)
	}
	return m, nil
}

// GetApiMappings lists a domain name's API mappings.
func (s *Control) GetApiMappings(ctx context.Context, in *GetApiMappingsInput) (*Page[*ApiMapping], error) {
	d, _, err := s.getDomain(ctx, in.DomainName)
	if err != nil {
		return nil, err
	}
	items, next, err := page(sortedMappings(d), func(m *ApiMapping) string { return m.ApiMappingId }, in.PageInput)
	if err != nil {
		return nil, err
	}
	return &Page[*ApiMapping]{Items: items, NextToken: next}, nil
}

// UpdateApiMapping changes a mapping's API, stage or key.
func (s *Control) UpdateApiMapping(ctx context.Context, in *UpdateApiMappingInput) (*ApiMapping, error) {
	if strOr(in.ApiId, "") == "" {
		return nil, badRequest("ApiId is required") // the model requires it even when it does not change
	}
	var out ApiMapping
	err := s.editDomain(ctx, in.DomainName, func(d *domainRecord) error {
		old := d.Mappings[in.ApiMappingId]
		if old == nil {
			return mappingNotFound(in.ApiMappingId)
		}
		m := *old
		m.ApiId = strOr(in.ApiId, m.ApiId)
		m.ApiMappingKey = strOr(in.ApiMappingKey, m.ApiMappingKey)
		m.Stage = strOr(in.Stage, m.Stage)
		if err := s.checkMapping(ctx, d, &m); err != nil {
			return err
		}
		d.Mappings[m.ApiMappingId], out = &m, m
		return nil
	})
	return &out, err
}

// DeleteApiMapping deletes an API mapping.
func (s *Control) DeleteApiMapping(ctx context.Context, in *ApiMappingRef) error {
	return s.editDomain(ctx, in.DomainName, func(d *domainRecord) error {
		if d.Mappings[in.ApiMappingId] == nil {
			return mappingNotFound(in.ApiMappingId)
		}
		delete(d.Mappings, in.ApiMappingId)
		return nil
	})
}

// registerDomainNames serves the domain name and API mapping operations.
func (s *Control) registerDomainNames(rs *awsapi.RESTService, pg func(*awsapi.RESTRequest) PageInput) {
	domain := func(r *awsapi.RESTRequest) string { return r.Params["domainName"] }
	rs.Handle("POST", "/v2/domainnames", checked(domainNameRules, op(http.StatusCreated, s.CreateDomainName, nil)))
	rs.Handle("GET", "/v2/domainnames", op(http.StatusOK, s.GetDomainNames, func(r *awsapi.RESTRequest, in *PageInput) { *in = pg(r) }))
	domainRef := func(r *awsapi.RESTRequest, in *DomainNameRef) { in.DomainName = domain(r) }
	rs.Handle("GET", "/v2/domainnames/{domainName}", op(http.StatusOK, s.GetDomainName, domainRef))
	rs.Handle("PATCH", "/v2/domainnames/{domainName}", checked(domainNameRules, op(http.StatusOK, s.UpdateDomainName, func(r *awsapi.RESTRequest, in *UpdateDomainNameInput) { in.DomainName = domain(r) })))
	rs.Handle("DELETE", "/v2/domainnames/{domainName}", del(s.DeleteDomainName, domainRef))

	rs.Handle("POST", "/v2/domainnames/{domainName}/apimappings", op(http.StatusCreated, s.CreateApiMapping, func(r *awsapi.RESTRequest, in *CreateApiMappingInput) { in.DomainName = domain(r) }))
	rs.Handle("GET", "/v2/domainnames/{domainName}/apimappings", op(http.StatusOK, s.GetApiMappings, func(r *awsapi.RESTRequest, in *GetApiMappingsInput) {
		in.DomainName, in.PageInput = domain(r), pg(r)
	}))
	mappingRef := func(r *awsapi.RESTRequest, in *ApiMappingRef) {
		in.DomainName, in.ApiMappingId = domain(r), r.Params["apiMappingId"]
	}
	rs.Handle("GET", "/v2/domainnames/{domainName}/apimappings/{apiMappingId}", op(http.StatusOK, s.GetApiMapping, mappingRef))
	rs.Handle("PATCH", "/v2/domainnames/{domainName}/apimappings/{apiMappingId}", op(http.StatusOK, s.UpdateApiMapping, func(r *awsapi.RESTRequest, in *UpdateApiMappingInput) {
		in.DomainName, in.ApiMappingId = domain(r), r.Params["apiMappingId"]
	}))
	rs.Handle("DELETE", "/v2/domainnames/{domainName}/apimappings/{apiMappingId}", del(s.DeleteApiMapping, mappingRef))
}
