package server

import (
	"context"

	"github.com/portolan/portolan/internal/ec2"
	"github.com/portolan/portolan/internal/ecs"
)

// taskInterfaces lists, for EC2's DescribeNetworkInterfaces, the network
// interface of every running awsvpc task, through ECS's own API: the ENI
// attachment each such task reports (its id, subnet and private address).
type taskInterfaces struct{ ecs *ecs.Control }

func (t taskInterfaces) TaskInterfaces(ctx context.Context) ([]ec2.TaskInterface, error) {
	var out []ec2.TaskInterface
	clusters, err := pages(func(token string) ([]string, *string, error) {
		o, err := t.ecs.ListClusters(ctx, &ecs.ListInput{NextToken: token})
		if err != nil {
			return nil, nil, err
		}
		return o.ClusterArns, o.NextToken, nil
	})
	if err != nil {
		return nil, err
	}
	for _, cluster := range clusters {
		arns, err := pages(func(token string) ([]string, *string, error) {
			o, err := t.ecs.ListTasks(ctx, &ecs.ListTasksInput{Cluster: cluster, DesiredStatus: ecs.StatusRunning, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			return o.TaskArns, o.NextToken, nil
		})
		if err != nil {
			return nil, err
		}
		for len(arns) > 0 {
			batch := arns[:min(len(arns), 100)]
			arns = arns[len(batch):]
			tasks, err := t.ecs.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: cluster, Tasks: batch})
			if err != nil {
				return nil, err
			}
			for _, task := range tasks.Tasks {
				if eni, ok := interfaceOf(task); ok {
					out = append(out, eni)
				}
			}
		}
	}
	return out, nil
}

// interfaceOf reads a running task's ENI attachment; tasks without one
// (bridge or host networking) or not running have none.
func interfaceOf(task *ecs.Task) (ec2.TaskInterface, bool) {
	if task.LastStatus != ecs.StatusRunning {
		return ec2.TaskInterface{}, false
	}
	for _, a := range task.Attachments {
		if a.Type != "ElasticNetworkInterface" {
			continue
		}
		eni := ec2.TaskInterface{AttachmentID: a.Id, TaskARN: task.TaskArn}
		for _, d := range a.Details {
			switch d.Name {
			case "networkInterfaceId":
				eni.ID = d.Value
			case "subnetId":
				eni.SubnetID = d.Value
			case "privateIPv4Address":
				eni.PrivateIP = d.Value
			}
		}
		return eni, eni.ID != ""
	}
	return ec2.TaskInterface{}, false
}

// pages gathers every page of a listing.
func pages(list func(token string) ([]string, *string, error)) ([]string, error) {
	var all []string
	token := ""
	for {
		items, next, err := list(token)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == nil || *next == "" {
			return all, nil
		}
		token = *next
	}
}
