package policy

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
)

// test is the positive form of a condition operator: StringNotEquals is
// stringEquals negated.
type test int

const (
	stringEquals test = iota
	stringEqualsIgnoreCase
	stringLike
	ipAddress
	boolEquals
	null
	arnLike
	numericEquals
	numericLessThan
	numericLessThanEquals
	numericGreaterThan
	numericGreaterThanEquals
)

type operator struct {
	test    test
	negated bool
}

// operators are IAM's condition operators, by their names.
var operators = map[string]operator{
	"StringEquals":              {stringEquals, false},
	"StringNotEquals":           {stringEquals, true},
	"StringEqualsIgnoreCase":    {stringEqualsIgnoreCase, false},
	"StringNotEqualsIgnoreCase": {stringEqualsIgnoreCase, true},
	"StringLike":                {stringLike, false},
	"StringNotLike":             {stringLike, true},
	"IpAddress":                 {ipAddress, false},
	"NotIpAddress":              {ipAddress, true},
	"Bool":                      {boolEquals, false},
	"Null":                      {null, false},
	// ArnEquals takes wildcards as ArnLike does.
	"ArnEquals":                {arnLike, false},
	"ArnLike":                  {arnLike, false},
	"ArnNotEquals":             {arnLike, true},
	"ArnNotLike":               {arnLike, true},
	"NumericEquals":            {numericEquals, false},
	"NumericNotEquals":         {numericEquals, true},
	"NumericLessThan":          {numericLessThan, false},
	"NumericLessThanEquals":    {numericLessThanEquals, false},
	"NumericGreaterThan":       {numericGreaterThan, false},
	"NumericGreaterThanEquals": {numericGreaterThanEquals, false},
}

// qualifier is a set operator prefix. Request context keys here hold one
// value each, so ForAnyValue asks "is the value there and matching" and
// ForAllValues "is it absent or matching".
type qualifier int

const (
	single qualifier = iota
	forAnyValue
	forAllValues
)

// condition is one operator applied to one key; a statement's conditions
// must all hold. values match as OR (for a negated operator: none may
// match).
type condition struct {
	op        operator
	qualifier qualifier
	ifExists  bool
	key       string
	values    []string       // strings, lower-cased for Bool
	prefixes  []netip.Prefix // IpAddress
	numbers   []float64      // Numeric*
	arns      []arnParts     // Arn*
	nullWants []bool         // Null: true means "the key is absent"
}

func parseConditions(raw json.RawMessage, path string) ([]condition, error) {
	blocks, err := object(raw, path)
	if err != nil {
		return nil, err
	}
	var out []condition
	for opName, raw := range blocks {
		op, qual, ifExists, err := parseOperator(opName, path)
		if err != nil {
			return nil, err
		}
		keys, err := object(raw, path+"."+opName)
		if err != nil {
			return nil, err
		}
		if len(keys) == 0 {
			return nil, errorf(path+"."+opName, "names no condition key")
		}
		for key, raw := range keys {
			c := condition{op: op, qualifier: qual, ifExists: ifExists, key: key}
			if err := c.setValues(raw, path+"."+opName+"."+key); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func parseOperator(name, path string) (op operator, qual qualifier, ifExists bool, err error) {
	rest := name
	if q, r, ok := strings.Cut(rest, ":"); ok {
		switch q {
		case "ForAnyValue":
			qual = forAnyValue
		case "ForAllValues":
			qual = forAllValues
		default:
			return op, qual, false, errorf(path+"."+name, "unknown set operator %q (ForAnyValue or ForAllValues)", q)
		}
		rest = r
	}
	if base, ok := strings.CutSuffix(rest, "IfExists"); ok {
		rest, ifExists = base, true
	}
	op, ok := operators[rest]
	switch {
	case !ok && strings.HasPrefix(rest, "Date"), !ok && strings.HasPrefix(rest, "Binary"):
		return op, qual, false, errorf(path+"."+name, "condition operator %s is not supported by Portolan", rest)
	case !ok:
		return op, qual, false, errorf(path+"."+name, "unknown condition operator")
	case op.test == null && (ifExists || qual != single):
		return op, qual, false, errorf(path+"."+name, "Null takes no IfExists or set operator")
	}
	return op, qual, ifExists, nil
}

// setValues reads a condition's values (a string, number or boolean, or an
// array of them) and compiles them for the operator.
func (c *condition) setValues(raw json.RawMessage, path string) error {
	raws, err := oneOrMany(raw, path)
	if err != nil {
		return err
	}
	if len(raws) == 0 {
		return errorf(path, "has no values")
	}
	for _, r := range raws {
		v, ok := scalar(r)
		if !ok {
			return errorf(path, "values must be strings, numbers or booleans")
		}
		if err := c.addValue(v, path); err != nil {
			return err
		}
	}
	return nil
}

func (c *condition) addValue(v, path string) error {
	switch c.op.test {
	case ipAddress:
		pfx, err := netip.ParsePrefix(v)
		if err != nil {
			addr, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return errorf(path, "%q is not an IP address or CIDR block", v)
			}
			pfx = netip.PrefixFrom(addr, addr.BitLen())
		}
		c.prefixes = append(c.prefixes, pfx.Masked())
	case boolEquals, null:
		lv := strings.ToLower(v)
		if lv != "true" && lv != "false" {
			return errorf(path, "%q is not true or false", v)
		}
		if c.op.test == null {
			c.nullWants = append(c.nullWants, lv == "true")
		} else {
			c.values = append(c.values, lv)
		}
	case numericEquals, numericLessThan, numericLessThanEquals, numericGreaterThan, numericGreaterThanEquals:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return errorf(path, "%q is not a number", v)
		}
		c.numbers = append(c.numbers, n)
	case arnLike:
		a, ok := splitARN(v)
		if !ok {
			return errorf(path, "%q is not an ARN", v)
		}
		c.arns = append(c.arns, a)
	default:
		c.values = append(c.values, v)
	}
	return nil
}

// scalar reads a JSON string, number or boolean as the string IAM compares.
func scalar(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case '"':
		var s string
		return s, json.Unmarshal(raw, &s) == nil
	case 't', 'f':
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return "", false
		}
		return strconv.FormatBool(b), true
	case '[', '{', 'n':
		return "", false
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return "", false
	}
	return n.String(), true
}

// holds evaluates the condition against the request's context.
func (c *condition) holds(ctx map[string]string) bool {
	v, present := lookup(ctx, c.key)
	if c.op.test == null {
		for _, wantAbsent := range c.nullWants {
			if wantAbsent != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.ifExists, c.qualifier == forAllValues:
			return true
		case c.qualifier == forAnyValue:
			return false
		}
		// IAM: a missing key matches nothing, so a negated operator holds.
		return c.op.negated
	}
	return c.matchesAny(v) != c.op.negated
}

// lookup finds a context key as IAM does, without regard to case
// (aws:sourceVpc is aws:SourceVpc); the exact spelling is tried first so
// that the common case costs one map lookup.
func lookup(ctx map[string]string, key string) (string, bool) {
	if v, ok := ctx[key]; ok {
		return v, true
	}
	for k, v := range ctx {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

// matchesAny is the positive test: does v match any of the values.
func (c *condition) matchesAny(v string) bool {
	switch c.op.test {
	case stringEquals:
		for _, w := range c.values {
			if v == w {
				return true
			}
		}
	case stringEqualsIgnoreCase, boolEquals:
		for _, w := range c.values {
			if strings.EqualFold(v, w) {
				return true
			}
		}
	case stringLike:
		for _, w := range c.values {
			if glob(w, v, false) {
				return true
			}
		}
	case ipAddress:
		addr, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		addr = addr.Unmap()
		for _, p := range c.prefixes {
			if p.Contains(addr) {
				return true
			}
		}
	case arnLike:
		a, ok := splitARN(v)
		if !ok {
			return false
		}
		for i := range c.arns {
			if arnMatch(&c.arns[i], &a) {
				return true
			}
		}
	default:
		return c.numberMatches(v)
	}
	return false
}

func (c *condition) numberMatches(v string) bool {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return false
	}
	for _, w := range c.numbers {
		var ok bool
		switch c.op.test {
		case numericEquals:
			ok = n == w
		case numericLessThan:
			ok = n < w
		case numericLessThanEquals:
			ok = n <= w
		case numericGreaterThan:
			ok = n > w
		case numericGreaterThanEquals:
			ok = n >= w
		}
		if ok {
			return true
		}
	}
	return false
}
