package dataplane

import "github.com/prometheus/client_golang/prometheus"

// RequestMetrics serves the load balancers' counters as Prometheus series,
// read at scrape time: the data plane keeps counting with atomic adds on
// counters its routes hold, and no label lookup. An Application Load
// Balancer counts requests per listener and target group (RequestCounts,
// the ones RequestCountPerTarget is made from) and per target; a Network
// Load Balancer counts connections per target (new ones and open ones).
// A listener is its address ("ip:port"), a target group its ARN, a target
// its "ip:port"; all are bounded by the configuration, and a target or
// group a listener stops forwarding to leaves with its counter.
type RequestMetrics struct{ Dataplane *Dataplane }

var (
	requestsDesc = prometheus.NewDesc("portolan_elb_requests_total",
		"Requests an Application Load Balancer listener forwarded to a target group, by the listener's address and the group's ARN.",
		[]string{"listener", "target_group"}, nil)
	targetRequestsDesc = prometheus.NewDesc("portolan_elb_target_requests_total",
		"Requests an Application Load Balancer listener sent to a target of a target group, by the listener's address, the group's ARN and the target's ip:port.",
		[]string{"listener", "target_group", "target"}, nil)
	newFlowsDesc = prometheus.NewDesc("portolan_elb_new_flows_total",
		"Connections a Network Load Balancer listener made to a target of a target group (NewFlowCount), by the listener's address, the group's ARN and the target's ip:port.",
		[]string{"listener", "target_group", "target"}, nil)
	activeFlowsDesc = prometheus.NewDesc("portolan_elb_active_flows",
		"Connections open through a Network Load Balancer listener to a target of a target group (ActiveFlowCount), labelled as portolan_elb_new_flows_total.",
		[]string{"listener", "target_group", "target"}, nil)
)

// Describe implements prometheus.Collector.
func (m RequestMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- requestsDesc
	ch <- targetRequestsDesc
	ch <- newFlowsDesc
	ch <- activeFlowsDesc
}

// Collect implements prometheus.Collector.
func (m RequestMetrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.Dataplane.RequestCounts() {
		ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.CounterValue, float64(c.Requests), c.Listener.String(), c.TargetGroup)
	}
	for _, c := range m.Dataplane.TargetRequestCounts() {
		ch <- prometheus.MustNewConstMetric(targetRequestsDesc, prometheus.CounterValue, float64(c.Requests), c.Listener.String(), c.TargetGroup, c.Target)
	}
	for _, c := range m.Dataplane.FlowCounts() {
		ch <- prometheus.MustNewConstMetric(newFlowsDesc, prometheus.CounterValue, float64(c.New), c.Listener.String(), c.TargetGroup, c.Target)
		ch <- prometheus.MustNewConstMetric(activeFlowsDesc, prometheus.GaugeValue, float64(c.Active), c.Listener.String(), c.TargetGroup, c.Target)
	}
}
