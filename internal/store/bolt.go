package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// BoltOptions tunes the embedded backend.
type BoltOptions struct {
	// LogRetention is how many revisions of history are kept for watches
	// to resume from. Default 100,000.
	LogRetention int64
	// Unwatched lists key prefixes that keep no history: their writes take
	// revisions but never reach a watch. Bulk data nobody watches (log
	// events) would otherwise be stored twice, once in the history.
	Unwatched []string
	// LockTimeout is how long to wait for another process to release the
	// file. Default 10 s: a server restarted right after a kill -9 on a
	// loaded machine may find the lock still held for a moment, and should
	// wait rather than fail; two live servers on one data dir still fail.
	LockTimeout time.Duration
}

var (
	bucketKV   = []byte("kv")
	bucketLog  = []byte("log")
	bucketMeta = []byte("meta")
	keyRev     = []byte("rev")
	keyCompact = []byte("compacted")
)

// maxBatch bounds how many queued transactions share one bolt commit (and so
// one fsync): enough to absorb a burst, small enough to keep each commit short.
const maxBatch = 512

// Bolt is the embedded backend: one bbolt file. Writes are group-committed:
// a single writer applies every transaction queued while the previous commit
// was syncing, then fsyncs once, so concurrent clients share the disk flush
// without an artificial batching delay.
type Bolt struct {
	db        *bolt.DB
	retention int64
	unwatched []string

	rev       atomic.Int64
	compacted atomic.Int64

	queue   chan *commitReq
	closing chan struct{}
	closed  sync.Once
	wg      sync.WaitGroup

	mu     sync.Mutex
	notify chan struct{} // closed and replaced after every commit that changed something
}

type commitReq struct {
	txn  Txn
	rev  int64
	err  error
	done chan struct{}
}

// OpenBolt opens (creating if needed) the store file at path. It fails if
// another process holds the file, so two servers never share a data dir.
func OpenBolt(path string, opts BoltOptions) (*Bolt, error) {
	if opts.LogRetention <= 0 {
		opts.LogRetention = 100_000
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 10 * time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, NoFreelistSync: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: another process holds it (waited %v): is a server already running on this data dir?", path, opts.LockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Bolt{
		db:        db,
		retention: opts.LogRetention,
		unwatched: opts.Unwatched,
		queue:     make(chan *commitReq, maxBatch),
		closing:   make(chan struct{}),
		notify:    make(chan struct{}),
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketKV, bucketLog, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		s.rev.Store(getInt(meta, keyRev))
		s.compacted.Store(getInt(meta, keyCompact))
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s.wg.Add(1)
	go s.writer()
	return s, nil
}

// Revision returns the revision of the last durable commit.
func (s *Bolt) Revision() int64 { return s.rev.Load() }

// Get returns the current value of key.
func (s *Bolt) Get(_ context.Context, key string) (KV, error) {
	var kv KV
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketKV).Get([]byte(key))
		if v == nil {
			return ErrNotFound
		}
		kv = decodeKV(key, v)
		return nil
	})
	return kv, err
}

// List returns every key with the prefix, in key order.
func (s *Bolt) List(_ context.Context, prefix string) ([]KV, int64, error) {
	var (
		out []KV
		rev int64
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		rev = getInt(tx.Bucket(bucketMeta), keyRev)
		c := tx.Bucket(bucketKV).Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			out = append(out, decodeKV(string(k), v))
		}
		return nil
	})
	return out, rev, err
}

// Commit queues t for the writer and waits until it is durable.
func (s *Bolt) Commit(ctx context.Context, t Txn) (int64, error) {
	r := &commitReq{txn: t, done: make(chan struct{})}
	select {
	case s.queue <- r:
	case <-s.closing:
		return 0, ErrClosed
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	// Once queued, the write may land: wait for the outcome even if ctx ends,
	// so a caller never reports failure for a write that was made durable.
	<-r.done
	return r.rev, r.err
}

func (s *Bolt) writer() {
	defer s.wg.Done()
	batch := make([]*commitReq, 0, maxBatch)
	for {
		select {
		case r := <-s.queue:
			batch = append(batch[:0], r)
		case <-s.closing:
			s.failQueued()
			return
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-s.queue:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.commitBatch(batch)
	}
}

func (s *Bolt) failQueued() {
	for {
		select {
		case r := <-s.queue:
			r.err = ErrClosed
			close(r.done)
		default:
			return
		}
	}
}

func (s *Bolt) commitBatch(batch []*commitReq) {
	var rev, compacted int64
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		rev = getInt(meta, keyRev)
		for _, r := range batch {
			r.rev, r.err = s.apply(tx, r.txn, rev)
			if r.err == nil && r.rev > rev {
				rev = r.rev
			}
		}
		compacted = getInt(meta, keyCompact)
		if rev-compacted > s.retention+s.retention/4 {
			compacted = rev - s.retention
			if err := compactLog(tx.Bucket(bucketLog), compacted); err != nil {
				return err
			}
			if err := putInt(meta, keyCompact, compacted); err != nil {
				return err
			}
		}
		return putInt(meta, keyRev, rev)
	})
	changed := false
	if err == nil {
		changed = rev != s.rev.Load()
		s.compacted.Store(compacted)
		s.rev.Store(rev)
	}
	for _, r := range batch {
		if err != nil {
			r.rev, r.err = 0, fmt.Errorf("store commit: %w", err)
		}
		close(r.done)
	}
	if changed {
		s.mu.Lock()
		close(s.notify)
		s.notify = make(chan struct{})
		s.mu.Unlock()
	}
}

// apply checks t's preconditions and writes its ops at revision cur+1. It
// returns the revision the transaction ended at: cur when nothing changed.
func (s *Bolt) apply(tx *bolt.Tx, t Txn, cur int64) (int64, error) {
	kvb, logb := tx.Bucket(bucketKV), tx.Bucket(bucketLog)
	for _, c := range t.If {
		var mod int64
		if v := kvb.Get([]byte(c.Key)); v != nil {
			mod = int64(binary.BigEndian.Uint64(v[8:16]))
		}
		if mod != c.ModRevision {
			return 0, ErrConflict
		}
	}
	rev := cur + 1
	var seq uint32
	for _, op := range t.Then {
		if op.Key == "" {
			return 0, errors.New("store: empty key")
		}
		key := []byte(op.Key)
		old := kvb.Get(key)
		var ev Event
		if op.Delete {
			if old == nil {
				continue
			}
			prev := decodeKV(op.Key, old)
			ev = Event{Type: EventDelete, KV: KV{Key: op.Key, Value: prev.Value, CreateRevision: prev.CreateRevision, ModRevision: rev}}
			if err := kvb.Delete(key); err != nil {
				return 0, err
			}
		} else {
			create := rev
			if old != nil {
				create = int64(binary.BigEndian.Uint64(old[0:8]))
			}
			ev = Event{Type: EventPut, KV: KV{Key: op.Key, Value: op.Value, CreateRevision: create, ModRevision: rev}}
			if err := kvb.Put(key, encodeKV(ev.KV)); err != nil {
				return 0, err
			}
		}
		seq++
		if s.isUnwatched(op.Key) {
			continue
		}
		if err := logb.Put(logKey(rev, seq-1), encodeEvent(ev)); err != nil {
			return 0, err
		}
	}
	if seq == 0 {
		return cur, nil
	}
	return rev, nil
}

func (s *Bolt) isUnwatched(key string) bool {
	for _, p := range s.unwatched {
		if len(key) >= len(p) && key[:len(p)] == p {
			return true
		}
	}
	return false
}

func compactLog(logb *bolt.Bucket, upTo int64) error {
	c := logb.Cursor()
	end := logKey(upTo+1, 0)
	for k, _ := c.First(); k != nil && bytes.Compare(k, end) < 0; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// Watch streams changes under prefix after revision after.
func (s *Bolt) Watch(ctx context.Context, prefix string, after int64) (<-chan []Event, error) {
	if after < s.compacted.Load() {
		return nil, ErrCompacted
	}
	select {
	case <-s.closing:
		return nil, ErrClosed
	default:
	}
	ch := make(chan []Event, 64)
	s.wg.Add(1)
	go s.watch(ctx, prefix, after, ch)
	return ch, nil
}

// watch is owned by the caller's ctx and by the store (Close waits for it).
// It reads the durable log rather than receiving pushed events, so a slow
// watcher never slows writers and a resumed watcher sees exactly what it missed.
func (s *Bolt) watch(ctx context.Context, prefix string, next int64, ch chan<- []Event) {
	defer s.wg.Done()
	defer close(ch)
	for {
		s.mu.Lock()
		wake := s.notify
		s.mu.Unlock()
		for cur := s.rev.Load(); next < cur; {
			events, upTo, err := s.readLog(prefix, next, cur)
			if err != nil {
				return
			}
			if len(events) > 0 {
				select {
				case ch <- events:
				case <-ctx.Done():
					return
				case <-s.closing:
					return
				}
			}
			next = upTo
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return
		case <-s.closing:
			return
		}
	}
}

// readLog returns a page of events with revisions in (after, cur] and the
// revision the page reaches: a page ends on a revision boundary so a
// transaction's events are never split.
func (s *Bolt) readLog(prefix string, after, cur int64) ([]Event, int64, error) {
	const page = 1024
	var (
		out  []Event
		upTo = cur
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		if after < getInt(tx.Bucket(bucketMeta), keyCompact) {
			return ErrCompacted
		}
		c := tx.Bucket(bucketLog).Cursor()
		n := 0
		for k, v := c.Seek(logKey(after+1, 0)); k != nil; k, v = c.Next() {
			rev := int64(binary.BigEndian.Uint64(k[:8]))
			if rev > cur {
				break
			}
			if n >= page && rev != upTo {
				break
			}
			n++
			upTo = rev
			ev := decodeEvent(v)
			if len(prefix) == 0 || (len(ev.KV.Key) >= len(prefix) && ev.KV.Key[:len(prefix)] == prefix) {
				out = append(out, ev)
			}
		}
		if n < page {
			upTo = cur
		}
		return nil
	})
	return out, upTo, err
}

// Close stops the writer and every watch, then closes the file.
func (s *Bolt) Close() error {
	s.closed.Do(func() { close(s.closing) })
	s.wg.Wait()
	return s.db.Close()
}

// On-disk encodings. A kv value is createRev(8) modRev(8) value; a log entry
// is type(1) createRev(8) modRev(8) keyLen(uvarint) key value.

func encodeKV(kv KV) []byte {
	b := make([]byte, 16+len(kv.Value))
	binary.BigEndian.PutUint64(b[0:8], uint64(kv.CreateRevision))
	binary.BigEndian.PutUint64(b[8:16], uint64(kv.ModRevision))
	copy(b[16:], kv.Value)
	return b
}

func decodeKV(key string, b []byte) KV {
	return KV{
		Key:            key,
		CreateRevision: int64(binary.BigEndian.Uint64(b[0:8])),
		ModRevision:    int64(binary.BigEndian.Uint64(b[8:16])),
		Value:          bytes.Clone(b[16:]),
	}
}

func encodeEvent(ev Event) []byte {
	b := make([]byte, 0, 17+binary.MaxVarintLen64+len(ev.KV.Key)+len(ev.KV.Value))
	b = append(b, byte(ev.Type))
	b = binary.BigEndian.AppendUint64(b, uint64(ev.KV.CreateRevision))
	b = binary.BigEndian.AppendUint64(b, uint64(ev.KV.ModRevision))
	b = binary.AppendUvarint(b, uint64(len(ev.KV.Key)))
	b = append(b, ev.KV.Key...)
	return append(b, ev.KV.Value...)
}

func decodeEvent(b []byte) Event {
	ev := Event{Type: EventType(b[0])}
	ev.KV.CreateRevision = int64(binary.BigEndian.Uint64(b[1:9]))
	ev.KV.ModRevision = int64(binary.BigEndian.Uint64(b[9:17]))
	n, w := binary.Uvarint(b[17:])
	rest := b[17+w:]
	ev.KV.Key = string(rest[:n])
	ev.KV.Value = bytes.Clone(rest[n:])
	return ev
}

func logKey(rev int64, seq uint32) []byte {
	k := make([]byte, 12)
	binary.BigEndian.PutUint64(k[:8], uint64(rev))
	binary.BigEndian.PutUint32(k[8:], seq)
	return k
}

func getInt(b *bolt.Bucket, key []byte) int64 {
	v := b.Get(key)
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func putInt(b *bolt.Bucket, key []byte, v int64) error {
	return b.Put(key, binary.BigEndian.AppendUint64(nil, uint64(v)))
}
