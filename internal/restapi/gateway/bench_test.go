package gateway_test

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

// nullWriter is a ResponseWriter that keeps nothing, so the benchmarks
// measure the gateway and the upstream exchange, not a recorder.
type nullWriter struct {
	h      http.Header
	status int
}

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nullWriter) WriteHeader(s int)           { w.status = s }

// rawBackend answers every request on a connection with the same fixed
// response, allocating nothing per request.
func rawBackend(b *testing.B) *backend {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"pet\":\"dog\",\"id\":7}")
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					for {
						line, err := br.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(line) <= 2 {
							break
						}
					}
					if _, err := c.Write(resp); err != nil {
						return
					}
				}
			}()
		}
	}()
	return &backend{name: "raw", port: ln.Addr().(*net.TCPAddr).Port}
}

// BenchmarkServeHTTP is the whole request path in process: host, stage,
// resource match, the upstream exchange over loopback keep-alive (to the
// backend directly, or through a VPC link and the NLB's own data plane),
// and relaying the answer.
func BenchmarkServeHTTP(b *testing.B) {
	f := newFixture(b)
	raw := rawBackend(b)
	lbArn, dns := f.nlb("bench", 18081, raw)
	link := f.vpcLink("bench", lbArn)
	api, root := f.api("bench", false, "")
	pets := f.resource(api, root, "pets")
	id := f.resource(api, pets, "{id}")
	f.method(api, id, "GET", false, "", proxy("http://127.0.0.1:"+strconv.Itoa(raw.port)+"/pets/7"))
	px := f.resource(api, root, "{proxy+}")
	viaLink := proxy("http://" + dns + ":18081/{proxy}")
	viaLink.ConnectionType, viaLink.ConnectionId = agtypes.ConnectionTypeVpcLink, aws.String(link)
	f.method(api, px, "ANY", false, "", viaLink)
	f.deploy(api, "prod")
	for _, c := range []struct{ name, path string }{{"internet", "/prod/pets/7?x=1"}, {"vpc-link", "/prod/pets/7/toys?x=1"}} {
		b.Run(c.name, func(b *testing.B) {
			w := &nullWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				r, _ := http.NewRequest("GET", "http://"+f.host(api)+c.path, nil)
				r.RequestURI, r.RemoteAddr = c.path, "127.0.0.1:40000"
				r.Header.Set("User-Agent", "bench")
				clear(w.h)
				b.StartTimer()
				f.gw.ServeHTTP(w, r)
				if w.status != 200 {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}
