package ecs

import (
	"context"
	"math/rand/v2"
	"strings"
)

// Placement is how a task is placed: RunTask's and a service's
// placementStrategy and placementConstraints.
type Placement struct {
	Strategy    []PlacementStrategy   `json:"strategy,omitempty"`
	Constraints []PlacementConstraint `json:"constraints,omitempty"`
}

// defaultStrategy is Fargate's: spread across zones, then across nodes.
var defaultStrategy = []PlacementStrategy{{Type: "spread", Field: "attribute:ecs.availability-zone"}, {Type: "spread", Field: "instanceId"}}

// validatePlacement checks strategies and constraints as ECS does.
func validatePlacement(p Placement) error {
	if len(p.Strategy) > 5 {
		return invalidParameter("The number of placement strategies exceeds the limit of 5.")
	}
	if len(p.Constraints) > 10 {
		return invalidParameter("The number of placement constraints exceeds the limit of 10.")
	}
	for _, s := range p.Strategy {
		switch s.Type {
		case "random":
		case "spread":
			if s.Field == "" {
				return invalidParameter("Field is required for spread placement strategy.")
			}
		case "binpack":
			if f := strings.ToLower(s.Field); f != "cpu" && f != "memory" {
				return invalidParameter("Invalid field for binpack placement strategy: %s. Valid values are: cpu, memory.", s.Field)
			}
		default:
			return invalidParameter("Invalid placement strategy type: %s.", s.Type)
		}
	}
	for _, c := range p.Constraints {
		switch c.Type {
		case "distinctInstance":
			if c.Expression != "" {
				return invalidParameter("Expression is not valid for distinctInstance placement constraint.")
			}
		case "memberOf":
			if c.Expression == "" {
				return invalidParameter("Expression is required for memberOf placement constraint.")
			}
			if _, err := parseExpression(c.Expression); err != nil {
				return err
			}
		default:
			return invalidParameter("Invalid placement constraint type: %s.", c.Type)
		}
	}
	return nil
}

// placing is one placement round: the nodes and what is placed on them,
// updated as each task is placed so that a batch spreads too.
type placing struct {
	nodes []*nodeView // connected and ACTIVE
	all   []*nodeView
	load  loads
	// groups counts live tasks per node and task group (cluster/group).
	groups map[string]map[string]int
}

// newPlacing reads the nodes and the tasks placed on them.
func (c *Control) newPlacing(ctx context.Context) (*placing, error) {
	nodes, err := c.nodes(ctx)
	if err != nil {
		return nil, err
	}
	views, err := c.taskViews(ctx, TaskPrefix, TaskStatusPrefix)
	if err != nil {
		return nil, err
	}
	p := &placing{all: nodes, load: loads{}, groups: map[string]map[string]int{}}
	for _, n := range nodes {
		if n.Connected && n.Status == InstanceActive {
			p.nodes = append(p.nodes, n)
		}
	}
	for _, v := range views {
		if v.rec.ContainerInstance != "" && !v.st.Stopped() && !(v.rec.DesiredStatus == StatusStopped && v.st == nil) {
			p.add(v.rec, v.rec.ContainerInstance)
		}
	}
	return p, nil
}

func groupKey(rec *TaskRecord) string { return rec.Cluster + "/" + rec.Group }

func (p *placing) add(rec *TaskRecord, node string) {
	l := p.load.of(node)
	cpu, mem := taskNeeds(&rec.Definition)
	l.cpu += cpu
	l.memory += mem
	if p.groups[node] == nil {
		p.groups[node] = map[string]int{}
	}
	p.groups[node][groupKey(rec)]++
}

// place picks a node for rec and counts it there; "" and ECS's reason
// when none fits.
func (p *placing) place(rec *TaskRecord) (string, string) {
	if len(p.nodes) == 0 {
		return "", "No Container Instances were found in your cluster."
	}
	cpu, mem := taskNeeds(&rec.Definition)
	var fit []*nodeView
	reason := ""
	for _, n := range p.nodes {
		l := p.load.of(n.ID)
		switch {
		case n.Overcommit:
			fit = append(fit, n)
		case n.CPU-l.cpu < cpu:
			reason = closest(reason, n, "has insufficient CPU units available.")
		case n.Memory-l.memory < mem:
			reason = closest(reason, n, "has insufficient memory available.")
		default:
			fit = append(fit, n)
		}
	}
	var pl Placement
	if rec.Placement != nil {
		pl = *rec.Placement
	}
	for _, con := range pl.Constraints {
		var kept []*nodeView
		for _, n := range fit {
			switch con.Type {
			case "distinctInstance":
				if p.groups[n.ID][groupKey(rec)] > 0 {
					reason = closest(reason, n, `encountered error "DistinctInstance placement constraint unsatisfied.".`)
					continue
				}
			case "memberOf":
				e, err := parseExpression(con.Expression)
				if err != nil || !e.match(n.attributes()) {
					reason = closest(reason, n, `encountered error "MemberOf placement constraint unsatisfied.".`)
					continue
				}
			}
			kept = append(kept, n)
		}
		fit = kept
	}
	if len(fit) == 0 {
		return "", reason
	}
	strategy := pl.Strategy
	if len(strategy) == 0 {
		strategy = defaultStrategy
	}
	for _, s := range strategy {
		fit = p.narrow(fit, s, rec)
	}
	n := fit[rand.IntN(len(fit))]
	p.add(rec, n.ID)
	rec.AvailabilityZone = n.Zone
	return n.ID, ""
}

func closest(reason string, n *nodeView, what string) string {
	if reason != "" {
		return reason
	}
	return "The closest matching (container-instance " + n.ID + ") " + what
}

// narrow keeps the nodes a strategy likes best.
func (p *placing) narrow(nodes []*nodeView, s PlacementStrategy, rec *TaskRecord) []*nodeView {
	if s.Type == "random" {
		return []*nodeView{nodes[rand.IntN(len(nodes))]}
	}
	score := func(n *nodeView) int { return 0 }
	switch s.Type {
	case "binpack":
		// The least of the resource left: fill one node before the next.
		score = func(n *nodeView) int {
			l := p.load.of(n.ID)
			if strings.EqualFold(s.Field, "cpu") {
				return n.CPU - l.cpu
			}
			return n.Memory - l.memory
		}
	case "spread":
		// The fewest of the task's group on the nodes sharing the value,
		// counted over every connected node (not only those that fit).
		value := func(n *nodeView) string {
			switch s.Field {
			case "instanceId", "host":
				return n.ID
			}
			return n.attributes()[strings.TrimPrefix(s.Field, "attribute:")]
		}
		perValue := map[string]int{}
		for _, n := range p.all {
			if n.Connected {
				perValue[value(n)] += p.groups[n.ID][groupKey(rec)]
			}
		}
		score = func(n *nodeView) int { return perValue[value(n)] }
	}
	best := nodes[:0:0]
	min := 0
	for _, n := range nodes {
		switch sc := score(n); {
		case len(best) == 0 || sc < min:
			best, min = []*nodeView{n}, sc
		case sc == min:
			best = append(best, n)
		}
	}
	return best
}

// placeNew places tasks being created. Without any registered node (ECS
// alone, as ecstest runs it, with an agent that runs every task) tasks
// stay unplaced.
func (c *Control) placeNew(ctx context.Context, recs []*TaskRecord) error {
	p, err := c.newPlacing(ctx)
	if err != nil || len(p.all) == 0 {
		return err
	}
	for _, rec := range recs {
		rec.ContainerInstance, _ = p.place(rec)
	}
	return nil
}
