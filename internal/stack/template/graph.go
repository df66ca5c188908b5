package template

import (
	"slices"
	"sort"
)

// topoOrder orders nodes so that each comes after everything it depends
// on; among nodes that are ready together the smaller logical id goes first,
// so the same template always deploys in the same order. deps may name nodes
// outside the set; those edges are ignored. When the graph has a cycle the
// order is nil and cycle names one, first node repeated at the end.
func topoOrder(nodes []string, deps map[string][]string) (order, cycle []string) {
	in := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		in[n] = true
	}
	waiting := make(map[string]int, len(nodes)) // unmet dependencies per node
	dependents := make(map[string][]string, len(nodes))
	for _, n := range nodes {
		for _, d := range deps[n] {
			if in[d] {
				waiting[n]++
				dependents[d] = append(dependents[d], n)
			}
		}
	}
	var ready []string
	for _, n := range nodes {
		if waiting[n] == 0 {
			ready = append(ready, n)
		}
	}
	sort.Strings(ready)
	order = make([]string, 0, len(nodes))
	for len(ready) > 0 {
		n := ready[0]
		ready = ready[1:]
		order = append(order, n)
		for _, m := range dependents[n] {
			waiting[m]--
			if waiting[m] == 0 {
				// Keep ready sorted; graphs are small, insertion is fine.
				i, _ := slices.BinarySearch(ready, m)
				ready = slices.Insert(ready, i, m)
			}
		}
	}
	if len(order) == len(nodes) {
		return order, nil
	}
	return nil, findCycle(nodes, deps, in)
}

// findCycle returns a cycle among nodes, searching from the smallest id so
// that the one reported is always the same.
func findCycle(nodes []string, deps map[string][]string, in map[string]bool) []string {
	const (
		white = iota
		grey
		black
	)
	color := make(map[string]int, len(nodes))
	var stack []string
	var found []string
	var visit func(n string) bool
	visit = func(n string) bool {
		color[n] = grey
		stack = append(stack, n)
		ds := slices.Clone(deps[n])
		sort.Strings(ds)
		for _, d := range ds {
			if !in[d] {
				continue
			}
			switch color[d] {
			case grey:
				i := slices.Index(stack, d)
				found = append(slices.Clone(stack[i:]), d)
				return true
			case white:
				if visit(d) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		return false
	}
	sorted := slices.Clone(nodes)
	sort.Strings(sorted)
	for _, n := range sorted {
		if color[n] == white && visit(n) {
			return found
		}
	}
	return nil
}

// DeletionOrder orders deployed resources for deletion: each after every
// resource that depends on it, ties by logical id. It is what a deployer uses
// to tear a stack down (portolan destroy) from its recorded state alone,
// without the template. Dependencies on resources not in the map are
// ignored. State written from a Plan has no cycles; if it had, the resources
// caught in one are appended in logical id order rather than dropped.
func DeletionOrder(deployed map[string]DeployedResource) []string {
	ids := sortedKeys(deployed)
	// Deleting is creating backwards: reverse the edges.
	reversed := make(map[string][]string, len(ids))
	for _, id := range ids {
		for _, d := range deployed[id].DependsOn {
			if _, ok := deployed[d]; ok && d != id {
				reversed[d] = append(reversed[d], id)
			}
		}
	}
	order, cycle := topoOrder(ids, reversed)
	if cycle == nil {
		return order
	}
	// Fall back: peel off what can be ordered, then the rest by id.
	done := make(map[string]bool, len(ids))
	for {
		progressed := false
		for _, id := range ids {
			if done[id] {
				continue
			}
			blocked := false
			for _, dep := range reversed[id] {
				if !done[dep] {
					blocked = true
					break
				}
			}
			if !blocked {
				done[id] = true
				order = append(order, id)
				progressed = true
				break
			}
		}
		if !progressed {
			break
		}
	}
	for _, id := range ids {
		if !done[id] {
			order = append(order, id)
		}
	}
	return order
}
