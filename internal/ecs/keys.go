package ecs

import (
	"fmt"
	"strconv"
)

// Store layout: every key ECS reads or writes is built here.
//
// A task's desired state (TaskPrefix, written by the API and the Scheduler)
// and its observed state (TaskStatusPrefix, written by the agent) live on
// separate keys, so neither writer ever overwrites the other.
const keyPrefix = "ecs/"

const (
	clusterPrefix  = keyPrefix + "cluster/"
	familyPrefix   = keyPrefix + "family/"
	taskDefsPrefix = keyPrefix + "taskdef/"

	accountSettingsPrefix = keyPrefix + "accountsetting/"
	// taskDefDeletePrefix marks revisions in DELETE_IN_PROGRESS for the
	// scheduler to delete once nothing uses them.
	taskDefDeletePrefix = keyPrefix + "taskdefdelete/"
)

// TaskPrefix and TaskStatusPrefix are where tasks' desired and observed
// states live; the agent watches the first and writes the second.
const (
	TaskPrefix       = keyPrefix + "task/"
	TaskStatusPrefix = keyPrefix + "taskstatus/"
)

// ServicePrefix is where services live, one key per cluster and name.
const ServicePrefix = keyPrefix + "service/"

func clusterKey(name string) string { return clusterPrefix + name }
func accountSettingKey(principal, name string) string {
	return accountSettingsPrefix + principal + "/" + name
}
func familyKey(family string) string     { return familyPrefix + family }
func taskDefPrefix(family string) string { return taskDefsPrefix + family + "/" }
func taskDefKey(family string, rev int) string {
	// Zero-padded, so revisions list in numeric order.
	return taskDefPrefix(family) + fmt.Sprintf("%010d", rev)
}

func taskDefDeleteKey(family string, rev int) string {
	return taskDefDeletePrefix + family + "/" + strconv.Itoa(rev)
}

func taskKey(cluster, id string) string       { return TaskPrefix + cluster + "/" + id }
func taskStatusKey(cluster, id string) string { return TaskStatusPrefix + cluster + "/" + id }

// clusterServicesPrefix lists one cluster's services.
func clusterServicesPrefix(cluster string) string { return ServicePrefix + cluster + "/" }
func serviceKey(cluster, name string) string      { return clusterServicesPrefix(cluster) + name }

// Container instances: NodePrefix holds what each agent registered (kept
// after it is lost, as ECS keeps a disconnected instance);
// NodeLivePrefix the key each agent keeps under its lease, whose revision
// is the agent's epoch and whose delete says the node is lost;
// nodeStatePrefix the status UpdateContainerInstancesState sets.
const (
	NodePrefix      = keyPrefix + "node/"
	NodeLivePrefix  = keyPrefix + "nodelive/"
	nodeStatePrefix = keyPrefix + "nodestate/"
)

func nodeKey(id string) string      { return NodePrefix + id }
func nodeLiveKey(id string) string  { return NodeLivePrefix + id }
func nodeStateKey(id string) string { return nodeStatePrefix + id }
