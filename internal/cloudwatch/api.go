package cloudwatch

import "github.com/portolan/portolan/internal/awsapi"

// Version is the API version clients send (Version=2010-08-01).
const Version = "2010-08-01"

// Namespace is the xmlns of every answer.
const Namespace = "http://monitoring.amazonaws.com/doc/2010-08-01/"

// ServiceShape is CloudWatch's Smithy service name, the one RPC v2 CBOR
// paths carry.
const ServiceShape = "GraniteServiceVersion20100801"

// Register serves CloudWatch's operations on mux.
func (c *Control) Register(mux *awsapi.Mux) {
	s := awsapi.NewQueryService(Version, Namespace)
	// Metrics (metrics.go, statistics.go)
	s.Handle("PutMetricData", awsapi.QueryOp(c.PutMetricData))
	s.Handle("ListMetrics", awsapi.QueryOp(c.ListMetrics))
	s.Handle("GetMetricStatistics", awsapi.QueryOp(c.GetMetricStatistics))
	s.Handle("GetMetricData", awsapi.QueryOp(c.GetMetricData))
	// Alarms (alarms.go; evaluated in evaluate.go)
	s.Handle("PutMetricAlarm", awsapi.QueryOp(c.PutMetricAlarm))
	s.Handle("DescribeAlarms", awsapi.QueryOp(c.DescribeAlarms))
	s.Handle("DeleteAlarms", awsapi.QueryOp(c.DeleteAlarms))
	mux.AddQuery(s)
	// aws-sdk-go-v2 speaks Smithy RPC v2 CBOR to CloudWatch, the CLI v1
	// (botocore) awsJson1_0, the CLI v2 awsQuery: the same operations
	// answer all three.
	mux.AddRPCv2CBOR(ServiceShape, s)
	mux.AddQueryCompatibleJSON(ServiceShape, s)
}
