package ecs

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Deleting task definitions. DeleteTaskDefinitions moves INACTIVE
// revisions to DELETE_IN_PROGRESS and leaves a marker; the scheduler's
// pass deletes a marked revision for good once no task that is not stopped
// and no deployment of an ACTIVE service uses it, as ECS does. The family
// record keeps its last revision, so the next registration still counts on.

type DeleteTaskDefinitionsInput struct {
	TaskDefinitions []string `json:"taskDefinitions"`
}

type DeleteTaskDefinitionsOutput struct {
	TaskDefinitions []*TaskDefinition `json:"taskDefinitions"`
	Failures        []Failure         `json:"failures"`
}

// maxDeleteTaskDefinitions is the model's limit per call.
const maxDeleteTaskDefinitions = 10

// DeleteTaskDefinitions submits deregistered revisions for deletion (AWS
// DeleteTaskDefinitions). A revision that is still ACTIVE, or missing, is a
// failure of the call, not an error.
func (c *Control) DeleteTaskDefinitions(ctx context.Context, in *DeleteTaskDefinitionsInput) (*DeleteTaskDefinitionsOutput, error) {
	if n := len(in.TaskDefinitions); n < 1 || n > maxDeleteTaskDefinitions {
		return nil, invalidParameter("taskDefinitions must name between 1 and %d task definitions.", maxDeleteTaskDefinitions)
	}
	out := &DeleteTaskDefinitionsOutput{TaskDefinitions: []*TaskDefinition{}, Failures: []Failure{}}
	for _, ref := range in.TaskDefinitions {
		if !strings.Contains(ref[strings.LastIndex(ref, "/")+1:], ":") {
			return nil, clientError("The specified task definition does not include a revision number.")
		}
		var deleted *TaskDefinition
		err := c.commit(ctx, func() (store.Txn, error) {
			td, kv, err := c.resolveTaskDefinition(ctx, ref)
			if err != nil {
				return store.Txn{}, err
			}
			deleted = &td.TaskDefinition
			switch td.Status {
			case "ACTIVE":
				return store.Txn{}, clientError("The specified task definition is still in ACTIVE status. Please deregister the target and try again.")
			case "DELETE_IN_PROGRESS":
				return store.Txn{}, nil
			}
			td.Status = "DELETE_IN_PROGRESS"
			return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{
				store.Put(kv.Key, store.JSON(td)),
				store.Put(taskDefDeleteKey(td.Family, td.Revision), store.JSON(struct{}{})),
			}}, nil
		})
		var apiErr *awsapi.Error
		switch {
		case err == nil:
		case deleted != nil && errors.As(err, &apiErr):
			out.Failures = append(out.Failures, Failure{Arn: deleted.TaskDefinitionArn, Reason: apiErr.Message})
			continue
		case errors.Is(err, ErrClientException):
			out.Failures = append(out.Failures, Failure{Arn: ref, Reason: "MISSING"})
			continue
		default:
			return nil, err
		}
		out.TaskDefinitions = append(out.TaskDefinitions, deleted)
	}
	return out, nil
}

// purgeDeletedTaskDefinitions deletes each revision marked for deletion
// that nothing uses any more: no live task, no deployment of an ACTIVE
// service.
func (c *Control) purgeDeletedTaskDefinitions(ctx context.Context, services []store.KV, views []taskView) error {
	marks, _, err := c.st.List(ctx, taskDefDeletePrefix)
	if err != nil || len(marks) == 0 {
		return err
	}
	used := map[string]bool{}
	for _, v := range views {
		if v.live() {
			used[v.t.TaskDefinitionArn] = true
		}
	}
	for _, kv := range services {
		if rec := store.DecodeJSON[serviceRecord](kv.Value); rec != nil && rec.Status == "ACTIVE" {
			for _, d := range rec.Deployments {
				used[d.TaskDefinition] = true
			}
		}
	}
	for _, mark := range marks {
		family, rev, ok := strings.Cut(strings.TrimPrefix(mark.Key, taskDefDeletePrefix), "/")
		n, err := strconv.Atoi(rev)
		if !ok || err != nil {
			continue
		}
		if used[c.arn("task-definition/"+family+":"+strconv.Itoa(n))] {
			continue
		}
		_, err = c.st.Commit(ctx, store.Txn{If: []store.Cmp{store.Unchanged(mark)}, Then: []store.Op{
			store.Delete(taskDefKey(family, n)), store.Delete(mark.Key),
		}})
		if err != nil {
			return err
		}
	}
	return nil
}
