package cloudformation

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/stack"
	"github.com/portolan/portolan/internal/stack/template"
	"github.com/portolan/portolan/internal/store"
)

// A change set is worked out when it is created (the engine's Preview), so
// it is CREATE_COMPLETE (or FAILED) by the time CreateChangeSet answers:
// the change_set_create_complete waiter sees it done at its first call.

// noChanges is AWS's reason for a change set that would change nothing;
// the AWS CLI's deploy command reads it to say "No changes to deploy".
const noChanges = "The submitted information didn't contain changes. Submit different information to create a change set."

// Change is one entry of a change set's Changes.
type Change struct {
	Type           string
	ResourceChange *ResourceChange
}

type ResourceChange struct {
	Action             string
	LogicalResourceId  string
	PhysicalResourceId string
	ResourceType       string
	Replacement        string
	Scope              []string
	Details            []ResourceChangeDetail
}

type ResourceChangeDetail struct {
	Target        *ResourceTargetDefinition
	Evaluation    string
	ChangeSource  string
	CausingEntity string
}

type ResourceTargetDefinition struct {
	Attribute          string
	Name               string
	RequiresRecreation string
}

// changeSetRecord is a change set as kept.
type changeSetRecord struct {
	ChangeSetName    string
	ChangeSetId      string
	StackName        string
	StackId          string
	Description      string `json:",omitempty"`
	ChangeSetType    string
	TemplateBody     string
	Parameters       map[string]string
	Capabilities     []string
	NotificationARNs []string
	Tags             []Tag
	OnStackFailure   string `json:",omitempty"`
	CreationTime     time.Time
	Status           string
	StatusReason     string `json:",omitempty"`
	ExecutionStatus  string
	Changes          []Change
}

var changeSetNamePattern = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]{0,127}$`)

type CreateChangeSetInput struct {
	StackName             string
	TemplateBody          string
	TemplateURL           string
	UsePreviousTemplate   *bool
	Parameters            []Parameter
	Capabilities          []string
	ResourceTypes         []string
	RoleARN               string
	RollbackConfiguration *RollbackConfiguration
	NotificationARNs      []string
	Tags                  []Tag
	ChangeSetName         string
	ClientToken           string
	Description           string
	ChangeSetType         string
	IncludeNestedStacks   *bool
	OnStackFailure        string
}

type CreateChangeSetOutput struct {
	Id      string
	StackId string
}

// CreateChangeSet works out what a create (ChangeSetType CREATE, for a new
// stack, which then exists in REVIEW_IN_PROGRESS) or an update would do.
func (c *Control) CreateChangeSet(ctx context.Context, in *CreateChangeSetInput) (*CreateChangeSetOutput, error) {
	if !changeSetNamePattern.MatchString(in.ChangeSetName) {
		return nil, validation("1 validation error detected: Value '%s' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", in.ChangeSetName)
	}
	typ := in.ChangeSetType
	if typ == "" {
		typ = "UPDATE"
	}
	if typ != "CREATE" && typ != "UPDATE" {
		return nil, validation("ChangeSetType %s is not supported: Portolan creates and updates stacks, it does not import resources", typ)
	}
	if in.OnStackFailure != "" && typ != "CREATE" {
		return nil, validation("OnStackFailure can only be specified for a change set of type CREATE")
	}
	if _, err := onFailureOf(in.OnStackFailure, nil); err != nil {
		return nil, err
	}
	rec, eng, isNew, err := c.changeSetStack(ctx, in.StackName, typ)
	if err != nil {
		return nil, err
	}
	var previous map[string]string
	if eng != nil {
		previous = eng.Parameters
	}
	text, err := templateText(in.TemplateBody, in.TemplateURL, in.UsePreviousTemplate != nil && *in.UsePreviousTemplate, rec.TemplateBody)
	if err != nil {
		return nil, err
	}
	values, err := c.checkRequest(text, in.Parameters, previous, in.Capabilities)
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
	if isNew {
		if err := c.createRecord(ctx, rec); err != nil {
			return nil, err
		}
		c.stackEvent(ctx, rec, rec.Status, rec.StatusReason)
	}
	cs := &changeSetRecord{ChangeSetName: in.ChangeSetName, StackName: rec.StackName, StackId: rec.StackId, Description: in.Description,
		ChangeSetType: typ, TemplateBody: text, Parameters: values, Capabilities: in.Capabilities, NotificationARNs: in.NotificationARNs,
		Tags: tags, OnStackFailure: in.OnStackFailure, CreationTime: time.Now(), Status: "CREATE_COMPLETE", ExecutionStatus: "AVAILABLE",
		ChangeSetId: awsapi.ARN("cloudformation", c.cfg.Region, c.cfg.AccountID, "changeSet/"+in.ChangeSetName+"/"+awsapi.NewUUID())}
	p, err := c.preview(ctx, rec.StackName, rec.StackId, text, values)
	switch {
	case err != nil:
		cs.Status, cs.StatusReason, cs.ExecutionStatus = "FAILED", awsapi.AsError(err).Message, "UNAVAILABLE"
	case p.Unchanged && slices.Equal(tags, rec.Tags):
		cs.Status, cs.StatusReason, cs.ExecutionStatus = "FAILED", noChanges, "UNAVAILABLE"
	default:
		cs.Changes = wireChanges(p.Changes)
	}
	key := changeSetKey(stackUUID(rec.StackId), cs.ChangeSetName)
	if _, err := c.st.Commit(ctx, store.Txn{If: []store.Cmp{store.Absent(key)}, Then: []store.Op{store.Put(key, store.JSON(cs))}}); err != nil {
		if existing, _, _ := store.GetJSON[changeSetRecord](ctx, c.st, key); existing != nil {
			return nil, ErrAlreadyExists.Newf("ChangeSet [%s] already exists", cs.ChangeSetName)
		}
		return nil, err
	}
	return &CreateChangeSetOutput{Id: cs.ChangeSetId, StackId: rec.StackId}, nil
}

// changeSetStack returns the stack a change set is for. For a CREATE
// change set of a new stack that is a new record in REVIEW_IN_PROGRESS,
// for the caller to write once the request checks out.
func (c *Control) changeSetStack(ctx context.Context, name, typ string) (rec *stackRecord, eng *stack.Stack, isNew bool, err error) {
	rec, err = c.findStack(ctx, name)
	if err != nil && !errors.Is(err, ErrValidation) {
		return nil, nil, false, err
	}
	if rec != nil && rec.DeletionTime != nil {
		rec = nil
	}
	switch {
	case typ == "UPDATE" && (rec == nil || rec.Status == "REVIEW_IN_PROGRESS"):
		return nil, nil, false, validation("Stack [%s] does not exist", name)
	case typ == "UPDATE":
		rec, _, eng, err := c.updatableStack(ctx, rec)
		return rec, eng, false, err
	case rec != nil && rec.Status != "REVIEW_IN_PROGRESS":
		return nil, nil, false, ErrAlreadyExists.Newf("Stack [%s] already exists", rec.StackName)
	case rec != nil:
		return rec, nil, false, nil
	}
	if err := checkStackName(name); err != nil {
		return nil, nil, false, err
	}
	rec = &stackRecord{StackName: name, StackId: template.StackARN(c.cfg.Region, c.cfg.AccountID, name, awsapi.NewUUID()), CreationTime: time.Now()}
	rec.setStatus("REVIEW_IN_PROGRESS", "User Initiated")
	return rec, nil, true, nil
}

func wireChanges(changes []stack.ResourceChange) []Change {
	out := make([]Change, 0, len(changes))
	for _, ch := range changes {
		rc := &ResourceChange{Action: ch.Action, LogicalResourceId: ch.LogicalID, PhysicalResourceId: ch.PhysicalID, ResourceType: ch.Type,
			Replacement: ch.Replacement, Scope: ch.Scope}
		if ch.Action == "Modify" {
			rc.Details = []ResourceChangeDetail{}
			if rc.Scope == nil {
				rc.Scope = []string{}
			}
		}
		for _, d := range ch.Details {
			rc.Details = append(rc.Details, ResourceChangeDetail{Target: &ResourceTargetDefinition{Attribute: d.Attribute, Name: d.Name, RequiresRecreation: d.RequiresRecreation},
				Evaluation: d.Evaluation, ChangeSource: d.ChangeSource, CausingEntity: d.CausingEntity})
		}
		out = append(out, Change{Type: "Resource", ResourceChange: rc})
	}
	return out
}

// findChangeSet returns the change set a name (of the stack's) or an id
// names.
func (c *Control) findChangeSet(ctx context.Context, stackName, nameOrID string) (*changeSetRecord, error) {
	if awsapi.IsARN(nameOrID) {
		kvs, _, err := c.st.List(ctx, changeSetPrefix)
		if err != nil {
			return nil, err
		}
		for _, kv := range kvs {
			if cs := store.DecodeJSON[changeSetRecord](kv.Value); cs != nil && cs.ChangeSetId == nameOrID {
				return cs, nil
			}
		}
		return nil, changeSetNotFound(nameOrID)
	}
	if stackName == "" {
		return nil, validation("StackName must be specified if ChangeSetName is not specified as an ARN.")
	}
	rec, err := c.findStack(ctx, stackName)
	if err != nil {
		return nil, changeSetNotFound(nameOrID)
	}
	cs, _, err := store.GetJSON[changeSetRecord](ctx, c.st, changeSetKey(stackUUID(rec.StackId), nameOrID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, changeSetNotFound(nameOrID)
	}
	return cs, err
}

type DescribeChangeSetInput struct {
	ChangeSetName string
	StackName     string
	NextToken     string
}

type DescribeChangeSetOutput struct {
	ChangeSetName         string
	ChangeSetId           string
	StackId               string
	StackName             string
	Description           string
	Parameters            []Parameter
	CreationTime          time.Time
	ExecutionStatus       string
	Status                string
	StatusReason          string
	NotificationARNs      []string
	RollbackConfiguration *RollbackConfiguration
	Capabilities          []string
	Tags                  []Tag
	Changes               []Change
	IncludeNestedStacks   bool
	OnStackFailure        string
}

// DescribeChangeSet describes a change set and its changes.
func (c *Control) DescribeChangeSet(ctx context.Context, in *DescribeChangeSetInput) (*DescribeChangeSetOutput, error) {
	cs, err := c.findChangeSet(ctx, in.StackName, in.ChangeSetName)
	if err != nil {
		return nil, err
	}
	changes := cs.Changes
	if changes == nil {
		changes = []Change{}
	}
	return &DescribeChangeSetOutput{ChangeSetName: cs.ChangeSetName, ChangeSetId: cs.ChangeSetId, StackId: cs.StackId, StackName: cs.StackName,
		Description: cs.Description, Parameters: describedParameters(describeTemplate(cs.TemplateBody), cs.Parameters), CreationTime: cs.CreationTime,
		ExecutionStatus: cs.ExecutionStatus, Status: cs.Status, StatusReason: cs.StatusReason, NotificationARNs: orEmpty(cs.NotificationARNs),
		RollbackConfiguration: &RollbackConfiguration{}, Capabilities: cs.Capabilities, Tags: cs.Tags, Changes: changes, OnStackFailure: cs.OnStackFailure}, nil
}

type ExecuteChangeSetInput struct {
	ChangeSetName      string
	StackName          string
	ClientRequestToken string
	DisableRollback    *bool
}

type ExecuteChangeSetOutput struct{}

// ExecuteChangeSet carries a change set out: the stack is created or
// updated in the background, and the stack's other change sets are
// deleted, as AWS deletes them. The answer waits for the operation for up
// to Config.ExecuteHold.
func (c *Control) ExecuteChangeSet(ctx context.Context, in *ExecuteChangeSetInput) (*ExecuteChangeSetOutput, error) {
	cs, err := c.findChangeSet(ctx, in.StackName, in.ChangeSetName)
	if err != nil {
		return nil, err
	}
	if cs.Status != "CREATE_COMPLETE" || cs.ExecutionStatus != "AVAILABLE" {
		return nil, ErrInvalidChangeSetStatus.Newf("ChangeSet [%s] cannot be executed in its current status of [%s]", cs.ChangeSetId, cs.Status)
	}
	rec, kv, err := c.liveStack(ctx, cs.StackId)
	if err != nil {
		return nil, err
	}
	if cs.ChangeSetType == "UPDATE" {
		if rec, kv, _, err = c.updatableStack(ctx, rec); err != nil {
			return nil, err
		}
	}
	key := changeSetKey(stackUUID(rec.StackId), cs.ChangeSetName)
	req := deployRequest{rec: rec, template: cs.TemplateBody, parameters: cs.Parameters, changeSetKey: key}
	if in.DisableRollback != nil {
		req.disableRollback = *in.DisableRollback
	}
	rec.Capabilities, rec.Tags = cs.Capabilities, cs.Tags
	if cs.NotificationARNs != nil {
		rec.NotificationARNs = cs.NotificationARNs
	}
	if cs.ChangeSetType == "CREATE" {
		if rec.Status != "REVIEW_IN_PROGRESS" {
			return nil, ErrInvalidChangeSetStatus.Newf("ChangeSet [%s] cannot be executed: stack %s is in %s state", cs.ChangeSetId, rec.StackName, rec.Status)
		}
		req.onFailure, _ = onFailureOf(cs.OnStackFailure, in.DisableRollback)
		rec.TemplateBody, rec.Parameters, rec.ChangeSetId = cs.TemplateBody, cs.Parameters, cs.ChangeSetId
		rec.DisableRollback, rec.OnFailure = req.onFailure == "DO_NOTHING", req.onFailure
		rec.setStatus("CREATE_IN_PROGRESS", "User Initiated")
		if err := c.putIfUnchanged(ctx, rec, kv); err != nil {
			return nil, err
		}
		if _, err := c.start(rec.StackName, 0, func(ctx context.Context) { c.deploy(ctx, req) }); err != nil {
			return nil, err
		}
	} else {
		if in.DisableRollback == nil {
			req.disableRollback = rec.DisableRollback
		}
		if err := c.beginUpdate(ctx, rec, kv, req, cs.ChangeSetId); err != nil {
			return nil, err
		}
	}
	c.setChangeSetExecution(ctx, key, "EXECUTE_IN_PROGRESS")
	c.deleteOtherChangeSets(ctx, rec.StackId, cs.ChangeSetName)
	if op := c.operation(rec.StackName); op != nil {
		hold(ctx, op, c.cfg.ExecuteHold)
	}
	return &ExecuteChangeSetOutput{}, nil
}

// setChangeSetExecution records a change set's execution status.
func (c *Control) setChangeSetExecution(ctx context.Context, key, status string) {
	cs, _, err := store.GetJSON[changeSetRecord](ctx, c.st, key)
	if err != nil {
		return // deleted meanwhile
	}
	cs.ExecutionStatus = status
	if _, err := c.st.Commit(context.WithoutCancel(ctx), store.Txn{Then: []store.Op{store.Put(key, store.JSON(cs))}}); err != nil {
		c.log.Warn("change set status not recorded", "changeSet", cs.ChangeSetName, "err", err)
	}
}

func (c *Control) deleteOtherChangeSets(ctx context.Context, stackID, keep string) {
	kvs, _, err := c.st.List(ctx, changeSetsPrefix(stackUUID(stackID)))
	if err != nil {
		return
	}
	var ops []store.Op
	for _, kv := range kvs {
		if !strings.HasSuffix(kv.Key, "/"+keep) {
			ops = append(ops, store.Delete(kv.Key))
		}
	}
	if len(ops) > 0 {
		c.st.Commit(context.WithoutCancel(ctx), store.Txn{Then: ops})
	}
}

// failExecutingChangeSets marks the change sets a stopped server was
// executing as failed.
func (c *Control) failExecutingChangeSets(ctx context.Context, rec *stackRecord) error {
	kvs, _, err := c.st.List(ctx, changeSetsPrefix(stackUUID(rec.StackId)))
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		if cs := store.DecodeJSON[changeSetRecord](kv.Value); cs != nil && cs.ExecutionStatus == "EXECUTE_IN_PROGRESS" {
			c.setChangeSetExecution(ctx, kv.Key, "EXECUTE_FAILED")
		}
	}
	return nil
}

type DeleteChangeSetInput struct {
	ChangeSetName string
	StackName     string
}

type DeleteChangeSetOutput struct{}

// DeleteChangeSet deletes a change set that is not being executed.
func (c *Control) DeleteChangeSet(ctx context.Context, in *DeleteChangeSetInput) (*DeleteChangeSetOutput, error) {
	cs, err := c.findChangeSet(ctx, in.StackName, in.ChangeSetName)
	if err != nil {
		return nil, err
	}
	if cs.ExecutionStatus == "EXECUTE_IN_PROGRESS" {
		return nil, ErrInvalidChangeSetStatus.Newf("Cannot delete ChangeSet [%s] in its current execution status of [%s]", cs.ChangeSetId, cs.ExecutionStatus)
	}
	_, err = c.st.Commit(ctx, store.Txn{Then: []store.Op{store.Delete(changeSetKey(stackUUID(cs.StackId), cs.ChangeSetName))}})
	return &DeleteChangeSetOutput{}, err
}

type ListChangeSetsInput struct {
	StackName string
	NextToken string
}

// ChangeSetSummary is a change set as ListChangeSets lists it.
type ChangeSetSummary struct {
	StackId         string
	StackName       string
	ChangeSetId     string
	ChangeSetName   string
	ExecutionStatus string
	Status          string
	StatusReason    string
	CreationTime    time.Time
	Description     string
}

type ListChangeSetsOutput struct {
	Summaries []ChangeSetSummary
	NextToken string
}

// ListChangeSets lists a stack's change sets, by name.
func (c *Control) ListChangeSets(ctx context.Context, in *ListChangeSetsInput) (*ListChangeSetsOutput, error) {
	rec, err := c.findStack(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	kvs, _, err := c.st.List(ctx, changeSetsPrefix(stackUUID(rec.StackId)))
	if err != nil {
		return nil, err
	}
	var sums []ChangeSetSummary
	for _, kv := range kvs {
		if cs := store.DecodeJSON[changeSetRecord](kv.Value); cs != nil {
			sums = append(sums, ChangeSetSummary{StackId: cs.StackId, StackName: cs.StackName, ChangeSetId: cs.ChangeSetId, ChangeSetName: cs.ChangeSetName,
				ExecutionStatus: cs.ExecutionStatus, Status: cs.Status, StatusReason: cs.StatusReason, CreationTime: cs.CreationTime, Description: cs.Description})
		}
	}
	page, next, err := awsapi.Paginate(stackPager, sums, func(s ChangeSetSummary) string { return s.ChangeSetName }, in.NextToken, nil)
	if err != nil {
		return nil, err
	}
	return &ListChangeSetsOutput{Summaries: page, NextToken: next}, nil
}
