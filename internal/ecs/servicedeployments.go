package ecs

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// ListServiceDeployments, DescribeServiceDeployments and
// DescribeServiceRevisions show the history servicehistory.go records.
// What the Terraform provider's wait_for_steady_state reads: it lists the
// deployments created after its call, picks the one whose target revision
// ARN ends with the number of the PRIMARY deployment, and describes it
// until SUCCESSFUL (or fails on STOPPED / ROLLBACK_*).

// ListServiceDeployments returns 20 a page by default, at most 100.
var serviceDeploymentPager = ecsPager(100, 20)

// Describe calls take at most 20 ARNs.
const maxDescribeHistory = 20

type ServiceDeploymentBrief struct {
	ServiceDeploymentArn     string            `json:"serviceDeploymentArn"`
	ServiceArn               string            `json:"serviceArn"`
	ClusterArn               string            `json:"clusterArn"`
	StartedAt                *awsapi.Timestamp `json:"startedAt,omitempty"`
	CreatedAt                awsapi.Timestamp  `json:"createdAt"`
	FinishedAt               *awsapi.Timestamp `json:"finishedAt,omitempty"`
	TargetServiceRevisionArn string            `json:"targetServiceRevisionArn"`
	Status                   string            `json:"status"`
	StatusReason             string            `json:"statusReason,omitempty"`
}

type ServiceRevisionSummary struct {
	Arn                string `json:"arn"`
	RequestedTaskCount int    `json:"requestedTaskCount"`
	RunningTaskCount   int    `json:"runningTaskCount"`
	PendingTaskCount   int    `json:"pendingTaskCount"`
}

type ServiceDeploymentCircuitBreaker struct {
	Status       string `json:"status"`
	FailureCount int    `json:"failureCount"`
	Threshold    int    `json:"threshold"`
}

type ServiceDeploymentAlarms struct {
	Status              string   `json:"status"`
	AlarmNames          []string `json:"alarmNames,omitempty"`
	TriggeredAlarmNames []string `json:"triggeredAlarmNames,omitempty"`
}

type ServiceDeploymentRollback struct {
	Reason             string           `json:"reason"`
	StartedAt          awsapi.Timestamp `json:"startedAt"`
	ServiceRevisionArn string           `json:"serviceRevisionArn"`
}

type ServiceDeployment struct {
	ServiceDeploymentArn     string                           `json:"serviceDeploymentArn"`
	ServiceArn               string                           `json:"serviceArn"`
	ClusterArn               string                           `json:"clusterArn"`
	CreatedAt                awsapi.Timestamp                 `json:"createdAt"`
	StartedAt                awsapi.Timestamp                 `json:"startedAt"`
	FinishedAt               *awsapi.Timestamp                `json:"finishedAt,omitempty"`
	StoppedAt                *awsapi.Timestamp                `json:"stoppedAt,omitempty"`
	UpdatedAt                awsapi.Timestamp                 `json:"updatedAt"`
	SourceServiceRevisions   []ServiceRevisionSummary         `json:"sourceServiceRevisions"`
	TargetServiceRevision    *ServiceRevisionSummary          `json:"targetServiceRevision"`
	Status                   string                           `json:"status"`
	StatusReason             string                           `json:"statusReason,omitempty"`
	DeploymentConfiguration  *DeploymentConfiguration         `json:"deploymentConfiguration,omitempty"`
	Rollback                 *ServiceDeploymentRollback       `json:"rollback,omitempty"`
	DeploymentCircuitBreaker *ServiceDeploymentCircuitBreaker `json:"deploymentCircuitBreaker,omitempty"`
	Alarms                   *ServiceDeploymentAlarms         `json:"alarms,omitempty"`
}

type ContainerImage struct {
	ContainerName string `json:"containerName"`
	Image         string `json:"image"`
	ImageDigest   string `json:"imageDigest,omitempty"`
}

type ServiceRevision struct {
	ServiceRevisionArn       string                         `json:"serviceRevisionArn"`
	ServiceArn               string                         `json:"serviceArn"`
	ClusterArn               string                         `json:"clusterArn"`
	TaskDefinition           string                         `json:"taskDefinition"`
	CapacityProviderStrategy []CapacityProviderStrategyItem `json:"capacityProviderStrategy,omitempty"`
	LaunchType               string                         `json:"launchType,omitempty"`
	PlatformVersion          string                         `json:"platformVersion,omitempty"`
	PlatformFamily           string                         `json:"platformFamily,omitempty"`
	LoadBalancers            []LoadBalancer                 `json:"loadBalancers"`
	ServiceRegistries        []ServiceRegistry              `json:"serviceRegistries"`
	NetworkConfiguration     *NetworkConfiguration          `json:"networkConfiguration,omitempty"`
	ContainerImages          []ContainerImage               `json:"containerImages"`
	GuardDutyEnabled         bool                           `json:"guardDutyEnabled"`
	CreatedAt                awsapi.Timestamp               `json:"createdAt"`
}

// CreatedAtFilter is ListServiceDeployments' createdAt member.
type CreatedAtFilter struct {
	Before *awsapi.Timestamp `json:"before"`
	After  *awsapi.Timestamp `json:"after"`
}

type ListServiceDeploymentsInput struct {
	Cluster    string           `json:"cluster"`
	Service    string           `json:"service"`
	Status     []string         `json:"status"`
	CreatedAt  *CreatedAtFilter `json:"createdAt"`
	MaxResults *int32           `json:"maxResults"`
	NextToken  string           `json:"nextToken"`
}

type ListServiceDeploymentsOutput struct {
	ServiceDeployments []ServiceDeploymentBrief `json:"serviceDeployments"`
	NextToken          *string                  `json:"nextToken,omitempty"`
}

var serviceDeploymentStatuses = []string{"PENDING", SDSuccessful, SDStopped, "STOP_REQUESTED", SDInProgress,
	"ROLLBACK_REQUESTED", SDRollbackInProgress, SDRollbackSuccessful, SDRollbackFailed}

// ListServiceDeployments lists a service's service deployments, newest
// first, filtered by status and creation time.
func (c *Control) ListServiceDeployments(ctx context.Context, in *ListServiceDeploymentsInput) (*ListServiceDeploymentsOutput, error) {
	for _, s := range in.Status {
		if !contains(serviceDeploymentStatuses, s) {
			return nil, invalidParameter("Invalid status %q.", s)
		}
	}
	cluster, name, err := c.serviceRef(in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	if err := c.requireCluster(ctx, cluster); err != nil {
		return nil, err
	}
	rec, _, err := store.GetJSON[serviceRecord](ctx, c.st, serviceKey(cluster, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errServiceNotFound
	} else if err != nil {
		return nil, err
	}
	var matching []*serviceDeploymentRecord
	for _, sd := range rec.ServiceDeployments {
		if (len(in.Status) == 0 || contains(in.Status, sd.Status)) && in.CreatedAt.admits(sd.CreatedAt.Time()) {
			matching = append(matching, sd)
		}
	}
	page, next, err := awsapi.PaginateByPosition(serviceDeploymentPager, matching, in.NextToken, intOf(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &ListServiceDeploymentsOutput{ServiceDeployments: []ServiceDeploymentBrief{}, NextToken: awsapi.StringPtr(next)}
	for _, sd := range page {
		started := sd.CreatedAt
		out.ServiceDeployments = append(out.ServiceDeployments, ServiceDeploymentBrief{
			ServiceDeploymentArn:     rec.serviceDeploymentARN(sd.ID),
			ServiceArn:               rec.ServiceArn,
			ClusterArn:               rec.ClusterArn,
			StartedAt:                &started,
			CreatedAt:                sd.CreatedAt,
			FinishedAt:               sd.FinishedAt,
			TargetServiceRevisionArn: rec.serviceRevisionARN(sd.Target),
			Status:                   sd.Status,
			StatusReason:             sd.StatusReason,
		})
	}
	return out, nil
}

// admits applies the createdAt filter: both bounds are exclusive.
func (f *CreatedAtFilter) admits(t time.Time) bool {
	if f == nil {
		return true
	}
	return (f.After == nil || t.After(f.After.Time())) && (f.Before == nil || t.Before(f.Before.Time()))
}

type DescribeServiceDeploymentsInput struct {
	ServiceDeploymentArns []string `json:"serviceDeploymentArns"`
}

type DescribeServiceDeploymentsOutput struct {
	ServiceDeployments []ServiceDeployment `json:"serviceDeployments"`
	Failures           []Failure           `json:"failures"`
}

// DescribeServiceDeployments describes service deployments by ARN; an
// ARN that names nothing is a MISSING failure, as DescribeServices does.
func (c *Control) DescribeServiceDeployments(ctx context.Context, in *DescribeServiceDeploymentsInput) (*DescribeServiceDeploymentsOutput, error) {
	out := &DescribeServiceDeploymentsOutput{ServiceDeployments: []ServiceDeployment{}, Failures: []Failure{}}
	err := c.eachHistoryARN(ctx, in.ServiceDeploymentArns, "service-deployment", func(rec *serviceRecord, views []taskView, id string) bool {
		for _, sd := range rec.ServiceDeployments {
			if sd.ID == id {
				out.ServiceDeployments = append(out.ServiceDeployments, rec.renderServiceDeployment(sd, views))
				return true
			}
		}
		return false
	}, &out.Failures)
	if err != nil {
		return nil, err
	}
	return out, nil
}

type DescribeServiceRevisionsInput struct {
	ServiceRevisionArns []string `json:"serviceRevisionArns"`
}

type DescribeServiceRevisionsOutput struct {
	ServiceRevisions []ServiceRevision `json:"serviceRevisions"`
	Failures         []Failure         `json:"failures"`
}

// DescribeServiceRevisions describes service revisions by ARN.
func (c *Control) DescribeServiceRevisions(ctx context.Context, in *DescribeServiceRevisionsInput) (*DescribeServiceRevisionsOutput, error) {
	out := &DescribeServiceRevisionsOutput{ServiceRevisions: []ServiceRevision{}, Failures: []Failure{}}
	err := c.eachHistoryARN(ctx, in.ServiceRevisionArns, "service-revision", func(rec *serviceRecord, _ []taskView, id string) bool {
		rev := rec.revision(id)
		if rev == nil {
			return false
		}
		out.ServiceRevisions = append(out.ServiceRevisions, c.renderRevision(ctx, rec, rev))
		return true
	}, &out.Failures)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachHistoryARN resolves ARNs of the form <typ>/<cluster>/<service>/<id>
// and hands each to found with its service and the service's tasks; what
// found does not find is a MISSING failure.
func (c *Control) eachHistoryARN(ctx context.Context, arns []string, typ string, found func(*serviceRecord, []taskView, string) bool, failures *[]Failure) error {
	if len(arns) == 0 || len(arns) > maxDescribeHistory {
		return invalidParameter("%sArns must contain between 1 and %d ARNs.", map[string]string{
			"service-deployment": "serviceDeployment", "service-revision": "serviceRevision"}[typ], maxDescribeHistory)
	}
	viewsOf := map[string]map[string][]taskView{}
	for _, arn := range arns {
		cluster, name, id, err := historyRef(arn, typ)
		if err != nil {
			return err
		}
		rec, _, err := store.GetJSON[serviceRecord](ctx, c.st, serviceKey(cluster, name))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if rec != nil && viewsOf[cluster] == nil {
			if viewsOf[cluster], err = c.serviceTaskViews(ctx, cluster); err != nil {
				return err
			}
		}
		if rec == nil || !found(rec, viewsOf[cluster][name], id) {
			*failures = append(*failures, Failure{Arn: arn, Reason: "MISSING"})
		}
	}
	return nil
}

// historyRef splits an ARN of the form <typ>/<cluster>/<service>/<id>.
func historyRef(arn, typ string) (cluster, service, id string, err error) {
	rest, isARN, ok := arnResource(arn, typ)
	parts := strings.Split(rest, "/")
	if !isARN || !ok || len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", invalidParameter("Invalid ARN: %s", arn)
	}
	return parts[0], parts[1], parts[2], nil
}

type StopServiceDeploymentInput struct {
	ServiceDeploymentArn string `json:"serviceDeploymentArn"`
	StopType             string `json:"stopType"`
}

type StopServiceDeploymentOutput struct {
	ServiceDeploymentArn string `json:"serviceDeploymentArn"`
}

// StopServiceDeployment rolls an ongoing service deployment back to the
// service revision that last completed (stopType ROLLBACK, the default);
// one already rolling back carries on. This is what the Terraform
// provider calls when interrupted with sigint_rollback set.
func (c *Control) StopServiceDeployment(ctx context.Context, in *StopServiceDeploymentInput) (*StopServiceDeploymentOutput, error) {
	switch in.StopType {
	case "", "ROLLBACK":
	case "ABORT":
		return nil, notSupported("stopType ABORT")
	default:
		return nil, invalidParameter("Invalid stopType %q: it must be ROLLBACK or ABORT.", in.StopType)
	}
	cluster, name, id, err := historyRef(in.ServiceDeploymentArn, "service-deployment")
	if err != nil {
		return nil, err
	}
	notFound := ErrServiceDeploymentNotFound.Newf("The service deployment %s does not exist.", in.ServiceDeploymentArn)
	err = c.commit(ctx, func() (store.Txn, error) {
		r, kv, err := store.GetJSON[serviceRecord](ctx, c.st, serviceKey(cluster, name))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, notFound
		} else if err != nil {
			return store.Txn{}, err
		}
		var sd *serviceDeploymentRecord
		for _, s := range r.ServiceDeployments {
			if s.ID == id {
				sd = s
			}
		}
		switch {
		case sd == nil:
			return store.Txn{}, notFound
		case sd.Status == SDRollbackInProgress:
			return store.Txn{}, nil
		case sd.Status != SDInProgress || r.primary().ID != sd.DeploymentID:
			return store.Txn{}, ErrConflict.Newf("The service deployment is %s: only one in progress can be stopped.", sd.Status)
		}
		d, last := r.primary(), r.LastCompleted
		if last == nil || sameJSON(last.launchSpec, d.launchSpec) {
			return store.Txn{}, ErrConflict.Newf("The service has no earlier service revision to roll back to.")
		}
		now := awsapi.Now()
		d.RolloutState, d.RolloutStateReason, d.UpdatedAt = RolloutFailed, "ECS deployment stopped: rolling back.", now
		back := r.rollBack(d, last, "ECS deployment "+d.ID+" stopped: rolling back to deploymentId "+last.ID+".", now)
		r.deploymentFailed(d, back, sd.FailureCount, stopRollback, now)
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(r))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &StopServiceDeploymentOutput{ServiceDeploymentArn: in.ServiceDeploymentArn}, nil
}

// revisionSummaries counts, for each revision, the tasks of the
// deployments that run it; the PRIMARY's revision asks for the desired
// count while the service is ACTIVE.
func (r *serviceRecord) revisionSummary(id string, views []taskView) ServiceRevisionSummary {
	s := ServiceRevisionSummary{Arn: r.serviceRevisionARN(id)}
	if r.Status == ServiceActive && len(r.Deployments) > 0 && r.primary().revisionID() == id {
		s.RequestedTaskCount = r.DesiredCount
	}
	runs := map[string]bool{}
	for _, d := range r.Deployments {
		if d.revisionID() == id {
			runs[d.ID] = true
		}
	}
	for _, v := range views {
		if !runs[v.rec.StartedBy] {
			continue
		}
		switch {
		case v.running():
			s.RunningTaskCount++
		case v.live():
			s.PendingTaskCount++
		}
	}
	return s
}

func (r *serviceRecord) renderServiceDeployment(sd *serviceDeploymentRecord, views []taskView) ServiceDeployment {
	target := r.revisionSummary(sd.Target, views)
	out := ServiceDeployment{
		ServiceDeploymentArn:    r.serviceDeploymentARN(sd.ID),
		ServiceArn:              r.ServiceArn,
		ClusterArn:              r.ClusterArn,
		CreatedAt:               sd.CreatedAt,
		StartedAt:               sd.CreatedAt,
		FinishedAt:              sd.FinishedAt,
		StoppedAt:               sd.StoppedAt,
		UpdatedAt:               sd.UpdatedAt,
		SourceServiceRevisions:  []ServiceRevisionSummary{},
		TargetServiceRevision:   &target,
		Status:                  sd.Status,
		StatusReason:            sd.StatusReason,
		DeploymentConfiguration: sd.Configuration,
		Alarms:                  &ServiceDeploymentAlarms{Status: "DISABLED"},
	}
	for _, id := range sd.Source {
		out.SourceServiceRevisions = append(out.SourceServiceRevisions, r.revisionSummary(id, views))
	}
	if rb := sd.Rollback; rb != nil {
		out.Rollback = &ServiceDeploymentRollback{Reason: rb.Reason, StartedAt: rb.StartedAt, ServiceRevisionArn: r.serviceRevisionARN(rb.RevisionID)}
	}
	out.DeploymentCircuitBreaker = r.breakerOf(sd, views)
	return out
}

// breakerOf shows the circuit breaker as the service deployment saw it:
// MONITORING while it rolls out (the count derived from its tasks),
// TRIGGERED once it tripped, MONITORING_COMPLETE after a success.
func (r *serviceRecord) breakerOf(sd *serviceDeploymentRecord, views []taskView) *ServiceDeploymentCircuitBreaker {
	var cb *DeploymentCircuitBreaker
	if sd.Configuration != nil {
		cb = sd.Configuration.DeploymentCircuitBreaker
	}
	if cb == nil || !cb.Enable {
		return &ServiceDeploymentCircuitBreaker{Status: "DISABLED"}
	}
	out := &ServiceDeploymentCircuitBreaker{FailureCount: sd.FailureCount, Threshold: breakerThreshold(cb, r.DesiredCount)}
	switch sd.Status {
	case SDInProgress:
		out.Status = "MONITORING"
		for _, d := range r.Deployments {
			if d.ID == sd.DeploymentID {
				var mine []taskView
				for _, v := range views {
					if v.rec.StartedBy == d.ID {
						mine = append(mine, v)
					}
				}
				out.FailureCount = r.failures(d, mine).count
			}
		}
	case SDSuccessful:
		out.Status = "MONITORING_COMPLETE"
	case SDStopped:
		out.Status = "MONITORING_COMPLETE"
		if sd.RollbackDeploymentID != "" || sd.FailureCount > 0 {
			out.Status = "TRIGGERED"
		}
	default:
		out.Status = "TRIGGERED"
		if sd.Rollback != nil && sd.Rollback.Reason == stopRollback {
			out.Status = "MONITORING_COMPLETE"
		}
	}
	return out
}

func (c *Control) renderRevision(ctx context.Context, r *serviceRecord, rev *serviceRevisionRecord) ServiceRevision {
	out := ServiceRevision{
		ServiceRevisionArn:       r.serviceRevisionARN(rev.ID),
		ServiceArn:               r.ServiceArn,
		ClusterArn:               r.ClusterArn,
		TaskDefinition:           rev.TaskDefinition,
		CapacityProviderStrategy: rev.CapacityProviderStrategy,
		LaunchType:               rev.LaunchType,
		PlatformVersion:          rev.PlatformVersion,
		LoadBalancers:            nonNil(rev.LoadBalancers),
		ServiceRegistries:        nonNil(rev.ServiceRegistries),
		NetworkConfiguration:     rev.NetworkConfiguration,
		ContainerImages:          []ContainerImage{},
		CreatedAt:                rev.CreatedAt,
	}
	if rev.fargate() {
		out.PlatformFamily = "Linux"
		if out.PlatformVersion == "LATEST" {
			out.PlatformVersion = "1.4.0"
		}
	}
	// A deregistered (or deleted) definition still names its images if it
	// is stored; otherwise the revision shows none.
	if td, _, err := c.resolveTaskDefinition(ctx, rev.TaskDefinition); err == nil {
		for _, cd := range td.ContainerDefinitions {
			out.ContainerImages = append(out.ContainerImages, ContainerImage{ContainerName: cd.Name, Image: cd.Image})
		}
	}
	return out
}

// currentHistory fills a service's currentServiceDeployment and
// currentServiceRevisions: the newest service deployment and the
// revisions that still run tasks or are asked to.
func (r *serviceRecord) currentHistory(svc *Service, views []taskView) {
	if len(r.ServiceDeployments) > 0 {
		svc.CurrentServiceDeployment = r.serviceDeploymentARN(r.ServiceDeployments[0].ID)
	}
	var ids []string
	for _, d := range r.Deployments {
		if id := d.revisionID(); !contains(ids, id) && r.revision(id) != nil {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		svc.CurrentServiceRevisions = append(svc.CurrentServiceRevisions, r.revisionSummary(id, views))
	}
}
