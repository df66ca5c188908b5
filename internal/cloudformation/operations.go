package cloudformation

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/stack"
	"github.com/portolan/portolan/internal/store"
)

// operation is a stack operation running in the background.
type operation struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
}

// errCancelled is the cause of an operation CancelUpdateStack stopped.
var errCancelled = errors.New("cloudformation: stack update cancelled")

// errTimedOut is the cause of an operation that outran TimeoutInMinutes.
var errTimedOut = errors.New("cloudformation: the operation outran TimeoutInMinutes")

// start runs fn for the stack named, in a goroutine Run owns, and returns
// at once. Its context is cancelled by CancelUpdateStack (cause
// errCancelled), after timeout if positive (errTimedOut), and with
// stack.ErrStopping when the server stops. One operation runs per stack.
func (c *Control) start(name string, timeout time.Duration, fn func(ctx context.Context)) (*operation, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.run == nil {
		return nil, errServerNotReady
	}
	if c.ops[name] != nil {
		return nil, ErrOperationInProgress.Newf("Stack %s has an operation in progress", name)
	}
	// Not a child of Run's context: Run cancels it with its own cause.
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(c.run))
	op := &operation{cancel: cancel, done: make(chan struct{})}
	c.ops[name] = op
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer close(op.done)
		defer func() {
			c.mu.Lock()
			delete(c.ops, name)
			c.mu.Unlock()
			cancel(nil)
		}()
		defer func() {
			if p := recover(); p != nil {
				c.log.Error("panic in a stack operation", "stack", name, "panic", p, "trace", string(debug.Stack()))
				c.failAfterPanic(context.WithoutCancel(ctx), name)
			}
		}()
		if timeout > 0 {
			t := time.AfterFunc(timeout, func() { cancel(errTimedOut) })
			defer t.Stop()
		}
		fn(ctx)
	}()
	return op, nil
}

// failAfterPanic settles a stack whose operation panicked as a crash
// would leave it: the operation under way failed.
func (c *Control) failAfterPanic(ctx context.Context, name string) {
	rec, _, err := c.getRecord(ctx, name)
	if err != nil || rec == nil {
		return
	}
	eng, _ := c.engine.Get(ctx, name)
	status, _ := rec.status(eng)
	op, _ := strings.CutSuffix(status, "_IN_PROGRESS")
	rec.setStatus(op+"_FAILED", "Internal failure: the operation stopped on a bug in Portolan (the server's log has the details).")
	if c.putRecord(ctx, rec) == nil {
		c.stackEvent(ctx, rec, rec.Status, rec.StatusReason)
	}
}

// operation returns the operation under way on a stack, or nil.
func (c *Control) operation(name string) *operation {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ops[name]
}

// settledOperation returns the operation under way on a stack, or nil.
// An operation whose stack already shows a final status is only recording
// its outcome: it is waited for (briefly), so that a client that saw the
// status can start the next operation at once, as on AWS.
func (c *Control) settledOperation(ctx context.Context, name, status string) *operation {
	op := c.operation(name)
	if op == nil || strings.HasSuffix(status, "_IN_PROGRESS") {
		return op
	}
	hold(ctx, op, 10*time.Second)
	return c.operation(name)
}

// hold waits for op to end, up to d.
func hold(ctx context.Context, op *operation, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-op.done:
	case <-t.C:
	case <-ctx.Done():
	}
}

// deployRequest is a create or update the engine is to carry out.
type deployRequest struct {
	rec             *stackRecord
	template        string
	parameters      map[string]string
	disableRollback bool
	onFailure       string // ROLLBACK, DELETE or DO_NOTHING, for a create
	changeSetKey    string // the change set being executed, if any
}

// deploy runs in the background: the engine creates or updates the stack,
// its events recorded as it goes; then the outcome is settled.
func (c *Control) deploy(ctx context.Context, req deployRequest) {
	rec := req.rec
	in := stack.DeployInput{StackName: rec.StackName, StackID: rec.StackId, Template: []byte(req.template), Parameters: req.parameters,
		Images: c.images(rec.Tags), DisableRollback: req.disableRollback || req.onFailure == "DO_NOTHING"}
	st, err := c.engine.Deploy(ctx, in, c.emitter(ctx, rec))
	if errors.Is(context.Cause(ctx), stack.ErrStopping) {
		return // the next start settles it (recoverStacks)
	}
	keep := context.WithoutCancel(ctx)
	if err != nil {
		c.log.Info("stack operation failed", "stack", rec.StackName, "err", err)
	}
	c.settleDeploy(keep, req, st, err)
	// OnFailure DELETE, or a DeleteStack that stopped the create.
	if st == nil || st.Status != "ROLLBACK_COMPLETE" {
		return
	}
	if cur, _, _ := c.getRecord(keep, rec.StackName); cur != nil && cur.OnFailure == "DELETE" {
		cur.setStatus("DELETE_IN_PROGRESS", "User Initiated")
		c.putRecord(keep, cur)
		c.destroy(keep, rec.StackName, nil)
	}
}

// settleDeploy records a deploy's outcome in the stack's record and its
// change set's.
func (c *Control) settleDeploy(ctx context.Context, req deployRequest, st *stack.Stack, err error) {
	rec, _, getErr := c.getRecord(ctx, req.rec.StackName)
	if getErr != nil || rec == nil || rec.StackId != req.rec.StackId {
		c.log.Warn("stack record gone after its operation", "stack", req.rec.StackName, "err", getErr)
		return
	}
	executed := "EXECUTE_COMPLETE"
	switch {
	case st == nil && err != nil:
		// The engine refused before starting (something changed since the
		// request was checked): the stack is as it was, or failed if new.
		executed = "EXECUTE_FAILED"
		status := "UPDATE_ROLLBACK_COMPLETE"
		if rec.Status == "CREATE_IN_PROGRESS" {
			status = "ROLLBACK_COMPLETE"
		}
		rec.TemplateBody = rec.PreviousTemplateBody
		rec.setStatus(status, err.Error())
		c.stackEvent(ctx, rec, status, err.Error())
	case err != nil:
		executed = "EXECUTE_FAILED"
		if strings.Contains(st.Status, "ROLLBACK") && rec.PreviousTemplateBody != "" {
			rec.TemplateBody = rec.PreviousTemplateBody
		}
	}
	rec.PreviousTemplateBody = ""
	if err := c.putRecord(ctx, rec); err != nil {
		c.log.Warn("stack record not updated", "stack", rec.StackName, "err", err)
	}
	if req.changeSetKey != "" {
		c.setChangeSetExecution(ctx, req.changeSetKey, executed)
	}
}

// destroy deletes the stack through the engine, then moves its record to
// the deleted stacks. A stack the engine never deployed (a create that
// never started, a stack in review) has nothing to delete.
func (c *Control) destroy(ctx context.Context, name string, retain []string) {
	rec, _, err := c.getRecord(ctx, name)
	if err != nil || rec == nil {
		return
	}
	eng, err := c.engine.Get(ctx, name)
	if err != nil {
		c.log.Warn("delete stack", "stack", name, "err", err)
		return
	}
	if eng != nil {
		err = c.engine.DestroyRetaining(ctx, name, retain, c.emitter(ctx, rec))
		if errors.Is(context.Cause(ctx), stack.ErrStopping) {
			return
		}
		if err != nil {
			c.log.Info("stack deletion failed", "stack", name, "err", err)
			return // the engine recorded DELETE_FAILED and why
		}
	}
	// The engine reported the deletion's end; a stack it never deployed
	// ends here.
	if err := c.finishDelete(context.WithoutCancel(ctx), rec, eng == nil); err != nil {
		c.log.Warn("delete stack", "stack", name, "err", err)
	}
}

// finishDelete moves a deleted stack's record out of the live ones, where
// ListStacks and DescribeStacks by id still find it, and records the
// DELETE_COMPLETE event if asked.
func (c *Control) finishDelete(ctx context.Context, rec *stackRecord, event bool) error {
	now := time.Now()
	rec.DeletionTime = &now
	rec.setStatus("DELETE_COMPLETE", "")
	_, err := c.st.Commit(ctx, store.Txn{Then: []store.Op{
		store.Delete(stackKey(rec.StackName)),
		store.Put(deletedKey(stackUUID(rec.StackId)), store.JSON(rec)),
	}})
	if err != nil {
		return fmt.Errorf("record the deletion of %s: %w", rec.StackName, err)
	}
	if event {
		c.stackEvent(ctx, rec, "DELETE_COMPLETE", "")
	}
	return nil
}

// forgetDeleted removes the stacks deleted before cutoff, with their
// events and change sets.
func (c *Control) forgetDeleted(ctx context.Context, cutoff time.Time) error {
	kvs, _, err := c.st.List(ctx, deletedPrefix)
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		rec := store.DecodeJSON[stackRecord](kv.Value)
		if rec == nil || rec.DeletionTime == nil || rec.DeletionTime.After(cutoff) {
			continue
		}
		ops := []store.Op{store.Delete(kv.Key)}
		for _, prefix := range []string{eventsPrefix(stackUUID(rec.StackId)), changeSetsPrefix(stackUUID(rec.StackId))} {
			more, _, err := c.st.List(ctx, prefix)
			if err != nil {
				return err
			}
			for _, m := range more {
				ops = append(ops, store.Delete(m.Key))
			}
		}
		if _, err := c.st.Commit(ctx, store.Txn{Then: ops}); err != nil {
			return err
		}
	}
	return nil
}

type CancelUpdateStackInput struct {
	StackName          string
	ClientRequestToken string
}

type CancelUpdateStackOutput struct{}

// CancelUpdateStack stops an update under way; it rolls back.
func (c *Control) CancelUpdateStack(ctx context.Context, in *CancelUpdateStackInput) (*CancelUpdateStackOutput, error) {
	rec, _, err := c.liveStack(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	eng, err := c.engine.Get(ctx, rec.StackName)
	if err != nil {
		return nil, err
	}
	op := c.operation(rec.StackName)
	if status, _ := rec.status(eng); status != "UPDATE_IN_PROGRESS" || op == nil {
		return nil, validation("CancelUpdateStack cannot be called from current stack status")
	}
	op.cancel(errCancelled)
	return &CancelUpdateStackOutput{}, nil
}

type ContinueUpdateRollbackInput struct {
	StackName          string
	RoleARN            string
	ResourcesToSkip    []string
	ClientRequestToken string
}

type ContinueUpdateRollbackOutput struct{}

// ContinueUpdateRollback retries the rollback of a stack left
// UPDATE_ROLLBACK_FAILED: the engine deploys the template and parameters
// the stack rolled back to, and the stack ends UPDATE_ROLLBACK_COMPLETE.
// ResourcesToSkip is not supported.
func (c *Control) ContinueUpdateRollback(ctx context.Context, in *ContinueUpdateRollbackInput) (*ContinueUpdateRollbackOutput, error) {
	if len(in.ResourcesToSkip) > 0 {
		return nil, validation("ResourcesToSkip is not supported: Portolan retries every resource of the rollback")
	}
	rec, kv, err := c.liveStack(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	eng, err := c.engine.Get(ctx, rec.StackName)
	if err != nil {
		return nil, err
	}
	if status, _ := rec.status(eng); status != "UPDATE_ROLLBACK_FAILED" || eng == nil || c.settledOperation(ctx, rec.StackName, status) != nil {
		return nil, validation("Stack %s is in %s state and can not continue an update rollback; only stacks in UPDATE_ROLLBACK_FAILED can", rec.StackId, status)
	}
	rec.setStatus("UPDATE_ROLLBACK_IN_PROGRESS", "User Initiated")
	if err := c.putIfUnchanged(ctx, rec, kv); err != nil {
		return nil, err
	}
	c.stackEvent(ctx, rec, rec.Status, rec.StatusReason)
	req := deployRequest{rec: rec, template: rec.TemplateBody, parameters: eng.Parameters}
	_, err = c.start(rec.StackName, 0, func(ctx context.Context) {
		st, err := c.engine.Deploy(ctx, stack.DeployInput{StackName: rec.StackName, Template: []byte(req.template), Parameters: req.parameters,
			Images: c.images(rec.Tags), DisableRollback: true}, c.emitter(ctx, rec))
		if errors.Is(context.Cause(ctx), stack.ErrStopping) {
			return
		}
		status, reason := "UPDATE_ROLLBACK_COMPLETE", ""
		if err != nil || st == nil {
			status, reason = "UPDATE_ROLLBACK_FAILED", fmt.Sprint(err)
		}
		keep := context.WithoutCancel(ctx)
		if cur, _, _ := c.getRecord(keep, rec.StackName); cur != nil {
			cur.setStatus(status, reason)
			c.putRecord(keep, cur)
			c.stackEvent(keep, cur, status, reason)
		}
	})
	return &ContinueUpdateRollbackOutput{}, err
}
