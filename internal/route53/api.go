package route53

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// Register serves every Route 53 operation on mux.
func (c *Control) Register(mux *awsapi.Mux) {
	s := awsapi.NewRESTXMLService("/2013-04-01/", Namespace)
	s.Handle("POST", "hostedzone", "CreateHostedZone", awsapi.XMLOp(http.StatusCreated, c.CreateHostedZone))
	s.Handle("GET", "hostedzone", "ListHostedZones", awsapi.XMLOp(http.StatusOK, c.ListHostedZones))
	s.Handle("GET", "hostedzonesbyname", "ListHostedZonesByName", awsapi.XMLOp(http.StatusOK, c.ListHostedZonesByName))
	s.Handle("GET", "hostedzonecount", "GetHostedZoneCount", awsapi.XMLOp(http.StatusOK, c.GetHostedZoneCount))
	s.Handle("GET", "hostedzone/{Id}", "GetHostedZone", awsapi.XMLOp(http.StatusOK, c.GetHostedZone))
	s.Handle("POST", "hostedzone/{Id}", "UpdateHostedZoneComment", awsapi.XMLOp(http.StatusOK, c.UpdateHostedZoneComment))
	s.Handle("DELETE", "hostedzone/{Id}", "DeleteHostedZone", awsapi.XMLOp(http.StatusOK, c.DeleteHostedZone))
	s.Handle("POST", "hostedzone/{HostedZoneId}/associatevpc", "AssociateVPCWithHostedZone", awsapi.XMLOp(http.StatusOK, c.AssociateVPCWithHostedZone))
	s.Handle("POST", "hostedzone/{HostedZoneId}/disassociatevpc", "DisassociateVPCFromHostedZone", awsapi.XMLOp(http.StatusOK, c.DisassociateVPCFromHostedZone))
	s.Handle("POST", "hostedzone/{HostedZoneId}/rrset", "ChangeResourceRecordSets", awsapi.XMLOp(http.StatusOK, c.ChangeResourceRecordSets))
	s.Handle("GET", "hostedzone/{HostedZoneId}/rrset", "ListResourceRecordSets", awsapi.XMLOp(http.StatusOK, c.ListResourceRecordSets))
	s.Handle("GET", "change/{Id}", "GetChange", awsapi.XMLOp(http.StatusOK, c.GetChange))
	s.Handle("POST", "tags/{ResourceType}/{ResourceId}", "ChangeTagsForResource", awsapi.XMLOp(http.StatusOK, c.ChangeTagsForResource))
	s.Handle("GET", "tags/{ResourceType}/{ResourceId}", "ListTagsForResource", awsapi.XMLOp(http.StatusOK, c.ListTagsForResource))
	mux.AddRESTXML(s)
}
