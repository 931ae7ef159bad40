package reports

import (
	"fmt"
	"strings"
)

// VisibleBytes renders raw wire bytes so every byte can be seen: CR as \r, LF as \n followed
// by a real newline (so messages keep their line structure), TAB as \t, a backslash as \\,
// and any other byte that is not printable ASCII (controls, NUL, DEL, 0x80-0xFF) as \xNN.
// The result is printable ASCII plus newlines, safe for a terminal, XML and (once
// HTML-escaped) a <pre>; the mapping is reversible.
func VisibleBytes(b []byte) string {
	var s strings.Builder
	s.Grow(len(b) + len(b)/8)
	for _, seg := range visibleSegments(b) {
		s.WriteString(seg.Text)
	}
	return s.String()
}

// segment is a run of VisibleBytes output that is either literal text or escapes, so the
// HTML renderer can tint escapes without building markup from the bytes.
type segment struct {
	Text string
	Esc  bool
}

func visibleSegments(b []byte) []segment {
	var out []segment
	var cur strings.Builder
	curEsc := false
	emit := func(s string, esc bool) {
		if cur.Len() > 0 && esc != curEsc {
			out = append(out, segment{cur.String(), curEsc})
			cur.Reset()
		}
		curEsc = esc
		cur.WriteString(s)
	}
	for _, c := range b {
		switch {
		case c == '\r':
			emit(`\r`, true)
		case c == '\n':
			emit(`\n`, true)
			emit("\n", false)
		case c == '\t':
			emit(`\t`, true)
		case c == '\\':
			emit(`\\`, true)
		case c >= 0x20 && c < 0x7f:
			emit(string(rune(c)), false)
		default:
			emit(fmt.Sprintf(`\x%02x`, c), true)
		}
	}
	if cur.Len() > 0 {
		out = append(out, segment{cur.String(), curEsc})
	}
	return out
}

// ShellReplay returns a POSIX shell one-liner that sends req to addr again:
//
//	printf 'GET / HTTP/1.1\r\nHost: example\r\n\r\n' | nc 127.0.0.1 8000
//
// The bytes are written as a printf format in single quotes: printable ASCII as is, CR, LF
// and TAB as \r \n \t, a backslash as \\, % as %%, and everything else (the quote itself,
// NUL, controls, bytes >= 0x80) as a three-digit octal escape, which every POSIX printf
// (dash, bash, busybox, zsh) decodes to the exact byte.
func ShellReplay(req []byte, addr string) string {
	var b strings.Builder
	b.WriteString("printf '")
	for i, c := range req {
		switch {
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '%':
			b.WriteString("%%")
		case c == '-' && i == 0:
			b.WriteString(`\055`) // a leading '-' would read as an option
		case c >= 0x20 && c < 0x7f && c != '\'':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, `\%03o`, c)
		}
	}
	b.WriteString("' | nc")
	for _, a := range splitAddr(addr) {
		b.WriteByte(' ')
		b.WriteString(shellQuote(a))
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell when it holds anything but safe characters.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._-:/@%+=,", c) >= 0) {
			safe = false
			break
		}
	}
	if safe && s[0] != '-' {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
