package cloudformation

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/stack"
	"github.com/portolan/portolan/internal/stack/template"
	"github.com/portolan/portolan/internal/store"
)

var stackNamePattern = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]{0,127}$`)

func checkStackName(name string) error {
	if !stackNamePattern.MatchString(name) {
		return validation("1 validation error detected: Value '%s' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", name)
	}
	return nil
}

// findStack returns the stack a name or id names: a live stack by name or
// id, or a deleted one by id.
func (c *Control) findStack(ctx context.Context, nameOrID string) (*stackRecord, error) {
	if nameOrID == "" {
		return nil, validation("1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null")
	}
	name := nameOrID
	if awsapi.IsARN(nameOrID) {
		res, ok := awsapi.ResourceOf(nameOrID, "cloudformation", "stack")
		if !ok {
			return nil, stackNotFound(nameOrID)
		}
		name, _, _ = strings.Cut(res, "/")
	}
	rec, _, err := c.getRecord(ctx, name)
	if err != nil {
		return nil, err
	}
	if rec != nil && (name == nameOrID || rec.StackId == nameOrID) {
		return rec, nil
	}
	if name != nameOrID {
		rec, _, err := store.GetJSON[stackRecord](ctx, c.st, deletedKey(stackUUID(nameOrID)))
		if err == nil && rec.StackId == nameOrID {
			return rec, nil
		}
	}
	return nil, stackNotFound(nameOrID)
}

// liveStack is findStack for operations on stacks that exist.
func (c *Control) liveStack(ctx context.Context, nameOrID string) (*stackRecord, store.KV, error) {
	rec, err := c.findStack(ctx, nameOrID)
	if err != nil {
		return nil, store.KV{}, err
	}
	if rec.DeletionTime != nil {
		return nil, store.KV{}, stackNotFound(nameOrID)
	}
	rec, kv, err := c.getRecord(ctx, rec.StackName)
	if err == nil && rec == nil {
		err = stackNotFound(nameOrID)
	}
	return rec, kv, err
}

// ---- CreateStack ----

type CreateStackInput struct {
	StackName                   string
	TemplateBody                string
	TemplateURL                 string
	Parameters                  []Parameter
	DisableRollback             *bool
	RollbackConfiguration       *RollbackConfiguration
	TimeoutInMinutes            *int
	NotificationARNs            []string
	Capabilities                []string
	ResourceTypes               []string
	RoleARN                     string
	OnFailure                   string
	StackPolicyBody             string
	StackPolicyURL              string
	Tags                        []Tag
	ClientRequestToken          string
	EnableTerminationProtection *bool
}

type CreateStackOutput struct {
	StackId string
}

// CreateStack checks the template and its parameters, records the stack
// CREATE_IN_PROGRESS and returns its id; the engine creates it in the
// background.
func (c *Control) CreateStack(ctx context.Context, in *CreateStackInput) (*CreateStackOutput, error) {
	if err := checkStackName(in.StackName); err != nil {
		return nil, err
	}
	onFailure, err := onFailureOf(in.OnFailure, in.DisableRollback)
	if err != nil {
		return nil, err
	}
	if in.TimeoutInMinutes != nil && *in.TimeoutInMinutes < 1 {
		return nil, validation("1 validation error detected: Value '%d' at 'timeoutInMinutes' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.TimeoutInMinutes)
	}
	policy, err := policyText(in.StackPolicyBody, in.StackPolicyURL)
	if err != nil {
		return nil, err
	}
	text, err := templateText(in.TemplateBody, in.TemplateURL, false, "")
	if err != nil {
		return nil, err
	}
	values, err := c.checkRequest(text, in.Parameters, nil, in.Capabilities)
	if err != nil {
		return nil, err
	}
	if _, err := c.preview(ctx, in.StackName, "", text, values); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	now := time.Now()
	rec := &stackRecord{StackName: in.StackName, StackId: template.StackARN(c.cfg.Region, c.cfg.AccountID, in.StackName, awsapi.NewUUID()),
		TemplateBody: text, Parameters: values, Capabilities: in.Capabilities, NotificationARNs: in.NotificationARNs, Tags: in.Tags,
		RoleARN: in.RoleARN, TimeoutInMinutes: in.TimeoutInMinutes, DisableRollback: onFailure == "DO_NOTHING", OnFailure: onFailure,
		EnableTerminationProtection: in.EnableTerminationProtection != nil && *in.EnableTerminationProtection,
		StackPolicyBody:             policy, CreationTime: now}
	rec.setStatus("CREATE_IN_PROGRESS", "User Initiated")
	if err := c.createRecord(ctx, rec); err != nil {
		return nil, err
	}
	if _, err := c.start(rec.StackName, timeoutOf(rec), func(ctx context.Context) {
		c.deploy(ctx, deployRequest{rec: rec, template: text, parameters: values, onFailure: onFailure})
	}); err != nil {
		c.st.Commit(context.WithoutCancel(ctx), store.Txn{Then: []store.Op{store.Delete(stackKey(rec.StackName))}})
		return nil, err
	}
	return &CreateStackOutput{StackId: rec.StackId}, nil
}

// createRecord writes a new stack's record, unless a stack of that name
// exists.
func (c *Control) createRecord(ctx context.Context, rec *stackRecord) error {
	_, err := c.st.Commit(ctx, store.Txn{If: []store.Cmp{store.Absent(stackKey(rec.StackName))}, Then: []store.Op{store.Put(stackKey(rec.StackName), store.JSON(rec))}})
	if err != nil {
		if existing, _, _ := c.getRecord(ctx, rec.StackName); existing != nil {
			return ErrAlreadyExists.Newf("Stack [%s] already exists", rec.StackName)
		}
	}
	return err
}

// checkRequest checks what a create or update can check before anything
// is created: the template parses and deploys here, its IAM resources are
// acknowledged, its parameters satisfy their constraints. It returns the
// parameter values to deploy with. Whether the template plans (its
// imports exist, its functions evaluate) is the engine's preview's to say.
func (c *Control) checkRequest(text string, params []Parameter, previous map[string]string, caps []string) (map[string]string, error) {
	t, err := parseTemplate(text)
	if err != nil {
		return nil, err
	}
	if err := c.checkSupported(t); err != nil {
		return nil, err
	}
	if err := checkCapabilities(t, caps); err != nil {
		return nil, err
	}
	return parameterValues(t, params, previous)
}

// preview asks the engine what a deploy would change; a template that
// fails to plan fails here, in CloudFormation's words.
func (c *Control) preview(ctx context.Context, name, stackID, text string, values map[string]string) (*stack.Preview, error) {
	p, err := c.engine.Preview(ctx, stack.DeployInput{StackName: name, StackID: stackID, Template: []byte(text), Parameters: values})
	if err != nil {
		return nil, templateError(err)
	}
	return p, nil
}

func onFailureOf(onFailure string, disableRollback *bool) (string, error) {
	switch {
	case onFailure != "" && disableRollback != nil:
		return "", validation("You cannot specify both DisableRollback and OnFailure.")
	case disableRollback != nil && *disableRollback:
		return "DO_NOTHING", nil
	case onFailure == "":
		return "ROLLBACK", nil
	case onFailure == "ROLLBACK" || onFailure == "DELETE" || onFailure == "DO_NOTHING":
		return onFailure, nil
	}
	return "", validation("1 validation error detected: Value '%s' at 'onFailure' failed to satisfy constraint: Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]", onFailure)
}

func timeoutOf(rec *stackRecord) time.Duration {
	if rec.TimeoutInMinutes == nil {
		return 0
	}
	return time.Duration(*rec.TimeoutInMinutes) * time.Minute
}

func checkTags(tags []Tag) error {
	if len(tags) > 50 {
		return validation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 || strings.HasPrefix(t.Key, "aws:") {
			return validation("Invalid tag: key %q (1 to 128 characters, not starting with aws:), value of at most 256 characters", t.Key)
		}
	}
	return nil
}

// ---- UpdateStack ----

type UpdateStackInput struct {
	StackName                   string
	TemplateBody                string
	TemplateURL                 string
	UsePreviousTemplate         *bool
	StackPolicyDuringUpdateBody string
	StackPolicyDuringUpdateURL  string
	Parameters                  []Parameter
	Capabilities                []string
	ResourceTypes               []string
	RoleARN                     string
	RollbackConfiguration       *RollbackConfiguration
	StackPolicyBody             string
	StackPolicyURL              string
	NotificationARNs            []string
	Tags                        []Tag
	DisableRollback             *bool
	ClientRequestToken          string
}

type UpdateStackOutput struct {
	StackId string
}

// updatable are the statuses a stack can be updated from.
var updatable = []string{"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_FAILED", "CREATE_FAILED", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"}

// UpdateStack checks the new template and parameters, refuses an update
// that changes nothing, and updates the stack in the background.
func (c *Control) UpdateStack(ctx context.Context, in *UpdateStackInput) (*UpdateStackOutput, error) {
	rec, _, err := c.liveStack(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	rec, kv, eng, err := c.updatableStack(ctx, rec)
	if err != nil {
		return nil, err
	}
	text, err := templateText(in.TemplateBody, in.TemplateURL, in.UsePreviousTemplate != nil && *in.UsePreviousTemplate, rec.TemplateBody)
	if err != nil {
		return nil, err
	}
	values, err := c.checkRequest(text, in.Parameters, eng.Parameters, in.Capabilities)
	if err != nil {
		return nil, err
	}
	tags := rec.Tags
	if in.Tags != nil {
		if err := checkTags(in.Tags); err != nil {
			return nil, err
		}
		tags = in.Tags
	}
	p, err := c.preview(ctx, rec.StackName, rec.StackId, text, values)
	if err != nil {
		return nil, err
	}
	if p.Unchanged && slices.Equal(tags, rec.Tags) && describeTemplate(text).Description == describeTemplate(rec.TemplateBody).Description {
		return nil, validation("No updates are to be performed.")
	}
	policy, err := policyText(in.StackPolicyBody, in.StackPolicyURL)
	if err != nil {
		return nil, err
	}
	if policy != "" {
		rec.StackPolicyBody = policy
	}
	if in.NotificationARNs != nil {
		rec.NotificationARNs = in.NotificationARNs
	}
	rec.Tags, rec.Capabilities = tags, in.Capabilities
	disable := rec.DisableRollback
	if in.DisableRollback != nil {
		disable = *in.DisableRollback
	}
	req := deployRequest{rec: rec, template: text, parameters: values, disableRollback: disable}
	if err := c.beginUpdate(ctx, rec, kv, req, ""); err != nil {
		return nil, err
	}
	return &UpdateStackOutput{StackId: rec.StackId}, nil
}

// updatableStack checks that an update may start on a stack, and returns
// its record as it is once any operation has settled, and the engine's.
func (c *Control) updatableStack(ctx context.Context, rec *stackRecord) (*stackRecord, store.KV, *stack.Stack, error) {
	eng, err := c.engine.Get(ctx, rec.StackName)
	if err != nil {
		return nil, store.KV{}, nil, err
	}
	status, _ := rec.status(eng)
	if eng == nil || !slices.Contains(updatable, status) || c.settledOperation(ctx, rec.StackName, status) != nil {
		return nil, store.KV{}, nil, validation("Stack:%s is in %s state and can not be updated.", rec.StackId, status)
	}
	fresh, kv, err := c.getRecord(ctx, rec.StackName)
	if err == nil && (fresh == nil || fresh.StackId != rec.StackId) {
		err = stackNotFound(rec.StackName)
	}
	return fresh, kv, eng, err
}

// beginUpdate records an update under way and starts it.
func (c *Control) beginUpdate(ctx context.Context, rec *stackRecord, kv store.KV, req deployRequest, changeSetID string) error {
	now := time.Now()
	rec.PreviousTemplateBody, rec.TemplateBody, rec.Parameters = rec.TemplateBody, req.template, req.parameters
	rec.LastUpdatedTime, rec.ChangeSetId = &now, changeSetID
	rec.setStatus("UPDATE_IN_PROGRESS", "User Initiated")
	if _, err := c.st.Commit(ctx, store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(stackKey(rec.StackName), store.JSON(rec))}}); err != nil {
		return ErrOperationInProgress.Newf("Stack %s changed while the update was being checked; retry", rec.StackName)
	}
	_, err := c.start(rec.StackName, timeoutOf(rec), func(ctx context.Context) { c.deploy(ctx, req) })
	return err
}

// ---- DeleteStack ----

type DeleteStackInput struct {
	StackName          string
	RetainResources    []string
	RoleARN            string
	ClientRequestToken string
	DeletionMode       string
}

type DeleteStackOutput struct{}

// DeleteStack deletes a stack in the background. A stack that does not
// exist, or is already being deleted, answers as deleted, as AWS does. A
// stack still being created stops (its create rolls back) and is deleted.
func (c *Control) DeleteStack(ctx context.Context, in *DeleteStackInput) (*DeleteStackOutput, error) {
	rec, err := c.findStack(ctx, in.StackName)
	if awsapi.AsError(err).Code == ErrValidation.Code && strings.Contains(err.Error(), "does not exist") {
		return &DeleteStackOutput{}, nil
	}
	if err != nil {
		return nil, err
	}
	if rec.DeletionTime != nil {
		return &DeleteStackOutput{}, nil
	}
	eng, err := c.engine.Get(ctx, rec.StackName)
	if err != nil {
		return nil, err
	}
	status, _ := rec.status(eng)
	op := c.settledOperation(ctx, rec.StackName, status)
	rec, kv, err := c.getRecord(ctx, rec.StackName)
	if err != nil || rec == nil {
		return &DeleteStackOutput{}, err
	}
	if rec.EnableTerminationProtection {
		return nil, validation("Stack [%s] cannot be deleted while TerminationProtection is enabled", rec.StackName)
	}
	if eng, err = c.engine.Get(ctx, rec.StackName); err != nil {
		return nil, err
	}
	status, _ = rec.status(eng)
	if len(in.RetainResources) > 0 && status != "DELETE_FAILED" {
		return nil, validation("Invalid operation on stack [%s]. RetainResources can only be specified when the stack is in the DELETE_FAILED state", rec.StackId)
	}
	if op != nil {
		switch status {
		case "DELETE_IN_PROGRESS":
			return &DeleteStackOutput{}, nil
		case "CREATE_IN_PROGRESS":
			rec.OnFailure = "DELETE"
			if err := c.putRecord(ctx, rec); err != nil {
				return nil, err
			}
			op.cancel(errCancelled)
			return &DeleteStackOutput{}, nil
		}
		return nil, validation("Stack [%s] cannot be deleted while in status %s", rec.StackName, status)
	}
	rec.setStatus("DELETE_IN_PROGRESS", "User Initiated")
	if _, err := c.st.Commit(ctx, store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(stackKey(rec.StackName), store.JSON(rec))}}); err != nil {
		return nil, ErrOperationInProgress.Newf("Stack %s changed while its deletion was being checked; retry", rec.StackName)
	}
	retain := in.RetainResources
	if _, err := c.start(rec.StackName, 0, func(ctx context.Context) { c.destroy(ctx, rec.StackName, retain) }); err != nil {
		return nil, err
	}
	return &DeleteStackOutput{}, nil
}

// ---- DescribeStacks, ListStacks ----

type DescribeStacksInput struct {
	StackName string
	NextToken string
}

type DescribeStacksOutput struct {
	Stacks    []Stack
	NextToken string
}

var stackPager = awsapi.Pager{Max: 100, Default: 100, BadToken: validation("Invalid NextToken")}

// DescribeStacks describes one stack (a deleted one by its id), or every
// live stack.
func (c *Control) DescribeStacks(ctx context.Context, in *DescribeStacksInput) (*DescribeStacksOutput, error) {
	var recs []*stackRecord
	if in.StackName != "" {
		rec, err := c.findStack(ctx, in.StackName)
		if err != nil {
			return nil, err
		}
		recs = []*stackRecord{rec}
	} else {
		var err error
		if recs, err = c.records(ctx, stackPrefix); err != nil {
			return nil, err
		}
	}
	page, next, err := awsapi.Paginate(stackPager, recs, func(r *stackRecord) string { return r.StackName }, in.NextToken, nil)
	if err != nil {
		return nil, err
	}
	out := &DescribeStacksOutput{Stacks: make([]Stack, 0, len(page)), NextToken: next}
	for _, rec := range page {
		s, err := c.describe(ctx, rec)
		if err != nil {
			return nil, err
		}
		out.Stacks = append(out.Stacks, *s)
	}
	return out, nil
}

// records lists the stack records under a prefix, in key order.
func (c *Control) records(ctx context.Context, prefix string) ([]*stackRecord, error) {
	kvs, _, err := c.st.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]*stackRecord, 0, len(kvs))
	for _, kv := range kvs {
		if rec := store.DecodeJSON[stackRecord](kv.Value); rec != nil {
			out = append(out, rec)
		}
	}
	return out, nil
}

// describe combines a stack's record with what the engine deployed.
func (c *Control) describe(ctx context.Context, rec *stackRecord) (*Stack, error) {
	var eng *stack.Stack
	if rec.DeletionTime == nil {
		var err error
		if eng, err = c.engine.Get(ctx, rec.StackName); err != nil {
			return nil, err
		}
	}
	status, reason := rec.status(eng)
	t := describeTemplate(rec.template(status))
	s := &Stack{StackId: rec.StackId, StackName: rec.StackName, ChangeSetId: rec.ChangeSetId, CreationTime: rec.CreationTime,
		DeletionTime: rec.DeletionTime, LastUpdatedTime: rec.LastUpdatedTime, RollbackConfiguration: &RollbackConfiguration{},
		DisableRollback: rec.DisableRollback, NotificationARNs: orEmpty(rec.NotificationARNs), TimeoutInMinutes: rec.TimeoutInMinutes,
		Capabilities: rec.Capabilities, RoleARN: rec.RoleARN, Tags: rec.Tags, EnableTerminationProtection: rec.EnableTerminationProtection,
		DriftInformation: notChecked}
	s.StackStatus, s.StackStatusReason = status, reason
	if t != nil {
		s.Description = t.Description
	}
	values := rec.Parameters
	if eng != nil && eng.Parameters != nil {
		values = eng.Parameters
	}
	s.Parameters = describedParameters(t, values)
	if eng != nil {
		for _, o := range eng.Outputs {
			s.Outputs = append(s.Outputs, Output{OutputKey: o.Name, OutputValue: o.Value, Description: o.Description, ExportName: o.ExportName})
		}
	}
	return s, nil
}

func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

type ListStacksInput struct {
	NextToken         string
	StackStatusFilter []string
}

// StackSummary is a stack as ListStacks lists it.
type StackSummary struct {
	StackId             string
	StackName           string
	TemplateDescription string
	CreationTime        time.Time
	LastUpdatedTime     *time.Time
	DeletionTime        *time.Time
	StackStatus         string
	StackStatusReason   string
	DriftInformation    *StackDriftInformation
}

type ListStacksOutput struct {
	StackSummaries []StackSummary
	NextToken      string
}

// ListStacks lists live stacks and those deleted in the last 90 days,
// filtered by status.
func (c *Control) ListStacks(ctx context.Context, in *ListStacksInput) (*ListStacksOutput, error) {
	live, err := c.records(ctx, stackPrefix)
	if err != nil {
		return nil, err
	}
	deleted, err := c.records(ctx, deletedPrefix)
	if err != nil {
		return nil, err
	}
	var sums []StackSummary
	for _, rec := range append(live, deleted...) {
		s, err := c.describe(ctx, rec)
		if err != nil {
			return nil, err
		}
		if len(in.StackStatusFilter) > 0 && !slices.Contains(in.StackStatusFilter, s.StackStatus) {
			continue
		}
		sums = append(sums, StackSummary{StackId: s.StackId, StackName: s.StackName, TemplateDescription: s.Description, CreationTime: s.CreationTime,
			LastUpdatedTime: s.LastUpdatedTime, DeletionTime: s.DeletionTime, StackStatus: s.StackStatus, StackStatusReason: s.StackStatusReason, DriftInformation: notChecked})
	}
	slices.SortFunc(sums, func(a, b StackSummary) int { return strings.Compare(a.StackId, b.StackId) })
	page, next, err := awsapi.Paginate(stackPager, sums, func(s StackSummary) string { return s.StackId }, in.NextToken, nil)
	if err != nil {
		return nil, err
	}
	return &ListStacksOutput{StackSummaries: page, NextToken: next}, nil
}
