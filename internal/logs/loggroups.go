package logs

import (
	"context"
	"errors"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// CreateLogGroup creates a log group (AWS CreateLogGroup).
func (s *Control) CreateLogGroup(ctx context.Context, in *CreateLogGroupInput) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if len(in.Tags) > maxTags {
		return nil, errGroupTooManyTags
	}
	switch in.LogGroupClass {
	case "", "STANDARD", "INFREQUENT_ACCESS", "DELIVERY", "ESSENTIALS":
	default:
		return nil, invalidParam("1 validation error detected: Value '%s' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY, ESSENTIALS]", in.LogGroupClass)
	}
	g := groupRecord{Name: in.LogGroupName, CreationTime: nowMillis(), KmsKeyID: in.KmsKeyID, Tags: in.Tags, LogGroupClass: in.LogGroupClass}
	_, err := s.cfg.Store.Commit(ctx, store.Txn{
		If:   []store.Cmp{store.Absent(groupKey(g.Name))},
		Then: []store.Op{store.Put(groupKey(g.Name), store.JSON(g))},
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, errGroupExists
	}
	return nil, err
}

// DeleteLogGroup deletes a log group; its streams' events are removed in
// the background (AWS DeleteLogGroup).
func (s *Control) DeleteLogGroup(ctx context.Context, in *LogGroupRef) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	// The group and the streams listed go in one transaction, each stream
	// leaving a trash key for Run to purge its events by. Only the group
	// record is compared: a writer racing with us either committed first
	// (its chunks carry the stream id we trash) or finds the group gone.
	for attempt := 1; ; attempt++ {
		gkv, err := s.cfg.Store.Get(ctx, groupKey(in.LogGroupName))
		if errors.Is(err, store.ErrNotFound) {
			return nil, errGroupNotFound
		} else if err != nil {
			return nil, err
		}
		txn, err := s.dropStreams(ctx, in.LogGroupName)
		if err != nil {
			return nil, err
		}
		txn.If = []store.Cmp{store.Unchanged(gkv)}
		txn.Then = append(txn.Then, store.Delete(gkv.Key))
		_, err = s.cfg.Store.Commit(ctx, txn)
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrConflict) || attempt == maxCommitAttempts {
			return nil, err
		}
	}
	// A stream created between our listing and our commit (its creation
	// compared the group, which had not changed yet) is swept up now;
	// from here on creations fail, since the group is gone.
	txn, err := s.dropStreams(ctx, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	if len(txn.Then) > 0 {
		if _, err := s.cfg.Store.Commit(ctx, txn); err != nil {
			return nil, err
		}
	}
	s.collectSoon()
	return nil, nil
}

// dropStreams returns the ops that delete every stream of a group and
// leave their events to the trash collector.
func (s *Control) dropStreams(ctx context.Context, group string) (store.Txn, error) {
	var txn store.Txn
	kvs, _, err := s.cfg.Store.List(ctx, streamsOf(group))
	if err != nil {
		return txn, err
	}
	for _, kv := range kvs {
		st, err := decodeStream(kv.Value)
		if err != nil {
			return txn, err
		}
		txn.Then = append(txn.Then, store.Delete(kv.Key), store.Put(trashKey(st.ID), nil))
	}
	return txn, nil
}

// DescribeLogGroups lists log groups in name order (AWS DescribeLogGroups).
func (s *Control) DescribeLogGroups(ctx context.Context, in *DescribeLogGroupsInput) (*DescribeLogGroupsOutput, error) {
	if in.LogGroupNamePrefix != nil && in.LogGroupNamePattern != nil {
		return nil, errPrefixAndPattern
	}
	limit, err := checkLimit(in.Limit, describeLimit)
	if err != nil {
		return nil, err
	}
	prefix := ""
	if in.LogGroupNamePrefix != nil {
		prefix = *in.LogGroupNamePrefix
	}
	after := ""
	if in.NextToken != nil {
		if after, err = decodeNameToken(*in.NextToken); err != nil {
			return nil, err
		}
	}
	var wanted map[string]bool
	if len(in.LogGroupIdentifiers) > 0 {
		wanted = map[string]bool{}
		for _, id := range in.LogGroupIdentifiers {
			if g, ok := s.groupFromARN(id); ok {
				id = g
			}
			wanted[id] = true
		}
	}
	kvs, _, err := s.cfg.Store.List(ctx, groupKey(prefix))
	if err != nil {
		return nil, err
	}
	out := &DescribeLogGroupsOutput{LogGroups: []LogGroup{}}
	for _, kv := range kvs {
		g, err := decodeGroup(kv.Value)
		if err != nil {
			return nil, err
		}
		if g.Name <= after && after != "" {
			continue
		}
		if in.LogGroupNamePattern != nil && !strings.Contains(g.Name, *in.LogGroupNamePattern) {
			continue
		}
		if wanted != nil && !wanted[g.Name] {
			continue
		}
		if !classMatches(in.LogGroupClass, g.class()) {
			continue
		}
		if len(out.LogGroups) == limit {
			out.NextToken = awsapi.PageToken(out.LogGroups[limit-1].LogGroupName)
			break
		}
		o := LogGroup{LogGroupName: g.Name, CreationTime: g.CreationTime, Arn: s.GroupARN(g.Name) + ":*"}
		if in.LogGroupNamePattern == nil {
			// With a pattern AWS returns only arn, creationTime and logGroupName.
			stored, err := s.groupStoredBytes(ctx, g.Name)
			if err != nil {
				return nil, err
			}
			filters := int32(len(g.MetricFilters))
			o.LogGroupArn, o.StoredBytes, o.MetricFilterCount = s.GroupARN(g.Name), &stored, &filters
			o.KmsKeyID, o.LogGroupClass = g.KmsKeyID, g.class()
			if g.RetentionInDays > 0 {
				o.RetentionInDays = &g.RetentionInDays
			}
		}
		out.LogGroups = append(out.LogGroups, o)
	}
	return out, nil
}

// classMatches applies DescribeLogGroups' logGroupClass filter, under which
// INFREQUENT_ACCESS and ESSENTIALS select each other's groups too.
func classMatches(filter, class string) bool {
	lowCost := func(c string) bool { return c == "INFREQUENT_ACCESS" || c == "ESSENTIALS" }
	return filter == "" || filter == class || lowCost(filter) && lowCost(class)
}

func (s *Control) groupStoredBytes(ctx context.Context, group string) (int64, error) {
	kvs, _, err := s.cfg.Store.List(ctx, streamsOf(group))
	if err != nil {
		return 0, err
	}
	var n int64
	for _, kv := range kvs {
		st, err := decodeStream(kv.Value)
		if err != nil {
			return 0, err
		}
		n += st.StoredBytes
	}
	return n, nil
}

// updateGroup applies fn to a group record with compare-and-swap.
func (s *Control) updateGroup(ctx context.Context, name string, fn func(*groupRecord) error) error {
	for {
		kv, err := s.cfg.Store.Get(ctx, groupKey(name))
		if errors.Is(err, store.ErrNotFound) {
			return errGroupNotFound
		} else if err != nil {
			return err
		}
		g, err := decodeGroup(kv.Value)
		if err != nil {
			return err
		}
		if err := fn(&g); err != nil {
			return err
		}
		_, err = s.cfg.Store.Commit(ctx, store.Txn{
			If:   []store.Cmp{store.Unchanged(kv)},
			Then: []store.Op{store.Put(kv.Key, store.JSON(g))},
		})
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
}

func validGroupName(name string) bool {
	return name != "" && len(name) <= maxNameLen && groupNameChars(name)
}

func checkGroupName(field, name string) error {
	return checkName(field, name, maxNameLen, groupNameChars, `[\.\-_/#A-Za-z0-9]+`)
}

// groupNameChars is the pattern of log group names.
func groupNameChars(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '-', c == '_', c == '/', c == '#':
		default:
			return false
		}
	}
	return true
}

// GroupARN is the log group ARN without the trailing ":*" (logGroupArn,
// and what the tagging APIs take); the "arn" member of a LogGroup adds ":*".
func (s *Control) GroupARN(group string) string {
	return awsapi.ARN("logs", s.cfg.Region, s.cfg.AccountID, "log-group:"+group)
}

// groupFromARN accepts a log group ARN with or without the trailing ":*".
func (s *Control) groupFromARN(arn string) (string, bool) {
	prefix := s.GroupARN("")
	if !strings.HasPrefix(arn, prefix) {
		return "", false
	}
	name := strings.TrimSuffix(arn[len(prefix):], ":*")
	if !validGroupName(name) {
		return "", false
	}
	return name, true
}

// resolveGroup turns the logGroupName / logGroupIdentifier pair most read
// operations take into a group name: exactly one of them must be given, and
// the identifier may be a name or an ARN.
func (s *Control) resolveGroup(name, identifier *string) (string, error) {
	switch {
	case name != nil && identifier != nil:
		return "", errNameAndARN
	case name != nil:
		return *name, checkGroupName("logGroupName", *name)
	case identifier != nil:
		id := *identifier
		if awsapi.IsARN(id) {
			g, ok := s.groupFromARN(id)
			if !ok {
				return "", errGroupNotFound
			}
			return g, nil
		}
		return id, checkGroupName("logGroupIdentifier", id)
	}
	return "", errNoNameOrARN
}

// EnsureLogGroup creates a group for in-process callers (the stack
// deployer); a group that already exists is not an error. A non-zero
// retention sets its retention policy.
func (s *Control) EnsureLogGroup(ctx context.Context, name string, retentionDays int32) error {
	_, err := s.CreateLogGroup(ctx, &CreateLogGroupInput{LogGroupName: name})
	if err != nil && !errors.Is(err, ErrResourceAlreadyExists) {
		return err
	}
	if retentionDays > 0 {
		_, err = s.PutRetentionPolicy(ctx, &PutRetentionPolicyInput{LogGroupName: name, RetentionInDays: &retentionDays})
	}
	return err
}

// HasLogGroup reports whether the group exists.
func (s *Control) HasLogGroup(ctx context.Context, name string) (bool, error) {
	_, err := s.cfg.Store.Get(ctx, groupKey(name))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
