package cloudmap

import (
	"context"
	"errors"
	"sort"
	"strconv"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type GetOperationInput struct{ OperationId string }

type GetOperationOutput struct{ Operation *Operation }

func (r *Control) GetOperation(ctx context.Context, in *GetOperationInput) (*GetOperationOutput, error) {
	if in.OperationId == "" || len(in.OperationId) > 255 {
		return nil, invalidInput("OperationId is required and must be at most 255 characters")
	}
	op, _, err := store.GetJSON[Operation](ctx, r.st, opKey(in.OperationId))
	if errors.Is(err, store.ErrNotFound) {
		return nil, operationNotFound(in.OperationId)
	} else if err != nil {
		return nil, err
	}
	return &GetOperationOutput{Operation: op}, nil
}

type OperationSummary struct{ Id, Status string }

type ListOperationsOutput struct {
	Operations []OperationSummary
	NextToken  *string `json:",omitempty"`
}

// ListOperations lists operations oldest first, filtered as spec §A.7 says.
func (r *Control) ListOperations(ctx context.Context, in *ListInput) (*ListOperationsOutput, error) {
	for _, f := range in.Filters {
		switch f.Name {
		case "NAMESPACE_ID", "SERVICE_ID", "STATUS", "TYPE", "UPDATE_DATE":
		default:
			return nil, invalidInput("Filter name %q is invalid: it must be NAMESPACE_ID, SERVICE_ID, STATUS, TYPE or UPDATE_DATE", f.Name)
		}
	}
	kvs, _, err := r.st.List(ctx, opPrefix)
	if err != nil {
		return nil, err
	}
	type entry struct {
		key string
		op  OperationSummary
	}
	var all []entry
	for _, kv := range kvs {
		op := store.DecodeJSON[Operation](kv.Value)
		if op == nil {
			continue
		}
		ok, err := operationMatches(op, in.Filters)
		if err != nil {
			return nil, err
		}
		if ok {
			// The sort key makes pages stable: creation time, then id.
			key := strconv.FormatInt(op.CreateDate.Time().UnixMilli(), 10) + "/" + op.Id
			all = append(all, entry{key, OperationSummary{op.Id, op.Status}})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].key < all[j].key })
	pg, next, err := page(all, func(e entry) string { return e.key }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &ListOperationsOutput{Operations: []OperationSummary{}, NextToken: next}
	for _, e := range pg {
		out.Operations = append(out.Operations, e.op)
	}
	return out, nil
}

func operationMatches(op *Operation, filters []Filter) (bool, error) {
	for _, f := range filters {
		var ok bool
		var err error
		switch f.Name {
		case "NAMESPACE_ID":
			ok, err = conditionHolds(f, op.Targets["NAMESPACE"])
		case "SERVICE_ID":
			ok, err = conditionHolds(f, op.Targets["SERVICE"])
		case "STATUS":
			ok, err = conditionHolds(f, op.Status)
		case "TYPE":
			ok, err = conditionHolds(f, op.Type)
		case "UPDATE_DATE":
			if f.Condition != "BETWEEN" || len(f.Values) != 2 {
				return false, invalidInput("Filter UPDATE_DATE takes condition BETWEEN with two epoch-second values")
			}
			lo, err1 := strconv.ParseFloat(f.Values[0], 64)
			hi, err2 := strconv.ParseFloat(f.Values[1], 64)
			if err1 != nil || err2 != nil {
				return false, invalidInput("Filter UPDATE_DATE values must be epoch seconds")
			}
			t := float64(op.UpdateDate.Time().UnixMilli()) / 1000
			ok = t >= lo && t <= hi
		}
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (r *Control) newOperation(typ string, targets map[string]string) *Operation {
	now := awsapi.Now()
	return &Operation{
		Id:           awsapi.RandomID(32) + "-" + awsapi.RandomID(8),
		OwnerAccount: r.cfg.AccountID,
		Type:         typ,
		Status:       OpSuccess,
		CreateDate:   now,
		UpdateDate:   now,
		Targets:      targets,
	}
}
