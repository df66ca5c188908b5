package terraform_test

import (
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
)

// inventory is what a destroy must return the account to: every
// resource the designs create, by kind.
func (p *plan) inventory() map[string][]string {
	p.t.Helper()
	inv := map[string][]string{}
	add := func(kind string, ids ...string) { inv[kind] = append(inv[kind], ids...) }
	e := ec2.NewFromConfig(p.cfg())
	for _, v := range must[*ec2.DescribeVpcsOutput](p, "DescribeVpcs")(e.DescribeVpcs(p.ctx, &ec2.DescribeVpcsInput{})).Vpcs {
		add("vpc", *v.VpcId)
	}
	for _, s := range must[*ec2.DescribeSubnetsOutput](p, "DescribeSubnets")(e.DescribeSubnets(p.ctx, &ec2.DescribeSubnetsInput{})).Subnets {
		add("subnet", *s.SubnetId)
	}
	for _, g := range must[*ec2.DescribeSecurityGroupsOutput](p, "DescribeSecurityGroups")(e.DescribeSecurityGroups(p.ctx, &ec2.DescribeSecurityGroupsInput{})).SecurityGroups {
		add("security group", *g.GroupId)
	}
	for _, g := range must[*ec2.DescribeInternetGatewaysOutput](p, "DescribeInternetGateways")(e.DescribeInternetGateways(p.ctx, &ec2.DescribeInternetGatewaysInput{})).InternetGateways {
		add("internet gateway", *g.InternetGatewayId)
	}
	for _, r := range must[*ec2.DescribeRouteTablesOutput](p, "DescribeRouteTables")(e.DescribeRouteTables(p.ctx, &ec2.DescribeRouteTablesInput{})).RouteTables {
		add("route table", *r.RouteTableId)
	}
	for _, r := range must[*iam.ListRolesOutput](p, "ListRoles")(iam.NewFromConfig(p.cfg()).ListRoles(p.ctx, &iam.ListRolesInput{})).Roles {
		add("role", *r.RoleName)
	}
	for _, n := range must[*sd.ListNamespacesOutput](p, "ListNamespaces")(sd.NewFromConfig(p.cfg()).ListNamespaces(p.ctx, &sd.ListNamespacesInput{})).Namespaces {
		add("namespace", *n.Id)
	}
	for _, s := range must[*sd.ListServicesOutput](p, "ListServices")(sd.NewFromConfig(p.cfg()).ListServices(p.ctx, &sd.ListServicesInput{})).Services {
		add("cloud map service", *s.Id)
	}
	c := ecs.NewFromConfig(p.cfg())
	add("cluster", must[*ecs.ListClustersOutput](p, "ListClusters")(c.ListClusters(p.ctx, &ecs.ListClustersInput{})).ClusterArns...)
	add("task definition", must[*ecs.ListTaskDefinitionsOutput](p, "ListTaskDefinitions")(c.ListTaskDefinitions(p.ctx, &ecs.ListTaskDefinitionsInput{})).TaskDefinitionArns...)
	for _, g := range must[*cloudwatchlogs.DescribeLogGroupsOutput](p, "DescribeLogGroups")(cloudwatchlogs.NewFromConfig(p.cfg()).DescribeLogGroups(p.ctx, &cloudwatchlogs.DescribeLogGroupsInput{})).LogGroups {
		add("log group", *g.LogGroupName)
	}
	for _, u := range must[*cognitoidentityprovider.ListUserPoolsOutput](p, "ListUserPools")(cognitoidentityprovider.NewFromConfig(p.cfg()).ListUserPools(p.ctx, &cognitoidentityprovider.ListUserPoolsInput{MaxResults: aws.Int32(60)})).UserPools {
		add("user pool", *u.Id)
	}
	gw := apigatewayv2.NewFromConfig(p.cfg())
	for _, a := range must[*apigatewayv2.GetApisOutput](p, "GetApis")(gw.GetApis(p.ctx, &apigatewayv2.GetApisInput{})).Items {
		add("api", *a.ApiId)
	}
	for _, l := range must[*apigatewayv2.GetVpcLinksOutput](p, "GetVpcLinks")(gw.GetVpcLinks(p.ctx, &apigatewayv2.GetVpcLinksInput{})).Items {
		add("vpc link", *l.VpcLinkId)
	}
	return inv
}

// destroyAll destroys and checks that nothing the plan made is left.
func (p *plan) destroyAll(before map[string][]string) {
	p.t.Helper()
	p.destroy()
	if after := p.inventory(); !reflect.DeepEqual(after, before) {
		p.t.Fatalf("destroy left something behind:\nbefore %v\nafter  %v", before, after)
	}
}

func logsPolicy(account string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:us-east-1:%s:log-group:/ecs/*"}]}`, account)
}

// taskAddress is the private address of a service's first RUNNING task.
func (p *plan) taskAddress(cluster, service string) string {
	c := ecs.NewFromConfig(p.cfg())
	arns := must[*ecs.ListTasksOutput](p, "ListTasks")(c.ListTasks(p.ctx, &ecs.ListTasksInput{Cluster: &cluster, ServiceName: &service})).TaskArns
	tasks := must[*ecs.DescribeTasksOutput](p, "DescribeTasks")(c.DescribeTasks(p.ctx, &ecs.DescribeTasksInput{Cluster: &cluster, Tasks: arns})).Tasks
	for _, t := range tasks {
		if aws.ToString(t.LastStatus) == "RUNNING" && len(t.Containers) > 0 && len(t.Containers[0].NetworkInterfaces) > 0 {
			return *t.Containers[0].NetworkInterfaces[0].PrivateIpv4Address
		}
	}
	p.t.Fatalf("no running task of %s", service)
	return ""
}

func (p *plan) get(url string, header http.Header) (int, string) {
	p.t.Helper()
	req, _ := http.NewRequestWithContext(p.ctx, "GET", url, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	if h := header.Get("Host"); h != "" {
		req.Host = h
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServiceDiscoveryDesign: the ECS service discovery design applied,
// refreshed with no change, serving (a task of myservice-a calls
// myservice-b by its Cloud Map DNS name), and destroyed to nothing.
func TestServiceDiscoveryDesign(t *testing.T) {
	p := newPlan(t, 4*time.Minute)
	app := runtimetest.BuildApp(t)
	before := p.inventory()

	account := p.callerIdentity()
	n := p.applyNetwork("discovery")
	role := p.applyRole("discovery-task", logsPolicy(account))
	p.applyLogGroup("/ecs/discovery")
	ns := p.applyNamespace("discovery.local", n.vpc)
	p.applyCluster("discovery")
	for _, name := range []string{"myservice-b", "myservice-a"} {
		reg := p.applyDiscoveryService(name, ns)
		td := p.applyTaskDefinition(name, role, "/ecs/discovery", app, map[string]string{"SERVICE_NAME": name,
			"DNS_SERVER": p.env.Server.DNSAddr(), "REQUEST_URLS": "http://myservice-b.discovery.local:8080/message"})
		p.applyService("discovery", name, td, reg, n)
	}

	// myservice-a reaches myservice-b by name.
	status, body := p.get("http://"+p.taskAddress("discovery", "myservice-a")+":8080/request", nil)
	if status != 200 || !strings.HasSuffix(strings.TrimSpace(body), "myservice-b") {
		t.Fatalf("myservice-a /request: %d %s", status, body)
	}
	p.refresh()
	p.destroyAll(before)
}
