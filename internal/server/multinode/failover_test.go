package multinode_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	ecsctl "github.com/portolan/portolan/internal/ecs"
)

func nodeID(name string) string { return ecsctl.NodeID(name) }

// leaderLossMidDeployment starts a rolling deployment, kills the leading
// server as soon as the deployment has begun to replace tasks, and waits
// for the other server to finish it: 6 tasks of the new revision, one
// COMPLETED deployment.
func (c *cluster) leaderLossMidDeployment() {
	t, ctx := c.t, context.Background()
	lead := leader(t, c.etcd)
	var leading, other *node
	for _, s := range c.servers {
		if s.name == lead {
			leading = s
		} else {
			other = s
		}
	}
	if leading == nil {
		t.Fatalf("the controller is %q, not a server", lead)
	}
	td := c.registerTaskDefinition(other, "v2")
	if _, err := c.ecs(other).UpdateService(ctx, &ecs.UpdateServiceInput{Service: aws.String("web"), TaskDefinition: aws.String(td),
		DeploymentConfiguration: &ecstypes.DeploymentConfiguration{MinimumHealthyPercent: aws.Int32(50), MaximumPercent: aws.Int32(100)}}); err != nil {
		t.Fatal(err)
	}
	// Mid-way: some tasks of the new revision exist, not all of them run.
	waitFor(t, "the deployment under way", 60*time.Second, func() (bool, string) {
		n := c.tasksOf(other, td)
		return n > 0, fmt.Sprintf("%d tasks of the new revision", n)
	})
	leading.kill()
	t.Logf("killed %s, the controller, mid-deployment", leading.name)
	waitFor(t, "the deployment finished by "+other.name, 120*time.Second, func() (bool, string) {
		out, err := c.ecs(other).DescribeServices(ctx, &ecs.DescribeServicesInput{Services: []string{"web"}})
		if err != nil || len(out.Services) != 1 {
			return false, fmt.Sprint(err)
		}
		s := out.Services[0]
		if len(s.Deployments) != 1 || s.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted || aws.ToString(s.Deployments[0].TaskDefinition) != td {
			return false, fmt.Sprintf("%d deployments, running %d", len(s.Deployments), s.RunningCount)
		}
		return s.RunningCount == 6, fmt.Sprintf("running %d", s.RunningCount)
	})
	c.waitRunning(other, 6, nil)
	if got := leader(t, c.etcd); got != other.name {
		t.Fatalf("controller after the loss: %s", got)
	}
	c.servers = []*node{other}
}

// tasksOf counts the live tasks of a task definition.
func (c *cluster) tasksOf(n *node, td string) int {
	ctx := context.Background()
	list, err := c.ecs(n).ListTasks(ctx, &ecs.ListTasksInput{DesiredStatus: ecstypes.DesiredStatusRunning})
	if err != nil || len(list.TaskArns) == 0 {
		return 0
	}
	out, err := c.ecs(n).DescribeTasks(ctx, &ecs.DescribeTasksInput{Tasks: list.TaskArns})
	if err != nil {
		return 0
	}
	k := 0
	for _, task := range out.Tasks {
		if aws.ToString(task.TaskDefinitionArn) == td {
			k++
		}
	}
	return k
}

// drain sets a node DRAINING and waits until its tasks have moved: 6 run,
// none on it, and it reports no running or pending task.
func (c *cluster) drain(a *node) {
	t, ctx := c.t, context.Background()
	s := c.servers[0]
	out, err := c.ecs(s).UpdateContainerInstancesState(ctx, &ecs.UpdateContainerInstancesStateInput{
		ContainerInstances: []string{nodeID(a.name)}, Status: ecstypes.ContainerInstanceStatusDraining})
	if err != nil || len(out.ContainerInstances) != 1 || aws.ToString(out.ContainerInstances[0].Status) != "DRAINING" {
		t.Fatalf("drain %s: %+v %v", a.name, out, err)
	}
	c.waitRunning(s, 6, func(byNode map[string][]string) bool { return len(byNode[a.name]) == 0 })
	waitFor(t, a.name+" empty", 30*time.Second, func() (bool, string) {
		d, err := c.ecs(s).DescribeContainerInstances(ctx, &ecs.DescribeContainerInstancesInput{ContainerInstances: []string{nodeID(a.name)}})
		if err != nil || len(d.ContainerInstances) != 1 {
			return false, fmt.Sprint(err)
		}
		ci := d.ContainerInstances[0]
		return ci.RunningTasksCount == 0 && ci.PendingTasksCount == 0, fmt.Sprintf("running %d pending %d", ci.RunningTasksCount, ci.PendingTasksCount)
	})
}
