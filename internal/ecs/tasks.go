package ecs

import (
	"cmp"
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// TaskRecord is a task's desired state, written by the API (RunTask,
// StopTask) and by the service scheduler, read by the agent.
type TaskRecord struct {
	TaskID               string                `json:"taskId"`
	Cluster              string                `json:"cluster"`
	TaskArn              string                `json:"taskArn"`
	ClusterArn           string                `json:"clusterArn"`
	Definition           TaskDefinition        `json:"definition"` // overrides applied
	DesiredStatus        string                `json:"desiredStatus"`
	StopCode             string                `json:"stopCode,omitempty"`
	StoppedReason        string                `json:"stoppedReason,omitempty"`
	StoppingAt           *awsapi.Timestamp     `json:"stoppingAt,omitempty"`
	CreatedAt            awsapi.Timestamp      `json:"createdAt"`
	Group                string                `json:"group"`
	StartedBy            string                `json:"startedBy,omitempty"`
	Tags                 []Tag                 `json:"tags,omitempty"`
	LaunchType           string                `json:"launchType,omitempty"`
	CapacityProviderName string                `json:"capacityProviderName,omitempty"`
	Overrides            TaskOverride          `json:"overrides"`
	NetworkConfiguration *NetworkConfiguration `json:"networkConfiguration,omitempty"`
	// Subnet is the EC2 subnet of the task's interface, resolved at launch
	// (taskSubnet); nil when EC2 knows no such subnet.
	Subnet               *TaskSubnet `json:"subnet,omitempty"`
	PlatformVersion      string      `json:"platformVersion,omitempty"`
	EnableExecuteCommand bool        `json:"enableExecuteCommand"`
	// ServiceRegistries are the Cloud Map registrations of a service's task,
	// fixed at launch from its deployment: the agent's hooks register and
	// deregister exactly these, even after the service has moved on.
	ServiceRegistries []ServiceRegistry `json:"serviceRegistries,omitempty"`
	// LoadBalancers are the target groups a service's task is registered
	// with, fixed at launch from its deployment like ServiceRegistries.
	LoadBalancers []LoadBalancer `json:"loadBalancers,omitempty"`
	// ContainerInstance is the node the task is placed on (placement.go);
	// empty until it is placed. Only that node's agent runs it.
	ContainerInstance string `json:"containerInstance,omitempty"`
	// AvailabilityZone is the zone of that node, what the task reports as
	// its own (a Fargate task's is its subnet's; here the subnet's zone is
	// where the node is). Empty until it is placed.
	AvailabilityZone string `json:"availabilityZone,omitempty"`
	// Placement is what the task was launched with, kept to place it
	// later when it fits nowhere yet.
	Placement *Placement `json:"placement,omitempty"`
}

// TaskStatus is a task's observed state, written only by the agent.
type TaskStatus struct {
	LastStatus         string            `json:"lastStatus"`
	Address            string            `json:"address,omitempty"`
	Containers         []ContainerStatus `json:"containers"`
	HealthStatus       string            `json:"healthStatus,omitempty"`
	StopCode           string            `json:"stopCode,omitempty"`
	StoppedReason      string            `json:"stoppedReason,omitempty"`
	PullStartedAt      *awsapi.Timestamp `json:"pullStartedAt,omitempty"`
	PullStoppedAt      *awsapi.Timestamp `json:"pullStoppedAt,omitempty"`
	ConnectivityAt     *awsapi.Timestamp `json:"connectivityAt,omitempty"`
	StartedAt          *awsapi.Timestamp `json:"startedAt,omitempty"`
	StoppingAt         *awsapi.Timestamp `json:"stoppingAt,omitempty"`
	StoppedAt          *awsapi.Timestamp `json:"stoppedAt,omitempty"`
	ExecutionStoppedAt *awsapi.Timestamp `json:"executionStoppedAt,omitempty"`
	Version            int64             `json:"version"`
}

// ContainerStatus is one container's observed state.
type ContainerStatus struct {
	Name         string `json:"name"`
	RuntimeId    string `json:"runtimeId,omitempty"`
	LastStatus   string `json:"lastStatus"`
	ExitCode     *int   `json:"exitCode,omitempty"`
	Reason       string `json:"reason,omitempty"`
	HealthStatus string `json:"healthStatus,omitempty"`
	// HostPorts maps container ports to the host ports the runtime bound
	// them to, where those differ (the process runtime's ports mode).
	HostPorts map[int]int `json:"hostPorts,omitempty"`
}

// HostPort is where the task's container (any container if container is
// empty) is reached for containerPort at the task's Address: the host
// port the runtime bound it to, or, as under awsvpc, the port itself.
func (s *TaskStatus) HostPort(container string, containerPort int) int {
	if s == nil {
		return containerPort
	}
	for _, c := range s.Containers {
		if container != "" && c.Name != container {
			continue
		}
		if p, ok := c.HostPorts[containerPort]; ok {
			return p
		}
	}
	return containerPort
}

// Stopped reports whether the task has finished, as far as its status says.
func (s *TaskStatus) Stopped() bool { return s != nil && s.LastStatus == StatusStopped }

type RunTaskInput struct {
	Cluster                  string                         `json:"cluster"`
	TaskDefinition           string                         `json:"taskDefinition"`
	Count                    *int                           `json:"count"`
	LaunchType               string                         `json:"launchType"`
	CapacityProviderStrategy []CapacityProviderStrategyItem `json:"capacityProviderStrategy"`
	NetworkConfiguration     *NetworkConfiguration          `json:"networkConfiguration"`
	Overrides                *TaskOverride                  `json:"overrides"`
	StartedBy                string                         `json:"startedBy"`
	Group                    string                         `json:"group"`
	Tags                     []Tag                          `json:"tags"`
	PlatformVersion          string                         `json:"platformVersion"`
	EnableExecuteCommand     bool                           `json:"enableExecuteCommand"`
	PlacementStrategy        []PlacementStrategy            `json:"placementStrategy"`
	PlacementConstraints     []PlacementConstraint          `json:"placementConstraints"`
	PropagateTags            string                         `json:"propagateTags"`
	ClientToken              string                         `json:"clientToken"`
}

type TasksOutput struct {
	Tasks    []*Task   `json:"tasks"`
	Failures []Failure `json:"failures"`
}

// RunTask records count new tasks with desiredStatus RUNNING; the agent
// takes them from there.
func (c *Control) RunTask(ctx context.Context, in *RunTaskInput) (*TasksOutput, error) {
	records, err := c.NewTasks(ctx, in)
	if err != nil {
		return nil, err
	}
	out := &TasksOutput{Failures: []Failure{}}
	for _, rec := range records {
		out.Tasks = append(out.Tasks, c.merge(rec, nil))
	}
	return out, nil
}

// NewTasks validates a RunTask request and writes its task records; the
// service scheduler starts its tasks through it too.
func (c *Control) NewTasks(ctx context.Context, in *RunTaskInput) ([]*TaskRecord, error) {
	return c.newTasks(ctx, in, taskExtras{})
}

// taskExtras is what a service adds to a launch.
type taskExtras struct {
	registries    []ServiceRegistry
	loadBalancers []LoadBalancer
	// guard holds keys as the scheduler read them: the launch happens only
	// if none has changed since (else errStale), so a decision taken on a
	// stale service record starts nothing.
	guard []store.KV
	// inactiveOK lets a service keep launching a revision deregistered
	// after it was deployed: AWS lets such services run and scale.
	inactiveOK bool
}

// errStale says a guarded launch lost a race; the next pass decides again.
var errStale = errors.New("ecs: state changed since it was read")

func (c *Control) newTasks(ctx context.Context, in *RunTaskInput, x taskExtras) ([]*TaskRecord, error) {
	count := 1
	if in.Count != nil {
		count = *in.Count
	}
	if count < 1 || count > 10 {
		return nil, invalidParameter("count must be between 1 and 10.")
	}
	if in.TaskDefinition == "" {
		// Checked before the cluster is looked up, as AWS validates the
		// request before reading anything.
		return nil, invalidParameter("taskDefinition is required.")
	}
	cluster, err := clusterName(in.Cluster)
	if err != nil {
		return nil, err
	}
	if in.LaunchType != "" && len(in.CapacityProviderStrategy) > 0 {
		return nil, invalidParameter("Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	subnet, err := c.taskSubnet(ctx, in.NetworkConfiguration)
	if err != nil {
		return nil, err
	}
	placement := Placement{Strategy: in.PlacementStrategy, Constraints: in.PlacementConstraints}
	if err := validatePlacement(placement); err != nil {
		return nil, err
	}
	var records []*TaskRecord
	err = c.commit(ctx, func() (store.Txn, error) {
		cl, clKV, err := c.activeCluster(ctx, cluster)
		if err != nil {
			return store.Txn{}, err
		}
		td, _, err := c.resolveTaskDefinition(ctx, in.TaskDefinition)
		if err != nil {
			return store.Txn{}, err
		}
		if td.Status != "ACTIVE" && !x.inactiveOK {
			return store.Txn{}, clientError("TaskDefinition is inactive")
		}
		launchType, provider, err := resolveLaunch(cl, &td.TaskDefinition, in.LaunchType, in.CapacityProviderStrategy, in.NetworkConfiguration)
		if err != nil {
			return store.Txn{}, err
		}
		fargate := launchType == "FARGATE" || provider != ""
		guard := []store.Cmp{store.Unchanged(clKV)}
		for _, kv := range x.guard {
			if cur, err := c.st.Get(ctx, kv.Key); err != nil || cur.ModRevision != kv.ModRevision {
				return store.Txn{}, errStale
			}
			guard = append(guard, store.Unchanged(kv))
		}
		def, overrides, err := applyOverrides(td.TaskDefinition, in.Overrides)
		if err != nil {
			return store.Txn{}, err
		}
		group := in.Group
		if group == "" {
			group = "family:" + td.Family
		}
		platform := in.PlatformVersion
		if fargate && (platform == "" || platform == "LATEST") {
			platform = "1.4.0"
		}
		now := awsapi.Now()
		records = records[:0]
		var ops []store.Op
		for range count {
			id := awsapi.RandomHex(32)
			rec := &TaskRecord{
				TaskID:               id,
				Cluster:              cluster,
				TaskArn:              c.arn("task/" + cluster + "/" + id),
				ClusterArn:           cl.ClusterArn,
				Definition:           def,
				DesiredStatus:        StatusRunning,
				CreatedAt:            now,
				Group:                group,
				StartedBy:            in.StartedBy,
				Tags:                 in.Tags,
				LaunchType:           launchType,
				CapacityProviderName: provider,
				Overrides:            overrides,
				NetworkConfiguration: in.NetworkConfiguration,
				Subnet:               subnet,
				PlatformVersion:      platform,
				EnableExecuteCommand: in.EnableExecuteCommand,
				ServiceRegistries:    x.registries,
				LoadBalancers:        x.loadBalancers,
			}
			if fargate && provider == "" {
				rec.CapacityProviderName = "FARGATE"
			}
			if len(placement.Strategy)+len(placement.Constraints) > 0 {
				rec.Placement = &placement
			}
			records = append(records, rec)
		}
		// Placed now if a node fits (placement.go); else the placer places
		// it once one does.
		if err := c.placeNew(ctx, records); err != nil {
			return store.Txn{}, err
		}
		for _, rec := range records {
			ops = append(ops, store.Put(taskKey(cluster, rec.TaskID), store.JSON(rec)))
		}
		return store.Txn{If: guard, Then: ops}, nil
	})
	if err != nil {
		return nil, err
	}
	return records, nil
}

func applyOverrides(td TaskDefinition, o *TaskOverride) (TaskDefinition, TaskOverride, error) {
	td.ContainerDefinitions = append([]ContainerDefinition(nil), td.ContainerDefinitions...)
	if o == nil {
		return td, TaskOverride{ContainerOverrides: []ContainerOverride{}}, nil
	}
	for _, co := range o.ContainerOverrides {
		found := false
		for i := range td.ContainerDefinitions {
			cd := &td.ContainerDefinitions[i]
			if cd.Name != co.Name {
				continue
			}
			found = true
			if co.Command != nil {
				cd.Command = co.Command
			}
			if co.Cpu != nil {
				cd.Cpu = *co.Cpu
			}
			if co.Memory != nil {
				cd.Memory = co.Memory
			}
			if co.MemoryReservation != nil {
				cd.MemoryReservation = co.MemoryReservation
			}
			env := append([]KeyValuePair(nil), cd.Environment...)
			for _, kv := range co.Environment {
				replaced := false
				for j := range env {
					if env[j].Name == kv.Name {
						env[j].Value, replaced = kv.Value, true
					}
				}
				if !replaced {
					env = append(env, kv)
				}
			}
			cd.Environment = env
		}
		if !found {
			return td, TaskOverride{}, invalidParameter("Override for container named %s is not a container in the TaskDefinition.", co.Name)
		}
	}
	if o.Cpu != "" {
		td.Cpu = o.Cpu
	}
	if o.Memory != "" {
		td.Memory = o.Memory
	}
	out := *o
	out.ContainerOverrides = nonNil(out.ContainerOverrides)
	return td, out, nil
}

type StopTaskInput struct {
	Cluster string `json:"cluster"`
	Task    string `json:"task"`
	Reason  string `json:"reason"`
}

type TaskOutput struct {
	Task *Task `json:"task"`
}

// StopTask asks for a task to stop; the response may still show it RUNNING.
func (c *Control) StopTask(ctx context.Context, in *StopTaskInput) (*TaskOutput, error) {
	reason := in.Reason
	if reason == "" {
		reason = "Task stopped by user"
	}
	if len(reason) > 1024 {
		return nil, invalidParameter("reason must be at most 1024 characters.")
	}
	cluster, id, err := c.taskRef(in.Cluster, in.Task)
	if err != nil {
		return nil, err
	}
	rec, st, err := c.StopTaskWithCode(ctx, cluster, id, StopCodeUserInitiated, reason)
	if err != nil {
		return nil, err
	}
	return &TaskOutput{Task: c.merge(rec, st)}, nil
}

// StopTaskWithCode sets a task's desired status to STOPPED with a stop code
// and reason, unless it was already asked to stop.
func (c *Control) StopTaskWithCode(ctx context.Context, cluster, id, code, reason string) (*TaskRecord, *TaskStatus, error) {
	var rec *TaskRecord
	err := c.commit(ctx, func() (store.Txn, error) {
		r, kv, err := store.GetJSON[TaskRecord](ctx, c.st, taskKey(cluster, id))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, invalidParameter("The referenced task was not found.")
		} else if err != nil {
			return store.Txn{}, err
		}
		rec = r
		if r.DesiredStatus == StatusStopped {
			return store.Txn{}, nil
		}
		now := awsapi.Now()
		r.DesiredStatus, r.StopCode, r.StoppedReason, r.StoppingAt = StatusStopped, code, reason, &now
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(r))}}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	st, _, err := store.GetJSON[TaskStatus](ctx, c.st, taskStatusKey(cluster, id))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, nil, err
	}
	return rec, st, nil
}

// taskRef resolves a task id or ARN; an ARN's cluster wins over the parameter.
func (c *Control) taskRef(clusterRef, task string) (string, string, error) {
	cluster, err := clusterName(clusterRef)
	if err != nil {
		return "", "", err
	}
	if task == "" {
		return "", "", invalidParameter("task is required.")
	}
	if rest, isARN, ok := arnResource(task, "task"); isARN {
		if !ok {
			return "", "", invalidParameter("Invalid task ARN: %s", task)
		}
		if cl, id, ok := strings.Cut(rest, "/"); ok {
			return cl, id, nil
		}
		return cluster, rest, nil
	}
	return cluster, task, nil
}

// merge builds the API's Task from the desired and observed records.
func (c *Control) merge(rec *TaskRecord, st *TaskStatus) *Task {
	if st == nil {
		st = &TaskStatus{LastStatus: StatusProvisioning}
	}
	t := &Task{
		Attachments:          []Attachment{},
		Attributes:           []Attribute{{Name: "ecs.cpu-architecture", Value: "x86_64"}},
		AvailabilityZone:     cmp.Or(rec.AvailabilityZone, c.cfg.Region+"a"),
		CapacityProviderName: rec.CapacityProviderName,
		ClusterArn:           rec.ClusterArn,
		Connectivity:         "CONNECTED",
		ContainerInstanceArn: c.taskInstanceArn(rec),
		ConnectivityAt:       st.ConnectivityAt,
		Cpu:                  rec.Definition.Cpu,
		CreatedAt:            rec.CreatedAt,
		DesiredStatus:        rec.DesiredStatus,
		EnableExecuteCommand: rec.EnableExecuteCommand,
		ExecutionStoppedAt:   st.ExecutionStoppedAt,
		Group:                rec.Group,
		HealthStatus:         st.HealthStatus,
		LastStatus:           st.LastStatus,
		LaunchType:           rec.LaunchType,
		Memory:               rec.Definition.Memory,
		Overrides:            rec.Overrides,
		PlatformVersion:      rec.PlatformVersion,
		PullStartedAt:        st.PullStartedAt,
		PullStoppedAt:        st.PullStoppedAt,
		StartedAt:            st.StartedAt,
		StartedBy:            rec.StartedBy,
		StopCode:             rec.StopCode,
		StoppedAt:            st.StoppedAt,
		StoppedReason:        rec.StoppedReason,
		StoppingAt:           rec.StoppingAt,
		Tags:                 nonNil(rec.Tags),
		TaskArn:              rec.TaskArn,
		TaskDefinitionArn:    rec.Definition.TaskDefinitionArn,
		Version:              st.Version + 1,
		EphemeralStorage:     &EphemeralStorage{SizeInGiB: 20},
	}
	if t.HealthStatus == "" {
		t.HealthStatus = HealthUnknown
	}
	if t.LaunchType == "FARGATE" || rec.CapacityProviderName != "" {
		t.PlatformFamily = "Linux"
	}
	// An essential container's exit stops the task whatever was desired.
	if st.Stopped() || st.StopCode != "" {
		t.DesiredStatus = StatusStopped
		if t.StopCode == "" {
			t.StopCode, t.StoppedReason = st.StopCode, st.StoppedReason
		}
		if t.StoppingAt == nil {
			t.StoppingAt = st.StoppingAt
		}
	}
	if rec.Definition.NetworkMode == "awsvpc" {
		t.Attachments = append(t.Attachments, c.eni(rec, st))
	}
	byName := map[string]ContainerStatus{}
	for _, cs := range st.Containers {
		byName[cs.Name] = cs
	}
	for _, cd := range rec.Definition.ContainerDefinitions {
		cs := byName[cd.Name]
		ctr := Container{
			ContainerArn:      c.arn("container/" + rec.Cluster + "/" + rec.TaskID + "/" + cd.Name),
			TaskArn:           rec.TaskArn,
			Name:              cd.Name,
			Image:             cd.Image,
			RuntimeId:         cs.RuntimeId,
			LastStatus:        cs.LastStatus,
			ExitCode:          cs.ExitCode,
			Reason:            cs.Reason,
			HealthStatus:      cs.HealthStatus,
			Cpu:               strconv.Itoa(cd.Cpu),
			NetworkBindings:   []NetworkBinding{},
			NetworkInterfaces: []NetworkInterface{},
		}
		if ctr.LastStatus == "" {
			ctr.LastStatus = StatusPending
		}
		if ctr.HealthStatus == "" {
			ctr.HealthStatus = HealthUnknown
		}
		if cd.Memory != nil {
			ctr.Memory = strconv.Itoa(*cd.Memory)
		}
		if st.Address != "" && rec.Definition.NetworkMode == "awsvpc" {
			ctr.NetworkInterfaces = append(ctr.NetworkInterfaces, NetworkInterface{AttachmentId: eniID(rec.TaskID), PrivateIpv4Address: st.Address})
		}
		if st.Address != "" {
			for _, pm := range cd.PortMappings {
				if pm.ContainerPort != nil {
					ctr.NetworkBindings = append(ctr.NetworkBindings, NetworkBinding{BindIP: st.Address, ContainerPort: *pm.ContainerPort, HostPort: st.HostPort(cd.Name, *pm.ContainerPort), Protocol: pm.Protocol})
				}
			}
		}
		t.Containers = append(t.Containers, ctr)
	}
	return t
}

// eni describes the task's address as the ENI attachment Fargate reports.
func (c *Control) eni(rec *TaskRecord, st *TaskStatus) Attachment {
	status := "PRECREATED"
	switch {
	case st.LastStatus == StatusStopped:
		status = "DELETED"
	case st.Address != "":
		status = "ATTACHED"
	}
	details := []KeyValuePair{}
	if nc := rec.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil && len(nc.AwsvpcConfiguration.Subnets) > 0 {
		details = append(details, KeyValuePair{Name: "subnetId", Value: nc.AwsvpcConfiguration.Subnets[0]})
	}
	if st.Address != "" {
		details = append(details,
			KeyValuePair{Name: "networkInterfaceId", Value: "eni-" + rec.TaskID[:17]},
			KeyValuePair{Name: "privateIPv4Address", Value: st.Address})
	}
	return Attachment{Id: eniID(rec.TaskID), Type: "ElasticNetworkInterface", Status: status, Details: details}
}

// eniID derives a stable attachment id (a UUID shape) from the task id.
func eniID(taskID string) string {
	return taskID[0:8] + "-" + taskID[8:12] + "-" + taskID[12:16] + "-" + taskID[16:20] + "-" + taskID[20:32]
}

type DescribeTasksInput struct {
	Cluster string   `json:"cluster"`
	Tasks   []string `json:"tasks"`
	Include []string `json:"include"`
}

func (c *Control) DescribeTasks(ctx context.Context, in *DescribeTasksInput) (*TasksOutput, error) {
	if len(in.Tasks) == 0 || len(in.Tasks) > 100 {
		return nil, invalidParameter("tasks must contain between 1 and 100 tasks.")
	}
	if _, err := c.existingCluster(ctx, in.Cluster); err != nil {
		return nil, err
	}
	out := &TasksOutput{Tasks: []*Task{}, Failures: []Failure{}}
	for _, ref := range in.Tasks {
		cluster, id, err := c.taskRef(in.Cluster, ref)
		if err != nil {
			return nil, err
		}
		t, err := c.Task(ctx, cluster, id)
		if errors.Is(err, store.ErrNotFound) {
			out.Failures = append(out.Failures, Failure{Arn: c.arn("task/" + cluster + "/" + id), Reason: "MISSING"})
			continue
		} else if err != nil {
			return nil, err
		}
		if !contains(in.Include, "TAGS") {
			t.Tags = nil
		}
		out.Tasks = append(out.Tasks, t)
	}
	return out, nil
}

// Task returns one task as DescribeTasks shows it, or store.ErrNotFound.
func (c *Control) Task(ctx context.Context, cluster, id string) (*Task, error) {
	rec, _, err := store.GetJSON[TaskRecord](ctx, c.st, taskKey(cluster, id))
	if err != nil {
		return nil, err
	}
	st, _, err := store.GetJSON[TaskStatus](ctx, c.st, taskStatusKey(cluster, id))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return c.merge(rec, st), nil
}

// listTasks returns every task of a cluster, merged.
func (c *Control) listTasks(ctx context.Context, cluster string) ([]*Task, error) {
	recs, _, err := c.st.List(ctx, TaskPrefix+cluster+"/")
	if err != nil {
		return nil, err
	}
	stats, _, err := c.st.List(ctx, TaskStatusPrefix+cluster+"/")
	if err != nil {
		return nil, err
	}
	statusOf := map[string]*TaskStatus{}
	for _, kv := range stats {
		statusOf[kv.Key[len(TaskStatusPrefix):]] = store.DecodeJSON[TaskStatus](kv.Value)
	}
	var out []*Task
	for _, kv := range recs {
		if rec := store.DecodeJSON[TaskRecord](kv.Value); rec != nil {
			out = append(out, c.merge(rec, statusOf[kv.Key[len(TaskPrefix):]]))
		}
	}
	return out, nil
}

type ListTasksInput struct {
	Cluster           string `json:"cluster"`
	ContainerInstance string `json:"containerInstance"`
	Family            string `json:"family"`
	StartedBy         string `json:"startedBy"`
	ServiceName       string `json:"serviceName"`
	DesiredStatus     string `json:"desiredStatus"`
	LaunchType        string `json:"launchType"`
	MaxResults        *int32 `json:"maxResults"`
	NextToken         string `json:"nextToken"`
}

type ListTasksOutput struct {
	TaskArns  []string `json:"taskArns"`
	NextToken *string  `json:"nextToken,omitempty"`
}

func (c *Control) ListTasks(ctx context.Context, in *ListTasksInput) (*ListTasksOutput, error) {
	cluster, err := c.existingCluster(ctx, in.Cluster)
	if err != nil {
		return nil, err
	}
	desired := in.DesiredStatus
	if desired == "" {
		desired = StatusRunning
	}
	if desired != StatusRunning && desired != StatusStopped && desired != StatusPending {
		return nil, invalidParameter("Invalid desiredStatus %q.", in.DesiredStatus)
	}
	if in.ServiceName != "" && (in.Family != "" || in.StartedBy != "") {
		return nil, invalidParameter("serviceName may not be combined with family or startedBy.")
	}
	tasks, err := c.listTasks(ctx, cluster)
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, t := range tasks {
		switch {
		case desired == StatusPending && (t.DesiredStatus != StatusRunning || t.LastStatus == StatusRunning):
			continue
		case desired != StatusPending && t.DesiredStatus != desired:
			continue
		case in.Family != "" && !strings.Contains(t.TaskDefinitionArn, ":task-definition/"+in.Family+":"):
			continue
		case in.StartedBy != "" && t.StartedBy != in.StartedBy:
			continue
		case in.ServiceName != "" && t.Group != "service:"+in.ServiceName:
			continue
		case in.LaunchType != "" && t.LaunchType != in.LaunchType:
			continue
		}
		arns = append(arns, t.TaskArn)
	}
	sort.Strings(arns)
	page, next, err := paginate(listPager, arns, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListTasksOutput{TaskArns: page, NextToken: next}, nil
}

// activeServices counts a cluster's ACTIVE services (services.go writes them).
func (c *Control) activeServices(ctx context.Context, cluster string) (int, error) {
	kvs, _, err := c.st.List(ctx, clusterServicesPrefix(cluster))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, kv := range kvs {
		if svc := store.DecodeJSON[struct {
			Status string `json:"status"`
		}](kv.Value); svc != nil && svc.Status == "ACTIVE" {
			n++
		}
	}
	return n, nil
}
