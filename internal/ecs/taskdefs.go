package ecs

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type RegisterTaskDefinitionInput struct {
	Family                  string                `json:"family"`
	TaskRoleArn             string                `json:"taskRoleArn"`
	ExecutionRoleArn        string                `json:"executionRoleArn"`
	NetworkMode             string                `json:"networkMode"`
	ContainerDefinitions    []ContainerDefinition `json:"containerDefinitions"`
	Volumes                 []any                 `json:"volumes"`
	PlacementConstraints    []any                 `json:"placementConstraints"`
	RequiresCompatibilities []string              `json:"requiresCompatibilities"`
	Cpu                     string                `json:"cpu"`
	Memory                  string                `json:"memory"`
	Tags                    []Tag                 `json:"tags"`
	PidMode                 string                `json:"pidMode"`
	IpcMode                 string                `json:"ipcMode"`
	RuntimePlatform         *RuntimePlatform      `json:"runtimePlatform"`
	EphemeralStorage        *EphemeralStorage     `json:"ephemeralStorage"`
}

type TaskDefinitionOutput struct {
	TaskDefinition *TaskDefinition `json:"taskDefinition"`
	Tags           []Tag           `json:"tags,omitempty"`
}

type familyRecord struct {
	Revision int `json:"revision"`
}

// taskDefRecord is a stored revision: the definition and its tags.
type taskDefRecord struct {
	TaskDefinition
	Tags []Tag `json:"tags,omitempty"`
}

var familyPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,255}$`)

// RegisterTaskDefinition validates a definition and stores it as the
// family's next revision. Revisions only ever go up, even past
// deregistered ones.
func (c *Control) RegisterTaskDefinition(ctx context.Context, in *RegisterTaskDefinitionInput) (*TaskDefinitionOutput, error) {
	td, err := c.validateTaskDefinition(in)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	err = c.commit(ctx, func() (store.Txn, error) {
		fam, kv, err := store.GetJSON[familyRecord](ctx, c.st, familyKey(in.Family))
		cmp := store.Unchanged(kv)
		if errors.Is(err, store.ErrNotFound) {
			fam, cmp = &familyRecord{}, store.Absent(familyKey(in.Family))
		} else if err != nil {
			return store.Txn{}, err
		}
		fam.Revision++
		td.Revision = fam.Revision
		td.TaskDefinitionArn = c.arn(fmt.Sprintf("task-definition/%s:%d", in.Family, fam.Revision))
		td.RegisteredAt = awsapi.Now()
		return store.Txn{If: []store.Cmp{cmp}, Then: []store.Op{
			store.Put(familyKey(in.Family), store.JSON(fam)),
			store.Put(taskDefKey(in.Family, fam.Revision), store.JSON(taskDefRecord{TaskDefinition: *td, Tags: in.Tags})),
		}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &TaskDefinitionOutput{TaskDefinition: td, Tags: in.Tags}, nil
}

// fargateMemory lists, per task cpu, the memory values Fargate accepts (MiB).
func fargateMemory(cpu int) []int {
	span := func(lo, hi, step int) []int {
		var out []int
		for m := lo; m <= hi; m += step {
			out = append(out, m)
		}
		return out
	}
	switch cpu {
	case 256:
		return []int{512, 1024, 2048}
	case 512:
		return span(1024, 4096, 1024)
	case 1024:
		return span(2048, 8192, 1024)
	case 2048:
		return span(4096, 16384, 1024)
	case 4096:
		return span(8192, 30720, 1024)
	case 8192:
		return span(16384, 61440, 4096)
	case 16384:
		return span(32768, 122880, 8192)
	}
	return nil
}

// parseUnits normalises "1 vCPU" / "0.25 vcpu" / "1024" to cpu units and
// "2GB" / "2 gb" / "2048" to MiB, as RegisterTaskDefinition does.
func parseUnits(s, suffix string) (int, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	mult := 1.0
	if strings.HasSuffix(s, suffix) {
		s, mult = strings.TrimSpace(strings.TrimSuffix(s, suffix)), 1024
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, false
	}
	return int(f * mult), true
}

func (c *Control) validateTaskDefinition(in *RegisterTaskDefinitionInput) (*TaskDefinition, error) {
	if !familyPattern.MatchString(in.Family) {
		return nil, clientError("Family must be 1 to 255 letters, numbers, hyphens and underscores.")
	}
	if len(in.ContainerDefinitions) == 0 {
		return nil, clientError("Container list cannot be empty.")
	}
	if len(in.ContainerDefinitions) > 10 {
		return nil, clientError("A task definition can have at most 10 containers.")
	}
	mode := in.NetworkMode
	if mode == "" {
		mode = "bridge"
	}
	switch mode {
	case "bridge", "host", "awsvpc", "none":
	default:
		return nil, clientError("Invalid networkMode %q: it must be bridge, host, awsvpc or none.", in.NetworkMode)
	}
	fargate := contains(in.RequiresCompatibilities, "FARGATE")
	for _, comp := range in.RequiresCompatibilities {
		if comp != "FARGATE" && comp != "EC2" && comp != "EXTERNAL" {
			return nil, clientError("Invalid requiresCompatibilities value %q.", comp)
		}
	}
	td := &TaskDefinition{
		Family:                  in.Family,
		TaskRoleArn:             in.TaskRoleArn,
		ExecutionRoleArn:        in.ExecutionRoleArn,
		NetworkMode:             mode,
		Volumes:                 nonNil(in.Volumes),
		Status:                  "ACTIVE",
		PlacementConstraints:    nonNil(in.PlacementConstraints),
		Compatibilities:         []string{"EC2"},
		RequiresCompatibilities: in.RequiresCompatibilities,
		RuntimePlatform:         in.RuntimePlatform,
		PidMode:                 in.PidMode,
		IpcMode:                 in.IpcMode,
		EphemeralStorage:        in.EphemeralStorage,
		RequiresAttributes:      []Attribute{},
		RegisteredBy:            awsapi.AccountRootARN(c.cfg.AccountID),
	}
	var cpu, mem int
	if in.Cpu != "" {
		v, ok := parseUnits(in.Cpu, "vcpu")
		if !ok {
			return nil, clientError("Invalid 'cpu' setting for task: %s.", in.Cpu)
		}
		cpu, td.Cpu = v, strconv.Itoa(v)
	}
	if in.Memory != "" {
		v, ok := parseUnits(in.Memory, "gb")
		if !ok {
			return nil, clientError("Invalid 'memory' setting for task: %s.", in.Memory)
		}
		mem, td.Memory = v, strconv.Itoa(v)
	}
	if mode == "awsvpc" && cpu > 0 && mem > 0 && validFargate(cpu, mem) {
		td.Compatibilities = []string{"EC2", "FARGATE"}
	}
	if fargate {
		if mode != "awsvpc" {
			return nil, clientError("Fargate only supports network mode 'awsvpc'.")
		}
		if cpu == 0 {
			return nil, clientError("Fargate requires that 'cpu' be defined at the task level.")
		}
		if mem == 0 {
			return nil, clientError("Fargate requires that 'memory' be defined at the task level.")
		}
		if !validFargate(cpu, mem) {
			return nil, clientError("No Fargate configuration exists for given values: %d CPU, %d memory. See the Amazon ECS documentation for the valid values.", cpu, mem)
		}
	}
	if err := validateContainers(in.ContainerDefinitions, mode, fargate, cpu, mem); err != nil {
		return nil, err
	}
	if err := refusedSettings(td, in.ContainerDefinitions, fargate); err != nil {
		return nil, err
	}
	td.ContainerDefinitions = in.ContainerDefinitions
	for i := range td.ContainerDefinitions {
		cd := &td.ContainerDefinitions[i]
		if cd.Essential == nil {
			essential := true // stored and returned as ECS does
			cd.Essential = &essential
		}
		cd.Environment = nonNil(cd.Environment)
		cd.MountPoints = nonNil(cd.MountPoints)
		cd.VolumesFrom = nonNil(cd.VolumesFrom)
		cd.SystemControls = nonNil(cd.SystemControls)
		cd.PortMappings = nonNil(cd.PortMappings)
		for j := range cd.PortMappings {
			pm := &cd.PortMappings[j]
			if pm.Protocol == "" {
				pm.Protocol = "tcp"
			}
			if mode == "awsvpc" {
				pm.HostPort = pm.ContainerPort // echoed equal under awsvpc
			}
		}
		if cd.LogConfiguration != nil && cd.LogConfiguration.LogDriver == "awslogs" {
			td.RequiresAttributes = append(td.RequiresAttributes, Attribute{Name: "com.amazonaws.ecs.capability.logging-driver.awslogs"})
		}
	}
	return td, nil
}

// refusedSettings refuses what ECS refuses: under awsvpc, container
// hostnames and links; on Fargate, the task settings and container
// parameters it does not support.
func refusedSettings(td *TaskDefinition, defs []ContainerDefinition, fargate bool) error {
	if fargate {
		switch {
		case td.PidMode != "" && td.PidMode != "task":
			return clientError("Fargate does not support pidMode '%s'; the only supported value is 'task'.", td.PidMode)
		case td.IpcMode != "":
			return clientError("Fargate does not support the ipcMode parameter.")
		}
	}
	for _, cd := range defs {
		refused := ""
		switch {
		case td.NetworkMode == "awsvpc" && cd.Hostname != "":
			return clientError("Hostname is not supported on container when networkMode=awsvpc.")
		case td.NetworkMode == "awsvpc" && len(cd.Links) > 0:
			return clientError("Links are not supported when networkMode=awsvpc.")
		case !fargate:
		case cd.Privileged != nil && *cd.Privileged:
			refused = "privileged"
		case cd.DisableNetworking != nil:
			refused = "disableNetworking"
		case len(cd.DnsServers) > 0:
			refused = "dnsServers"
		case len(cd.DnsSearchDomains) > 0:
			refused = "dnsSearchDomains"
		case len(cd.ExtraHosts) > 0:
			refused = "extraHosts"
		case len(cd.DockerSecurityOptions) > 0:
			refused = "dockerSecurityOptions"
		}
		if refused != "" {
			return clientError("Fargate does not support the %s parameter (container %s).", refused, cd.Name)
		}
	}
	return nil
}

func validFargate(cpu, mem int) bool {
	for _, m := range fargateMemory(cpu) {
		if m == mem {
			return true
		}
	}
	return false
}

func validateContainers(defs []ContainerDefinition, mode string, fargate bool, taskCPU, taskMem int) error {
	byName := map[string]*ContainerDefinition{}
	essential := 0
	ports := map[string]string{}
	containerMem := 0
	for i := range defs {
		cd := &defs[i]
		if cd.Name == "" {
			return clientError("Container.name should not be null or empty.")
		}
		if !familyPattern.MatchString(cd.Name) {
			return clientError("Container name %q must be 1 to 255 letters, numbers, hyphens and underscores.", cd.Name)
		}
		if byName[cd.Name] != nil {
			return clientError("Duplicate container names are not allowed: %s.", cd.Name)
		}
		byName[cd.Name] = cd
		if cd.Image == "" {
			return clientError("Container.image should not be null or empty.")
		}
		if cd.IsEssential() {
			essential++
		}
		if cd.Cpu < 0 {
			return clientError("Invalid 'cpu' setting for container %s.", cd.Name)
		}
		if cd.Memory != nil && *cd.Memory < 6 {
			return clientError("Invalid 'memory' setting for container %s: the minimum is 6 MiB.", cd.Name)
		}
		if cd.Memory != nil && cd.MemoryReservation != nil && *cd.MemoryReservation > *cd.Memory {
			return clientError("Container %s: memoryReservation must not exceed memory.", cd.Name)
		}
		if !fargate && taskMem == 0 && cd.Memory == nil && cd.MemoryReservation == nil {
			return clientError("Invalid setting for container '%s'. At least one of 'memory' or 'memoryReservation' must be specified.", cd.Name)
		}
		if cd.Memory != nil {
			containerMem += *cd.Memory
		} else if cd.MemoryReservation != nil {
			containerMem += *cd.MemoryReservation
		}
		for _, pm := range cd.PortMappings {
			if pm.ContainerPort == nil || *pm.ContainerPort < 1 || *pm.ContainerPort > 65535 {
				return clientError("Container %s: containerPort must be between 1 and 65535.", cd.Name)
			}
			proto := pm.Protocol
			if proto == "" {
				proto = "tcp"
			}
			if proto != "tcp" && proto != "udp" {
				return clientError("Container %s: protocol must be tcp or udp.", cd.Name)
			}
			if mode == "awsvpc" && pm.HostPort != nil && *pm.HostPort != *pm.ContainerPort {
				return clientError("When networkMode=awsvpc, the host ports and container ports in port mappings must match.")
			}
			// Under awsvpc all containers share one address, so a port can
			// be bound once per task.
			key := fmt.Sprintf("%d/%s", *pm.ContainerPort, proto)
			if other, dup := ports[key]; dup && (mode == "awsvpc" || mode == "host" || other == cd.Name) {
				return clientError("Port %s is mapped by both container %s and container %s; ports must be unique within a task.", key, other, cd.Name)
			}
			ports[key] = cd.Name
		}
		if cd.StopTimeout != nil && (*cd.StopTimeout < 0 || (fargate && *cd.StopTimeout > 120)) {
			return clientError("Container %s: stopTimeout must be between 0 and 120 seconds.", cd.Name)
		}
		if hc := cd.HealthCheck; hc != nil {
			if err := validateHealthCheck(cd.Name, hc); err != nil {
				return err
			}
		}
		if lc := cd.LogConfiguration; lc != nil && fargate {
			switch lc.LogDriver {
			case "awslogs", "splunk", "awsfirelens":
			default:
				return clientError("Log driver %s is not supported on Fargate: use awslogs, splunk or awsfirelens.", lc.LogDriver)
			}
		}
	}
	if essential == 0 {
		return clientError("At least one essential container is required for the task definition.")
	}
	if taskMem > 0 && containerMem > taskMem {
		return clientError("The containers' memory (%d MiB) exceeds the task's memory (%d MiB).", containerMem, taskMem)
	}
	for _, cd := range defs {
		for _, dep := range cd.DependsOn {
			target := byName[dep.ContainerName]
			if target == nil || dep.ContainerName == cd.Name {
				return clientError("Container %s depends on unknown container %q.", cd.Name, dep.ContainerName)
			}
			switch dep.Condition {
			case "START":
			case "COMPLETE", "SUCCESS":
				if target.IsEssential() {
					return clientError("Container %s cannot depend on essential container %s with condition %s.", cd.Name, dep.ContainerName, dep.Condition)
				}
			case "HEALTHY":
				if target.HealthCheck == nil {
					return clientError("Container %s depends on %s being HEALTHY, but %s has no healthCheck.", cd.Name, dep.ContainerName, dep.ContainerName)
				}
			default:
				return clientError("Invalid dependsOn condition %q: it must be START, COMPLETE, SUCCESS or HEALTHY.", dep.Condition)
			}
		}
	}
	if cyclic(defs) {
		return clientError("The container dependencies form a cycle.")
	}
	return nil
}

func validateHealthCheck(name string, hc *HealthCheck) error {
	if len(hc.Command) == 0 || (hc.Command[0] != "CMD" && hc.Command[0] != "CMD-SHELL" && hc.Command[0] != "NONE") {
		return clientError("Container %s: healthCheck.command must start with CMD or CMD-SHELL.", name)
	}
	check := func(v *int, lo, hi int, field string) error {
		if v != nil && (*v < lo || *v > hi) {
			return clientError("Container %s: healthCheck.%s must be between %d and %d.", name, field, lo, hi)
		}
		return nil
	}
	for _, err := range []error{
		check(hc.Interval, 5, 300, "interval"),
		check(hc.Timeout, 2, 60, "timeout"),
		check(hc.Retries, 1, 10, "retries"),
		check(hc.StartPeriod, 0, 300, "startPeriod"),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

func cyclic(defs []ContainerDefinition) bool {
	deps := map[string][]string{}
	for _, cd := range defs {
		for _, d := range cd.DependsOn {
			deps[cd.Name] = append(deps[cd.Name], d.ContainerName)
		}
	}
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string) bool
	visit = func(n string) bool {
		switch state[n] {
		case 1:
			return true
		case 2:
			return false
		}
		state[n] = 1
		for _, d := range deps[n] {
			if visit(d) {
				return true
			}
		}
		state[n] = 2
		return false
	}
	for _, cd := range defs {
		if visit(cd.Name) {
			return true
		}
	}
	return false
}

// resolveTaskDefinition finds a revision by "family" (latest ACTIVE),
// "family:revision" or ARN.
func (c *Control) resolveTaskDefinition(ctx context.Context, ref string) (*taskDefRecord, store.KV, error) {
	notFound := clientError("Unable to describe task definition.")
	if ref == "" {
		return nil, store.KV{}, invalidParameter("taskDefinition is required.")
	}
	if r, isARN, ok := arnResource(ref, "task-definition"); isARN {
		if !ok {
			return nil, store.KV{}, invalidParameter("Invalid task definition ARN: %s", ref)
		}
		ref = r
	}
	family, revText, hasRev := strings.Cut(ref, ":")
	if !familyPattern.MatchString(family) {
		return nil, store.KV{}, notFound
	}
	if hasRev {
		rev, err := strconv.Atoi(revText)
		if err != nil || rev < 1 {
			return nil, store.KV{}, invalidParameter("Invalid revision number. Number: %s", revText)
		}
		td, kv, err := store.GetJSON[taskDefRecord](ctx, c.st, taskDefKey(family, rev))
		if errors.Is(err, store.ErrNotFound) {
			return nil, kv, notFound
		}
		return td, kv, err
	}
	kvs, _, err := c.st.List(ctx, taskDefPrefix(family))
	if err != nil {
		return nil, store.KV{}, err
	}
	for i := len(kvs) - 1; i >= 0; i-- {
		if td := store.DecodeJSON[taskDefRecord](kvs[i].Value); td != nil && td.Status == "ACTIVE" {
			return td, kvs[i], nil
		}
	}
	return nil, store.KV{}, notFound
}

type DescribeTaskDefinitionInput struct {
	TaskDefinition string   `json:"taskDefinition"`
	Include        []string `json:"include"`
}

func (c *Control) DescribeTaskDefinition(ctx context.Context, in *DescribeTaskDefinitionInput) (*TaskDefinitionOutput, error) {
	td, _, err := c.resolveTaskDefinition(ctx, in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	out := &TaskDefinitionOutput{TaskDefinition: &td.TaskDefinition}
	if contains(in.Include, "TAGS") {
		out.Tags = nonNil(td.Tags)
	}
	return out, nil
}

type DeregisterTaskDefinitionInput struct {
	TaskDefinition string `json:"taskDefinition"`
}

// DeregisterTaskDefinition marks a revision INACTIVE; tasks and services
// already using it keep running.
func (c *Control) DeregisterTaskDefinition(ctx context.Context, in *DeregisterTaskDefinitionInput) (*TaskDefinitionOutput, error) {
	ref := in.TaskDefinition
	if i := strings.LastIndex(ref, "/"); awsapi.IsARN(ref) && i >= 0 {
		ref = ref[i+1:]
	}
	if !strings.Contains(ref, ":") {
		return nil, clientError("The specified task definition does not include a revision number.")
	}
	var out TaskDefinitionOutput
	err := c.commit(ctx, func() (store.Txn, error) {
		td, kv, err := c.resolveTaskDefinition(ctx, in.TaskDefinition)
		if err != nil {
			return store.Txn{}, err
		}
		out.TaskDefinition = &td.TaskDefinition
		if td.Status != "ACTIVE" {
			return store.Txn{}, nil
		}
		now := awsapi.Now()
		td.Status, td.DeregisteredAt = "INACTIVE", &now
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(td))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

type ListTaskDefinitionsInput struct {
	FamilyPrefix string `json:"familyPrefix"`
	Status       string `json:"status"`
	Sort         string `json:"sort"`
	MaxResults   *int32 `json:"maxResults"`
	NextToken    string `json:"nextToken"`
}

type ListTaskDefinitionsOutput struct {
	TaskDefinitionArns []string `json:"taskDefinitionArns"`
	NextToken          *string  `json:"nextToken,omitempty"`
}

func (c *Control) ListTaskDefinitions(ctx context.Context, in *ListTaskDefinitionsInput) (*ListTaskDefinitionsOutput, error) {
	status := in.Status
	if status == "" {
		status = "ACTIVE"
	}
	if status != "ACTIVE" && status != "INACTIVE" && status != "DELETE_IN_PROGRESS" {
		return nil, invalidParameter("Invalid status %q.", in.Status)
	}
	// familyPrefix is, despite its name, a whole family name.
	prefix := taskDefsPrefix
	if in.FamilyPrefix != "" {
		prefix = taskDefPrefix(in.FamilyPrefix)
	}
	kvs, _, err := c.st.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	// Keys sort by family then zero-padded revision, the ARN order AWS lists in.
	var keys []string
	arnOf := map[string]string{}
	for _, kv := range kvs {
		if td := store.DecodeJSON[taskDefRecord](kv.Value); td != nil && td.Status == status {
			keys = append(keys, kv.Key)
			arnOf[kv.Key] = td.TaskDefinitionArn
		}
	}
	if strings.EqualFold(in.Sort, "DESC") {
		sort.Sort(sort.Reverse(sort.StringSlice(keys)))
	}
	page, next, err := paginateByPosition(listPager, keys, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &ListTaskDefinitionsOutput{TaskDefinitionArns: []string{}, NextToken: next}
	for _, k := range page {
		out.TaskDefinitionArns = append(out.TaskDefinitionArns, arnOf[k])
	}
	return out, nil
}

type ListTaskDefinitionFamiliesInput struct {
	FamilyPrefix string `json:"familyPrefix"`
	Status       string `json:"status"`
	MaxResults   *int32 `json:"maxResults"`
	NextToken    string `json:"nextToken"`
}

type ListTaskDefinitionFamiliesOutput struct {
	Families  []string `json:"families"`
	NextToken *string  `json:"nextToken,omitempty"`
}

// ListTaskDefinitionFamilies lists families; status ACTIVE (the default)
// keeps families with at least one ACTIVE revision, INACTIVE those with none.
func (c *Control) ListTaskDefinitionFamilies(ctx context.Context, in *ListTaskDefinitionFamiliesInput) (*ListTaskDefinitionFamiliesOutput, error) {
	kvs, _, err := c.st.List(ctx, taskDefsPrefix+in.FamilyPrefix)
	if err != nil {
		return nil, err
	}
	active := map[string]bool{}
	for _, kv := range kvs {
		if td := store.DecodeJSON[taskDefRecord](kv.Value); td != nil {
			active[td.Family] = active[td.Family] || td.Status == "ACTIVE"
		}
	}
	var families []string
	for f, a := range active {
		if in.Status == "ALL" || (a == (in.Status != "INACTIVE")) {
			families = append(families, f)
		}
	}
	sort.Strings(families)
	page, next, err := paginate(listPager, families, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListTaskDefinitionFamiliesOutput{Families: page, NextToken: next}, nil
}
