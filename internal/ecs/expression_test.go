package ecs

import "testing"

func TestExpression(t *testing.T) {
	attrs := map[string]string{"ecs.availability-zone": "us-east-1b", "ecs.os-type": "linux", "portolan.node-name": "worker-2"}
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{"attribute:ecs.availability-zone == us-east-1b", true},
		{"attribute:ecs.availability-zone equals us-east-1a", false},
		{"attribute:ecs.availability-zone != us-east-1a", true},
		{"attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", true},
		{"attribute:ecs.availability-zone not_in [us-east-1a,us-east-1b]", false},
		{"attribute:ecs.os-type exists", true},
		{"attribute:gpu !exists", true},
		{"attribute:gpu == 'yes'", false},
		{"ec2InstanceId =~ worker-.*", true},
		{"ec2InstanceId !~ worker-.*", false},
		{"attribute:ecs.os-type == linux and not(attribute:portolan.node-name == worker-2)", false},
		{"attribute:ecs.os-type == windows or attribute:portolan.node-name == \"worker-2\"", true},
		{"(attribute:ecs.os-type == windows || attribute:ecs.os-type == linux) && attribute:ecs.availability-zone == us-east-1b", true},
	} {
		e, err := parseExpression(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := e.match(attrs); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.expr, got, tc.want)
		}
	}
	for _, bad := range []string{"", "attribute:", "zone == a", "attribute:x ==", "attribute:x in [a", "attribute:x in a]", "attribute:x =~ (", "(attribute:x exists", "attribute:x exists and", "attribute:x == a b"} {
		if _, err := parseExpression(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// FuzzExpression: the cluster query language comes from clients (memberOf
// constraints, ListContainerInstances' filter): any input parses or is
// refused, never panics, and what parses evaluates.
func FuzzExpression(f *testing.F) {
	for _, s := range []string{"attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", "ec2InstanceId =~ w.*", "not(attribute:a exists) or (attribute:b == 'c')", "((((", "attribute:x in [,]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseExpression(s)
		if err == nil {
			e.match(map[string]string{"a": "b", "ecs.availability-zone": "us-east-1a"})
		}
	})
}
