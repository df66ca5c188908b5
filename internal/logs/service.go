package logs

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// Config is what New needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	Logger    *slog.Logger

	// FlushInterval bounds how long a Writer holds events before they are
	// committed (and so become readable). Default 200ms.
	FlushInterval time.Duration
	// RetentionInterval is how often Run deletes expired events. Default 1m.
	RetentionInterval time.Duration
	// DefaultRetention, when set, expires events of groups that have no
	// retention policy. Zero keeps them forever, as AWS does.
	DefaultRetention time.Duration
}

// Control is the CloudWatch Logs subset: its API handlers, the in-process
// writers, and the background work that flushes and expires events.
type Control struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	writers map[*Writer]struct{}
	// kick asks Run to flush now: a Writer sends when its buffer is full.
	kick chan struct{}
	// collect asks Run to purge deleted streams now.
	collect chan struct{}
	// scanBudget is filterScanBudget; tests lower it to see partial pages.
	scanBudget int64
}

// New returns the control plane over cfg.Store.
func New(cfg Config) *Control {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "000000000000"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = 200 * time.Millisecond
	}
	if cfg.RetentionInterval <= 0 {
		cfg.RetentionInterval = time.Minute
	}
	return &Control{
		cfg:        cfg,
		log:        cfg.Logger.With("service", "logs"),
		writers:    map[*Writer]struct{}{},
		kick:       make(chan struct{}, 1),
		collect:    make(chan struct{}, 1),
		scanBudget: filterScanBudget,
	}
}

// Run flushes Writers every FlushInterval (or sooner when one fills up),
// deletes expired events every RetentionInterval, and finishes deleting
// removed streams. When ctx ends it flushes once more and returns nil.
func (s *Control) Run(ctx context.Context) error {
	// Housekeeping can take a while (a big backlog of expired events), so
	// it has its own goroutine and never holds up flushing.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.housekeepLoop(ctx)
	}()
	defer wg.Wait()

	flush := time.NewTicker(s.cfg.FlushInterval)
	defer flush.Stop()
	for {
		select {
		case <-ctx.Done():
			// The writers' last lines matter most (a crashing container's
			// final words), so give them a short grace period of their own.
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			s.flushAll(final)
			cancel()
			return nil
		case <-flush.C:
			s.flushAll(ctx)
		case <-s.kick:
			s.flushAll(ctx)
		}
	}
}

func (s *Control) housekeepLoop(ctx context.Context) {
	expire := time.NewTicker(s.cfg.RetentionInterval)
	defer expire.Stop()
	s.housekeep(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-expire.C:
			s.housekeep(ctx)
		case <-s.collect:
			if err := s.collectTrash(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("collect deleted streams", "err", err)
			}
		}
	}
}

// housekeep is Run's periodic pass: expire, then collect deleted streams.
func (s *Control) housekeep(ctx context.Context) {
	if err := s.enforceRetention(ctx, time.Now()); err != nil && ctx.Err() == nil {
		s.log.Error("enforce retention", "err", err)
	}
	if err := s.collectTrash(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("collect deleted streams", "err", err)
	}
}

// flushAll commits every Writer's buffered events. The commits run
// concurrently so the store's group commit folds them into one fsync.
func (s *Control) flushAll(ctx context.Context) {
	s.mu.Lock()
	dirty := make([]*Writer, 0, len(s.writers))
	for w := range s.writers {
		if w.dirty() {
			dirty = append(dirty, w)
		}
	}
	s.mu.Unlock()
	const parallel = 64
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for _, w := range dirty {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := w.Flush(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("flush log events", "logGroupName", w.group, "logStreamName", w.stream, "err", err)
			}
		}()
	}
	wg.Wait()
}

func nowMillis() int64 { return time.Now().UnixMilli() }
