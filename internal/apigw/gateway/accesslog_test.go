package gateway

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLogFormat(t *testing.T) {
	r := httptest.NewRequest("GET", "http://x.execute-api.localhost/prod/pets/1", nil)
	r.RemoteAddr = "10.0.0.1:5555"
	r.Header.Set("User-Agent", "ua")
	rq := &request{id: "WSg1ihmdliAEJXA=", start: time.Date(2020, 4, 8, 22, 11, 37, 0, time.UTC), rawPath: "/prod/pets/1",
		st: &stageState{apiID: "abc", name: "prod"}, status: 200, respLen: 12, route: &routeState{key: "GET /pets/{id}"}}
	for _, tc := range []struct{ format, want string }{
		{"$context.requestId $context.status", "WSg1ihmdliAEJXA= 200"},
		{"[$context.requestTime] $context.identity.sourceIp", "[08/Apr/2020:22:11:37 +0000] 10.0.0.1"},
		{`{"k":"$context.unknownThing","e":"$context.integrationErrorMessage"}`, `{"k":"-","e":"-"}`},
		{"$context.routeKey.", "GET /pets/{id}."},
		{"$context.", "-"},
		{"no variables", "no variables"},
		{"$context.requestTimeEpoch", "1586383897000"},
		{"$context.stage/$context.apiId$context.path", "prod/abc/prod/pets/1"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			l := newAccessLogger(nil, nil, nil)
			rq.st.log = &logTarget{format: compileLogFormat(tc.format)}
			l.record(rq, r, "000000000000")
			if got, _ := l.w.Next(); got != tc.want {
				t.Fatalf("%q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzLogFormat: any format compiles and renders, and literal text
// survives unchanged.
func FuzzLogFormat(f *testing.F) {
	for _, s := range []string{"$context.requestId", `{"a":"$context.status"}`, "$context.", "$$context.x.y.", "$context.identity.sourceIp$context.path"} {
		f.Add(s)
	}
	r := httptest.NewRequest("GET", "http://x/", nil)
	f.Fuzz(func(t *testing.T, format string) {
		l := newAccessLogger(nil, nil, nil)
		rq := &request{st: &stageState{log: &logTarget{format: compileLogFormat(format)}}}
		l.record(rq, r, "0")
		line, _ := l.w.Next()
		if !strings.Contains(format, "$context.") && line != format {
			t.Fatalf("%q rendered %q", format, line)
		}
	})
}
