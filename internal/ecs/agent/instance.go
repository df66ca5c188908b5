package agent

import (
	"context"
	"errors"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/ecs"
)

// Lease is the agent's membership (cluster.Lease): its node's live key
// is put under it, and Lost closes once it has expired.
type Lease interface {
	ecs.NodeLease
	Lost() <-chan struct{}
}

// errLeaseLost ends one registration's serve: the lease expired or a
// status write found it gone.
var errLeaseLost = errors.New("agent: node lease lost")

// register puts the node's container instance under a new lease, and
// returns the channel that closes when that lease is lost (nil, never,
// without a Node). It retries until the store answers or ctx ends: a
// worker may start before its etcd does.
func (a *Agent) register(ctx context.Context) (<-chan struct{}, error) {
	if a.cfg.Node == nil {
		return nil, nil
	}
	select {
	case <-a.fenced: // left over from the registration before
	default:
	}
	for {
		lease, err := a.cfg.Leases(ctx)
		if err == nil {
			n := *a.cfg.Node
			n.RegisteredAt = awsapi.Now()
			if err = a.tasks.Register(ctx, lease, n); err == nil {
				a.log.Info("registered as a container instance", "containerInstance", n.ID, "node", n.Name, "zone", n.Zone)
				return lease.Lost(), nil
			}
		}
		a.log.Warn("register the node", "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// mine says whether this agent runs a task: the tasks placed on its node,
// or every task when it has none. An unplaced task waits for the placer.
func (a *Agent) mine(rec *ecs.TaskRecord) bool {
	if a.cfg.Node == nil {
		return true
	}
	return rec.ContainerInstance == a.cfg.Node.ID
}
