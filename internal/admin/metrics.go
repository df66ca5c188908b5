package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// GET /metrics on the api address serves the process's Prometheus
// registry (Config.Metrics): the series the gateway, the DNS server, the
// store and the ECS task follower keep as they work, and the gauges below,
// read from the same Status view `portolan status` prints at scrape time.

var (
	instancesDesc = prometheus.NewDesc("portolan_cloudmap_instances", "Cloud Map instances by namespace, service and health status.",
		[]string{"namespace", "service", "health"}, nil)
	desiredDesc = prometheus.NewDesc("portolan_ecs_service_desired_tasks", "An ECS service's desiredCount.",
		[]string{"cluster", "service"}, nil)
	runningDesc = prometheus.NewDesc("portolan_ecs_service_running_tasks", "An ECS service's runningCount.",
		[]string{"cluster", "service"}, nil)
	pendingDesc = prometheus.NewDesc("portolan_ecs_service_pending_tasks", "An ECS service's pendingCount.",
		[]string{"cluster", "service"}, nil)
	deploymentsDesc = prometheus.NewDesc("portolan_ecs_service_deployments", "Deployments in flight of an ECS service (more than one during a rolling update), labelled with the primary one's rolloutState.",
		[]string{"cluster", "service", "rollout_state"}, nil)
)

// statusCollector turns the status view into gauges at scrape time.
type statusCollector struct{ a *Admin }

func (c statusCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{instancesDesc, desiredDesc, runningDesc, pendingDesc, deploymentsDesc} {
		ch <- d
	}
}

func (c statusCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := c.a.Status(ctx)
	if err != nil {
		c.a.log.Warn("metrics: status", "err", err)
		return
	}
	for _, ns := range st.Namespaces {
		for _, svc := range ns.Services {
			byHealth := map[string]int{}
			for _, in := range svc.Instances {
				byHealth[in.Health]++
			}
			for h, n := range byHealth {
				ch <- prometheus.MustNewConstMetric(instancesDesc, prometheus.GaugeValue, float64(n), ns.Name, svc.Name, h)
			}
		}
	}
	for _, cl := range st.Clusters {
		for _, svc := range cl.Services {
			ch <- prometheus.MustNewConstMetric(desiredDesc, prometheus.GaugeValue, float64(svc.Desired), cl.Name, svc.Name)
			ch <- prometheus.MustNewConstMetric(runningDesc, prometheus.GaugeValue, float64(svc.Running), cl.Name, svc.Name)
			ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(svc.Pending), cl.Name, svc.Name)
			if svc.Rollout != "" {
				ch <- prometheus.MustNewConstMetric(deploymentsDesc, prometheus.GaugeValue, float64(svc.Deployments), cl.Name, svc.Name, svc.Rollout)
			}
		}
	}
}

// metricsHandler serves the registry and the status gauges (kept apart,
// so that the console can gather the registry's counters without building
// the status view).
func (a *Admin) metricsHandler(reg *prometheus.Registry) http.Handler {
	status := prometheus.NewPedanticRegistry()
	status.MustRegister(statusCollector{a})
	return promhttp.HandlerFor(prometheus.Gatherers{reg, status}, promhttp.HandlerOpts{ErrorLog: slogPrinter{a}})
}

// slogPrinter hands promhttp's errors to the admin logger.
type slogPrinter struct{ a *Admin }

func (p slogPrinter) Println(v ...any) { p.a.log.Warn("metrics", "err", v) }
