package appautoscaling

import (
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
)

// What Portolan scales: ECS services' desired count.
const (
	NamespaceECS          = "ecs"
	DimensionDesiredCount = "ecs:service:DesiredCount"
)

type SuspendedState struct {
	DynamicScalingInSuspended  *bool `json:",omitempty"`
	DynamicScalingOutSuspended *bool `json:",omitempty"`
	ScheduledScalingSuspended  *bool `json:",omitempty"`
}

func (s *SuspendedState) in() bool {
	return s != nil && s.DynamicScalingInSuspended != nil && *s.DynamicScalingInSuspended
}
func (s *SuspendedState) out() bool {
	return s != nil && s.DynamicScalingOutSuspended != nil && *s.DynamicScalingOutSuspended
}
func (s *SuspendedState) scheduled() bool {
	return s != nil && s.ScheduledScalingSuspended != nil && *s.ScheduledScalingSuspended
}

type ScalableTarget struct {
	ServiceNamespace  string
	ResourceId        string
	ScalableDimension string
	MinCapacity       int
	MaxCapacity       int
	RoleARN           string
	CreationTime      awsapi.Timestamp
	SuspendedState    *SuspendedState `json:",omitempty"`
	ScalableTargetARN string
}

func (t *ScalableTarget) ref() targetRef {
	return targetRef{t.ServiceNamespace, t.ResourceId, t.ScalableDimension}
}

// targetRecord is what the store holds for a target: the target and its
// cooldown clock (when it last scaled, and to what), which the scaling
// decisions read.
type targetRecord struct {
	ScalableTarget
	Tags          map[string]string `json:",omitempty"`
	LastScaleOut  time.Time         `json:",omitzero"`
	ScaledOutTo   int               `json:",omitempty"`
	LastScaleIn   time.Time         `json:",omitzero"`
	ScaleOutUntil time.Time         `json:",omitzero"`
	ScaleInUntil  time.Time         `json:",omitzero"`
}

type Alarm struct {
	AlarmName string
	AlarmARN  string
}

type MetricDimension struct {
	Name  string
	Value string
}

type PredefinedMetricSpecification struct {
	PredefinedMetricType string
	ResourceLabel        string `json:",omitempty"`
}

type CustomizedMetricSpecification struct {
	MetricName string            `json:",omitempty"`
	Namespace  string            `json:",omitempty"`
	Dimensions []MetricDimension `json:",omitempty"`
	Statistic  string            `json:",omitempty"`
	Unit       string            `json:",omitempty"`
	// Metrics (metric math) are refused.
	Metrics []any `json:",omitempty"`
}

type TargetTrackingScalingPolicyConfiguration struct {
	TargetValue                   *float64
	PredefinedMetricSpecification *PredefinedMetricSpecification `json:",omitempty"`
	CustomizedMetricSpecification *CustomizedMetricSpecification `json:",omitempty"`
	ScaleOutCooldown              *int                           `json:",omitempty"`
	ScaleInCooldown               *int                           `json:",omitempty"`
	DisableScaleIn                *bool                          `json:",omitempty"`
}

type StepAdjustment struct {
	MetricIntervalLowerBound *float64 `json:",omitempty"`
	MetricIntervalUpperBound *float64 `json:",omitempty"`
	ScalingAdjustment        *int
}

type StepScalingPolicyConfiguration struct {
	AdjustmentType         string           `json:",omitempty"`
	StepAdjustments        []StepAdjustment `json:",omitempty"`
	MinAdjustmentMagnitude *int             `json:",omitempty"`
	Cooldown               *int             `json:",omitempty"`
	MetricAggregationType  string           `json:",omitempty"`
}

type ScalingPolicy struct {
	PolicyARN                                string
	PolicyName                               string
	ServiceNamespace                         string
	ResourceId                               string
	ScalableDimension                        string
	PolicyType                               string
	StepScalingPolicyConfiguration           *StepScalingPolicyConfiguration           `json:",omitempty"`
	TargetTrackingScalingPolicyConfiguration *TargetTrackingScalingPolicyConfiguration `json:",omitempty"`
	Alarms                                   []Alarm
	CreationTime                             awsapi.Timestamp
}

type ScalingActivity struct {
	ActivityId        string
	ServiceNamespace  string
	ResourceId        string
	ScalableDimension string
	Description       string
	Cause             string
	StartTime         awsapi.Timestamp
	EndTime           *awsapi.Timestamp `json:",omitempty"`
	StatusCode        string
	StatusMessage     string `json:",omitempty"`
	Details           string `json:",omitempty"`
}

type ScalableTargetAction struct {
	MinCapacity *int `json:",omitempty"`
	MaxCapacity *int `json:",omitempty"`
}

type ScheduledAction struct {
	ScheduledActionName  string
	ScheduledActionARN   string
	ServiceNamespace     string
	Schedule             string
	Timezone             string `json:",omitempty"`
	ResourceId           string
	ScalableDimension    string
	StartTime            *awsapi.Timestamp     `json:",omitempty"`
	EndTime              *awsapi.Timestamp     `json:",omitempty"`
	ScalableTargetAction *ScalableTargetAction `json:",omitempty"`
	CreationTime         awsapi.Timestamp
}

// scheduledRecord is a scheduled action and when it last ran.
type scheduledRecord struct {
	ScheduledAction
	LastRun time.Time `json:",omitzero"`
}

// checkTarget validates the three members that name a target. Portolan
// scales ECS services only.
func checkTarget(t targetRef) error {
	switch {
	case t.ServiceNamespace == "":
		return required("serviceNamespace")
	case t.ResourceId == "":
		return required("resourceId")
	case t.ScalableDimension == "":
		return required("scalableDimension")
	case t.ServiceNamespace != NamespaceECS:
		return validation("Unsupported service namespace %s: Portolan scales ecs services only", t.ServiceNamespace)
	case t.ScalableDimension != DimensionDesiredCount:
		return validation("Unsupported scalable dimension '%s' for service namespace '%s'", t.ScalableDimension, t.ServiceNamespace)
	}
	if _, _, ok := serviceOf(t.ResourceId); !ok {
		return validation("Unsupported resource ID format '%s'. Expected format: service/<clusterName>/<serviceName>", t.ResourceId)
	}
	return nil
}

// serviceOf splits an ECS resource id, service/<cluster>/<service>.
func serviceOf(resourceID string) (cluster, service string, ok bool) {
	rest, ok1 := strings.CutPrefix(resourceID, "service/")
	cluster, service, ok2 := strings.Cut(rest, "/")
	return cluster, service, ok1 && ok2 && cluster != "" && service != "" && !strings.Contains(service, "/")
}
