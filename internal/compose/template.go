package compose

import (
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/compose-spec/compose-go/v2/types"
)

// Options are what the template needs to know of the server it runs on.
type Options struct {
	// Environment is added to every container's environment, under what
	// the compose file sets (up gives process-runtime tasks Portolan's
	// DNS address this way; they have no resolv.conf of their own).
	Environment map[string]string
}

// Namespace is the Cloud Map private DNS namespace the services are
// registered in: <service>.<Namespace> is a service's DNS name, and with
// Namespace as a search domain its compose name alone resolves.
func (p *Project) Namespace() string {
	return strings.ReplaceAll(p.Name, "_", "-") + ".local"
}

// Published is a service's port reached from the host.
type Published struct {
	Service string
	// API is the name of the HTTP API that serves it.
	API string
	// Addr is where the host reaches it: host_ip (default 127.0.0.1) and
	// the published port.
	Addr string
}

// Published lists the services' published ports, one per service at most.
func (p *Project) Published() []Published {
	var out []Published
	for _, name := range p.Services() {
		s := p.services[name]
		if len(s.Ports) == 0 || s.Ports[0].Published == "" {
			continue
		}
		host := s.Ports[0].HostIP
		if host == "" || host == "0.0.0.0" {
			// Portolan listens on loopback unless told otherwise; a
			// published port is for the developer's own machine.
			host = "127.0.0.1"
		}
		published, _, _ := strings.Cut(s.Ports[0].Published, "-") // a range: its first port
		out = append(out, Published{Service: name, API: p.Name + "-" + name, Addr: net.JoinHostPort(host, published)})
	}
	return out
}

// Template is the CloudFormation template (JSON) that runs the project.
func (p *Project) Template(o Options) ([]byte, error) {
	res := map[string]any{
		"Vpc": resource("AWS::EC2::VPC", map[string]any{"CidrBlock": "10.0.0.0/16"}),
		"Subnet": resource("AWS::EC2::Subnet", map[string]any{
			"VpcId": ref("Vpc"), "CidrBlock": "10.0.0.0/24",
			"AvailabilityZone": map[string]any{"Fn::Select": []any{0, map[string]any{"Fn::GetAZs": ""}}},
		}),
		"Namespace": resource("AWS::ServiceDiscovery::PrivateDnsNamespace", map[string]any{"Name": p.Namespace(), "Vpc": ref("Vpc")}),
		"Logs":      resource("AWS::Logs::LogGroup", map[string]any{"LogGroupName": "/compose/" + p.Name, "RetentionInDays": 1}),
		"Cluster":   resource("AWS::ECS::Cluster", map[string]any{"ClusterName": p.Name}),
	}
	outputs := map[string]any{}
	ids := p.logicalIDs()
	for _, n := range p.serviceNetworks() {
		res[networkID(n)] = resource("AWS::EC2::SecurityGroup", map[string]any{
			"GroupDescription": "compose network " + n, "VpcId": ref("Vpc"),
		})
	}
	published := map[string]Published{}
	for _, pub := range p.Published() {
		published[pub.Service] = pub
	}
	for _, name := range p.Services() {
		s, id := p.services[name], ids[name]
		td, err := p.taskDefinition(s, o)
		if err != nil {
			return nil, err
		}
		res[id+"TaskDefinition"] = td
		res[id+"Discovery"] = discovery(s)
		res[id+"Service"] = p.ecsService(s, id, ids)
		if pub, ok := published[name]; ok {
			if _, ok := res["VpcLink"]; !ok {
				res["VpcLink"] = resource("AWS::ApiGatewayV2::VpcLink", map[string]any{
					"Name": p.Name, "SubnetIds": []any{ref("Subnet")},
				})
			}
			httpAPI(res, id, pub)
			outputs[id+"Url"] = map[string]any{
				"Description": "service " + name + ", published on " + pub.Addr,
				"Value":       "curl http://" + pub.Addr + "/",
			}
		}
	}
	return json.MarshalIndent(map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              "compose project " + p.Name + " (portolan up --compose)",
		"Resources":                res,
		"Outputs":                  outputs,
	}, "", "  ")
}

func (p *Project) taskDefinition(s types.ServiceConfig, o Options) (map[string]any, error) {
	env := map[string]string{}
	for k, v := range o.Environment {
		env[k] = v
	}
	for k, v := range s.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	var envList []any
	for _, k := range sortedKeys(env) {
		envList = append(envList, map[string]any{"Name": k, "Value": env[k]})
	}
	container := map[string]any{
		"Name":        s.Name,
		"Image":       p.image(s),
		"Essential":   true,
		"Environment": envList,
		"LogConfiguration": map[string]any{"LogDriver": "awslogs", "Options": map[string]any{
			"awslogs-group": ref("Logs"), "awslogs-stream-prefix": s.Name, "awslogs-region": ref("AWS::Region"),
		}},
	}
	if len(s.Entrypoint) > 0 {
		container["EntryPoint"] = []string(s.Entrypoint)
	}
	if len(s.Command) > 0 {
		container["Command"] = []string(s.Command)
	}
	if s.WorkingDir != "" {
		container["WorkingDirectory"] = s.WorkingDir
	}
	ports, err := containerPorts(s)
	if err != nil {
		return nil, err
	}
	if len(ports) > 0 {
		var mappings []any
		for _, port := range ports {
			mappings = append(mappings, map[string]any{"ContainerPort": port, "Protocol": "tcp"})
		}
		container["PortMappings"] = mappings
	}
	if hc := healthCheck(s.HealthCheck); hc != nil {
		container["HealthCheck"] = hc
	}
	return resource("AWS::ECS::TaskDefinition", map[string]any{
		"Family":                  p.Name + "-" + s.Name,
		"Cpu":                     "256",
		"Memory":                  "512",
		"NetworkMode":             "awsvpc",
		"RequiresCompatibilities": []any{"FARGATE"},
		"ContainerDefinitions":    []any{container},
	}), nil
}

// containerPorts are a service's ports' targets then its exposed ports,
// each once, in the file's order.
func containerPorts(s types.ServiceConfig) ([]int, error) {
	var out []int
	for _, port := range s.Ports {
		if port.Protocol == "" || port.Protocol == "tcp" {
			out = append(out, int(port.Target))
		}
	}
	for _, e := range s.Expose {
		spec, proto, _ := strings.Cut(e, "/")
		if proto != "" && proto != "tcp" {
			continue
		}
		first, _, _ := strings.Cut(spec, "-")
		n, err := strconv.Atoi(first)
		if err != nil {
			return nil, fmt.Errorf("services.%s.expose: %q is not a port", s.Name, e)
		}
		out = append(out, n)
	}
	slices.Sort(out[min(1, len(out)):]) // the first stays first: it is the published one
	return slices.Compact(out), nil
}

// healthCheck is a compose healthcheck as ECS's; nil for none (or NONE).
func healthCheck(hc *types.HealthCheckConfig) map[string]any {
	if hc == nil || hc.Disable || len(hc.Test) == 0 || hc.Test[0] == "NONE" {
		return nil
	}
	out := map[string]any{"Command": []string(hc.Test)}
	seconds := func(key string, d *types.Duration) {
		if d != nil {
			out[key] = int((time.Duration(*d) + time.Second - 1) / time.Second)
		}
	}
	seconds("Interval", hc.Interval)
	seconds("Timeout", hc.Timeout)
	seconds("StartPeriod", hc.StartPeriod)
	if hc.Retries != nil {
		out["Retries"] = *hc.Retries
	}
	return out
}

// discovery is the Cloud Map service a compose service's tasks register
// in: A records for its name, SRV too when it has a port (an HTTP API's
// VPC link finds the port there).
func discovery(s types.ServiceConfig) map[string]any {
	records := []any{map[string]any{"Type": "A", "TTL": 10}}
	if ports, _ := containerPorts(s); len(ports) > 0 {
		records = append(records, map[string]any{"Type": "SRV", "TTL": 10})
	}
	return resource("AWS::ServiceDiscovery::Service", map[string]any{
		"Name":                    s.Name,
		"NamespaceId":             getAtt("Namespace", "Id"),
		"DnsConfig":               map[string]any{"RoutingPolicy": "MULTIVALUE", "DnsRecords": records},
		"HealthCheckCustomConfig": map[string]any{"FailureThreshold": 1},
	})
}

func (p *Project) ecsService(s types.ServiceConfig, id string, ids map[string]string) map[string]any {
	registry := map[string]any{"RegistryArn": getAtt(id+"Discovery", "Arn")}
	if ports, _ := containerPorts(s); len(ports) > 0 {
		registry["ContainerName"], registry["ContainerPort"] = s.Name, ports[0]
	}
	var groups []any
	for _, n := range networksOf(s) {
		groups = append(groups, getAtt(networkID(n), "GroupId"))
	}
	r := resource("AWS::ECS::Service", map[string]any{
		"ServiceName":    s.Name,
		"Cluster":        ref("Cluster"),
		"TaskDefinition": ref(id + "TaskDefinition"),
		"DesiredCount":   s.GetScale(),
		"LaunchType":     "FARGATE",
		"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": map[string]any{
			"Subnets": []any{ref("Subnet")}, "SecurityGroups": groups,
		}},
		"ServiceRegistries": []any{registry},
	})
	var deps []string
	for dep := range s.DependsOn {
		if depID, ok := ids[dep]; ok {
			deps = append(deps, depID+"Service")
		}
	}
	if len(deps) > 0 {
		slices.Sort(deps)
		r["DependsOn"] = deps
	}
	return r
}

// httpAPI adds the HTTP API that serves a published port: every request
// goes through the VPC link to the service's Cloud Map instances.
func httpAPI(res map[string]any, id string, pub Published) {
	res[id+"Api"] = resource("AWS::ApiGatewayV2::Api", map[string]any{"Name": pub.API, "ProtocolType": "HTTP"})
	res[id+"Integration"] = resource("AWS::ApiGatewayV2::Integration", map[string]any{
		"ApiId": ref(id + "Api"), "IntegrationType": "HTTP_PROXY", "IntegrationMethod": "ANY",
		"ConnectionType": "VPC_LINK", "ConnectionId": ref("VpcLink"),
		"IntegrationUri": getAtt(id+"Discovery", "Arn"), "PayloadFormatVersion": "1.0",
	})
	res[id+"Route"] = resource("AWS::ApiGatewayV2::Route", map[string]any{
		"ApiId": ref(id + "Api"), "RouteKey": "$default",
		"Target": map[string]any{"Fn::Sub": "integrations/${" + id + "Integration}"},
	})
	res[id+"Stage"] = resource("AWS::ApiGatewayV2::Stage", map[string]any{
		"ApiId": ref(id + "Api"), "StageName": "$default", "AutoDeploy": true,
	})
}

// networksOf is a service's networks; compose puts a service that names
// none on the project's default network.
func networksOf(s types.ServiceConfig) []string {
	if len(s.Networks) == 0 {
		return []string{"default"}
	}
	return sortedKeys(s.Networks)
}

func (p *Project) serviceNetworks() []string {
	var out []string
	for _, name := range p.Services() {
		out = append(out, networksOf(p.services[name])...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// logicalIDs names each service's resources: its name in CamelCase letters
// and digits, made unique with a number where two names spell the same.
func (p *Project) logicalIDs() map[string]string {
	ids, taken := map[string]string{}, map[string]bool{}
	for _, name := range p.Services() {
		id := camel(name)
		for i := 2; taken[id]; i++ {
			id = fmt.Sprintf("%s%d", camel(name), i)
		}
		ids[name], taken[id] = id, true
	}
	return ids
}

func networkID(n string) string { return "Network" + camel(n) }

// camel turns web-app_2 into WebApp2; a name starting with a digit gets an
// S first (a logical id starts with a letter).
func camel(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) || r > unicode.MaxASCII {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
		}
		b.WriteRune(r)
		up = false
	}
	out := b.String()
	if out == "" || unicode.IsDigit(rune(out[0])) {
		out = "S" + out
	}
	return out
}

func resource(typ string, props map[string]any) map[string]any {
	return map[string]any{"Type": typ, "Properties": props}
}

func ref(name string) map[string]any { return map[string]any{"Ref": name} }

func getAtt(name, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{name, attr}}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
