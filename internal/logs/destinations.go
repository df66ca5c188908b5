package logs

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Destinations (the receiving end of cross-account subscriptions) and
// resource policies (which let AWS services write to groups) are stored and
// listed as AWS does; Portolan does not enforce policies (docs/compat.md).

// maxResourcePolicies is AWS's quota per region.
const (
	maxResourcePolicies = 10
	maxPolicyDocument   = 5120
)

// PutDestinationInput is PutDestination's request.
type PutDestinationInput struct {
	DestinationName string            `json:"destinationName"`
	TargetArn       string            `json:"targetArn"`
	RoleArn         string            `json:"roleArn"`
	Tags            map[string]string `json:"tags"`
}

// Destination is a destination as stored and reported.
type Destination struct {
	DestinationName string `json:"destinationName"`
	TargetArn       string `json:"targetArn"`
	RoleArn         string `json:"roleArn"`
	AccessPolicy    string `json:"accessPolicy,omitempty"`
	Arn             string `json:"arn"`
	CreationTime    int64  `json:"creationTime"`
}

// DestinationOutput is PutDestination's answer.
type DestinationOutput struct {
	Destination Destination `json:"destination"`
}

// PutDestinationPolicyInput is PutDestinationPolicy's request.
type PutDestinationPolicyInput struct {
	DestinationName string `json:"destinationName"`
	AccessPolicy    string `json:"accessPolicy"`
	ForceUpdate     bool   `json:"forceUpdate"`
}

// DestinationRef names a destination: DeleteDestination's request.
type DestinationRef struct {
	DestinationName string `json:"destinationName"`
}

// DescribeDestinationsInput is DescribeDestinations' request; the model
// spells its prefix member with a capital D.
type DescribeDestinationsInput struct {
	DestinationNamePrefix *string `json:"DestinationNamePrefix"`
	NextToken             *string `json:"nextToken"`
	Limit                 *int32  `json:"limit"`
}

// DescribeDestinationsOutput is a page of DescribeDestinations.
type DescribeDestinationsOutput struct {
	Destinations []Destination `json:"destinations"`
	NextToken    string        `json:"nextToken,omitempty"`
}

// PutDestination creates a destination or updates its target and role
// (AWS PutDestination).
func (s *Control) PutDestination(ctx context.Context, in *PutDestinationInput) (*DestinationOutput, error) {
	if err := checkDestinationName(in.DestinationName); err != nil {
		return nil, err
	}
	for field, arn := range map[string]string{"targetArn": in.TargetArn, "roleArn": in.RoleArn} {
		if _, ok := awsapi.ParseARN(arn); !ok {
			return nil, invalidParam("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be an ARN", arn, field)
		}
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	key := destinationKey(in.DestinationName)
	for {
		d := Destination{DestinationName: in.DestinationName, Arn: s.destinationARN(in.DestinationName), CreationTime: nowMillis()}
		cmp := store.Absent(key)
		kv, err := s.cfg.Store.Get(ctx, key)
		switch {
		case err == nil:
			if err := json.Unmarshal(kv.Value, &d); err != nil {
				return nil, err
			}
			cmp = store.Unchanged(kv)
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
		d.TargetArn, d.RoleArn = in.TargetArn, in.RoleArn
		_, err = s.cfg.Store.Commit(ctx, store.Txn{If: []store.Cmp{cmp}, Then: []store.Op{store.Put(key, store.JSON(d))}})
		if !errors.Is(err, store.ErrConflict) {
			return &DestinationOutput{Destination: d}, err
		}
	}
}

// PutDestinationPolicy sets a destination's access policy (AWS
// PutDestinationPolicy).
func (s *Control) PutDestinationPolicy(ctx context.Context, in *PutDestinationPolicyInput) (*struct{}, error) {
	if err := checkDestinationName(in.DestinationName); err != nil {
		return nil, err
	}
	if err := checkPolicyDocument("accessPolicy", in.AccessPolicy); err != nil {
		return nil, err
	}
	for {
		kv, err := s.cfg.Store.Get(ctx, destinationKey(in.DestinationName))
		if errors.Is(err, store.ErrNotFound) {
			return nil, errDestinationNotFound
		} else if err != nil {
			return nil, err
		}
		var d Destination
		if err := json.Unmarshal(kv.Value, &d); err != nil {
			return nil, err
		}
		d.AccessPolicy = in.AccessPolicy
		_, err = s.cfg.Store.Commit(ctx, store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(d))}})
		if !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
	}
}

// DeleteDestination deletes a destination (AWS DeleteDestination).
func (s *Control) DeleteDestination(ctx context.Context, in *DestinationRef) (*struct{}, error) {
	if err := checkDestinationName(in.DestinationName); err != nil {
		return nil, err
	}
	return nil, s.deleteRecord(ctx, destinationKey(in.DestinationName), errDestinationNotFound)
}

// DescribeDestinations lists destinations by name (AWS
// DescribeDestinations).
func (s *Control) DescribeDestinations(ctx context.Context, in *DescribeDestinationsInput) (*DescribeDestinationsOutput, error) {
	prefix := ""
	if in.DestinationNamePrefix != nil {
		prefix = *in.DestinationNamePrefix
	}
	items, next, err := listRecords[Destination](ctx, s, destinationKey(prefix), in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &DescribeDestinationsOutput{Destinations: items, NextToken: next}, nil
}

// destination reads one destination.
func (s *Control) destination(ctx context.Context, name string) (Destination, error) {
	var d Destination
	kv, err := s.cfg.Store.Get(ctx, destinationKey(name))
	if errors.Is(err, store.ErrNotFound) {
		return d, errDestinationNotFound
	} else if err != nil {
		return d, err
	}
	return d, json.Unmarshal(kv.Value, &d)
}

func (s *Control) destinationARN(name string) string {
	return awsapi.ARN("logs", s.cfg.Region, s.cfg.AccountID, "destination:"+name)
}

func checkDestinationName(name string) error {
	return checkName("destinationName", name, maxNameLen, noColonOrStar, "[^:*]*")
}

// ResourcePolicy is a resource policy as stored and reported.
type ResourcePolicy struct {
	PolicyName      string `json:"policyName"`
	PolicyDocument  string `json:"policyDocument"`
	LastUpdatedTime int64  `json:"lastUpdatedTime"`
}

// PutResourcePolicyInput is PutResourcePolicy's request.
type PutResourcePolicyInput struct {
	PolicyName     string `json:"policyName"`
	PolicyDocument string `json:"policyDocument"`
}

// ResourcePolicyOutput is PutResourcePolicy's answer.
type ResourcePolicyOutput struct {
	ResourcePolicy ResourcePolicy `json:"resourcePolicy"`
}

// PolicyRef names a resource policy: DeleteResourcePolicy's request.
type PolicyRef struct {
	PolicyName string `json:"policyName"`
}

// DescribeResourcePoliciesInput is DescribeResourcePolicies' request.
type DescribeResourcePoliciesInput struct {
	NextToken *string `json:"nextToken"`
	Limit     *int32  `json:"limit"`
}

// DescribeResourcePoliciesOutput is a page of DescribeResourcePolicies.
type DescribeResourcePoliciesOutput struct {
	ResourcePolicies []ResourcePolicy `json:"resourcePolicies"`
	NextToken        string           `json:"nextToken,omitempty"`
}

// PutResourcePolicy creates or replaces a resource policy (AWS
// PutResourcePolicy); a region holds at most ten.
func (s *Control) PutResourcePolicy(ctx context.Context, in *PutResourcePolicyInput) (*ResourcePolicyOutput, error) {
	if in.PolicyName == "" {
		return nil, invalidParam("1 validation error detected: Value null at 'policyName' failed to satisfy constraint: Member must not be null")
	}
	if err := checkPolicyDocument("policyDocument", in.PolicyDocument); err != nil {
		return nil, err
	}
	p := ResourcePolicy{PolicyName: in.PolicyName, PolicyDocument: in.PolicyDocument, LastUpdatedTime: nowMillis()}
	for {
		kvs, _, err := s.cfg.Store.List(ctx, policiesPrefix)
		if err != nil {
			return nil, err
		}
		key := policyKey(in.PolicyName)
		cmp := store.Absent(key)
		for _, kv := range kvs {
			if kv.Key == key {
				cmp = store.Unchanged(kv)
			}
		}
		if cmp.ModRevision == 0 && len(kvs) >= maxResourcePolicies {
			return nil, errLimitExceeded
		}
		_, err = s.cfg.Store.Commit(ctx, store.Txn{If: []store.Cmp{cmp}, Then: []store.Op{store.Put(key, store.JSON(p))}})
		if !errors.Is(err, store.ErrConflict) {
			return &ResourcePolicyOutput{ResourcePolicy: p}, err
		}
	}
}

// DeleteResourcePolicy deletes a resource policy (AWS DeleteResourcePolicy).
func (s *Control) DeleteResourcePolicy(ctx context.Context, in *PolicyRef) (*struct{}, error) {
	if in.PolicyName == "" {
		return nil, invalidParam("1 validation error detected: Value null at 'policyName' failed to satisfy constraint: Member must not be null")
	}
	return nil, s.deleteRecord(ctx, policyKey(in.PolicyName), ErrResourceNotFound.Newf("Policy with name [%s] does not exist", in.PolicyName))
}

// DescribeResourcePolicies lists resource policies by name (AWS
// DescribeResourcePolicies).
func (s *Control) DescribeResourcePolicies(ctx context.Context, in *DescribeResourcePoliciesInput) (*DescribeResourcePoliciesOutput, error) {
	items, next, err := listRecords[ResourcePolicy](ctx, s, policiesPrefix, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &DescribeResourcePoliciesOutput{ResourcePolicies: items, NextToken: next}, nil
}

// checkPolicyDocument requires a JSON object within IAM's size limit;
// what it allows is not enforced.
func checkPolicyDocument(field, doc string) error {
	if doc == "" {
		return invalidParam("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	if len(doc) > maxPolicyDocument {
		return invalidParam("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, maxPolicyDocument)
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(doc), &obj) != nil {
		return invalidParam("Invalid %s: the policy document must be a JSON object", field)
	}
	return nil
}

// deleteRecord deletes one key, answering missing when it is not there.
func (s *Control) deleteRecord(ctx context.Context, key string, missing error) error {
	kv, err := s.cfg.Store.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return missing
	} else if err != nil {
		return err
	}
	_, err = s.cfg.Store.Commit(ctx, store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(key)}})
	if errors.Is(err, store.ErrConflict) {
		return s.deleteRecord(ctx, key, missing)
	}
	return err
}

// listRecords pages through JSON records under prefix in key order; the
// token is the last key returned.
func listRecords[T any](ctx context.Context, s *Control, prefix string, token *string, limit *int32) ([]T, string, error) {
	n, err := checkLimit(limit, describeLimit)
	if err != nil {
		return nil, "", err
	}
	after := ""
	if token != nil {
		if after, err = decodeNameToken(*token); err != nil {
			return nil, "", err
		}
	}
	kvs, _, err := s.cfg.Store.List(ctx, prefix)
	if err != nil {
		return nil, "", err
	}
	items := []T{}
	for i, kv := range kvs {
		if after != "" && kv.Key <= after {
			continue
		}
		if len(items) == n {
			return items, awsapi.PageToken(kvs[i-1].Key), nil
		}
		var v T
		if err := json.Unmarshal(kv.Value, &v); err != nil {
			return nil, "", err
		}
		items = append(items, v)
	}
	return items, "", nil
}
