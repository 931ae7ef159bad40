// Package safetext is the one way conform turns what a target sent (a reason phrase, a
// header value, a body, an error that quotes them, a server's log line) into text that is
// safe to print on a terminal or to put in XML, Markdown or an HTML page.
//
// A terminal obeys escape sequences (ESC, the 8-bit CSI 0x9b and the other C1 controls, BEL
// ending an OSC title or link), and bidi controls reorder what is shown; a target that can
// get one of them printed can set the window title, clear the screen, plant links or hide
// text. So every rune that is a control (C0, DEL, C1), a format character (bidi embeddings,
// overrides and isolates, zero-width characters, the BOM, the soft hyphen), a line or
// paragraph separator, or a non-character (U+FFFE, U+FFFF), and every byte that is not
// UTF-8, is written as an escape: \xNN below U+0100 and for bytes, \u{NNNN} above. Printable
// text, non-ASCII letters included, is kept.
package safetext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line makes s safe to print as part of one line: newlines and tabs are escaped too. It is
// idempotent (its output is printable and is left as it is), so text escaped once, in an
// error that is printed by a caller that escapes again, reads the same.
func Line(s string) string { return escape(s, false) }

// Block makes s safe to print as lines: like Line, but newlines and tabs are kept.
func Block(s string) string { return escape(s, true) }

// needsEscape says r must be escaped (with keepSpace, newline and tab may stay).
func needsEscape(r rune, keepSpace bool) bool {
	if keepSpace && (r == '\n' || r == '\t') {
		return false
	}
	switch {
	case r == 0xFFFE || r == 0xFFFF:
		return true // not characters; invalid in XML
	case r == '\u2028' || r == '\u2029':
		return true // line and paragraph separators: they break a line like a newline
	}
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
}

func escape(s string, keepSpace bool) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || needsEscape(r, keepSpace) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			writeHex(&b, s[i])
		case r < 0x100 && needsEscape(r, keepSpace):
			writeHex(&b, byte(r))
		case needsEscape(r, keepSpace):
			fmt.Fprintf(&b, `\u{%04x}`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func writeHex(b *strings.Builder, c byte) {
	const digits = "0123456789abcdef"
	b.WriteString(`\x`)
	b.WriteByte(digits[c>>4])
	b.WriteByte(digits[c&0xf])
}

// Segment is a run of Bytes' output that is either literal text or escapes, so an HTML
// renderer can tint the escapes without building markup from the bytes.
type Segment struct {
	Text string
	Esc  bool
}

// Bytes renders raw wire bytes so every byte can be seen: CR as \r, LF as \n followed by a
// real newline (so messages keep their line structure), TAB as \t, a backslash as \\, and
// any other byte that is not printable ASCII (controls, NUL, DEL, 0x80-0xFF) as \xNN, even
// when it is part of UTF-8: on the wire a byte is a byte. The result is printable ASCII plus
// newlines, and the mapping is reversible.
func Bytes(b []byte) string {
	var s strings.Builder
	s.Grow(len(b) + len(b)/8)
	for _, seg := range Segments(b) {
		s.WriteString(seg.Text)
	}
	return s.String()
}

// Segments is Bytes cut into literal and escaped runs.
func Segments(b []byte) []Segment {
	var out []Segment
	var cur strings.Builder
	curEsc := false
	emit := func(s string, esc bool) {
		if cur.Len() > 0 && esc != curEsc {
			out = append(out, Segment{cur.String(), curEsc})
			cur.Reset()
		}
		curEsc = esc
		cur.WriteString(s)
	}
	var hex strings.Builder
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
			hex.Reset()
			writeHex(&hex, c)
			emit(hex.String(), true)
		}
	}
	if cur.Len() > 0 {
		out = append(out, Segment{cur.String(), curEsc})
	}
	return out
}
