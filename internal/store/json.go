package store

import (
	"context"
	"encoding/json"
	"errors"
)

// The services keep their records as JSON. These helpers are the one place
// that encodes and decodes them.

// GetJSON reads key and decodes its value into a new T.
func GetJSON[T any](ctx context.Context, st Store, key string) (*T, KV, error) {
	kv, err := st.Get(ctx, key)
	if err != nil {
		return nil, kv, err
	}
	v := new(T)
	if err := json.Unmarshal(kv.Value, v); err != nil {
		return nil, kv, err
	}
	return v, kv, nil
}

// DecodeJSON decodes a stored value, or returns nil if it is not a T.
func DecodeJSON[T any](b []byte) *T {
	v := new(T)
	if json.Unmarshal(b, v) != nil {
		return nil
	}
	return v
}

// JSON encodes a record for storing. Only the services' own model types
// are stored, so a failure is a programming error.
func JSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// ErrContended is what Retry returns when every attempt lost its race.
var ErrContended = errors.New("store: too many concurrent changes")

// Retry commits the transaction build returns, calling build again (to
// re-read) whenever a precondition failed because another writer got there
// first. A build error ends it; an empty transaction commits nothing and
// returns revision 0.
func Retry(ctx context.Context, st Store, build func() (Txn, error)) (int64, error) {
	for range 100 {
		txn, err := build()
		if err != nil || len(txn.Then) == 0 {
			return 0, err
		}
		rev, err := st.Commit(ctx, txn)
		if errors.Is(err, ErrConflict) {
			continue
		}
		return rev, err
	}
	return 0, ErrContended
}
