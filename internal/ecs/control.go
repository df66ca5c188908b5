package ecs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Config is what the ECS control plane needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	Logger    *slog.Logger
	// CloudMap validates services' serviceRegistries and answers
	// ListServicesByNamespace; nil refuses serviceRegistries.
	CloudMap CloudMap
}

// Control is the ECS control plane. Its exported methods are the API
// operations, with the wire's inputs and outputs, so in-process callers
// (the stack deployer, tests) use exactly what AWS clients use.
type Control struct {
	cfg Config
	st  store.Store
	log *slog.Logger
}

// New returns the ECS control plane.
func New(cfg Config) *Control {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Control{cfg: cfg, st: cfg.Store, log: cfg.Logger}
}

// Store layout.
const keyPrefix = "ecs/"

func clusterKey(name string) string      { return keyPrefix + "cluster/" + name }
func familyKey(family string) string     { return keyPrefix + "family/" + family }
func taskDefPrefix(family string) string { return keyPrefix + "taskdef/" + family + "/" }
func taskDefKey(family string, rev int) string {
	// Zero-padded, so revisions list in numeric order.
	return taskDefPrefix(family) + fmt.Sprintf("%010d", rev)
}

// TaskPrefix and TaskStatusPrefix are where tasks' desired and observed
// states live; the agent watches the first and writes the second.
const (
	TaskPrefix       = keyPrefix + "task/"
	TaskStatusPrefix = keyPrefix + "taskstatus/"
)

func taskKey(cluster, id string) string       { return TaskPrefix + cluster + "/" + id }
func taskStatusKey(cluster, id string) string { return TaskStatusPrefix + cluster + "/" + id }

func (c *Control) arn(resource string) string {
	return awsapi.ARN("ecs", c.cfg.Region, c.cfg.AccountID, resource)
}

// commit applies the transaction build returns; store.Retry re-runs build
// when a precondition lost a race with another writer.
func (c *Control) commit(ctx context.Context, build func() (store.Txn, error)) error {
	_, err := store.Retry(ctx, c.st, build)
	if errors.Is(err, store.ErrContended) {
		return awsapi.StatusErrorf(500, "ServerException", "too many concurrent changes; retry")
	}
	return err
}

// Errors, as ECS declares them (error member "message").
func clientError(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ClientException", format, args...)
}

func invalidParameter(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("InvalidParameterException", format, args...)
}

var errClusterNotFound = awsapi.Errorf("ClusterNotFoundException", "Cluster not found.")

// requireCluster fails with ClusterNotFoundException unless the cluster
// exists.
func (c *Control) requireCluster(ctx context.Context, name string) error {
	_, err := c.st.Get(ctx, clusterKey(name))
	if errors.Is(err, store.ErrNotFound) {
		return errClusterNotFound
	}
	return err
}

// existingCluster resolves a cluster reference (name, ARN or empty for
// "default") and checks that the cluster exists.
func (c *Control) existingCluster(ctx context.Context, ref string) (string, error) {
	name, err := clusterName(ref)
	if err != nil {
		return "", err
	}
	return name, c.requireCluster(ctx, name)
}

// clusterName accepts a short name or an ARN and defaults to "default".
func clusterName(ref string) (string, error) {
	if ref == "" {
		return "default", nil
	}
	if strings.HasPrefix(ref, "arn:") {
		_, name, ok := strings.Cut(ref, ":cluster/")
		if !ok || name == "" {
			return "", invalidParameter("Invalid cluster ARN: %s", ref)
		}
		return name, nil
	}
	return ref, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
