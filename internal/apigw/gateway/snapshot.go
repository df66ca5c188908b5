package gateway

import (
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/portolan/portolan/internal/apigw"
	"github.com/portolan/portolan/internal/apigw/accesslog"
	"github.com/portolan/portolan/internal/apigw/gateway/cors"
	"github.com/portolan/portolan/internal/apigw/mapping"
	"github.com/portolan/portolan/internal/apigw/router"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/upstream"
)

// snapshot is everything a request reads, immutable once published.
type snapshot struct {
	apigwRev, cloudMapRev int64
	lbRev                 int64 // the load balancers' view revision (loadBalancersRevision)
	apiSrc                *apigw.Snapshot
	cmSrc                 *cloudmap.Snapshot
	apis                  map[string]*apiState
	byName                map[string]*apiState // the newest API of each name
	domains               map[string]*domainRoutes
	// targets holds the live instances of each Cloud Map target, indexed
	// by integrationState.target.
	targets []*instanceSet
	// listeners holds where each ELB listener target takes traffic,
	// indexed by integrationState.target.
	listeners []listenerTarget
}

type apiState struct {
	id       string
	name     string
	created  int64 // createdDate, which orders APIs of one name
	disabled bool
	cors     *cors.Policy           // nil: no corsConfiguration
	def      *stageState            // $default, or nil
	named    map[string]*stageState // other stages, by name
}

// bound returns the API a listener bound to ref serves: the API of that
// id, else the newest of that name.
func (s *snapshot) bound(ref string) *apiState {
	if api := s.apis[ref]; api != nil {
		return api
	}
	return s.byName[ref]
}

// stageFor picks the stage a raw path addresses: a named stage by its first
// segment, else $default at the root. rest is the path without the stage.
func (a *apiState) stageFor(raw string) (*stageState, string) {
	if len(a.named) > 0 && len(raw) > 1 {
		seg, _, _ := strings.Cut(raw[1:], "/")
		if st := a.named[seg]; st != nil {
			return st, raw[1+len(seg):]
		}
	}
	if a.def != nil {
		return a.def, raw
	}
	return nil, ""
}

// domainRoutes is a custom domain name's API mappings, longest key first
// (the empty key, the catch-all, last).
type domainRoutes struct {
	// multiLevel: some key has several segments. AWS then picks the
	// mapping with the longest matching prefix of the path, not only of
	// its first segment ("/ordersandmore" goes to "orders").
	multiLevel bool
	mappings   []domainMapping
}

type domainMapping struct {
	prefix string // "/" + apiMappingKey, or "" for the empty key
	api    *apiState
	st     *stageState
}

// route picks the mapping for a raw path and returns the path its stage
// sees: the mapping's key removed ("the incoming base path is stripped").
func (d *domainRoutes) route(raw string) (*domainMapping, string) {
	for i := range d.mappings {
		m := &d.mappings[i]
		if m.prefix == "" {
			return m, raw
		}
		if !strings.HasPrefix(raw, m.prefix) {
			continue
		}
		switch rest := raw[len(m.prefix):]; {
		case rest == "":
			return m, "/"
		case rest[0] == '/':
			return m, rest
		case d.multiLevel:
			return m, "/" + rest
		}
	}
	return nil, ""
}

// compileDomains resolves every domain's mappings to compiled stages;
// a mapping whose API or stage is gone is left out (its path answers as
// no mapping would).
func compileDomains(apis map[string]*apiState, a *apigw.Snapshot) map[string]*domainRoutes {
	out := make(map[string]*domainRoutes, len(a.Domains()))
	for name, d := range a.Domains() {
		dr := &domainRoutes{}
		for _, m := range d.Mappings {
			api := apis[m.ApiId]
			if api == nil {
				continue
			}
			st := api.named[m.Stage]
			if m.Stage == apigw.DefaultStageName {
				st = api.def
			}
			if st == nil {
				continue
			}
			prefix := ""
			if m.ApiMappingKey != "" {
				prefix = "/" + m.ApiMappingKey
			}
			dr.multiLevel = dr.multiLevel || strings.Contains(m.ApiMappingKey, "/")
			dr.mappings = append(dr.mappings, domainMapping{prefix: prefix, api: api, st: st})
		}
		sort.SliceStable(dr.mappings, func(i, j int) bool { return len(dr.mappings[i].prefix) > len(dr.mappings[j].prefix) })
		out[name] = dr
	}
	return out
}

type stageState struct {
	src    *apigw.StageState // reused while this is unchanged
	apiID  string
	name   string
	table  *router.Table[*routeState] // nil: nothing deployed
	vars   map[string]string
	log    *logTarget // nil: no access logging
	domain string
	// metrics are its routes' series (nil without metrics), which a
	// rebuild keeps while the stage is in a snapshot.
	metrics []*routeMetrics
}

type routeState struct {
	key   string
	integ *integrationState // nil: the route has no target
	// takesPreflight: an explicit OPTIONS route or $default, which receive
	// CORS preflights themselves; for any other route the gateway answers
	// them ("The $default route catches requests for all methods and routes
	// that you haven't explicitly defined, including OPTIONS requests").
	takesPreflight bool
	limiter        *rate.Limiter // the stage's throttling for the route, or nil
	auth           *routeAuth    // nil: authorizationType NONE
	m              *routeMetrics // nil: metrics off
	integID        string        // its integration's id, for traces
}

type integrationKind uint8

const (
	kindURL          integrationKind = iota + 1 // a public URL
	kindCloudMap                                // a Cloud Map service through a VPC link
	kindLoadBalancer                            // an ELB listener through a VPC link
	kindFail                                    // something Portolan cannot call: 500
)

type integrationState struct {
	kind     integrationKind
	method   string // "" passes the client's method through
	timeout  time.Duration
	mappings []mapping.RequestMapping
	queryMap bool // some mapping touches the query string
	pathMap  int  // index of the overwrite:path mapping, or -1
	// kindURL
	uri *uriTemplate
	// kindCloudMap and kindLoadBalancer: the index of the target in the
	// snapshot's targets or listeners
	target int
	// kindLoadBalancer with a tlsConfig: the https client that verifies
	// serverNameToVerify (nil: plain http)
	tls *http.Transport
	// kindFail: why, for $context.integrationErrorMessage
	reason string
}

// instanceSet is where one Cloud Map target can send traffic.
type instanceSet struct {
	svc   *cloudmap.ServiceState // the state it was built from
	pools []*upstream.Pool       // one per routable instance ("ip:port")
	// sent counts the requests sent to each instance (aligned with
	// pools; nil with metrics off).
	sent []*instanceMetrics
}

// pick returns a random instance ("API Gateway distributes requests across
// healthy resources that are returned from DiscoverInstances"), and
// counts the request it is picked for.
func (s *instanceSet) pick() (*upstream.Pool, bool) {
	var i int
	switch len(s.pools) {
	case 0:
		return nil, false
	case 1:
	default:
		i = rand.IntN(len(s.pools))
	}
	if s.sent != nil {
		s.sent[i].requests.Inc()
	}
	return s.pools[i], true
}

// targetKey is a Cloud Map service with its attribute filters.
type targetKey struct {
	serviceID string
	filters   map[string]string
}

// build makes the next snapshot. The routing part is rebuilt only when the
// API Gateway view changed, and per stage only when that stage or its
// deployment changed; the instance sets are rebuilt when Cloud Map changed,
// reusing every set whose service did not.
func (g *Gateway) build(prev *snapshot, a *apigw.Snapshot, c *cloudmap.Snapshot, lbRev int64) *snapshot {
	s := &snapshot{apiSrc: a, cmSrc: c, apigwRev: a.Revision, lbRev: lbRev}
	if c != nil {
		s.cloudMapRev = c.Revision
	}
	if prev != nil && prev.apiSrc == a {
		s.apis, s.byName, s.domains = prev.apis, prev.byName, prev.domains
	} else {
		s.apis = g.compileAPIs(prev, a)
		s.byName = make(map[string]*apiState, len(s.apis))
		for _, api := range s.apis {
			if o := s.byName[api.name]; o == nil || api.created > o.created || api.created == o.created && api.id > o.id {
				s.byName[api.name] = api
			}
		}
		s.domains = compileDomains(s.apis, a)
	}
	var old []*instanceSet
	if prev != nil {
		old = prev.targets
	}
	s.targets = make([]*instanceSet, len(g.targets))
	for i, k := range g.targets {
		var svc *cloudmap.ServiceState
		if c != nil {
			svc = c.Service(k.serviceID)
		}
		if i < len(old) && old[i].svc == svc && svc != nil {
			s.targets[i] = old[i]
			continue
		}
		s.targets[i] = g.resolve(svc, k.filters)
	}
	s.listeners = g.resolveListeners()
	return s
}

// resolve lists the instances a private integration may use: healthy ones
// when the service has a health check, any otherwise (DiscoverInstances
// ignores the health filter for such services), that match the target's
// attribute filters and carry an IPv4 address and a port, which API Gateway
// needs ("The registered resources' attributes must include IP addresses
// and ports").
func (g *Gateway) resolve(svc *cloudmap.ServiceState, filters map[string]string) *instanceSet {
	set := &instanceSet{svc: svc}
	if svc == nil {
		return set
	}
	candidates := svc.Instances
	if svc.HasHealthCheck() {
		candidates = svc.Healthy
	}
next:
	for _, in := range candidates {
		for k, v := range filters {
			if in.Attributes[k] != v {
				continue next
			}
		}
		if !in.IPv4.IsValid() || in.Port == 0 {
			continue
		}
		set.pools = append(set.pools, g.up.Pool(netip.AddrPortFrom(in.IPv4, in.Port).String()))
		if g.metrics != nil {
			set.sent = append(set.sent, g.metrics.instance(svc.Id, in.Id))
		}
	}
	return set
}

func (g *Gateway) compileAPIs(prev *snapshot, a *apigw.Snapshot) map[string]*apiState {
	cache := map[*apigw.StageState]*stageState{}
	// A compiled stage depends on its StageState and on which VPC links
	// exist; reuse it only while both are unchanged.
	if prev != nil && a.SameVpcLinks(prev.apiSrc) {
		for _, api := range prev.apis {
			if api.def != nil {
				cache[api.def.src] = api.def
			}
			for _, st := range api.named {
				cache[st.src] = st
			}
		}
	}
	out := make(map[string]*apiState)
	for _, api := range a.APIs() {
		as := &apiState{id: api.ApiId, name: api.Name, created: api.CreatedDate.Time().UnixNano(), disabled: api.DisableExecuteApiEndpoint, cors: compileCors(api.CorsConfiguration), named: map[string]*stageState{}}
		for name, st := range api.Stages {
			cs := cache[st]
			if cs == nil {
				cs = g.compileStage(a, api, st)
			}
			if name == apigw.DefaultStageName {
				as.def = cs
			} else {
				as.named[name] = cs
			}
		}
		out[api.ApiId] = as
	}
	return out
}

func (g *Gateway) compileStage(a *apigw.Snapshot, api *apigw.APIState, st *apigw.StageState) *stageState {
	cs := &stageState{src: st, apiID: api.ApiId, name: st.StageName, vars: st.StageVariables, domain: api.ApiId + g.domain}
	if st.AccessLogSettings != nil && st.AccessLogSettings.Format != "" {
		group, _ := apigw.LogGroupName(st.AccessLogSettings.DestinationArn)
		cs.log = &logTarget{format: compileLogFormat(st.AccessLogSettings.Format), dest: accesslog.Target{Group: group, Stream: api.ApiId + "_" + streamSafe(st.StageName)}}
	}
	if st.Config == nil {
		return cs
	}
	integs := map[string]*integrationState{}
	for i := range st.Config.Integrations {
		in := &st.Config.Integrations[i]
		integs[in.IntegrationId] = g.compileIntegration(a, in)
	}
	auths := g.compileAuthorizers(st.Config)
	var entries []router.Entry[*routeState]
	for _, r := range st.Config.Routes {
		key, err := router.ParseRouteKey(r.RouteKey)
		if err != nil {
			g.log.Warn("skipping route with an invalid key", "apiId", api.ApiId, "routeKey", r.RouteKey, "err", err)
			continue
		}
		rs := &routeState{
			key:            key.String(),
			takesPreflight: key.Default || key.Method == http.MethodOptions,
			limiter:        routeThrottle(st, r.RouteKey, g.account),
			auth:           forRoute(auths, r),
		}
		integID, ok := strings.CutPrefix(r.Target, "integrations/")
		if ok {
			rs.integ, rs.integID = integs[integID], integID
		}
		if rs.m = g.metrics.route(routeLabels{api.ApiId, st.StageName, rs.key, integID}, rs.auth != nil); rs.m != nil {
			cs.metrics = append(cs.metrics, rs.m)
		}
		entries = append(entries, router.Entry[*routeState]{Key: key, Value: rs})
	}
	// A stable order, so a (never expected) duplicate is reported the same
	// way every time.
	sort.Slice(entries, func(i, j int) bool { return entries[i].Key.String() < entries[j].Key.String() })
	table, err := router.Build(entries)
	if err != nil {
		g.log.Error("stage route table refused; the stage serves nothing", "apiId", api.ApiId, "stage", st.StageName, "err", err)
		return cs
	}
	cs.table = table
	return cs
}

// streamSafe makes a stage name usable in a log stream name ('$' is fine,
// ':' and '*' are not).
func streamSafe(s string) string { return strings.NewReplacer(":", "_", "*", "_").Replace(s) }

func (g *Gateway) compileIntegration(a *apigw.Snapshot, in *apigw.Integration) *integrationState {
	is := &integrationState{timeout: time.Duration(in.TimeoutInMillis) * time.Millisecond, pathMap: -1}
	if is.timeout <= 0 {
		is.timeout = 30 * time.Second
	}
	if in.IntegrationMethod != "" && in.IntegrationMethod != "ANY" {
		is.method = in.IntegrationMethod
	}
	fail := func(reason string) *integrationState {
		is.kind, is.reason = kindFail, reason
		return is
	}
	if in.IntegrationType != apigw.IntegrationHTTPProxy {
		return fail("integration type " + in.IntegrationType + " is not supported")
	}
	mappings, err := mapping.ParseRequestParameters(in.RequestParameters)
	if err != nil {
		return fail("invalid request parameters: " + err.Error())
	}
	is.mappings = mappings
	for i, m := range mappings {
		switch m.Location {
		case mapping.LocationQueryString:
			is.queryMap = true
		case mapping.LocationPath:
			is.pathMap = i
		}
	}
	switch in.ConnectionType {
	case apigw.ConnectionVpcLink:
		if a.VpcLink(in.ConnectionId) == nil {
			return fail("VPC link " + in.ConnectionId + " does not exist")
		}
		if apigw.IsELBListener(in.IntegrationUri) {
			is.kind, is.target = kindLoadBalancer, g.listenerID(in.IntegrationUri)
			if in.TlsConfig != nil {
				is.tls = g.tlsTransport(in.TlsConfig.ServerNameToVerify)
			}
			return is
		}
		svc, filters, ok := apigw.CloudMapService(in.IntegrationUri)
		if !ok {
			return fail("integration URI " + in.IntegrationUri + " is neither a Cloud Map service nor a load balancer listener")
		}
		is.kind, is.target = kindCloudMap, g.targetID(svc, filters)
	default:
		t, err := compileURI(in.IntegrationUri)
		if err != nil {
			return fail("invalid integration URI: " + err.Error())
		}
		if t.static && t.scheme == "http" {
			t.pool = g.up.Pool(withPort(t.host, "80"))
		}
		is.kind, is.uri = kindURL, t
	}
	return is
}

// targetID numbers a Cloud Map target, once per distinct target.
func (g *Gateway) targetID(svc string, filters map[string]string) int {
	keys := make([]string, 0, len(filters))
	for k := range filters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	id := svc
	for _, k := range keys {
		id += "\x00" + k + "=" + filters[k]
	}
	if n, ok := g.targetIDs[id]; ok {
		return n
	}
	n := len(g.targets)
	g.targetIDs[id] = n
	g.targets = append(g.targets, targetKey{serviceID: svc, filters: filters})
	return n
}

// uriTemplate is a public integration URI. A static one is split once;
// one with {path} or ${stageVariables.x} placeholders is rendered per
// request.
type uriTemplate struct {
	static       bool
	scheme, host string
	path         string // escaped; "" passes the request path through
	query        string
	pool         *upstream.Pool // static http:// URIs: the host's connections
	parts        []uriPart
}

type uriPart struct {
	kind byte // 'l' literal, 'p' path parameter, 's' stage variable
	text string
}

func compileURI(raw string) (*uriTemplate, error) {
	t := &uriTemplate{}
	for i := 0; i < len(raw); {
		switch {
		case strings.HasPrefix(raw[i:], "${stageVariables."):
			end := strings.IndexByte(raw[i:], '}')
			if end < 0 {
				return nil, errString("unterminated ${")
			}
			t.parts = append(t.parts, uriPart{'s', raw[i+len("${stageVariables.") : i+end]})
			i += end + 1
		case raw[i] == '{':
			end := strings.IndexByte(raw[i:], '}')
			if end < 0 {
				return nil, errString("unterminated {")
			}
			name := strings.TrimSuffix(raw[i+1:i+end], "+")
			t.parts = append(t.parts, uriPart{'p', name})
			i += end + 1
		default:
			j := i + 1
			for j < len(raw) && raw[j] != '{' && !strings.HasPrefix(raw[j:], "${") {
				j++
			}
			t.parts = append(t.parts, uriPart{'l', raw[i:j]})
			i = j
		}
	}
	if len(t.parts) <= 1 && (len(t.parts) == 0 || t.parts[0].kind == 'l') {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, err
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return nil, errString("not an http or https URL")
		}
		t.static, t.scheme, t.host, t.path, t.query = true, u.Scheme, u.Host, u.EscapedPath(), u.RawQuery
	}
	return t, nil
}

type errString string

func (e errString) Error() string { return string(e) }

// render resolves a dynamic URI for one request: path parameters are
// escaped (a greedy value keeps its slashes), stage variables are taken
// as written.
func (t *uriTemplate) render(ps *router.Params, vars map[string]string) (*url.URL, error) {
	var b strings.Builder
	for _, p := range t.parts {
		switch p.kind {
		case 'l':
			b.WriteString(p.text)
		case 's':
			b.WriteString(vars[p.text])
		case 'p':
			b.WriteString(escapePath(ps.Get(p.text)))
		}
	}
	u, err := url.Parse(b.String())
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, errString("integration URI " + strconv.Quote(b.String()) + " is not an http or https URL")
	}
	return u, nil
}

// escapePath escapes a decoded value for a URL path, keeping '/'.
func escapePath(v string) string {
	if !strings.ContainsFunc(v, func(r rune) bool { return !isPathSafe(r) }) {
		return v
	}
	parts := strings.Split(v, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

func isPathSafe(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-._~!$&'()*+,;=:@/", r)
}
