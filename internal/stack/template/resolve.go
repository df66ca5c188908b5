package template

import (
	"fmt"
	"strings"
)

// Resolver evaluates a Plan's properties and outputs against the resources
// created so far. The deployer records each resource's physical id and
// attributes as soon as the resource exists; ResolveProperties then has
// what the next resource in the plan's order needs. A Resolver is not safe
// for concurrent use.
type Resolver struct {
	plan     *Plan
	physical map[string]string
	attrs    map[string]map[string]any
}

// NewResolver returns a Resolver with nothing recorded.
func (pl *Plan) NewResolver() *Resolver {
	return &Resolver{plan: pl, physical: map[string]string{}, attrs: map[string]map[string]any{}}
}

// Record stores what a created (or kept) resource gives to the template:
// physicalID is what Ref returns, attributes what Fn::GetAtt returns.
// Attribute values may be strings, numbers, booleans, []string, lists and
// maps of those. Recording a resource again replaces what it had.
func (r *Resolver) Record(logicalID, physicalID string, attributes map[string]any) error {
	if _, ok := r.plan.index[logicalID]; !ok {
		return fmt.Errorf("record %s: not a resource of this plan", logicalID)
	}
	if physicalID == "" {
		return fmt.Errorf("record %s: empty physical id", logicalID)
	}
	attrs := make(map[string]any, len(attributes))
	for k, v := range attributes {
		n, err := deepNormalize(v, logicalID+"."+k)
		if err != nil {
			return fmt.Errorf("record %s: %w", logicalID, err)
		}
		attrs[k] = n
	}
	r.physical[logicalID] = physicalID
	r.attrs[logicalID] = attrs
	return nil
}

// PhysicalID returns what was recorded for a resource.
func (r *Resolver) PhysicalID(logicalID string) (string, bool) {
	id, ok := r.physical[logicalID]
	return id, ok
}

// ResolveProperties returns a resource's properties with every intrinsic
// function evaluated: what the service call that creates or updates it
// receives. Properties that evaluate to AWS::NoValue are absent. The map is
// the caller's to keep or change. Referencing a resource that has not been
// recorded, or an attribute it was recorded without, is an error naming
// both.
func (r *Resolver) ResolveProperties(logicalID string) (map[string]any, error) {
	if _, ok := r.plan.index[logicalID]; !ok {
		return nil, fmt.Errorf("resolve %s: not a resource of this plan", logicalID)
	}
	res := r.plan.t.Resources[logicalID]
	if res.Properties == nil {
		return map[string]any{}, nil
	}
	e := r.plan.eval
	e.res = recorded{r}
	v, err := e.eval(res.Properties, child(child("Resources", logicalID), "Properties"))
	if err != nil {
		return nil, err
	}
	switch m := v.(type) {
	case map[string]any:
		return m, nil
	case noValue:
		return map[string]any{}, nil
	}
	return nil, e.errorf(child(child("Resources", logicalID), "Properties"), "Properties must evaluate to a mapping, not %s", describe(v))
}

// OutputValue is one evaluated output of the stack.
type OutputValue struct {
	Name        string // the output's logical id (OutputKey)
	Value       string
	Description string
	ExportName  string // empty without an Export
}

// Outputs evaluates the outputs whose condition holds, ordered by name.
// Call it once every resource is recorded.
func (r *Resolver) Outputs() ([]OutputValue, error) {
	t := r.plan.t
	p := &problems{pos: t.pos}
	var out []OutputValue
	e := r.plan.eval
	e.res = recorded{r}
	for _, name := range sortedKeys(t.Outputs) {
		o := t.Outputs[name]
		if o.Condition != "" && !r.plan.Conditions[o.Condition] {
			continue
		}
		path := child("Outputs", name)
		ov := OutputValue{Name: name, Description: o.Description}
		var err error
		if ov.Value, err = outputString(&e, o.Value, child(path, "Value")); err != nil {
			p.addErr(err)
			continue
		}
		if o.ExportName != nil {
			if ov.ExportName, err = outputString(&e, o.ExportName, child(path, "Export.Name")); err != nil {
				p.addErr(err)
				continue
			}
		}
		out = append(out, ov)
	}
	if !p.empty() {
		return nil, p.err()
	}
	return out, nil
}

// Deployed assembles the state to keep for a resource once it is created
// or updated: its plan entry, what was recorded for it and the resolved
// properties it was created with. The next deploy's Plan.Changes reads it.
func (r *Resolver) Deployed(logicalID string, properties map[string]any) (DeployedResource, error) {
	pr, ok := r.plan.Resource(logicalID)
	if !ok {
		return DeployedResource{}, fmt.Errorf("deployed %s: not a resource of this plan", logicalID)
	}
	physical, ok := r.physical[logicalID]
	if !ok {
		return DeployedResource{}, fmt.Errorf("deployed %s: nothing recorded for it", logicalID)
	}
	return DeployedResource{
		Type:                pr.Type,
		PhysicalID:          physical,
		Properties:          properties,
		Attributes:          r.attrs[logicalID],
		DependsOn:           pr.DependsOn,
		DeletionPolicy:      pr.DeletionPolicy,
		UpdateReplacePolicy: pr.UpdateReplacePolicy,
	}, nil
}

// recorded answers Ref and Fn::GetAtt from what the deployer recorded.
type recorded struct{ r *Resolver }

func (x recorded) ref(id, path string) (any, error) {
	physical, ok := x.r.physical[id]
	if !ok {
		return nil, x.r.plan.t.pos.errorf(path, "resource %s (%s) has no physical id recorded: it must be created and recorded before the resources that reference it", id, x.r.plan.t.Resources[id].Type)
	}
	return physical, nil
}

func (x recorded) getAtt(id, attr, path string) (any, error) {
	if _, err := x.ref(id, path); err != nil {
		return nil, err
	}
	attrs := x.r.attrs[id]
	v, ok := attrs[attr]
	if !ok {
		have := sortedKeys(attrs)
		return nil, x.r.plan.t.pos.errorf(path, "resource %s (%s) has no attribute %q recorded (recorded: %s)", id, x.r.plan.t.Resources[id].Type, attr, listOrNone(have))
	}
	if l, isList := v.([]any); isList {
		return append([]any{}, l...), nil
	}
	if m, isMap := v.(map[string]any); isMap {
		c := make(map[string]any, len(m))
		for k, e := range m {
			c[k] = e
		}
		return c, nil
	}
	return v, nil
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}
