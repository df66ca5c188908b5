package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// EtcdOptions configures the etcd backend.
//
// The etcd members must accept Portolan's largest transactions: start them
// with --max-txn-ops of at least 4096 (etcd's default, 128, is below the
// batches a reset or a scale-down writes at once).
type EtcdOptions struct {
	// Endpoints are the members' client addresses (host:port).
	Endpoints []string
	// Prefix is put before every key, so that several installations share
	// one etcd without seeing each other's state. Never empty: default
	// "portolan/".
	Prefix string
	// Username and Password authenticate to an etcd with auth enabled.
	Username, Password string
	// CertFile and KeyFile are a TLS client certificate; CAFile verifies the
	// members. Any of them turns TLS on.
	CertFile, KeyFile, CAFile string
	// Unwatched lists key prefixes no watch reports (BoltOptions.Unwatched).
	// etcd keeps every write in its history until it compacts, so here the
	// prefixes only keep their events away from watchers that asked for a
	// wider prefix; run etcd with --auto-compaction-* to bound the history.
	Unwatched []string
	// DialTimeout bounds connecting to the cluster when opening. Default 10 s.
	DialTimeout time.Duration
}

// DefaultEtcdPrefix is where an installation's keys live unless told otherwise.
const DefaultEtcdPrefix = "portolan/"

// commitTimeout bounds how long a commit waits for the cluster once its
// caller has stopped waiting (Commit).
const commitTimeout = 30 * time.Second

// listPage bounds one range read of a listing; later pages read at the
// first page's revision, so a listing is still one consistent snapshot.
const listPage = 1000

// Etcd is the clustered backend: the store's keys, revisions, transactions
// and watches are etcd's own, under a per-installation key prefix.
// Revisions are the cluster's, so they are shared with anything else
// writing to the same etcd: they only grow, but need not be consecutive.
//
// What bolt's options do is etcd's business here: history is kept until
// etcd compacts it (bolt's LogRetention is etcd's
// --auto-compaction-mode=revision --auto-compaction-retention=100000), and
// nothing stops two servers opening one prefix (bolt's file lock has no
// counterpart until the servers elect a leader): run one per prefix.
type Etcd struct {
	cli       *clientv3.Client
	prefix    string
	unwatched []string

	// rev is the highest revision seen in any response or watch, which
	// makes Revision free; it can lag writes made through other clients
	// until this one next hears from the cluster.
	rev atomic.Int64

	closing chan struct{}
	closed  sync.Once
	wg      sync.WaitGroup
}

// OpenEtcd connects to the cluster and reads its current revision.
func OpenEtcd(ctx context.Context, opts EtcdOptions) (*Etcd, error) {
	if len(opts.Endpoints) == 0 {
		return nil, errors.New("open etcd store: no endpoints")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultEtcdPrefix
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 10 * time.Second
	}
	cfg := clientv3.Config{
		Endpoints:   opts.Endpoints,
		DialTimeout: opts.DialTimeout,
		Username:    opts.Username,
		Password:    opts.Password,
		Logger:      zap.NewNop(),
		// Keepalives notice a dead member, so the client moves its
		// requests and watches to another one.
		DialKeepAliveTime:    5 * time.Second,
		DialKeepAliveTimeout: 5 * time.Second,
	}
	if opts.CertFile != "" || opts.KeyFile != "" || opts.CAFile != "" {
		tlsInfo := transport.TLSInfo{CertFile: opts.CertFile, KeyFile: opts.KeyFile, TrustedCAFile: opts.CAFile}
		tc, err := tlsInfo.ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("open etcd store: TLS: %w", err)
		}
		cfg.TLS = tc
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("open etcd store %v: %w", opts.Endpoints, err)
	}
	s := &Etcd{cli: cli, prefix: opts.Prefix, unwatched: opts.Unwatched, closing: make(chan struct{})}
	// Reading one key proves the cluster answers (and the credentials
	// work) and gives Revision its first value.
	rctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	resp, err := cli.Get(rctx, s.probeKey(), clientv3.WithCountOnly())
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("open etcd store %v: %w", opts.Endpoints, err)
	}
	s.observe(resp.Header)
	return s, nil
}

// probeKey is a key read only for the revision in the answer.
func (s *Etcd) probeKey() string { return s.prefix + "\x00" }

// Revision returns the highest revision this client has seen (see Etcd.rev).
func (s *Etcd) Revision() int64 { return s.rev.Load() }

func (s *Etcd) observe(h *etcdserverpb.ResponseHeader) {
	if h == nil {
		return
	}
	for {
		cur := s.rev.Load()
		if h.Revision <= cur || s.rev.CompareAndSwap(cur, h.Revision) {
			return
		}
	}
}

func (s *Etcd) kv(kv *mvccpb.KeyValue) KV {
	return KV{
		Key:            strings.TrimPrefix(string(kv.Key), s.prefix),
		Value:          kv.Value,
		CreateRevision: kv.CreateRevision,
		ModRevision:    kv.ModRevision,
	}
}

// Get returns the current value of key.
func (s *Etcd) Get(ctx context.Context, key string) (KV, error) {
	resp, err := s.cli.Get(ctx, s.prefix+key)
	if err != nil {
		return KV{}, s.err(err)
	}
	s.observe(resp.Header)
	if len(resp.Kvs) == 0 {
		return KV{}, ErrNotFound
	}
	return s.kv(resp.Kvs[0]), nil
}

// List returns every key with the prefix, in key order, read in pages at
// one revision.
func (s *Etcd) List(ctx context.Context, prefix string) ([]KV, int64, error) {
	from := s.prefix + prefix
	end := clientv3.GetPrefixRangeEnd(from)
	var (
		out []KV
		rev int64
	)
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(listPage)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := s.cli.Get(ctx, from, opts...)
		if err != nil {
			return nil, 0, s.err(err)
		}
		s.observe(resp.Header)
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, kv := range resp.Kvs {
			out = append(out, s.kv(kv))
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return out, rev, nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// Commit applies t as one etcd transaction: each Cmp compares the key's
// ModRevision (0 for an absent key, which is how etcd compares a missing
// key), and the ops run only if every compare holds.
//
// Once sent, a transaction may land whatever ctx does, so Commit waits
// for etcd's answer (up to commitTimeout) even if ctx ends, as bolt's does:
// a caller never reports failure for a write that was made durable. Past
// that bound (no member answering) the outcome is unknown; the services'
// compares make a retry safe.
func (s *Etcd) Commit(ctx context.Context, t Txn) (int64, error) {
	select {
	case <-s.closing:
		return 0, ErrClosed
	default:
	}
	cmps := make([]clientv3.Cmp, len(t.If))
	for i, c := range t.If {
		cmps[i] = clientv3.Compare(clientv3.ModRevision(s.prefix+c.Key), "=", c.ModRevision)
	}
	ops, err := s.ops(t.Then)
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	resp, err := s.cli.Txn(tctx).If(cmps...).Then(ops...).Commit()
	if err != nil {
		if errors.Is(err, rpctypes.ErrTooManyOps) {
			return 0, fmt.Errorf("store commit of %d writes: %w (start etcd with a larger --max-txn-ops)", len(ops), err)
		}
		return 0, s.err(err)
	}
	s.observe(resp.Header)
	if !resp.Succeeded {
		return 0, ErrConflict
	}
	return resp.Header.Revision, nil
}

// ops turns t's writes into etcd's. etcd refuses a transaction that
// writes one key twice, so only each key's last write is kept: the end
// state is the same (bolt would also report the overwritten write to its
// watchers).
func (s *Etcd) ops(then []Op) ([]clientv3.Op, error) {
	last := make(map[string]int, len(then))
	for i, op := range then {
		if op.Key == "" {
			return nil, errors.New("store: empty key")
		}
		last[op.Key] = i
	}
	ops := make([]clientv3.Op, 0, len(last))
	for i, op := range then {
		if last[op.Key] != i {
			continue
		}
		if op.Delete {
			ops = append(ops, clientv3.OpDelete(s.prefix+op.Key))
		} else {
			ops = append(ops, clientv3.OpPut(s.prefix+op.Key, string(op.Value)))
		}
	}
	return ops, nil
}

// err maps etcd's errors onto the store's.
func (s *Etcd) err(err error) error {
	switch {
	case errors.Is(err, rpctypes.ErrCompacted):
		return ErrCompacted
	case isClosed(s.closing):
		return ErrClosed
	}
	return fmt.Errorf("store: etcd: %w", err)
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Watch streams changes under prefix after revision after. It fails with
// ErrCompacted when etcd no longer holds revision after; a watch that falls
// behind a compaction later, or that loses the cluster's leader, closes its
// channel, and the follower lists again.
func (s *Etcd) Watch(ctx context.Context, prefix string, after int64) (<-chan []Event, error) {
	if isClosed(s.closing) {
		return nil, ErrClosed
	}
	if after > 0 {
		// A read at that revision fails exactly when it was compacted
		// (etcd would say so on the watch too, but only asynchronously).
		_, err := s.cli.Get(ctx, s.probeKey(), clientv3.WithRev(after), clientv3.WithCountOnly())
		switch {
		case errors.Is(err, rpctypes.ErrCompacted):
			return nil, ErrCompacted
		case err != nil && !errors.Is(err, rpctypes.ErrFutureRev):
			return nil, s.err(err)
		}
	}
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	wch := s.cli.Watch(wctx, s.prefix+prefix, clientv3.WithPrefix(), clientv3.WithRev(after+1), clientv3.WithPrevKV())
	ch := make(chan []Event, 64)
	s.wg.Add(1)
	go s.watch(wctx, cancel, wch, ch)
	return ch, nil
}

// watch forwards etcd's watch responses. etcd guarantees a response never
// splits a revision (its API guarantees: "Atomic"), so each response is
// whole transactions and becomes one batch.
func (s *Etcd) watch(ctx context.Context, cancel context.CancelFunc, wch clientv3.WatchChan, ch chan<- []Event) {
	defer s.wg.Done()
	defer close(ch)
	defer cancel()
	for {
		var resp clientv3.WatchResponse
		select {
		case r, ok := <-wch:
			if !ok {
				return
			}
			resp = r
		case <-s.closing:
			return
		}
		if resp.Canceled || resp.CompactRevision != 0 || resp.Err() != nil {
			return // fell behind compaction, or lost the leader: list again
		}
		s.observe(&resp.Header)
		events := s.events(resp.Events)
		if len(events) == 0 {
			continue
		}
		select {
		case ch <- events:
		case <-ctx.Done():
			return
		case <-s.closing:
			return
		}
	}
}

func (s *Etcd) events(evs []*clientv3.Event) []Event {
	out := make([]Event, 0, len(evs))
	for _, ev := range evs {
		kv := s.kv(ev.Kv)
		if s.isUnwatched(kv.Key) {
			continue
		}
		e := Event{Type: EventPut, KV: kv}
		if ev.Type == clientv3.EventTypeDelete {
			e.Type = EventDelete
			// A delete carries no value: report the one it removed, as bolt does.
			if ev.PrevKv != nil {
				e.KV.Value = ev.PrevKv.Value
				e.KV.CreateRevision = ev.PrevKv.CreateRevision
			}
		}
		out = append(out, e)
	}
	return out
}

func (s *Etcd) isUnwatched(key string) bool {
	for _, p := range s.unwatched {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// Compact drops the cluster's history up to rev (every installation's:
// history is etcd's, not the prefix's). Watches from before rev then fail
// with ErrCompacted, and the watches behind it close.
func (s *Etcd) Compact(ctx context.Context, rev int64) error {
	resp, err := s.cli.Compact(ctx, rev, clientv3.WithCompactPhysical())
	if err != nil {
		return s.err(err)
	}
	s.observe(resp.Header)
	return nil
}

// Close ends every watch and disconnects.
func (s *Etcd) Close() error {
	s.closed.Do(func() { close(s.closing) })
	s.wg.Wait()
	return s.cli.Close()
}

var _ Store = (*Etcd)(nil)

// Client is the store's etcd client, for what the store interface has no
// word for: leases and elections (package cluster). Keys written through
// it go under KeyPrefix, or the store never sees them.
func (s *Etcd) Client() *clientv3.Client { return s.cli }

// KeyPrefix is put before every store key in etcd (EtcdOptions.Prefix).
func (s *Etcd) KeyPrefix() string { return s.prefix }
