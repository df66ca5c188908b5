package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/portolan/portolan/internal/awsapi"
)

// A constraint is one top-level member's rule from the CloudWatch Logs API
// model: a length for a string, a range for a number, a value set for an
// enum. AWS checks these before the operation runs, so a request that
// breaks one is refused before anything is looked up.
type constraint struct {
	member   string
	min, max int64    // a string's length or a number's value; noLimit where the model has none
	number   bool     // the member is a number: min and max bound its value
	enum     []string // the value set of an enum member
}

const noLimit = -1

func length(member string, min, max int64) constraint {
	return constraint{member: member, min: min, max: max}
}

func between(member string, min, max int64) constraint {
	return constraint{member: member, min: min, max: max, number: true}
}

func oneOf(member string, values ...string) constraint {
	return constraint{member: member, min: noLimit, max: noLimit, enum: values}
}

// constraints are the rules each operation checks on its raw request
// before decoding it, in the model's member order, where the operation's
// own code does not check them already (names with patterns, limits and
// the delivery configuration's own checks stay there). A raw body tells
// a member sent empty from one left out, which a decoded string cannot.
var constraints = map[string][]constraint{
	"CreateLogGroup":   {length("kmsKeyId", noLimit, 256)},
	"CancelExportTask": {length("taskId", 1, 512)},
	"CreateExportTask": {
		length("taskName", 1, 512), length("logStreamNamePrefix", 1, 512),
		between("from", 0, noLimit), between("to", 0, noLimit), length("destination", 1, 512),
	},
	"DescribeExportTasks": {
		length("taskId", 1, 512),
		oneOf("statusCode", "CANCELLED", "COMPLETED", "FAILED", "PENDING", "PENDING_CANCEL", "RUNNING"),
		length("nextToken", 1, noLimit), between("limit", 1, 50),
	},
	"DescribeLogGroups": {
		length("logGroupNamePrefix", 1, 512), length("logGroupNamePattern", 0, 512),
		// ESSENTIALS is newer than some botocore models; CreateLogGroup takes it.
		oneOf("logGroupClass", "STANDARD", "INFREQUENT_ACCESS", "DELIVERY", "ESSENTIALS"),
	},
	"DescribeDestinations":            {length("DestinationNamePrefix", 1, 512)},
	"DescribeResourcePolicies":        {oneOf("policyScope", "ACCOUNT", "RESOURCE")},
	"DescribeSubscriptionFilters":     {length("filterNamePrefix", 1, 512)},
	"GetDelivery":                     {length("id", 1, 64)},
	"DeleteDelivery":                  {length("id", 1, 64)},
	"UpdateDeliveryConfiguration":     {length("id", 1, 64), length("fieldDelimiter", 0, 5)},
	"GetDeliverySource":               {length("name", 1, 60)},
	"DeleteDeliverySource":            {length("name", 1, 60)},
	"GetDeliveryDestination":          {length("name", 1, 60)},
	"DeleteDeliveryDestination":       {length("name", 1, 60)},
	"GetDeliveryDestinationPolicy":    {length("deliveryDestinationName", 1, 60)},
	"DeleteDeliveryDestinationPolicy": {length("deliveryDestinationName", 1, 60)},
}

// checked is h behind the constraints of operation op: a request that
// breaks any is refused with every broken rule named, as AWS does.
func checked(op string, h awsapi.Handler) awsapi.Handler {
	rules := constraints[op]
	if len(rules) == 0 {
		return h
	}
	return func(ctx context.Context, body []byte) (any, error) {
		if err := checkConstraints(body, rules); err != nil {
			return nil, err
		}
		return h(ctx, body)
	}
}

// checkConstraints reads the members rules name from body. A body that is
// not a JSON object, or a member of the wrong type, is left to the
// decoder, which answers SerializationException.
func checkConstraints(body []byte, rules []constraint) error {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return nil
	}
	var clauses []string
	for _, c := range rules {
		raw, ok := members[c.member]
		if !ok || string(raw) == "null" {
			continue
		}
		if clause := c.violation(raw); clause != "" {
			clauses = append(clauses, clause)
		}
	}
	if len(clauses) > 0 {
		return validationError(clauses...)
	}
	return nil
}

// violation is AWS's clause for the rule raw breaks, or "".
func (c constraint) violation(raw json.RawMessage) string {
	if c.number {
		var n int64
		if json.Unmarshal(raw, &n) != nil {
			return ""
		}
		switch {
		case c.min != noLimit && n < c.min:
			return fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", n, c.member, c.min)
		case c.max != noLimit && n > c.max:
			return fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", n, c.member, c.max)
		}
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	// AWS counts characters, not bytes.
	n := int64(utf8.RuneCountInString(s))
	switch {
	case c.enum != nil && !slices.Contains(c.enum, s):
		return fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", s, c.member, strings.Join(c.enum, ", "))
	case c.min != noLimit && n < c.min:
		return fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", s, c.member, c.min)
	case c.max != noLimit && n > c.max:
		return fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", s, c.member, c.max)
	}
	return ""
}
