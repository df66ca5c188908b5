package template

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Config is what a deployment knows beyond the template: where it runs,
// the stack's identity (what the pseudo parameters return) and the
// parameter values given on the command line.
type Config struct {
	Region    string
	AccountID string
	StackName string
	// StackID is the stack's ARN (see StackARN). It stays the same for the
	// life of the stack, so the deployer creates it once and keeps it.
	StackID string
	// Parameters are the overrides (--parameter-overrides K=V); parameters
	// not listed take their Default.
	Parameters map[string]string
	// Exports are the values other stacks export, by export name: what
	// Fn::ImportValue returns. Importing a name not here is an error.
	Exports map[string]string
}

// StackARN builds a stack id the way CloudFormation does:
// arn:aws:cloudformation:{region}:{account}:stack/{name}/{id}, id being a
// UUID chosen when the stack is first created.
func StackARN(region, accountID, stackName, id string) string {
	p, _ := partition(region)
	return fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/%s", p, region, accountID, stackName, id)
}

var (
	regionName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	accountID  = regexp.MustCompile(`^[0-9]{12}$`)
	stackName  = regexp.MustCompile(`^[A-Za-z][-A-Za-z0-9]{0,127}$`)
)

func (c *Config) check(p *problems) {
	if !regionName.MatchString(c.Region) {
		p.add("", "region %q is not a region name such as us-east-1", c.Region)
	}
	if !accountID.MatchString(c.AccountID) {
		p.add("", "account id %q is not 12 digits", c.AccountID)
	}
	if !stackName.MatchString(c.StackName) {
		p.add("", "stack name %q must start with a letter and contain only letters, digits and hyphens (at most 128)", c.StackName)
	}
	if c.StackID == "" {
		p.add("", "stack id is empty (see StackARN)")
	}
}

// Plan is a template bound to a Config: parameters checked, conditions
// evaluated, dependencies known, creation order fixed. Every check that does
// not need a created resource has passed, so a deployer that starts creating
// resources from a Plan fails only on what the services themselves refuse.
type Plan struct {
	// Resources are the resources to create, in creation order: each after
	// every resource it depends on, ties by logical id.
	Resources []PlannedResource
	// Skipped are the resources whose Condition is false, by logical id.
	Skipped []string
	// Conditions holds the value of every condition of the template.
	Conditions map[string]bool
	// Parameters holds each parameter's value as text, override or default.
	// NoEcho values are here too; whoever displays them masks them.
	Parameters map[string]string
	// Notes repeats the template's notes and adds the plan's own.
	Notes []string
	// Imports lists the export names the template imports (Fn::ImportValue)
	// under this plan's parameters and conditions, sorted.
	Imports []string

	t     *Template
	eval  evaluator
	index map[string]int // logical id -> position in Resources
}

// PlannedResource is one resource of a Plan.
type PlannedResource struct {
	LogicalID string
	Type      string
	// DependsOn lists the resources this one needs first, explicit
	// (DependsOn) or implied (Ref, Fn::GetAtt, Fn::Sub), by logical id.
	// Keep it in the deployed state: DeletionOrder needs it.
	DependsOn []string
	// Attributes lists the attributes the template asks of this resource
	// through Fn::GetAtt or ${Id.Attr}. A deployer checks that it can
	// provide them before it creates anything, and must record them.
	Attributes          []string
	DeletionPolicy      string
	UpdateReplacePolicy string
}

// Plan checks the parameters, evaluates the conditions, works out the
// dependencies between the resources the conditions keep and orders them.
// Properties and outputs are evaluated once with every resource value as a
// placeholder, so that errors that do not depend on created resources (an
// Fn::Select index out of range, a missing mapping key, a reference to a
// resource whose condition is false) are reported now.
func (t *Template) Plan(cfg Config) (*Plan, error) {
	p := &problems{pos: t.pos}
	cfg.check(p)
	params, values := t.resolveParameters(cfg.Parameters, p)
	if !p.empty() {
		return nil, p.err()
	}
	pl := &Plan{
		Conditions: map[string]bool{},
		Parameters: values,
		Notes:      slices.Clone(t.Notes),
		t:          t,
		index:      map[string]int{},
	}
	for _, name := range sortedKeys(t.Parameters) {
		if typ := t.Parameters[name].Type; strings.HasPrefix(typ, ssmValuePrefix) {
			pl.Notes = append(pl.Notes, fmt.Sprintf("parameter %s has type %s: its value %q is used as given, not looked up in SSM Parameter Store", name, typ, values[name]))
		}
	}

	e := evaluator{t: t, cfg: cfg, params: params, conds: pl.Conditions, condBusy: map[string]bool{}, res: noResources{t}, imports: map[string]bool{}}
	for _, name := range sortedKeys(t.Conditions) {
		if _, err := e.condition(name, child("Conditions", name)); err != nil {
			p.addErr(err)
		}
	}
	if !p.empty() {
		return nil, p.err()
	}
	e.condBusy = nil

	included := map[string]bool{}
	var ids []string
	for _, id := range sortedKeys(t.Resources) {
		if c := t.Resources[id].Condition; c != "" && !pl.Conditions[c] {
			pl.Skipped = append(pl.Skipped, id)
			continue
		}
		included[id] = true
		ids = append(ids, id)
	}

	deps := make(map[string][]string, len(ids))
	pr := &planResources{t: t, conds: pl.Conditions, included: included, attrs: map[string]map[string]bool{}}
	for _, id := range ids {
		r := t.Resources[id]
		path := child("Resources", id)
		pr.deps = map[string]bool{}
		for i, d := range r.DependsOn {
			if !included[d] {
				p.addErr(pr.excluded(d, index(child(path, "DependsOn"), i)))
				continue
			}
			pr.deps[d] = true
		}
		if r.Properties != nil {
			ev := e
			ev.res = pr
			v, err := ev.eval(r.Properties, child(path, "Properties"))
			if err != nil {
				p.addErr(err)
			} else if !isMapping(v) {
				p.add(child(path, "Properties"), "Properties must evaluate to a mapping, not %s", describe(v))
			}
		}
		deps[id] = sortedKeys(pr.deps)
	}
	pr.deps = nil
	for _, name := range sortedKeys(t.Outputs) {
		o := t.Outputs[name]
		if o.Condition != "" && !pl.Conditions[o.Condition] {
			continue
		}
		ev := e
		ev.res = pr
		path := child("Outputs", name)
		if _, err := outputString(&ev, o.Value, child(path, "Value")); err != nil {
			p.addErr(err)
		}
		if o.ExportName != nil {
			if _, err := outputString(&ev, o.ExportName, child(path, "Export.Name")); err != nil {
				p.addErr(err)
			}
		}
	}

	order, cycle := topoOrder(ids, deps)
	if cycle != nil {
		p.add(child("Resources", cycle[0]), "circular dependency between resources: %s", strings.Join(cycle, " -> "))
	}
	if !p.empty() {
		return nil, p.err()
	}

	for i, id := range order {
		r := t.Resources[id]
		pl.Resources = append(pl.Resources, PlannedResource{
			LogicalID:           id,
			Type:                r.Type,
			DependsOn:           deps[id],
			Attributes:          sortedKeys(pr.attrs[id]),
			DeletionPolicy:      r.DeletionPolicy,
			UpdateReplacePolicy: r.UpdateReplacePolicy,
		})
		pl.index[id] = i
	}
	pl.Imports = sortedKeys(e.imports)
	pl.eval = e
	// The evaluator keeps its own map: the exported one is the caller's.
	pl.Conditions = maps.Clone(pl.Conditions)
	return pl, nil
}

// Resource returns the planned resource with the given logical id.
func (pl *Plan) Resource(logicalID string) (PlannedResource, bool) {
	i, ok := pl.index[logicalID]
	if !ok {
		return PlannedResource{}, false
	}
	return pl.Resources[i], true
}

// DeletionOrder returns the plan's logical ids in the order to delete them:
// the creation order reversed.
func (pl *Plan) DeletionOrder() []string {
	ids := make([]string, len(pl.Resources))
	for i, r := range pl.Resources {
		ids[len(ids)-1-i] = r.LogicalID
	}
	return ids
}

func isMapping(v any) bool {
	switch v.(type) {
	case map[string]any, unknown, noValue:
		return true
	}
	return false
}

// planResources answers Ref and Fn::GetAtt during Plan: it notes the
// dependency and the attribute, and returns a placeholder.
type planResources struct {
	t        *Template
	conds    map[string]bool
	included map[string]bool
	deps     map[string]bool // of the resource being evaluated; nil for outputs
	attrs    map[string]map[string]bool
}

func (r *planResources) excluded(id, path string) error {
	return r.t.pos.errorf(path, "refers to %s, which is not created because its condition %s is false", id, r.t.Resources[id].Condition)
}

func (r *planResources) ref(id, path string) (any, error) {
	if !r.included[id] {
		return nil, r.excluded(id, path)
	}
	if r.deps != nil {
		r.deps[id] = true
	}
	return unknown{}, nil
}

func (r *planResources) getAtt(id, attr, path string) (any, error) {
	if _, err := r.ref(id, path); err != nil {
		return nil, err
	}
	if r.attrs[id] == nil {
		r.attrs[id] = map[string]bool{}
	}
	r.attrs[id][attr] = true
	return unknown{}, nil
}

// outputString evaluates an output value or export name, which
// CloudFormation requires to be a string.
func outputString(e *evaluator, v any, path string) (string, error) {
	r, err := e.eval(v, path)
	if err != nil {
		return "", err
	}
	if _, ok := r.(unknown); ok {
		return "", nil
	}
	s, ok := scalarString(r)
	if !ok {
		return "", e.errorf(path, "must evaluate to a string, not %s (join a list with Fn::Join)", describe(r))
	}
	return s, nil
}
