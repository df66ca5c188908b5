package cloudformation

import (
	"context"

	"github.com/portolan/portolan/internal/awsapi"
)

// Export is an exported output, as ListExports lists it.
type Export struct {
	ExportingStackId string
	Name             string
	Value            string
}

type ListExportsInput struct {
	NextToken string
}

type ListExportsOutput struct {
	Exports   []Export
	NextToken string
}

// ListExports lists every stack's exports, by name.
func (c *Control) ListExports(ctx context.Context, in *ListExportsInput) (*ListExportsOutput, error) {
	exports, err := c.engine.Exports(ctx)
	if err != nil {
		return nil, err
	}
	all := make([]Export, 0, len(exports))
	for _, e := range exports {
		all = append(all, Export{ExportingStackId: e.StackID, Name: e.Name, Value: e.Value})
	}
	page, next, err := awsapi.Paginate(stackPager, all, func(e Export) string { return e.Name }, in.NextToken, nil)
	if err != nil {
		return nil, err
	}
	return &ListExportsOutput{Exports: page, NextToken: next}, nil
}

type ListImportsInput struct {
	ExportName string
	NextToken  string
}

type ListImportsOutput struct {
	Imports   []string
	NextToken string
}

// ListImports lists the stacks that import an export.
func (c *Control) ListImports(ctx context.Context, in *ListImportsInput) (*ListImportsOutput, error) {
	names, err := c.engine.Importers(ctx, in.ExportName)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, validation("Export '%s' is not imported by any stack.", in.ExportName)
	}
	page, next, err := awsapi.Paginate(stackPager, names, func(n string) string { return n }, in.NextToken, nil)
	if err != nil {
		return nil, err
	}
	return &ListImportsOutput{Imports: page, NextToken: next}, nil
}
