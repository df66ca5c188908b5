package ecs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Node is what an agent registers: one machine (or one agent process)
// that runs tasks. ECS calls it a container instance; a node serves every
// cluster, so it is a container instance of each.
type Node struct {
	ID      string `json:"id"` // NodeID(Name)
	Name    string `json:"name"`
	Zone    string `json:"zone"`    // ecs.availability-zone
	Address string `json:"address"` // where its tasks are reached (--advertise)
	OSType  string `json:"osType"`  // ecs.os-type
	Arch    string `json:"arch"`    // ecs.cpu-architecture
	// CPU (units, 1024 a core) and Memory (MiB) are what it offers.
	CPU    int `json:"cpu"`
	Memory int `json:"memory"`
	// Overcommit places tasks whatever they reserve, as Fargate knows no
	// node's size: the default on one machine; a node told its size
	// (--node-cpu, --node-memory) refuses what does not fit.
	Overcommit   bool             `json:"overcommit,omitempty"`
	AgentVersion string           `json:"agentVersion"`
	RegisteredAt awsapi.Timestamp `json:"registeredAt"`
}

// NodeID is a node's container instance id: the same for a node that
// comes back under the same name, so that its DRAINING status and its
// record carry over.
func NodeID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:16])
}

// NodeLease is the consumer's view of a cluster.Lease: keys put under it
// vanish when the agent stops renewing it.
type NodeLease interface {
	Put(ctx context.Context, key string, value []byte) (int64, error)
}

// Register records the node and puts its live key under lease. The live
// key's revision is the agent's epoch: every status the agent writes from
// now on holds only while that key is unchanged, so an agent whose lease
// expired (its tasks given up and replaced) can write nothing more.
func (t *TaskStates) Register(ctx context.Context, lease NodeLease, n Node) error {
	if _, err := t.st.Commit(ctx, store.Txn{Then: []store.Op{store.Put(nodeKey(n.ID), store.JSON(n))}}); err != nil {
		return err
	}
	rev, err := lease.Put(ctx, nodeLiveKey(n.ID), store.JSON(nodeLive{Epoch: 0}))
	if err != nil {
		return err
	}
	t.fence.Store(&store.Cmp{Key: nodeLiveKey(n.ID), ModRevision: rev})
	return nil
}

// nodeLive is the value of a node's live key; its revision is what counts.
type nodeLive struct {
	Epoch int64 `json:"epoch"`
}

// nodeState is what the API sets on a node.
type nodeState struct {
	Status string `json:"status"` // ACTIVE or DRAINING
}

// Container instance statuses Portolan keeps (a lost node stays ACTIVE
// with agentConnected false, as ECS shows a disconnected agent).
const (
	InstanceActive   = "ACTIVE"
	InstanceDraining = "DRAINING"
)

// nodeView is one node as placement and the API see it.
type nodeView struct {
	Node
	Connected bool
	Status    string
}

func (n *nodeView) attributes() map[string]string {
	return map[string]string{
		"ecs.availability-zone": n.Zone,
		"ecs.os-type":           n.OSType,
		"ecs.cpu-architecture":  n.Arch,
		"ecs.instance-type":     "portolan",
		"portolan.node-name":    n.Name,
	}
}

// nodes reads every registered node, sorted by id.
func (c *Control) nodes(ctx context.Context) ([]*nodeView, error) {
	recs, _, err := c.st.List(ctx, NodePrefix)
	if err != nil {
		return nil, err
	}
	live, _, err := c.st.List(ctx, NodeLivePrefix)
	if err != nil {
		return nil, err
	}
	states, _, err := c.st.List(ctx, nodeStatePrefix)
	if err != nil {
		return nil, err
	}
	connected := map[string]bool{}
	for _, kv := range live {
		connected[strings.TrimPrefix(kv.Key, NodeLivePrefix)] = true
	}
	status := map[string]string{}
	for _, kv := range states {
		if s := store.DecodeJSON[nodeState](kv.Value); s != nil {
			status[strings.TrimPrefix(kv.Key, nodeStatePrefix)] = s.Status
		}
	}
	var out []*nodeView
	for _, kv := range recs {
		n := store.DecodeJSON[Node](kv.Value)
		if n == nil {
			continue
		}
		out = append(out, &nodeView{Node: *n, Connected: connected[n.ID], Status: cmpOr(status[n.ID], InstanceActive)})
	}
	return out, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ContainerInstance is ECS's shape of a node.
type ContainerInstance struct {
	ContainerInstanceArn string           `json:"containerInstanceArn"`
	Ec2InstanceId        string           `json:"ec2InstanceId"`
	Version              int64            `json:"version"`
	VersionInfo          VersionInfo      `json:"versionInfo"`
	RemainingResources   []Resource       `json:"remainingResources"`
	RegisteredResources  []Resource       `json:"registeredResources"`
	Status               string           `json:"status"`
	AgentConnected       bool             `json:"agentConnected"`
	RunningTasksCount    int              `json:"runningTasksCount"`
	PendingTasksCount    int              `json:"pendingTasksCount"`
	Attributes           []Attribute      `json:"attributes"`
	RegisteredAt         awsapi.Timestamp `json:"registeredAt"`
	Attachments          []Attachment     `json:"attachments"`
	Tags                 []Tag            `json:"tags"`
}

type VersionInfo struct {
	AgentVersion  string `json:"agentVersion"`
	AgentHash     string `json:"agentHash"`
	DockerVersion string `json:"dockerVersion"`
}

// Resource is one of a container instance's resources (CPU, MEMORY as
// INTEGER; PORTS as STRINGSET).
type Resource struct {
	Name           string   `json:"name"`
	Type           string   `json:"type"`
	DoubleValue    float64  `json:"doubleValue"`
	LongValue      int64    `json:"longValue"`
	IntegerValue   int      `json:"integerValue"`
	StringSetValue []string `json:"stringSetValue,omitempty"`
}

func resources(cpu, mem int) []Resource {
	return []Resource{
		{Name: "CPU", Type: "INTEGER", IntegerValue: cpu},
		{Name: "MEMORY", Type: "INTEGER", IntegerValue: mem},
		{Name: "PORTS", Type: "STRINGSET", StringSetValue: []string{}},
		{Name: "PORTS_UDP", Type: "STRINGSET", StringSetValue: []string{}},
	}
}

func (c *Control) instanceArn(cluster, id string) string {
	return c.arn("container-instance/" + cluster + "/" + id)
}

// instance builds the API's shape of a node in a cluster from the load
// placement counted on it.
func (c *Control) instance(cluster string, n *nodeView, l *nodeLoad) ContainerInstance {
	attrs := n.attributes()
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	slices.Sort(names)
	var list []Attribute
	for _, k := range names {
		list = append(list, Attribute{Name: k, Value: attrs[k]})
	}
	return ContainerInstance{
		ContainerInstanceArn: c.instanceArn(cluster, n.ID),
		Ec2InstanceId:        n.Name,
		Version:              1,
		VersionInfo:          VersionInfo{AgentVersion: n.AgentVersion, AgentHash: "portolan", DockerVersion: "portolan"},
		RegisteredResources:  resources(n.CPU, n.Memory),
		RemainingResources:   resources(n.CPU-l.cpu, n.Memory-l.memory),
		Status:               n.Status,
		AgentConnected:       n.Connected,
		RunningTasksCount:    l.running[cluster],
		PendingTasksCount:    l.pending[cluster],
		Attributes:           list,
		RegisteredAt:         n.RegisteredAt,
		Attachments:          []Attachment{},
		Tags:                 []Tag{},
	}
}

type ListContainerInstancesInput struct {
	Cluster    string `json:"cluster"`
	Filter     string `json:"filter"`
	Status     string `json:"status"`
	NextToken  string `json:"nextToken"`
	MaxResults *int32 `json:"maxResults"`
}

type ListContainerInstancesOutput struct {
	ContainerInstanceArns []string `json:"containerInstanceArns"`
	NextToken             *string  `json:"nextToken,omitempty"`
}

var instanceStatuses = []string{"ACTIVE", "DRAINING", "REGISTERING", "DEREGISTERING", "REGISTRATION_FAILED"}

// ListContainerInstances lists the nodes, as container instances of the
// cluster; filter is a cluster query expression on their attributes.
func (c *Control) ListContainerInstances(ctx context.Context, in *ListContainerInstancesInput) (*ListContainerInstancesOutput, error) {
	cluster, err := c.existingCluster(ctx, in.Cluster)
	if err != nil {
		return nil, err
	}
	if in.Status != "" && !slices.Contains(instanceStatuses, in.Status) {
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: %v", in.Status, instanceStatuses)
	}
	var filter expression
	if in.Filter != "" {
		if filter, err = parseExpression(in.Filter); err != nil {
			return nil, err
		}
	}
	nodes, err := c.nodes(ctx)
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, n := range nodes {
		if in.Status != "" && n.Status != in.Status {
			continue
		}
		if filter != nil && !filter.match(n.attributes()) {
			continue
		}
		arns = append(arns, c.instanceArn(cluster, n.ID))
	}
	slices.Sort(arns)
	page, next, err := paginate(listPager, arns, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListContainerInstancesOutput{ContainerInstanceArns: page, NextToken: next}, nil
}

type DescribeContainerInstancesInput struct {
	Cluster            string   `json:"cluster"`
	ContainerInstances []string `json:"containerInstances"`
	Include            []string `json:"include"`
}

type ContainerInstancesOutput struct {
	ContainerInstances []ContainerInstance `json:"containerInstances"`
	Failures           []Failure           `json:"failures"`
}

func (c *Control) DescribeContainerInstances(ctx context.Context, in *DescribeContainerInstancesInput) (*ContainerInstancesOutput, error) {
	cluster, ids, err := c.instanceRefs(ctx, in.Cluster, in.ContainerInstances)
	if err != nil {
		return nil, err
	}
	return c.describeInstances(ctx, cluster, ids)
}

func (c *Control) describeInstances(ctx context.Context, cluster string, ids []string) (*ContainerInstancesOutput, error) {
	nodes, err := c.nodes(ctx)
	if err != nil {
		return nil, err
	}
	loads, err := c.loads(ctx)
	if err != nil {
		return nil, err
	}
	out := &ContainerInstancesOutput{ContainerInstances: []ContainerInstance{}, Failures: []Failure{}}
	for _, id := range ids {
		j := slices.IndexFunc(nodes, func(n *nodeView) bool { return n.ID == id })
		if j < 0 {
			// Named by its ARN even when given by id, as DescribeTasks does.
			out.Failures = append(out.Failures, Failure{Arn: c.instanceArn(cluster, id), Reason: "MISSING"})
			continue
		}
		out.ContainerInstances = append(out.ContainerInstances, c.instance(cluster, nodes[j], loads.of(id)))
	}
	return out, nil
}

// instanceRefs resolves container instance ids or ARNs (1 to 100).
func (c *Control) instanceRefs(ctx context.Context, clusterRef string, refs []string) (string, []string, error) {
	cluster, err := c.existingCluster(ctx, clusterRef)
	if err != nil {
		return "", nil, err
	}
	if len(refs) == 0 || len(refs) > 100 {
		return "", nil, invalidParameter("containerInstances must contain between 1 and 100 items.")
	}
	ids := make([]string, len(refs))
	for i, ref := range refs {
		id := ref
		if rest, isARN, ok := arnResource(ref, "container-instance"); isARN {
			if !ok {
				return "", nil, invalidParameter("Invalid container instance ARN: %s", ref)
			}
			_, id, _ = strings.Cut(rest, "/")
			if id == "" {
				id = rest
			}
		}
		ids[i] = id
	}
	return cluster, ids, nil
}

type UpdateContainerInstancesStateInput struct {
	Cluster            string   `json:"cluster"`
	ContainerInstances []string `json:"containerInstances"`
	Status             string   `json:"status"`
}

// UpdateContainerInstancesState drains nodes (DRAINING: the scheduler
// moves their service tasks elsewhere within the deployment bounds, and
// nothing new is placed on them) or puts them back (ACTIVE).
func (c *Control) UpdateContainerInstancesState(ctx context.Context, in *UpdateContainerInstancesStateInput) (*ContainerInstancesOutput, error) {
	switch in.Status {
	case InstanceActive, InstanceDraining:
	case "":
		return nil, invalidParameter("status is required.")
	default:
		return nil, invalidParameter("Container instances status must be one of ACTIVE or DRAINING.")
	}
	cluster, ids, err := c.instanceRefs(ctx, in.Cluster, in.ContainerInstances)
	if err != nil {
		return nil, err
	}
	err = c.commit(ctx, func() (store.Txn, error) {
		var txn store.Txn
		for _, id := range ids {
			kv, err := c.st.Get(ctx, nodeKey(id))
			if errors.Is(err, store.ErrNotFound) {
				continue // reported MISSING below
			} else if err != nil {
				return store.Txn{}, err
			}
			txn.If = append(txn.If, store.Unchanged(kv))
			txn.Then = append(txn.Then, store.Put(nodeStateKey(id), store.JSON(nodeState{Status: in.Status})))
		}
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return c.describeInstances(ctx, cluster, ids)
}

// nodeLoad is what the live tasks placed on a node take of it.
type nodeLoad struct {
	cpu, memory      int
	running, pending map[string]int // by cluster
}

type loads map[string]*nodeLoad

func (l loads) of(id string) *nodeLoad {
	if x := l[id]; x != nil {
		return x
	}
	x := &nodeLoad{running: map[string]int{}, pending: map[string]int{}}
	l[id] = x
	return x
}

// loads counts the tasks placed on each node that are not stopped.
func (c *Control) loads(ctx context.Context) (loads, error) {
	views, err := c.taskViews(ctx, TaskPrefix, TaskStatusPrefix)
	if err != nil {
		return nil, err
	}
	out := loads{}
	for _, v := range views {
		if v.rec.ContainerInstance == "" || v.st.Stopped() {
			continue
		}
		l := out.of(v.rec.ContainerInstance)
		cpu, mem := taskNeeds(&v.rec.Definition)
		l.cpu += cpu
		l.memory += mem
		if v.st != nil && v.st.LastStatus == StatusRunning {
			l.running[v.rec.Cluster]++
		} else {
			l.pending[v.rec.Cluster]++
		}
	}
	return out, nil
}

// taskNeeds is the CPU units and MiB a task reserves: the task-level
// sizes when set (Fargate), else the sum of its containers'.
func taskNeeds(def *TaskDefinition) (cpu, mem int) {
	cpu, _ = strconv.Atoi(def.Cpu)
	mem, _ = strconv.Atoi(def.Memory)
	if cpu == 0 || mem == 0 {
		var sumCPU, sumMem int
		for _, cd := range def.ContainerDefinitions {
			sumCPU += cd.Cpu
			switch {
			case cd.Memory != nil:
				sumMem += *cd.Memory
			case cd.MemoryReservation != nil:
				sumMem += *cd.MemoryReservation
			}
		}
		if cpu == 0 {
			cpu = sumCPU
		}
		if mem == 0 {
			mem = sumMem
		}
	}
	return cpu, mem
}

// taskInstanceArn is the ARN of the node a task is placed on, or "".
func (c *Control) taskInstanceArn(rec *TaskRecord) string {
	if rec.ContainerInstance == "" {
		return ""
	}
	return c.instanceArn(rec.Cluster, rec.ContainerInstance)
}

// markDraining flags the tasks placed on DRAINING nodes.
func (c *Control) markDraining(ctx context.Context, views []taskView) error {
	states, _, err := c.st.List(ctx, nodeStatePrefix)
	if err != nil || len(states) == 0 {
		return err
	}
	draining := map[string]bool{}
	for _, kv := range states {
		if s := store.DecodeJSON[nodeState](kv.Value); s != nil && s.Status == InstanceDraining {
			draining[strings.TrimPrefix(kv.Key, nodeStatePrefix)] = true
		}
	}
	for i := range views {
		views[i].draining = views[i].rec.ContainerInstance != "" && draining[views[i].rec.ContainerInstance]
	}
	return nil
}
