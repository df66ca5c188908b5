package ecs

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/portolan/portolan/internal/store"
)

// Changes to a cluster after it is made: its settings, its configuration
// and its capacity providers. Service Connect is refused: Portolan does not
// emulate it, and a namespace silently ignored would leave services that
// never find each other.

type UpdateClusterInput struct {
	Cluster                string           `json:"cluster"`
	Settings               []ClusterSetting `json:"settings"`
	Configuration          json.RawMessage  `json:"configuration"`
	ServiceConnectDefaults json.RawMessage  `json:"serviceConnectDefaults"`
}

type UpdateClusterSettingsInput struct {
	Cluster  string           `json:"cluster"`
	Settings []ClusterSetting `json:"settings"`
}

type PutClusterCapacityProvidersInput struct {
	Cluster                         string                         `json:"cluster"`
	CapacityProviders               []string                       `json:"capacityProviders"`
	DefaultCapacityProviderStrategy []CapacityProviderStrategyItem `json:"defaultCapacityProviderStrategy"`
}

// UpdateCluster changes a cluster's settings and configuration (AWS
// UpdateCluster).
func (c *Control) UpdateCluster(ctx context.Context, in *UpdateClusterInput) (*ClusterOutput, error) {
	if len(in.ServiceConnectDefaults) > 0 && string(in.ServiceConnectDefaults) != "null" {
		return nil, notSupported("Service Connect (serviceConnectDefaults)")
	}
	if err := checkClusterSettings(in.Settings); err != nil {
		return nil, err
	}
	return c.updateCluster(ctx, in.Cluster, func(cl *Cluster) error {
		mergeSettings(cl, in.Settings)
		if len(in.Configuration) > 0 {
			cl.Configuration = in.Configuration
		}
		return nil
	})
}

// UpdateClusterSettings changes a cluster's settings (AWS
// UpdateClusterSettings).
func (c *Control) UpdateClusterSettings(ctx context.Context, in *UpdateClusterSettingsInput) (*ClusterOutput, error) {
	if len(in.Settings) == 0 {
		return nil, invalidParameter("settings can not be empty.")
	}
	if err := checkClusterSettings(in.Settings); err != nil {
		return nil, err
	}
	return c.updateCluster(ctx, in.Cluster, func(cl *Cluster) error {
		mergeSettings(cl, in.Settings)
		return nil
	})
}

// PutClusterCapacityProviders replaces a cluster's capacity providers and
// default strategy (AWS PutClusterCapacityProviders). Both lists are
// required, and may be empty; a provider a service still uses cannot go.
func (c *Control) PutClusterCapacityProviders(ctx context.Context, in *PutClusterCapacityProvidersInput) (*ClusterOutput, error) {
	if in.CapacityProviders == nil {
		return nil, invalidParameter("capacityProviders can not be null.")
	}
	if in.DefaultCapacityProviderStrategy == nil {
		return nil, invalidParameter("defaultCapacityProviderStrategy can not be null.")
	}
	if err := checkCapacityProviders(in.CapacityProviders); err != nil {
		return nil, err
	}
	if err := checkStrategy(in.DefaultCapacityProviderStrategy, in.CapacityProviders); err != nil {
		return nil, err
	}
	return c.updateCluster(ctx, in.Cluster, func(cl *Cluster) error {
		if p, err := c.providerInUse(ctx, cl.ClusterName, in.CapacityProviders); err != nil {
			return err
		} else if p != "" {
			return ErrResourceInUse.Newf("The specified capacity provider %s is in use and cannot be removed.", p)
		}
		cl.CapacityProviders = nonNil(in.CapacityProviders)
		cl.DefaultCapacityProviderStrategy = nonNil(in.DefaultCapacityProviderStrategy)
		return nil
	})
}

// providerInUse names a capacity provider outside keep that a deployment of
// one of the cluster's ACTIVE services launches with, or "".
func (c *Control) providerInUse(ctx context.Context, cluster string, keep []string) (string, error) {
	kvs, _, err := c.st.List(ctx, clusterServicesPrefix(cluster))
	if err != nil {
		return "", err
	}
	for _, kv := range kvs {
		svc := store.DecodeJSON[serviceRecord](kv.Value)
		if svc == nil || svc.Status != "ACTIVE" {
			continue
		}
		for _, d := range svc.Deployments {
			for _, item := range d.CapacityProviderStrategy {
				if !slices.Contains(keep, item.CapacityProvider) {
					return item.CapacityProvider, nil
				}
			}
		}
	}
	return "", nil
}

// updateCluster applies change to an ACTIVE cluster in one transaction.
func (c *Control) updateCluster(ctx context.Context, ref string, change func(*Cluster) error) (*ClusterOutput, error) {
	if ref == "" {
		return nil, invalidParameter("cluster is required.")
	}
	name, err := clusterName(ref)
	if err != nil {
		return nil, err
	}
	var out ClusterOutput
	err = c.commit(ctx, func() (store.Txn, error) {
		cl, kv, err := c.activeCluster(ctx, name)
		if err != nil {
			return store.Txn{}, err
		}
		if err := change(cl); err != nil {
			return store.Txn{}, err
		}
		out.Cluster = cl
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(cl))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, c.fillCounts(ctx, out.Cluster)
}

// mergeSettings sets each setting given, keeping the others.
func mergeSettings(cl *Cluster, settings []ClusterSetting) {
	for _, s := range settings {
		i := slices.IndexFunc(cl.Settings, func(x ClusterSetting) bool { return x.Name == s.Name })
		if i < 0 {
			cl.Settings = append(cl.Settings, s)
		} else {
			cl.Settings[i] = s
		}
	}
}

// checkClusterSettings: the one cluster setting is containerInsights.
func checkClusterSettings(settings []ClusterSetting) error {
	for _, s := range settings {
		if s.Name != "containerInsights" {
			return invalidParameter("1 validation error detected: Value '%s' at 'settings.member.name' failed to satisfy constraint: Member must satisfy enum value set: [containerInsights]", s.Name)
		}
		if !slices.Contains(accountSettingValues["containerInsights"], s.Value) {
			return invalidParameter("Invalid value %s for containerInsights: use enabled, disabled or enhanced.", s.Value)
		}
	}
	return nil
}

// checkCapacityProviders: Fargate's two providers are the ones that exist
// here (Portolan has no Auto Scaling groups to make others from).
func checkCapacityProviders(providers []string) error {
	for i, p := range providers {
		if p != "FARGATE" && p != "FARGATE_SPOT" {
			return invalidParameter("The specified capacity provider %s does not exist.", p)
		}
		if slices.Contains(providers[:i], p) {
			return invalidParameter("The capacity provider %s is specified more than once.", p)
		}
	}
	return nil
}

// checkStrategy applies ECS's rules to a capacity provider strategy: its
// providers are the cluster's (when the cluster's are given), appear once,
// weigh 0 to 1000 with at least one above 0, and only one has a base, of at
// most 100,000.
func checkStrategy(strategy []CapacityProviderStrategyItem, clusterProviders []string) error {
	if len(strategy) == 0 {
		return nil
	}
	bases, weighted := 0, false
	for i, item := range strategy {
		switch {
		case clusterProviders != nil && !slices.Contains(clusterProviders, item.CapacityProvider):
			return invalidParameter("The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.")
		case slices.ContainsFunc(strategy[:i], func(x CapacityProviderStrategyItem) bool { return x.CapacityProvider == item.CapacityProvider }):
			return invalidParameter("The capacity provider %s is specified more than once in the strategy.", item.CapacityProvider)
		case item.Weight < 0 || item.Weight > 1000:
			return invalidParameter("The weight of capacity provider %s must be between 0 and 1000.", item.CapacityProvider)
		case item.Base < 0 || item.Base > 100000:
			return invalidParameter("The base of capacity provider %s must be between 0 and 100000.", item.CapacityProvider)
		}
		if item.Base > 0 {
			bases++
		}
		weighted = weighted || item.Weight > 0
	}
	if bases > 1 {
		return invalidParameter("Only one capacity provider in a strategy can have a base.")
	}
	if !weighted {
		return invalidParameter("At least one capacity provider in a strategy must have a weight greater than 0.")
	}
	return nil
}
