package cloudformation

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/portolan/portolan/internal/stack"
	"github.com/portolan/portolan/internal/store"
)

// DefaultExecuteHold is how long ExecuteChangeSet waits for the stack
// operation it starts before it answers (see Config.ExecuteHold).
const DefaultExecuteHold = 20 * time.Second

// deletedRetention is how long ListStacks shows a deleted stack, as AWS does.
const deletedRetention = 90 * 24 * time.Hour

// Config is what Control needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	// Stacks is the engine that deploys and deletes.
	Stacks *stack.Deployer
	// Images maps image names in templates to something this server's
	// runtime runs (--image NAME=REF), for every stack. A stack's tags
	// portolan:image:NAME add to it.
	Images map[string]string
	// ExecuteHold is how long ExecuteChangeSet waits for the operation it
	// starts to end before answering (DefaultExecuteHold when zero; negative:
	// not at all). The AWS CLI's deploy command polls the stack every 30 s
	// once the call returns; a stack that is done by then is reported at once.
	ExecuteHold time.Duration
	Logger      *slog.Logger
}

// Control is CloudFormation's control plane. Its exported methods are the
// API operations with the wire's inputs and outputs, so in-process callers
// (`portolan up`) use what SDK clients use.
type Control struct {
	cfg    Config
	st     store.Store
	engine *stack.Deployer
	log    *slog.Logger

	mu sync.Mutex
	// run is Run's context while it runs (nil before and after): stack
	// operations run under it.
	run   context.Context
	ops   map[string]*operation // by stack name
	wg    sync.WaitGroup        // the operations' goroutines
	ready chan struct{}
	// lastEvent is the last event sequence used per stack id, so that
	// events written in the same nanosecond keep their order.
	lastEvent map[string]int64
}

// New returns the control plane. Run serves its stack operations.
func New(cfg Config) *Control {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ExecuteHold == 0 {
		cfg.ExecuteHold = DefaultExecuteHold
	}
	return &Control{cfg: cfg, st: cfg.Store, engine: cfg.Stacks, log: cfg.Logger,
		ops: map[string]*operation{}, ready: make(chan struct{}), lastEvent: map[string]int64{}}
}

// Run settles what a stopped server left behind (see recoverStacks), then
// runs stack operations until ctx ends. Operations under way then stop
// where they are, without rolling back; the next Run marks their stacks
// failed, as after a crash.
func (c *Control) Run(ctx context.Context) error {
	if err := c.recoverStacks(ctx); err != nil {
		return err
	}
	c.mu.Lock()
	c.run = ctx
	c.mu.Unlock()
	close(c.ready)
	<-ctx.Done()
	c.mu.Lock()
	c.run = nil
	for _, op := range c.ops {
		op.cancel(stack.ErrStopping)
	}
	c.mu.Unlock()
	c.wg.Wait()
	return nil
}

// Ready returns once Run accepts stack operations.
func (c *Control) Ready(ctx context.Context) error {
	select {
	case <-c.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// images is what a stack's deploys map image names to: the server's
// mappings, then the stack's portolan:image:NAME tags.
func (c *Control) images(tags []Tag) map[string]string {
	m := maps.Clone(c.cfg.Images)
	if m == nil {
		m = map[string]string{}
	}
	for _, t := range tags {
		if name, ok := strings.CutPrefix(t.Key, ImageTagPrefix); ok && name != "" {
			m[name] = t.Value
		}
	}
	return m
}

// ImageTagPrefix starts the key of a stack tag that maps an image name
// for that stack's deploys: portolan:image:app=/path/to/app.
const ImageTagPrefix = "portolan:image:"

// stackUUID is the UUID that ends a stack id, under which its events and
// change sets are kept.
func stackUUID(stackID string) string {
	return stackID[strings.LastIndexByte(stackID, '/')+1:]
}

// getRecord returns the live stack named, or nil.
func (c *Control) getRecord(ctx context.Context, name string) (*stackRecord, store.KV, error) {
	rec, kv, err := store.GetJSON[stackRecord](ctx, c.st, stackKey(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, nil
	}
	return rec, kv, err
}

// putRecord writes a live stack's record.
func (c *Control) putRecord(ctx context.Context, rec *stackRecord) error {
	_, err := c.st.Commit(context.WithoutCancel(ctx), store.Txn{Then: []store.Op{store.Put(stackKey(rec.StackName), store.JSON(rec))}})
	return err
}

// recoverStacks settles what a server that stopped during stack
// operations left behind. The engine's Recover has marked its stacks
// <OPERATION>_FAILED; this adds the event that says so, finishes a
// deletion the engine completed but this package had not recorded, fails
// a create the engine never started, and fails change sets left
// executing. It also forgets stacks deleted more than 90 days ago.
func (c *Control) recoverStacks(ctx context.Context) error {
	kvs, _, err := c.st.List(ctx, stackPrefix)
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		rec := store.DecodeJSON[stackRecord](kv.Value)
		if rec == nil {
			continue
		}
		eng, err := c.engine.Get(ctx, rec.StackName)
		if err != nil {
			return err
		}
		if err := c.recoverStack(ctx, rec, eng); err != nil {
			return err
		}
	}
	return c.forgetDeleted(ctx, time.Now().Add(-deletedRetention))
}

func (c *Control) recoverStack(ctx context.Context, rec *stackRecord, eng *stack.Stack) error {
	status, reason := rec.status(eng)
	inProgress := strings.HasSuffix(status, "_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS"
	switch {
	case eng == nil && status == "DELETE_IN_PROGRESS":
		last, err := c.lastStackEvent(ctx, rec.StackId)
		if err != nil {
			return err
		}
		return c.finishDelete(ctx, rec, last == nil || last.ResourceStatus != "DELETE_COMPLETE")
	case eng == nil && inProgress:
		rec.setStatus("CREATE_FAILED", "The server stopped during "+status+"; delete the stack, or create it again.")
		if err := c.putRecord(ctx, rec); err != nil {
			return err
		}
		c.stackEvent(ctx, rec, rec.Status, rec.StatusReason)
	case eng != nil && !inProgress:
		// The engine's Recover changes a status without an event.
		last, err := c.lastStackEvent(ctx, rec.StackId)
		if err != nil {
			return err
		}
		if last != nil && last.ResourceStatus != status && strings.HasSuffix(last.ResourceStatus, "_IN_PROGRESS") {
			c.stackEvent(ctx, rec, status, reason)
		}
	}
	return c.failExecutingChangeSets(ctx, rec)
}
