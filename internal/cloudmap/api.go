package cloudmap

import "github.com/portolan/portolan/internal/awsapi"

// TargetPrefix is Cloud Map's X-Amz-Target prefix.
const TargetPrefix = "Route53AutoNaming_v20170314"

// Register serves every Cloud Map operation on mux.
func (r *Control) Register(mux *awsapi.Mux) {
	api := awsapi.NewJSONService(TargetPrefix, "Message")
	s := handlers{api}
	s.Handle("CreateHttpNamespace", awsapi.Op(r.CreateHttpNamespace))
	s.Handle("CreatePrivateDnsNamespace", awsapi.Op(r.CreatePrivateDnsNamespace))
	s.Handle("CreatePublicDnsNamespace", awsapi.Op(r.CreatePublicDnsNamespace))
	s.Handle("UpdateHttpNamespace", awsapi.Op(r.UpdateHttpNamespace))
	s.Handle("UpdatePrivateDnsNamespace", awsapi.Op(r.UpdatePrivateDnsNamespace))
	s.Handle("UpdatePublicDnsNamespace", awsapi.Op(r.UpdatePublicDnsNamespace))
	s.Handle("DeleteNamespace", awsapi.Op(r.DeleteNamespace))
	s.Handle("GetNamespace", awsapi.Op(r.GetNamespace))
	s.Handle("ListNamespaces", awsapi.Op(r.ListNamespaces))
	s.Handle("CreateService", awsapi.Op(r.CreateService))
	s.Handle("GetService", awsapi.Op(r.GetService))
	s.Handle("ListServices", awsapi.Op(r.ListServices))
	s.Handle("UpdateService", awsapi.Op(r.UpdateService))
	s.Handle("DeleteService", awsapi.Op(r.DeleteService))
	s.Handle("GetServiceAttributes", awsapi.Op(r.GetServiceAttributes))
	s.Handle("UpdateServiceAttributes", awsapi.Op(r.UpdateServiceAttributes))
	s.Handle("DeleteServiceAttributes", awsapi.Op(r.DeleteServiceAttributes))
	s.Handle("RegisterInstance", awsapi.Op(r.RegisterInstance))
	s.Handle("DeregisterInstance", awsapi.Op(r.DeregisterInstance))
	s.Handle("GetInstance", awsapi.Op(r.GetInstance))
	s.Handle("ListInstances", awsapi.Op(r.ListInstances))
	s.Handle("GetInstancesHealthStatus", awsapi.Op(r.GetInstancesHealthStatus))
	s.Handle("UpdateInstanceCustomHealthStatus", awsapi.Op(r.UpdateInstanceCustomHealthStatus))
	s.Handle("DiscoverInstances", awsapi.Op(r.DiscoverInstances))
	s.Handle("DiscoverInstancesRevision", awsapi.Op(r.DiscoverInstancesRevision))
	s.Handle("GetOperation", awsapi.Op(r.GetOperation))
	s.Handle("ListOperations", awsapi.Op(r.ListOperations))
	s.Handle("TagResource", awsapi.Op(r.TagResource))
	s.Handle("UntagResource", awsapi.Op(r.UntagResource))
	s.Handle("ListTagsForResource", awsapi.Op(r.ListTagsForResource))
	mux.AddJSON(api)
}

// handlers registers each operation behind its constraints.
type handlers struct{ api *awsapi.JSONService }

func (h handlers) Handle(op string, fn awsapi.Handler) { h.api.Handle(op, checked(op, fn)) }
