package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/ecs/agent"
	"github.com/portolan/portolan/internal/ecs/runtime"
	"github.com/portolan/portolan/internal/store"
)

// Regions come from the request: the region in a request's SigV4
// credential scope selects the cell that serves it (cell.go), so that a
// cluster made in ap-northeast-1 is listed there and nowhere else, and
// carries ap-northeast-1 in its ARN. Unsigned requests, and clients that
// sign for the home region, are the home cell's.
//
// A region's cell is made the first time a request names it, and a
// marker (regionMarkers+region) says it exists, so every process of the
// installation (and this one after a restart) makes the same cells.

const (
	// regionMarkers is where the markers of the regions other than the
	// home one live: one key per region, its value the region's ordinal
	// (1 for the first region made after the home one, and so on).
	regionMarkers = "regions/"
	// regionCount is the last ordinal given.
	regionCount = "regioncount"
	// regionData is where those regions keep their state: each its own
	// keyspace, r/<region>/.
	regionData = "r/"
)

// regionKey reports whether a key of the root keyspace is about regions
// other than the home one (theirs, or their markers), not the home's own.
func regionKey(key string) bool {
	return strings.HasPrefix(key, regionData) || strings.HasPrefix(key, regionMarkers) || key == regionCount
}

// regionPrefix is the key prefix of a non-home region's keyspace.
func regionPrefix(region string) string { return regionData + region + "/" }

// regions holds the cells of the regions other than the home one.
type regions struct {
	s     *Server
	mu    sync.Mutex
	cells map[string]*cell
	added chan struct{} // closed, and replaced, whenever a cell is added
	// list is the cells, for the gateway to read without the lock.
	list atomic.Pointer[[]*cell]
}

// newRegions makes the cells of the regions the store already knows.
func newRegions(s *Server) (*regions, error) {
	r := &regions{s: s, cells: map[string]*cell{}, added: make(chan struct{})}
	kvs, _, err := s.store.List(context.Background(), regionMarkers)
	if err != nil {
		return nil, err
	}
	for _, kv := range kvs {
		if _, err := r.cell(context.Background(), strings.TrimPrefix(kv.Key, regionMarkers)); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// cell returns region's cell, making it (and its marker) if it is new.
func (r *regions) cell(ctx context.Context, region string) (*cell, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.cells[region]; c != nil {
		return c, nil
	}
	ordinal, err := r.mark(ctx, region)
	if err != nil {
		return nil, err
	}
	c := r.s.newCell(region, store.Prefixed(r.s.store, regionPrefix(region)), ordinal)
	if err := c.attach(r.s); err != nil {
		return nil, err
	}
	// Every region has the account's default VPC from the first request.
	if err := c.EC2.EnsureDefaultVPC(ctx); err != nil {
		return nil, err
	}
	// The DNS server answers every region's namespaces, as tasks of any
	// region resolve through it.
	r.s.DNS.AddView(c.CloudMap.View())
	r.cells[region] = c
	list := append(slices.Clone(r.all()), c)
	r.list.Store(&list)
	close(r.added)
	r.added = make(chan struct{})
	return c, nil
}

// mark returns region's ordinal, writing its marker with the next one if
// it has none yet.
func (r *regions) mark(ctx context.Context, region string) (int, error) {
	marker := regionMarkers + region
	var ordinal int
	_, err := store.Retry(ctx, r.s.store, func() (store.Txn, error) {
		n, _, err := store.GetJSON[int](ctx, r.s.store, marker)
		if err == nil {
			ordinal = *n
			return store.Txn{}, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, err
		}
		last, kv, err := store.GetJSON[int](ctx, r.s.store, regionCount)
		cmp := store.Unchanged(kv)
		switch {
		case errors.Is(err, store.ErrNotFound):
			last, cmp = new(int), store.Absent(regionCount)
		case err != nil:
			return store.Txn{}, err
		}
		ordinal = *last + 1
		return store.Txn{If: []store.Cmp{store.Absent(marker), cmp},
			Then: []store.Op{store.Put(marker, store.JSON(ordinal)), store.Put(regionCount, store.JSON(ordinal))}}, nil
	})
	return ordinal, err
}

// existing returns region's cell if it has been made.
func (r *regions) existing(region string) *cell {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cells[region]
}

// all returns the cells there are now (none before the regions exist).
func (r *regions) all() []*cell {
	if r == nil {
		return nil
	}
	if p := r.list.Load(); p != nil {
		return *p
	}
	return nil
}

// each runs fn for every cell, those there are and those made later,
// each in a goroutine of its own, until ctx ends or one fails.
func (r *regions) each(ctx context.Context, fn func(context.Context, *cell) error) error {
	g, ctx := errgroup.WithContext(ctx)
	started := map[*cell]bool{}
	for {
		r.mu.Lock()
		added := r.added
		for _, c := range r.cells {
			if !started[c] {
				started[c] = true
				g.Go(func() error { return fn(ctx, c) })
			}
		}
		r.mu.Unlock()
		select {
		case <-added:
		case <-ctx.Done():
			return g.Wait()
		}
	}
}

// Run serves the cells' roles that are not the controller's, in every
// process, and makes the cells other processes add.
func (r *regions) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return r.follow(ctx) })
	g.Go(func() error {
		return r.each(ctx, func(ctx context.Context, c *cell) error {
			serve, _ := r.s.split(c.roles())
			return runAll(ctx, serve)
		})
	})
	return g.Wait()
}

// follow makes the cell of every region marked in the store.
func (r *regions) follow(ctx context.Context) error {
	for ctx.Err() == nil {
		kvs, rev, err := r.s.store.List(ctx, regionMarkers)
		if err != nil {
			return err
		}
		for _, kv := range kvs {
			if _, err := r.cell(ctx, strings.TrimPrefix(kv.Key, regionMarkers)); err != nil {
				return err
			}
		}
		ch, err := r.s.store.Watch(ctx, regionMarkers, rev)
		if errors.Is(err, store.ErrCompacted) {
			continue // fell behind between the list and the watch: list again
		}
		if err != nil {
			return err
		}
		for batch := range ch {
			for _, ev := range batch {
				if ev.Type != store.EventDelete {
					if _, err := r.cell(ctx, strings.TrimPrefix(ev.KV.Key, regionMarkers)); err != nil {
						return err
					}
				}
			}
		}
	}
	return ctx.Err()
}

// controllers runs the cells' controller roles: a controller role of the
// home region's, so they run on the elected process, while it leads.
type regionControllers struct{ r *regions }

func (c regionControllers) Run(ctx context.Context) error {
	return c.r.each(ctx, func(ctx context.Context, cl *cell) error {
		_, control := c.r.s.split(cl.roles())
		return runAll(ctx, control)
	})
}

// runAll runs roles until ctx ends or one fails.
func runAll(ctx context.Context, roles []role) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, r := range roles {
		g.Go(func() error { return r.Run(ctx) })
	}
	return g.Wait()
}

// ServeHTTP sends an AWS request to the cell of its signing region.
func (r *regions) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	region := awsapi.SigningRegion(req)
	if region == "" || region == r.s.cfg.Region || !awsapi.ValidRegion(region) {
		// The home endpoint refuses a region that is not one.
		r.s.mux.ServeHTTP(w, req)
		return
	}
	c, err := r.cell(req.Context(), region)
	if err != nil {
		r.s.log.Error("making a region's services", "region", region, "err", err)
		http.Error(w, "region unavailable", http.StatusServiceUnavailable)
		return
	}
	c.mux.ServeHTTP(w, req)
}

// cognitoEndpoints serves Cognito's discovery and OAuth2 endpoints of the
// region their host names (cognito-idp.<region>.localhost,
// <domain>.auth.<region>.localhost), and hands everything else to the
// AWS endpoint.
type cognitoEndpoints struct{ s *Server }

func (e cognitoEndpoints) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := e.s.cell
	if region := cognitoRegion(r.Host); region != "" && region != c.region {
		if other := e.s.regions.existing(region); other != nil {
			c = other
		}
	}
	c.endpoints.ServeHTTP(w, r)
}

// cognitoRegion is the region a Cognito endpoint's host names, or "".
func cognitoRegion(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	rest, ok := strings.CutPrefix(host, "cognito-idp.")
	if !ok {
		if _, rest, ok = strings.Cut(host, ".auth."); !ok {
			return ""
		}
	}
	region, _, _ := strings.Cut(rest, ".")
	return region
}

// gatewayNext is where the home region's HTTP API gateway sends requests
// whose host is none of its APIs: to the home region's REST APIs, else to
// the region whose gateway serves the host (its HTTP APIs, then its REST
// APIs); a host nobody serves gets the home REST gateway's answer.
type gatewayNext struct{ s *Server }

func (n gatewayNext) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	home := n.s.cell
	// With no other region (the usual case) a home REST API request pays
	// nothing more than it did before there were regions.
	if others := n.s.regions.all(); len(others) > 0 {
		var apiHeader string
		if v := r.Header["X-Apigw-Api-Id"]; len(v) > 0 {
			apiHeader = v[0]
		}
		if !home.RestGateway.ServesHost(r.Host, apiHeader) {
			for _, c := range others {
				if c.Gateway.ServesHost(r.Host) || c.RestGateway.ServesHost(r.Host, apiHeader) {
					c.Gateway.ServeHTTP(w, r)
					return
				}
			}
		}
	}
	home.RestGateway.ServeHTTP(w, r)
}

// regionDriver is the task runtime as one region's agent sees it: tasks
// carry their region in their cluster's name in the runtime (an ECS
// cluster name has no dot), and List shows the region its own tasks only,
// so that no agent takes another region's tasks for orphans. The home
// region's tasks carry no region, as a single-region server made them.
type regionDriver struct {
	runtime.Driver
	region string // "" for the home region
}

func (d regionDriver) ProvisionTask(ctx context.Context, spec runtime.TaskSpec) (runtime.Task, error) {
	spec.Cluster = d.clusterIn(spec.Cluster)
	t, err := d.Driver.ProvisionTask(ctx, spec)
	t.Cluster, _ = d.clusterOf(t.Cluster)
	return t, err
}

func (d regionDriver) List(ctx context.Context) ([]runtime.Task, error) {
	all, err := d.Driver.List(ctx)
	if err != nil {
		return nil, err
	}
	var mine []runtime.Task
	for _, t := range all {
		if cluster, ok := d.clusterOf(t.Cluster); ok {
			t.Cluster = cluster
			mine = append(mine, t)
		}
	}
	return mine, nil
}

// clusterIn is the runtime's name for the region's cluster.
func (d regionDriver) clusterIn(cluster string) string {
	if d.region == "" {
		return cluster
	}
	return d.region + "." + cluster
}

// clusterOf is the ECS cluster of a runtime cluster name, and whether it
// is the region's.
func (d regionDriver) clusterOf(name string) (string, bool) {
	region, cluster, tagged := strings.Cut(name, ".")
	if !tagged {
		return name, d.region == ""
	}
	return cluster, region == d.region
}

// prefixedLeases grants leases whose keys are in a region's keyspace: the
// node's registration in that region's ECS.
func prefixedLeases(grant func(context.Context) (agent.Lease, error), prefix string) func(context.Context) (agent.Lease, error) {
	return func(ctx context.Context) (agent.Lease, error) {
		l, err := grant(ctx)
		if err != nil {
			return nil, err
		}
		return prefixedLease{Lease: l, prefix: prefix}, nil
	}
}

type prefixedLease struct {
	agent.Lease
	prefix string
}

func (l prefixedLease) Put(ctx context.Context, key string, value []byte) (int64, error) {
	return l.Lease.Put(ctx, l.prefix+key, value)
}
