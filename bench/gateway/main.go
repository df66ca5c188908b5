// Command gateway is the Portolan side of bench/gateway.sh, in two modes.
//
//	gateway -mode backend -addr 127.0.0.1:0
//
// is the tiny backend both proxies forward to: it answers every request
// with a short fixed body, counts the connections it accepts, and reports
// the count at /__conns (the script reads it before and after each run).
//
//	gateway -mode gateway -addr 127.0.0.1:0 -backend 127.0.0.1:PORT
//
// wires a store, Cloud Map, the apigw control plane and the gateway in one
// process (as internal/server will), then configures through the Go APIs
// what a user would: an HTTP API, a VPC link, a Cloud Map service with the
// backend registered as its instance (AWS_INSTANCE_IPV4/PORT), a private
// integration, the routes ANY /{proxy+} and GET /pets/{id}, and an
// auto-deploying $default stage. Each mode prints "ready <addr> <host>" once
// it serves; the host is the Host header that selects the API.
package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portolan/portolan/internal/apigw"
	"github.com/portolan/portolan/internal/apigw/gateway"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/cognito"
	"github.com/portolan/portolan/internal/store"
)

func main() {
	mode := flag.String("mode", "gateway", "backend or gateway")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	backend := flag.String("backend", "", "gateway mode: the backend's ip:port")
	dataDir := flag.String("data", "", "gateway mode: state directory (default: a temp dir)")
	accessLog := flag.Bool("access-log", false, "gateway mode: configure an access log (written to /dev/null and no log group)")
	withJWT := flag.Bool("jwt", false, "gateway mode: put GET /pets/{id} behind a JWT authorizer whose issuer runs in-process; prints \"token <jwt>\" before ready")
	withMetrics := flag.Bool("metrics", false, "gateway mode: register the gateway's Prometheus series, as the server does")
	withCognito := flag.Bool("cognito", false, "gateway mode: as -jwt, with a Cognito user pool in-process as the issuer (its keys read directly, as the server does); prints \"token <ID token>\"")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch *mode {
	case "backend":
		err = runBackend(ctx, *addr)
	case "gateway":
		err = runGateway(ctx, *addr, *backend, *dataDir, gatewayOptions{accessLog: *accessLog, jwt: *withJWT, cognito: *withCognito, metrics: *withMetrics})
	default:
		err = fmt.Errorf("unknown mode %q", *mode)
	}
	if err != nil {
		pprof.StopCPUProfile()
		log.Fatal(err)
	}
}

// echoChunk is what /echo answers with, repeated.
var echoChunk = bytes.Repeat([]byte("x"), 64<<10)

func runBackend(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	var conns atomic.Int64
	body := []byte(`{"pet":"dog","id":7}`)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/__conns" {
				fmt.Fprint(w, conns.Load())
				return
			}
			if r.URL.Path == "/echo" {
				// bench/bodies.sh: as many bytes back as the request
				// body had, sent once it is read (as most backends
				// answer; a proxy that does not read the answer while it
				// sends the body would stall on a full-duplex echo).
				n, _ := io.Copy(io.Discard, r.Body)
				w.Header()["Content-Length"] = []string{strconv.FormatInt(n, 10)}
				for n > 0 {
					m, err := w.Write(echoChunk[:min(n, int64(len(echoChunk)))])
					if err != nil {
						return
					}
					n -= int64(m)
				}
				return
			}
			h := w.Header()
			h["Content-Type"] = []string{"application/json"}
			h["Content-Length"] = []string{strconv.Itoa(len(body))}
			w.Write(body)
		}),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		},
	}
	go func() { <-ctx.Done(); srv.Close() }()
	fmt.Printf("ready %s -\n", ln.Addr())
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// gatewayOptions are what the gateway mode turns on.
type gatewayOptions struct{ accessLog, jwt, cognito, metrics bool }

func runGateway(ctx context.Context, addr, backend, dataDir string, o gatewayOptions) error {
	accessLog, withJWT, withCognito := o.accessLog, o.jwt, o.cognito
	if dataDir == "" {
		d, err := os.MkdirTemp("", "portolan-gw-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dataDir = d
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return err
	}
	st, err := store.OpenBolt(filepath.Join(dataDir, "state.db"), store.BoltOptions{})
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cm := cloudmap.New(cloudmap.Config{Region: "us-east-1", AccountID: "000000000000", Store: st, Logger: logger})
	api := apigw.New(apigw.Config{Region: "us-east-1", AccountID: "000000000000", Store: st, Logger: logger,
		Endpoint: "http://{apiId}." + gateway.DefaultDomain + ":" + port})
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	// The account-level limit (10,000/s) is off: the benchmark measures the
	// gateway, not AWS's quota.
	gwCfg := gateway.Config{APIs: api.View(), CloudMap: cm.View(), AccountID: "000000000000", AccessLog: devNull, Logger: logger,
		AccountThrottle: gateway.Throttle{Rate: -1}}
	cg := cognito.New(cognito.Config{Region: "us-east-1", AccountID: "000000000000", Store: st, Logger: logger})
	if withCognito {
		gwCfg.LocalKeys = cg
	}
	if o.metrics {
		gwCfg.Metrics = prometheus.NewRegistry()
	}
	gw := gateway.New(gwCfg)
	var idp *issuer
	if withJWT {
		if idp, err = startIssuer(ctx); err != nil {
			return err
		}
	}

	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return cm.Run(ctx) })
	g.Go(func() error { return api.Run(ctx) })
	g.Go(func() error { return cg.Run(ctx) })
	g.Go(func() error { return gw.Run(ctx) })
	g.Go(func() error { return gw.Serve(ctx, ln) })
	g.Go(func() error {
		if withCognito {
			var err error
			if idp, err = cognitoIssuer(ctx, cg); err != nil {
				return err
			}
		}
		id, err := configure(ctx, cm, api, backend, accessLog, idp)
		if err != nil {
			return err
		}
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := gw.Sync(sctx); err != nil {
			return err
		}
		if idp != nil {
			fmt.Printf("token %s\n", idp.token)
		}
		fmt.Printf("ready %s %s.%s\n", ln.Addr(), id, gateway.DefaultDomain)
		<-ctx.Done()
		fmt.Fprintf(os.Stderr, "gateway: %d upstream dials\n", gw.UpstreamDials())
		return nil
	})
	err = g.Wait()
	if err == context.Canceled {
		err = nil
	}
	return err
}

// configure sets up the API through the services' Go APIs and returns its id.
func configure(ctx context.Context, cm *cloudmap.Control, api *apigw.Control, backend string, accessLog bool, idp *issuer) (string, error) {
	host, port, err := net.SplitHostPort(backend)
	if err != nil {
		return "", fmt.Errorf("-backend: %w", err)
	}
	op, err := cm.CreateHttpNamespace(ctx, &cloudmap.CreateHttpNamespaceInput{Name: "bench"})
	if err != nil {
		return "", err
	}
	got, err := cm.GetOperation(ctx, &cloudmap.GetOperationInput{OperationId: op.OperationId})
	if err != nil {
		return "", err
	}
	svc, err := cm.CreateService(ctx, &cloudmap.CreateServiceInput{Name: "pets", NamespaceId: got.Operation.Targets["NAMESPACE"]})
	if err != nil {
		return "", err
	}
	if _, err := cm.RegisterInstance(ctx, &cloudmap.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: "i-1",
		Attributes: map[string]string{cloudmap.AttrIPv4: host, cloudmap.AttrPort: port}}); err != nil {
		return "", err
	}
	s := func(v string) *string { return &v }
	a, err := api.CreateApi(ctx, &apigw.CreateApiInput{Name: s("bench"), ProtocolType: s(apigw.ProtocolHTTP)})
	if err != nil {
		return "", err
	}
	link, err := api.CreateVpcLink(ctx, &apigw.CreateVpcLinkInput{Name: s("bench"), SubnetIds: []string{"subnet-1"}})
	if err != nil {
		return "", err
	}
	integ, err := api.CreateIntegration(ctx, &apigw.CreateIntegrationInput{ApiId: a.ApiId, IntegrationType: s(apigw.IntegrationHTTPProxy),
		ConnectionType: s(apigw.ConnectionVpcLink), ConnectionId: &link.VpcLinkId, IntegrationUri: &svc.Service.Arn,
		IntegrationMethod: s("ANY"), PayloadFormatVersion: s("1.0")})
	if err != nil {
		return "", err
	}
	var authorizerID *string
	if idp != nil {
		auth, err := api.CreateAuthorizer(ctx, &apigw.CreateAuthorizerInput{ApiId: a.ApiId, Name: s("bench"), AuthorizerType: s(apigw.AuthorizerJWT),
			IdentitySource: []string{"$request.header.Authorization"}, JwtConfiguration: &apigw.JWTConfiguration{Issuer: idp.url, Audience: []string{idp.audience}}})
		if err != nil {
			return "", err
		}
		authorizerID = &auth.AuthorizerId
	}
	for _, key := range []string{"ANY /{proxy+}", "GET /pets/{id}"} {
		in := &apigw.CreateRouteInput{ApiId: a.ApiId, RouteKey: s(key), Target: s("integrations/" + integ.IntegrationId)}
		if authorizerID != nil {
			in.AuthorizationType, in.AuthorizerId = s(apigw.AuthorizationJWT), authorizerID
		}
		if _, err := api.CreateRoute(ctx, in); err != nil {
			return "", err
		}
	}
	stage := &apigw.CreateStageInput{ApiId: a.ApiId, StageName: s(apigw.DefaultStageName), AutoDeploy: new(bool)}
	*stage.AutoDeploy = true
	if accessLog {
		stage.AccessLogSettings = &apigw.AccessLogSettings{DestinationArn: "arn:aws:logs:us-east-1:000000000000:log-group:bench",
			Format: `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","routeKey":"$context.routeKey","status":"$context.status","responseLength":"$context.responseLength","integrationLatency":"$context.integrationLatency"}`}
	}
	if _, err := api.CreateStage(ctx, stage); err != nil {
		return "", err
	}
	return a.ApiId, nil
}
