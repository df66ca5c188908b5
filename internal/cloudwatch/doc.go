// Package cloudwatch is Amazon CloudWatch's metrics and alarms: the
// monitoring API (awsQuery, as the AWS CLI v2 sends it) over an in-memory
// time series store, and metric alarms whose state is evaluated as
// CloudWatch evaluates it.
//
// Where it sits: publishers inside Portolan (the ECS agent's service
// utilisation, the load balancers' request counts) and clients
// (PutMetricData) add datapoints; GetMetricStatistics, GetMetricData and
// ListMetrics read them. Alarms are stored records (they survive a
// restart); Run evaluates every alarm once per metric period, writes a
// state change to the store, and hands alarm actions that belong to other
// services (Application Auto Scaling's scaling policies) to
// Config.Actions.
//
// Time: AWS's metric period is one minute. Config.MetricPeriod is the
// duration that stands for those 60 seconds here, and every period,
// evaluation window and cooldown counts in that clock: with a 1 s metric
// period an alarm's Period of 60 is one real second. Datapoints keep
// their real timestamps.
package cloudwatch
