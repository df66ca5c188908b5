package cluster

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"

	"github.com/portolan/portolan/internal/store"
)

// electionKey is where the controller election lives, under the store's
// prefix: one election per installation.
const electionKey = "cluster/controller"

// Etcd is the cluster of the processes sharing an etcd store.
type Etcd struct {
	cli    *clientv3.Client
	prefix string
	ttl    time.Duration
	// Logger reports leadership changes (discarded when nil).
	Logger *slog.Logger
}

// NewEtcd returns the cluster on st's etcd, with leases of ttl (rounded
// up to whole seconds, etcd's unit).
func NewEtcd(st *store.Etcd, ttl time.Duration) *Etcd {
	return &Etcd{cli: st.Client(), prefix: st.KeyPrefix(), ttl: ttl}
}

func (e *Etcd) TTL() time.Duration { return e.ttl }

func (e *Etcd) log() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

func (e *Etcd) session() (*concurrency.Session, error) {
	secs := max(1, int(math.Ceil(e.ttl.Seconds())))
	// The session's own context, not a caller's: renewals go on until
	// Revoke, whatever request granted it.
	return concurrency.NewSession(e.cli, concurrency.WithTTL(secs))
}

func (e *Etcd) Grant(ctx context.Context) (Lease, error) {
	type result struct {
		s   *concurrency.Session
		err error
	}
	ch := make(chan result, 1)
	go func() { s, err := e.session(); ch <- result{s, err} }()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, r.err
		}
		return &etcdLease{e: e, s: r.s}, nil
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.s != nil {
				r.s.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

type etcdLease struct {
	e *Etcd
	s *concurrency.Session
}

func (l *etcdLease) Put(ctx context.Context, key string, value []byte) (int64, error) {
	resp, err := l.e.cli.Put(ctx, l.e.prefix+key, string(value), clientv3.WithLease(l.s.Lease()))
	if err != nil {
		return 0, err
	}
	return resp.Header.Revision, nil
}

func (l *etcdLease) Lost() <-chan struct{} { return l.s.Done() }

func (l *etcdLease) Revoke(ctx context.Context) error {
	_, err := l.e.cli.Revoke(ctx, l.s.Lease())
	l.s.Orphan()
	return err
}

// Lead campaigns in the installation's election. A session of the TTL
// backs the campaign: if this process dies or loses etcd, the session's
// lease expires and the next candidate wins.
func (e *Etcd) Lead(ctx context.Context, id string, fn func(ctx context.Context) error) error {
	for ctx.Err() == nil {
		err := e.leadOnce(ctx, id, fn)
		if err != nil && ctx.Err() == nil {
			var fatal fnError
			if errors.As(err, &fatal) {
				return fatal.err
			}
			e.log().Warn("controller election", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
	return nil
}

// fnError is an error of fn itself, which ends Lead.
type fnError struct{ err error }

func (f fnError) Error() string { return f.err.Error() }

// leadOnce wins one term and serves it: it returns when the term ends
// (the session lost) or ctx ends.
func (e *Etcd) leadOnce(ctx context.Context, id string, fn func(ctx context.Context) error) error {
	s, err := e.session()
	if err != nil {
		return err
	}
	defer s.Close()
	el := concurrency.NewElection(s, e.prefix+electionKey)
	// The campaign ends too when the session does: a candidate whose lease
	// expired while waiting could otherwise win on a dead lease.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.Done():
			cancel()
		case <-cctx.Done():
		}
	}()
	if err := el.Campaign(cctx, id); err != nil {
		return err
	}
	e.log().Info("leading the controller", "node", id, "lease", int64(s.Lease()))
	err = fn(cctx)
	if ctx.Err() == nil && cctx.Err() != nil {
		e.log().Warn("lost the controller's lease", "node", id)
		return nil
	}
	if ctx.Err() != nil {
		// Hand over at once rather than after the TTL.
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		el.Resign(rctx)
		rcancel()
		return nil
	}
	if err != nil {
		return fnError{err}
	}
	return nil
}
