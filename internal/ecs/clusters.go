package ecs

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"sort"

	"github.com/portolan/portolan/internal/store"
)

var clusterNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,255}$`)

type CreateClusterInput struct {
	ClusterName                     string                         `json:"clusterName"`
	Tags                            []Tag                          `json:"tags"`
	Settings                        []ClusterSetting               `json:"settings"`
	CapacityProviders               []string                       `json:"capacityProviders"`
	DefaultCapacityProviderStrategy []CapacityProviderStrategyItem `json:"defaultCapacityProviderStrategy"`
}

type ClusterOutput struct {
	Cluster *Cluster `json:"cluster"`
}

// CreateCluster creates a cluster, or returns the existing one of that name
// (ECS's CreateCluster is idempotent).
func (c *Control) CreateCluster(ctx context.Context, in *CreateClusterInput) (*ClusterOutput, error) {
	name := in.ClusterName
	if name == "" {
		name = "default"
	}
	if !clusterNamePattern.MatchString(name) {
		return nil, invalidParameter("Cluster name must be 1 to 255 letters, numbers, hyphens and underscores.")
	}
	if err := checkCapacityProviders(in.CapacityProviders); err != nil {
		return nil, err
	}
	if err := checkStrategy(in.DefaultCapacityProviderStrategy, nonNil(in.CapacityProviders)); err != nil {
		return nil, err
	}
	if err := checkClusterSettings(in.Settings); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	insights, err := c.accountSetting(ctx, "containerInsights")
	if err != nil {
		return nil, err
	}
	var out ClusterOutput
	err = c.commit(ctx, func() (store.Txn, error) {
		existing, _, err := store.GetJSON[Cluster](ctx, c.st, clusterKey(name))
		if err == nil && existing.Status == "ACTIVE" {
			out.Cluster = existing
			return store.Txn{}, nil
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, err
		}
		cl := &Cluster{
			ClusterArn:                      c.arn("cluster/" + name),
			ClusterName:                     name,
			Status:                          "ACTIVE",
			Statistics:                      []KeyValuePair{},
			Tags:                            nonNil(in.Tags),
			Settings:                        in.Settings,
			CapacityProviders:               nonNil(in.CapacityProviders),
			DefaultCapacityProviderStrategy: nonNil(in.DefaultCapacityProviderStrategy),
		}
		if !slices.ContainsFunc(cl.Settings, func(s ClusterSetting) bool { return s.Name == "containerInsights" }) {
			// The account's default (PutAccountSettingDefault) decides.
			cl.Settings = append(cl.Settings, ClusterSetting{Name: "containerInsights", Value: insights})
		}
		out.Cluster = cl
		return store.Txn{Then: []store.Op{store.Put(clusterKey(name), store.JSON(cl))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, c.fillCounts(ctx, out.Cluster)
}

// fillCounts derives the task and service counts from the tasks themselves.
func (c *Control) fillCounts(ctx context.Context, cl *Cluster) error {
	tasks, err := c.listTasks(ctx, cl.ClusterName)
	if err != nil {
		return err
	}
	cl.RunningTasksCount, cl.PendingTasksCount = 0, 0
	for _, t := range tasks {
		switch {
		case t.LastStatus == StatusRunning && t.DesiredStatus == StatusRunning:
			cl.RunningTasksCount++
		case t.LastStatus != StatusStopped && t.LastStatus != StatusRunning && t.DesiredStatus == StatusRunning:
			cl.PendingTasksCount++
		}
	}
	cl.ActiveServicesCount, err = c.activeServices(ctx, cl.ClusterName)
	return err
}

type DescribeClustersInput struct {
	Clusters []string `json:"clusters"`
	Include  []string `json:"include"`
}

type DescribeClustersOutput struct {
	Clusters []*Cluster `json:"clusters"`
	Failures []Failure  `json:"failures"`
}

func (c *Control) DescribeClusters(ctx context.Context, in *DescribeClustersInput) (*DescribeClustersOutput, error) {
	refs := in.Clusters
	if len(refs) == 0 {
		refs = []string{"default"}
	}
	if len(refs) > 100 {
		return nil, invalidParameter("At most 100 clusters can be described at once.")
	}
	out := &DescribeClustersOutput{Clusters: []*Cluster{}, Failures: []Failure{}}
	for _, ref := range refs {
		name, err := clusterName(ref)
		if err != nil {
			return nil, err
		}
		cl, _, err := store.GetJSON[Cluster](ctx, c.st, clusterKey(name))
		if errors.Is(err, store.ErrNotFound) {
			out.Failures = append(out.Failures, Failure{Arn: c.arn("cluster/" + name), Reason: "MISSING"})
			continue
		} else if err != nil {
			return nil, err
		}
		if err := c.fillCounts(ctx, cl); err != nil {
			return nil, err
		}
		if !contains(in.Include, "TAGS") {
			cl.Tags = nil
		}
		out.Clusters = append(out.Clusters, cl)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type ListInput struct {
	MaxResults *int32 `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

type ListClustersOutput struct {
	ClusterArns []string `json:"clusterArns"`
	NextToken   *string  `json:"nextToken,omitempty"`
}

func (c *Control) ListClusters(ctx context.Context, in *ListInput) (*ListClustersOutput, error) {
	kvs, _, err := c.st.List(ctx, clusterPrefix)
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, kv := range kvs {
		if cl := store.DecodeJSON[Cluster](kv.Value); cl != nil && cl.Status == "ACTIVE" {
			arns = append(arns, cl.ClusterArn)
		}
	}
	sort.Strings(arns)
	page, next, err := paginate(listPager, arns, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListClustersOutput{ClusterArns: page, NextToken: next}, nil
}

type ClusterRefInput struct {
	Cluster string `json:"cluster"`
}

// DeleteCluster refuses while the cluster has active services or tasks.
func (c *Control) DeleteCluster(ctx context.Context, in *ClusterRefInput) (*ClusterOutput, error) {
	if in.Cluster == "" {
		// Required here, unlike elsewhere: no call deletes "default" by
		// leaving the cluster out.
		return nil, invalidParameter("cluster is required.")
	}
	name, err := clusterName(in.Cluster)
	if err != nil {
		return nil, err
	}
	var out ClusterOutput
	err = c.commit(ctx, func() (store.Txn, error) {
		cl, kv, err := c.activeCluster(ctx, name)
		if err != nil {
			return store.Txn{}, err
		}
		if n, err := c.activeServices(ctx, name); err != nil {
			return store.Txn{}, err
		} else if n > 0 {
			return store.Txn{}, errClusterContainsServices
		}
		tasks, err := c.listTasks(ctx, name)
		if err != nil {
			return store.Txn{}, err
		}
		for _, t := range tasks {
			if t.LastStatus != StatusStopped {
				return store.Txn{}, errClusterContainsTasks
			}
		}
		cl.Status = "INACTIVE"
		out.Cluster = cl
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(clusterKey(name))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// requireCluster fails with ClusterNotFoundException unless the cluster
// exists.
func (c *Control) requireCluster(ctx context.Context, name string) error {
	_, err := c.st.Get(ctx, clusterKey(name))
	if errors.Is(err, store.ErrNotFound) {
		return errClusterNotFound
	}
	return err
}

// activeCluster reads a cluster that tasks and services may be written
// into, or that may be deleted: one that is INACTIVE counts as not found.
func (c *Control) activeCluster(ctx context.Context, name string) (*Cluster, store.KV, error) {
	cl, kv, err := store.GetJSON[Cluster](ctx, c.st, clusterKey(name))
	if errors.Is(err, store.ErrNotFound) || (err == nil && cl.Status != "ACTIVE") {
		return nil, kv, errClusterNotFound
	} else if err != nil {
		return nil, kv, err
	}
	return cl, kv, nil
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
	if name, isARN, ok := arnResource(ref, "cluster"); isARN {
		if !ok || name == "" {
			return "", invalidParameter("Invalid cluster ARN: %s", ref)
		}
		return name, nil
	}
	return ref, nil
}
