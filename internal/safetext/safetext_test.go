package safetext

import (
	"bytes"
	"math/rand"
	"strconv"
	"testing"
	"unicode/utf8"
)

// hostile is what a target can put in a reason phrase or a header value to take over a
// terminal: a window title (OSC 0, ended by BEL), a screen clear, an OSC 8 link (ended by
// ST), the 8-bit CSI both as a raw byte and as UTF-8, and a bidi override.
const hostile = "\x1b]0;pwned\x07\x1b[2J\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\ \x9b31m \u009b1m \u202egnp.exe\u2028next"

func TestLineEscapesEveryTerminalControl(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"Not Found", "Not Found"},
		{"caf\u00e9 \u65e5\u672c \u00bfqu\u00e9?", "caf\u00e9 \u65e5\u672c \u00bfqu\u00e9?"}, // printable non-ASCII stays
		{"a\tb\nc\rd", `a\x09b\x0ac\x0dd`},
		{"\x1b[2J", `\x1b[2J`},
		{"\x07\x00\x7f", `\x07\x00\x7f`},
		{"\x9b", `\x9b`},       // a lone byte that is not UTF-8
		{"\u009b", `\x9b`},     // C1 CSI, well-formed UTF-8
		{"\u0085", `\x85`},     // NEL
		{"\u202e", `\u{202e}`}, // right-to-left override
		{"\u2066x\u2069", `\u{2066}x\u{2069}`},
		{"\u200b\ufeff", `\u{200b}\u{feff}`},
		{"\u2028\u2029", `\u{2028}\u{2029}`},
		{"\uffff", `\u{ffff}`},
		{"\xc3", `\xc3`}, // truncated UTF-8
		{`back\slash \x1b`, `back\slash \x1b`},
	} {
		if got := Line(c.in); got != c.want {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got, want := Block("a\tb\nc\x1b"), "a\tb\nc\\x1b"; got != want {
		t.Errorf("Block kept %q, want %q", got, want)
	}
}

// terminalSafe says s holds no byte a terminal acts on: no C0 control (but, when lines are
// allowed, newline and tab), no DEL, no C1 control as a byte or as UTF-8, only valid UTF-8,
// no bidi or other format character.
func terminalSafe(t *testing.T, what, s string, lines bool) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s: not UTF-8: %q", what, s)
	}
	for _, r := range s {
		if lines && (r == '\n' || r == '\t') {
			continue
		}
		if r < 0x20 || r >= 0x7f && r < 0xa0 || needsEscape(r, false) {
			t.Fatalf("%s: %U reaches the output: %q", what, r, s)
		}
	}
}

func TestEscapedTextIsSafeAndIdempotent(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	inputs := []string{hostile}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	inputs = append(inputs, string(all))
	for i := 0; i < 500; i++ {
		b := make([]byte, rng.Intn(40))
		rng.Read(b)
		inputs = append(inputs, string(b))
		var r []rune
		for k := 0; k < 20; k++ {
			r = append(r, rune(rng.Intn(0x3000)))
		}
		inputs = append(inputs, string(r))
	}
	for _, in := range inputs {
		l, b := Line(in), Block(in)
		terminalSafe(t, "Line", l, false)
		terminalSafe(t, "Block", b, true)
		if Line(l) != l || Block(b) != b {
			t.Fatalf("escaping %q twice changes it", in)
		}
	}
}

func TestBytesIsReversibleASCII(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, in := range [][]byte{all, []byte(hostile), []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")} {
		v := Bytes(in)
		for _, c := range []byte(v) {
			if c != '\n' && (c < 0x20 || c > 0x7e) {
				t.Fatalf("Bytes(%q) contains byte %#x", in, c)
			}
		}
		if got := unBytes(t, v); !bytes.Equal(got, in) {
			t.Fatalf("round trip of %q through %q gave %q", in, v, got)
		}
		var joined string
		for _, s := range Segments(in) {
			joined += s.Text
		}
		if joined != v {
			t.Fatalf("segments of %q join to %q, want %q", in, joined, v)
		}
	}
}

func unBytes(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n':
		case c != '\\':
			out = append(out, c)
		default:
			i++
			switch s[i] {
			case 'r':
				out = append(out, '\r')
			case 'n':
				out = append(out, '\n')
			case 't':
				out = append(out, '\t')
			case '\\':
				out = append(out, '\\')
			case 'x':
				v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
				if err != nil {
					t.Fatalf("bad escape in %q", s)
				}
				out = append(out, byte(v))
				i += 2
			}
		}
	}
	return out
}
