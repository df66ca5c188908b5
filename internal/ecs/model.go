package ecs

import (
	"encoding/json"

	"github.com/portolan/portolan/internal/awsapi"
)

type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type KeyValuePair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type Failure struct {
	Arn    string `json:"arn,omitempty"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

type CapacityProviderStrategyItem struct {
	CapacityProvider string `json:"capacityProvider"`
	Weight           int    `json:"weight"`
	Base             int    `json:"base"`
}

type ClusterSetting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type Cluster struct {
	ClusterArn                        string                         `json:"clusterArn"`
	ClusterName                       string                         `json:"clusterName"`
	Status                            string                         `json:"status"`
	RegisteredContainerInstancesCount int                            `json:"registeredContainerInstancesCount"`
	RunningTasksCount                 int                            `json:"runningTasksCount"`
	PendingTasksCount                 int                            `json:"pendingTasksCount"`
	ActiveServicesCount               int                            `json:"activeServicesCount"`
	Statistics                        []KeyValuePair                 `json:"statistics"`
	Tags                              []Tag                          `json:"tags"`
	Settings                          []ClusterSetting               `json:"settings"`
	CapacityProviders                 []string                       `json:"capacityProviders"`
	DefaultCapacityProviderStrategy   []CapacityProviderStrategyItem `json:"defaultCapacityProviderStrategy"`
	// Configuration (execute command, managed storage) is stored and
	// returned as given: Portolan has no ECS Exec.
	Configuration json.RawMessage `json:"configuration,omitempty"`
}

type PortMapping struct {
	ContainerPort *int   `json:"containerPort,omitempty"`
	HostPort      *int   `json:"hostPort,omitempty"`
	Protocol      string `json:"protocol,omitempty"`
	Name          string `json:"name,omitempty"`
	AppProtocol   string `json:"appProtocol,omitempty"`
}

type ContainerDependency struct {
	ContainerName string `json:"containerName"`
	Condition     string `json:"condition"`
}

type HealthCheck struct {
	Command     []string `json:"command"`
	Interval    *int     `json:"interval,omitempty"`
	Timeout     *int     `json:"timeout,omitempty"`
	Retries     *int     `json:"retries,omitempty"`
	StartPeriod *int     `json:"startPeriod,omitempty"`
}

type LogConfiguration struct {
	LogDriver     string            `json:"logDriver"`
	Options       map[string]string `json:"options,omitempty"`
	SecretOptions []Secret          `json:"secretOptions,omitempty"`
}

type Secret struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

type MountPoint struct {
	SourceVolume  string `json:"sourceVolume,omitempty"`
	ContainerPath string `json:"containerPath,omitempty"`
	ReadOnly      *bool  `json:"readOnly,omitempty"`
}

type Ulimit struct {
	Name      string `json:"name"`
	SoftLimit int    `json:"softLimit"`
	HardLimit int    `json:"hardLimit"`
}

// ContainerDefinition holds the fields Portolan acts on and the common ones
// it echoes back; fields outside this set are accepted and not kept.
type ContainerDefinition struct {
	Name                   string                `json:"name"`
	Image                  string                `json:"image"`
	Cpu                    int                   `json:"cpu"`
	Memory                 *int                  `json:"memory,omitempty"`
	MemoryReservation      *int                  `json:"memoryReservation,omitempty"`
	Essential              *bool                 `json:"essential,omitempty"`
	EntryPoint             []string              `json:"entryPoint,omitempty"`
	Command                []string              `json:"command,omitempty"`
	Environment            []KeyValuePair        `json:"environment"`
	EnvironmentFiles       []any                 `json:"environmentFiles,omitempty"`
	Secrets                []Secret              `json:"secrets,omitempty"`
	WorkingDirectory       string                `json:"workingDirectory,omitempty"`
	PortMappings           []PortMapping         `json:"portMappings"`
	DependsOn              []ContainerDependency `json:"dependsOn,omitempty"`
	StartTimeout           *int                  `json:"startTimeout,omitempty"`
	StopTimeout            *int                  `json:"stopTimeout,omitempty"`
	HealthCheck            *HealthCheck          `json:"healthCheck,omitempty"`
	LogConfiguration       *LogConfiguration     `json:"logConfiguration,omitempty"`
	MountPoints            []MountPoint          `json:"mountPoints"`
	VolumesFrom            []any                 `json:"volumesFrom"`
	User                   string                `json:"user,omitempty"`
	ReadonlyRootFilesystem *bool                 `json:"readonlyRootFilesystem,omitempty"`
	Ulimits                []Ulimit              `json:"ulimits,omitempty"`
	DockerLabels           map[string]string     `json:"dockerLabels,omitempty"`
	SystemControls         []any                 `json:"systemControls"`
	// Kept to be refused where ECS refuses them (fargateRefuses) and
	// echoed back otherwise; Portolan does not act on them.
	Privileged            *bool    `json:"privileged,omitempty"`
	Links                 []string `json:"links,omitempty"`
	Hostname              string   `json:"hostname,omitempty"`
	DisableNetworking     *bool    `json:"disableNetworking,omitempty"`
	DnsServers            []string `json:"dnsServers,omitempty"`
	DnsSearchDomains      []string `json:"dnsSearchDomains,omitempty"`
	ExtraHosts            []any    `json:"extraHosts,omitempty"`
	DockerSecurityOptions []string `json:"dockerSecurityOptions,omitempty"`
}

// IsEssential applies ECS's default: a container is essential unless it says not.
func (c *ContainerDefinition) IsEssential() bool { return c.Essential == nil || *c.Essential }

type Attribute struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
}

type RuntimePlatform struct {
	CpuArchitecture       string `json:"cpuArchitecture,omitempty"`
	OperatingSystemFamily string `json:"operatingSystemFamily,omitempty"`
}

type TaskDefinition struct {
	TaskDefinitionArn       string                `json:"taskDefinitionArn"`
	ContainerDefinitions    []ContainerDefinition `json:"containerDefinitions"`
	Family                  string                `json:"family"`
	TaskRoleArn             string                `json:"taskRoleArn,omitempty"`
	ExecutionRoleArn        string                `json:"executionRoleArn,omitempty"`
	NetworkMode             string                `json:"networkMode"`
	Revision                int                   `json:"revision"`
	Volumes                 []any                 `json:"volumes"`
	Status                  string                `json:"status"`
	RequiresAttributes      []Attribute           `json:"requiresAttributes"`
	PlacementConstraints    []any                 `json:"placementConstraints"`
	Compatibilities         []string              `json:"compatibilities"`
	RuntimePlatform         *RuntimePlatform      `json:"runtimePlatform,omitempty"`
	RequiresCompatibilities []string              `json:"requiresCompatibilities,omitempty"`
	Cpu                     string                `json:"cpu,omitempty"`
	Memory                  string                `json:"memory,omitempty"`
	PidMode                 string                `json:"pidMode,omitempty"`
	IpcMode                 string                `json:"ipcMode,omitempty"`
	EphemeralStorage        *EphemeralStorage     `json:"ephemeralStorage,omitempty"`
	RegisteredAt            awsapi.Timestamp      `json:"registeredAt"`
	DeregisteredAt          *awsapi.Timestamp     `json:"deregisteredAt,omitempty"`
	RegisteredBy            string                `json:"registeredBy"`
}

type EphemeralStorage struct {
	SizeInGiB int `json:"sizeInGiB"`
}

type AwsVpcConfiguration struct {
	Subnets        []string `json:"subnets"`
	SecurityGroups []string `json:"securityGroups,omitempty"`
	AssignPublicIp string   `json:"assignPublicIp,omitempty"`
}

type NetworkConfiguration struct {
	AwsvpcConfiguration *AwsVpcConfiguration `json:"awsvpcConfiguration,omitempty"`
}

type ContainerOverride struct {
	Name              string         `json:"name,omitempty"`
	Command           []string       `json:"command,omitempty"`
	Environment       []KeyValuePair `json:"environment,omitempty"`
	Cpu               *int           `json:"cpu,omitempty"`
	Memory            *int           `json:"memory,omitempty"`
	MemoryReservation *int           `json:"memoryReservation,omitempty"`
}

type TaskOverride struct {
	ContainerOverrides []ContainerOverride `json:"containerOverrides"`
	Cpu                string              `json:"cpu,omitempty"`
	Memory             string              `json:"memory,omitempty"`
	TaskRoleArn        string              `json:"taskRoleArn,omitempty"`
	ExecutionRoleArn   string              `json:"executionRoleArn,omitempty"`
}

type NetworkInterface struct {
	AttachmentId       string `json:"attachmentId"`
	PrivateIpv4Address string `json:"privateIpv4Address"`
}

type NetworkBinding struct {
	BindIP        string `json:"bindIP"`
	ContainerPort int    `json:"containerPort"`
	HostPort      int    `json:"hostPort"`
	Protocol      string `json:"protocol"`
}

type Container struct {
	ContainerArn      string             `json:"containerArn"`
	TaskArn           string             `json:"taskArn"`
	Name              string             `json:"name"`
	Image             string             `json:"image"`
	RuntimeId         string             `json:"runtimeId,omitempty"`
	LastStatus        string             `json:"lastStatus"`
	ExitCode          *int               `json:"exitCode,omitempty"`
	Reason            string             `json:"reason,omitempty"`
	NetworkBindings   []NetworkBinding   `json:"networkBindings"`
	NetworkInterfaces []NetworkInterface `json:"networkInterfaces"`
	HealthStatus      string             `json:"healthStatus"`
	Cpu               string             `json:"cpu"`
	Memory            string             `json:"memory,omitempty"`
}

type Attachment struct {
	Id      string         `json:"id"`
	Type    string         `json:"type"`
	Status  string         `json:"status"`
	Details []KeyValuePair `json:"details"`
}

type Task struct {
	Attachments          []Attachment      `json:"attachments"`
	Attributes           []Attribute       `json:"attributes"`
	AvailabilityZone     string            `json:"availabilityZone"`
	CapacityProviderName string            `json:"capacityProviderName,omitempty"`
	ClusterArn           string            `json:"clusterArn"`
	Connectivity         string            `json:"connectivity,omitempty"`
	ContainerInstanceArn string            `json:"containerInstanceArn,omitempty"`
	ConnectivityAt       *awsapi.Timestamp `json:"connectivityAt,omitempty"`
	Containers           []Container       `json:"containers"`
	Cpu                  string            `json:"cpu,omitempty"`
	CreatedAt            awsapi.Timestamp  `json:"createdAt"`
	DesiredStatus        string            `json:"desiredStatus"`
	EnableExecuteCommand bool              `json:"enableExecuteCommand"`
	ExecutionStoppedAt   *awsapi.Timestamp `json:"executionStoppedAt,omitempty"`
	Group                string            `json:"group"`
	HealthStatus         string            `json:"healthStatus"`
	LastStatus           string            `json:"lastStatus"`
	LaunchType           string            `json:"launchType,omitempty"`
	Memory               string            `json:"memory,omitempty"`
	Overrides            TaskOverride      `json:"overrides"`
	PlatformVersion      string            `json:"platformVersion,omitempty"`
	PlatformFamily       string            `json:"platformFamily,omitempty"`
	PullStartedAt        *awsapi.Timestamp `json:"pullStartedAt,omitempty"`
	PullStoppedAt        *awsapi.Timestamp `json:"pullStoppedAt,omitempty"`
	StartedAt            *awsapi.Timestamp `json:"startedAt,omitempty"`
	StartedBy            string            `json:"startedBy,omitempty"`
	StopCode             string            `json:"stopCode,omitempty"`
	StoppedAt            *awsapi.Timestamp `json:"stoppedAt,omitempty"`
	StoppedReason        string            `json:"stoppedReason,omitempty"`
	StoppingAt           *awsapi.Timestamp `json:"stoppingAt,omitempty"`
	Tags                 []Tag             `json:"tags"`
	TaskArn              string            `json:"taskArn"`
	TaskDefinitionArn    string            `json:"taskDefinitionArn"`
	Version              int64             `json:"version"`
	EphemeralStorage     *EphemeralStorage `json:"ephemeralStorage,omitempty"`
}

// Task and container states (spec §C.5).
const (
	StatusProvisioning   = "PROVISIONING"
	StatusPending        = "PENDING"
	StatusActivating     = "ACTIVATING"
	StatusRunning        = "RUNNING"
	StatusDeactivating   = "DEACTIVATING"
	StatusStopping       = "STOPPING"
	StatusDeprovisioning = "DEPROVISIONING"
	StatusStopped        = "STOPPED"

	StopCodeTaskFailedToStart         = "TaskFailedToStart"
	StopCodeEssentialContainerExited  = "EssentialContainerExited"
	StopCodeUserInitiated             = "UserInitiated"
	StopCodeServiceSchedulerInitiated = "ServiceSchedulerInitiated"

	HealthHealthy   = "HEALTHY"
	HealthUnhealthy = "UNHEALTHY"
	HealthUnknown   = "UNKNOWN"
)

// The API's service shapes (spec §C.7, §C.8, §C.9).

type ServiceRegistry struct {
	RegistryArn   string `json:"registryArn,omitempty"`
	Port          *int   `json:"port,omitempty"`
	ContainerName string `json:"containerName,omitempty"`
	ContainerPort *int   `json:"containerPort,omitempty"`
}

type LoadBalancer struct {
	TargetGroupArn   string `json:"targetGroupArn,omitempty"`
	LoadBalancerName string `json:"loadBalancerName,omitempty"`
	ContainerName    string `json:"containerName,omitempty"`
	ContainerPort    *int   `json:"containerPort,omitempty"`
}

type ThresholdConfiguration struct {
	Type  string `json:"type,omitempty"`
	Value *int   `json:"value,omitempty"`
}

type DeploymentCircuitBreaker struct {
	Enable                 bool                    `json:"enable"`
	Rollback               bool                    `json:"rollback"`
	ResetOnHealthyTask     *bool                   `json:"resetOnHealthyTask,omitempty"`
	ThresholdConfiguration *ThresholdConfiguration `json:"thresholdConfiguration,omitempty"`
}

type DeploymentAlarms struct {
	AlarmNames []string `json:"alarmNames"`
	Enable     bool     `json:"enable"`
	Rollback   bool     `json:"rollback"`
}

type DeploymentConfiguration struct {
	DeploymentCircuitBreaker *DeploymentCircuitBreaker `json:"deploymentCircuitBreaker,omitempty"`
	MaximumPercent           *int                      `json:"maximumPercent,omitempty"`
	MinimumHealthyPercent    *int                      `json:"minimumHealthyPercent,omitempty"`
	Alarms                   *DeploymentAlarms         `json:"alarms,omitempty"`
	Strategy                 string                    `json:"strategy,omitempty"`
	BakeTimeInMinutes        *int                      `json:"bakeTimeInMinutes,omitempty"`
	// Blue/green, linear and canary deployments are refused: these fields
	// exist so that the refusal can name them.
	CanaryConfiguration json.RawMessage `json:"canaryConfiguration,omitempty"`
	LinearConfiguration json.RawMessage `json:"linearConfiguration,omitempty"`
	LifecycleHooks      json.RawMessage `json:"lifecycleHooks,omitempty"`
}

type DeploymentController struct {
	Type string `json:"type"`
}

type PlacementConstraint struct {
	Type       string `json:"type,omitempty"`
	Expression string `json:"expression,omitempty"`
}

type PlacementStrategy struct {
	Type  string `json:"type,omitempty"`
	Field string `json:"field,omitempty"`
}

type ServiceEvent struct {
	Id        string           `json:"id"`
	CreatedAt awsapi.Timestamp `json:"createdAt"`
	Message   string           `json:"message"`
}

type Deployment struct {
	Id                       string                         `json:"id"`
	Status                   string                         `json:"status"`
	TaskDefinition           string                         `json:"taskDefinition"`
	DesiredCount             int                            `json:"desiredCount"`
	PendingCount             int                            `json:"pendingCount"`
	RunningCount             int                            `json:"runningCount"`
	FailedTasks              int                            `json:"failedTasks"`
	CreatedAt                awsapi.Timestamp               `json:"createdAt"`
	UpdatedAt                awsapi.Timestamp               `json:"updatedAt"`
	CapacityProviderStrategy []CapacityProviderStrategyItem `json:"capacityProviderStrategy,omitempty"`
	LaunchType               string                         `json:"launchType,omitempty"`
	PlatformVersion          string                         `json:"platformVersion,omitempty"`
	PlatformFamily           string                         `json:"platformFamily,omitempty"`
	NetworkConfiguration     *NetworkConfiguration          `json:"networkConfiguration,omitempty"`
	RolloutState             string                         `json:"rolloutState,omitempty"`
	RolloutStateReason       string                         `json:"rolloutStateReason,omitempty"`
}

type Service struct {
	ServiceArn                    string                         `json:"serviceArn"`
	ServiceName                   string                         `json:"serviceName"`
	ClusterArn                    string                         `json:"clusterArn"`
	LoadBalancers                 []LoadBalancer                 `json:"loadBalancers"`
	ServiceRegistries             []ServiceRegistry              `json:"serviceRegistries"`
	Status                        string                         `json:"status"`
	DesiredCount                  int                            `json:"desiredCount"`
	RunningCount                  int                            `json:"runningCount"`
	PendingCount                  int                            `json:"pendingCount"`
	LaunchType                    string                         `json:"launchType,omitempty"`
	CapacityProviderStrategy      []CapacityProviderStrategyItem `json:"capacityProviderStrategy,omitempty"`
	PlatformVersion               string                         `json:"platformVersion,omitempty"`
	PlatformFamily                string                         `json:"platformFamily,omitempty"`
	TaskDefinition                string                         `json:"taskDefinition"`
	DeploymentConfiguration       *DeploymentConfiguration       `json:"deploymentConfiguration"`
	Deployments                   []Deployment                   `json:"deployments"`
	RoleArn                       string                         `json:"roleArn,omitempty"`
	Events                        []ServiceEvent                 `json:"events"`
	CreatedAt                     awsapi.Timestamp               `json:"createdAt"`
	PlacementConstraints          []PlacementConstraint          `json:"placementConstraints"`
	PlacementStrategy             []PlacementStrategy            `json:"placementStrategy"`
	NetworkConfiguration          *NetworkConfiguration          `json:"networkConfiguration,omitempty"`
	HealthCheckGracePeriodSeconds int                            `json:"healthCheckGracePeriodSeconds"`
	SchedulingStrategy            string                         `json:"schedulingStrategy"`
	DeploymentController          *DeploymentController          `json:"deploymentController"`
	Tags                          []Tag                          `json:"tags,omitempty"`
	CreatedBy                     string                         `json:"createdBy"`
	EnableECSManagedTags          bool                           `json:"enableECSManagedTags"`
	PropagateTags                 string                         `json:"propagateTags"`
	EnableExecuteCommand          bool                           `json:"enableExecuteCommand"`
	AvailabilityZoneRebalancing   string                         `json:"availabilityZoneRebalancing,omitempty"`
	CurrentServiceDeployment      string                         `json:"currentServiceDeployment,omitempty"`
	CurrentServiceRevisions       []ServiceRevisionSummary       `json:"currentServiceRevisions,omitempty"`
}

// Service and deployment statuses.
const (
	ServiceActive   = "ACTIVE"
	ServiceDraining = "DRAINING"
	ServiceInactive = "INACTIVE"

	DeploymentPrimary = "PRIMARY"
	DeploymentActive  = "ACTIVE"

	RolloutInProgress = "IN_PROGRESS"
	RolloutCompleted  = "COMPLETED"
	RolloutFailed     = "FAILED"
)
