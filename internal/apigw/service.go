package apigw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// DefaultEndpoint is the apiEndpoint template when Config.Endpoint is empty:
// the gateway's default listener, reached by host name as AWS's
// {apiId}.execute-api.{region}.amazonaws.com is.
const DefaultEndpoint = "http://{apiId}.execute-api.localhost:8080"

// Config is what a Service needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	Logger    *slog.Logger
	// Endpoint is the apiEndpoint every API reports, with "{apiId}" replaced
	// by the API's id. The server sets it from the gateway's address.
	Endpoint string
}

// Service is API Gateway's HTTP API control plane. Its exported methods are
// the apigatewayv2 operations with the wire's inputs and outputs, so
// in-process callers use exactly what SDK clients use.
type Service struct {
	cfg  Config
	st   store.Store
	view *View
	log  *slog.Logger
}

// New returns a Service. Run keeps its View current.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	return &Service{cfg: cfg, st: cfg.Store, view: newView(cfg.Store, cfg.Logger), log: cfg.Logger}
}

// View is the read side the gateway follows.
func (s *Service) View() *View { return s.view }

// Run keeps the View current until ctx ends.
func (s *Service) Run(ctx context.Context) error { return s.view.run(ctx) }

// Store layout. An API's routes, integrations and authorizers live inside
// its record: they are small, always read together (deployments snapshot
// all of them at once), and one record makes every config change a single
// compare-and-swap, which is what keeps route keys unique and auto-deploys
// consistent without locks.
const keyPrefix = "apigw/"

func apiKey(id string) string                { return keyPrefix + "api/" + id }
func stagePrefix(apiID string) string        { return keyPrefix + "stage/" + apiID + "/" }
func stageKey(apiID, name string) string     { return stagePrefix(apiID) + name }
func deployPrefix(apiID string) string       { return keyPrefix + "deploy/" + apiID + "/" }
func deployKey(apiID, id string) string      { return deployPrefix(apiID) + id }
func deployCfgPrefix(apiID string) string    { return keyPrefix + "deploycfg/" + apiID + "/" }
func deployCfgKey(apiID, id string) string   { return deployCfgPrefix(apiID) + id }
func vpcLinkKey(id string) string            { return keyPrefix + "vpclink/" + id }
func apiEndpoint(tmpl, apiID string) string  { return strings.ReplaceAll(tmpl, "{apiId}", apiID) }
func (s *Service) endpoint(id string) string { return apiEndpoint(s.cfg.Endpoint, id) }

// apiRecord is what the store holds for an API.
type apiRecord struct {
	Api
	Routes       map[string]*Route       `json:",omitempty"`
	Integrations map[string]*Integration `json:",omitempty"`
	Authorizers  map[string]*Authorizer  `json:",omitempty"`
}

// config is the record's deployable part, in id order so that two
// deployments of the same config are byte-identical.
func (r *apiRecord) config() *DeploymentConfig {
	c := &DeploymentConfig{}
	for _, id := range sortedKeys(r.Routes) {
		c.Routes = append(c.Routes, *r.Routes[id])
	}
	for _, id := range sortedKeys(r.Integrations) {
		c.Integrations = append(c.Integrations, *r.Integrations[id])
	}
	for _, id := range sortedKeys(r.Authorizers) {
		c.Authorizers = append(c.Authorizers, *r.Authorizers[id])
	}
	return c
}

// deploymentRecord is a deployment's metadata; HasConfig says whether its
// config is still kept (see pruneAutoDeployments).
type deploymentRecord struct {
	Deployment
	HasConfig bool
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func listJSON[T any](ctx context.Context, st store.Store, prefix string) ([]*T, []store.KV, error) {
	kvs, _, err := st.List(ctx, prefix)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*T, 0, len(kvs))
	for _, kv := range kvs {
		v := new(T)
		if err := json.Unmarshal(kv.Value, v); err != nil {
			return nil, nil, err
		}
		out = append(out, v)
	}
	return out, kvs, nil
}

// commit applies the transaction build returns, re-running build when a
// precondition fails because another writer got there first, then waits
// until the View has the write, so a client that writes and then invokes
// (through a gateway following the View) sees its write.
func (s *Service) commit(ctx context.Context, build func() (store.Txn, error)) error {
	rev, err := store.Retry(ctx, s.st, func() (store.Txn, error) {
		txn, err := build()
		txn.Then = lastWriteWins(txn.Then)
		return txn, err
	})
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	if err == nil && rev > 0 {
		s.view.waitRevision(ctx, rev)
	}
	return err
}

// lastWriteWins keeps only the last op on each key: a transaction's
// builders may write a record and later rewrite it (a stage that also gets
// a deployment), and etcd refuses a transaction that names a key twice.
func lastWriteWins(ops []store.Op) []store.Op {
	last := make(map[string]int, len(ops))
	for i, op := range ops {
		last[op.Key] = i
	}
	if len(last) == len(ops) {
		return ops
	}
	out := make([]store.Op, 0, len(last))
	for i, op := range ops {
		if last[op.Key] == i {
			out = append(out, op)
		}
	}
	return out
}

// getAPI reads an API's record, or NotFoundException.
func (s *Service) getAPI(ctx context.Context, id string) (*apiRecord, store.KV, error) {
	if id == "" {
		return nil, store.KV{}, badRequest("ApiId is required")
	}
	rec, kv, err := store.GetJSON[apiRecord](ctx, s.st, apiKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, s.notFound("Api", id)
	}
	return rec, kv, err
}

// changeAPI is the one way an API's routes, integrations and authorizers
// change: edit gets the current record and returns what it produced (the
// operation's output, for the caller); the record is written back with a
// compare on its revision, and every stage with autoDeploy gets a new
// deployment of the result in the same transaction, as AWS redeploys such
// stages on every change.
func (s *Service) changeAPI(ctx context.Context, apiID string, edit func(rec *apiRecord) error) error {
	return s.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := s.getAPI(ctx, apiID)
		if err != nil {
			return store.Txn{}, err
		}
		before := store.JSON(rec.config())
		if err := edit(rec); err != nil {
			return store.Txn{}, err
		}
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(rec))}}
		if bytes.Equal(before, store.JSON(rec.config())) {
			// Nothing deployable changed (a rename, CORS): no new deployment.
			return txn, nil
		}
		stages, stageKVs, err := listJSON[Stage](ctx, s.st, stagePrefix(apiID))
		if err != nil {
			return store.Txn{}, err
		}
		var auto []*Stage
		for i, st := range stages {
			if st.AutoDeploy {
				auto = append(auto, st)
				txn.If = append(txn.If, store.Unchanged(stageKVs[i]))
			}
		}
		if len(auto) > 0 {
			ops, err := s.autoDeploy(ctx, rec, stages, auto)
			if err != nil {
				return store.Txn{}, err
			}
			txn.Then = append(txn.Then, ops...)
		}
		return txn, nil
	})
}

// autoDeploy returns the ops that deploy rec's config to the auto-deploying
// stages (one deployment shared by all of them) and prune what that
// supersedes. all is every stage of the API, auto the ones to move; the
// stages in auto are updated in place.
func (s *Service) autoDeploy(ctx context.Context, rec *apiRecord, all, auto []*Stage) ([]store.Op, error) {
	d := newDeployment(true, "")
	ops := []store.Op{
		store.Put(deployKey(rec.ApiId, d.DeploymentId), store.JSON(deploymentRecord{Deployment: *d, HasConfig: true})),
		store.Put(deployCfgKey(rec.ApiId, d.DeploymentId), store.JSON(rec.config())),
	}
	var old []string
	t := now()
	for _, st := range auto {
		if st.DeploymentId != "" {
			old = append(old, st.DeploymentId)
		}
		st.DeploymentId = d.DeploymentId
		st.LastUpdatedDate = t
		st.LastDeploymentStatusMessage = "Successfully deployed stage with deployment ID '" + d.DeploymentId + "'"
		ops = append(ops, store.Put(stageKey(rec.ApiId, st.StageName), store.JSON(st)))
	}
	prune, err := s.pruneAutoDeployments(ctx, rec.ApiId, old, all)
	return append(ops, prune...), err
}

// pruneAutoDeployments drops the config of automatic deployments that no
// stage uses any more. AWS keeps every deployment; keeping every automatic
// one's config would grow the store with the square of the number of
// changes (each snapshot holds the whole API), so only their metadata
// stays listed (docs/compat.md). stages is every stage after the change.
func (s *Service) pruneAutoDeployments(ctx context.Context, apiID string, candidates []string, stages []*Stage) ([]store.Op, error) {
	var ops []store.Op
	seen := map[string]bool{}
next:
	for _, id := range candidates {
		if seen[id] {
			continue
		}
		seen[id] = true
		for _, st := range stages {
			if st.DeploymentId == id {
				continue next
			}
		}
		d, _, err := store.GetJSON[deploymentRecord](ctx, s.st, deployKey(apiID, id))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !d.AutoDeployed || !d.HasConfig {
			continue
		}
		d.HasConfig = false
		ops = append(ops, store.Put(deployKey(apiID, id), store.JSON(d)), store.Delete(deployCfgKey(apiID, id)))
	}
	return ops, nil
}

func newDeployment(auto bool, description string) *Deployment {
	return &Deployment{
		AutoDeployed:     auto,
		CreatedDate:      now(),
		DeploymentId:     awsapi.RandomID(6),
		DeploymentStatus: DeploymentDeployed,
		Description:      description,
	}
}

func strOr(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}
