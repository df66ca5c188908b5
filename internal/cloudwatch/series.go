package cloudwatch

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// metricStore holds every metric's datapoints in memory, for a bounded
// time (docs/compat.md): alarms and scaling read minutes of data, and a
// restart forgets the past as a fresh account has none.
type metricStore struct {
	retention time.Duration
	// maxPoints bounds one series however fast it is written.
	maxPoints int

	mu     sync.RWMutex
	series map[string]*series
}

type series struct {
	metric Metric
	points []point // by time
}

// point is one datum as published: already a statistic set (a single
// value is a set of one).
type point struct {
	t     time.Time
	unit  string
	stats StatisticSet
}

func newMetricStore(retention time.Duration, maxPoints int) *metricStore {
	return &metricStore{retention: retention, maxPoints: maxPoints, series: map[string]*series{}}
}

// add records one datum of metric.
func (m *metricStore) add(metric Metric, unit string, t time.Time, s StatisticSet) {
	key := seriesKey(metric.Namespace, metric.MetricName, metric.Dimensions)
	m.mu.Lock()
	defer m.mu.Unlock()
	ser := m.series[key]
	if ser == nil {
		metric.Dimensions = slices.Clone(metric.Dimensions)
		slices.SortFunc(metric.Dimensions, func(a, b Dimension) int { return strings.Compare(a.Name, b.Name) })
		ser = &series{metric: metric}
		m.series[key] = ser
	}
	p := point{t: t, unit: unit, stats: s}
	// Publishers write in time order; a late datum goes where it belongs.
	i := len(ser.points)
	for i > 0 && ser.points[i-1].t.After(t) {
		i--
	}
	ser.points = slices.Insert(ser.points, i, p)
	if len(ser.points) > m.maxPoints {
		// Drop the oldest tenth at once, so that a full series costs an
		// amortised constant per datum, not a shift of the whole series.
		ser.points = slices.Delete(ser.points, 0, len(ser.points)-m.maxPoints+m.maxPoints/10)
	}
}

// bucket is one period's aggregate of a series.
type bucket struct {
	start time.Time
	unit  string
	stats StatisticSet
}

// aggregate folds the datapoints of the series key with timestamps in
// [from, to) into periods of length period aligned on multiples of
// period, in time order; unit, if set, keeps only datapoints of that unit.
// Periods without data are left out.
func (m *metricStore) aggregate(key, unit string, from, to time.Time, period time.Duration) []bucket {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ser := m.series[key]
	if ser == nil {
		return nil
	}
	i, _ := slices.BinarySearchFunc(ser.points, from, func(p point, t time.Time) int { return p.t.Compare(t) })
	var out []bucket
	for _, p := range ser.points[i:] {
		if !p.t.Before(to) {
			break
		}
		if unit != "" && p.unit != unit {
			continue
		}
		start := p.t.Truncate(period)
		if n := len(out); n > 0 && out[n-1].start.Equal(start) {
			out[n-1].stats.add(p.stats)
			continue
		}
		out = append(out, bucket{start: start, unit: p.unit, stats: p.stats})
	}
	return out
}

// metrics returns every metric that matches, by namespace, name and
// dimensions (a metric matches a filter list when it has every filtered
// dimension, with the value if one is given), and with a datapoint since
// activeSince when that is set.
func (m *metricStore) metrics(namespace, name string, filters []DimensionFilter, activeSince time.Time) []Metric {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Metric
	for _, s := range m.series {
		if (namespace != "" && s.metric.Namespace != namespace) || (name != "" && s.metric.MetricName != name) {
			continue
		}
		if !matchesFilters(s.metric.Dimensions, filters) || len(s.points) == 0 {
			continue
		}
		if !activeSince.IsZero() && s.points[len(s.points)-1].t.Before(activeSince) {
			continue
		}
		out = append(out, s.metric)
	}
	slices.SortFunc(out, func(a, b Metric) int {
		return strings.Compare(seriesKey(a.Namespace, a.MetricName, a.Dimensions), seriesKey(b.Namespace, b.MetricName, b.Dimensions))
	})
	return out
}

func matchesFilters(dims []Dimension, filters []DimensionFilter) bool {
	for _, f := range filters {
		if !slices.ContainsFunc(dims, func(d Dimension) bool { return d.Name == f.Name && (f.Value == nil || *f.Value == d.Value) }) {
			return false
		}
	}
	return true
}

// prune forgets datapoints older than the retention, and series left
// empty.
func (m *metricStore) prune(now time.Time) {
	cutoff := now.Add(-m.retention)
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, s := range m.series {
		i, _ := slices.BinarySearchFunc(s.points, cutoff, func(p point, t time.Time) int { return p.t.Compare(t) })
		s.points = slices.Delete(s.points, 0, i)
		if len(s.points) == 0 {
			delete(m.series, k)
		}
	}
}
