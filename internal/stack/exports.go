package stack

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/portolan/portolan/internal/stack/template"
)

// Export is a value a stack exports: an output with an Export name, which
// other stacks of the account and region read with Fn::ImportValue.
type Export struct {
	Name      string
	Value     string
	StackID   string
	StackName string
}

// Exports returns every stack's exports, by name.
func (d *Deployer) Exports(ctx context.Context) ([]Export, error) {
	stacks, err := d.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []Export
	for _, st := range stacks {
		for _, o := range st.Outputs {
			if o.ExportName != "" {
				out = append(out, Export{Name: o.ExportName, Value: o.Value, StackID: st.StackID, StackName: st.Name})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Importers returns the names of the stacks that import an export, sorted.
func (d *Deployer) Importers(ctx context.Context, exportName string) ([]string, error) {
	stacks, err := d.List(ctx)
	if err != nil {
		return nil, err
	}
	return importers(stacks, exportName, ""), nil
}

func importers(stacks []*Stack, exportName, except string) []string {
	var names []string
	for _, st := range stacks {
		if st.Name != except && slices.Contains(st.Imports, exportName) {
			names = append(names, st.Name)
		}
	}
	sort.Strings(names)
	return names
}

// importable is what a stack's Fn::ImportValue may read: the exports of
// every other stack.
func importable(stacks []*Stack, stackName string) map[string]string {
	values := map[string]string{}
	for _, st := range stacks {
		if st.Name == stackName {
			continue
		}
		for _, o := range st.Outputs {
			if o.ExportName != "" {
				values[o.ExportName] = o.Value
			}
		}
	}
	return values
}

// checkExports refuses what CloudFormation refuses when a stack's outputs
// change from old to new: an export name another stack already exports,
// and changing or removing an export another stack imports.
func checkExports(stacks []*Stack, stackName string, old, new []template.OutputValue) error {
	kept := map[string]string{}
	for _, o := range new {
		if o.ExportName == "" {
			continue
		}
		kept[o.ExportName] = o.Value
		for _, other := range stacks {
			if other.Name != stackName && slices.ContainsFunc(other.Outputs, func(x template.OutputValue) bool { return x.ExportName == o.ExportName }) {
				return cfnError(fmt.Sprintf("Export with name %s is already exported by stack %s", o.ExportName, other.Name))
			}
		}
	}
	for _, o := range old {
		if o.ExportName == "" {
			continue
		}
		users := importers(stacks, o.ExportName, stackName)
		if len(users) == 0 {
			continue
		}
		value, still := kept[o.ExportName]
		switch {
		case !still:
			return cfnError(fmt.Sprintf("Export %s cannot be deleted as it is in use by %s", o.ExportName, strings.Join(users, ", ")))
		case value != o.Value:
			return cfnError(fmt.Sprintf("Cannot update export %s as it is in use by %s", o.ExportName, strings.Join(users, ", ")))
		}
	}
	return nil
}

// publishOutputs evaluates the outputs of a deploy whose resources all
// succeeded and makes them the stack's, exports included, unless that
// breaks an export another stack relies on. Outputs that fail to evaluate
// are left out, as before exports existed.
func (a *apply) publishOutputs(ctx context.Context, old []template.OutputValue) error {
	outputs, err := a.res.Outputs()
	if err != nil {
		a.d.log.Warn("stack outputs", "stack", a.st.Name, "err", err)
	}
	// One stack at a time checks and claims export names.
	a.d.exportsMu.Lock()
	defer a.d.exportsMu.Unlock()
	stacks, err := a.d.List(ctx)
	if err != nil {
		return err
	}
	if err := checkExports(stacks, a.st.Name, old, outputs); err != nil {
		return err
	}
	a.st.Outputs = outputs
	return a.d.save(ctx, a.st)
}

// exportsInUse is why a stack cannot be deleted: another stack imports
// one of its exports.
func (d *Deployer) exportsInUse(ctx context.Context, st *Stack) error {
	d.exportsMu.Lock()
	defer d.exportsMu.Unlock()
	stacks, err := d.List(ctx)
	if err != nil {
		return err
	}
	return checkExports(stacks, st.Name, st.Outputs, nil)
}
