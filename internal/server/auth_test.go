package server_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/smithy-go"

	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestSigV4 runs a server that requires credentials: the SDK's correctly
// signed request passes; a wrong secret or an unknown key is refused with
// AWS's error and nothing runs.
func TestSigV4(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) { c.AccessKeyID, c.SecretAccessKey = "AKIDPORTOLAN", "s3cret" })
	ctx := context.Background()
	if _, err := sd.NewFromConfig(env.AWS).ListNamespaces(ctx, &sd.ListNamespacesInput{}); err != nil {
		t.Fatalf("signed request refused: %v", err)
	}
	cases := []struct{ name, key, secret, code string }{
		{"wrong secret", "AKIDPORTOLAN", "wrong", "InvalidSignatureException"},
		{"unknown key", "AKIDNOBODY", "s3cret", "UnrecognizedClientException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := env.Server.StoreRevision()
			c := sd.NewFromConfig(servertest.Config(env.URL, tc.key, tc.secret))
			_, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: new(string)})
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tc.code {
				t.Fatalf("want %s, got %v", tc.code, err)
			}
			if env.Server.StoreRevision() != before {
				t.Fatal("refused request changed state")
			}
			// A restXml service answers in its own error shape, which the
			// SDK must read the code from.
			r := route53.NewFromConfig(servertest.Config(env.URL, tc.key, tc.secret))
			_, err = r.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("a.test"), CallerReference: aws.String("x")})
			if !errors.As(err, &api) || api.ErrorCode() != tc.code {
				t.Fatalf("route53: want %s, got %v", tc.code, err)
			}
			if env.Server.StoreRevision() != before {
				t.Fatal("refused request changed state")
			}
		})
	}
}

// TestRefusesOpenUnauthenticated checks the safety rule: no credentials and
// a non-loopback listener needs --insecure.
func TestRefusesOpenUnauthenticated(t *testing.T) {
	_, err := server.New(server.Config{DataDir: t.TempDir(), APIAddr: "0.0.0.0:0"}, nil)
	if err == nil {
		t.Fatal("server listened on 0.0.0.0 without credentials or --insecure")
	}
}
