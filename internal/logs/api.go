package logs

import "github.com/portolan/portolan/internal/awsapi"

// TargetPrefix is the X-Amz-Target prefix of the CloudWatch Logs API.
const TargetPrefix = "Logs_20140328"

// Register serves the CloudWatch Logs API (awsJson1_1) on mux.
func (s *Control) Register(mux *awsapi.Mux) {
	api := awsapi.NewJSONService(TargetPrefix, "message")
	handle := func(name string, h awsapi.Handler) { api.Handle(name, checked(name, h)) }
	handle("CreateLogGroup", awsapi.Op(s.CreateLogGroup))
	handle("DeleteLogGroup", awsapi.Op(s.DeleteLogGroup))
	handle("DescribeLogGroups", awsapi.Op(s.DescribeLogGroups))
	handle("CreateLogStream", awsapi.Op(s.CreateLogStream))
	handle("DeleteLogStream", awsapi.Op(s.DeleteLogStream))
	handle("DescribeLogStreams", awsapi.Op(s.DescribeLogStreams))
	handle("PutLogEvents", awsapi.Op(s.PutLogEvents))
	handle("GetLogEvents", awsapi.Op(s.GetLogEvents))
	handle("FilterLogEvents", awsapi.Op(s.FilterLogEvents))
	handle("PutRetentionPolicy", awsapi.Op(s.PutRetentionPolicy))
	handle("DeleteRetentionPolicy", awsapi.Op(s.DeleteRetentionPolicy))
	handle("TagLogGroup", awsapi.Op(s.TagLogGroup))
	handle("UntagLogGroup", awsapi.Op(s.UntagLogGroup))
	handle("ListTagsLogGroup", awsapi.Op(s.ListTagsLogGroup))
	handle("TagResource", awsapi.Op(s.TagResource))
	handle("UntagResource", awsapi.Op(s.UntagResource))
	handle("ListTagsForResource", awsapi.Op(s.ListTagsForResource))
	handle("PutMetricFilter", awsapi.Op(s.PutMetricFilter))
	handle("DeleteMetricFilter", awsapi.Op(s.DeleteMetricFilter))
	handle("DescribeMetricFilters", awsapi.Op(s.DescribeMetricFilters))
	handle("TestMetricFilter", awsapi.Op(s.TestMetricFilter))
	handle("PutSubscriptionFilter", awsapi.Op(s.PutSubscriptionFilter))
	handle("DeleteSubscriptionFilter", awsapi.Op(s.DeleteSubscriptionFilter))
	handle("DescribeSubscriptionFilters", awsapi.Op(s.DescribeSubscriptionFilters))
	handle("PutDestination", awsapi.Op(s.PutDestination))
	handle("PutDestinationPolicy", awsapi.Op(s.PutDestinationPolicy))
	handle("DeleteDestination", awsapi.Op(s.DeleteDestination))
	handle("DescribeDestinations", awsapi.Op(s.DescribeDestinations))
	handle("PutResourcePolicy", awsapi.Op(s.PutResourcePolicy))
	handle("DeleteResourcePolicy", awsapi.Op(s.DeleteResourcePolicy))
	handle("DescribeResourcePolicies", awsapi.Op(s.DescribeResourcePolicies))
	handle("CreateExportTask", awsapi.Op(s.CreateExportTask))
	handle("DescribeExportTasks", awsapi.Op(s.DescribeExportTasks))
	handle("CancelExportTask", awsapi.Op(s.CancelExportTask))
	for name, op := range map[string]awsapi.Handler{
		"PutDeliverySource":               awsapi.Op(s.PutDeliverySource),
		"GetDeliverySource":               awsapi.Op(s.GetDeliverySource),
		"DescribeDeliverySources":         awsapi.Op(s.DescribeDeliverySources),
		"DeleteDeliverySource":            awsapi.Op(s.DeleteDeliverySource),
		"PutDeliveryDestination":          awsapi.Op(s.PutDeliveryDestination),
		"GetDeliveryDestination":          awsapi.Op(s.GetDeliveryDestination),
		"DescribeDeliveryDestinations":    awsapi.Op(s.DescribeDeliveryDestinations),
		"DeleteDeliveryDestination":       awsapi.Op(s.DeleteDeliveryDestination),
		"PutDeliveryDestinationPolicy":    awsapi.Op(s.PutDeliveryDestinationPolicy),
		"GetDeliveryDestinationPolicy":    awsapi.Op(s.GetDeliveryDestinationPolicy),
		"DeleteDeliveryDestinationPolicy": awsapi.Op(s.DeleteDeliveryDestinationPolicy),
		"CreateDelivery":                  awsapi.Op(s.CreateDelivery),
		"GetDelivery":                     awsapi.Op(s.GetDelivery),
		"DescribeDeliveries":              awsapi.Op(s.DescribeDeliveries),
		"UpdateDeliveryConfiguration":     awsapi.Op(s.UpdateDeliveryConfiguration),
		"DeleteDelivery":                  awsapi.Op(s.DeleteDelivery),
	} {
		handle(name, op)
	}
	mux.AddJSON(api)
}
