package reports

import (
	"bytes"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestVisibleBytes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\\r\\n\nHost: x\\r\\n\n\\r\\n\n"},
		{"a\tb", `a\tb`},
		{"bare\nlf", "bare\\n\nlf"},
		{"\x00\x01\x1b[31m\x7f", `\x00\x01\x1b[31m\x7f`},
		{"\xff\xfe\x80", `\xff\xfe\x80`},
		{"é", `\xc3\xa9`}, // non-ASCII is shown byte by byte, even when it is UTF-8
		{`back\slash \x00`, `back\\slash \\x00`},
		{"</pre><script>", "</pre><script>"}, // printable: escaping for HTML is the template's job
		{"  spaces  ", "  spaces  "},
	} {
		if got := VisibleBytes([]byte(c.in)); got != c.want {
			t.Errorf("VisibleBytes(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// unvisible inverts VisibleBytes, to show that the rendering loses no information.
func unvisible(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' {
			continue // the real newline after \n
		}
		if c != '\\' {
			out = append(out, c)
			continue
		}
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
		default:
			t.Fatalf("unknown escape \\%c in %q", s[i], s)
		}
	}
	return out
}

func TestVisibleBytesReversibleAndPrintable(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	inputs := [][]byte{all}
	for i := 0; i < 300; i++ {
		b := make([]byte, rng.Intn(64))
		rng.Read(b)
		inputs = append(inputs, b)
	}
	for _, in := range inputs {
		v := VisibleBytes(in)
		for _, c := range []byte(v) {
			if c != '\n' && (c < 0x20 || c > 0x7e) {
				t.Fatalf("VisibleBytes(%q) contains byte %#x", in, c)
			}
		}
		if got := unvisible(t, v); !bytes.Equal(got, in) {
			t.Fatalf("round trip of %q through %q gave %q", in, v, got)
		}
		var joined strings.Builder
		for _, s := range visibleSegments(in) {
			joined.WriteString(s.Text)
		}
		if joined.String() != v {
			t.Fatalf("segments of %q join to %q, want %q", in, joined.String(), v)
		}
	}
}

func TestShellReplayForm(t *testing.T) {
	for _, c := range []struct{ req, addr, want string }{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", "127.0.0.1:8000", `printf 'GET / HTTP/1.1\r\nHost: a\r\n\r\n' | nc 127.0.0.1 8000`},
		{"it's 100% \\ \t\x00\xff", "localhost:80", `printf 'it\047s 100%% \\ \t\000\377' | nc localhost 80`},
		{"-X", "[::1]:8000", `printf '\055X' | nc ::1 8000`},
		{"", "host", `printf '' | nc host`},
		{"x", "a b:1", `printf 'x' | nc 'a b' 1`},
	} {
		if got := ShellReplay([]byte(c.req), c.addr); got != c.want {
			t.Errorf("ShellReplay(%q, %q) =\n  %s\nwant\n  %s", c.req, c.addr, got, c.want)
		}
	}
}

// TestShellReplayRuns runs the one-liner through real shells, with nc replaced by a script
// that copies its input to stdout and its arguments to stderr, and compares the bytes.
func TestShellReplayRuns(t *testing.T) {
	dir := t.TempDir()
	fake := "#!/bin/sh\nprintf '%s\\n' \"$@\" >&2\nexec cat\n"
	if err := os.WriteFile(filepath.Join(dir, "nc"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	all := make([]byte, 0, 512)
	for i := 0; i < 256; i++ {
		all = append(all, byte(i))
	}
	for i := 255; i >= 0; i-- {
		all = append(all, byte(i), '0', '7') // octal escapes must not swallow digits
	}
	reqs := [][]byte{
		[]byte("GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"),
		[]byte("POST /__conform__/echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
		[]byte("GET /%41%00 HTTP/1.1\r\nX-Q: it's \"quoted\" $HOME `id` $(id) \\n \\x41 %s %%\r\n\r\n"),
		[]byte("-n -e \\c"),
		[]byte("\x00\x00\xff\r\r\n\n"),
		all,
	}
	shells := []string{"/bin/sh"}
	for _, s := range []string{"/bin/bash", "/bin/dash", "/bin/busybox"} {
		if _, err := os.Stat(s); err == nil {
			shells = append(shells, s)
		}
	}
	for _, sh := range shells {
		for _, req := range reqs {
			line := ShellReplay(req, "127.0.0.1:8000")
			args := []string{"-c", line}
			if strings.HasSuffix(sh, "busybox") {
				args = append([]string{"sh"}, args...)
			}
			cmd := exec.Command(sh, args...)
			cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s -c %s: %v (%s)", sh, line, err, stderr.String())
			}
			if !bytes.Equal(stdout.Bytes(), req) {
				t.Errorf("%s: %s\nsent   %q\nwant   %q", sh, line, stdout.Bytes(), req)
			}
			if stderr.String() != "127.0.0.1\n8000\n" {
				t.Errorf("%s: nc got arguments %q", sh, stderr.String())
			}
		}
	}
}
