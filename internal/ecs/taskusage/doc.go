// Package taskusage exports what the node's runtime measures of each
// RUNNING task as Prometheus series: CPU seconds used and memory in use,
// from the process runtime's /proc or the docker runtime's engine stats.
//
// Where it sits: beside the agent (it samples the agent's tasks through
// Usage, as servicemetrics does for CloudWatch) and in the process's
// registry, served at GET /metrics by admin. Sampling runs on its own
// ticker (Run) and a scrape reads the last sample, so a scrape never
// waits for the runtime and never asks it for more than one sample per
// interval, however many scrapers there are.
//
// Labels: cluster, service (empty for a standalone task), family and
// task_id. The task id is there because "which task is using the CPU" is
// the question these series answer; it stays bounded because the series
// are built from the last sample alone (a const metric per RUNNING task
// of this node), so a task that stops leaves the scrape at the next
// sample, without anything to delete.
package taskusage
