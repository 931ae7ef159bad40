package probes

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests run the real probe.py under Python's wsgiref.simple_server and speak raw
// HTTP/1.0 to it, so what they assert is what the probe and wsgiref really do.

// pythonPath is the interpreter the probe runs under; CONFORM_PROBE_PYTHON overrides it
// (the wsgiref behaviours asserted below are those of Python 3.11).
var pythonPath = func() string {
	if p := os.Getenv("CONFORM_PROBE_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}()

// lockedBuffer collects the probe server's output while the tests read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type probeServer struct {
	addr  string
	state string
	log   *lockedBuffer
}

func requirePython(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(pythonPath); err != nil {
		t.Skipf("%s is needed to run the probe: %v", pythonPath, err)
	}
}

// startProbe runs `python3 probe.py --port N` on a free loopback port with its own state
// directory and env added to the test's environment, and stops its whole process group
// when the test ends.
func startProbe(t *testing.T, env ...string) *probeServer {
	t.Helper()
	requirePython(t)
	script, err := filepath.Abs("probe.py")
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	var lastErr error
	// The free port is only free until Python binds it; another process may take it first.
	for attempt := 0; attempt < 3; attempt++ {
		p, err := launchProbe(t, script, state, env)
		if err == nil {
			return p
		}
		lastErr = err
	}
	t.Fatalf("start probe: %v", lastErr)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func launchProbe(t *testing.T, script, state string, env []string) (*probeServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	log := &lockedBuffer{}
	cmd := exec.Command(pythonPath, "-B", script, "--port", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "CONFORM_PROBE_STATE="+state, "PYTHONIOENCODING=utf-8")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout = log
	cmd.Stderr = log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(15 * time.Second)
	for {
		// The banner proves the listener is ours and not a stranger's on a reused port.
		if strings.Contains(log.String(), "serving on") {
			conn, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
			if err == nil {
				conn.Close()
				break
			}
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("probe exited before listening on %s:\n%s", addr, log)
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("probe not listening on %s after 15s:\n%s", addr, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("probe server log:\n%s", log)
		}
	})
	return &probeServer{addr: addr, state: state, log: log}, nil
}

// waitLog waits for text in the server log: wsgiref writes tracebacks before it closes
// the connection, but the copy into the buffer may lag behind.
func (p *probeServer) waitLog(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(p.log.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("server log lacks %q", text)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type rawResponse struct {
	raw         []byte
	statusLine  string
	headerLines []string
	body        []byte
}

// header returns the value of the first header line named name (case-insensitive).
func (r rawResponse) header(name string) (string, bool) {
	for _, line := range r.headerLines {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(k, name) {
			return strings.TrimLeft(v, " \t"), true
		}
	}
	return "", false
}

func (r rawResponse) hasLine(line string) bool {
	for _, l := range r.headerLines {
		if l == line {
			return true
		}
	}
	return false
}

func parseResponse(t *testing.T, raw []byte) rawResponse {
	t.Helper()
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("response has no end of headers: %q", raw)
	}
	lines := strings.Split(string(head), "\r\n")
	return rawResponse{raw: raw, statusLine: lines[0], headerLines: lines[1:], body: body}
}

func (p *probeServer) dial(t *testing.T) *net.TCPConn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", p.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	return conn.(*net.TCPConn)
}

// do sends request bytes and reads until the server closes (wsgiref answers HTTP/1.0
// and closes). closeWrite half-closes after sending, so reads past the body see EOF
// instead of waiting for bytes that never come.
func (p *probeServer) do(t *testing.T, request string, closeWrite bool) rawResponse {
	t.Helper()
	conn := p.dial(t)
	defer conn.Close()
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	if closeWrite {
		if err := conn.CloseWrite(); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("read response: %v (so far %q)", err, raw)
	}
	return parseResponse(t, raw)
}

func (p *probeServer) get(t *testing.T, target string) rawResponse {
	t.Helper()
	return p.do(t, getRequest(target, "abc"), false)
}

func getRequest(target, id string) string {
	return "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Conform-Id: " + id + "\r\n\r\n"
}

func postRequest(target, body string) string {
	return "POST " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Conform-Id: post\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// echoOf checks the framing every JSON answer must have and decodes the echo document.
func echoOf(t *testing.T, r rawResponse, wantStatus string) *Echo {
	t.Helper()
	if r.statusLine != wantStatus {
		t.Fatalf("status line = %q, want %q; body %q", r.statusLine, wantStatus, r.body)
	}
	if ct, _ := r.header("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	cl, ok := r.header("Content-Length")
	if !ok || cl != strconv.Itoa(len(r.body)) {
		t.Errorf("Content-Length = %q (present %v), body has %d bytes", cl, ok, len(r.body))
	}
	for i, c := range r.body {
		if c >= 0x80 {
			t.Fatalf("JSON body byte %d is %#x: ensure_ascii output must be pure ASCII", i, c)
		}
	}
	e, err := Decode(r.body)
	if err != nil {
		t.Fatalf("decode: %v; body %q", err, r.body)
	}
	return e
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestProbeSourceDeclaresProtocolVersion(t *testing.T) {
	m := regexp.MustCompile(`(?m)^PROTOCOL_VERSION = (\d+)$`).FindSubmatch(Source)
	if m == nil {
		t.Fatal("probe.py has no top-level PROTOCOL_VERSION = N line")
	}
	if got, _ := strconv.Atoi(string(m[1])); got != Version {
		t.Errorf("probe.py PROTOCOL_VERSION = %d, echo.go Version = %d", got, Version)
	}
	if !regexp.MustCompile(`(?m)^application = app$`).Match(Source) {
		t.Error("probe.py does not expose application as the same callable as app")
	}
}

func TestProbeEcho(t *testing.T) {
	t.Parallel()
	p := startProbe(t)
	before := float64(time.Now().UnixNano()) / 1e9
	req := "GET /caf%C3%A9?x=1&y=%20 HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Conform-Id: abc\r\n" +
		"X-Bytes: caf\xc3\xa9\r\n\r\n"
	r := p.do(t, req, false)
	after := float64(time.Now().UnixNano()) / 1e9
	if !bytes.HasPrefix(r.body, []byte(`{"environ": {`)) {
		t.Errorf("body does not start with the sorted first key: %.40q", r.body)
	}
	e := echoOf(t, r, "HTTP/1.0 200 OK")

	if e.ID != "abc" || e.Scenario != "echo" || e.Probe != "conform-probe" {
		t.Errorf("id/scenario/probe = %q/%q/%q", e.ID, e.Scenario, e.Probe)
	}
	if !regexp.MustCompile(`^3\.\d+\.\d+`).MatchString(e.Python) {
		t.Errorf("python = %q", e.Python)
	}
	if e.PID <= 0 || e.PID == os.Getpid() {
		t.Errorf("pid = %d, want the server's pid", e.PID)
	}
	if e.Thread == 0 {
		t.Error("thread = 0")
	}
	if !(before-1 <= e.TStart && e.TStart <= e.TEnd && e.TEnd <= after+1) {
		t.Errorf("t_start %f, t_end %f outside the request window [%f, %f]", e.TStart, e.TEnd, before, after)
	}

	path, ok := e.Env("PATH_INFO")
	if !ok || path.Type != "str" || !path.Native || !path.Latin1 || path.Value != "/caf\u00c3\u00a9" {
		t.Errorf("PATH_INFO = %+v", path)
	}
	if b, ok := path.Bytes(); !ok || string(b) != "/caf\xc3\xa9" {
		t.Errorf("PATH_INFO bytes = %q, %v; want the request's raw bytes", b, ok)
	}
	if q, _ := e.Env("QUERY_STRING"); q.Value != "x=1&y=%20" || q.B64 != base64.StdEncoding.EncodeToString([]byte("x=1&y=%20")) {
		t.Errorf("QUERY_STRING = %+v", q)
	}
	if h, _ := e.Env("HTTP_X_BYTES"); func() bool { b, ok := h.Bytes(); return !ok || string(b) != "caf\xc3\xa9" }() {
		t.Errorf("HTTP_X_BYTES = %+v, want the header's bytes as latin-1", h)
	}
	if m, _ := e.Env("REQUEST_METHOD"); m.Value != "GET" {
		t.Errorf("REQUEST_METHOD = %+v", m)
	}
	want := map[string]EnvValue{
		"wsgi.version":     {Type: "tuple", Value: "(1, 0)"},
		"wsgi.multithread": {Type: "bool", Value: "False"},
		"wsgi.url_scheme":  {Type: "str", Native: true, Latin1: true, Value: "http", B64: "aHR0cA=="},
	}
	for k, w := range want {
		if got, ok := e.Env(k); !ok || got != w {
			t.Errorf("environ[%s] = %+v, want %+v", k, got, w)
		}
	}
	// wsgi.input is described by object.__repr__, so none of its own methods ran.
	if in, _ := e.Env("wsgi.input"); in.Type != "BufferedReader" || !strings.HasPrefix(in.Value, "<_io.BufferedReader object at 0x") || in.B64 != "" {
		t.Errorf("wsgi.input = %+v", in)
	}
	for _, k := range []string{"read", "readline", "readlines", "__iter__"} {
		if !e.InputMethods[k] {
			t.Errorf("input_methods[%s] = false", k)
		}
	}
	for _, k := range []string{"write", "writelines", "flush"} {
		if !e.ErrorsMethods[k] {
			t.Errorf("errors_methods[%s] = false", k)
		}
	}
	in := e.Input
	if in.Mode != "auto" || in.Length != 0 || len(in.Calls) != 0 || in.AfterEOF != nil || in.SHA256 != sha256Hex(nil) {
		t.Errorf("input = %+v, want an untouched auto read", in)
	}
	if len(e.Result) != 0 {
		t.Errorf("result = %v, want {}", e.Result)
	}
}

func TestProbeEchoPathsAndUnknownScenario(t *testing.T) {
	t.Parallel()
	p := startProbe(t)
	for target, scenario := range map[string]string{
		"/__conform__x":                "echo",
		"/__conform__":                 "echo",
		"/__conform__/echo/extra?a=b":  "echo",
		"/anything/__conform__/stream": "echo",
	} {
		if e := echoOf(t, p.get(t, target), "HTTP/1.0 200 OK"); e.Scenario != scenario {
			t.Errorf("%s: scenario %q, want %q", target, e.Scenario, scenario)
		}
	}
	for target, body := range map[string]string{
		"/__conform__/nope?x=1": "unknown conform scenario: nope\n",
		"/__conform__/":         "unknown conform scenario: \n",
	} {
		r := p.get(t, target)
		if r.statusLine != "HTTP/1.0 404 Not Found" || string(r.body) != body {
			t.Errorf("%s: %q %q, want 404 %q", target, r.statusLine, r.body, body)
		}
		if ct, _ := r.header("Content-Type"); ct != "text/plain" {
			t.Errorf("%s: Content-Type %q", target, ct)
		}
	}
}

func call(op string, arg, got int) InputCall {
	c := InputCall{Op: op, Got: got}
	if arg >= 0 {
		c.Arg = &arg
	}
	return c
}

func intOrNull(p *int) string {
	if p == nil {
		return "null"
	}
	return strconv.Itoa(*p)
}

func callsString(calls []InputCall) string {
	parts := make([]string, len(calls))
	for i, c := range calls {
		parts[i] = fmt.Sprintf("%s(%s)=%d", c.Op, intOrNull(c.Arg), c.Got)
		if c.Lines != nil {
			parts[i] += fmt.Sprint(c.Lines)
		}
	}
	return strings.Join(parts, " ")
}

func TestProbeReadModes(t *testing.T) {
	t.Parallel()
	p := startProbe(t)
	zero, one := 0, 1
	lines := "a\nbb\nccc"
	cases := []struct {
		name       string
		request    string
		closeWrite bool
		mode       string
		calls      []InputCall
		body       string
		afterEOF   *int
	}{
		{"auto reads Content-Length", postRequest("/body", "hello world"), false, "auto",
			[]InputCall{call("read", 11, 11)}, "hello world", nil},
		{"readn:3 stops at Content-Length", postRequest("/body?read=readn:3", "hello world"), false, "readn:3",
			[]InputCall{call("read", 3, 3), call("read", 3, 3), call("read", 3, 3), call("read", 2, 2)}, "hello world", nil},
		{"readline stops at Content-Length", postRequest("/body?read=readline", lines), true, "readline",
			[]InputCall{call("readline", -1, 2), call("readline", -1, 3), call("readline", -1, 3)}, lines, nil},
		{"readline:2", postRequest("/body?read=readline:2", "abc\n"), true, "readline:2",
			[]InputCall{call("readline", 2, 2), call("readline", 2, 2)}, "abc\n", nil},
		{"readlines is one call", postRequest("/body?read=readlines", lines), true, "readlines",
			[]InputCall{{Op: "readlines", Got: 8, Lines: []int{2, 3, 3}}}, lines, nil},
		{"iter yields lines", postRequest("/body?read=iter", lines), true, "iter",
			[]InputCall{call("iter", -1, 2), call("iter", -1, 3), call("iter", -1, 3)}, lines, nil},
		{"read with no argument", postRequest("/body?read=read", "hello"), true, "read",
			[]InputCall{call("read", -1, 5)}, "hello", nil},
		{"none leaves the body", postRequest("/body?read=none", "hello"), false, "none",
			nil, "", nil},
		{"eof=1 at Content-Length", postRequest("/body?eof=1", "abc"), true, "auto",
			[]InputCall{call("read", 3, 3), call("read", 1, 0)}, "abc", &zero},
		// wsgiref hands the raw socket file over as wsgi.input, so it does not simulate
		// EOF at Content-Length: the byte after it is readable.
		{"eof=1 sees wsgiref read past Content-Length",
			strings.Replace(postRequest("/body?eof=1", "abc"), "\r\n\r\nabc", "\r\n\r\nabcdef", 1), true, "auto",
			[]InputCall{call("read", 3, 3), call("read", 1, 1)}, "abc", &one},
		{"auto without Content-Length does not read",
			"POST /body HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\nhello", true, "auto", nil, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := echoOf(t, p.do(t, c.request, c.closeWrite), "HTTP/1.0 200 OK")
			in := e.Input
			if in.Mode != c.mode {
				t.Errorf("mode = %q, want %q", in.Mode, c.mode)
			}
			if got, want := callsString(in.Calls), callsString(c.calls); got != want {
				t.Errorf("calls = %s, want %s", got, want)
			}
			if string(in.Body()) != c.body || in.Length != int64(len(c.body)) || in.SHA256 != sha256Hex([]byte(c.body)) {
				t.Errorf("body %q length %d sha %s, want %q", in.Body(), in.Length, in.SHA256, c.body)
			}
			if in.Truncated || in.Error != "" {
				t.Errorf("truncated %v error %q", in.Truncated, in.Error)
			}
			if got, want := intOrNull(in.AfterEOF), intOrNull(c.afterEOF); got != want {
				t.Errorf("after_eof = %s, want %s", got, want)
			}
		})
	}

	t.Run("b64 keeps the first 65536 bytes", func(t *testing.T) {
		body := strings.Repeat("0123456789abcdef", 70000/16)
		e := echoOf(t, p.do(t, postRequest("/big", body), false), "HTTP/1.0 200 OK")
		in := e.Input
		if in.Length != int64(len(body)) || in.SHA256 != sha256Hex([]byte(body)) {
			t.Errorf("length %d sha %s, want %d bytes hashed", in.Length, in.SHA256, len(body))
		}
		if !in.Truncated || string(in.Body()) != body[:65536] {
			t.Errorf("truncated %v, b64 holds %d bytes; want true and the first 65536", in.Truncated, len(in.Body()))
		}
	})
}

func TestProbeBadParameters(t *testing.T) {
	t.Parallel()
	p := startProbe(t)
	targets := []string{
		"/x?read=readn",
		"/x?read=bogus",
		"/x?read=readn:0",
		"/x?read=readlines:4",
		"/x?eof=2",
		"/__conform__/stream?chunks=1001",
		"/__conform__/stream?size=abc",
		"/__conform__/stream?chunks=11&size=3",
		"/__conform__/stream?delay_ms=-1",
		"/__conform__/sleep?ms=60001",
		"/__conform__/sleep",
		"/__conform__/content-length?declared=1048577&actual=1",
		"/__conform__/content-length?declared=1",
		"/__conform__/status?code=99",
		"/__conform__/status?code=2000",
		"/__conform__/no-content-length?chunks=x",
		"/__conform__/file-wrapper?size=1048577",
		"/__conform__/close?token=..%2Fx",
		"/__conform__/close?token=",
		"/__conform__/close?token=" + strings.Repeat("a", 65),
		"/__conform__/close?token=ok&mode=weird",
		"/__conform__/close-status?token=a%2Fb",
		"/__conform__/close-status",
		"/__conform__/hop-by-hop?value=x",
		"/__conform__/header-value",
	}
	for _, target := range targets {
		r := p.get(t, target)
		line := string(r.body)
		if r.statusLine != "HTTP/1.0 400 Bad Request" || !strings.HasSuffix(line, "\n") ||
			strings.Count(line, "\n") != 1 || !regexp.MustCompile(`^(bad|missing) parameter `).MatchString(line) {
			t.Errorf("%s: %q %q, want 400 and one line naming the parameter", target, r.statusLine, line)
		}
		if ct, _ := r.header("Content-Type"); ct != "text/plain" {
			t.Errorf("%s: Content-Type %q", target, ct)
		}
	}
	r := p.get(t, "/__conform__/close?token=..%2Fx")
	if want := "bad parameter token='../x': want 1 to 64 of A-Z a-z 0-9 _ -\n"; string(r.body) != want {
		t.Errorf("bad token body %q, want %q", r.body, want)
	}
	if entries, err := os.ReadDir(p.state); err != nil || len(entries) != 0 {
		t.Errorf("state directory after rejected tokens: %v %v, want empty", entries, err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(p.state), "x.closed")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a marker escaped the state directory: %v", err)
	}
}

func TestProbeScenarios(t *testing.T) {
	t.Parallel()
	p := startProbe(t)

	t.Run("start-response-twice", func(t *testing.T) {
		r := p.get(t, "/__conform__/start-response-twice")
		e := echoOf(t, r, "HTTP/1.0 200 OK")
		if !r.hasLine("X-Conform-Call: first") || r.hasLine("X-Conform-Call: second") {
			t.Errorf("headers %q, want the first call's", r.headerLines)
		}
		if e.ResultString("second_call") != "raised" || e.ResultString("exception") != "AssertionError: Headers already set!" {
			t.Errorf("result = %v", e.Result)
		}
		// Content-Length went out before the outcome was known; spaces pad the rest.
		if trimmed := bytes.TrimRight(r.body, " "); len(trimmed) == len(r.body) || !bytes.HasSuffix(trimmed, []byte("}")) {
			t.Errorf("body end %q, want a JSON object padded with spaces", r.body[len(r.body)-20:])
		}
	})

	t.Run("exc-info-before-headers", func(t *testing.T) {
		r := p.get(t, "/__conform__/exc-info-before-headers")
		e := echoOf(t, r, "HTTP/1.0 500 Internal Server Error")
		if !r.hasLine("X-Conform-Call: second") || r.hasLine("X-Conform-Call: first") {
			t.Errorf("headers %q, want only the second call's", r.headerLines)
		}
		if e.ResultString("exc_info_call") != "returned" {
			t.Errorf("result = %v", e.Result)
		}
	})

	t.Run("exc-info-after-headers", func(t *testing.T) {
		// same=True is wsgiref 3.11+, which re-raises the original; 3.8-3.10 raise a new
		// exception built from it, and the probe then says same=False.
		r := p.get(t, "/__conform__/exc-info-after-headers")
		if r.statusLine != "HTTP/1.0 200 OK" || string(r.body) != "first\nraised ValueError same=True\n" {
			t.Errorf("%q %q", r.statusLine, r.body)
		}
		if _, ok := r.header("Content-Length"); ok {
			t.Error("Content-Length present; the app sends none")
		}
	})

	t.Run("empty-then-error", func(t *testing.T) {
		r := p.get(t, "/__conform__/empty-then-error")
		// wsgiref sends the headers on the empty first block, so the later error cannot
		// become a 500 any more.
		if r.statusLine != "HTTP/1.0 200 OK" || len(r.body) != 0 {
			t.Errorf("%q %q, want wsgiref's 200 with an empty body", r.statusLine, r.body)
		}
		p.waitLog(t, "RuntimeError: conform probe: deliberate error after empty body")
	})

	t.Run("lazy-start", func(t *testing.T) {
		r := p.get(t, "/__conform__/lazy-start")
		if r.statusLine != "HTTP/1.0 200 OK" || string(r.body) != "lazy-start\n" {
			t.Errorf("%q %q", r.statusLine, r.body)
		}
	})

	t.Run("no-start-response", func(t *testing.T) {
		r := p.get(t, "/__conform__/no-start-response")
		if r.statusLine != "HTTP/1.0 500 Internal Server Error" || string(r.body) != "A server error occurred.  Please contact the administrator." {
			t.Errorf("%q %q, want wsgiref's error page", r.statusLine, r.body)
		}
		p.waitLog(t, "AssertionError: write() before start_response()")
	})

	t.Run("write-then-iterable", func(t *testing.T) {
		r := p.get(t, "/__conform__/write-then-iterable")
		if r.statusLine != "HTTP/1.0 200 OK" || string(r.body) != "write-part;iterable-part" {
			t.Errorf("%q %q", r.statusLine, r.body)
		}
		if ct, _ := r.header("Content-Type"); ct != "text/plain" {
			t.Errorf("Content-Type %q", ct)
		}
	})

	t.Run("stream", func(t *testing.T) {
		conn := p.dial(t)
		defer conn.Close()
		start := time.Now()
		if _, err := io.WriteString(conn, getRequest("/__conform__/stream?chunks=3&delay_ms=200&size=8", "s")); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		var head []string
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if line == "\r\n" {
				break
			}
			head = append(head, strings.TrimRight(line, "\r\n"))
		}
		var blocks []string
		var arrived []time.Duration
		for {
			line, err := br.ReadString('\n')
			if err == io.EOF && line == "" {
				break
			}
			if err != nil {
				t.Fatalf("after %q: %v", blocks, err)
			}
			blocks = append(blocks, line)
			arrived = append(arrived, time.Since(start))
		}
		if head[0] != "HTTP/1.0 200 OK" {
			t.Errorf("status %q", head[0])
		}
		if got := strings.Join(blocks, ""); got != "0:.....\n1:.....\n2:.....\n" {
			t.Fatalf("body %q", got)
		}
		// The blocks come apart in time: the app sleeps before every block but the first.
		if gap := arrived[2] - arrived[0]; gap < 380*time.Millisecond {
			t.Errorf("blocks arrived at %v: want about 200ms between them", arrived)
		}
	})

	t.Run("stream defaults", func(t *testing.T) {
		r := p.get(t, "/__conform__/stream")
		if want := "0:.............\n1:.............\n2:.............\n"; string(r.body) != want {
			t.Errorf("body %q, want %q", r.body, want)
		}
	})

	t.Run("content-length", func(t *testing.T) {
		r := p.get(t, "/__conform__/content-length?declared=3&actual=5")
		if cl, _ := r.header("Content-Length"); cl != "3" {
			t.Errorf("Content-Length %q, want 3", cl)
		}
		// wsgiref does not stop at the declared length, so the extra block is seen.
		if string(r.body) != "xxxxxyyyyyyyy" {
			t.Errorf("body %q", r.body)
		}
		r = p.get(t, "/__conform__/content-length?declared=5&actual=3")
		if cl, _ := r.header("Content-Length"); cl != "5" || string(r.body) != "xxx" {
			t.Errorf("Content-Length %q body %q, want 5 and xxx", cl, r.body)
		}
	})

	t.Run("close and close-status", func(t *testing.T) {
		status := func(token string) *Echo {
			return echoOf(t, p.get(t, "/__conform__/close-status?token="+token), "HTTP/1.0 200 OK")
		}
		if e := status("tok-1"); e.Result["closed"] != false || e.Result["closed_at"] != nil {
			t.Errorf("before close: result %v", e.Result)
		}
		before := float64(time.Now().UnixNano())/1e9 - 1
		r := p.get(t, "/__conform__/close?token=tok-1")
		after := float64(time.Now().UnixNano())/1e9 + 1
		if r.statusLine != "HTTP/1.0 200 OK" || string(r.body) != "close-probe\n" {
			t.Errorf("close: %q %q", r.statusLine, r.body)
		}
		e := status("tok-1")
		at, _ := e.Result["closed_at"].(float64)
		if e.Result["closed"] != true || at < before || at > after {
			t.Errorf("after close: result %v, want closed at between %f and %f", e.Result, before, after)
		}
		if _, err := os.Stat(filepath.Join(p.state, "tok-1.closed")); err != nil {
			t.Errorf("marker: %v", err)
		}
		if e := status("tok-2"); e.Result["closed"] != false {
			t.Errorf("another token reads as closed: %v", e.Result)
		}
	})

	t.Run("close mode=error", func(t *testing.T) {
		r := p.get(t, "/__conform__/close?token=tok_err&mode=error")
		if r.statusLine != "HTTP/1.0 500 Internal Server Error" {
			t.Errorf("status %q, want wsgiref's 500", r.statusLine)
		}
		e := echoOf(t, p.get(t, "/__conform__/close-status?token=tok_err"), "HTTP/1.0 200 OK")
		if e.Result["closed"] != true {
			t.Errorf("wsgiref closes the iterable after an error, but result is %v", e.Result)
		}
	})

	t.Run("close mode=slow", func(t *testing.T) {
		if testing.Short() {
			t.Skip("takes 4s")
		}
		start := time.Now()
		r := p.get(t, "/__conform__/close?token=slow&mode=slow")
		if elapsed := time.Since(start); elapsed < 3900*time.Millisecond {
			t.Errorf("took %v, want 199 sleeps of 20ms", elapsed)
		}
		if len(r.body) != 200*1024 || !bytes.HasPrefix(r.body, []byte("0:...")) ||
			!bytes.HasSuffix(r.body, []byte("199:"+strings.Repeat(".", 1019)+"\n")) {
			t.Errorf("body of %d bytes, starts %.10q", len(r.body), r.body)
		}
		e := echoOf(t, p.get(t, "/__conform__/close-status?token=slow"), "HTTP/1.0 200 OK")
		if e.Result["closed"] != true {
			t.Errorf("result %v", e.Result)
		}
	})

	t.Run("status", func(t *testing.T) {
		for target, want := range map[string]string{
			"code=204":              "HTTP/1.0 204 No Content|",
			"code=299&body=hi%20yo": "HTTP/1.0 299 Unknown|hi yo",
			"code=418":              "HTTP/1.0 418 I'm a teapot|",
			"code=413":              "HTTP/1.0 413 Request Entity Too Large|",
			"code=422&body=%E9":     "HTTP/1.0 422 Unprocessable Entity|\xe9",
		} {
			r := p.get(t, "/__conform__/status?"+target)
			if got := r.statusLine + "|" + string(r.body); got != want {
				t.Errorf("%s: %q, want %q", target, got, want)
			}
		}
	})

	t.Run("no-content-length", func(t *testing.T) {
		r := p.get(t, "/__conform__/no-content-length?chunks=3")
		if string(r.body) != "block-0\nblock-1\nblock-2\n" {
			t.Errorf("body %q", r.body)
		}
		if _, ok := r.header("Content-Length"); ok {
			t.Error("Content-Length present")
		}
		if r = p.get(t, "/__conform__/no-content-length"); string(r.body) != "block-0\nblock-1\n" {
			t.Errorf("default body %q", r.body)
		}
	})

	t.Run("file-wrapper", func(t *testing.T) {
		r := p.get(t, "/__conform__/file-wrapper?size=1000")
		want := bytes.Repeat(func() []byte {
			b := make([]byte, 256)
			for i := range b {
				b[i] = byte(i)
			}
			return b
		}(), 4)[:1000]
		if !r.hasLine("X-Conform-File-Wrapper: used") || !bytes.Equal(r.body, want) {
			t.Errorf("headers %q body %d bytes", r.headerLines, len(r.body))
		}
	})

	t.Run("errors", func(t *testing.T) {
		e := echoOf(t, p.get(t, "/__conform__/errors"), "HTTP/1.0 200 OK")
		for _, k := range []string{"write", "writelines", "flush"} {
			if e.ResultString(k) != "ok" {
				t.Errorf("result[%s] = %v", k, e.Result[k])
			}
		}
		p.waitLog(t, "conform probe: wsgi.errors test \u00e9\u2603\n")
		p.waitLog(t, "conform probe: wsgi.errors writelines 2\n")
	})

	t.Run("sleep", func(t *testing.T) {
		e := echoOf(t, p.get(t, "/__conform__/sleep?ms=200"), "HTTP/1.0 200 OK")
		if e.Result["slept_ms"] != float64(200) || e.TEnd-e.TStart < 0.19 {
			t.Errorf("result %v, t_end - t_start = %f", e.Result, e.TEnd-e.TStart)
		}
	})

	t.Run("header-value", func(t *testing.T) {
		// wsgiref 3.11 checks neither CR nor LF in header values: the value goes out as
		// is and splits into an injected header.
		r := p.get(t, "/__conform__/header-value?value=a%0D%0AX-Injected:%201")
		e := echoOf(t, r, "HTTP/1.0 200 OK")
		if e.ResultString("start_response") != "returned" || !r.hasLine("X-Conform-Value: a") || !r.hasLine("X-Injected: 1") {
			t.Errorf("result %v headers %q", e.Result, r.headerLines)
		}
		// Percent-decoding only: "+" stays "+"; bytes decode as latin-1.
		r = p.get(t, "/__conform__/header-value?value=a+b%20caf%E9")
		echoOf(t, r, "HTTP/1.0 200 OK")
		if !r.hasLine("X-Conform-Value: a+b caf\xe9") {
			t.Errorf("headers %q", r.headerLines)
		}
	})

	t.Run("hop-by-hop", func(t *testing.T) {
		r := p.get(t, "/__conform__/hop-by-hop?name=Connection&value=close")
		e := echoOf(t, r, "HTTP/1.0 500 Internal Server Error")
		if e.ResultString("start_response") != "raised" ||
			e.ResultString("exception") != "AssertionError: Hop-by-hop header, 'Connection: close', not allowed" {
			t.Errorf("result %v", e.Result)
		}
		if r.hasLine("Connection: close") {
			t.Errorf("the refused header went out: %q", r.headerLines)
		}
		r = p.get(t, "/__conform__/hop-by-hop?name=X-Ordinary&value=1")
		if e := echoOf(t, r, "HTTP/1.0 200 OK"); e.ResultString("start_response") != "returned" || !r.hasLine("X-Ordinary: 1") {
			t.Errorf("result %v headers %q", e.Result, r.headerLines)
		}
	})
}

// driveOut is what testdata/drive.py prints after calling probe.app in-process.
type driveOut struct {
	Calls []struct {
		Status  string     `json:"status"`
		Headers [][]string `json:"headers"`
		ExcInfo bool       `json:"exc_info"`
		Outcome string     `json:"outcome"`
	} `json:"calls"`
	CallsBeforeIteration int        `json:"calls_before_iteration"`
	Status               string     `json:"status"`
	Headers              [][]string `json:"headers"`
	BodyB64              string     `json:"body_b64"`
	InputCalled          []string   `json:"input_called"`
}

func (d driveOut) header(name string) string {
	for _, h := range d.Headers {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}

// driveRaw runs testdata/drive.py and returns its report and the response body.
func driveRaw(t *testing.T, target, startResponse, environ string) (driveOut, []byte) {
	t.Helper()
	requirePython(t)
	cmd := exec.Command(pythonPath, "-B", filepath.Join("testdata", "drive.py"), ".", target, startResponse, environ)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("drive.py %s %s %s: %v\n%s", target, startResponse, environ, err, stderr.String())
	}
	var d driveOut
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("drive.py output: %v\n%s", err, out)
	}
	body, err := base64.StdEncoding.DecodeString(d.BodyB64)
	if err != nil {
		t.Fatal(err)
	}
	return d, body
}

// drive runs the probe in-process under a start_response and environ that wsgiref does
// not produce (see testdata/drive.py), returning the final answer and the decoded body.
func drive(t *testing.T, target, startResponse, environ string) (driveOut, *Echo) {
	t.Helper()
	d, body := driveRaw(t, target, startResponse, environ)
	if cl := d.header("Content-Length"); cl != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %q in force, body has %d bytes", cl, len(body))
	}
	e, err := Decode(body)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return d, e
}

func TestProbeIntrospectionSurvivesOddEnviron(t *testing.T) {
	t.Parallel()
	_, e := drive(t, "/x?read=none", "strict", "odd")
	want := map[string]EnvValue{
		"conform.bad_repr":   {Type: "BadRepr", Value: "<repr failed: ValueError: no repr for you>"},
		"conform.bytes":      {Type: "bytes", Value: `b'caf\xc3\xa9'`, B64: base64.StdEncoding.EncodeToString([]byte("caf\xc3\xa9"))},
		"conform.not_latin1": {Type: "str", Native: true, Value: "snow \u2603"},
		"conform.subclass":   {Type: "LoudStr", Latin1: true, Value: "plain text", B64: base64.StdEncoding.EncodeToString([]byte("plain text"))},
	}
	for k, w := range want {
		if got, ok := e.Env(k); !ok || got != w {
			t.Errorf("environ[%s] = %+v, want %+v", k, got, w)
		}
	}
	if long, _ := e.Env("conform.long"); len(long.Value) != 200 || !strings.HasPrefix(long.Value, "[0, 1, 2") {
		t.Errorf("repr of a long list is %d characters, want 200", len(long.Value))
	}
	if _, ok := e.Env("42"); ok {
		t.Error("a non-str key was described")
	}
	if in, _ := e.Env("wsgi.input"); !strings.HasPrefix(in.Value, "<__main__.SpyInput object at 0x") {
		t.Errorf("wsgi.input described as %q", in.Value)
	}
	if e.ID != "drive" || !e.InputMethods["readlines"] || !e.InputMethods["__iter__"] {
		t.Errorf("id %q input_methods %v", e.ID, e.InputMethods)
	}
}

func TestProbeCallsOnlyTheReadModesMethods(t *testing.T) {
	t.Parallel()
	for target, want := range map[string]string{
		"/x?read=none":    "",
		"/x":              "read",
		"/x?read=readn:2": "read read read",
		"/x?read=iter":    "__iter__",
	} {
		d, _ := drive(t, target, "strict", "odd")
		if got := strings.Join(d.InputCalled, " "); got != want {
			t.Errorf("%s: wsgi.input methods called: %q, want %q", target, got, want)
		}
	}
}

func TestProbeFixedLengthAnswersFitEveryOutcome(t *testing.T) {
	t.Parallel()
	t.Run("second start_response returns", func(t *testing.T) {
		d, e := drive(t, "/__conform__/start-response-twice", "lenient", "plain")
		if d.Status != "299 Second" || d.header("X-Conform-Call") != "second" ||
			e.ResultString("second_call") != "returned" || e.ResultString("exception") != "" {
			t.Errorf("status %q headers %v result %v", d.Status, d.Headers, e.Result)
		}
	})
	t.Run("second start_response raises a long message", func(t *testing.T) {
		d, e := drive(t, "/__conform__/start-response-twice", "loud", "plain")
		exc := e.ResultString("exception")
		if d.Status != "200 OK" || e.ResultString("second_call") != "raised" ||
			!strings.HasPrefix(exc, "RuntimeError: \u00e9\u2603\"\\\n") || len(exc) > 400 {
			t.Errorf("status %q result second_call %q exception %q", d.Status, e.ResultString("second_call"), exc)
		}
	})
	t.Run("exc_info call raises", func(t *testing.T) {
		d, e := drive(t, "/__conform__/exc-info-before-headers", "loud", "plain")
		if d.Status != "200 OK" || d.header("X-Conform-Call") != "first" || e.ResultString("exc_info_call") != "raised" {
			t.Errorf("status %q headers %v result %v", d.Status, d.Headers, e.Result)
		}
	})
	t.Run("exc_info call returns", func(t *testing.T) {
		d, e := drive(t, "/__conform__/exc-info-before-headers", "lenient", "plain")
		if d.Status != "500 Internal Server Error" || e.ResultString("exc_info_call") != "returned" {
			t.Errorf("status %q result %v", d.Status, e.Result)
		}
		if len(d.Calls) != 2 || !d.Calls[1].ExcInfo || d.Calls[0].ExcInfo {
			t.Errorf("calls %+v, want the second with exc_info", d.Calls)
		}
	})
}

func TestProbeLazyStartCallsStartResponseOnFirstIteration(t *testing.T) {
	t.Parallel()
	d, body := driveRaw(t, "/__conform__/lazy-start", "strict", "plain")
	if d.CallsBeforeIteration != 0 || len(d.Calls) != 1 || d.Status != "200 OK" || string(body) != "lazy-start\n" {
		t.Errorf("start_response calls before iteration %d, in all %d; status %q body %q",
			d.CallsBeforeIteration, len(d.Calls), d.Status, body)
	}
	// The contrast: an ordinary streaming scenario calls start_response before returning.
	if d, _ := driveRaw(t, "/__conform__/stream?delay_ms=0", "strict", "plain"); d.CallsBeforeIteration != 1 {
		t.Errorf("stream: %d start_response calls before iteration, want 1", d.CallsBeforeIteration)
	}
}

func TestProbeWithholdsInheritedEnviron(t *testing.T) {
	t.Parallel()
	_, body := driveRaw(t, "/x?read=none", "strict", "inherited")
	if bytes.Contains(body, []byte("drive-secret")) {
		t.Errorf("the echo holds a value of the process environment:\n%s", body)
	}
	e, err := Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString
	want := map[string]EnvValue{
		"CONFORM_DRIVE_SECRET":     {Type: "str", Native: true, Latin1: true, Inherited: true},
		"CONFORM_DRIVE_CHANGED":    {Type: "str", Native: true, Latin1: true, Inherited: true},
		"CONFORM_DRIVE_BYTES":      {Type: "bytes", Inherited: true},
		"CONFORM_DRIVE_NOT_LATIN1": {Type: "str", Native: true, Inherited: true},
		"CONFORM_DRIVE_SUBCLASS":   {Type: "LoudStr", Latin1: true, Inherited: true},
		"HTTP_PROXY":               {Type: "str", Native: true, Latin1: true, Inherited: true},
		// The server set these: a changed value, a request header, a CGI variable.
		"CONFORM_DRIVE_REPLACED": {Type: "str", Native: true, Latin1: true, Value: "server-value", B64: b64([]byte("server-value"))},
		"HTTP_X_SAME":            {Type: "str", Native: true, Latin1: true, Value: "request-value", B64: b64([]byte("request-value"))},
		"SERVER_SOFTWARE":        {Type: "str", Native: true, Latin1: true, Value: "same-software", B64: b64([]byte("same-software"))},
	}
	for k, w := range want {
		if got, ok := e.Env(k); !ok || got != w {
			t.Errorf("environ[%s] = %+v, want %+v", k, got, w)
		}
	}
	wantKeys := "CONFORM_DRIVE_BYTES CONFORM_DRIVE_CHANGED CONFORM_DRIVE_NOT_LATIN1 CONFORM_DRIVE_SECRET CONFORM_DRIVE_SUBCLASS HTTP_PROXY"
	if got := strings.Join(e.InheritedKeys(), " "); got != wantKeys {
		t.Errorf("InheritedKeys = %s, want %s", got, wantKeys)
	}
	if b, ok := e.Environ["CONFORM_DRIVE_SECRET"].Bytes(); ok {
		t.Errorf("Bytes of a withheld value = %q, true", b)
	}
	// Withheld means absent, not empty: "value" and "b64" are not in the document.
	var raw struct {
		Environ map[string]map[string]interface{} `json:"environ"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range e.InheritedKeys() {
		if _, has := raw.Environ[k]["value"]; has {
			t.Errorf("environ[%s] has a value: %v", k, raw.Environ[k])
		}
		if _, has := raw.Environ[k]["b64"]; has {
			t.Errorf("environ[%s] has b64: %v", k, raw.Environ[k])
		}
	}
}

// wsgiref copies os.environ into every environ: no scenario may answer with a value of
// the server's environment, but a header that happens to equal one is still echoed.
func TestProbeKeepsServerEnvironmentOutOfEveryAnswer(t *testing.T) {
	t.Parallel()
	secret := fmt.Sprintf("probe-secret-%d", time.Now().UnixNano())
	p := startProbe(t, "CONFORM_PROBE_TEST_SECRET="+secret,
		"HTTP_PROXY=http://user:"+secret+"@proxy.invalid:3128", "HTTP_X_SAME=request-value")
	for _, target := range []string{
		"/", "/__conform__/echo?read=none", "/__conform__/start-response-twice",
		"/__conform__/exc-info-before-headers", "/__conform__/exc-info-after-headers",
		"/__conform__/empty-then-error", "/__conform__/lazy-start",
		"/__conform__/no-start-response", "/__conform__/write-then-iterable",
		"/__conform__/stream?chunks=2&delay_ms=0", "/__conform__/content-length?declared=2&actual=4",
		"/__conform__/header-value?value=a%0Db", "/__conform__/hop-by-hop?name=Connection&value=x",
		"/__conform__/sleep?ms=0", "/__conform__/close?token=env", "/__conform__/close-status?token=env",
		"/__conform__/status?code=299&body=b", "/__conform__/no-content-length",
		"/__conform__/file-wrapper?size=300", "/__conform__/errors", "/__conform__/nope",
		"/__conform__/stream?chunks=x",
	} {
		conn := p.dial(t)
		io.WriteString(conn, getRequest(target, "env"))
		raw, err := io.ReadAll(conn)
		conn.Close()
		if err != nil || len(raw) == 0 {
			t.Errorf("%s: no answer (%v)", target, err)
		}
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("%s: the answer holds the server's environment:\n%s", target, raw)
		}
	}
	r := p.do(t, "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Conform-Id: env\r\nX-Same: request-value\r\n\r\n", false)
	e := echoOf(t, r, "HTTP/1.0 200 OK")
	for _, k := range []string{"CONFORM_PROBE_TEST_SECRET", "HTTP_PROXY", "PATH"} {
		if v, ok := e.Env(k); !ok || !v.Inherited || v.Value != "" {
			t.Errorf("environ[%s] = %+v, %v; want it inherited, value withheld", k, v, ok)
		}
	}
	if v, _ := e.Env("HTTP_X_SAME"); v.Inherited || v.Value != "request-value" {
		t.Errorf("HTTP_X_SAME = %+v; a request header is echoed even when it equals the environment", v)
	}
	if v, _ := e.Env("REQUEST_METHOD"); v.Inherited || v.Value != "GET" {
		t.Errorf("REQUEST_METHOD = %+v", v)
	}
}
