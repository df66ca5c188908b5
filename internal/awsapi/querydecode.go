package awsapi

import (
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrQueryValidation is the awsQuery protocol's answer to a parameter it
// cannot read (a number that is not one, a list index that is not).
var ErrQueryValidation = Kind("ValidationError", http.StatusBadRequest)

// DecodeQuery fills the struct v points to from awsQuery form parameters,
// following the protocol's flattening: a member by its name (Name=x), a
// nested structure by dotted path (HealthCheck.Path=/), a list by
// 1-based index under "member" (Subnets.member.1=a; Tags.member.2.Key=k),
// a map by "entry" (Attributes.entry.1.key=k, .value=v). A list given as
// the bare name with an empty value (Subnets=) is an empty list. Go field
// names are the AWS member names, an embedded struct's fields count as
// the outer struct's, and parameters no field names are ignored.
func DecodeQuery(params url.Values, v any) error {
	return decodeForm(params, v, awsQuery)
}

// DecodeEC2Query fills the struct v points to from EC2's Query flavour:
// lists are Name.N under the member's wire name, without "member"
// (SubnetId.1=a, Filter.1.Value.2=x, TagSpecification.1.Tag.1.Key=k).
// The wire name is the field's `ec2:"…"` tag, else the field name: the
// Go names are the SDKs' (SubnetIds), the tags the wire's (SubnetId).
// EC2 has no map members; a bad value is InvalidParameterValue.
func DecodeEC2Query(params url.Values, v any) error {
	return decodeForm(params, v, ec2Query)
}

// queryFlavor is what tells awsQuery's and EC2's forms apart.
type queryFlavor struct {
	ec2 bool
	bad *Error // the error kind of a value that cannot be read
}

var (
	awsQuery = &queryFlavor{bad: ErrQueryValidation}
	ec2Query = &queryFlavor{ec2: true, bad: ErrEC2InvalidParameterValue}
)

// wireName is the name field f travels under in the flavour's form. An
// `ec2:"…"` tag is the member's EC2 location name, which answers use as
// it is and requests capitalised (groups in answers, Groups.N in
// requests), EC2's own rule.
func (fl *queryFlavor) wireName(f reflect.StructField) string {
	if fl.ec2 {
		if tag := f.Tag.Get("ec2"); tag != "" {
			r, n := utf8.DecodeRuneInString(tag)
			return string(unicode.ToUpper(r)) + tag[n:]
		}
	}
	return f.Name
}

func decodeForm(params url.Values, v any, fl *queryFlavor) error {
	root := &queryNode{}
	for key, values := range params {
		if len(values) == 0 {
			continue
		}
		n := root
		for _, part := range strings.Split(key, ".") {
			n = n.child(part)
		}
		n.value, n.set = values[0], true
	}
	return root.decode(reflect.ValueOf(v).Elem(), "", fl)
}

type queryNode struct {
	value    string
	set      bool
	children map[string]*queryNode
}

func (n *queryNode) child(name string) *queryNode {
	if n.children == nil {
		n.children = map[string]*queryNode{}
	}
	c := n.children[name]
	if c == nil {
		c = &queryNode{}
		n.children[name] = c
	}
	return c
}

// indexed returns the children of a list or map node in index order.
func (n *queryNode) indexed(path string, fl *queryFlavor) ([]*queryNode, error) {
	type item struct {
		i int
		n *queryNode
	}
	items := make([]item, 0, len(n.children))
	for k, c := range n.children {
		i, err := strconv.Atoi(k)
		if err != nil || i < 1 {
			return nil, fl.bad.Newf("%s.%s is not a list index", path, k)
		}
		items = append(items, item{i, c})
	}
	sort.Slice(items, func(a, b int) bool { return items[a].i < items[b].i })
	out := make([]*queryNode, len(items))
	for i, it := range items {
		out[i] = it.n
	}
	return out, nil
}

func (n *queryNode) decode(v reflect.Value, path string, fl *queryFlavor) error {
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := n.decode(p.Elem(), path, fl); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.Anonymous && f.IsExported() && f.Type.Kind() == reflect.Struct {
				// An embedded struct's members are the outer one's, as in
				// encoding/json: inputs share member groups this way.
				if err := n.decode(v.Field(i), path, fl); err != nil {
					return err
				}
				continue
			}
			name := fl.wireName(f)
			if c := n.children[name]; f.IsExported() && c != nil {
				if err := c.decode(v.Field(i), join(path, name), fl); err != nil {
					return err
				}
			}
		}
		return nil
	case reflect.Slice:
		list, listPath := n.children["member"], join(path, "member")
		if fl.ec2 {
			list, listPath = n, path
		}
		items, err := list.indexedOrEmpty(listPath, fl)
		if err != nil {
			return err
		}
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, it := range items {
			if err := it.decode(s.Index(i), join(listPath, strconv.Itoa(i+1)), fl); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		if fl.ec2 {
			break // EC2's inputs have no maps
		}
		items, err := n.children["entry"].indexedOrEmpty(join(path, "entry"), fl)
		if err != nil {
			return err
		}
		m := reflect.MakeMapWithSize(v.Type(), len(items))
		for _, it := range items {
			k, val := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			if kn := it.children["key"]; kn != nil {
				if err := kn.decode(k, join(path, "entry.key"), fl); err != nil {
					return err
				}
			}
			if vn := it.children["value"]; vn != nil {
				if err := vn.decode(val, join(path, "entry.value"), fl); err != nil {
					return err
				}
			}
			m.SetMapIndex(k, val)
		}
		v.Set(m)
		return nil
	}
	return n.decodeScalar(v, path, fl)
}

func (n *queryNode) indexedOrEmpty(path string, fl *queryFlavor) ([]*queryNode, error) {
	if n == nil {
		return nil, nil
	}
	return n.indexed(path, fl)
}

func (n *queryNode) decodeScalar(v reflect.Value, path string, fl *queryFlavor) error {
	bad := func() error { return fl.bad.Newf("Invalid value %q for parameter %s", n.value, path) }
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.value)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.value)
		if err != nil {
			return bad()
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(n.value, 10, v.Type().Bits())
		if err != nil {
			return bad()
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(n.value, 64)
		if err != nil {
			return bad()
		}
		v.SetFloat(f)
	default:
		return bad()
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
