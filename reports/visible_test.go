package reports

import (
	"bytes"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
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
	send := ` | bash -c 'exec 3<>"/dev/tcp/$0/$1"; cat >&3; timeout 5 cat <&3'`
	for _, c := range []struct{ req, addr, want string }{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", "127.0.0.1:8000", `printf 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'` + send + ` 127.0.0.1 8000`},
		{"it's 100% \\ \t\x00\xff", "localhost:80", `printf 'it\047s 100%% \\ \t\000\377'` + send + ` localhost 80`},
		{"-X", "[::1]:8000", `printf '\055X'` + send + ` ::1 8000`},
		{"", "host", `printf ''` + send + ` host`},
		{"x", "a b:1", `printf 'x'` + send + ` 'a b' 1`},
	} {
		if got := ShellReplay([]byte(c.req), c.addr); got != c.want {
			t.Errorf("ShellReplay(%q, %q) =\n  %s\nwant\n  %s", c.req, c.addr, got, c.want)
		}
	}
}

// TestShellReplayRuns runs the one-liner through real shells against a real TCP server that
// records what it receives and answers, and compares the bytes both ways.
func TestShellReplayRuns(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan []byte, 1)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			// Like a server that answers once the request is in: read until it pauses.
			var b []byte
			buf := make([]byte, 4096)
			for {
				c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
				n, err := c.Read(buf)
				b = append(b, buf[:n]...)
				if err != nil {
					break
				}
			}
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			c.Write([]byte("HTTP/1.1 200 OK\r\n\r\nanswer"))
			c.Close()
			got <- b
		}
	}()
	all := make([]byte, 0, 512)
	for i := 0; i < 256; i++ {
		all = append(all, byte(i))
	}
	for i := 255; i >= 0; i-- {
		all = append(all, byte(i), '0', '7') // octal escapes must not swallow digits
	}
	reqs := [][]byte{
		[]byte("GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"),
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
			line := ShellReplay(req, l.Addr().String())
			args := []string{"-c", line}
			if strings.HasSuffix(sh, "busybox") {
				args = append([]string{"sh"}, args...)
			}
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(sh, args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s -c %s: %v (%s)", sh, line, err, stderr.String())
			}
			select {
			case b := <-got:
				if !bytes.Equal(b, req) {
					t.Errorf("%s: %s\nsent   %q\nwant   %q", sh, line, b, req)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: the server received nothing", sh)
			}
			if stdout.String() != "HTTP/1.1 200 OK\r\n\r\nanswer" {
				t.Errorf("%s: the answer printed was %q", sh, stdout.String())
			}
		}
	}
}
