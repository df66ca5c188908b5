package runtime

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestHealthCheckCommand(t *testing.T) {
	tests := []struct {
		in      []string
		want    []string
		invalid bool
	}{
		{in: []string{"CMD", "/app", "health"}, want: []string{"/app", "health"}},
		{in: []string{"CMD-SHELL", "curl -f http://localhost/ || exit 1"}, want: []string{"/bin/sh", "-c", "curl -f http://localhost/ || exit 1"}},
		{in: []string{"CMD-SHELL", "curl", "-f"}, want: []string{"/bin/sh", "-c", "curl -f"}},
		{in: []string{"CMD"}, invalid: true},
		{in: nil, invalid: true},
		{in: []string{"NONE", "x"}, invalid: true},
		{in: []string{"/app", "health"}, invalid: true},
	}
	for _, tt := range tests {
		got, err := HealthCheckCommand(tt.in)
		var inv *InvalidSpecError
		if tt.invalid {
			if !errors.As(err, &inv) {
				t.Errorf("HealthCheckCommand(%q) error = %v, want *InvalidSpecError", tt.in, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("HealthCheckCommand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		field string
	}{
		{name: "ok", err: TaskSpec{TaskID: "0123456789abcdef0123456789abcdef", Cluster: "default"}.Validate()},
		{name: "task path", err: TaskSpec{TaskID: "../etc", Cluster: "default"}.Validate(), field: "taskId"},
		{name: "task empty", err: TaskSpec{Cluster: "default"}.Validate(), field: "taskId"},
		{name: "cluster", err: TaskSpec{TaskID: "t1", Cluster: "a/b"}.Validate(), field: "cluster"},
		{name: "container ok", err: ContainerSpec{Name: "web_1-a", PortMappings: []PortMapping{{ContainerPort: 8080}, {ContainerPort: 53, Protocol: "udp"}}}.Validate()},
		{name: "container name", err: ContainerSpec{Name: "web.1"}.Validate(), field: "name"},
		{name: "container long", err: ContainerSpec{Name: strings.Repeat("a", 256)}.Validate(), field: "name"},
		{name: "port", err: ContainerSpec{Name: "web", PortMappings: []PortMapping{{ContainerPort: 0}}}.Validate(), field: "portMappings.containerPort"},
		{name: "protocol", err: ContainerSpec{Name: "web", PortMappings: []PortMapping{{ContainerPort: 80, Protocol: "sctp"}}}.Validate(), field: "portMappings.protocol"},
	}
	for _, tt := range tests {
		var inv *InvalidSpecError
		switch {
		case tt.field == "" && tt.err != nil:
			t.Errorf("%s: unexpected error %v", tt.name, tt.err)
		case tt.field != "" && (!errors.As(tt.err, &inv) || inv.Field != tt.field):
			t.Errorf("%s: error = %v, want invalid %s", tt.name, tt.err, tt.field)
		}
	}
}

func TestSubnetValidate(t *testing.T) {
	p := netip.MustParsePrefix
	ok := Subnet{ID: "subnet-0a", VpcID: "vpc-0a", CIDR: p("10.0.1.0/24"), VpcCIDR: p("10.0.0.0/16")}
	tests := []struct {
		name   string
		mutate func(*Subnet)
		field  string
	}{
		{"valid", func(*Subnet) {}, ""},
		{"unset", func(s *Subnet) { *s = Subnet{} }, ""},
		{"bad id", func(s *Subnet) { s.ID = "subnet/../x" }, "subnet.id"},
		{"no VPC", func(s *Subnet) { s.VpcID = "" }, "subnet.vpcId"},
		{"no VPC block", func(s *Subnet) { s.VpcCIDR = netip.Prefix{} }, "subnet.vpcCidr"},
		{"IPv6 VPC block", func(s *Subnet) { s.VpcCIDR = p("fd00::/56") }, "subnet.vpcCidr"},
		{"outside the VPC", func(s *Subnet) { s.CIDR = p("10.1.1.0/24") }, "subnet.cidr"},
		{"larger than the VPC", func(s *Subnet) { s.CIDR = p("10.0.0.0/8") }, "subnet.cidr"},
	}
	for _, tt := range tests {
		s := ok
		tt.mutate(&s)
		err := TaskSpec{TaskID: "t1", Cluster: "c", Subnet: s}.Validate()
		var inv *InvalidSpecError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.field != "" && (!errors.As(err, &inv) || inv.Field != tt.field):
			t.Errorf("%s: %v, want an invalid %s", tt.name, err, tt.field)
		}
	}
}
