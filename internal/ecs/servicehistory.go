package ecs

import (
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// Service deployments and service revisions (ListServiceDeployments,
// DescribeServiceDeployments, DescribeServiceRevisions) are the history
// AWS keeps beside a service's deployments list: one service revision per
// launch configuration deployed, one service deployment per change that
// moved the service from its source revisions to a target revision.
// Their records live in the service record, written in the same
// transactions that start, complete, fail and roll back deployments, so
// they survive a restart and go with the service (AWS deletes a service's
// service deployments with it).

// Service deployment statuses (ServiceDeploymentStatus). PENDING,
// STOP_REQUESTED and ROLLBACK_REQUESTED are never shown: the scheduler
// takes up a deployment in the transaction that records it.
const (
	SDInProgress         = "IN_PROGRESS"
	SDSuccessful         = "SUCCESSFUL"
	SDStopped            = "STOPPED"
	SDRollbackInProgress = "ROLLBACK_IN_PROGRESS"
	SDRollbackSuccessful = "ROLLBACK_SUCCESSFUL"
	SDRollbackFailed     = "ROLLBACK_FAILED"
)

// maxServiceDeployments bounds the history a service record carries. AWS
// keeps 90 days; a record rewritten on every scheduler pass keeps the
// newest 50 and the revisions they name.
const maxServiceDeployments = 50

// serviceRevisionRecord is a stored service revision: a launch
// configuration as it was deployed. Its id is the number of the
// deployment (ecs-svc/<id>) that first ran it, as on AWS, where the
// Terraform provider matches the two to find a deployment's service
// deployment.
type serviceRevisionRecord struct {
	ID string `json:"id"`
	launchSpec
	CreatedAt awsapi.Timestamp `json:"createdAt"`
}

// serviceDeploymentRecord is a stored service deployment.
type serviceDeploymentRecord struct {
	ID string `json:"id"`
	// DeploymentID is the deployment (ecs-svc/…) it rolls out;
	// RollbackDeploymentID the one that rolls it back, once the circuit
	// breaker has tripped.
	DeploymentID         string            `json:"deploymentId"`
	RollbackDeploymentID string            `json:"rollbackDeploymentId,omitempty"`
	Status               string            `json:"status"`
	StatusReason         string            `json:"statusReason,omitempty"`
	Source               []string          `json:"source"` // revision ids
	Target               string            `json:"target"`
	CreatedAt            awsapi.Timestamp  `json:"createdAt"`
	UpdatedAt            awsapi.Timestamp  `json:"updatedAt"`
	FinishedAt           *awsapi.Timestamp `json:"finishedAt,omitempty"`
	StoppedAt            *awsapi.Timestamp `json:"stoppedAt,omitempty"`
	Rollback             *rollbackRecord   `json:"rollback,omitempty"`
	// Configuration is the deployment configuration it ran under.
	Configuration *DeploymentConfiguration `json:"configuration"`
	// FailureCount is the circuit breaker's count when it finished; while
	// it runs, the count is derived from the tasks.
	FailureCount int `json:"failureCount"`
}

// ongoing says whether the service deployment has yet to finish.
func (sd *serviceDeploymentRecord) ongoing() bool {
	return sd.Status == SDInProgress || sd.Status == SDRollbackInProgress
}

func (sd *serviceDeploymentRecord) finish(status, reason string, now awsapi.Timestamp) {
	sd.Status, sd.StatusReason, sd.UpdatedAt = status, reason, now
	at := now
	sd.FinishedAt = &at
	if status == SDStopped {
		sd.StoppedAt = &at
	}
}

// revisionID is the id of the service revision a deployment runs: its own
// number, or for a rollback the revision it returns to.
func (d *deploymentRecord) revisionID() string {
	if d.RevisionID != "" {
		return d.RevisionID
	}
	return strings.TrimPrefix(d.ID, "ecs-svc/")
}

// serviceDeploymentARN and serviceRevisionARN name the service's history
// the way AWS does: service-deployment/<cluster>/<service>/<id>.
func (r *serviceRecord) serviceDeploymentARN(id string) string {
	return strings.Replace(r.ServiceArn, ":service/", ":service-deployment/", 1) + "/" + id
}

func (r *serviceRecord) serviceRevisionARN(id string) string {
	return strings.Replace(r.ServiceArn, ":service/", ":service-revision/", 1) + "/" + id
}

func (r *serviceRecord) revision(id string) *serviceRevisionRecord {
	for _, rev := range r.Revisions {
		if rev.ID == id {
			return rev
		}
	}
	return nil
}

// recordDeployment records the service deployment of the PRIMARY
// deployment just started by CreateService, UpdateService or
// forceNewDeployment: its target is the primary's revision, its sources
// the revisions still holding tasks. A service deployment still running
// is stopped: the new one takes over from where it got to.
func (r *serviceRecord) recordDeployment(now awsapi.Timestamp) {
	p := r.primary()
	if r.revision(p.revisionID()) == nil {
		r.Revisions = append(r.Revisions, &serviceRevisionRecord{ID: p.revisionID(), launchSpec: p.launchSpec, CreatedAt: now})
	}
	var source []string
	for _, d := range r.Deployments[1:] {
		if id := d.revisionID(); !contains(source, id) && id != p.revisionID() {
			source = append(source, id)
		}
	}
	sd := &serviceDeploymentRecord{
		ID:            awsapi.RandomString(21, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"),
		DeploymentID:  p.ID,
		Status:        SDInProgress,
		Source:        nonNil(source),
		Target:        p.revisionID(),
		CreatedAt:     now,
		UpdatedAt:     now,
		Configuration: r.DeploymentConfiguration,
	}
	for _, old := range r.ServiceDeployments {
		if old.ongoing() {
			old.finish(SDStopped, "Service deployment stopped: superseded by service deployment "+r.serviceDeploymentARN(sd.ID)+".", now)
		}
	}
	r.ServiceDeployments = append([]*serviceDeploymentRecord{sd}, r.ServiceDeployments...)
	r.pruneHistory()
}

// pruneHistory keeps the newest service deployments and the revisions
// they or the live deployments name.
func (r *serviceRecord) pruneHistory() {
	if len(r.ServiceDeployments) > maxServiceDeployments {
		r.ServiceDeployments = r.ServiceDeployments[:maxServiceDeployments]
	}
	named := map[string]bool{}
	for _, sd := range r.ServiceDeployments {
		named[sd.Target] = true
		for _, s := range sd.Source {
			named[s] = true
		}
		if sd.Rollback != nil {
			named[sd.Rollback.RevisionID] = true
		}
	}
	for _, d := range r.Deployments {
		named[d.revisionID()] = true
	}
	if r.LastCompleted != nil {
		named[r.LastCompleted.revisionID()] = true
	}
	kept := r.Revisions[:0]
	for _, rev := range r.Revisions {
		if named[rev.ID] {
			kept = append(kept, rev)
		}
	}
	r.Revisions = kept
}

// deploymentCompleted marks the service deployment that deployment id
// rolled out, or rolled back to, as finished.
func (r *serviceRecord) deploymentCompleted(id string, now awsapi.Timestamp) {
	for _, sd := range r.ServiceDeployments {
		switch {
		case sd.Status == SDInProgress && sd.DeploymentID == id:
			sd.finish(SDSuccessful, "", now)
		case sd.Status == SDRollbackInProgress && sd.RollbackDeploymentID == id:
			reason := breakerRollback
			if sd.Rollback != nil {
				reason = sd.Rollback.Reason
			}
			sd.finish(SDRollbackSuccessful, reason, now)
		}
	}
}

// deploymentFailed records the circuit breaker tripping on deployment
// failed: its service deployment rolls back through back (if the service
// rolls back) or stops; a rollback that fails in turn ends ROLLBACK_FAILED.
func (r *serviceRecord) deploymentFailed(failed *deploymentRecord, back *deploymentRecord, failures int, rollbackReason string, now awsapi.Timestamp) {
	for _, sd := range r.ServiceDeployments {
		switch {
		case sd.Status == SDInProgress && sd.DeploymentID == failed.ID:
			sd.FailureCount = failures
			if back == nil {
				sd.finish(SDStopped, "ECS deployment circuit breaker: tasks failed to start.", now)
				continue
			}
			sd.Status, sd.UpdatedAt = SDRollbackInProgress, now
			sd.StatusReason = "Rolling back to service revision " + r.serviceRevisionARN(back.revisionID()) + "."
			sd.RollbackDeploymentID = back.ID
			sd.Rollback = &rollbackRecord{Reason: rollbackReason, StartedAt: now, RevisionID: back.revisionID()}
		case sd.Status == SDRollbackInProgress && sd.RollbackDeploymentID == failed.ID:
			sd.finish(SDRollbackFailed, "ECS deployment circuit breaker: the rollback's tasks failed to start.", now)
		}
	}
}

// Why a service deployment rolled back.
const (
	breakerRollback = "Service deployment rolled back because the circuit breaker threshold was exceeded."
	stopRollback    = "Service deployment rolled back because of a StopServiceDeployment request."
)

// serviceStopped stops what is still rolling out when the service is
// deleted.
func (r *serviceRecord) serviceStopped(now awsapi.Timestamp) {
	for _, sd := range r.ServiceDeployments {
		if sd.ongoing() {
			sd.finish(SDStopped, "Service deployment stopped: the service was deleted.", now)
		}
	}
}

// rollbackRecord is a service deployment's rollback as stored.
type rollbackRecord struct {
	Reason     string           `json:"reason"`
	StartedAt  awsapi.Timestamp `json:"startedAt"`
	RevisionID string           `json:"revisionId"`
}
