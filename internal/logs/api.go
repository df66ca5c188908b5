package logs

import "github.com/portolan/portolan/internal/awsapi"

// TargetPrefix is the X-Amz-Target prefix of the CloudWatch Logs API.
const TargetPrefix = "Logs_20140328"

// Register serves the CloudWatch Logs API (awsJson1_1) on mux.
func (s *Control) Register(mux *awsapi.Mux) {
	api := awsapi.NewJSONService(TargetPrefix, "message")
	api.Handle("CreateLogGroup", awsapi.Op(s.CreateLogGroup))
	api.Handle("DeleteLogGroup", awsapi.Op(s.DeleteLogGroup))
	api.Handle("DescribeLogGroups", awsapi.Op(s.DescribeLogGroups))
	api.Handle("CreateLogStream", awsapi.Op(s.CreateLogStream))
	api.Handle("DeleteLogStream", awsapi.Op(s.DeleteLogStream))
	api.Handle("DescribeLogStreams", awsapi.Op(s.DescribeLogStreams))
	api.Handle("PutLogEvents", awsapi.Op(s.PutLogEvents))
	api.Handle("GetLogEvents", awsapi.Op(s.GetLogEvents))
	api.Handle("FilterLogEvents", awsapi.Op(s.FilterLogEvents))
	api.Handle("PutRetentionPolicy", awsapi.Op(s.PutRetentionPolicy))
	api.Handle("DeleteRetentionPolicy", awsapi.Op(s.DeleteRetentionPolicy))
	api.Handle("TagLogGroup", awsapi.Op(s.TagLogGroup))
	api.Handle("UntagLogGroup", awsapi.Op(s.UntagLogGroup))
	api.Handle("ListTagsLogGroup", awsapi.Op(s.ListTagsLogGroup))
	api.Handle("TagResource", awsapi.Op(s.TagResource))
	api.Handle("UntagResource", awsapi.Op(s.UntagResource))
	api.Handle("ListTagsForResource", awsapi.Op(s.ListTagsForResource))
	api.Handle("PutMetricFilter", awsapi.Op(s.PutMetricFilter))
	api.Handle("DeleteMetricFilter", awsapi.Op(s.DeleteMetricFilter))
	api.Handle("DescribeMetricFilters", awsapi.Op(s.DescribeMetricFilters))
	api.Handle("TestMetricFilter", awsapi.Op(s.TestMetricFilter))
	api.Handle("PutSubscriptionFilter", awsapi.Op(s.PutSubscriptionFilter))
	api.Handle("DeleteSubscriptionFilter", awsapi.Op(s.DeleteSubscriptionFilter))
	api.Handle("DescribeSubscriptionFilters", awsapi.Op(s.DescribeSubscriptionFilters))
	api.Handle("PutDestination", awsapi.Op(s.PutDestination))
	api.Handle("PutDestinationPolicy", awsapi.Op(s.PutDestinationPolicy))
	api.Handle("DeleteDestination", awsapi.Op(s.DeleteDestination))
	api.Handle("DescribeDestinations", awsapi.Op(s.DescribeDestinations))
	api.Handle("PutResourcePolicy", awsapi.Op(s.PutResourcePolicy))
	api.Handle("DeleteResourcePolicy", awsapi.Op(s.DeleteResourcePolicy))
	api.Handle("DescribeResourcePolicies", awsapi.Op(s.DescribeResourcePolicies))
	api.Handle("CreateExportTask", awsapi.Op(s.CreateExportTask))
	api.Handle("DescribeExportTasks", awsapi.Op(s.DescribeExportTasks))
	api.Handle("CancelExportTask", awsapi.Op(s.CancelExportTask))
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
		api.Handle(name, op)
	}
	mux.AddJSON(api)
}
