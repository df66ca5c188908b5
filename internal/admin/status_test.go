package admin

import (
	"testing"

	"github.com/portolan/portolan/internal/apigw"
)

// TestDescribeIntegration: a route's integration is shown by the names of
// what it reaches, falling back to ids where nothing has a name.
func TestDescribeIntegration(t *testing.T) {
	const svcARN = "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-1"
	links := map[string]string{"vl-1": "web"}
	discovery := map[string]string{svcARN: "hello.app.local"}
	cases := []struct {
		name string
		in   apigw.Integration
		want string
	}{
		{"VPC link to a Cloud Map service", apigw.Integration{ConnectionType: "VPC_LINK", ConnectionId: "vl-1", IntegrationUri: svcARN}, "VPC link web → hello.app.local"},
		{"unknown VPC link", apigw.Integration{ConnectionType: "VPC_LINK", ConnectionId: "vl-9", IntegrationUri: svcARN}, "VPC link vl-9 → hello.app.local"},
		{"internet", apigw.Integration{ConnectionType: "INTERNET", IntegrationUri: "https://example.com"}, "https://example.com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := describeIntegration(&tc.in, links, discovery); got != tc.want {
				t.Fatalf("describeIntegration = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestShortTaskDefinition(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:ecs:us-east-1:000000000000:task-definition/web:3": "web:3",
		"web:3": "web:3",
	} {
		if got := shortTaskDefinition(arn); got != want {
			t.Errorf("shortTaskDefinition(%q) = %q, want %q", arn, got, want)
		}
	}
}
