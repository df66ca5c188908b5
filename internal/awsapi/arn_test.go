package awsapi

import "testing"

func TestParseARN(t *testing.T) {
	for _, tc := range []struct {
		in       string
		ok       bool
		service  string
		resource string
	}{
		{"arn:aws:ecs:us-east-1:000000000000:task-definition/web:3", true, "ecs", "task-definition/web:3"},
		{"arn:aws:servicediscovery:us-east-1:000000000000:service/srv-1", true, "servicediscovery", "service/srv-1"},
		{"arn:aws:iam::000000000000:role/a/b", true, "iam", "role/a/b"},
		{"arn:aws:logs:us-east-1:0:log-group:/ecs/x:*", true, "logs", "log-group:/ecs/x:*"},
		{"arn:aws:ecs:us-east-1:0", false, "", ""},
		{"srv-1", false, "", ""},
		{"arn::ecs:r:a:x", false, "", ""},
		{"", false, "", ""},
	} {
		a, ok := ParseARN(tc.in)
		if ok != tc.ok || a.Service != tc.service || a.Resource != tc.resource {
			t.Errorf("ParseARN(%q) = %+v, %v", tc.in, a, ok)
		}
		if ok && a.String() != tc.in {
			t.Errorf("ParseARN(%q).String() = %q", tc.in, a.String())
		}
	}
}

func TestResourceOf(t *testing.T) {
	for _, tc := range []struct {
		in, service, typ, want string
		ok                     bool
	}{
		{"arn:aws:ecs:us-east-1:0:task/default/abc", "ecs", "task", "default/abc", true},
		{"arn:aws:ecs:us-east-1:0:task/default/abc", "ecs", "service", "", false},
		{"arn:aws:apigateway:us-east-1:0:task/default/abc", "ecs", "task", "", false},
		{"arn:aws:ecs:us-east-1:0:cluster", "ecs", "cluster", "", false},
		{"default", "ecs", "cluster", "", false},
	} {
		got, ok := ResourceOf(tc.in, tc.service, tc.typ)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ResourceOf(%q, %q, %q) = %q, %v", tc.in, tc.service, tc.typ, got, ok)
		}
	}
	if got := IAMRoleARN("123456789012", "ecsTaskRole"); got != "arn:aws:iam::123456789012:role/ecsTaskRole" {
		t.Errorf("IAMRoleARN = %q", got)
	}
	if got := AccountRootARN("123456789012"); got != "arn:aws:iam::123456789012:root" {
		t.Errorf("AccountRootARN = %q", got)
	}
}

func FuzzParseARN(f *testing.F) {
	for _, s := range []string{"arn:aws:ecs:us-east-1:0:task/a/b", "arn:aws:iam::0:root", "arn:", "::::::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := ParseARN(s)
		if ok && a.String() != s {
			t.Fatalf("%q parsed to %+v, which prints as %q", s, a, a.String())
		}
	})
}

func TestIsServiceARN(t *testing.T) {
	for _, tc := range []struct {
		in, service string
		want        bool
	}{
		{"arn:aws:logs:us-east-1:0:log-group:/ecs/x:*", "logs", true},
		{"arn:aws:logs:us-east-1", "logs", true},
		{"arn:aws:logs:", "logs", true},
		{"arn:aws:logs", "logs", false},
		{"arn:aws:logsx:us-east-1:0:x", "logs", false},
		{"arn:aws-cn:logs:cn-north-1:0:log-group:x", "logs", false},
		{"arn:aws:ecs:us-east-1:0:cluster/default", "logs", false},
		{"/ecs/x", "logs", false},
	} {
		if got := IsServiceARN(tc.in, tc.service); got != tc.want {
			t.Errorf("IsServiceARN(%q, %q) = %v", tc.in, tc.service, got)
		}
	}
}
