package main

import (
	"flag"
	"io"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/server"
)

// parseServerFlags declares the server's flags on a fresh set and parses
// args, with the environment cleared of every PORTOLAN_* variable the set
// reads except those in env, so the developer's own shell cannot leak in.
func parseServerFlags(t *testing.T, args []string, env map[string]string) (server.Config, error) {
	t.Helper()
	var cfg server.Config
	fs := flag.NewFlagSet("portolan server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	serverFlags(fs, &cfg)
	names := []string{"PORTOLAN_CONFIG"}
	fs.VisitAll(func(f *flag.Flag) {
		names = append(names, "PORTOLAN_"+strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")))
	})
	for _, n := range names {
		t.Setenv(n, "") // restores the variable after the test
		os.Unsetenv(n)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	err := parseFlags(fs, args)
	return cfg, err
}

// settings are the fields of server.Config under test, in a comparable struct.
type settings struct {
	DataDir, APIAddr, Region, AccountID, AccessKeyID, SecretAccessKey string
	Insecure                                                          bool
}

func settingsOf(c server.Config) settings {
	return settings{c.DataDir, c.APIAddr, c.Region, c.AccountID, c.AccessKeyID, c.SecretAccessKey, c.Insecure}
}

// writeConfig writes a config file named name in a fresh directory.
func writeConfig(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestParseFlagsPrecedence checks that each setting comes from the first
// source that has it: the command line, then PORTOLAN_<FLAG>, then the
// --config file (YAML or JSON), then the default.
func TestParseFlagsPrecedence(t *testing.T) {
	const yamlFile = `data-dir: /from/file
api: 127.0.0.1:1111
region: eu-file-1
account: "111111111111"
access-key-id: AKIDFILE
secret-access-key: file-secret
insecure: true
health-check-interval: 30s
`
	const jsonFile = `{"data-dir": "/from/json", "api": "127.0.0.1:2222", "region": "eu-json-1",
 "account": "222222222222", "access-key-id": "AKIDJSON", "secret-access-key": "json-secret"}`
	defaults := server.Config{DataDir: ".portolan", APIAddr: "127.0.0.1:4566", Region: "us-east-1", AccountID: "000000000000"}
	fromFile := server.Config{DataDir: "/from/file", APIAddr: "127.0.0.1:1111", Region: "eu-file-1", AccountID: "111111111111",
		AccessKeyID: "AKIDFILE", SecretAccessKey: "file-secret", Insecure: true}
	cases := []struct {
		name   string
		file   string // config file content, if any ("{" first: JSON)
		viaEnv bool   // name the file in PORTOLAN_CONFIG rather than --config
		args   []string
		env    map[string]string
		want   server.Config
	}{
		{name: "defaults", want: defaults},
		{name: "yaml file", file: yamlFile, want: fromFile},
		{name: "json file", file: jsonFile, want: server.Config{DataDir: "/from/json", APIAddr: "127.0.0.1:2222", Region: "eu-json-1",
			AccountID: "222222222222", AccessKeyID: "AKIDJSON", SecretAccessKey: "json-secret"}},
		{name: "file named by PORTOLAN_CONFIG", file: yamlFile, viaEnv: true, want: fromFile},
		{name: "environment over file", file: yamlFile,
			env: map[string]string{"PORTOLAN_API": "127.0.0.1:3333", "PORTOLAN_REGION": "eu-env-1",
				"PORTOLAN_ACCESS_KEY_ID": "AKIDENV", "PORTOLAN_SECRET_ACCESS_KEY": "env-secret"},
			want: server.Config{DataDir: "/from/file", APIAddr: "127.0.0.1:3333", Region: "eu-env-1", AccountID: "111111111111",
				AccessKeyID: "AKIDENV", SecretAccessKey: "env-secret", Insecure: true}},
		{name: "environment over default",
			env:  map[string]string{"PORTOLAN_DATA_DIR": "/from/env", "PORTOLAN_ACCOUNT": "333333333333"},
			want: server.Config{DataDir: "/from/env", APIAddr: "127.0.0.1:4566", Region: "us-east-1", AccountID: "333333333333"}},
		{name: "flag over environment and file", file: yamlFile,
			args: []string{"--data-dir", "/from/flag", "--region", "eu-flag-1", "--access-key-id", "AKIDFLAG", "--insecure=false"},
			env:  map[string]string{"PORTOLAN_REGION": "eu-env-1", "PORTOLAN_DATA_DIR": "/from/env", "PORTOLAN_ACCOUNT": "444444444444"},
			want: server.Config{DataDir: "/from/flag", APIAddr: "127.0.0.1:1111", Region: "eu-flag-1", AccountID: "444444444444",
				AccessKeyID: "AKIDFLAG", SecretAccessKey: "file-secret"}},
		// A flag given with its default value still wins: precedence is by
		// whether the user said it, not by whether it differs.
		{name: "flag equal to its default", file: yamlFile,
			args: []string{"--region", "us-east-1", "--api", "127.0.0.1:4566"},
			env:  map[string]string{"PORTOLAN_REGION": "eu-env-1"},
			want: server.Config{DataDir: "/from/file", APIAddr: "127.0.0.1:4566", Region: "us-east-1", AccountID: "111111111111",
				AccessKeyID: "AKIDFILE", SecretAccessKey: "file-secret", Insecure: true}},
		// Unquoted values that YAML would read as numbers are taken as written.
		{name: "numbers as written", file: "account: 012345678901\nsecret-access-key: 0x1F\naccess-key-id: 123_456\n",
			want: server.Config{DataDir: ".portolan", APIAddr: "127.0.0.1:4566", Region: "us-east-1", AccountID: "012345678901",
				AccessKeyID: "123_456", SecretAccessKey: "0x1F"}},
		{name: "--config over PORTOLAN_CONFIG", file: yamlFile,
			env:  map[string]string{"PORTOLAN_CONFIG": "/does/not/exist.yaml"},
			want: fromFile},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args, env := tc.args, map[string]string{}
			for k, v := range tc.env {
				env[k] = v
			}
			if tc.file != "" {
				name := "portolan.yaml"
				if strings.HasPrefix(tc.file, "{") {
					name = "portolan.json"
				}
				path := writeConfig(t, name, tc.file)
				if tc.viaEnv {
					env["PORTOLAN_CONFIG"] = path
				} else {
					args = append([]string{"--config", path}, args...)
				}
			}
			got, err := parseServerFlags(t, args, env)
			if err != nil {
				t.Fatalf("parseFlags: %v", err)
			}
			if settingsOf(got) != settingsOf(tc.want) {
				t.Fatalf("parsed\n %+v\nwant\n %+v", settingsOf(got), settingsOf(tc.want))
			}
		})
	}
	// A duration from the file goes through the flag's own parser.
	cfg, err := parseServerFlags(t, []string{"--config", writeConfig(t, "portolan.yaml", yamlFile)}, nil)
	if err != nil || cfg.HealthCheckInterval != 30*time.Second {
		t.Fatalf("health-check-interval from file = %v (%v), want 30s", cfg.HealthCheckInterval, err)
	}
}

// TestParseFlagsErrors checks that a config file or environment variable
// that cannot be used stops the server with an error naming the culprit,
// rather than starting with a default the user did not ask for.
func TestParseFlagsErrors(t *testing.T) {
	cases := []struct {
		name string
		file string // written to portolan.yaml and passed as --config
		args []string
		env  map[string]string
		want []string // substrings of the error; "$CONFIG" is the file's path
	}{
		{name: "missing file", args: []string{"--config", "/does/not/exist.yaml"},
			want: []string{"/does/not/exist.yaml", "no such file"}},
		{name: "missing file from PORTOLAN_CONFIG", env: map[string]string{"PORTOLAN_CONFIG": "/does/not/exist.yaml"},
			want: []string{"/does/not/exist.yaml"}},
		{name: "not YAML", file: "region: [eu-west-1\n", want: []string{"config $CONFIG:"}},
		{name: "not a mapping", file: "- region\n- eu-west-1\n", want: []string{"config $CONFIG:"}},
		{name: "unknown setting", file: "region: eu-west-1\ndatadir: /tmp/x\n", want: []string{"config $CONFIG:", `unknown setting "datadir"`}},
		{name: "bad value in file", file: "health-check-interval: soon\n", want: []string{"config $CONFIG:", `"soon"`, "health-check-interval"}},
		{name: "a list in file", file: "bind-api: [a=127.0.0.1:9000]\n", want: []string{"config $CONFIG:", "bind-api", "comma-separated"}},
		{name: "bad value in environment", env: map[string]string{"PORTOLAN_INSECURE": "maybe"}, want: []string{`"maybe"`, "PORTOLAN_INSECURE"}},
		{name: "load balancer range not a range", args: []string{"--lb-addresses", "127.0.100.1"}, want: []string{"lb-addresses", "IPv4 range"}},
		{name: "load balancer range IPv6", env: map[string]string{"PORTOLAN_LB_ADDRESSES": "fd00::/64"}, want: []string{"PORTOLAN_LB_ADDRESSES", "IPv4 range"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args, path := tc.args, ""
			if tc.file != "" {
				path = writeConfig(t, "portolan.yaml", tc.file)
				args = append([]string{"--config", path}, args...)
			}
			_, err := parseServerFlags(t, args, tc.env)
			if err == nil {
				t.Fatal("parseFlags accepted it")
			}
			for _, w := range tc.want {
				if w = strings.ReplaceAll(w, "$CONFIG", path); !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestLoadBalancerAddressesFlag(t *testing.T) {
	cfg, err := parseServerFlags(t, nil, nil)
	if err != nil || cfg.LoadBalancerAddresses != elbv2.DefaultAddresses {
		t.Fatalf("default %v, %v; want %v", cfg.LoadBalancerAddresses, err, elbv2.DefaultAddresses)
	}
	cfg, err = parseServerFlags(t, []string{"--lb-addresses", "127.0.200.7/24"}, nil)
	if want := netip.MustParsePrefix("127.0.200.0/24"); err != nil || cfg.LoadBalancerAddresses != want {
		t.Fatalf("--lb-addresses gave %v, %v; want %v", cfg.LoadBalancerAddresses, err, want)
	}
}

// TestImageFlag: --image maps image names for every stack, given again or
// comma-separated (the form a config file's single value takes), and from
// PORTOLAN_IMAGE.
func TestImageFlag(t *testing.T) {
	cfg, err := parseServerFlags(t, []string{"--image", "app=/bin/app", "--image", "web=./web,api=img/api:1"}, nil)
	want := map[string]string{"app": "/bin/app", "web": "./web", "api": "img/api:1"}
	if err != nil || !maps.Equal(cfg.Images, want) {
		t.Fatalf("--image gave %v, %v; want %v", cfg.Images, err, want)
	}
	cfg, err = parseServerFlags(t, nil, map[string]string{"PORTOLAN_IMAGE": "app=/x"})
	if err != nil || cfg.Images["app"] != "/x" {
		t.Fatalf("PORTOLAN_IMAGE gave %v, %v", cfg.Images, err)
	}
	if _, err := parseServerFlags(t, []string{"--image", "app"}, nil); err == nil {
		t.Fatal("--image app (no =REF) accepted")
	}
}
