package reference

import (
	"bytes"
	"net"
)

// Character classes of RFC 9110 §5.6 and RFC 3986.

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
// "~" / DIGIT / ALPHA (RFC 9110 §5.6.2)
var tcharTable = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func isTchar(c byte) bool { return tcharTable[c] }

// isToken: token = 1*tchar (RFC 9110 §5.6.2).
func isToken[T ~string | ~[]byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tcharTable[s[i]] {
			return false
		}
	}
	return true
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

// trimOWS removes OWS = *( SP / HTAB ) at both ends (RFC 9110 §5.6.3).
func trimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func trimOWSString(s string) string { return string(trimOWS([]byte(s))) }

// pyStrip removes what Python's str.strip() removes from the latin-1 text of b:
// \t \n \v \f \r, \x1c-\x1f, SP, \x85 and \xa0 (Deviations.FramingPythonStrip).
func pyStrip(b []byte) []byte {
	isPySpace := func(c byte) bool {
		return c == ' ' || '\t' <= c && c <= '\r' || 0x1c <= c && c <= 0x1f || c == 0x85 || c == 0xa0
	}
	for len(b) > 0 && isPySpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isPySpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func hexVal(c byte) (uint64, bool) {
	switch {
	case '0' <= c && c <= '9':
		return uint64(c - '0'), true
	case 'a' <= c && c <= 'f':
		return uint64(c-'a') + 10, true
	case 'A' <= c && c <= 'F':
		return uint64(c-'A') + 10, true
	}
	return 0, false
}

func isHex(c byte) bool { _, ok := hexVal(c); return ok }

// lowerASCII lower-cases ASCII letters only.
func lowerASCII(s []byte) string {
	b := make([]byte, len(s))
	for i, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return string(b)
}

// cursor scans list-structured field values and chunk extensions.
type cursor struct {
	b []byte
	i int
}

func (c *cursor) done() bool { return c.i >= len(c.b) }

func (c *cursor) peek() byte {
	if c.i < len(c.b) {
		return c.b[c.i]
	}
	return 0
}

// ows skips OWS/BWS and reports whether it skipped anything.
func (c *cursor) ows() bool {
	s := c.i
	for c.i < len(c.b) && isOWS(c.b[c.i]) {
		c.i++
	}
	return c.i > s
}

// token reads 1*tchar.
func (c *cursor) token() ([]byte, bool) {
	s := c.i
	for c.i < len(c.b) && isTchar(c.b[c.i]) {
		c.i++
	}
	return c.b[s:c.i], c.i > s
}

// quoted reads a quoted-string (RFC 9110 §5.6.4):
//
//	quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//	qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
//	quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
func (c *cursor) quoted() bool {
	if c.peek() != '"' {
		return false
	}
	c.i++
	for c.i < len(c.b) {
		ch := c.b[c.i]
		switch {
		case ch == '"':
			c.i++
			return true
		case ch == '\\':
			if c.i+1 >= len(c.b) {
				return false
			}
			n := c.b[c.i+1]
			if !(n == '\t' || n == ' ' || (0x21 <= n && n <= 0x7e) || n >= 0x80) {
				return false
			}
			c.i += 2
		case ch == '\t' || ch == ' ' || ch == 0x21 || (0x23 <= ch && ch <= 0x5b) || (0x5d <= ch && ch <= 0x7e) || ch >= 0x80:
			c.i++
		default:
			return false
		}
	}
	return false
}

// tokenOrQuoted reads token / quoted-string.
func (c *cursor) tokenOrQuoted() bool {
	if c.peek() == '"' {
		return c.quoted()
	}
	_, ok := c.token()
	return ok
}

// listMembers splits a #list value (RFC 9110 §5.6.1) on commas outside quoted strings,
// trimming OWS and dropping empty members ("a recipient MUST parse and ignore a reasonable
// number of empty list elements"). Quoted strings are kept as they are.
func listMembers(v []byte) [][]byte {
	var out [][]byte
	start, inQuote := 0, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			if m := trimOWS(v[start:i]); len(m) > 0 {
				out = append(out, m)
			}
			start = i + 1
		}
	}
	if m := trimOWS(v[start:]); len(m) > 0 {
		out = append(out, m)
	}
	return out
}

// regNameTable: unreserved / sub-delims, the bytes of reg-name besides pct-encoded
// (RFC 3986 §3.2.2: reg-name = *( unreserved / pct-encoded / sub-delims )).
var regNameTable = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "-._~!$&'()*+,;=" {
		t[c] = true
	}
	return t
}()

// validHost checks Host = uri-host [ ":" port ] (RFC 9110 §7.2), where uri-host is the host
// of RFC 3986 §3.2.2 (IP-literal / IPv4address / reg-name) and port = *DIGIT. An empty value
// is valid (RFC 9112 §3.2: the Host of a URI without authority is sent empty). Userinfo,
// paths and whitespace are not.
func validHost(v []byte) bool {
	if len(v) == 0 {
		return true
	}
	var rest []byte
	if v[0] == '[' {
		j := bytes.IndexByte(v, ']')
		if j < 0 || !validIPLiteral(v[1:j]) {
			return false
		}
		rest = v[j+1:]
	} else {
		i := bytes.IndexByte(v, ':')
		host := v
		if i >= 0 {
			host, rest = v[:i], v[i:]
		}
		for k := 0; k < len(host); k++ {
			c := host[k]
			if c == '%' {
				if k+2 >= len(host) || !isHex(host[k+1]) || !isHex(host[k+2]) {
					return false
				}
				k += 2
				continue
			}
			if !regNameTable[c] {
				return false
			}
		}
	}
	if len(rest) == 0 {
		return true
	}
	if rest[0] != ':' {
		return false
	}
	for _, c := range rest[1:] {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// validIPLiteral: IP-literal = "[" ( IPv6address / IPvFuture ) "]" (brackets removed);
// IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ).
func validIPLiteral(b []byte) bool {
	if len(b) > 0 && (b[0] == 'v' || b[0] == 'V') {
		i := 1
		for i < len(b) && isHex(b[i]) {
			i++
		}
		if i == 1 || i >= len(b) || b[i] != '.' || i+1 == len(b) {
			return false
		}
		for _, c := range b[i+1:] {
			if !regNameTable[c] && c != ':' {
				return false
			}
		}
		return true
	}
	if bytes.IndexByte(b, ':') < 0 || bytes.IndexByte(b, '%') >= 0 {
		return false
	}
	return net.ParseIP(string(b)) != nil
}
