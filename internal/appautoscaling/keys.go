package appautoscaling

import (
	"fmt"
	"math"
	"net/url"
	"time"
)

// Store layout. A target's id is namespace/escaped-resource-id/dimension;
// its policies, scheduled actions and activities live under it.
const keyPrefix = "appautoscaling/"

const (
	targetPrefix    = keyPrefix + "target/"
	policyPrefix    = keyPrefix + "policy/"
	scheduledPrefix = keyPrefix + "scheduled/"
	activityPrefix  = keyPrefix + "activity/"
)

// targetRef names a scalable target.
type targetRef struct {
	ServiceNamespace  string
	ResourceId        string
	ScalableDimension string
}

func (t targetRef) id() string {
	return t.ServiceNamespace + "/" + url.PathEscape(t.ResourceId) + "/" + t.ScalableDimension
}

func targetKey(t targetRef) string                 { return targetPrefix + t.id() }
func policyKey(t targetRef, name string) string    { return policyPrefix + t.id() + "/" + name }
func policiesOf(t targetRef) string                { return policyPrefix + t.id() + "/" }
func scheduledKey(t targetRef, name string) string { return scheduledPrefix + t.id() + "/" + name }
func scheduledOf(t targetRef) string               { return scheduledPrefix + t.id() + "/" }
func activitiesOf(t targetRef) string              { return activityPrefix + t.id() + "/" }

// activityKey sorts a target's activities newest first.
func activityKey(t targetRef, start time.Time, id string) string {
	return activitiesOf(t) + fmt.Sprintf("%016x", math.MaxInt64-start.UnixNano()) + "/" + id
}
