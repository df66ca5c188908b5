package ecs

import "github.com/portolan/portolan/internal/awsapi"

// TargetPrefix is ECS's X-Amz-Target prefix.
const TargetPrefix = "AmazonEC2ContainerServiceV20141113"

// Register serves the ECS operations on mux.
func (c *Control) Register(mux *awsapi.Mux) {
	api := awsapi.NewJSONService(TargetPrefix, "message")
	s := handlers{api}
	s.Handle("CreateCluster", awsapi.Op(c.CreateCluster))
	s.Handle("DescribeClusters", awsapi.Op(c.DescribeClusters))
	s.Handle("ListClusters", awsapi.Op(c.ListClusters))
	s.Handle("DeleteCluster", awsapi.Op(c.DeleteCluster))
	s.Handle("RegisterTaskDefinition", awsapi.Op(c.RegisterTaskDefinition))
	s.Handle("DescribeTaskDefinition", awsapi.Op(c.DescribeTaskDefinition))
	s.Handle("DeregisterTaskDefinition", awsapi.Op(c.DeregisterTaskDefinition))
	s.Handle("ListTaskDefinitions", awsapi.Op(c.ListTaskDefinitions))
	s.Handle("ListTaskDefinitionFamilies", awsapi.Op(c.ListTaskDefinitionFamilies))
	s.Handle("RunTask", awsapi.Op(c.RunTask))
	s.Handle("StopTask", awsapi.Op(c.StopTask))
	s.Handle("DescribeTasks", awsapi.Op(c.DescribeTasks))
	s.Handle("ListTasks", awsapi.Op(c.ListTasks))
	s.Handle("CreateService", awsapi.Op(c.CreateService))
	s.Handle("UpdateService", awsapi.Op(c.UpdateService))
	s.Handle("DeleteService", awsapi.Op(c.DeleteService))
	s.Handle("DescribeServices", awsapi.Op(c.DescribeServices))
	s.Handle("ListServices", awsapi.Op(c.ListServices))
	s.Handle("ListServicesByNamespace", awsapi.Op(c.ListServicesByNamespace))
	s.Handle("ListServiceDeployments", awsapi.Op(c.ListServiceDeployments))
	s.Handle("DescribeServiceDeployments", awsapi.Op(c.DescribeServiceDeployments))
	s.Handle("DescribeServiceRevisions", awsapi.Op(c.DescribeServiceRevisions))
	s.Handle("StopServiceDeployment", awsapi.Op(c.StopServiceDeployment))
	s.Handle("UpdateCluster", awsapi.Op(c.UpdateCluster))
	s.Handle("UpdateClusterSettings", awsapi.Op(c.UpdateClusterSettings))
	s.Handle("PutClusterCapacityProviders", awsapi.Op(c.PutClusterCapacityProviders))
	s.Handle("PutAccountSetting", awsapi.Op(c.PutAccountSetting))
	s.Handle("PutAccountSettingDefault", awsapi.Op(c.PutAccountSettingDefault))
	s.Handle("DeleteAccountSetting", awsapi.Op(c.DeleteAccountSetting))
	s.Handle("ListAccountSettings", awsapi.Op(c.ListAccountSettings))
	s.Handle("DeleteTaskDefinitions", awsapi.Op(c.DeleteTaskDefinitions))
	s.Handle("ListContainerInstances", awsapi.Op(c.ListContainerInstances))
	s.Handle("DescribeContainerInstances", awsapi.Op(c.DescribeContainerInstances))
	s.Handle("UpdateContainerInstancesState", awsapi.Op(c.UpdateContainerInstancesState))
	s.Handle("TagResource", awsapi.Op(c.TagResource))
	s.Handle("UntagResource", awsapi.Op(c.UntagResource))
	s.Handle("ListTagsForResource", awsapi.Op(c.ListTagsForResource))
	mux.AddJSON(api)
}

// handlers registers each operation behind its constraints.
type handlers struct{ api *awsapi.JSONService }

func (h handlers) Handle(op string, fn awsapi.Handler) { h.api.Handle(op, checked(op, fn)) }
