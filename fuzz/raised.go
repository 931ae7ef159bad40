package fuzz

import (
	"bytes"
	"regexp"
	"strings"
)

// A 5xx is an exception the server let escape, and the same exception raised at the same
// line is one bug whichever spelling reached it: gunicorn 20.1 (Debian's +deb12u1) answers
// 500 to every Transfer-Encoding other than chunked and identity, because
// UnsupportedTransferCoding (gunicorn/http/message.py:162) is missing from the exceptions
// handle_error maps to 400 (gunicorn/workers/base.py:208-216). A server's log names it.

var (
	tracebackStart = []byte("Traceback (most recent call last):")
	frameLine      = regexp.MustCompile(`^\s+File "([^"]+)", line (\d+), in (\S+)`)
	raisedLine     = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_.]*)(:.*)?$`)
)

// raisedIn reads the last Python traceback in a server's log output: the innermost frame
// and the exception's type, as "gunicorn/http/message.py:162 UnsupportedTransferCoding"
// ("" when there is none).
func raisedIn(log []byte) string {
	i := bytes.LastIndex(log, tracebackStart)
	if i < 0 {
		return ""
	}
	var frame string
	for _, line := range strings.Split(string(log[i+len(tracebackStart):]), "\n") {
		line = strings.TrimRight(line, "\r")
		if m := frameLine.FindStringSubmatch(line); m != nil {
			frame = shortSourcePath(m[1]) + ":" + m[2]
			continue
		}
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			continue // a frame's source line
		}
		m := raisedLine.FindStringSubmatch(line)
		if m == nil || frame == "" {
			return ""
		}
		typ := m[1]
		if j := strings.LastIndexByte(typ, '.'); j >= 0 {
			typ = typ[j+1:]
		}
		return frame + " " + typ
	}
	return ""
}

// shortSourcePath is a source path from its package on: the part a maintainer recognises,
// the same on every machine.
func shortSourcePath(p string) string {
	for _, dir := range []string{"/dist-packages/", "/site-packages/"} {
		if i := strings.LastIndex(p, dir); i >= 0 {
			return p[i+len(dir):]
		}
	}
	if i := strings.LastIndex(p, "/lib/python3"); i >= 0 {
		if j := strings.IndexByte(p[i+len("/lib/python3"):], '/'); j >= 0 {
			return p[i+len("/lib/python3")+j+1:]
		}
	}
	return p
}

// logSince is what a server wrote between two reads of its bounded log: before and after
// are its last bytes, so after is a suffix of before (what the bound kept) followed by the
// new output.
func logSince(before, after []byte) []byte {
	if len(after) == 0 {
		return nil
	}
	for k := 0; k < len(before); {
		i := bytes.IndexByte(before[k:], after[0])
		if i < 0 {
			break
		}
		k += i
		if bytes.HasPrefix(after, before[k:]) {
			return after[len(before)-k:]
		}
		k++
	}
	return after
}
