package cloudformation

import (
	"context"
	"errors"
	"io"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/stack"
	"github.com/portolan/portolan/internal/stack/template"
)

// AWS's limits: a template in the request body, and one read from a URL.
const (
	maxTemplateBody = 51200
	maxTemplateURL  = 1 << 20
)

// templateText returns the template a request names: its TemplateBody,
// the file its TemplateURL names, or (usePrevious) the stack's current one.
// Exactly one of them must be given.
func templateText(body, templateURL string, usePrevious bool, previous string) (string, error) {
	given := 0
	for _, set := range []bool{body != "", templateURL != "", usePrevious} {
		if set {
			given++
		}
	}
	switch {
	case given != 1 && (usePrevious || previous != ""):
		return "", validation("Exactly one of TemplateBody, TemplateUrl, or UsePreviousTemplate must be specified.")
	case given != 1:
		return "", validation("Exactly one of TemplateBody or TemplateUrl must be specified.")
	case usePrevious:
		return previous, nil
	case body != "":
		if len(body) > maxTemplateBody {
			return "", validation("1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to %d", maxTemplateBody)
		}
		return body, nil
	}
	return readTemplateURL(templateURL)
}

// readTemplateURL reads a file:// URL. Portolan serves no S3, so an
// https:// URL (an S3 object) cannot be read.
func readTemplateURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "file" || u.Path == "" {
		return "", validation("TemplateURL must be a supported URL: Portolan reads templates from file:// URLs (it serves no S3), not %q", raw)
	}
	f, err := os.Open(u.Path)
	if err != nil {
		return "", validation("TemplateURL %s cannot be read: %v", raw, errors.Unwrap(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTemplateURL+1))
	if err != nil {
		return "", validation("TemplateURL %s cannot be read: %v", raw, err)
	}
	if len(b) > maxTemplateURL {
		return "", validation("Template may not exceed %d bytes in size.", maxTemplateURL)
	}
	return string(b), nil
}

// parseTemplate parses a template, answering as CloudFormation does.
func parseTemplate(text string) (*template.Template, error) {
	t, err := template.Parse([]byte(text))
	if err == nil {
		return t, nil
	}
	return nil, templateError(err)
}

// templateError words a template problem as a ValidationError. The
// engine's own descriptions of the problems are kept: they say where.
func templateError(err error) error {
	var problems []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			problems = append(problems, e.Error())
		}
	} else {
		problems = []string{err.Error()}
	}
	first := problems[0]
	switch {
	case strings.Contains(first, "invalid YAML"):
		return validation("Template format error: YAML not well-formed. (%s)", first)
	case strings.Contains(first, "invalid JSON"):
		return validation("Template format error: JSON not well-formed. (%s)", first)
	case strings.Contains(err.Error(), "needs a Resources section"), strings.Contains(err.Error(), "needs at least one resource"):
		return validation("Template format error: At least one Resources member must be defined.")
	case strings.HasPrefix(first, "No export named "), strings.HasPrefix(first, "Parameter"):
		return validation("%s", first)
	}
	return validation("Template format error: %s", strings.Join(problems, "; "))
}

// checkSupported refuses a template with resource types the engine does
// not deploy, as CloudFormation refuses types it does not know.
func (c *Control) checkSupported(t *template.Template) error {
	var types []string
	for _, u := range c.engine.Unsupported(t) {
		typ, _, _ := strings.Cut(u, " ")
		types = append(types, typ)
	}
	if len(types) > 0 {
		slices.Sort(types)
		return validation("Template format error: Unrecognized resource types: [%s]", strings.Join(slices.Compact(types), ", "))
	}
	return nil
}

// iamTypes are the types that need CAPABILITY_IAM, and the properties that
// name them (which need CAPABILITY_NAMED_IAM).
var iamTypes = map[string]string{
	"AWS::IAM::Role": "RoleName", "AWS::IAM::ManagedPolicy": "ManagedPolicyName", "AWS::IAM::InstanceProfile": "InstanceProfileName",
	"AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName", "AWS::IAM::Policy": "", "AWS::IAM::AccessKey": "",
	"AWS::IAM::UserToGroupAddition": "",
}

// requiredCapabilities is what a template needs acknowledged, and why.
func requiredCapabilities(t *template.Template) (caps []string, reason string) {
	var iam []string
	named := false
	for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
		r := t.Resources[id]
		nameProp, ok := iamTypes[r.Type]
		if !ok {
			continue
		}
		iam = append(iam, id)
		if _, has := r.Properties[nameProp]; nameProp != "" && has {
			named = true
		}
	}
	switch {
	case named:
		return []string{"CAPABILITY_NAMED_IAM"}, "The following resource(s) require capabilities: [" + strings.Join(iam, ", ") + "]"
	case len(iam) > 0:
		return []string{"CAPABILITY_IAM"}, "The following resource(s) require capabilities: [" + strings.Join(iam, ", ") + "]"
	}
	return nil, ""
}

// checkCapabilities refuses a template whose IAM resources were not
// acknowledged. CAPABILITY_NAMED_IAM covers CAPABILITY_IAM.
func checkCapabilities(t *template.Template, given []string) error {
	need, _ := requiredCapabilities(t)
	for _, c := range need {
		if !slices.Contains(given, c) && !(c == "CAPABILITY_IAM" && slices.Contains(given, "CAPABILITY_NAMED_IAM")) {
			return ErrInsufficientCapabilities.Newf("Requires capabilities : [%s]", c)
		}
	}
	return nil
}

// parameterValues works out the values a stack operation uses: each
// given value, the previous value for UsePreviousValue, and the defaults
// for the rest, checked against the template's constraints.
func parameterValues(t *template.Template, given []Parameter, previous map[string]string) (map[string]string, error) {
	values := map[string]string{}
	for _, p := range given {
		usePrevious := p.UsePreviousValue != nil && *p.UsePreviousValue
		switch {
		case p.ParameterKey == "":
			return nil, validation("Parameters: a parameter has no ParameterKey")
		case usePrevious && p.ParameterValue != "":
			return nil, validation("Invalid input for parameter key %s. Cannot specify usePreviousValue as true and non empty value for a parameter", p.ParameterKey)
		case usePrevious:
			v, ok := previous[p.ParameterKey]
			if !ok {
				return nil, validation("Invalid input for parameter key %s. Cannot specify usePreviousValue as true for a parameter key that has no previous value", p.ParameterKey)
			}
			values[p.ParameterKey] = v
		default:
			values[p.ParameterKey] = p.ParameterValue
		}
	}
	if err := t.CheckParameters(values); err != nil {
		return nil, validation("%s", err.Error())
	}
	for name, param := range t.Parameters {
		if _, ok := values[name]; !ok {
			values[name] = *param.Default
		}
	}
	return values, nil
}

// describedParameters lists parameter values as DescribeStacks and
// DescribeChangeSet show them: by key, NoEcho values masked.
func describedParameters(t *template.Template, values map[string]string) []Parameter {
	out := make([]Parameter, 0, len(values))
	for _, k := range slices.Sorted(maps.Keys(values)) {
		v := values[k]
		if t != nil && t.Parameters[k] != nil && t.Parameters[k].NoEcho {
			v = "****"
		}
		out = append(out, Parameter{ParameterKey: k, ParameterValue: v})
	}
	return out
}

// ---- ValidateTemplate, GetTemplate, GetTemplateSummary ----

type ValidateTemplateInput struct {
	TemplateBody string
	TemplateURL  string
}

// TemplateParameter is a parameter as ValidateTemplate lists it.
type TemplateParameter struct {
	ParameterKey string
	DefaultValue string
	NoEcho       bool
	Description  string
}

type ValidateTemplateOutput struct {
	Parameters         []TemplateParameter
	Description        string
	Capabilities       []string
	CapabilitiesReason string
	DeclaredTransforms []string
}

// ValidateTemplate checks a template's syntax and references and lists its
// parameters. Resource types are not checked against what Portolan
// deploys: a template valid on AWS validates here.
func (c *Control) ValidateTemplate(ctx context.Context, in *ValidateTemplateInput) (*ValidateTemplateOutput, error) {
	text, err := templateText(in.TemplateBody, in.TemplateURL, false, "")
	if err != nil {
		return nil, err
	}
	t, err := parseTemplate(text)
	if err != nil {
		return nil, err
	}
	out := &ValidateTemplateOutput{Description: t.Description, Parameters: []TemplateParameter{}}
	out.Capabilities, out.CapabilitiesReason = requiredCapabilities(t)
	for _, k := range slices.Sorted(maps.Keys(t.Parameters)) {
		p := t.Parameters[k]
		tp := TemplateParameter{ParameterKey: k, NoEcho: p.NoEcho, Description: p.Description}
		if p.Default != nil {
			tp.DefaultValue = *p.Default
		}
		out.Parameters = append(out.Parameters, tp)
	}
	return out, nil
}

type GetTemplateInput struct {
	StackName     string
	ChangeSetName string
	TemplateStage string
}

type GetTemplateOutput struct {
	TemplateBody    string
	StagesAvailable []string
}

// GetTemplate returns a stack's template (or a change set's) as it was
// given. There are no transforms, so the Processed stage is the Original.
func (c *Control) GetTemplate(ctx context.Context, in *GetTemplateInput) (*GetTemplateOutput, error) {
	if in.TemplateStage != "" && in.TemplateStage != "Original" && in.TemplateStage != "Processed" {
		return nil, validation("1 validation error detected: Value '%s' at 'templateStage' failed to satisfy constraint: Member must satisfy enum value set: [Original, Processed]", in.TemplateStage)
	}
	if in.StackName == "" && !awsapi.IsARN(in.ChangeSetName) {
		return nil, validation("StackName must be specified if ChangeSetName is not specified with an ARN.")
	}
	stages := []string{"Original", "Processed"}
	if in.ChangeSetName != "" {
		cs, err := c.findChangeSet(ctx, in.StackName, in.ChangeSetName)
		if err != nil {
			return nil, err
		}
		return &GetTemplateOutput{TemplateBody: cs.TemplateBody, StagesAvailable: stages}, nil
	}
	rec, err := c.findStack(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	return &GetTemplateOutput{TemplateBody: c.currentTemplate(ctx, rec), StagesAvailable: stages}, nil
}

type GetTemplateSummaryInput struct {
	TemplateBody string
	TemplateURL  string
	StackName    string
	StackSetName string
}

// ParameterDeclaration is a parameter as GetTemplateSummary lists it.
type ParameterDeclaration struct {
	ParameterKey         string
	DefaultValue         string
	ParameterType        string
	NoEcho               bool
	Description          string
	ParameterConstraints *ParameterConstraints
}

type ParameterConstraints struct {
	AllowedValues []string
}

type GetTemplateSummaryOutput struct {
	Parameters         []ParameterDeclaration
	Description        string
	Capabilities       []string
	CapabilitiesReason string
	ResourceTypes      []string
	Version            string
	DeclaredTransforms []string
}

// GetTemplateSummary describes a template, given or a stack's: its
// parameters (the AWS CLI's deploy reads them to know which parameters an
// existing stack has), resource types and required capabilities.
func (c *Control) GetTemplateSummary(ctx context.Context, in *GetTemplateSummaryInput) (*GetTemplateSummaryOutput, error) {
	if in.StackSetName != "" {
		return nil, validation("Portolan has no stack sets")
	}
	var text string
	if in.StackName != "" {
		if in.TemplateBody != "" || in.TemplateURL != "" {
			return nil, validation("Exactly one of TemplateBody, TemplateUrl, StackName or StackSetName must be specified.")
		}
		rec, err := c.findStack(ctx, in.StackName)
		if err != nil {
			return nil, err
		}
		if rec.Status == "REVIEW_IN_PROGRESS" {
			return nil, validation("GetTemplateSummary cannot be called on REVIEW_IN_PROGRESS stacks.")
		}
		text = c.currentTemplate(ctx, rec)
	} else {
		var err error
		if text, err = templateText(in.TemplateBody, in.TemplateURL, false, ""); err != nil {
			return nil, err
		}
	}
	t, err := parseTemplate(text)
	if err != nil {
		return nil, err
	}
	out := &GetTemplateSummaryOutput{Description: t.Description, Version: "2010-09-09", Parameters: []ParameterDeclaration{}}
	out.Capabilities, out.CapabilitiesReason = requiredCapabilities(t)
	for _, k := range slices.Sorted(maps.Keys(t.Parameters)) {
		p := t.Parameters[k]
		d := ParameterDeclaration{ParameterKey: k, ParameterType: p.Type, NoEcho: p.NoEcho, Description: p.Description,
			ParameterConstraints: &ParameterConstraints{AllowedValues: p.AllowedValues}}
		if p.Default != nil {
			d.DefaultValue = *p.Default
		}
		out.Parameters = append(out.Parameters, d)
	}
	types := map[string]bool{}
	for _, r := range t.Resources {
		types[r.Type] = true
	}
	out.ResourceTypes = slices.Sorted(maps.Keys(types))
	return out, nil
}

// currentTemplate is the template a stack runs (see stackRecord.template).
func (c *Control) currentTemplate(ctx context.Context, rec *stackRecord) string {
	var eng *stack.Stack
	if rec.DeletionTime == nil {
		eng, _ = c.engine.Get(ctx, rec.StackName)
	}
	status, _ := rec.status(eng)
	return rec.template(status)
}

// describeTemplate parses a stored template for a describe; one that no
// longer parses (written by an older Portolan) describes without it.
func describeTemplate(text string) *template.Template {
	t, err := template.Parse([]byte(text))
	if err != nil {
		return nil
	}
	return t
}
