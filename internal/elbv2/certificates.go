package elbv2

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// There is no ACM here to hold the certificates an HTTPS listener names:
// their ARNs are accepted and kept, and each HTTPS listener gets a
// self-signed certificate of its own instead, for the load balancer's DNS
// name and address, made once and stored with the listener so that it
// stays the same across restarts (a client that trusted it once keeps
// trusting it).

// LocalCertificate is the certificate an HTTPS listener serves, PEM
// encoded. It is never on the wire: DescribeListeners shows the ARNs the
// listener was given.
type LocalCertificate struct {
	CertificatePEM, PrivateKeyPEM []byte
}

// localCertificateValidity: long enough to outlive any local setup.
const localCertificateValidity = 10 * 365 * 24 * time.Hour

// issueLocalCertificates gives each HTTPS listener of lb its certificate
// if it has none, and drops the certificate of a listener that is no
// longer HTTPS.
func (lb *loadBalancerRecord) issueLocalCertificates() error {
	for _, l := range lb.Listeners {
		switch {
		case deref(l.Protocol) != ProtocolHTTPS:
			l.LocalCertificate = nil
		case l.LocalCertificate == nil:
			cert, err := newLocalCertificate(lb.DNSName, lb.Address, time.Now())
			if err != nil {
				return fmt.Errorf("issue the certificate of listener %s: %w", l.ListenerArn, err)
			}
			l.LocalCertificate = cert
		}
	}
	return nil
}

// newLocalCertificate is a self-signed ECDSA P-256 certificate for name
// and, when it is one, the IP address addr.
func newLocalCertificate(name, addr string, now time.Time) (*LocalCertificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Organization: []string{"Portolan local load balancer"}},
		DNSNames:              []string{name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(localCertificateValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // so that a client can trust it as its own root
	}
	if ip := net.ParseIP(addr); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &LocalCertificate{
		CertificatePEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		PrivateKeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}, nil
}
