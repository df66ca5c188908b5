package ecs

import (
	"fmt"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
)

func TestBreakerThreshold(t *testing.T) {
	n := func(v int) *int { return &v }
	cases := []struct {
		tc      *ThresholdConfiguration
		desired int
		want    int
	}{
		// min(200, max(3, ceil(0.5 × desiredCount))), the current API reference.
		{nil, 0, 3},
		{nil, 1, 3},
		{nil, 2, 3},
		{nil, 10, 5},
		{nil, 25, 13},
		{nil, 400, 200},
		{nil, 800, 200},
		{&ThresholdConfiguration{Type: "COUNT", Value: n(7)}, 100, 7},
		{&ThresholdConfiguration{Type: "BOUNDED_PERCENT", Value: n(10)}, 10, 3},
		{&ThresholdConfiguration{Type: "UNBOUNDED_PERCENT", Value: n(50)}, 800, 400},
		{&ThresholdConfiguration{Type: "UNBOUNDED_PERCENT", Value: n(10)}, 2, 1},
	}
	for _, c := range cases {
		got := breakerThreshold(&DeploymentCircuitBreaker{Enable: true, ThresholdConfiguration: c.tc}, c.desired)
		if got != c.want {
			t.Errorf("threshold(%+v, desired %d) = %d, want %d", c.tc, c.desired, got, c.want)
		}
	}
}

func TestRelaunchDelay(t *testing.T) {
	for n, want := range map[int]time.Duration{0: 0, 1: 500 * time.Millisecond, 2: time.Second, 3: 2 * time.Second, 12: 15 * time.Minute, 40: 15 * time.Minute} {
		if got := relaunchDelay(n); got != want {
			t.Errorf("relaunchDelay(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestServiceEvents(t *testing.T) {
	r := &serviceRecord{ServiceName: "web"}
	t0 := awsapi.Timestamp(time.Unix(1_700_000_000, 0))
	at := func(d time.Duration) awsapi.Timestamp { return awsapi.Timestamp(t0.Time().Add(d)) }
	steps := []struct {
		at    awsapi.Timestamp
		msg   string
		added bool
	}{
		{at(0), "has reached a steady state.", true},
		{at(time.Hour), "has reached a steady state.", false}, // suppressed
		{at(2 * time.Hour), "has started 1 tasks: (task a).", true},
		{at(3 * time.Hour), "has reached a steady state.", true},             // something was said in between
		{at(9*time.Hour + time.Second), "has reached a steady state.", true}, // 6 h later
	}
	for _, s := range steps {
		if got := r.event(s.at, "%s", s.msg); got != s.added {
			t.Fatalf("event %q at %v: added %v, want %v", s.msg, s.at.Time(), got, s.added)
		}
	}
	if len(r.Events) != 4 || r.Events[0].Message != "(service web) has reached a steady state." || r.Events[1].CreatedAt != at(3*time.Hour) {
		t.Fatalf("events, newest first: %+v", r.Events)
	}
	for i := range 150 {
		r.event(at(10*time.Hour), "message %d", i)
	}
	if len(r.Events) != maxServiceEvents || r.Events[0].Message != "(service web) message 149" {
		t.Fatalf("%d events kept, newest %q", len(r.Events), r.Events[0].Message)
	}
}

// notYet marks a time a task has not reached.
const notYet = time.Duration(0)

// view builds a task as the scheduler sees it.
func view(last, desired string, started, stopping time.Duration, code, reason string, healthCheck bool, health string) taskView {
	now := time.Now()
	def := TaskDefinition{ContainerDefinitions: []ContainerDefinition{{Name: "app"}}}
	if healthCheck {
		def.ContainerDefinitions[0].HealthCheck = &HealthCheck{Command: []string{"CMD", "true"}}
	}
	t := &Task{LastStatus: last, DesiredStatus: desired, StopCode: code, StoppedReason: reason, HealthStatus: health}
	if started != 0 {
		s := awsapi.Timestamp(now.Add(-started))
		t.StartedAt = &s
	}
	if stopping != 0 {
		s := awsapi.Timestamp(now.Add(-stopping))
		t.StoppingAt = &s
	}
	return taskView{rec: &TaskRecord{Definition: def}, t: t}
}

func TestTaskClassification(t *testing.T) {
	cases := []struct {
		name             string
		v                taskView
		healthy, failure bool
	}{
		{"settling", view(StatusRunning, StatusRunning, 100*time.Millisecond, notYet, "", "", false, HealthUnknown), false, false},
		{"settled", view(StatusRunning, StatusRunning, 2*time.Second, notYet, "", "", false, HealthUnknown), true, false},
		{"checked, not yet healthy", view(StatusRunning, StatusRunning, time.Minute, notYet, "", "", true, HealthUnknown), false, false},
		{"checked and healthy", view(StatusRunning, StatusRunning, 100*time.Millisecond, notYet, "", "", true, HealthHealthy), true, false},
		{"asked to stop", view(StatusRunning, StatusStopped, time.Minute, time.Second, StopCodeServiceSchedulerInitiated, scalingReason("ecs-svc/1"), false, HealthUnknown), false, false},
		{"pending", view(StatusPending, StatusRunning, notYet, notYet, "", "", false, HealthUnknown), false, false},
		{"never started", view(StatusStopped, StatusStopped, notYet, time.Second, StopCodeTaskFailedToStart, "CannotPullContainerError", false, HealthUnknown), false, true},
		{"exited on start", view(StatusStopped, StatusStopped, 2*time.Second, 2*time.Second-50*time.Millisecond, StopCodeEssentialContainerExited, "Essential container in task exited", false, HealthUnknown), false, true},
		{"exited after a while", view(StatusStopped, StatusStopped, time.Hour, time.Minute, StopCodeEssentialContainerExited, "Essential container in task exited", false, HealthUnknown), false, false},
		{"failed its health checks", view(StatusStopped, StatusStopped, time.Hour, time.Minute, StopCodeServiceSchedulerInitiated, reasonUnhealthy, true, HealthUnhealthy), false, true},
		{"scaled in", view(StatusStopped, StatusStopped, notYet, time.Second, StopCodeServiceSchedulerInitiated, scalingReason("ecs-svc/1"), false, HealthUnknown), false, false},
		{"stopped by the user", view(StatusStopped, StatusStopped, notYet, time.Second, StopCodeUserInitiated, "Task stopped by user", false, HealthUnknown), false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.v.healthy(time.Now()); got != c.healthy {
				t.Errorf("healthy = %v, want %v", got, c.healthy)
			}
			if _, got := c.v.failedAt(); got != c.failure {
				t.Errorf("failure = %v, want %v", got, c.failure)
			}
		})
	}
}

func TestFailuresResetOnHealthyTask(t *testing.T) {
	created := time.Now().Add(-time.Minute)
	d := &deploymentRecord{CreatedAt: awsapi.Timestamp(created), ResetAt: awsapi.Timestamp(time.Now().Add(-30 * time.Second))}
	fail := func(ago time.Duration) taskView {
		return view(StatusStopped, StatusStopped, notYet, ago, StopCodeTaskFailedToStart, "x", false, HealthUnknown)
	}
	views := []taskView{fail(50 * time.Second), fail(40 * time.Second), fail(20 * time.Second), fail(10 * time.Second)}
	for _, reset := range []*bool{nil, ptr(true), ptr(false)} {
		r := &serviceRecord{serviceSettings: serviceSettings{DeploymentConfiguration: &DeploymentConfiguration{
			DeploymentCircuitBreaker: &DeploymentCircuitBreaker{Enable: true, ResetOnHealthyTask: reset}}}}
		f := r.failures(d, views)
		want := 2 // only those after the reset
		if reset != nil && !*reset {
			want = 4
		}
		if f.count != want || f.consecutive != 2 {
			t.Errorf("resetOnHealthyTask %v: count %d consecutive %d, want %d and 2", fmt.Sprint(reset), f.count, f.consecutive, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
