package dataplane_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portolan/portolan/internal/elbv2/elbv2test"
)

// An HTTPS listener terminates TLS with a certificate of its own for the
// load balancer's DNS name and address (there is no ACM: the certificate
// ARN it was given is kept and described); requests reach the target
// with X-Forwarded-Proto https; an HTTP listener's redirect to HTTPS
// lands there; the certificate survives a restart; and a listener
// modified back to HTTP serves plain HTTP on the same port.
func TestHTTPSListener(t *testing.T) {
	addresses := elbv2test.WithAddresses(netip.MustParsePrefix("127.0.130.0/24"))
	e := elbv2test.Start(t, addresses, elbv2test.WithDataplane())
	c, ctx := e.Client(), context.Background()
	lb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("secure"), Type: types.LoadBalancerTypeEnumApplication,
		Subnets: []string{"subnet-a", "subnet-b"}})
	if err != nil {
		t.Fatal(err)
	}
	lbArn, dnsName := aws.ToString(lb.LoadBalancers[0].LoadBalancerArn), aws.ToString(lb.LoadBalancers[0].DNSName)
	f := &albFixture{t: t, c: c, ctx: ctx}
	tg := f.group("web", map[string]string{}, httpBackend(t, "web", 0))
	httpPort, httpsPort := int32(18080), int32(18443)
	if os.Geteuid() == 0 {
		httpPort, httpsPort = 80, 443
	}
	certArn := "arn:aws:acm:us-east-1:000000000000:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	secure, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbArn), Protocol: types.ProtocolEnumHttps,
		Port: aws.Int32(httpsPort), Certificates: []types.Certificate{{CertificateArn: aws.String(certArn)}}, DefaultActions: []types.Action{forwardTo(tg)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbArn), Protocol: types.ProtocolEnumHttp,
		Port: aws.Int32(httpPort), DefaultActions: []types.Action{{Type: types.ActionTypeEnumRedirect, RedirectConfig: &types.RedirectActionConfig{
			StatusCode: types.RedirectActionStatusCodeEnumHttp301, Protocol: aws.String("HTTPS"), Port: aws.String(strconv.Itoa(int(httpsPort)))}}}}); err != nil {
		t.Fatal(err)
	}
	described, err := c.DescribeListeners(ctx, &elb.DescribeListenersInput{ListenerArns: []string{aws.ToString(secure.Listeners[0].ListenerArn)}})
	if err != nil || aws.ToString(described.Listeners[0].Certificates[0].CertificateArn) != certArn {
		t.Fatalf("described: %+v %v", described, err)
	}
	addr := e.Control.View().Snapshot().LoadBalancers[lbArn].Address
	// The target is still initial: the group fails open to it.
	if err := e.Dataplane.Sync(ctx); err != nil {
		t.Fatal(err)
	}

	cert := peerCertificate(t, net.JoinHostPort(addr, strconv.Itoa(int(httpsPort))))
	if !slices.Equal(cert.DNSNames, []string{dnsName}) || len(cert.IPAddresses) != 1 || cert.IPAddresses[0].String() != addr {
		t.Fatalf("the certificate names %v %v, want %s and %s", cert.DNSNames, cert.IPAddresses, dnsName, addr)
	}
	// A client that trusts the certificate reaches the target by the
	// load balancer's name, verified.
	client := trusting(cert, addr)
	url := "https://" + net.JoinHostPort(dnsName, strconv.Itoa(int(httpsPort))) + "/pets?x=1"
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "web" || resp.Header.Get("Seen-X-Forwarded-Proto") != "https" || resp.Header.Get("Seen-X-Forwarded-Port") != strconv.Itoa(int(httpsPort)) {
		t.Fatalf("through HTTPS: %q, forwarded proto %q port %q", body, resp.Header.Get("Seen-X-Forwarded-Proto"), resp.Header.Get("Seen-X-Forwarded-Port"))
	}
	// The HTTP listener's redirect, followed by the same client.
	resp, err = client.Get("http://" + net.JoinHostPort(dnsName, strconv.Itoa(int(httpPort))) + "/pets")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "web" || resp.Request.URL.Scheme != "https" {
		t.Fatalf("after the redirect to HTTPS: %q from %s", body, resp.Request.URL)
	}

	// The certificate is the listener's, kept in the store.
	e.Stop()
	e = elbv2test.Start(t, addresses, elbv2test.WithDataplane(), elbv2test.InDir(e.Dir))
	if err := e.Dataplane.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if again := peerCertificate(t, net.JoinHostPort(addr, strconv.Itoa(int(httpsPort)))); !bytes.Equal(again.Raw, cert.Raw) {
		t.Fatal("after a restart the listener serves another certificate")
	}

	if _, err := e.Client().ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: secure.Listeners[0].ListenerArn, Protocol: types.ProtocolEnumHttp}); err != nil {
		t.Fatal(err)
	}
	if err := e.Dataplane.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	resp, err = plain.Get("http://" + net.JoinHostPort(addr, strconv.Itoa(int(httpsPort))) + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Seen-X-Forwarded-Proto") != "http" {
		t.Fatalf("the listener modified to HTTP: %d, forwarded proto %q", resp.StatusCode, resp.Header.Get("Seen-X-Forwarded-Proto"))
	}
}

// peerCertificate is the certificate addr serves, taken without
// verifying it (the test then trusts exactly it).
func peerCertificate(t *testing.T, addr string) *x509.Certificate {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// trusting is a client that trusts cert alone and reaches every name at
// addr (curl --resolve).
func trusting(cert *x509.Certificate, addr string) *http.Client {
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots},
		DialContext: func(ctx context.Context, network, hostport string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(hostport)
			return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort(addr, port))
		},
	}}
}
