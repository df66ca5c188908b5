package logs

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// accessLine is about the size of a gateway access log line.
const accessLine = `203.0.113.7 - - [10/Oct/2025:13:55:36 +0000] "GET /api/v1/items/12345?expand=owner HTTP/1.1" 200 2326 "-" "curl/8.5.0" 0.004 req-2f9c1e`

// BenchmarkAppend measures lines a second through the in-process path into
// a bolt store, including the final flush: every line counted is durable.
func BenchmarkAppend(b *testing.B) {
	b.Run("Writer", func(b *testing.B) {
		env, w := benchWriter(b)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			w.Log(time.Time{}, accessLine)
		}
		if err := w.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		benchReportCommits(b, env)
	})
	b.Run("WriterParallel", func(b *testing.B) {
		env, w := benchWriter(b)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				w.Log(time.Time{}, accessLine)
			}
		})
		if err := w.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		benchReportCommits(b, env)
	})
	for _, batch := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("Append/batch=%d", batch), func(b *testing.B) {
			env := newTestEnv(b, Config{})
			ctx := context.Background()
			events := make([]Event, batch)
			for i := range events {
				events[i] = Event{Message: accessLine}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i += batch {
				if err := env.svc.Append(ctx, "/bench", "s", events[:min(batch, b.N-i)]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

func benchWriter(b *testing.B) (*testEnv, *Writer) {
	env := newTestEnv(b, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- env.svc.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	w, err := env.svc.NewWriter(ctx, "/bench", "gateway")
	if err != nil {
		b.Fatal(err)
	}
	return env, w
}

func benchReportCommits(b *testing.B, env *testEnv) {
	b.ReportMetric(float64(env.db.Revision()), "commits")
}
