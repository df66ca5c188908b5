package appautoscaling

import "github.com/portolan/portolan/internal/awsapi"

// TargetPrefix is Application Auto Scaling's X-Amz-Target prefix.
const TargetPrefix = "AnyScaleFrontendService"

// Register serves the Application Auto Scaling operations on mux.
func (c *Control) Register(mux *awsapi.Mux) {
	s := awsapi.NewJSONService(TargetPrefix, "Message")
	// Scalable targets (targets.go)
	s.Handle("RegisterScalableTarget", awsapi.Op(c.RegisterScalableTarget))
	s.Handle("DeregisterScalableTarget", awsapi.Op(c.DeregisterScalableTarget))
	s.Handle("DescribeScalableTargets", awsapi.Op(c.DescribeScalableTargets))
	// Scaling policies (policies.go, targettracking.go; run by scaling.go)
	s.Handle("PutScalingPolicy", awsapi.Op(c.PutScalingPolicy))
	s.Handle("DescribeScalingPolicies", awsapi.Op(c.DescribeScalingPolicies))
	s.Handle("DeleteScalingPolicy", awsapi.Op(c.DeleteScalingPolicy))
	// Scheduled actions (scheduled.go)
	s.Handle("PutScheduledAction", awsapi.Op(c.PutScheduledAction))
	s.Handle("DescribeScheduledActions", awsapi.Op(c.DescribeScheduledActions))
	s.Handle("DeleteScheduledAction", awsapi.Op(c.DeleteScheduledAction))
	// Activities (activities.go)
	s.Handle("DescribeScalingActivities", awsapi.Op(c.DescribeScalingActivities))
	mux.AddJSON(s)
}
