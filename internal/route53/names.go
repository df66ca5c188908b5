package route53

import (
	"strings"

	mdns "github.com/miekg/dns"
)

// Route 53's domain name format: names are stored in lower case with a
// final dot; a character other than a-z, 0-9, hyphen and underscore is
// written as a backslash and three octal digits (the wildcard label "*"
// reads back as "\052"), and clients may send names either way.

// dnsName is a name as Route 53 stores it and as the DNS server's wire.
type dnsName struct {
	stored string // lower case, escaped, with the final dot
	wire   []byte // lower-case wire labels ending with the root
}

// nameProblem is why a name is refused, in Route 53's words: the code and
// its description of a "FATAL problem".
type nameProblem struct{ code, text string }

var (
	problemNameEmpty   = &nameProblem{"DomainNameEmpty", "Domain name is empty"}
	problemLabelEmpty  = &nameProblem{"DomainLabelEmpty", "Domain label is empty"}
	problemLabelLong   = &nameProblem{"DomainLabelTooLong", "Domain label is too long"}
	problemNameLong    = &nameProblem{"DomainNameTooLong", "Domain name is too long"}
	problemBadEscape   = &nameProblem{"InvalidEscapeSequence", "Escape sequence is not valid"}
	problemUnsupported = &nameProblem{"UnsupportedCharacter", "Value contains unsupported characters"}
)

// parseName reads a domain name as a client sends it: a final dot is
// optional, letters are folded to lower case, and \ooo octal escapes
// (and \c for a literal character) are decoded.
func parseName(in string) (dnsName, *nameProblem) {
	s := strings.TrimSuffix(in, ".")
	if in == "" {
		return dnsName{}, problemNameEmpty
	}
	if s == "" { // the root itself
		return dnsName{stored: ".", wire: []byte{0}}, nil
	}
	var (
		wire  = make([]byte, 0, len(s)+2)
		label = []byte{}
	)
	end := func() *nameProblem {
		switch {
		case len(label) == 0:
			return problemLabelEmpty
		case len(label) > 63:
			return problemLabelLong
		}
		wire = append(append(wire, byte(len(label))), label...)
		label = label[:0]
		return nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if p := end(); p != nil {
				return dnsName{}, p
			}
			continue
		case c == '\\':
			if i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
				v := int(s[i+1]-'0')*64 + int(s[i+2]-'0')*8 + int(s[i+3]-'0')
				if v > 255 {
					return dnsName{}, problemBadEscape
				}
				c, i = byte(v), i+3
			} else if i+1 < len(s) {
				c, i = s[i+1], i+1
			} else {
				return dnsName{}, problemBadEscape
			}
		case c <= ' ' || c >= 0x7f:
			return dnsName{}, problemUnsupported
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		label = append(label, c)
	}
	if p := end(); p != nil {
		return dnsName{}, p
	}
	wire = append(wire, 0)
	if len(wire) > 255 {
		return dnsName{}, problemNameLong
	}
	return dnsName{stored: storedName(wire), wire: wire}, nil
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

// storedName writes wire labels in Route 53's stored form.
func storedName(wire []byte) string {
	var b strings.Builder
	for off := 0; off < len(wire) && wire[off] != 0; off += 1 + int(wire[off]) {
		for _, c := range wire[off+1 : off+1+int(wire[off])] {
			if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' {
				b.WriteByte(c)
				continue
			}
			b.WriteByte('\\')
			b.WriteByte('0' + c>>6)
			b.WriteByte('0' + c>>3&7)
			b.WriteByte('0' + c&7)
		}
		b.WriteByte('.')
	}
	if b.Len() == 0 {
		return "."
	}
	return b.String()
}

// presentation is the name in the DNS server's (miekg/dns) text form.
func (n dnsName) presentation() string {
	s, _, err := mdns.UnpackDomainName(n.wire, 0)
	if err != nil {
		return "."
	}
	return s
}

// within reports whether n is zone or a name below it.
func (n dnsName) within(zone dnsName) bool {
	if len(n.wire) < len(zone.wire) {
		return false
	}
	for off := 0; off < len(n.wire); off += 1 + int(n.wire[off]) {
		if string(n.wire[off:]) == string(zone.wire) {
			return true
		}
		if n.wire[off] == 0 {
			break
		}
	}
	return false
}

// sortKey orders names as ListResourceRecordSets and ListHostedZonesByName
// do: by the stored name with its labels reversed and a final dot
// ("www.example.com." sorts as "com.example.www.").
func sortKey(stored string) string {
	labels := splitLabels(strings.TrimSuffix(stored, "."))
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	return strings.Join(labels, ".") + "."
}

// splitLabels splits a stored name at its dots (stored names escape any
// dot inside a label, so a plain split is right).
func splitLabels(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ".")
}
