package store

import (
	"context"
	"errors"
	"fmt"
)

// copyBatch bounds one transaction of a copy, in keys and in bytes, below
// etcd's request limits (--max-txn-ops, --max-request-bytes' 1.5 MiB).
const (
	copyBatchKeys  = 1000
	copyBatchBytes = 1 << 20
)

// ErrNotEmpty is Copy's refusal to write into a store that holds state.
var ErrNotEmpty = errors.New("store: target is not empty")

// Copy writes every key of src into dst, which must be empty, and returns
// how many it copied. Values move as they are; revisions are dst's own
// (nothing the services keep refers to a store revision). Each batch is
// conditioned on its keys being absent, so a copy racing another writer
// fails rather than overwrite it. src should be quiescent: the copy reads
// one listing of it.
func Copy(ctx context.Context, dst, src Store) (int, error) {
	existing, _, err := dst.List(ctx, "")
	if err != nil {
		return 0, fmt.Errorf("list target: %w", err)
	}
	if len(existing) > 0 {
		return 0, fmt.Errorf("%w: it holds %d keys (first %q)", ErrNotEmpty, len(existing), existing[0].Key)
	}
	kvs, _, err := src.List(ctx, "")
	if err != nil {
		return 0, fmt.Errorf("list source: %w", err)
	}
	var (
		txn    Txn
		size   int
		copied int
	)
	flush := func() error {
		if len(txn.Then) == 0 {
			return nil
		}
		if _, err := dst.Commit(ctx, txn); err != nil {
			return fmt.Errorf("copy after %d keys: %w", copied, err)
		}
		copied += len(txn.Then)
		txn, size = Txn{}, 0
		return nil
	}
	for _, kv := range kvs {
		if len(txn.Then) == copyBatchKeys || size+len(kv.Key)+len(kv.Value) > copyBatchBytes {
			if err := flush(); err != nil {
				return copied, err
			}
		}
		txn.If = append(txn.If, Absent(kv.Key))
		txn.Then = append(txn.Then, Put(kv.Key, kv.Value))
		size += len(kv.Key) + len(kv.Value)
	}
	return copied, flush()
}
