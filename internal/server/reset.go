package server

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/admin"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/store"
)

// Resetting the server's state (POST /_portolan/reset): test suites
// isolate their tests with it instead of restarting the server. Every
// service keeps its state in the store under its own prefix and its data
// plane follows the store, so a reset is deletes, plus ending the tasks
// the deleted state ran. In-memory data with no key (CloudWatch's
// datapoints, log lines still buffered) is not reset.

// resetPrefixes maps the names a service goes by (Portolan's and AWS's
// signing names) to the store prefixes it keeps its state under.
var resetPrefixes = map[string][]string{
	"ecs":                     {"ecs/"},
	"cloudmap":                {"cloudmap/"},
	"servicediscovery":        {"cloudmap/"},
	"logs":                    {"logs/"},
	"apigateway":              {"restapi/"},
	"apigatewayv2":            {"apigw/"},
	"elasticloadbalancing":    {"elbv2/"},
	"elbv2":                   {"elbv2/"},
	"ec2":                     {"ec2/"},
	"route53":                 {"route53/"},
	"route53resolver":         {"route53resolver/"},
	"cloudformation":          {"cloudformation/", "stack/"},
	"iam":                     {"iam/"},
	"sts":                     {"sts/"},
	"cognito-idp":             {"cognito/"},
	"ecr":                     {"ecr/"},
	"cloudwatch":              {"cloudwatch/"},
	"monitoring":              {"cloudwatch/"},
	"application-autoscaling": {"appautoscaling/"},
}

// deleteBatch bounds one reset transaction: a reset of a hundred tasks is
// one commit, and the store's etcd must accept 4096 operations in one
// (store.EtcdOptions).
const deleteBatch = 1000

// Reset empties one service's state (service names a key of
// resetPrefixes) or, with service "", every service's, in every region,
// and ends every task that state ran.
func (s *Server) Reset(ctx context.Context, service string) error {
	prefixes, ok := resetPrefixes[service]
	if !ok && service != "" {
		names := slices.Sorted(maps.Keys(resetPrefixes))
		return fmt.Errorf("%w: unknown service %q; reset one of %s, or every one without ?service", admin.ErrBadReset, service, strings.Join(names, ", "))
	}
	cells := append([]*cell{s.cell}, s.regions.all()...)
	for _, c := range cells {
		if err := c.reset(ctx, service, prefixes); err != nil {
			return err
		}
	}
	return nil
}

// reset empties the cell's state under prefixes, or all of it when
// service is "".
func (c *cell) reset(ctx context.Context, service string, prefixes []string) error {
	if service == "" {
		// Everything goes, so the tasks need not leave Cloud Map or their
		// target groups on the way out: their records go first (nothing
		// starts them again), then the agent drops them at once.
		if err := c.deleteUnder(ctx, []string{""}, notMembership); err != nil {
			return err
		}
		if err := c.agent.Purge(ctx); err != nil {
			return err
		}
		// Status writes that were under way may have landed since.
		if err := c.deleteUnder(ctx, []string{ecs.TaskPrefix, ecs.TaskStatusPrefix}, all); err != nil {
			return err
		}
		// A fresh account has its default VPC.
		return c.EC2.EnsureDefaultVPC(ctx)
	}
	if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(ecs.TaskPrefix, p) }) {
		if err := c.deleteUnder(ctx, prefixes, notMembership); err != nil || service != "ec2" {
			return err
		}
		return c.EC2.EnsureDefaultVPC(ctx)
	}
	// ECS alone: the other services stay, so tasks stop as StopTask stops
	// them (leaving Cloud Map and their target groups) once their services
	// are gone, and their records go last.
	isTask := func(key string) bool {
		return strings.HasPrefix(key, ecs.TaskPrefix) || strings.HasPrefix(key, ecs.TaskStatusPrefix)
	}
	if err := c.deleteUnder(ctx, prefixes, func(key string) bool { return !isTask(key) && notMembership(key) }); err != nil {
		return err
	}
	if err := c.ECS.StopEveryTask(ctx); err != nil {
		return err
	}
	return c.deleteUnder(ctx, prefixes, notMembership)
}

func all(string) bool { return true }

// notMembership spares the nodes' registrations: they say which agents
// are alive, not what the user made, and an agent whose live key went
// would be fenced from every status write.
func notMembership(key string) bool {
	return !strings.HasPrefix(key, ecs.NodePrefix) && !strings.HasPrefix(key, ecs.NodeLivePrefix)
}

// deleteUnder deletes the keys of the cell's keyspace under prefixes
// that del selects, in batches. The home region's keyspace holds the
// other regions' beneath it, and their markers: those are theirs.
func (c *cell) deleteUnder(ctx context.Context, prefixes []string, del func(string) bool) error {
	var txn store.Txn
	for _, p := range prefixes {
		kvs, _, err := c.store.List(ctx, p)
		if err != nil {
			return err
		}
		for _, kv := range kvs {
			if !del(kv.Key) || c.home && regionKey(kv.Key) {
				continue
			}
			txn.Then = append(txn.Then, store.Delete(kv.Key))
			if len(txn.Then) == deleteBatch {
				if _, err := c.store.Commit(ctx, txn); err != nil {
					return err
				}
				txn = store.Txn{}
			}
		}
	}
	if len(txn.Then) > 0 {
		_, err := c.store.Commit(ctx, txn)
		return err
	}
	return nil
}
