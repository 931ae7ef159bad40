package reports

import (
	"fmt"
	"strings"

	"github.com/conform-wsgi/conform/internal/safetext"
)

// VisibleBytes renders raw wire bytes so every byte can be seen (safetext.Bytes): printable
// ASCII plus newlines, safe for a terminal, XML and (once HTML-escaped) a <pre>; the mapping
// is reversible.
func VisibleBytes(b []byte) string { return safetext.Bytes(b) }

// segment is a run of VisibleBytes output that is either literal text or escapes, so the
// HTML renderer can tint escapes without building markup from the bytes.
type segment = safetext.Segment

func visibleSegments(b []byte) []segment { return safetext.Segments(b) }

// ShellReplay returns a shell one-liner that sends req to addr again and prints the answer,
// with nothing but printf and bash's /dev/tcp (no nc, which a fresh machine may lack):
//
//	printf 'GET / HTTP/1.1\r\nHost: example\r\n\r\n' | bash -c 'exec 3<>"/dev/tcp/$0/$1"; cat >&3; timeout 5 cat <&3' 127.0.0.1 8000
//
// It runs from any POSIX shell that has bash and coreutils' timeout on its PATH. The
// response is read until the server closes or 5 s pass. The bytes are written as a printf format in single quotes: printable ASCII as is, CR, LF
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
	b.WriteString("' | ")
	b.WriteString(TCPSend(addr))
	return b.String()
}

// TCPSend is the command that copies its standard input to addr and prints what comes
// back: host and port go to bash as arguments, so no quoting of them reaches the script.
func TCPSend(addr string) string {
	cmd := `bash -c 'exec 3<>"/dev/tcp/$0/$1"; cat >&3; timeout 5 cat <&3'`
	for _, a := range splitAddr(addr) {
		cmd += " " + shellQuote(a)
	}
	return cmd
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
