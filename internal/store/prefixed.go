package store

import (
	"context"
	"strings"
)

// Prefixed returns st seen through prefix: every key its callers name is
// stored under prefix+key, listings and watches see only the keys under
// prefix, and the keys they return have prefix removed. Revisions are the
// underlying store's. It is how one store holds several independent
// keyspaces (a region's services each see their own), with no service
// knowing.
func Prefixed(st Store, prefix string) Store {
	if prefix == "" {
		return st
	}
	return prefixed{Store: st, prefix: prefix}
}

type prefixed struct {
	Store
	prefix string
}

func (p prefixed) Get(ctx context.Context, key string) (KV, error) {
	kv, err := p.Store.Get(ctx, p.prefix+key)
	kv.Key = strings.TrimPrefix(kv.Key, p.prefix)
	return kv, err
}

func (p prefixed) List(ctx context.Context, prefix string) ([]KV, int64, error) {
	kvs, rev, err := p.Store.List(ctx, p.prefix+prefix)
	for i := range kvs {
		kvs[i].Key = kvs[i].Key[len(p.prefix):]
	}
	return kvs, rev, err
}

func (p prefixed) Commit(ctx context.Context, t Txn) (int64, error) {
	under := Txn{If: make([]Cmp, len(t.If)), Then: make([]Op, len(t.Then))}
	for i, c := range t.If {
		c.Key = p.prefix + c.Key
		under.If[i] = c
	}
	for i, op := range t.Then {
		op.Key = p.prefix + op.Key
		under.Then[i] = op
	}
	return p.Store.Commit(ctx, under)
}

func (p prefixed) Watch(ctx context.Context, prefix string, after int64) (<-chan []Event, error) {
	in, err := p.Store.Watch(ctx, p.prefix+prefix, after)
	if err != nil {
		return nil, err
	}
	out := make(chan []Event)
	go func() {
		defer close(out)
		for batch := range in {
			// A batch may be shared with the store's other watchers:
			// strip the prefix on a copy.
			mine := make([]Event, len(batch))
			for i, ev := range batch {
				ev.KV.Key = ev.KV.Key[len(p.prefix):]
				mine[i] = ev
			}
			select {
			case out <- mine:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
