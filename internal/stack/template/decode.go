package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The value tree every later stage works on is plain Go values:
// map[string]any, []any, string, int64, float64, bool and nil. Intrinsic
// functions appear in their long form ({"Ref": x}, {"Fn::GetAtt": [r, a]})
// whichever syntax the template used.

// decode turns template text into the value tree and the positions of its
// values. JSON gets its own decoder: it is valid YAML, but encoding/json's
// syntax errors point at the offending byte, and JSON's rules (no duplicate
// keys, numbers as numbers) are stricter than YAML's.
func decode(data []byte) (any, positions, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, nil, &Error{Msg: "template is empty"}
	}
	if trimmed[0] == '{' {
		v, ps, jerr := decodeJSON(data)
		if jerr == nil {
			return v, ps, nil
		}
		// A YAML flow mapping starts with '{' too; only when the text is not
		// YAML either is the JSON error the helpful one.
		if v, ps, yerr := decodeYAML(data); yerr == nil {
			return v, ps, nil
		}
		return nil, nil, jerr
	}
	return decodeYAML(data)
}

// ---- JSON ----

type jsonDecoder struct {
	data  []byte
	dec   *json.Decoder
	lines []int // offsets at which each line starts
	pos   positions
	depth int
}

// maxJSONDepth bounds nesting: json.Decoder's Token API, unlike Decode, has
// no limit of its own, and each level costs a frame of recursion here. It
// matches yaml.v3's limit, which bounds the flow-YAML fallback the same way.
const maxJSONDepth = 10000

func decodeJSON(data []byte) (any, positions, error) {
	d := &jsonDecoder{data: data, dec: json.NewDecoder(bytes.NewReader(data)), pos: positions{}}
	d.dec.UseNumber()
	d.lines = append(d.lines, 0)
	for i, c := range data {
		if c == '\n' {
			d.lines = append(d.lines, i+1)
		}
	}
	v, err := d.value("")
	if err != nil {
		return nil, nil, err
	}
	off := d.skip(int(d.dec.InputOffset()))
	if _, err := d.dec.Token(); err != io.EOF {
		at := d.at(off)
		return nil, nil, &Error{Line: at.line, Column: at.col, Msg: "invalid JSON: unexpected data after the template's closing brace"}
	}
	return v, d.pos, nil
}

// at converts a byte offset into a line and column (both from 1).
func (d *jsonDecoder) at(off int) pos {
	line := sort.Search(len(d.lines), func(i int) bool { return d.lines[i] > off }) - 1
	if line < 0 {
		line = 0
	}
	return pos{line: line + 1, col: off - d.lines[line] + 1}
}

// skip moves an offset past the whitespace and separators that precede the
// next token, so that a value's position is where the value itself starts.
func (d *jsonDecoder) skip(off int) int {
	for off < len(d.data) {
		switch d.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

func (d *jsonDecoder) syntaxError(err error, off int) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset)
		if off > 0 {
			off-- // Offset counts the bytes read, including the bad one.
		}
	}
	msg := err.Error()
	if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
		msg = "unexpected end of input"
	}
	at := d.at(off)
	return &Error{Line: at.line, Column: at.col, Msg: "invalid JSON: " + msg}
}

func (d *jsonDecoder) value(path string) (any, error) {
	start := d.skip(int(d.dec.InputOffset()))
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.syntaxError(err, start)
	}
	d.pos[path] = d.at(start)
	switch t := tok.(type) {
	case json.Delim:
		if d.depth++; d.depth > maxJSONDepth {
			at := d.at(start)
			return nil, &Error{Path: path, Line: at.line, Column: at.col, Msg: fmt.Sprintf("invalid JSON: nested more than %d levels deep", maxJSONDepth)}
		}
		defer func() { d.depth-- }()
		switch t {
		case '{':
			m := map[string]any{}
			for d.dec.More() {
				keyStart := d.skip(int(d.dec.InputOffset()))
				kt, err := d.dec.Token()
				if err != nil {
					return nil, d.syntaxError(err, keyStart)
				}
				key, ok := kt.(string)
				if !ok {
					return nil, d.syntaxError(fmt.Errorf("object key is not a string"), keyStart)
				}
				if _, dup := m[key]; dup {
					at := d.at(keyStart)
					return nil, &Error{Path: child(path, key), Line: at.line, Column: at.col, Msg: fmt.Sprintf("duplicate key %q", key)}
				}
				v, err := d.value(child(path, key))
				if err != nil {
					return nil, err
				}
				m[key] = v
			}
			if _, err := d.dec.Token(); err != nil {
				return nil, d.syntaxError(err, int(d.dec.InputOffset()))
			}
			return m, nil
		case '[':
			l := []any{}
			for d.dec.More() {
				v, err := d.value(index(path, len(l)))
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			if _, err := d.dec.Token(); err != nil {
				return nil, d.syntaxError(err, int(d.dec.InputOffset()))
			}
			return l, nil
		}
		return nil, d.syntaxError(fmt.Errorf("unexpected %q", rune(t)), start)
	case json.Number:
		return jsonNumber(string(t)), nil
	default: // string, bool, nil
		return t, nil
	}
}

// jsonNumber keeps integers as int64 and everything else as float64.
func jsonNumber(s string) any {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s // out of float64 range: keep the digits rather than guess
	}
	return f
}

// ---- YAML ----

func decodeYAML(data []byte) (v any, ps positions, err error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := yamlDecode(dec, &doc); err != nil {
		if err == io.EOF {
			return nil, nil, &Error{Msg: "template is empty"}
		}
		return nil, nil, yamlError(err)
	}
	var next yaml.Node
	switch err := yamlDecode(dec, &next); {
	case err == io.EOF:
	case err == nil:
		return nil, nil, &Error{Line: next.Line, Column: next.Column, Msg: "a template is one YAML document; found a second one"}
	default:
		return nil, nil, yamlError(err)
	}
	c := &yamlConverter{pos: positions{}}
	v, err = c.convert(&doc, "")
	if err != nil {
		return nil, nil, err
	}
	return v, c.pos, nil
}

// yamlDecode runs the YAML parser, turning a panic into an error: Parse
// faces user input, and a parser bug must fail the deploy, not the process.
func yamlDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: parser failure: %v", r)
		}
	}()
	return dec.Decode(n)
}

func yamlError(err error) error {
	// yaml.v3 messages read "yaml: line 3: did not find expected key".
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	return &Error{Msg: "invalid YAML: " + msg}
}

type yamlConverter struct {
	pos positions
}

// shortForms maps CloudFormation's YAML tags to the long-form key they stand
// for. Functions Portolan does not evaluate are listed too, so that the error
// names the function instead of calling the tag unknown.
var shortForms = map[string]string{
	"!Ref":          "Ref",
	"!Condition":    "Condition",
	"!GetAtt":       "Fn::GetAtt",
	"!Sub":          "Fn::Sub",
	"!Join":         "Fn::Join",
	"!Select":       "Fn::Select",
	"!Split":        "Fn::Split",
	"!If":           "Fn::If",
	"!Equals":       "Fn::Equals",
	"!Not":          "Fn::Not",
	"!And":          "Fn::And",
	"!Or":           "Fn::Or",
	"!GetAZs":       "Fn::GetAZs",
	"!FindInMap":    "Fn::FindInMap",
	"!Base64":       "Fn::Base64",
	"!ImportValue":  "Fn::ImportValue",
	"!Cidr":         "Fn::Cidr",
	"!Transform":    "Fn::Transform",
	"!Length":       "Fn::Length",
	"!ToJsonString": "Fn::ToJsonString",
}

func (c *yamlConverter) errorf(n *yaml.Node, path, format string, args ...any) error {
	return &Error{Path: path, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)}
}

func (c *yamlConverter) convert(n *yaml.Node, path string) (any, error) {
	c.pos[path] = pos{n.Line, n.Column}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.convert(n.Content[0], path)
	case yaml.AliasNode:
		// CloudFormation's YAML does not accept aliases; refusing them also
		// rules out the "billion laughs" expansion.
		return nil, c.errorf(n, path, "YAML aliases (*%s) are not supported in CloudFormation templates", n.Value)
	}
	if n.Style&yaml.TaggedStyle != 0 && strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return c.shortForm(n, path)
	}
	switch n.Kind {
	case yaml.MappingNode:
		if t := n.ShortTag(); t != "!!map" {
			return nil, c.errorf(n, path, "unsupported YAML tag %s on a mapping", t)
		}
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, c.errorf(k, path, "mapping keys must be strings")
			}
			if k.ShortTag() == "!!merge" {
				return nil, c.errorf(k, path, "YAML merge keys (<<) are not supported in CloudFormation templates")
			}
			key := k.Value
			p := child(path, key)
			if _, dup := m[key]; dup {
				return nil, c.errorf(k, p, "duplicate key %q", key)
			}
			val, err := c.convert(v, p)
			if err != nil {
				return nil, err
			}
			m[key] = val
		}
		return m, nil
	case yaml.SequenceNode:
		if t := n.ShortTag(); t != "!!seq" {
			return nil, c.errorf(n, path, "unsupported YAML tag %s on a sequence", t)
		}
		l := make([]any, 0, len(n.Content))
		for i, e := range n.Content {
			v, err := c.convert(e, index(path, i))
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		return c.scalar(n, path)
	}
	return nil, c.errorf(n, path, "unexpected YAML node")
}

// shortForm converts "!Fn arg" into {"Fn::Fn": arg}.
func (c *yamlConverter) shortForm(n *yaml.Node, path string) (any, error) {
	key, ok := shortForms[n.Tag]
	if !ok {
		return nil, c.errorf(n, path, "unknown YAML tag %s (CloudFormation short forms are !Ref, !GetAtt, !Sub, !Join, ...)", n.Tag)
	}
	p := child(path, key)
	var arg any
	if n.Kind == yaml.ScalarNode {
		// The argument of a short form on a scalar is its text: "!Ref 123"
		// names a logical id, it does not carry a number.
		arg = n.Value
		c.pos[p] = pos{n.Line, n.Column}
		if key == "Fn::GetAtt" {
			// Attribute names may contain dots (Endpoint.Address); logical
			// ids never do, so the first dot separates the two.
			res, attr, found := strings.Cut(n.Value, ".")
			if !found || res == "" || attr == "" {
				return nil, c.errorf(n, p, "!GetAtt %q: want LogicalId.AttributeName", n.Value)
			}
			arg = []any{res, attr}
		}
	} else {
		plain := *n
		plain.Tag = ""
		plain.Style &^= yaml.TaggedStyle
		var err error
		if arg, err = c.convert(&plain, p); err != nil {
			return nil, err
		}
	}
	return map[string]any{key: arg}, nil
}

var (
	// YAML 1.2 core schema numbers, minus leading zeros: "012345678901" is
	// an account id far more often than it is a number, so it stays a string.
	yamlInt   = regexp.MustCompile(`^[-+]?(0|[1-9][0-9]*)$`)
	yamlFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|(0|[1-9][0-9]*)(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
)

func (c *yamlConverter) scalar(n *yaml.Node, path string) (any, error) {
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 && n.Style&yaml.TaggedStyle == 0 {
		return n.Value, nil
	}
	if n.Style&yaml.TaggedStyle == 0 {
		return plainScalar(n.Value), nil
	}
	switch t := n.ShortTag(); t {
	case "!!str", "!!timestamp", "!!binary":
		return n.Value, nil
	case "!!null":
		return nil, nil
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, c.errorf(n, path, "!!bool %q is not true or false", n.Value)
	case "!!int":
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil {
			return nil, c.errorf(n, path, "!!int %q is not an integer", n.Value)
		}
		return i, nil
	case "!!float":
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			return nil, c.errorf(n, path, "!!float %q is not a number", n.Value)
		}
		return f, nil
	default:
		return nil, c.errorf(n, path, "unsupported YAML tag %s", t)
	}
}

// plainScalar resolves an unquoted, untagged scalar: null, booleans, decimal
// numbers; anything else (dates, hex, octal, .inf) is kept as written.
func plainScalar(s string) any {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return nil
	case "true", "True", "TRUE":
		return true
	case "false", "False", "FALSE":
		return false
	}
	if yamlInt.MatchString(s) {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
	}
	if yamlFloat.MatchString(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	return s
}
