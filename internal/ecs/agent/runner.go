package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/ecs/runtime"
)

// defaultStopTimeout is Fargate's: SIGTERM, then SIGKILL 30 s later.
const defaultStopTimeout = 30 * time.Second

// runner owns one task on this node from start (or re-adoption) to STOPPED.
type runner struct {
	a *Agent
	// id and cluster name the task. They never change, so they are read
	// without mu; rec is replaced under mu by every update (a StopTask may
	// arrive while the task is provisioned or its containers start).
	id, cluster string

	mu         sync.Mutex
	rec        *ecs.TaskRecord
	st         *ecs.TaskStatus
	containers []*container // in definition order
	stopCode   string       // set when the task itself decides to stop
	stopReason string
	wake       chan struct{}

	// cancel ends the runner's work without stopping its task (Purge);
	// done closes when run has returned.
	cancel context.CancelFunc
	done   chan struct{}
	// shipping counts the containers whose output is still on its way
	// to their log streams.
	shipping sync.WaitGroup
}

type container struct {
	def     ecs.ContainerDefinition
	id      string
	started bool
	exited  bool
	exit    runtime.ExitStatus
	health  string
	failure string // why it could not start
	// ports are the host ports its container ports are bound to, where
	// they differ (the process runtime's ports mode).
	ports []runtime.PortBinding
}

func newRunner(a *Agent, rec *ecs.TaskRecord, st *ecs.TaskStatus) *runner {
	r := &runner{a: a, id: rec.TaskID, cluster: rec.Cluster, rec: rec, st: st, wake: make(chan struct{}, 1), done: make(chan struct{})}
	for _, def := range rec.Definition.ContainerDefinitions {
		r.containers = append(r.containers, &container{def: def, health: ecs.HealthUnknown})
	}
	// A status with a stop code is a task that had begun to stop by itself
	// (an essential container exited, a container failed to start) when an
	// earlier server died. It goes on stopping: started again, it would run
	// while showing STOPPED as desired, so the scheduler would neither count
	// nor stop it. Its containers may be gone already (a crash inside
	// DeprovisionTask), so re-adoption alone cannot tell.
	if !st.Stopped() && st.StopCode != "" {
		r.stopCode, r.stopReason = st.StopCode, st.StoppedReason
	}
	return r
}

func (r *runner) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// update takes a newer desired state (StopTask, scheduler decisions).
func (r *runner) update(rec *ecs.TaskRecord) {
	r.mu.Lock()
	r.rec = rec
	r.mu.Unlock()
	r.signal()
}

func (r *runner) byName(name string) *container {
	for _, c := range r.containers {
		if c.def.Name == name {
			return c
		}
	}
	return nil
}

// setStatus moves the task to a lifecycle state and records it.
func (r *runner) setStatus(ctx context.Context, status string, mutate func(st *ecs.TaskStatus)) {
	r.mu.Lock()
	r.st.LastStatus = status
	if mutate != nil {
		mutate(r.st)
	}
	r.fillContainers()
	r.st.Version++
	st := *r.st
	st.Containers = append([]ecs.ContainerStatus(nil), r.st.Containers...)
	rec := r.rec
	r.mu.Unlock()
	r.a.writeStatus(ctx, rec, &st)
}

// fillContainers copies container state into the status; mu is held.
func (r *runner) fillContainers() {
	r.st.Containers = r.st.Containers[:0]
	health := ecs.HealthHealthy
	for _, c := range r.containers {
		cs := ecs.ContainerStatus{Name: c.def.Name, RuntimeId: c.id, LastStatus: ecs.StatusPending, HealthStatus: c.health}
		switch {
		case c.exited:
			cs.LastStatus = ecs.StatusStopped
			if c.exit.Known() {
				code := c.exit.Code
				cs.ExitCode = &code
			}
			cs.Reason = c.exit.Reason
		case c.failure != "":
			cs.LastStatus, cs.Reason = ecs.StatusStopped, c.failure
		case c.started:
			cs.LastStatus = ecs.StatusRunning
		}
		for _, p := range c.ports {
			if cs.HostPorts == nil {
				cs.HostPorts = map[int]int{}
			}
			cs.HostPorts[p.ContainerPort] = p.HostPort
		}
		r.st.Containers = append(r.st.Containers, cs)
		// Task health counts essential containers only: UNHEALTHY wins,
		// then UNKNOWN, then HEALTHY.
		if c.def.IsEssential() {
			switch {
			case c.health == ecs.HealthUnhealthy:
				health = ecs.HealthUnhealthy
			case c.health == ecs.HealthUnknown && health != ecs.HealthUnhealthy:
				health = ecs.HealthUnknown
			}
		}
	}
	r.st.HealthStatus = health
}

func (r *runner) run(ctx context.Context, adopted *runtime.Task) {
	if adopted != nil {
		r.adopt(ctx, adopted)
	} else if !r.provision(ctx) {
		return
	}
	for {
		if ctx.Err() != nil {
			return // the server is going away; the task keeps running for re-adoption
		}
		r.mu.Lock()
		stopping := r.rec.DesiredStatus == ecs.StatusStopped || r.stopCode != ""
		r.mu.Unlock()
		if stopping {
			r.stop(ctx)
			return
		}
		r.startReady(ctx)
		r.activateIfReady(ctx)
		r.publishIfChanged(ctx)
		select {
		case <-r.wake:
		case <-ctx.Done():
		}
	}
}

// provision gives the task its address; false means it failed and is STOPPED.
func (r *runner) provision(ctx context.Context) bool {
	r.setStatus(ctx, ecs.StatusProvisioning, nil)
	r.mu.Lock()
	spec := runtime.TaskSpec{TaskID: r.id, Cluster: r.cluster, Subnet: subnetOf(r.rec)}
	r.mu.Unlock()
	task, err := r.a.drv.ProvisionTask(ctx, spec)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		r.fail(ctx, "ResourceInitializationError: unable to provision the task's network interface: "+err.Error())
		return false
	}
	now := awsapi.Now()
	r.setStatus(ctx, ecs.StatusPending, func(st *ecs.TaskStatus) {
		st.Address, st.ConnectivityAt, st.PullStartedAt, st.PullStoppedAt = task.Address.String(), &now, &now, &now
	})
	return true
}

// subnetOf is the task's subnet as the runtime takes it; zero when its
// record has none.
func subnetOf(rec *ecs.TaskRecord) runtime.Subnet {
	s := rec.Subnet
	if s == nil {
		return runtime.Subnet{}
	}
	return runtime.Subnet{ID: s.SubnetId, VpcID: s.VpcId, CIDR: s.CidrBlock, VpcCIDR: s.VpcCidrBlock}
}

// adopt picks up containers a previous agent started.
func (r *runner) adopt(ctx context.Context, t *runtime.Task) {
	r.mu.Lock()
	r.st.Address = t.Address.String()
	for _, cs := range t.Containers {
		c := r.byName(cs.Name)
		if c == nil {
			continue
		}
		c.id, c.started, c.ports = cs.ID, true, cs.Ports
		if cs.Status == runtime.StatusStopped && cs.Exit != nil {
			c.exited, c.exit = true, *cs.Exit
		}
	}
	r.mu.Unlock()
	for _, c := range r.containers {
		if c.started && !c.exited {
			r.watch(ctx, c)
		} else if c.exited && c.def.IsEssential() {
			r.requestStop(ecs.StopCodeEssentialContainerExited, "Essential container in task exited")
		}
	}
}

// startReady starts every container whose dependencies are met.
func (r *runner) startReady(ctx context.Context) {
	for _, c := range r.containers {
		r.mu.Lock()
		pending := !c.started && c.failure == ""
		ready, broken := r.dependenciesMet(c)
		r.mu.Unlock()
		if !pending {
			continue
		}
		if broken != "" {
			r.mu.Lock()
			c.failure = "DependencyConditionNotMet: " + broken
			r.mu.Unlock()
			r.requestStop(ecs.StopCodeTaskFailedToStart, "Task failed to start: "+broken)
			return
		}
		if !ready {
			continue
		}
		spec, err := r.spec(ctx, c.def)
		var state runtime.ContainerState
		if err == nil {
			state, err = r.a.drv.StartContainer(ctx, r.id, spec)
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			reason := "CannotStartContainerError: " + err.Error()
			var missing *runtime.ImageNotFoundError
			if errors.As(err, &missing) {
				reason = fmt.Sprintf("CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref %s: not found", c.def.Image)
			}
			r.mu.Lock()
			c.failure = reason
			r.mu.Unlock()
			if c.def.IsEssential() {
				r.requestStop(ecs.StopCodeTaskFailedToStart, reason)
				return
			}
			continue
		}
		r.mu.Lock()
		c.id, c.started, c.ports = state.ID, true, state.Ports
		r.mu.Unlock()
		r.watch(ctx, c)
	}
}

// dependenciesMet says whether c may start, or why it never will; mu is held.
func (r *runner) dependenciesMet(c *container) (bool, string) {
	for _, dep := range c.def.DependsOn {
		d := r.byName(dep.ContainerName)
		if d == nil {
			continue
		}
		switch dep.Condition {
		case "START":
			if !d.started {
				return false, ""
			}
		case "COMPLETE":
			if !d.exited {
				return false, ""
			}
		case "SUCCESS":
			if !d.exited {
				return false, ""
			}
			if d.exit.Code != 0 {
				return false, fmt.Sprintf("container %s exited with code %d, but %s requires SUCCESS", d.def.Name, d.exit.Code, c.def.Name)
			}
		case "HEALTHY":
			if d.exited {
				return false, fmt.Sprintf("container %s exited before becoming HEALTHY", d.def.Name)
			}
			if d.health != ecs.HealthHealthy {
				return false, ""
			}
		}
		if d.failure != "" {
			return false, fmt.Sprintf("container %s failed to start", d.def.Name)
		}
	}
	return true, ""
}

// activateIfReady moves the task to RUNNING once every essential container runs.
func (r *runner) activateIfReady(ctx context.Context) {
	r.mu.Lock()
	if r.st.LastStatus == ecs.StatusRunning {
		r.mu.Unlock()
		return
	}
	for _, c := range r.containers {
		if c.def.IsEssential() && (!c.started || c.exited) {
			r.mu.Unlock()
			return
		}
	}
	r.mu.Unlock()
	r.setStatus(ctx, ecs.StatusActivating, nil)
	if h := r.a.cfg.Lifecycle; h != nil {
		r.mu.Lock()
		rec, st := r.rec, *r.st
		r.mu.Unlock()
		if err := h.Activate(ctx, rec, &st); err != nil {
			r.a.log.Error("activating task", "taskArn", rec.TaskArn, "err", err)
		}
	}
	now := awsapi.Now()
	r.setStatus(ctx, ecs.StatusRunning, func(st *ecs.TaskStatus) {
		if st.StartedAt == nil {
			st.StartedAt = &now
		}
	})
}

// publishIfChanged writes the status when container state moved on.
func (r *runner) publishIfChanged(ctx context.Context) {
	r.mu.Lock()
	before := fmt.Sprint(r.st.Containers, r.st.HealthStatus)
	r.fillContainers()
	changed := before != fmt.Sprint(r.st.Containers, r.st.HealthStatus)
	status := r.st.LastStatus
	r.mu.Unlock()
	if changed {
		r.setStatus(ctx, status, nil)
	}
}

func (r *runner) requestStop(code, reason string) {
	r.mu.Lock()
	if r.stopCode == "" {
		r.stopCode, r.stopReason = code, reason
	}
	r.mu.Unlock()
	r.signal()
}

// watch follows a running container: its exit, its health, its output.
func (r *runner) watch(ctx context.Context, c *container) {
	r.a.wg.Add(1)
	go func() {
		defer r.a.wg.Done()
		exit, err := r.a.drv.Wait(ctx, c.id)
		if err != nil {
			return // ctx ended: the server is stopping
		}
		r.mu.Lock()
		c.exited, c.exit = true, exit
		r.mu.Unlock()
		if c.def.IsEssential() {
			r.requestStop(ecs.StopCodeEssentialContainerExited, "Essential container in task exited")
		}
		r.signal()
	}()
	if hc := c.def.HealthCheck; hc != nil {
		r.a.wg.Add(1)
		go func() {
			defer r.a.wg.Done()
			r.checkHealth(ctx, c, hc)
		}()
	}
	if lc := c.def.LogConfiguration; lc != nil && lc.LogDriver == "awslogs" && r.a.cfg.Logs != nil {
		r.a.wg.Add(1)
		r.shipping.Add(1)
		go func() {
			defer r.a.wg.Done()
			defer r.shipping.Done()
			r.shipLogs(ctx, c, lc.Options)
		}()
	}
}

// checkHealth runs the container's health check as ECS does: every
// interval, failures counting toward retries only after the start period;
// a success during the start period makes it HEALTHY at once.
func (r *runner) checkHealth(ctx context.Context, c *container, hc *ecs.HealthCheck) {
	cmd, err := runtime.HealthCheckCommand(hc.Command)
	if err != nil {
		return
	}
	secs := func(v *int, def int) time.Duration {
		if v == nil {
			return time.Duration(def) * time.Second
		}
		return time.Duration(*v) * time.Second
	}
	interval, timeout, start := secs(hc.Interval, 30), secs(hc.Timeout, 5), secs(hc.StartPeriod, 0)
	retries := 3
	if hc.Retries != nil {
		retries = *hc.Retries
	}
	began := time.Now()
	failures := 0
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		res, err := r.a.drv.Exec(cctx, c.id, cmd)
		cancel()
		if ctx.Err() != nil {
			return
		}
		r.mu.Lock()
		if c.exited {
			r.mu.Unlock()
			return
		}
		switch {
		case err == nil && res.ExitCode == 0:
			failures, c.health = 0, ecs.HealthHealthy
		case time.Since(began) < start:
			// Failures during the start period do not count.
		default:
			failures++
			if failures >= retries {
				c.health = ecs.HealthUnhealthy
			}
		}
		r.mu.Unlock()
		r.signal()
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// shipLogs sends the container's output to CloudWatch Logs, named as the
// awslogs driver names streams: prefix/container-name/task-id.
func (r *runner) shipLogs(ctx context.Context, c *container, opts map[string]string) {
	group := opts["awslogs-group"]
	if group == "" {
		return
	}
	stream := r.id
	if p := opts["awslogs-stream-prefix"]; p != "" {
		stream = p + "/" + c.def.Name + "/" + r.id
	}
	out, err := r.a.cfg.Logs.OpenStream(ctx, group, stream)
	if err != nil {
		r.a.log.Error("open log stream", "group", group, "stream", stream, "err", err)
		return
	}
	defer out.Close()
	err = r.a.drv.Logs(ctx, c.id, runtime.LogOptions{Follow: true}, func(l runtime.LogLine) error {
		out.Log(l.Time, l.Text)
		return nil
	})
	if err != nil && ctx.Err() == nil {
		r.a.log.Warn("follow container logs", "container", c.def.Name, "err", err)
	}
}

// stop takes the task down in AWS's order: deregister (DEACTIVATING), then
// signal the containers (STOPPING), then release the address.
func (r *runner) stop(ctx context.Context) {
	r.mu.Lock()
	rec := r.rec
	code, reason := r.stopCode, r.stopReason
	r.mu.Unlock()
	mark := func(st *ecs.TaskStatus) {
		if rec.DesiredStatus != ecs.StatusStopped && st.StopCode == "" {
			st.StopCode, st.StoppedReason = code, reason
		}
	}
	r.setStatus(ctx, ecs.StatusDeactivating, mark)
	if h := r.a.cfg.Lifecycle; h != nil {
		r.mu.Lock()
		st := *r.st
		r.mu.Unlock()
		if err := h.Deactivate(ctx, rec, &st); err != nil {
			r.a.log.Error("deactivating task", "taskArn", rec.TaskArn, "err", err)
		}
	}
	now := awsapi.Now()
	r.setStatus(ctx, ecs.StatusStopping, func(st *ecs.TaskStatus) { st.StoppingAt = &now })
	// Reverse definition order stops dependents before what they depend on.
	for i := len(r.containers) - 1; i >= 0; i-- {
		c := r.containers[i]
		r.mu.Lock()
		running := c.started && !c.exited
		r.mu.Unlock()
		if !running {
			continue
		}
		timeout := defaultStopTimeout
		if c.def.StopTimeout != nil {
			timeout = time.Duration(*c.def.StopTimeout) * time.Second
		}
		if err := r.a.drv.StopContainer(ctx, c.id, timeout); err != nil && ctx.Err() == nil {
			r.a.log.Error("stop container", "taskArn", rec.TaskArn, "container", c.def.Name, "err", err)
		}
		if state, err := r.a.drv.Inspect(ctx, c.id); err == nil && state.Exit != nil {
			r.mu.Lock()
			c.exited, c.exit = true, *state.Exit
			r.mu.Unlock()
		}
	}
	if ctx.Err() != nil {
		return // shutting down mid-stop: the next agent finishes the job
	}
	r.setStatus(ctx, ecs.StatusDeprovisioning, nil)
	r.waitShipped(ctx)
	if err := r.a.drv.DeprovisionTask(ctx, rec.TaskID); err != nil {
		r.a.log.Error("deprovision task", "taskArn", rec.TaskArn, "err", err)
	}
	r.release(ctx)
	done := awsapi.Now()
	r.mu.Lock()
	for _, c := range r.containers {
		if c.started && !c.exited {
			c.exited, c.exit = true, runtime.ExitStatus{Code: runtime.UnknownExitCode}
		}
	}
	r.mu.Unlock()
	r.setStatus(ctx, ecs.StatusStopped, func(st *ecs.TaskStatus) { st.StoppedAt, st.ExecutionStoppedAt = &done, &done })
}

// logDrainTimeout bounds how long a stopping task waits for its
// containers' last output to reach their log streams.
const logDrainTimeout = 10 * time.Second

// waitShipped waits until the containers' output, which ends once they
// have exited, has reached their log streams: deprovisioning removes the
// containers' logs, and with them whatever a shipper had not read yet
// (the last lines a task prints, as it exits).
func (r *runner) waitShipped(ctx context.Context) {
	shipped := make(chan struct{})
	go func() {
		r.shipping.Wait()
		close(shipped)
	}()
	select {
	case <-shipped:
	case <-time.After(logDrainTimeout):
		r.a.log.Warn("a stopping task's output is still being shipped; its last lines may be lost", "taskId", r.id)
	case <-ctx.Done():
	}
}

// fail stops a task that never started.
func (r *runner) fail(ctx context.Context, reason string) {
	done := awsapi.Now()
	r.setStatus(ctx, ecs.StatusStopped, func(st *ecs.TaskStatus) {
		st.StopCode, st.StoppedReason = ecs.StopCodeTaskFailedToStart, truncate(reason, 1024)
		st.StoppedAt, st.ExecutionStoppedAt = &done, &done
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// containerSpec turns a container definition into what the driver runs.
func containerSpec(def ecs.ContainerDefinition) runtime.ContainerSpec {
	spec := runtime.ContainerSpec{
		Name:             def.Name,
		Image:            def.Image,
		EntryPoint:       def.EntryPoint,
		Command:          def.Command,
		Environment:      map[string]string{},
		WorkingDirectory: def.WorkingDirectory,
		CPU:              def.Cpu,
	}
	for _, kv := range def.Environment {
		spec.Environment[kv.Name] = kv.Value
	}
	if def.Memory != nil {
		spec.Memory = *def.Memory
	}
	if def.MemoryReservation != nil {
		spec.MemoryReservation = *def.MemoryReservation
	}
	for _, pm := range def.PortMappings {
		if pm.ContainerPort != nil {
			spec.PortMappings = append(spec.PortMappings, runtime.PortMapping{ContainerPort: *pm.ContainerPort, Protocol: strings.ToLower(pm.Protocol)})
		}
	}
	return spec
}
