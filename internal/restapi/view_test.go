package restapi

import (
	"fmt"
	"testing"

	"github.com/portolan/portolan/internal/store"
)

// BenchmarkViewRebuild measures what every write costs the data plane's
// view: one changed stage among 50 APIs of 100 resources and 2 stages
// each, applied and built into a new Snapshot (unchanged stages reused).
func BenchmarkViewRebuild(b *testing.B) {
	bld := newViewBuilder()
	put := func(key string, v any) {
		bld.Apply(store.Event{Type: store.EventPut, KV: store.KV{Key: key, Value: store.JSON(v)}})
	}
	for a := range 50 {
		api := fmt.Sprintf("api%07d", a)
		rec := &apiRecord{RestApi: RestApi{Id: api, Name: api}, Resources: map[string]*Resource{}}
		cfg := &DeploymentConfig{}
		for r := range 100 {
			res := &Resource{Id: fmt.Sprintf("r%05d", r), Path: fmt.Sprintf("/p%d", r), ResourceMethods: map[string]*Method{
				"GET": {HttpMethod: "GET", AuthorizationType: AuthorizationNone, MethodIntegration: &Integration{Type: IntegrationHTTPProxy, Uri: "http://nlb:80/", TimeoutInMillis: 29000}}}}
			rec.Resources[res.Id] = res
			cfg.Resources = append(cfg.Resources, res)
		}
		put(apiKey(api), rec)
		put(deployCfgKey(api, "d1"), cfg)
		put(stageKey(api, "prod"), &Stage{StageName: "prod", DeploymentId: "d1"})
		put(stageKey(api, "beta"), &Stage{StageName: "beta", DeploymentId: "d1"})
	}
	snap := bld.Build(nil, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		put(stageKey("api0000007", "beta"), &Stage{StageName: "beta", DeploymentId: "d1", Variables: map[string]string{"n": fmt.Sprint(i)}})
		snap = bld.Build(snap, int64(i+2))
	}
	if snap.API("api0000007").Stages["beta"].Variables["n"] != fmt.Sprint(b.N-1) {
		b.Fatal("the rebuilt snapshot misses the change")
	}
}
