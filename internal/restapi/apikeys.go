package restapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type CreateApiKeyInput struct {
	CustomerId         *string           `json:"customerId,omitempty"`
	Description        *string           `json:"description,omitempty"`
	Enabled            *bool             `json:"enabled,omitempty"`
	GenerateDistinctId *bool             `json:"generateDistinctId,omitempty"`
	Name               *string           `json:"name,omitempty"`
	StageKeys          []StageKey        `json:"stageKeys,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
	Value              *string           `json:"value,omitempty"`
}

// StageKey is a stage an API key was (in the days before usage plans)
// bound to.
type StageKey struct {
	RestApiId string `json:"restApiId,omitempty"`
	StageName string `json:"stageName,omitempty"`
}

// ApiKeyRef names an API key; IncludeValue asks for its value.
type ApiKeyRef struct {
	ApiKey       string `json:"-"`
	IncludeValue bool   `json:"-"`
}

type GetApiKeysInput struct {
	CustomerId    string `json:"-"`
	IncludeValues bool   `json:"-"`
	NameQuery     string `json:"-"`
	PageInput
}

type UpdateApiKeyInput struct {
	ApiKey string `json:"-"`
	PatchInput
}

// apiKeyAlphabet is what generated key values are made of (AWS's are 40
// alphanumeric characters).
const apiKeyAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// apiKeyValueKey indexes key values, so that two keys never share one (a
// caller's x-api-key names exactly one key). The value is hashed: values
// may hold any character, keys should not.
func apiKeyValueKey(value string) string {
	sum := sha256.Sum256([]byte(value))
	return kindPrefix(kindAPIKeyValue) + hex.EncodeToString(sum[:])
}

func apiKeyNotFound() error { return notFound("Invalid API Key identifier specified") }

// CreateApiKey creates an API key; without a value, one is generated.
// Keys start disabled unless enabled is given, as on AWS.
func (c *Control) CreateApiKey(ctx context.Context, in *CreateApiKeyInput) (*ApiKey, error) {
	t := now()
	k := &ApiKey{
		CreatedDate:     t,
		CustomerId:      strOr(in.CustomerId, ""),
		Description:     strOr(in.Description, ""),
		Enabled:         in.Enabled != nil && *in.Enabled,
		Id:              awsapi.RandomID(10),
		LastUpdatedDate: t,
		Name:            strOr(in.Name, ""),
		Tags:            in.Tags,
		Value:           strOr(in.Value, awsapi.RandomString(40, apiKeyAlphabet)),
	}
	if len(k.Value) < 20 || len(k.Value) > 128 {
		return nil, badRequest("API Key value should be at least 20 characters and at most 128")
	}
	if err := checkTags(k.Tags); err != nil {
		return nil, err
	}
	for _, sk := range in.StageKeys {
		k.StageKeys = append(k.StageKeys, sk.RestApiId+"/"+sk.StageName)
	}
	err := c.commit(ctx, func() (store.Txn, error) {
		for _, sk := range in.StageKeys {
			if _, _, err := c.getStage(ctx, sk.RestApiId, sk.StageName); err != nil {
				return store.Txn{}, err
			}
		}
		if _, err := c.st.Get(ctx, apiKeyValueKey(k.Value)); err == nil {
			return store.Txn{}, conflict("API Key already exists")
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, err
		}
		return store.Txn{
			If: []store.Cmp{store.Absent(apiKeyKey(k.Id)), store.Absent(apiKeyValueKey(k.Value))},
			Then: []store.Op{
				store.Put(apiKeyKey(k.Id), store.JSON(k)),
				store.Put(apiKeyValueKey(k.Value), []byte(k.Id)),
			},
		}, nil
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

func (c *Control) getApiKey(ctx context.Context, id string) (*ApiKey, store.KV, error) {
	if id == "" || strings.Contains(id, "/") {
		return nil, store.KV{}, apiKeyNotFound()
	}
	k, kv, err := store.GetJSON[ApiKey](ctx, c.st, apiKeyKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, apiKeyNotFound()
	}
	return k, kv, err
}

// GetApiKey returns an API key, its value only with includeValue.
func (c *Control) GetApiKey(ctx context.Context, in *ApiKeyRef) (*ApiKey, error) {
	k, _, err := c.getApiKey(ctx, in.ApiKey)
	if err != nil {
		return nil, err
	}
	if !in.IncludeValue {
		k.Value = ""
	}
	return k, nil
}

// GetApiKeys lists API keys in id order, filtered by name prefix and
// customer id.
func (c *Control) GetApiKeys(ctx context.Context, in *GetApiKeysInput) (*Page[*ApiKey], error) {
	keys, _, err := listJSON[ApiKey](ctx, c.st, kindPrefix(kindAPIKey))
	if err != nil {
		return nil, err
	}
	keys = slices.DeleteFunc(keys, func(k *ApiKey) bool {
		return !strings.HasPrefix(k.Name, in.NameQuery) || in.CustomerId != "" && k.CustomerId != in.CustomerId
	})
	for _, k := range keys {
		if !in.IncludeValues {
			k.Value = ""
		}
	}
	return page(keys, func(k *ApiKey) string { return k.Id }, in.PageInput)
}

var apiKeyPatch = []patchRule[ApiKey]{
	{"/name", "replace", setString(func(k *ApiKey) *string { return &k.Name })},
	{"/description", "replace remove", setString(func(k *ApiKey) *string { return &k.Description })},
	{"/customerId", "replace remove", setString(func(k *ApiKey) *string { return &k.CustomerId })},
	{"/enabled", "replace", func(k *ApiKey, op *PatchOperation, _ []string) (err error) {
		k.Enabled, err = op.boolValue()
		return err
	}},
	{"/stageKeys", "add remove", func(k *ApiKey, op *PatchOperation, _ []string) error {
		k.StageKeys = slices.DeleteFunc(k.StageKeys, func(s string) bool { return s == op.str() })
		if op.Op == "add" {
			if api, stage, ok := strings.Cut(op.str(), "/"); !ok || api == "" || stage == "" {
				return badRequest("Invalid stage key specified: %s; write restApiId/stageName", op.str())
			}
			k.StageKeys = append(k.StageKeys, op.str())
		}
		return nil
	}},
}

// UpdateApiKey applies a patch to an API key.
func (c *Control) UpdateApiKey(ctx context.Context, in *UpdateApiKeyInput) (*ApiKey, error) {
	var out ApiKey
	err := c.commit(ctx, func() (store.Txn, error) {
		k, kv, err := c.getApiKey(ctx, in.ApiKey)
		if err != nil {
			return store.Txn{}, err
		}
		if err := applyPatch(k, in.PatchOperations, apiKeyPatch); err != nil {
			return store.Txn{}, err
		}
		k.LastUpdatedDate = now()
		out = *k
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(k))}}, nil
	})
	if err != nil {
		return nil, err
	}
	out.Value = ""
	return &out, nil
}

// DeleteApiKey deletes an API key and takes it out of every usage plan.
func (c *Control) DeleteApiKey(ctx context.Context, in *ApiKeyRef) error {
	return c.commit(ctx, func() (store.Txn, error) {
		k, kv, err := c.getApiKey(ctx, in.ApiKey)
		if err != nil {
			return store.Txn{}, err
		}
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key), store.Delete(apiKeyValueKey(k.Value))}}
		memberships, err := c.planKeyRecords(ctx, "")
		if err != nil {
			return store.Txn{}, err
		}
		for _, m := range memberships {
			if m.KeyId == k.Id {
				txn.Then = append(txn.Then, store.Delete(planKeyKey(m.UsagePlanId, m.KeyId)))
			}
		}
		return txn, nil
	})
}
