// Command dns is bench/dns.sh's helper.
//
//	dns serve -api ADDR -dns ADDR -data DIR
//	    runs a Portolan server (`portolan server`), its DNS server on ADDR;
//	dns setup -endpoint URL -zone FILE -queries FILE [-services 10 -instances 5]
//	          [-route53 N -route53-zone FILE]
//	    registers the benchmark's services through the AWS SDK (the real
//	    API), and writes the equivalent zone file for NSD and Knot and the
//	    dnsperf query file; with -route53, also a Route 53 hosted zone of
//	    N record sets beside them (and its zone file), which the queries
//	    do not ask for: what they cost the Cloud Map answers is the point.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dns serve|setup [flags]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(ctx, os.Args[2:])
	case "setup":
		err = setup(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dns:", err)
		os.Exit(1)
	}
}

func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	api := fs.String("api", "127.0.0.1:4566", "AWS API address")
	dnsAddr := fs.String("dns", dns.DefaultAddr, "DNS address (UDP and TCP)")
	data := fs.String("data", ".portolan-bench", "data directory")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.Parse(args)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// The server's own DNS server, on the address asked for; the gateway
	// on any free port, so that the benchmark runs beside another Portolan.
	s, err := server.New(server.Config{DataDir: *data, APIAddr: *api, DNSAddr: *dnsAddr, GatewayAddr: "127.0.0.1:0", RegistryAddr: "127.0.0.1:0"}, log)
	if err != nil {
		return err
	}
	if err := s.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

func setup(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("setup", flag.ExitOnError)
	endpoint := fs.String("endpoint", "http://localhost:4566", "Cloud Map endpoint")
	zoneName := fs.String("namespace", "bench.local", "private DNS namespace to create")
	services := fs.Int("services", 10, "services: the first half A records, the second half SRV")
	instances := fs.Int("instances", 5, "instances per service")
	zoneFile := fs.String("zone", "bench.zone", "zone file to write for NSD and Knot")
	queryFile := fs.String("queries", "queries.txt", "dnsperf query file to write")
	r53Sets := fs.Int("route53", 0, "record sets of a Route 53 hosted zone to load beside the namespace")
	r53File := fs.String("route53-zone", "route53.zone", "zone file to write for the hosted zone")
	fs.Parse(args)
	if *r53Sets > 0 {
		if err := hostedZone(ctx, *endpoint, *r53Sets, *r53File); err != nil {
			return err
		}
	}

	c := sd.NewFromConfig(servertest.Config(*endpoint, "test", "test"))
	const ttl, soaTTL = 60, 60
	op, err := c.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: zoneName, Vpc: aws.String("vpc-bench"),
		Properties: &types.PrivateDnsNamespaceProperties{DnsProperties: &types.PrivateDnsPropertiesMutable{SOA: &types.SOA{TTL: aws.Int64(soaTTL)}}}})
	if err != nil {
		return err
	}
	got, err := c.GetOperation(ctx, &sd.GetOperationInput{OperationId: op.OperationId})
	if err != nil {
		return err
	}
	nsID := got.Operation.Targets["NAMESPACE"]

	// The same records, as Portolan publishes them, for the peers.
	var zone strings.Builder
	fmt.Fprintf(&zone, "$ORIGIN %s.\n@ %d IN SOA ns1.portolan.internal. hostmaster.%s. 1 7200 900 1209600 86400\n@ 172800 IN NS ns1.portolan.internal.\n", *zoneName, soaTTL, *zoneName)
	var aNames, srvNames, targets []string
	for s := range *services {
		name := fmt.Sprintf("svc%d", s)
		rt := types.RecordTypeA
		if s >= *services/2 {
			rt = types.RecordTypeSrv
		}
		out, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String(name), NamespaceId: aws.String(nsID),
			DnsConfig: &types.DnsConfig{RoutingPolicy: types.RoutingPolicyMultivalue, DnsRecords: []types.DnsRecord{{Type: rt, TTL: aws.Int64(ttl)}}}})
		if err != nil {
			return err
		}
		for i := range *instances {
			id, ip := fmt.Sprintf("i%d", i), fmt.Sprintf("10.%d.%d.%d", s, i/250, i%250+1)
			if _, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: out.Service.Id, InstanceId: aws.String(id),
				Attributes: map[string]string{"AWS_INSTANCE_IPV4": ip, "AWS_INSTANCE_PORT": "8080"}}); err != nil {
				return err
			}
			if rt == types.RecordTypeA {
				fmt.Fprintf(&zone, "%s %d IN A %s\n", name, ttl, ip)
			} else {
				fmt.Fprintf(&zone, "%s %d IN SRV 1 1 8080 %s.%s\n%s.%s %d IN A %s\n", name, ttl, id, name, id, name, ttl, ip)
				targets = append(targets, id+"."+name)
			}
		}
		if rt == types.RecordTypeA {
			aNames = append(aNames, name)
		} else {
			srvNames = append(srvNames, name)
		}
	}
	if err := os.WriteFile(*zoneFile, []byte(zone.String()), 0o644); err != nil {
		return err
	}

	// The query mix: 40% A at a service, 30% SRV (with the targets'
	// addresses in the additional section), 20% A at an SRV target, 10%
	// names that do not exist.
	r := rand.New(rand.NewPCG(1, 2))
	var q strings.Builder
	for range 10000 {
		switch n := r.IntN(10); {
		case n < 4:
			fmt.Fprintf(&q, "%s.%s A\n", aNames[r.IntN(len(aNames))], *zoneName)
		case n < 7:
			fmt.Fprintf(&q, "%s.%s SRV\n", srvNames[r.IntN(len(srvNames))], *zoneName)
		case n < 9:
			fmt.Fprintf(&q, "%s.%s A\n", targets[r.IntN(len(targets))], *zoneName)
		default:
			fmt.Fprintf(&q, "nx%d.%s A\n", r.IntN(1000), *zoneName)
		}
	}
	return os.WriteFile(*queryFile, []byte(q.String()), 0o644)
}

// hostedZone creates the private hosted zone r53.bench with n record sets
// (the SOA, the NS, and A sets h<i> of two addresses each) through the
// Route 53 API, and writes the same zone for the peers.
func hostedZone(ctx context.Context, endpoint string, n int, file string) error {
	c := route53.NewFromConfig(servertest.Config(endpoint, "test", "test"))
	zone, err := c.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("r53.bench"), CallerReference: aws.String("bench"),
		VPC: &r53types.VPC{VPCId: aws.String("vpc-bench"), VPCRegion: r53types.VPCRegionUsEast1}})
	if err != nil {
		return err
	}
	var text strings.Builder
	text.WriteString("$ORIGIN r53.bench.\n@ 900 IN SOA ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400\n")
	text.WriteString("@ 172800 IN NS ns-1536.awsdns-00.co.uk.\n")
	var changes []r53types.Change
	flush := func() error {
		if len(changes) == 0 {
			return nil
		}
		_, err := c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id,
			ChangeBatch: &r53types.ChangeBatch{Changes: changes}})
		changes = changes[:0]
		return err
	}
	for i := range n - 2 {
		a, b := fmt.Sprintf("10.%d.%d.1", 100+i/250, i%250), fmt.Sprintf("10.%d.%d.2", 100+i/250, i%250)
		changes = append(changes, r53types.Change{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: aws.String(fmt.Sprintf("h%d.r53.bench", i)), Type: r53types.RRTypeA, TTL: aws.Int64(300),
			ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(a)}, {Value: aws.String(b)}}}})
		fmt.Fprintf(&text, "h%d 300 IN A %s\nh%d 300 IN A %s\n", i, a, i, b)
		if len(changes) == 250 { // 500 records a batch, within the 1,000 limit
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return os.WriteFile(file, []byte(text.String()), 0o644)
}
