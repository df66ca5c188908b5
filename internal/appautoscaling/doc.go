// Package appautoscaling is Application Auto Scaling for ECS services
// (awsJson1_1, target prefix AnyScaleFrontendService): scalable targets
// (ecs:service:DesiredCount), target tracking and step scaling policies,
// scheduled actions and the scaling activities that tell what happened.
//
// Where it sits: a target tracking policy creates its CloudWatch alarms
// (the TargetTracking-…-AlarmHigh-/AlarmLow- pair) through CloudWatch's
// own API; CloudWatch evaluates them and calls AlarmAction with the
// policy's ARN while an alarm is in ALARM (scaling.go), which computes the
// new desired count, applies cooldowns and the target's min and max, and
// sets it through ECS's own UpdateService, as AWS does. Run fires the
// scheduled actions.
//
// Time: cooldowns are counted in CloudWatch's clock (a cooldown of 60 s
// lasts one metric period; see package cloudwatch); schedules are wall
// clock.
package appautoscaling
