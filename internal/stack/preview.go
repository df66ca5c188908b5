package stack

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/portolan/portolan/internal/stack/template"
)

// ResourceChange is what a deploy would do to one resource, as a change
// set's Changes list it.
type ResourceChange struct {
	Action     string // Add, Modify or Remove
	LogicalID  string
	PhysicalID string // empty for Add
	Type       string
	// Replacement, for Modify: True (the resource will be replaced), False
	// (updated in place) or Conditional (replaced if a value known only
	// during the deploy, such as a replaced resource's new id, changes a
	// property that requires it).
	Replacement string
	Scope       []string // for Modify: Properties, Tags
	Details     []ChangeDetail
}

// ChangeDetail is one changed property of a Modify.
type ChangeDetail struct {
	Attribute          string // Properties or Tags
	Name               string // the top-level property
	RequiresRecreation string // Never, Conditionally or Always
	Evaluation         string // Static (known now) or Dynamic (known during the deploy)
	// ChangeSource is DirectModification (the template changed the value),
	// ResourceReference (a referenced resource changes) or
	// ParameterReference (a referenced parameter has a new value);
	// CausingEntity names the resource or parameter.
	ChangeSource  string
	CausingEntity string
}

// Preview is what deploying a template would change, worked out without
// changing anything: CloudFormation's change set.
type Preview struct {
	Changes []ResourceChange
	// Parameters are the values the deploy would use (overrides, else
	// defaults).
	Parameters map[string]string
	// Unchanged is true when nothing would change: no resource, output or
	// parameter value.
	Unchanged bool
}

// pending is what a resource that does not exist yet (or will be replaced)
// stands as while a preview resolves the properties that refer to it.
func pending(id string) string { return "{{pending " + id + "}}" }

// Preview compares a template with the deployed stack (none: every
// resource is an Add) and returns what a Deploy of the same input would do.
// It fails as Deploy would before creating anything: a template that does
// not parse or plan, or a resource type Portolan does not deploy.
func (d *Deployer) Preview(ctx context.Context, in DeployInput) (*Preview, error) {
	tpl, err := template.Parse(in.Template)
	if err != nil {
		return nil, err
	}
	prev, err := d.Get(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	stacks, err := d.List(ctx)
	if err != nil {
		return nil, err
	}
	stackID := in.StackID
	if prev != nil {
		stackID = prev.StackID
	}
	if stackID == "" {
		stackID = template.StackARN(d.cfg.Region, d.cfg.AccountID, in.StackName, "preview")
	}
	plan, err := tpl.Plan(template.Config{Region: d.cfg.Region, AccountID: d.cfg.AccountID, StackName: in.StackName, StackID: stackID,
		Parameters: in.Parameters, Exports: importable(stacks, in.StackName)})
	if err != nil {
		return nil, err
	}
	if unknown := d.Unsupported(tpl); len(unknown) > 0 {
		return nil, fmt.Errorf("unsupported resource types: %s", strings.Join(unknown, ", "))
	}
	deployed := prevResources(prev)
	p := &previewer{tpl: tpl, plan: plan, res: plan.NewResolver(), dynamic: map[string]bool{}, changedParams: map[string]bool{}}
	for name, v := range plan.Parameters {
		if prev == nil || prev.Parameters[name] != v {
			p.changedParams[name] = true
		}
	}
	for _, r := range plan.Resources {
		if dep, ok := deployed[r.LogicalID]; ok && dep.Type == r.Type {
			if err := p.res.Record(r.LogicalID, dep.PhysicalID, dep.Attributes); err != nil {
				return nil, err
			}
		}
	}
	out := &Preview{Parameters: plan.Parameters}
	cs := plan.Changes(deployed)
	for _, c := range cs.Apply {
		rc, err := p.change(c)
		if err != nil {
			return nil, err
		}
		if rc != nil {
			out.Changes = append(out.Changes, *rc)
		}
	}
	for _, c := range cs.Cleanup {
		if _, replaced := plan.Resource(c.LogicalID); !replaced {
			out.Changes = append(out.Changes, ResourceChange{Action: "Remove", LogicalID: c.LogicalID, PhysicalID: c.Previous.PhysicalID, Type: c.Previous.Type})
		}
	}
	outputs, _ := p.res.Outputs()
	var prevOutputs []template.OutputValue
	if prev != nil {
		prevOutputs = prev.Outputs
	}
	out.Unchanged = prev != nil && len(out.Changes) == 0 && len(p.changedParams) == 0 && slices.Equal(outputs, prevOutputs)
	return out, nil
}

// Unsupported lists the template's resources whose type no handler
// deploys, as "Type (LogicalId)".
func (d *Deployer) Unsupported(tpl *template.Template) []string {
	var unknown []string
	for _, id := range slices.Sorted(maps.Keys(tpl.Resources)) {
		if t := tpl.Resources[id].Type; d.handlers[t] == nil {
			unknown = append(unknown, fmt.Sprintf("%s (%s)", t, id))
		}
	}
	return unknown
}

type previewer struct {
	tpl  *template.Template
	plan *template.Plan
	res  *template.Resolver
	// dynamic holds the resources that get a new physical resource (added
	// or replaced): what refers to them changes during the deploy.
	dynamic       map[string]bool
	changedParams map[string]bool
}

// markDynamic records a resource that will be created as a placeholder, so
// that what refers to it resolves, to a value that differs from any
// deployed one.
func (p *previewer) markDynamic(id string) error {
	p.dynamic[id] = true
	planned, _ := p.plan.Resource(id)
	attrs := map[string]any{}
	for _, a := range planned.Attributes {
		attrs[a] = pending(id + "." + a)
	}
	return p.res.Record(id, pending(id), attrs)
}

func (p *previewer) change(c template.Change) (*ResourceChange, error) {
	switch c.Action {
	case template.ActionCreate:
		return &ResourceChange{Action: "Add", LogicalID: c.LogicalID, Type: c.Type}, p.markDynamic(c.LogicalID)
	case template.ActionReplace: // the logical id names a resource of another type now
		return &ResourceChange{Action: "Modify", LogicalID: c.LogicalID, PhysicalID: c.Previous.PhysicalID, Type: c.Type, Replacement: "True", Scope: []string{"Properties"}},
			p.markDynamic(c.LogicalID)
	}
	props, err := p.res.ResolveProperties(c.LogicalID)
	if err != nil {
		return nil, err
	}
	refs := p.tpl.References(c.LogicalID)
	rc := &ResourceChange{Action: "Modify", LogicalID: c.LogicalID, PhysicalID: c.Previous.PhysicalID, Type: c.Type, Replacement: "False"}
	keys := slices.Sorted(maps.Keys(props))
	for k := range c.Previous.Properties {
		if _, ok := props[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if template.PropertiesEqual(map[string]any{k: props[k]}, map[string]any{k: c.Previous.Properties[k]}) {
			continue
		}
		det := ChangeDetail{Attribute: "Properties", Name: k, RequiresRecreation: requiresRecreation(c.Type, k), Evaluation: "Static", ChangeSource: "DirectModification"}
		if k == "Tags" {
			det.Attribute = "Tags"
		}
		if r := firstIn(refs.Resources[k], p.dynamic); r != "" {
			det.Evaluation, det.ChangeSource, det.CausingEntity = "Dynamic", "ResourceReference", r
		} else if param := firstIn(refs.Parameters[k], p.changedParams); param != "" {
			det.ChangeSource, det.CausingEntity = "ParameterReference", param
		}
		rc.Details = append(rc.Details, det)
		if !slices.Contains(rc.Scope, det.Attribute) {
			rc.Scope = append(rc.Scope, det.Attribute)
		}
		switch {
		case det.RequiresRecreation == "Always" && det.Evaluation == "Static":
			rc.Replacement = "True"
		case det.RequiresRecreation != "Never" && rc.Replacement == "False":
			rc.Replacement = "Conditional"
		}
	}
	if len(rc.Details) == 0 {
		return nil, nil
	}
	if rc.Replacement != "False" {
		return rc, p.markDynamic(c.LogicalID)
	}
	return rc, nil
}

// firstIn returns the first of names that set holds, or "".
func firstIn(names []string, set map[string]bool) string {
	for _, n := range names {
		if set[n] {
			return n
		}
	}
	return ""
}
