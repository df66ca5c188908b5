package ec2

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

// getRecord reads one record; nil (and the key's empty KV, for an Absent
// guard) when there is none.
func getRecord[T any](ctx context.Context, st store.Store, key string) (*T, store.KV, error) {
	r, kv, err := store.GetJSON[T](ctx, st, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, store.KV{Key: key}, nil
	}
	return r, kv, err
}

// listRecords reads every record under prefix, in key (so id) order.
func listRecords[T any](ctx context.Context, st store.Store, prefix string) ([]*T, error) {
	kvs, _, err := st.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]*T, 0, len(kvs))
	for _, kv := range kvs {
		if r := store.DecodeJSON[T](kv.Value); r != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// describeQuery is what every Describe call shares: ids, filters, paging.
type describeQuery struct {
	DryRun     *bool
	Ids        []string
	Filters    []Filter
	MaxResults *int32
	NextToken  *string
}

// describer says how a Describe call reads one kind of record R and
// answers it as W.
type describer[R, W any] struct {
	prefix   string
	filters  []string
	id       func(*R) string
	values   func(*R, string) []string
	render   func(*R) W
	notFound func(id string) error
	// hidden leaves out records a listing no longer shows (deleted NAT
	// gateways after an hour) unless asked for by id.
	hidden func(*R) bool
}

// describe answers a Describe call: an id that names nothing fails it, as
// on AWS; the rest are filtered, rendered and paged.
func describe[R, W any](ctx context.Context, c *Control, d describer[R, W], q describeQuery) ([]W, *string, error) {
	if isTrue(q.DryRun) {
		return nil, nil, errDryRun
	}
	records, err := listRecords[R](ctx, c.st, d.prefix)
	if err != nil {
		return nil, nil, err
	}
	return describeIn(records, d, q)
}

// describeIn answers a Describe call over records already read, in id
// order.
func describeIn[R, W any](records []*R, d describer[R, W], q describeQuery) ([]W, *string, error) {
	if isTrue(q.DryRun) {
		return nil, nil, errDryRun
	}
	match, err := compileFilters(q.Filters, d.filters)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range q.Ids {
		if !slices.ContainsFunc(records, func(r *R) bool { return d.id(r) == id }) {
			return nil, nil, d.notFound(id)
		}
	}
	var found []*R
	for _, r := range records {
		if len(q.Ids) > 0 && !slices.Contains(q.Ids, d.id(r)) || len(q.Ids) == 0 && d.hidden != nil && d.hidden(r) {
			continue
		}
		if match(func(name string) []string { return d.values(r, name) }) {
			found = append(found, r)
		}
	}
	page, next, err := awsapi.Paginate(describePager, found, d.id, deref(q.NextToken), maxResults(q.MaxResults))
	if err != nil {
		return nil, nil, err
	}
	out := make([]W, 0, len(page))
	for _, r := range page {
		out = append(out, d.render(r))
	}
	return out, awsapi.StringPtr(next), nil
}

// newID is an EC2 id: the kind's prefix and 17 hex digits.
func newID(prefix string) string { return prefix + awsapi.RandomHex(17) }

// stableID is an id derived from seed, the same every time: the objects
// of the default VPC, made once per account and region.
func stableID(prefix, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return prefix + hex.EncodeToString(sum[:])[:17]
}

// boolValues answers a boolean filter.
func boolValues(b bool) []string {
	if b {
		return []string{"true"}
	}
	return []string{"false"}
}

// kindOf finds the kind of an id by its prefix.
func kindOf(id string) (keyPrefix, resourceType string, ok bool) {
	for _, k := range kinds {
		if strings.HasPrefix(id, k.idPrefix) && validID(id, k.idPrefix) {
			return k.keyPrefix, k.resourceType, true
		}
	}
	return "", "", false
}

// touch adds to txn a rewrite of the VPC's record under the condition that
// it is unchanged: every change to what lives in a VPC does this, so two
// such changes (a subnet created while the VPC is deleted, two subnets
// with overlapping CIDRs) cannot both commit on what they read.
func touch(txn *store.Txn, vpcKV store.KV) {
	txn.If = append(txn.If, store.Unchanged(vpcKV))
	txn.Then = append(txn.Then, store.Put(vpcKV.Key, vpcKV.Value))
}

// putIfUnchanged adds a conditional rewrite of a record.
func putIfUnchanged(txn *store.Txn, kv store.KV, v any) {
	txn.If = append(txn.If, store.Unchanged(kv))
	txn.Then = append(txn.Then, store.Put(kv.Key, store.JSON(v)))
}

// deleteIfUnchanged adds a conditional delete of a record.
func deleteIfUnchanged(txn *store.Txn, kv store.KV) {
	txn.If = append(txn.If, store.Unchanged(kv))
	txn.Then = append(txn.Then, store.Delete(kv.Key))
}
