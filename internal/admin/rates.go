package admin

import (
	"math"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// The console's live request rates: read from the same counters GET
// /metrics serves (the gateway's per-route and per-instance counters,
// and the load balancers'), turned into requests per second on the
// server, over the last rateWindow, and pushed with each view.

// rateWindow is how far back a rate looks: long enough to smooth a
// bursty load, short enough that a stopped load shows 0 soon.
const rateWindow = 10 * time.Second

// ConsoleRates are requests per second over the last Window seconds.
type ConsoleRates struct {
	Window float64 `json:"window"`
	// Routes: HTTP API requests by "apiId routeKey" (the edges from an
	// API to its route and on through its integration and VPC link).
	Routes map[string]float64 `json:"routes"`
	// CloudMapServices: requests private integrations sent to a Cloud
	// Map service, by service id.
	CloudMapServices map[string]float64 `json:"cloudMapServices"`
	// Instances: the same by "serviceId/instanceId" (an ECS task's
	// instance id is its task id: the edge from the service to the task).
	Instances map[string]float64 `json:"instances"`
	// Listeners: requests an Application Load Balancer listener forwarded
	// to a target group, by "listenerAddress targetGroupArn".
	Listeners map[string]float64 `json:"listeners"`
	// Targets: the same per target, by "listenerAddress targetGroupArn
	// ip:port" (the edges from a group to its targets).
	Targets map[string]float64 `json:"targets"`
	// NewFlows: connections per second a Network Load Balancer listener
	// made to a target, keyed as Targets (a listener → group edge carries
	// the sum of its group's targets).
	NewFlows map[string]float64 `json:"newFlows"`
	// ActiveFlows: connections open through a Network Load Balancer
	// listener to a target now, keyed as Targets (a count, not a rate).
	ActiveFlows map[string]float64 `json:"activeFlows"`
	// RestMethods: REST API requests by "apiId resource method", every
	// stage together.
	RestMethods map[string]float64 `json:"restMethods"`
}

// counters is one reading of the counters the rates come from, keyed as
// the rates are, and of the gauges shown as they are.
type counters struct {
	at                                                          time.Time
	routes, cloudMapServices, instances, listeners, restMethods map[string]float64
	targets, newFlows                                           map[string]float64
	activeFlows                                                 map[string]float64 // a gauge
}

// readCounters gathers the registry's counters.
func (a *Admin) readCounters(now time.Time) counters {
	c := counters{at: now, routes: map[string]float64{}, cloudMapServices: map[string]float64{}, instances: map[string]float64{}, listeners: map[string]float64{}, restMethods: map[string]float64{},
		targets: map[string]float64{}, newFlows: map[string]float64{}, activeFlows: map[string]float64{}}
	if a.metrics == nil {
		return c
	}
	fams, err := a.metrics.Gather()
	if err != nil {
		a.log.Warn("console rates", "err", err)
	}
	for _, f := range fams {
		switch f.GetName() {
		case "portolan_gateway_requests_total":
			for _, m := range f.GetMetric() {
				l := labels(m)
				c.routes[l["api"]+" "+l["route"]] += m.GetCounter().GetValue()
			}
		case "portolan_gateway_instance_requests_total":
			for _, m := range f.GetMetric() {
				l := labels(m)
				c.cloudMapServices[l["cloudmap_service"]] += m.GetCounter().GetValue()
				c.instances[l["cloudmap_service"]+"/"+l["instance"]] += m.GetCounter().GetValue()
			}
		case "portolan_elb_requests_total":
			for _, m := range f.GetMetric() {
				l := labels(m)
				c.listeners[l["listener"]+" "+l["target_group"]] += m.GetCounter().GetValue()
			}
		case "portolan_elb_target_requests_total":
			addByTarget(c.targets, f)
		case "portolan_elb_new_flows_total":
			addByTarget(c.newFlows, f)
		case "portolan_elb_active_flows":
			addByTarget(c.activeFlows, f)
		case "portolan_restapi_requests_total":
			for _, m := range f.GetMetric() {
				l := labels(m)
				c.restMethods[l["api"]+" "+l["resource"]+" "+l["method"]] += m.GetCounter().GetValue()
			}
		}
	}
	return c
}

// addByTarget adds a load balancer target series (a counter or a gauge)
// into m by "listener targetGroup target".
func addByTarget(m map[string]float64, f *dto.MetricFamily) {
	for _, s := range f.GetMetric() {
		l := labels(s)
		m[l["listener"]+" "+l["target_group"]+" "+l["target"]] += s.GetCounter().GetValue() + s.GetGauge().GetValue()
	}
}

func labels(m *dto.Metric) map[string]string {
	out := make(map[string]string, len(m.GetLabel()))
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// rateMeter keeps one event stream's readings of the last window.
type rateMeter struct{ readings []counters }

// rates adds a reading and returns the rates since the oldest one still
// in the window (none at the first reading). A series that appeared in
// between counts from 0, as its counter did; one that went away is left
// out; a counter that went down (a restarted process) counts as 0.
func (m *rateMeter) rates(cur counters) *ConsoleRates {
	for len(m.readings) > 1 && cur.at.Sub(m.readings[1].at) >= rateWindow {
		m.readings = m.readings[1:]
	}
	m.readings = append(m.readings, cur)
	base := m.readings[0]
	dt := cur.at.Sub(base.at).Seconds()
	out := &ConsoleRates{Window: math.Round(dt*10) / 10, Routes: map[string]float64{}, CloudMapServices: map[string]float64{}, Instances: map[string]float64{}, Listeners: map[string]float64{}, RestMethods: map[string]float64{},
		Targets: map[string]float64{}, NewFlows: map[string]float64{}, ActiveFlows: map[string]float64{}}
	for k, v := range cur.activeFlows {
		out.ActiveFlows[k] = v // now, whatever the window
	}
	if dt <= 0 {
		return out
	}
	diff := func(now, before map[string]float64, into map[string]float64) {
		for k, v := range now {
			into[k] = math.Round(max(0, v-before[k])/dt*100) / 100
		}
	}
	diff(cur.routes, base.routes, out.Routes)
	diff(cur.cloudMapServices, base.cloudMapServices, out.CloudMapServices)
	diff(cur.instances, base.instances, out.Instances)
	diff(cur.listeners, base.listeners, out.Listeners)
	diff(cur.restMethods, base.restMethods, out.RestMethods)
	diff(cur.targets, base.targets, out.Targets)
	diff(cur.newFlows, base.newFlows, out.NewFlows)
	return out
}
