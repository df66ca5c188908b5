package discovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/store"
)

// CloudMap is what registration needs of Cloud Map; *cloudmap.Registry
// implements it.
type CloudMap interface {
	GetService(ctx context.Context, in *cloudmap.IdInput) (*cloudmap.ServiceOutput, error)
	RegisterInstance(ctx context.Context, in *cloudmap.RegisterInstanceInput) (*cloudmap.OperationOutput, error)
	DeregisterInstance(ctx context.Context, in *cloudmap.InstanceRef) (*cloudmap.OperationOutput, error)
	UpdateInstanceCustomHealthStatus(ctx context.Context, in *cloudmap.UpdateInstanceCustomHealthStatusInput) (*struct{}, error)
	View() *cloudmap.View
}

// Tasks reads one task afresh; *ecs.Control implements it.
type Tasks = ecs.TaskReader

// Config is what a Registrar needs.
type Config struct {
	CloudMap CloudMap
	Tasks    Tasks
	// Region fills the REGION and AVAILABILITY_ZONE attributes.
	Region string
	// Drain is how long Deactivate waits, after deregistering a task that
	// still serves, before the agent may signal its containers: a client
	// that resolved the task just before can still reach it. AWS does not
	// wait for Cloud Map (only for a target group's deregistration delay).
	// Default 1 s; negative: no wait.
	Drain time.Duration
	// RepairAfter is how long a RUNNING task may lack its instance before
	// the reconciler registers it again; shorter would race the agent's own
	// ACTIVATING registration. Default 5 s.
	RepairAfter time.Duration
	Logger      *slog.Logger
}

// The attributes ECS gives the instances it registers, besides Cloud
// Map's AWS_INSTANCE_* ones.
const (
	AttrServiceName      = "ECS_SERVICE_NAME"
	AttrClusterName      = "ECS_CLUSTER_NAME"
	AttrFamily           = "ECS_TASK_DEFINITION_FAMILY"
	AttrAvailabilityZone = "AVAILABILITY_ZONE"
	AttrRegion           = "REGION"
)

// Registrar keeps service tasks registered in Cloud Map: it is the agent's
// Lifecycle and the scheduler's Discovery.
type Registrar struct {
	cfg Config
	cm  CloudMap
	log *slog.Logger
}

// New returns a Registrar.
func New(cfg Config) *Registrar {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Drain == 0 {
		cfg.Drain = time.Second
	}
	if cfg.RepairAfter == 0 {
		cfg.RepairAfter = 5 * time.Second
	}
	return &Registrar{cfg: cfg, cm: cfg.CloudMap, log: cfg.Logger}
}

// Activate registers the task with each of its registries, named by its
// task id. It runs at ACTIVATING: the task is RUNNING only afterwards.
func (r *Registrar) Activate(ctx context.Context, rec *ecs.TaskRecord, st *ecs.TaskStatus) error {
	var errs []error
	for _, reg := range rec.ServiceRegistries {
		errs = append(errs, r.register(ctx, rec, st, reg))
	}
	return errors.Join(errs...)
}

// Deactivate deregisters the task and, if it still serves, waits Drain.
// It runs at DEACTIVATING, before any container is signalled, so that no
// client is sent to a dying task.
func (r *Registrar) Deactivate(ctx context.Context, rec *ecs.TaskRecord, st *ecs.TaskStatus) error {
	if len(rec.ServiceRegistries) == 0 {
		return nil
	}
	var errs []error
	for _, reg := range rec.ServiceRegistries {
		errs = append(errs, r.deregister(ctx, reg.RegistryArn, rec.TaskID))
	}
	if r.cfg.Drain > 0 && ecs.NeedsDrain(rec, st) {
		t := time.NewTimer(r.cfg.Drain)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	return errors.Join(errs...)
}

func (r *Registrar) register(ctx context.Context, rec *ecs.TaskRecord, st *ecs.TaskStatus, reg ecs.ServiceRegistry) error {
	out, err := r.cm.GetService(ctx, &cloudmap.IdInput{Id: reg.RegistryArn})
	if err != nil {
		return fmt.Errorf("service registry %s: %w", reg.RegistryArn, err)
	}
	attrs, err := r.attributes(rec, st, reg, out.Service)
	if err != nil {
		return err
	}
	_, err = r.cm.RegisterInstance(ctx, &cloudmap.RegisterInstanceInput{ServiceId: out.Service.Id, InstanceId: rec.TaskID, Attributes: attrs})
	if err != nil {
		return fmt.Errorf("register task %s in %s: %w", rec.TaskID, reg.RegistryArn, err)
	}
	return nil
}

// attributes are what ECS registers a task with (spec §C.9).
func (r *Registrar) attributes(rec *ecs.TaskRecord, st *ecs.TaskStatus, reg ecs.ServiceRegistry, svc *cloudmap.Service) (map[string]string, error) {
	if st == nil || st.Address == "" {
		return nil, fmt.Errorf("task %s has no address to register", rec.TaskID)
	}
	service, _ := strings.CutPrefix(rec.Group, "service:")
	attrs := map[string]string{
		cloudmap.AttrIPv4:    st.Address,
		AttrAvailabilityZone: r.cfg.Region + "a",
		AttrRegion:           r.cfg.Region,
		AttrServiceName:      service,
		AttrClusterName:      rec.Cluster,
		AttrFamily:           rec.Definition.Family,
	}
	// Under awsvpc the container port is the port; where the runtime bound
	// it to a host port of its own (ports mode), that is registered, as ECS
	// does for hostPort in bridge mode.
	switch {
	case reg.Port != nil:
		attrs[cloudmap.AttrPort] = strconv.Itoa(st.HostPort("", *reg.Port))
	case reg.ContainerPort != nil:
		attrs[cloudmap.AttrPort] = strconv.Itoa(st.HostPort(reg.ContainerName, *reg.ContainerPort))
	}
	// AWS does not document the initial status. A task with container
	// health checks starts UNHEALTHY and turns HEALTHY when its checks
	// pass; one without is as healthy as it will ever be.
	if svc.HealthCheckCustomConfig != nil {
		attrs[cloudmap.AttrInitHealth] = cloudmap.Healthy
		if rec.Definition.HasHealthCheck() {
			attrs[cloudmap.AttrInitHealth] = cloudmap.Unhealthy
		}
	}
	return attrs, nil
}

// deregister removes an instance; one already gone is no error.
func (r *Registrar) deregister(ctx context.Context, service, id string) error {
	_, err := r.cm.DeregisterInstance(ctx, &cloudmap.InstanceRef{ServiceId: service, InstanceId: id})
	if errors.Is(err, cloudmap.ErrInstanceNotFound) || errors.Is(err, cloudmap.ErrServiceNotFound) {
		return nil
	}
	return err
}

// Reconcile brings Cloud Map in line with the tasks, which must be every
// task the store holds: an ECS instance whose task is stopping, gone, or
// not meant for that service is deregistered; a task that serves without
// its instance is registered again; custom health follows container
// health, written only when it differs.
func (r *Registrar) Reconcile(ctx context.Context, tasks []ecs.TaskState) error {
	snap := r.cm.View().Snapshot()
	if snap == nil {
		return nil
	}
	byKey := make(map[string]*ecs.TaskState, len(tasks))
	for i := range tasks {
		t := &tasks[i]
		byKey[t.Record.Cluster+"/"+t.Record.TaskID] = t
	}
	var errs []error
	for _, ns := range snap.Namespaces() {
		for _, svc := range ns.Services {
			for _, inst := range svc.Instances {
				cluster := inst.Attributes[AttrClusterName]
				if cluster == "" || inst.Attributes[AttrServiceName] == "" {
					continue // not registered by ECS
				}
				if r.owned(ctx, byKey, cluster, inst.Id, svc.Id) {
					continue
				}
				r.log.Info("deregistering the instance of a task that no longer serves", "serviceId", svc.Id, "instanceId", inst.Id)
				errs = append(errs, r.deregister(ctx, svc.Id, inst.Id))
			}
		}
	}
	now := time.Now()
	for i := range tasks {
		t := &tasks[i]
		if len(t.Record.ServiceRegistries) == 0 || !t.Serves() {
			continue
		}
		for _, reg := range t.Record.ServiceRegistries {
			svc := snap.Service(ecs.CloudMapServiceID(reg.RegistryArn))
			if svc == nil {
				continue
			}
			inst := find(svc, t.Record.TaskID)
			if inst == nil {
				if now.Sub(t.Status.StartedAt.Time()) >= r.cfg.RepairAfter {
					errs = append(errs, r.repair(ctx, t, reg))
				}
				continue
			}
			if svc.HealthCheckCustomConfig == nil {
				continue
			}
			if want := healthOf(t); inst.Health != want {
				_, err := r.cm.UpdateInstanceCustomHealthStatus(ctx, &cloudmap.UpdateInstanceCustomHealthStatusInput{ServiceId: svc.Id, InstanceId: inst.Id, Status: want})
				if !errors.Is(err, cloudmap.ErrInstanceNotFound) {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// owned says whether an ECS instance still belongs: its task serves, or
// may (it is not yet stopping), and registers with that service.
func (r *Registrar) owned(ctx context.Context, byKey map[string]*ecs.TaskState, cluster, id, svcID string) bool {
	t, ok := byKey[cluster+"/"+id]
	if !ok {
		// Not among the tasks: perhaps started after they were read, and
		// already registered. Only a fresh read can tell.
		if r.cfg.Tasks == nil {
			return true
		}
		task, err := r.cfg.Tasks.Task(ctx, cluster, id)
		if errors.Is(err, store.ErrNotFound) {
			return false
		} else if err != nil {
			return true
		}
		return task.DesiredStatus == ecs.StatusRunning && !ecs.PastServing(task.LastStatus)
	}
	if t.Finished() {
		return false
	}
	for _, reg := range t.Record.ServiceRegistries {
		if ecs.CloudMapServiceID(reg.RegistryArn) == svcID {
			return true
		}
	}
	return false
}

// healthOf is the custom health a serving task should have.
func healthOf(t *ecs.TaskState) string {
	if !t.Record.Definition.HasHealthCheck() || t.Status.HealthStatus == ecs.HealthHealthy {
		return cloudmap.Healthy
	}
	return cloudmap.Unhealthy
}

// repair registers a serving task whose instance is missing (its
// ACTIVATING registration failed, or someone deregistered it). The task is
// read afresh before and after: should it have started stopping meanwhile,
// its instance goes again at once.
func (r *Registrar) repair(ctx context.Context, t *ecs.TaskState, reg ecs.ServiceRegistry) error {
	if r.cfg.Tasks == nil {
		return nil
	}
	stillServing := func() (bool, error) {
		return ecs.StillServing(ctx, r.cfg.Tasks, t.Record.Cluster, t.Record.TaskID)
	}
	if ok, err := stillServing(); !ok || err != nil {
		return err
	}
	r.log.Info("registering a running task missing from Cloud Map", "taskArn", t.Record.TaskArn, "registryArn", reg.RegistryArn)
	if err := r.register(ctx, t.Record, t.Status, reg); err != nil {
		return err
	}
	if ok, err := stillServing(); err == nil && !ok {
		return r.deregister(ctx, reg.RegistryArn, t.Record.TaskID)
	}
	return nil
}

// find looks an instance up by id; Instances are sorted by id.
func find(svc *cloudmap.ServiceState, id string) *cloudmap.InstanceState {
	i := sort.Search(len(svc.Instances), func(i int) bool { return svc.Instances[i].Id >= id })
	if i < len(svc.Instances) && svc.Instances[i].Id == id {
		return svc.Instances[i]
	}
	return nil
}
