package gateway

import (
	"sort"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/restapi/gateway/resourcetree"
	"github.com/portolan/portolan/internal/restapi/policy"
)

// snapshot is everything a request reads, immutable once published.
type snapshot struct {
	src   *restapi.Snapshot
	rev   int64 // the REST APIs' view revision
	lbRev int64 // the load balancers' view revision (loadBalancersRevision)
	apis  map[string]*apiState
	keys  map[string]*keyState // API keys by value
}

type apiState struct {
	id      string
	private bool // endpoint type PRIVATE: only through VPC endpoints
	// soleEndpoint is the one VPC endpoint a private API lists, if exactly
	// one: where its regional name leads when a Route 53 alias, not an
	// endpoint's private DNS, resolves it.
	soleEndpoint  string
	disabled      bool // disableExecuteApiEndpoint
	keyFromHeader bool // apiKeySource HEADER (the default): x-api-key
	stages        map[string]*stageState
}

type stageState struct {
	src   *restapi.StageState // reused while this, the VPC links and the load balancers are unchanged
	apiID string
	name  string
	vars  map[string]string
	tree  *resourcetree.Tree[*methodState] // nil: nothing deployed
	// hasPolicy: the deployment has a resource policy; policy is nil if it
	// could not be parsed, which denies every request (Evaluate(nil)).
	hasPolicy bool
	policy    *policy.Policy
	arn       string // arn:aws:execute-api:REGION:ACCOUNT:APIID/STAGE/
	masked    string // the same with the account masked, for denials
	log       *logTarget
	methods   []methodLabels // the series of its methods (metrics.go)
}

type methodState struct {
	resourceID     string
	resourcePath   string // "/pets/{id}"
	httpMethod     string // as set up: GET, ANY...
	planKey        string // "/pets/{id}/GET": a usage plan's per-method throttle key
	apiKeyRequired bool
	needsSignature bool         // authorizationType AWS_IAM
	limiter        *keptLimiter // the stage's methodSettings throttle, or nil
	integ          *integrationState
	requests       prometheus.Counter // nil: metrics off
}

// build makes the next snapshot. A stage is recompiled when it (or its
// deployment) changed, or when the VPC links or load balancers did.
func (g *Gateway) build(prev *snapshot, a *restapi.Snapshot, lbRev int64) *snapshot {
	s := &snapshot{src: a, rev: a.Revision, lbRev: lbRev, apis: map[string]*apiState{}}
	cache := map[*restapi.StageState]*stageState{}
	if prev != nil && prev.lbRev == lbRev && a.SameVpcLinks(prev.src) {
		for _, api := range prev.apis {
			for _, st := range api.stages {
				cache[st.src] = st
			}
		}
	}
	live := map[limiterKey]bool{}
	for _, api := range a.APIs() {
		as := &apiState{id: api.Id, private: api.IsPrivate(), disabled: api.DisableExecuteApiEndpoint,
			keyFromHeader: api.ApiKeySource != restapi.APIKeySourceAuthorizer, stages: map[string]*stageState{}}
		if ec := api.EndpointConfiguration; as.private && ec != nil && len(ec.VpcEndpointIds) == 1 {
			as.soleEndpoint = ec.VpcEndpointIds[0]
		}
		for name, st := range api.Stages {
			cs := cache[st]
			if cs == nil {
				cs = g.compileStage(a, api, st)
			}
			cs.markLimiters(live)
			as.stages[name] = cs
		}
		s.apis[api.Id] = as
	}
	s.keys = g.compileKeys(a, live)
	g.dropLimiters(live)
	return s
}

func (g *Gateway) compileStage(a *restapi.Snapshot, api *restapi.APIState, st *restapi.StageState) *stageState {
	apiARN := "arn:aws:execute-api:" + g.cfg.Region + ":" + g.cfg.AccountID + ":" + api.Id
	cs := &stageState{src: st, apiID: api.Id, name: st.StageName, vars: st.Variables, arn: apiARN + "/" + st.StageName + "/"}
	cs.masked = maskAccount(cs.arn, g.cfg.AccountID)
	if st.AccessLogSettings != nil && st.AccessLogSettings.Format != "" {
		cs.log = compileLogTarget(st.AccessLogSettings, api.Id, st.StageName)
	}
	if st.Config == nil {
		return cs
	}
	if doc := st.Config.Policy; doc != "" {
		cs.hasPolicy = true
		p, err := policy.Parse(doc, apiARN)
		if err != nil {
			g.log.Error("resource policy refused; the stage denies every request", "restApiId", api.Id, "stage", st.StageName, "err", err)
		}
		cs.policy = p
	}
	var resources []resourcetree.Resource[*methodState]
	for _, r := range st.Config.Resources {
		res := resourcetree.Resource[*methodState]{Path: r.Path, Methods: map[string]*methodState{}}
		for verb, m := range r.ResourceMethods {
			ms := &methodState{
				resourceID: r.Id, resourcePath: r.Path, httpMethod: verb,
				planKey:        r.Path + "/" + verb,
				apiKeyRequired: m.ApiKeyRequired,
				needsSignature: m.AuthorizationType == restapi.AuthorizationIAM,
			}
			if set, ok := st.MethodSetting(r.Path, verb); ok {
				ms.limiter = g.limiter(limiterKey{scope: "stage", api: api.Id, stage: st.StageName, method: ms.planKey},
					set.ThrottlingRateLimit, set.ThrottlingBurstLimit)
			}
			ms.integ = g.compileIntegration(a, st, m.MethodIntegration)
			if g.metrics != nil {
				l := methodLabels{api.Id, st.StageName, r.Path, verb}
				ms.requests = g.metrics.method(l)
				cs.methods = append(cs.methods, l)
			}
			res.Methods[verb] = ms
		}
		resources = append(resources, res)
	}
	// A stable order, so that a (never expected) conflict is reported the
	// same way every time.
	sort.Slice(resources, func(i, j int) bool { return resources[i].Path < resources[j].Path })
	tree, err := resourcetree.Build(resources)
	if err != nil {
		g.log.Error("stage resources refused; the stage serves nothing", "restApiId", api.Id, "stage", st.StageName, "err", err)
		return cs
	}
	cs.tree = tree
	return cs
}

// markLimiters records the stage's limiters as still in use.
func (st *stageState) markLimiters(live map[limiterKey]bool) {
	if st.tree == nil {
		return
	}
	st.tree.Walk(func(m *methodState) {
		if m.limiter != nil {
			live[m.limiter.key] = true
		}
	})
}
