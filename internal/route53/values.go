package route53

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	mdns "github.com/miekg/dns"
)

// Record types a record set may have. Route 53 also has NAPTR, DS, TLSA,
// SSHFP, SVCB and HTTPS; Portolan refuses those (docs/compat.md).
var recordTypes = map[string]uint16{
	"A": mdns.TypeA, "AAAA": mdns.TypeAAAA, "CNAME": mdns.TypeCNAME, "TXT": mdns.TypeTXT, "SPF": mdns.TypeSPF,
	"MX": mdns.TypeMX, "SRV": mdns.TypeSRV, "NS": mdns.TypeNS, "SOA": mdns.TypeSOA, "PTR": mdns.TypePTR, "CAA": mdns.TypeCAA,
}

// typeEnumeration is Route 53's RRType enumeration, as its XML schema
// error lists it.
const typeEnumeration = "[SOA, A, TXT, NS, CNAME, MX, NAPTR, PTR, SRV, SPF, AAAA, CAA, DS, TLSA, SSHFP, SVCB, HTTPS]"

// valueProblem is why Route 53 refuses a record's value: its message
// (message) names the problem's code and text and quotes the value.
type valueProblem struct{ code, text, value string }

func (p *valueProblem) message() string {
	return fmt.Sprintf("Invalid Resource Record: 'FATAL problem: %s (%s) encountered with '%s''", p.code, p.text, p.value)
}

func problem(code, text, value string) *valueProblem { return &valueProblem{code, text, value} }

// parseValue reads one value of a record set, in Route 53's format for
// its type, into the record the DNS server serves (owner and TTL set).
// Names inside values are fully qualified, with or without a final dot.
func parseValue(owner string, rrtype uint16, ttl uint32, value string) (mdns.RR, *valueProblem) {
	hdr := mdns.RR_Header{Name: owner, Rrtype: rrtype, Class: mdns.ClassINET, Ttl: ttl}
	fields := strings.Fields(value)
	typ := mdns.TypeToString[rrtype]
	count := func(n int) *valueProblem {
		if len(fields) != n {
			if n == 1 {
				return problem(typ+"RRDATANotSingleField", "Value contains spaces", value)
			}
			return problem(typ+"RRDATAIllegalFieldCount", fmt.Sprintf("Value must have %d fields", n), value)
		}
		return nil
	}
	switch rrtype {
	case mdns.TypeA, mdns.TypeAAAA:
		if p := count(1); p != nil {
			return nil, p
		}
		a, err := netip.ParseAddr(value)
		if rrtype == mdns.TypeA {
			if err != nil || !a.Is4() {
				return nil, problem("ARRDATAIllegalIPv4Address", "Value is not a valid IPv4 address", value)
			}
			return &mdns.A{Hdr: hdr, A: a.AsSlice()}, nil
		}
		if err != nil || !a.Is6() || a.Zone() != "" {
			return nil, problem("AAAARRDATAIllegalIPv6Address", "Value is not a valid IPv6 address", value)
		}
		return &mdns.AAAA{Hdr: hdr, AAAA: a.AsSlice()}, nil
	case mdns.TypeCNAME, mdns.TypeNS, mdns.TypePTR:
		if p := count(1); p != nil {
			return nil, p
		}
		target, p := valueName(value)
		if p != nil {
			return nil, p
		}
		switch rrtype {
		case mdns.TypeCNAME:
			return &mdns.CNAME{Hdr: hdr, Target: target}, nil
		case mdns.TypeNS:
			return &mdns.NS{Hdr: hdr, Ns: target}, nil
		}
		return &mdns.PTR{Hdr: hdr, Ptr: target}, nil
	case mdns.TypeMX:
		if p := count(2); p != nil {
			return nil, p
		}
		pref, p := uint16Field(typ, "Preference", fields[0], value)
		if p != nil {
			return nil, p
		}
		target, p := valueName(fields[1])
		if p != nil {
			return nil, p
		}
		return &mdns.MX{Hdr: hdr, Preference: pref, Mx: target}, nil
	case mdns.TypeSRV:
		return parseSRV(hdr, fields, value)
	case mdns.TypeSOA:
		return parseSOA(hdr, fields, value)
	case mdns.TypeTXT, mdns.TypeSPF:
		strs, p := characterStrings(value)
		if p != nil {
			return nil, p
		}
		if rrtype == mdns.TypeSPF {
			return &mdns.SPF{Hdr: hdr, Txt: strs}, nil
		}
		return &mdns.TXT{Hdr: hdr, Txt: strs}, nil
	case mdns.TypeCAA:
		return parseCAA(hdr, value)
	}
	return nil, problem("UnsupportedRRType", "Record type is not supported", value)
}

func parseSRV(hdr mdns.RR_Header, fields []string, value string) (mdns.RR, *valueProblem) {
	if len(fields) != 4 {
		return nil, problem("SRVRRDATAIllegalFieldCount", "Value must have 4 fields", value)
	}
	var nums [3]uint16
	for i, what := range []string{"Priority", "Weight", "Port"} {
		n, p := uint16Field("SRV", what, fields[i], value)
		if p != nil {
			return nil, p
		}
		nums[i] = n
	}
	target, p := valueName(fields[3])
	if p != nil {
		return nil, p
	}
	return &mdns.SRV{Hdr: hdr, Priority: nums[0], Weight: nums[1], Port: nums[2], Target: target}, nil
}

func parseSOA(hdr mdns.RR_Header, fields []string, value string) (mdns.RR, *valueProblem) {
	if len(fields) != 7 {
		return nil, problem("SOARRDATAIllegalFieldCount", "Value must have 7 fields", value)
	}
	mname, p := valueName(fields[0])
	if p != nil {
		return nil, p
	}
	rname, p := valueName(fields[1])
	if p != nil {
		return nil, p
	}
	var nums [5]uint32
	for i, f := range fields[2:] {
		n, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			return nil, problem("SOARRDATAIllegalNumber", "Value has a field that is not a 32-bit unsigned number", value)
		}
		nums[i] = uint32(n)
	}
	return &mdns.SOA{Hdr: hdr, Ns: mname, Mbox: rname, Serial: nums[0], Refresh: nums[1], Retry: nums[2], Expire: nums[3], Minttl: nums[4]}, nil
}

// parseCAA reads `flags tag "value"`.
func parseCAA(hdr mdns.RR_Header, value string) (mdns.RR, *valueProblem) {
	head := strings.Fields(value)
	if len(head) < 3 {
		return nil, problem("CAARRDATAIllegalFieldCount", "Value must have 3 fields", value)
	}
	flags, err := strconv.ParseUint(head[0], 10, 8)
	if err != nil {
		return nil, problem("CAARRDATAIllegalFlags", "Flags must be an integer from 0 to 255", value)
	}
	tag := head[1]
	for _, c := range tag {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return nil, problem("CAARRDATAIllegalTag", "Tag must be letters and digits", value)
		}
	}
	rest := strings.TrimSpace(value)
	rest = strings.TrimSpace(rest[len(head[0]):])
	rest = strings.TrimSpace(rest[len(tag):])
	strs, p := characterStrings(rest)
	if p != nil {
		return nil, p
	}
	if len(strs) != 1 || !strings.HasPrefix(rest, `"`) {
		return nil, problem("CAARRDATAIllegalValue", "Value must be one quoted string", value)
	}
	return &mdns.CAA{Hdr: hdr, Flag: uint8(flags), Tag: tag, Value: strs[0]}, nil
}

func uint16Field(typ, what, f, value string) (uint16, *valueProblem) {
	n, err := strconv.ParseUint(f, 10, 16)
	if err != nil {
		return 0, problem(typ+"RRDATAIllegal"+what, what+" must be an integer from 0 to 65535", value)
	}
	return uint16(n), nil
}

// valueName reads a domain name inside a value (always fully qualified)
// into the DNS server's presentation form.
func valueName(s string) (string, *valueProblem) {
	n, p := parseName(s)
	if p != nil {
		return "", problem(p.code, p.text, s)
	}
	return n.presentation(), nil
}

// characterStrings reads TXT-style values: one or more character strings,
// each quoted ("a b" "c", with \" and \\ and \ooo octal escapes) or, when
// made of letters, digits, '.', '-' and '_' only, bare. Each string holds
// at most 255 bytes. The strings come back escaped as miekg/dns's TXT
// holds them.
func characterStrings(value string) ([]string, *valueProblem) {
	var out []string
	i := 0
	for {
		for i < len(value) && (value[i] == ' ' || value[i] == '\t') {
			i++
		}
		if i == len(value) {
			break
		}
		var raw []byte
		if value[i] == '"' {
			i++
			closed := false
			for i < len(value) {
				c := value[i]
				if c == '"' {
					closed = true
					i++
					break
				}
				if c == '\\' && i+1 < len(value) {
					if i+3 < len(value) && isOctal(value[i+1]) && isOctal(value[i+2]) && isOctal(value[i+3]) {
						v := int(value[i+1]-'0')*64 + int(value[i+2]-'0')*8 + int(value[i+3]-'0')
						if v > 255 {
							return nil, problem("InvalidEscapeSequence", "Escape sequence is not valid", value)
						}
						raw, i = append(raw, byte(v)), i+4
						continue
					}
					c, i = value[i+1], i+1
				}
				raw = append(raw, c)
				i++
			}
			if !closed {
				return nil, problem("InvalidCharacterString", "Value should be enclosed in quotation marks", value)
			}
			if i < len(value) && value[i] != ' ' && value[i] != '\t' {
				return nil, problem("InvalidCharacterString", "Value should be enclosed in quotation marks", value)
			}
		} else {
			start := i
			for i < len(value) && value[i] != ' ' && value[i] != '\t' {
				c := value[i]
				if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
					return nil, problem("InvalidCharacterString", "Value should be enclosed in quotation marks", value)
				}
				i++
			}
			raw = []byte(value[start:i])
		}
		if len(raw) > 255 {
			return nil, problem("CharacterStringTooLong", "Value is too long", value)
		}
		out = append(out, txtEscape(raw))
	}
	if len(out) == 0 {
		return nil, problem("InvalidCharacterString", "Value should be enclosed in quotation marks", value)
	}
	return out, nil
}

// txtEscape writes raw bytes as miekg/dns keeps a TXT string: quotes and
// backslashes escaped, bytes outside printable ASCII as \DDD (decimal).
func txtEscape(raw []byte) string {
	var b strings.Builder
	for _, c := range raw {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
