package template

import (
	"os"
	"testing"
)

// BenchmarkFixture measures a whole deploy's worth of engine work on the
// fixture: parse, plan, resolve every resource.
func BenchmarkFixture(b *testing.B) {
	data, err := os.ReadFile(fixture)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		tm, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		pl, err := tm.Plan(fixtureConfig)
		if err != nil {
			b.Fatal(err)
		}
		r := pl.NewResolver()
		for _, res := range pl.Resources {
			if _, err := r.ResolveProperties(res.LogicalID); err != nil {
				b.Fatal(err)
			}
			c := fixtureCreated[res.LogicalID]
			if err := r.Record(res.LogicalID, c.physical, c.attrs); err != nil {
				b.Fatal(err)
			}
		}
	}
}
