// Package agent runs ECS tasks on this node. It watches the tasks' desired
// state (written by the ECS API and the service scheduler), drives each
// task through AWS's lifecycle (PROVISIONING … RUNNING … STOPPED) with a
// runtime driver, and writes what it observes back as the task's status.
//
// A restarted agent re-adopts the tasks its driver still runs instead of
// starting them again, marks tasks whose containers vanished as STOPPED,
// and removes what no task owns.
package agent
