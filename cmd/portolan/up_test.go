package main

import "testing"

func TestLocalURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// CDK's REST API endpoint output, public and through a VPC endpoint.
		{"https://abc123.execute-api.us-east-1.amazonaws.com/prod/", "http://abc123.execute-api.localhost:8080/prod/"},
		{"https://abc123-vpce-0a1b2c3d4e5f60718.execute-api.eu-west-1.amazonaws.com/prod", "http://abc123-vpce-0a1b2c3d4e5f60718.execute-api.localhost:8080/prod"},
		{"https://abc123.execute-api.cn-north-1.amazonaws.com.cn/v1/pets?x=1", "http://abc123.execute-api.localhost:8080/v1/pets?x=1"},
		// Already local, or not API Gateway's: unchanged.
		{"http://abc123.execute-api.localhost:8080", "http://abc123.execute-api.localhost:8080"},
		{"https://example.com/prod", "https://example.com/prod"},
		{"https://execute-api.us-east-1.amazonaws.com/", "https://execute-api.us-east-1.amazonaws.com/"},
		{"https://abc.execute-api.us-east-1.example.com/", "https://abc.execute-api.us-east-1.example.com/"},
	} {
		if got := localURL(c.in, "127.0.0.1:8080"); got != c.want {
			t.Errorf("localURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
