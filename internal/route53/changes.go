package route53

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// idAlphabet is what Route 53's zone and change ids are made of.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newID is a zone or change id in Route 53's shape: the prefix letter
// ('Z', 'C'), then 20 upper-case letters and digits.
func newID(prefix string) string { return prefix + "0" + awsapi.RandomString(19, idAlphabet) }

// newChange is the record of a change committed with the operation
// that makes it, and the op that writes it.
func newChange(comment string) (changeRecord, store.Op) {
	rec := changeRecord{Id: newID("C"), SubmittedAt: Time(time.Now().Truncate(time.Millisecond)), Comment: comment}
	return rec, store.Put(changeKey(rec.Id), store.JSON(rec))
}

// changeInfo answers for a change committed at rev: PENDING until the DNS
// server answers from a revision of the zones at least as new.
func (c *Control) changeInfo(rec changeRecord, rev int64) ChangeInfo {
	status := StatusInsync
	if c.cfg.Served != nil && c.cfg.Served() < rev {
		status = StatusPending
	}
	return ChangeInfo{Id: "/change/" + rec.Id, Status: status, SubmittedAt: rec.SubmittedAt, Comment: rec.Comment}
}

// committedChange reads back a change an operation just committed.
func (c *Control) committedChange(ctx context.Context, rec changeRecord) (ChangeInfo, error) {
	kv, err := c.st.Get(ctx, changeKey(rec.Id))
	if err != nil {
		return ChangeInfo{}, err
	}
	return c.changeInfo(rec, kv.ModRevision), nil
}

type GetChangeInput struct {
	Id string `uri:"Id"`
}

type GetChangeOutput struct{ ChangeInfo ChangeInfo }

func (c *Control) GetChange(ctx context.Context, in *GetChangeInput) (*GetChangeOutput, error) {
	id := strings.TrimPrefix(in.Id, "/change/")
	rec, kv, err := store.GetJSON[changeRecord](ctx, c.st, changeKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoSuchChange.Newf("A change with the specified change ID does not exist: %s", id)
	}
	if err != nil {
		return nil, err
	}
	return &GetChangeOutput{ChangeInfo: c.changeInfo(*rec, kv.ModRevision)}, nil
}
