package template

import (
	"errors"
	"fmt"
	"strings"
)

// Error is one problem with a template, found while parsing, planning or
// resolving it. Path locates it in the template, in the dotted form a reader
// can follow ("Resources.Api.Properties.Name", "Outputs.Url.Value[1]");
// Line and Column point into the template text when they are known (0 when
// not). Several problems found in one pass come back joined with errors.Join;
// errors.As finds the first.
type Error struct {
	Path   string
	Line   int
	Column int
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "(line %d, column %d)", e.Line, e.Column)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// pos is where a value starts in the template text.
type pos struct{ line, col int }

// positions maps a value's path to where it starts in the template text. It
// sits beside the value tree, which stays plain Go values.
type positions map[string]pos

// errorf builds an Error at path, located at path or, failing that, at the
// nearest enclosing value whose position is known.
func (ps positions) errorf(path, format string, args ...any) *Error {
	e := &Error{Path: path, Msg: fmt.Sprintf(format, args...)}
	for p := path; ; {
		if at, ok := ps[p]; ok {
			e.Line, e.Column = at.line, at.col
			break
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return e
}

// maxProblems bounds how many problems one pass reports: past a few dozen the
// list stops helping anyone, and a hostile template must not make it huge.
const maxProblems = 50

// problems collects the errors of one pass so that a template author sees
// all of them at once rather than one per attempt.
type problems struct {
	pos  positions
	list []error
}

func (p *problems) add(path, format string, args ...any) {
	p.addErr(p.pos.errorf(path, format, args...))
}

func (p *problems) addErr(err error) {
	if err == nil {
		return
	}
	// An evaluation error may already be a join of several.
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			p.addErr(e)
		}
		return
	}
	if len(p.list) < maxProblems {
		p.list = append(p.list, err)
	}
}

func (p *problems) empty() bool { return len(p.list) == 0 }

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return errors.Join(p.list...)
}

// child appends a key to a path.
func child(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index appends a list index to a path.
func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}
