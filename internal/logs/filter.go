package logs

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// FilterPattern is a compiled CloudWatch Logs filter pattern. The forms
// supported are the ones FilterLogEvents users reach for:
//
//   - "" matches every event;
//   - terms: ERROR matches events containing ERROR (case-sensitive),
//     ERROR timeout needs both, ?ERROR ?WARN needs either, -DEBUG excludes,
//     "exact phrase" quotes spaces and punctuation, %regex% is a regular
//     expression found anywhere in the message;
//   - JSON: { $.level = "error" && ($.latency > 100 || $.user.id = 7) } with
//     = != < > <= >=, * wildcards in string values, %regex% values, and
//     IS TRUE / IS FALSE / IS NULL / NOT EXISTS.
//
// Space-delimited patterns ([ip, user, ...]) are not supported and are
// rejected rather than silently matching wrongly.
type FilterPattern struct {
	all      bool
	required []term
	optional []term
	excluded []term
	json     jsonExpr
}

// term is a literal substring or a regular expression.
type term struct {
	lit string
	re  *regexp.Regexp
}

func (t term) match(msg string) bool {
	if t.re != nil {
		return t.re.MatchString(msg)
	}
	return strings.Contains(msg, t.lit)
}

// maxPatternLen is FilterPattern's length limit in the API model.
const maxPatternLen = 1024

// ParseFilterPattern compiles a filter pattern.
func ParseFilterPattern(p string) (*FilterPattern, error) {
	if len(p) > maxPatternLen {
		return nil, fmt.Errorf("filter pattern is longer than %d characters", maxPatternLen)
	}
	s := strings.TrimSpace(p)
	switch {
	case s == "":
		return &FilterPattern{all: true}, nil
	case s[0] == '{':
		e, err := parseJSONPattern(s)
		if err != nil {
			return nil, err
		}
		return &FilterPattern{json: e}, nil
	case s[0] == '[':
		return nil, errors.New("space-delimited filter patterns are not supported")
	}
	return parseTerms(s)
}

// Match reports whether a message matches the pattern.
func (f *FilterPattern) Match(msg string) bool {
	if f.all {
		return true
	}
	if f.json != nil {
		return matchJSON(f.json, msg)
	}
	for _, t := range f.excluded {
		if t.match(msg) {
			return false
		}
	}
	for _, t := range f.required {
		if !t.match(msg) {
			return false
		}
	}
	if len(f.optional) == 0 {
		return true
	}
	for _, t := range f.optional {
		if t.match(msg) {
			return true
		}
	}
	return false
}

func parseTerms(s string) (*FilterPattern, error) {
	f := &FilterPattern{}
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if s == "" {
			break
		}
		kind := byte(0)
		if s[0] == '?' || s[0] == '-' {
			kind, s = s[0], s[1:]
		}
		var (
			t   term
			err error
		)
		switch {
		case s == "" || unicode.IsSpace(rune(s[0])):
			return nil, fmt.Errorf("%q must be followed by a term", kind)
		case s[0] == '"':
			t.lit, s, err = unquote(s)
		case s[0] == '%':
			t.re, s, err = regexTerm(s)
		default:
			end := strings.IndexFunc(s, unicode.IsSpace)
			if end < 0 {
				end = len(s)
			}
			t.lit, s = s[:end], s[end:]
		}
		if err != nil {
			return nil, err
		}
		switch kind {
		case '?':
			f.optional = append(f.optional, t)
		case '-':
			f.excluded = append(f.excluded, t)
		default:
			f.required = append(f.required, t)
		}
	}
	return f, nil
}

// unquote reads a double-quoted string at the start of s, where \" and \\
// are escapes, and returns it with the rest of s.
func unquote(s string) (string, string, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), s[i+1:], nil
		case '\\':
			if i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
				i++
				b.WriteByte(s[i])
				continue
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated quoted term")
}

// regexTerm reads %regex% at the start of s. Inside, \% is a literal %.
func regexTerm(s string) (*regexp.Regexp, string, error) {
	for i := 1; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == '%' {
			expr := strings.ReplaceAll(s[1:i], `\%`, "%")
			if expr == "" {
				return nil, "", errors.New("empty regular expression")
			}
			re, err := regexp.Compile(expr)
			if err != nil {
				return nil, "", fmt.Errorf("bad regular expression: %w", err)
			}
			return re, s[i+1:], nil
		}
	}
	return nil, "", errors.New("unterminated regular expression")
}

// JSON patterns.

type jsonExpr interface{ eval(doc any) bool }

type (
	jsonAnd  struct{ l, r jsonExpr }
	jsonOr   struct{ l, r jsonExpr }
	jsonCond struct {
		sel   string // the selector as written: $.a.b[0]
		path  []pathElem
		op    string // = != < > <= >= IS NOTEXISTS
		str   string // string operand (with * wildcards) or TRUE/FALSE/NULL for IS
		num   float64
		isNum bool
		re    *regexp.Regexp
	}
)

type pathElem struct {
	key   string
	index int // >= 0 for [n]
}

func (e jsonAnd) eval(doc any) bool { return e.l.eval(doc) && e.r.eval(doc) }
func (e jsonOr) eval(doc any) bool  { return e.l.eval(doc) || e.r.eval(doc) }

func (c *jsonCond) eval(doc any) bool {
	v, ok := resolve(doc, c.path)
	switch c.op {
	case "NOTEXISTS":
		return !ok
	case "IS":
		if !ok {
			return false
		}
		switch c.str {
		case "NULL":
			return v == nil
		case "TRUE":
			return v == true
		case "FALSE":
			return v == false
		}
		return false
	}
	if !ok {
		return false
	}
	if c.re != nil {
		s, isStr := v.(string)
		m := isStr && c.re.MatchString(s)
		if c.op == "!=" {
			return isStr && !m
		}
		return m
	}
	if c.isNum {
		n, isNum := v.(json.Number)
		if !isNum {
			return false
		}
		f, err := n.Float64()
		if err != nil {
			return false
		}
		switch c.op {
		case "=":
			return f == c.num
		case "!=":
			return f != c.num
		case "<":
			return f < c.num
		case ">":
			return f > c.num
		case "<=":
			return f <= c.num
		case ">=":
			return f >= c.num
		}
		return false
	}
	s, isStr := v.(string)
	if !isStr {
		return false
	}
	switch c.op {
	case "=":
		return wildcardMatch(c.str, s)
	case "!=":
		return !wildcardMatch(c.str, s)
	}
	return false
}

func resolve(doc any, path []pathElem) (any, bool) {
	v := doc
	for _, p := range path {
		if p.index >= 0 {
			arr, ok := v.([]any)
			if !ok || p.index >= len(arr) {
				return nil, false
			}
			v = arr[p.index]
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[p.key]; !ok {
			return nil, false
		}
	}
	return v, true
}

// wildcardMatch matches s against a pattern where * is any run of characters.
func wildcardMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, last)
}

func matchJSON(e jsonExpr, msg string) bool {
	doc, ok := decodeJSONMessage(msg)
	return ok && e.eval(doc)
}

// decodeJSONMessage decodes a message that is a JSON object, numbers kept
// as json.Number. Only such a message can match a JSON pattern, so the
// (common) lines that are plainly not one skip the decoder.
func decodeJSONMessage(msg string) (any, bool) {
	t := strings.TrimSpace(msg)
	if len(t) < 2 || t[0] != '{' {
		return nil, false
	}
	d := json.NewDecoder(strings.NewReader(t))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return nil, false
	}
	return doc, true
}

// selectors calls fn with each condition of a JSON pattern, left to right.
func selectors(e jsonExpr, fn func(*jsonCond)) {
	switch e := e.(type) {
	case jsonAnd:
		selectors(e.l, fn)
		selectors(e.r, fn)
	case jsonOr:
		selectors(e.l, fn)
		selectors(e.r, fn)
	case *jsonCond:
		fn(e)
	}
}

// Extract returns what a matching event shows for the pattern's selectors
// (TestMetricFilter's extractedValues): each selector as written, with the
// event's value there. Term patterns select nothing.
func (f *FilterPattern) Extract(msg string) map[string]string {
	out := map[string]string{}
	if f.json == nil {
		return out
	}
	doc, ok := decodeJSONMessage(msg)
	if !ok {
		return out
	}
	selectors(f.json, func(c *jsonCond) {
		if v, ok := resolve(doc, c.path); ok {
			out[c.sel] = jsonText(v)
		}
	})
	return out
}

// jsonText writes a decoded JSON value as the event wrote it: strings
// unquoted, everything else as JSON.
func jsonText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// parseSelector reads a whole JSON selector ($.a.b[0]) such as a metric
// filter's metricValue.
func parseSelector(s string) ([]pathElem, error) {
	p := &jsonParser{s: s}
	path, err := p.selector()
	if err != nil {
		return nil, err
	}
	if p.i != len(s) {
		return nil, fmt.Errorf("%q is not a JSON selector", s)
	}
	return path, nil
}

// jsonParser is a recursive-descent parser over the pattern's text.
type jsonParser struct {
	s     string
	i     int
	depth int
}

// maxJSONDepth bounds nesting of parentheses so that a hostile pattern
// cannot exhaust the stack.
const maxJSONDepth = 32

func parseJSONPattern(s string) (jsonExpr, error) {
	if !strings.HasSuffix(s, "}") || len(s) < 2 {
		return nil, errors.New("JSON filter pattern must end with }")
	}
	p := &jsonParser{s: s[1 : len(s)-1]}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q in JSON filter pattern", p.s[p.i:])
	}
	return e, nil
}

func (p *jsonParser) space() {
	for p.i < len(p.s) && unicode.IsSpace(rune(p.s[p.i])) {
		p.i++
	}
}

func (p *jsonParser) eat(tok string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

// word reads an upper-cased keyword (IS, NOT, EXISTS, TRUE...) if one is next.
func (p *jsonParser) word(w string) bool {
	p.space()
	rest := p.s[p.i:]
	if len(rest) >= len(w) && strings.EqualFold(rest[:len(w)], w) &&
		(len(rest) == len(w) || !isWordChar(rest[len(w)])) {
		p.i += len(w)
		return true
	}
	return false
}

func isWordChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *jsonParser) or() (jsonExpr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.eat("||") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = jsonOr{l, r}
	}
	return l, nil
}

func (p *jsonParser) and() (jsonExpr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.eat("&&") {
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = jsonAnd{l, r}
	}
	return l, nil
}

func (p *jsonParser) unary() (jsonExpr, error) {
	if p.eat("(") {
		if p.depth++; p.depth > maxJSONDepth {
			return nil, errors.New("JSON filter pattern nests too deeply")
		}
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		p.depth--
		if !p.eat(")") {
			return nil, errors.New("missing ) in JSON filter pattern")
		}
		return e, nil
	}
	return p.cond()
}

func (p *jsonParser) cond() (jsonExpr, error) {
	p.space()
	start := p.i
	path, err := p.selector()
	if err != nil {
		return nil, err
	}
	c := &jsonCond{path: path, sel: p.s[start:p.i]}
	switch {
	case p.word("IS"):
		for _, w := range []string{"TRUE", "FALSE", "NULL"} {
			if p.word(w) {
				c.op, c.str = "IS", w
				return c, nil
			}
		}
		return nil, errors.New("IS must be followed by TRUE, FALSE or NULL")
	case p.word("NOT"):
		if !p.word("EXISTS") {
			return nil, errors.New("NOT must be followed by EXISTS")
		}
		c.op = "NOTEXISTS"
		return c, nil
	}
	for _, op := range []string{"!=", "<=", ">=", "=", "<", ">"} {
		if p.eat(op) {
			c.op = op
			break
		}
	}
	if c.op == "" {
		return nil, errors.New("expected a comparison after the selector")
	}
	p.space()
	if p.i >= len(p.s) {
		return nil, errors.New("missing value in JSON filter pattern")
	}
	switch p.s[p.i] {
	case '"':
		s, rest, err := unquote(p.s[p.i:])
		if err != nil {
			return nil, err
		}
		p.i = len(p.s) - len(rest)
		c.str = s
	case '%':
		re, rest, err := regexTerm(p.s[p.i:])
		if err != nil {
			return nil, err
		}
		p.i = len(p.s) - len(rest)
		c.re = re
	default:
		start := p.i
		for p.i < len(p.s) && !unicode.IsSpace(rune(p.s[p.i])) && !strings.ContainsRune("()&|", rune(p.s[p.i])) {
			p.i++
		}
		v := p.s[start:p.i]
		if v == "" {
			return nil, errors.New("missing value in JSON filter pattern")
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			c.num, c.isNum = f, true
		} else {
			c.str = v
		}
	}
	if !c.isNum && c.op != "=" && c.op != "!=" {
		return nil, fmt.Errorf("operator %s needs a numeric value", c.op)
	}
	return c, nil
}

// selector reads $.a.b[0].c.
func (p *jsonParser) selector() ([]pathElem, error) {
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '$' {
		return nil, errors.New("expected a selector starting with $")
	}
	p.i++
	var path []pathElem
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '.':
			p.i++
			start := p.i
			for p.i < len(p.s) && (isWordChar(p.s[p.i]) || p.s[p.i] == '-' || p.s[p.i] == '@' || p.s[p.i] == ':') {
				p.i++
			}
			if p.i == start {
				return nil, errors.New("empty field name in selector")
			}
			path = append(path, pathElem{key: p.s[start:p.i], index: -1})
		case '[':
			end := strings.IndexByte(p.s[p.i:], ']')
			if end < 0 {
				return nil, errors.New("missing ] in selector")
			}
			n, err := strconv.Atoi(p.s[p.i+1 : p.i+end])
			if err != nil || n < 0 {
				return nil, errors.New("array index must be a number")
			}
			path = append(path, pathElem{index: n})
			p.i += end + 1
		default:
			return nonEmptyPath(path)
		}
	}
	return nonEmptyPath(path)
}

// nonEmptyPath refuses a bare $: a selector names a field.
func nonEmptyPath(path []pathElem) ([]pathElem, error) {
	if len(path) == 0 {
		return nil, errors.New("a selector names a field: $.name")
	}
	return path, nil
}
