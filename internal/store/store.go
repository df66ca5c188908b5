package store

import (
	"context"
	"errors"
)

// Errors a Store returns.
var (
	ErrNotFound  = errors.New("store: key not found")
	ErrConflict  = errors.New("store: compare failed")
	ErrCompacted = errors.New("store: revision compacted")
	ErrClosed    = errors.New("store: closed")
)

// KV is a key's current value and the revisions that created and last changed it.
type KV struct {
	Key            string
	Value          []byte
	CreateRevision int64
	ModRevision    int64
}

// EventType says whether a key was written or removed.
type EventType uint8

const (
	EventPut EventType = iota + 1
	EventDelete
)

func (t EventType) String() string {
	switch t {
	case EventPut:
		return "PUT"
	case EventDelete:
		return "DELETE"
	}
	return "UNKNOWN"
}

// Event is one change. For a delete, KV.Value is the value the key held
// before, and KV.ModRevision is the revision of the delete.
type Event struct {
	Type EventType
	KV   KV
}

// Op is one write inside a transaction.
type Op struct {
	Key    string
	Value  []byte
	Delete bool
}

// Put writes value at key.
func Put(key string, value []byte) Op { return Op{Key: key, Value: value} }

// Delete removes key; deleting an absent key is a no-op and emits no event.
func Delete(key string) Op { return Op{Key: key, Delete: true} }

// Cmp is a precondition on one key: its ModRevision must equal ModRevision,
// where 0 means the key must not exist.
type Cmp struct {
	Key         string
	ModRevision int64
}

// Absent is the precondition that key does not exist.
func Absent(key string) Cmp { return Cmp{Key: key} }

// Unchanged is the precondition that kv has not been written since it was read.
func Unchanged(kv KV) Cmp { return Cmp{Key: kv.Key, ModRevision: kv.ModRevision} }

// Txn is a transaction: if every Cmp holds, every Op is applied atomically
// under one new revision; otherwise nothing changes and Commit reports ErrConflict.
type Txn struct {
	If   []Cmp
	Then []Op
}

// Store is the contract every backend honours (see storetest for the suite).
type Store interface {
	// Get returns the current value of key, or ErrNotFound.
	Get(ctx context.Context, key string) (KV, error)
	// List returns every key with the prefix in key order, and the revision
	// the listing was read at (watch from it to see every later change).
	List(ctx context.Context, prefix string) ([]KV, int64, error)
	// Commit applies t and returns the new revision. Once Commit returns
	// without error the write is durable. A transaction whose ops change
	// nothing still succeeds and returns the current revision.
	Commit(ctx context.Context, t Txn) (int64, error)
	// Watch delivers, in revision order and without gaps, every change to keys
	// with the prefix whose revision is greater than after, and then every
	// later change, until ctx ends. Each batch holds whole transactions, so a
	// reader that applies a batch at once never sees half of one. It fails
	// with ErrCompacted when changes after that revision are no longer kept.
	// If the channel closes while ctx is still live, the watcher fell behind
	// compaction or the store closed: List again and watch from there.
	Watch(ctx context.Context, prefix string, after int64) (<-chan []Event, error)
	// Revision returns the store's current revision.
	Revision() int64
	// Close releases the store; pending watches end.
	Close() error
}
