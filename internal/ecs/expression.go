package ecs

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// The cluster query language's common expressions, as memberOf placement
// constraints and ListContainerInstances' filter take them:
//
//	attribute:ecs.availability-zone in [us-east-1a, us-east-1b]
//	attribute:ecs.os-type == linux and not(attribute:portolan.node-name == n3)
//	ec2InstanceId =~ worker-.*
//
// Subjects are attribute:NAME and ec2InstanceId (the node's name);
// operators ==/equals, !=/not_equals, in, not_in, exists, !exists/
// not_exists, =~/matches, !~/not_matches; and/&&, or/||, not/!, and
// parentheses. Values are bare words, quoted strings, or [lists].

// expression is a parsed query; match evaluates it on a node's attributes.
type expression interface {
	match(attrs map[string]string) bool
}

type andExpr struct{ l, r expression }
type orExpr struct{ l, r expression }
type notExpr struct{ e expression }
type cmpExpr struct {
	subject string // attribute name, or "ec2InstanceId"
	op      string
	values  []string
	re      *regexp.Regexp
}

func (e andExpr) match(a map[string]string) bool { return e.l.match(a) && e.r.match(a) }
func (e orExpr) match(a map[string]string) bool  { return e.l.match(a) || e.r.match(a) }
func (e notExpr) match(a map[string]string) bool { return !e.e.match(a) }

func (e cmpExpr) match(a map[string]string) bool {
	v, ok := a[e.subject]
	switch e.op {
	case "exists":
		return ok
	case "not_exists":
		return !ok
	case "==":
		return ok && v == e.values[0]
	case "!=":
		return !ok || v != e.values[0]
	case "in":
		return ok && slices.Contains(e.values, v)
	case "not_in":
		return !ok || !slices.Contains(e.values, v)
	case "=~":
		return ok && e.re.MatchString(v)
	case "!~":
		return !ok || !e.re.MatchString(v)
	}
	return false
}

// parseExpression parses a query; errors are InvalidParameterException.
func parseExpression(s string) (expression, error) {
	if len(s) > 2000 {
		return nil, invalidParameter("The expression is longer than 2000 characters.")
	}
	p := &exprParser{toks: tokenize(s), src: s}
	e := p.or()
	if p.err == nil && p.pos < len(p.toks) {
		p.fail()
	}
	if p.err != nil {
		return nil, p.err
	}
	return e, nil
}

type exprParser struct {
	toks  []string
	pos   int
	src   string
	err   error
	depth int
}

func (p *exprParser) fail() {
	if p.err == nil {
		p.err = invalidParameter("Invalid expression: %s", p.src)
	}
}

func (p *exprParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *exprParser) next() string {
	t := p.peek()
	if p.pos < len(p.toks) {
		p.pos++
	}
	return t
}

func (p *exprParser) or() expression {
	l := p.and()
	for p.err == nil && (p.peek() == "or" || p.peek() == "||") {
		p.next()
		l = orExpr{l, p.and()}
	}
	return l
}

func (p *exprParser) and() expression {
	l := p.unary()
	for p.err == nil && (p.peek() == "and" || p.peek() == "&&") {
		p.next()
		l = andExpr{l, p.unary()}
	}
	return l
}

func (p *exprParser) unary() expression {
	if p.depth++; p.depth > 50 {
		p.fail()
		return nil
	}
	defer func() { p.depth-- }()
	switch t := p.peek(); t {
	case "not", "!":
		p.next()
		return notExpr{p.unary()}
	case "(":
		p.next()
		e := p.or()
		if p.next() != ")" {
			p.fail()
		}
		return e
	}
	return p.comparison()
}

var opAliases = map[string]string{
	"==": "==", "equals": "==", "!=": "!=", "not_equals": "!=", "in": "in", "not_in": "not_in",
	"exists": "exists", "!exists": "not_exists", "not_exists": "not_exists",
	"=~": "=~", "matches": "=~", "!~": "!~", "not_matches": "!~",
}

func (p *exprParser) comparison() expression {
	subject := p.next()
	switch {
	case strings.HasPrefix(subject, "attribute:") && len(subject) > len("attribute:"):
		subject = strings.TrimPrefix(subject, "attribute:")
	case subject == "ec2InstanceId":
		subject = "portolan.node-name"
	default:
		p.fail()
		return nil
	}
	op, ok := opAliases[p.next()]
	if !ok {
		p.fail()
		return nil
	}
	c := cmpExpr{subject: subject, op: op}
	switch op {
	case "exists", "not_exists":
		return c
	case "in", "not_in":
		if p.next() != "[" {
			p.fail()
			return nil
		}
		for p.err == nil {
			v := p.next()
			if v == "" || v == "]" || v == "," || v == "[" {
				p.fail()
				return nil
			}
			c.values = append(c.values, unquote(v))
			if sep := p.next(); sep == "]" {
				break
			} else if sep != "," {
				p.fail()
			}
		}
		return c
	}
	v := p.next()
	if v == "" || strings.ContainsAny(v[:1], "[](),") {
		p.fail()
		return nil
	}
	c.values = []string{unquote(v)}
	if op == "=~" || op == "!~" {
		re, err := regexp.Compile("^(?:" + c.values[0] + ")$")
		if err != nil {
			p.fail()
			return nil
		}
		c.re = re
	}
	return c
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// tokenize splits on blanks, keeping brackets, parentheses and commas as
// tokens of their own and quoted strings whole.
func tokenize(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case unicode.IsSpace(rune(c)):
			i++
		case strings.IndexByte("[](),", c) >= 0:
			toks = append(toks, s[i:i+1])
			i++
		case c == '"' || c == '\'':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				toks = append(toks, s[i:])
				return toks
			}
			toks = append(toks, s[i:i+j+2])
			i += j + 2
		default:
			j := i
			for j < len(s) && !unicode.IsSpace(rune(s[j])) && strings.IndexByte("[](),", s[j]) < 0 {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks
}
