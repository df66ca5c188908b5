package discovery_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/ecs/agent"
	"github.com/portolan/portolan/internal/ecs/discovery"
	"github.com/portolan/portolan/internal/store"
)

// A Registrar is both halves of service discovery.
var (
	_ agent.Lifecycle = (*discovery.Registrar)(nil)
	_ ecs.Discovery   = (*discovery.Registrar)(nil)
)

// env is a store, Cloud Map over it with a namespace and an A+SRV service
// with custom health, ECS over it, and a Registrar.
type env struct {
	t     *testing.T
	st    store.Store
	cm    *cloudmap.Control
	r     *discovery.Registrar
	svcID string
	arn   string
}

const drain = 200 * time.Millisecond

func newEnv(t *testing.T) *env {
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "state.db"), store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm := cloudmap.New(cloudmap.Config{Region: "us-east-1", AccountID: "000000000000", Store: st})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { cm.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })
	if _, err := cm.View().Next(ctx, -1); err != nil {
		t.Fatal(err)
	}
	op, err := cm.CreatePrivateDnsNamespace(ctx, &cloudmap.CreatePrivateDnsNamespaceInput{Name: "d.local", Vpc: "vpc-1"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cm.GetOperation(ctx, &cloudmap.GetOperationInput{OperationId: op.OperationId})
	if err != nil {
		t.Fatal(err)
	}
	ttl := int64(10)
	svc, err := cm.CreateService(ctx, &cloudmap.CreateServiceInput{
		Name: "web", NamespaceId: got.Operation.Targets["NAMESPACE"],
		DnsConfig: &cloudmap.DnsConfig{RoutingPolicy: cloudmap.RoutingMultivalue, DnsRecords: []cloudmap.DnsRecord{
			{Type: cloudmap.RecordA, TTL: &ttl}, {Type: cloudmap.RecordSRV, TTL: &ttl}}},
		HealthCheckCustomConfig: &cloudmap.HealthCheckCustomConfig{},
	})
	if err != nil {
		t.Fatal(err)
	}
	control := ecs.New(ecs.Config{Region: "us-east-1", AccountID: "000000000000", Store: st, CloudMap: cm})
	r := discovery.New(discovery.Config{CloudMap: cm, Tasks: control, Region: "us-east-1", Drain: drain, RepairAfter: time.Second})
	return &env{t: t, st: st, cm: cm, r: r, svcID: svc.Service.Id, arn: svc.Service.Arn}
}

// task is a service task as the scheduler launches it and the agent runs
// it, stored as they store it (so that fresh reads find it).
func (e *env) task(id string, healthCheck bool, last string) ecs.TaskState {
	port := 8080
	def := ecs.TaskDefinition{Family: "fam", ContainerDefinitions: []ecs.ContainerDefinition{{Name: "app", Image: "app"}}}
	if healthCheck {
		def.ContainerDefinitions[0].HealthCheck = &ecs.HealthCheck{Command: []string{"CMD", "true"}}
	}
	started := awsapi.Timestamp(time.Now().Add(-time.Minute))
	rec := &ecs.TaskRecord{TaskID: id, Cluster: "dev", TaskArn: "arn:aws:ecs:us-east-1:000000000000:task/dev/" + id, Definition: def,
		DesiredStatus: ecs.StatusRunning, Group: "service:web", StartedBy: "ecs-svc/1234567890123456789",
		ServiceRegistries: []ecs.ServiceRegistry{{RegistryArn: e.arn, Port: &port}}}
	st := &ecs.TaskStatus{LastStatus: last, Address: "127.9.9." + id[len(id)-1:], StartedAt: &started, HealthStatus: ecs.HealthUnknown,
		Containers: []ecs.ContainerStatus{{Name: "app", LastStatus: ecs.StatusRunning}}}
	e.put(rec, st)
	return ecs.TaskState{Record: rec, Status: st}
}

func (e *env) put(rec *ecs.TaskRecord, st *ecs.TaskStatus) {
	r, _ := json.Marshal(rec)
	s, _ := json.Marshal(st)
	if _, err := e.st.Commit(context.Background(), store.Txn{Then: []store.Op{
		store.Put(ecs.TaskPrefix+"dev/"+rec.TaskID, r), store.Put(ecs.TaskStatusPrefix+"dev/"+rec.TaskID, s)}}); err != nil {
		e.t.Fatal(err)
	}
}

// instance returns the instance's attributes and health, or nil.
func (e *env) instance(id string) (map[string]string, string) {
	svc := e.cm.View().Snapshot().Service(e.svcID)
	for _, inst := range svc.Instances {
		if inst.Id == id {
			return inst.Attributes, inst.Health
		}
	}
	return nil, ""
}

func TestActivateAndDeactivate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	plain, checked := e.task("a0000000000000000000000000000001", false, ecs.StatusActivating), e.task("a0000000000000000000000000000002", true, ecs.StatusActivating)
	for _, task := range []ecs.TaskState{plain, checked} {
		if err := e.r.Activate(ctx, task.Record, task.Status); err != nil {
			t.Fatal(err)
		}
	}
	attrs, health := e.instance(plain.Record.TaskID)
	want := map[string]string{"AWS_INSTANCE_IPV4": "127.9.9.1", "AWS_INSTANCE_PORT": "8080", "AWS_INIT_HEALTH_STATUS": "HEALTHY",
		"AVAILABILITY_ZONE": "us-east-1a", "REGION": "us-east-1", "ECS_SERVICE_NAME": "web", "ECS_CLUSTER_NAME": "dev", "ECS_TASK_DEFINITION_FAMILY": "fam"}
	if b, w := mustJSON(attrs), mustJSON(want); b != w || health != cloudmap.Healthy {
		t.Fatalf("instance of a task without checks: %s %s, want %s HEALTHY", b, health, w)
	}
	// A task with container health checks is not served until they pass.
	if _, health := e.instance(checked.Record.TaskID); health != cloudmap.Unhealthy {
		t.Fatalf("instance of a task with checks starts %s", health)
	}

	// Deactivate removes the instance, then drains while the task serves.
	began := time.Now()
	if err := e.r.Deactivate(ctx, plain.Record, plain.Status); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < drain {
		t.Fatalf("Deactivate of a serving task returned after %v, before the %v drain", took, drain)
	}
	if attrs, _ := e.instance(plain.Record.TaskID); attrs != nil {
		t.Fatal("instance still registered after Deactivate")
	}
	// A task whose container already died has no one to drain; and an
	// instance already gone is no error.
	checked.Status.Containers[0].LastStatus = ecs.StatusStopped
	began = time.Now()
	for range 2 {
		if err := e.r.Deactivate(ctx, checked.Record, checked.Status); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(began); took >= drain {
		t.Fatalf("Deactivate of a dead task drained (%v)", took)
	}
}

func TestReconcile(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	serving := e.task("b0000000000000000000000000000001", true, ecs.StatusRunning)
	stopping := e.task("b0000000000000000000000000000002", false, ecs.StatusStopped)
	unlisted := e.task("b0000000000000000000000000000003", false, ecs.StatusRunning) // started after the list was read
	missing := e.task("b0000000000000000000000000000004", false, ecs.StatusRunning)  // its ACTIVATING registration was lost
	for _, task := range []ecs.TaskState{serving, stopping, unlisted} {
		if err := e.r.Activate(ctx, task.Record, task.Status); err != nil {
			t.Fatal(err)
		}
	}
	// An instance of a task that no longer exists (a crash between the
	// task's removal and its deregistration), and one nobody from ECS made.
	for id, attrs := range map[string]map[string]string{
		"c0000000000000000000000000000009": {"AWS_INSTANCE_IPV4": "127.9.9.9", "AWS_INSTANCE_PORT": "80", "ECS_CLUSTER_NAME": "dev", "ECS_SERVICE_NAME": "web"},
		"users-own":                        {"AWS_INSTANCE_IPV4": "127.9.9.8", "AWS_INSTANCE_PORT": "80"},
	} {
		if _, err := e.cm.RegisterInstance(ctx, &cloudmap.RegisterInstanceInput{ServiceId: e.svcID, InstanceId: id, Attributes: attrs}); err != nil {
			t.Fatal(err)
		}
	}
	serving.Status.HealthStatus = ecs.HealthHealthy
	e.put(serving.Record, serving.Status)

	tasks := []ecs.TaskState{serving, stopping, missing}
	if err := e.r.Reconcile(ctx, tasks); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{
		serving.Record.TaskID:              cloudmap.Healthy, // its checks passed
		stopping.Record.TaskID:             "",               // deregistered
		unlisted.Record.TaskID:             cloudmap.Healthy, // kept: a fresh read shows it RUNNING
		missing.Record.TaskID:              cloudmap.Healthy, // registered again
		"c0000000000000000000000000000009": "",               // its task is gone
		"users-own":                        cloudmap.Healthy, // not ECS's to touch
	} {
		if _, health := e.instance(id); health != want {
			t.Errorf("instance %s: %q, want %q", id, health, want)
		}
	}
	// Level-triggered: a second pass over the same state writes nothing.
	before := e.st.Revision()
	if err := e.r.Reconcile(ctx, tasks); err != nil {
		t.Fatal(err)
	}
	if after := e.st.Revision(); after != before {
		t.Fatalf("a reconcile with nothing to do wrote %d revisions", after-before)
	}
	// Container health going bad reaches Cloud Map.
	serving.Status.HealthStatus = ecs.HealthUnhealthy
	if err := e.r.Reconcile(ctx, tasks); err != nil {
		t.Fatal(err)
	}
	if _, health := e.instance(serving.Record.TaskID); health != cloudmap.Unhealthy {
		t.Fatalf("unhealthy task's instance is %s", health)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
