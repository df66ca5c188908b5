package cloudmap

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Config is what a Registry needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	Logger    *slog.Logger
}

// Registry is Cloud Map: its exported methods are the API operations, with
// the same inputs and outputs as the wire, so in-process callers (ECS, the
// stack deployer) use exactly what AWS clients use.
type Registry struct {
	cfg  Config
	st   store.Store
	view *View
	log  *slog.Logger
}

// New returns a Registry. Run must be running for DiscoverInstances to answer.
func New(cfg Config) *Registry {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Registry{cfg: cfg, st: cfg.Store, view: newView(cfg.Store, cfg.Logger), log: cfg.Logger}
}

// View is the read side that the DNS server and the gateway follow.
func (r *Registry) View() *View { return r.view }

// Run keeps the View current until ctx ends.
func (r *Registry) Run(ctx context.Context) error { return r.view.run(ctx) }

// Store layout. Names are indexed by lower case: DNS names are case-insensitive,
// and AWS refuses services whose names differ only in case.
const keyPrefix = "cloudmap/"

func nsKey(id string) string { return keyPrefix + "ns/" + id }
func nsNameKey(name string) string {
	return keyPrefix + "nsname/" + strings.ToLower(strings.TrimSuffix(name, "."))
}

// nsCreateKey is rewritten by every CreateNamespace, which compares on it:
// concurrent creates are serialized, so none slips past the namespace limit.
const nsCreateKey = keyPrefix + "nscreate"

// nsMembersKey is rewritten whenever a service joins or leaves the namespace,
// so DeleteNamespace can compare on it and never race a CreateService.
func nsMembersKey(id string) string { return keyPrefix + "nsmembers/" + id }
func svcKey(id string) string       { return keyPrefix + "svc/" + id }
func svcNameKey(nsID, name string) string {
	return keyPrefix + "svcname/" + nsID + "/" + strings.ToLower(name)
}
func svcAttrKey(id string) string              { return keyPrefix + "svcattr/" + id }
func instPrefix(srvID string) string           { return keyPrefix + "inst/" + srvID + "/" }
func instKey(srvID, id string) string          { return instPrefix(srvID) + id }
func healthKey(srvID, id string) string        { return keyPrefix + "health/" + srvID + "/" + id }
func opKey(id string) string                   { return keyPrefix + "op/" + id }
func requestKey(kind, creatorID string) string { return keyPrefix + "req/" + kind + "/" + creatorID }

// svcInstancesKey is rewritten on every register and deregister: its
// ModRevision is the service's InstancesRevision, which health changes
// must not move, and DeleteService compares on it.
func svcInstancesKey(id string) string { return keyPrefix + "svcinst/" + id }

// namespaceRecord is what the store holds for a namespace.
type namespaceRecord struct {
	Namespace
	Vpc               string `json:",omitempty"`
	Tags              []Tag  `json:",omitempty"`
	CreateOperationId string
}

type serviceRecord struct {
	Service
	Tags []Tag `json:",omitempty"`
}

type requestRecord struct {
	OperationId string
	Target      string
}

var errBusy = awsapi.Errorf("ThrottlingException", "Too many concurrent changes to the same resource; retry")

// commit applies the transaction build returns (store.Retry re-runs build
// when another writer won a race), then waits until the View has the
// write, so a caller that writes then discovers reads its own write.
func (r *Registry) commit(ctx context.Context, build func() (store.Txn, error)) error {
	rev, err := store.Retry(ctx, r.st, build)
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	if err == nil && rev > 0 {
		r.view.waitRevision(ctx, rev)
	}
	return err
}

func (r *Registry) newOperation(typ string, targets map[string]string) *Operation {
	now := awsapi.Now()
	return &Operation{
		Id:           awsapi.RandomID(32) + "-" + awsapi.RandomID(8),
		OwnerAccount: r.cfg.AccountID,
		Type:         typ,
		Status:       OpSuccess,
		CreateDate:   now,
		UpdateDate:   now,
		Targets:      targets,
	}
}

func (r *Registry) arn(resource string) string {
	return awsapi.ARN("servicediscovery", r.cfg.Region, r.cfg.AccountID, resource)
}

// resolveID accepts an id or an ARN of the given kind ("namespace", "service").
func resolveID(kind, idOrARN string) (string, error) {
	if idOrARN == "" {
		return "", invalidInput("%sId is required", strings.ToUpper(kind[:1])+kind[1:])
	}
	if len(idOrARN) > 255 {
		return "", invalidInput("%s id %q is too long", kind, idOrARN)
	}
	if !strings.HasPrefix(idOrARN, "arn:") {
		return idOrARN, nil
	}
	parts := strings.SplitN(idOrARN, ":", 6)
	if len(parts) != 6 || parts[2] != "servicediscovery" || !strings.HasPrefix(parts[5], kind+"/") {
		return "", invalidInput("%q is not a valid %s ARN", idOrARN, kind)
	}
	return strings.TrimPrefix(parts[5], kind+"/"), nil
}

// page cuts a key-ordered listing after the key a NextToken names. Tokens
// are opaque to clients: the base64 of the last key returned.
func page[T any](items []T, key func(T) string, token string, max int32, limit int32) ([]T, *string, error) {
	if max == 0 {
		max = limit
	}
	if max < 1 || max > limit {
		return nil, nil, invalidInput("MaxResults must be between 1 and %d", limit)
	}
	start := 0
	if token != "" {
		after, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, nil, invalidInput("NextToken is invalid")
		}
		for start < len(items) && key(items[start]) <= string(after) {
			start++
		}
	}
	end := min(start+int(max), len(items))
	var next *string
	if end < len(items) {
		t := base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1])))
		next = &t
	}
	return items[start:end], next, nil
}
