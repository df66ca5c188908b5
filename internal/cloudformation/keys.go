package cloudformation

// Store layout. A live stack's record is keyed by its name (one stack per
// name at a time, which a create's Absent guard keeps); a deleted one moves
// under its id, since names are reused. Events and change sets are keyed
// by the stack's id (the UUID at the end of its ARN), so they outlive a
// reused name. Event keys count down in time, so that listing a stack's
// events gives the newest first, as DescribeStackEvents answers.
const (
	keyPrefix       = "cloudformation/"
	stackPrefix     = keyPrefix + "stack/"
	deletedPrefix   = keyPrefix + "deleted/"
	eventPrefix     = keyPrefix + "event/"
	changeSetPrefix = keyPrefix + "changeset/"
)

func stackKey(name string) string        { return stackPrefix + name }
func deletedKey(stackUUID string) string { return deletedPrefix + stackUUID }

// eventsPrefix holds one stack's events, newest first.
func eventsPrefix(stackUUID string) string { return eventPrefix + stackUUID + "/" }

// changeSetsPrefix holds one stack's change sets, by name.
func changeSetsPrefix(stackUUID string) string { return changeSetPrefix + stackUUID + "/" }

func changeSetKey(stackUUID, name string) string { return changeSetsPrefix(stackUUID) + name }
