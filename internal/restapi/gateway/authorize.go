package gateway

import (
	"net"
	"net/http"
	"strings"

	"github.com/portolan/portolan/internal/restapi/policy"
)

// The condition keys a resource policy sees ("API Gateway resource
// policies": aws:SourceVpce and aws:SourceVpc for calls through a VPC
// endpoint, aws:SourceIp for every call).
const (
	keySourceIP   = "aws:SourceIp"
	keySourceVpce = "aws:SourceVpce"
	keySourceVpc  = "aws:SourceVpc"
	invokeAction  = "execute-api:Invoke"
)

// authorize evaluates the resource policy of the stage's deployment (a
// policy change takes effect on the next deployment, as on AWS) for an
// anonymous caller; a private API without a policy denies everything. It
// answers the request itself unless the policy allows it.
func (g *Gateway) authorize(w http.ResponseWriter, r *http.Request, rq *request, api *apiState) bool {
	if rq.policyCtx == nil {
		rq.policyCtx = make(map[string]string, 3)
	}
	ctx := rq.policyCtx
	ctx[keySourceIP] = clientIP(r.RemoteAddr)
	if rq.vpceID != "" {
		ctx[keySourceVpce] = rq.vpceID
		if vpc, ok := g.cfg.Endpoints.Endpoint(rq.vpceID); ok && vpc != "" {
			ctx[keySourceVpc] = vpc
		}
	}
	st := rq.st
	// The resource is the method called and the path as requested, without
	// its leading slash: …/prod/GET/pets/7.
	path := strings.TrimPrefix(rq.stagePath, "/")
	req := policy.Request{Principal: "*", Action: invokeAction, Resource: st.arn + r.Method + "/" + path, Context: ctx}
	d := st.policy.Evaluate(&req)
	if d == policy.Allow {
		return true
	}
	req.Resource = st.masked + r.Method + "/" + path
	rq.accessDenied(w, d.Message(&req))
	return false
}

func clientIP(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}
