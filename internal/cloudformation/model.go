package cloudformation

import (
	"strings"
	"time"

	"github.com/portolan/portolan/internal/stack"
)

// Wire types several operations share. Go field names are AWS's member
// names (the awsQuery codec reads and writes them as they are).

// Parameter is a stack parameter as given (ParameterValue, or
// UsePreviousValue) and as described (NoEcho values masked).
type Parameter struct {
	ParameterKey     string
	ParameterValue   string
	UsePreviousValue *bool
	ResolvedValue    string
}

// Tag is a stack tag.
type Tag struct {
	Key   string
	Value string
}

// Output is a stack output.
type Output struct {
	OutputKey   string
	OutputValue string
	Description string
	ExportName  string
}

// StackDriftInformation: Portolan never detects drift.
type StackDriftInformation struct {
	StackDriftStatus string
}

// ResourceDriftInformation: Portolan never detects drift.
type ResourceDriftInformation struct {
	StackResourceDriftStatus string
}

// RollbackConfiguration is accepted and described empty: no alarms watch
// a local deploy.
type RollbackConfiguration struct{}

var notChecked = &StackDriftInformation{StackDriftStatus: "NOT_CHECKED"}

// Stack is a stack as DescribeStacks shows it.
type Stack struct {
	StackId                     string
	StackName                   string
	ChangeSetId                 string
	Description                 string
	Parameters                  []Parameter
	CreationTime                time.Time
	DeletionTime                *time.Time
	LastUpdatedTime             *time.Time
	RollbackConfiguration       *RollbackConfiguration
	StackStatus                 string
	StackStatusReason           string
	DisableRollback             bool
	NotificationARNs            []string
	TimeoutInMinutes            *int
	Capabilities                []string
	Outputs                     []Output
	RoleARN                     string
	Tags                        []Tag
	EnableTerminationProtection bool
	DriftInformation            *StackDriftInformation
}

// stackRecord is what this package keeps of a stack, beside the engine's
// record of what is deployed. Status is the stack's status as this package
// last set it (REVIEW_IN_PROGRESS, a create just accepted, a failure the
// engine never saw, DELETE_COMPLETE); the engine's status wins when it was
// written later (see status).
type stackRecord struct {
	StackName                   string
	StackId                     string
	TemplateBody                string // what the stack runs, or is being updated to
	PreviousTemplateBody        string // what it ran before the update under way; restored on rollback
	Parameters                  map[string]string
	Capabilities                []string
	NotificationARNs            []string
	Tags                        []Tag
	RoleARN                     string
	TimeoutInMinutes            *int
	DisableRollback             bool
	OnFailure                   string `json:",omitempty"`
	EnableTerminationProtection bool
	StackPolicyBody             string `json:",omitempty"`
	ChangeSetId                 string `json:",omitempty"` // the change set that last ran
	CreationTime                time.Time
	LastUpdatedTime             *time.Time `json:",omitempty"`
	DeletionTime                *time.Time `json:",omitempty"`
	Status                      string
	StatusReason                string `json:",omitempty"`
	StatusTime                  time.Time
}

// status is the stack's status and reason: the engine's if it wrote one
// since this package last set its own.
func (r *stackRecord) status(eng *stack.Stack) (string, string) {
	if eng != nil && !eng.UpdatedAt.Before(r.StatusTime) {
		return eng.Status, eng.Reason
	}
	return r.Status, r.StatusReason
}

// template is the stack's template given its status: once an update has
// rolled back, the one it rolled back to.
func (r *stackRecord) template(status string) string {
	if r.PreviousTemplateBody != "" && strings.Contains(status, "ROLLBACK") {
		return r.PreviousTemplateBody
	}
	return r.TemplateBody
}

func (r *stackRecord) setStatus(status, reason string) {
	r.Status, r.StatusReason, r.StatusTime = status, reason, time.Now()
}
