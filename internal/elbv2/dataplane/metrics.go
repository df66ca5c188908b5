package dataplane

import "github.com/prometheus/client_golang/prometheus"

// RequestMetrics serves the application load balancers' request counters
// (RequestCounts, the ones RequestCountPerTarget is made from) as a
// Prometheus counter, read at scrape time: the data plane keeps counting
// with one atomic add and no label lookup. The listener is its address
// ("ip:port"), the target group its ARN; both are bounded by the
// configuration, and a group a listener stops forwarding to leaves with
// its counter.
type RequestMetrics struct{ Dataplane *Dataplane }

var requestsDesc = prometheus.NewDesc("portolan_elb_requests_total",
	"Requests an Application Load Balancer listener forwarded to a target group, by the listener's address and the group's ARN.",
	[]string{"listener", "target_group"}, nil)

// Describe implements prometheus.Collector.
func (m RequestMetrics) Describe(ch chan<- *prometheus.Desc) { ch <- requestsDesc }

// Collect implements prometheus.Collector.
func (m RequestMetrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.Dataplane.RequestCounts() {
		ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.CounterValue, float64(c.Requests), c.Listener.String(), c.TargetGroup)
	}
}
