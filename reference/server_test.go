package reference

import (
	"bufio"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/probes"
)

// ---- helpers ----

func startServer(t *testing.T, opt Options) *Running {
	t.Helper()
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = 2 * time.Second
	}
	if opt.IdleTimeout == 0 {
		opt.IdleTimeout = 2 * time.Second
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = 2 * time.Second
	}
	if opt.StateDir == "" {
		opt.StateDir = t.TempDir()
	}
	r, err := Start(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

type client struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func dial(t *testing.T, r *Running) *client {
	t.Helper()
	nc, err := net.Dial("tcp", r.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.nc, s); err != nil {
		c.t.Fatal(err)
	}
}

type resp struct {
	*http.Response
	body []byte
}

// read reads one response (method is the request's, for HEAD).
func (c *client) read(method string) *resp {
	c.t.Helper()
	res, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.t.Fatalf("read response: %v", err)
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	return &resp{res, b}
}

// closed checks the server closed the connection (EOF without further bytes).
func (c *client) closed() bool {
	c.nc.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, err := c.br.ReadByte()
	if err == nil {
		c.t.Errorf("unexpected byte %q after response", b)
		return false
	}
	return err == io.EOF || strings.Contains(err.Error(), "reset")
}

func (r *resp) echo(t *testing.T) *probes.Echo {
	t.Helper()
	e, err := probes.Decode(r.body)
	if err != nil {
		t.Fatalf("%v: %q", err, r.body)
	}
	return e
}

func roundTrip(t *testing.T, r *Running, raw string) *resp {
	t.Helper()
	c := dial(t, r)
	c.send(raw)
	method, _, _ := strings.Cut(raw, " ")
	return c.read(method)
}

func envStr(t *testing.T, e *probes.Echo, key string) string {
	t.Helper()
	v, ok := e.Env(key)
	if !ok {
		t.Errorf("environ lacks %s", key)
		return ""
	}
	if v.Type != "str" || !v.Native {
		t.Errorf("%s: type %s native %v", key, v.Type, v.Native)
	}
	return v.Value
}

func getReq(target string, extra ...string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: example.test\r\n" + strings.Join(extra, "") + "\r\n"
}

// ---- environ ----

func TestServerEchoEnviron(t *testing.T) {
	r := startServer(t, Options{})
	res := roundTrip(t, r, "POST /caf%C3%A9/a%2Fb;p?x=%20y&z HTTP/1.1\r\nHost: example.test:8080\r\nX-Conform-Id: id-1\r\nX-Dup: a\r\nx-dup: b\r\nX_Under: u\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-Latin: caf\xe9\r\n\r\nhello")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || res.ContentLength != int64(len(res.body)) {
		t.Fatalf("%d %v", res.StatusCode, res.Header)
	}
	if res.Header.Get("Date") == "" || res.Header.Get("Server") != "conform-reference" {
		t.Errorf("headers %v", res.Header)
	}
	e := res.echo(t)
	if e.ID != "id-1" || e.Scenario != "echo" {
		t.Errorf("id %q scenario %q", e.ID, e.Scenario)
	}
	want := map[string]string{
		"REQUEST_METHOD":  "POST",
		"SCRIPT_NAME":     "",
		"PATH_INFO":       "/caf\u00c3\u00a9/a/b;p",
		"QUERY_STRING":    "x=%20y&z",
		"CONTENT_TYPE":    "text/plain",
		"CONTENT_LENGTH":  "5",
		"SERVER_PROTOCOL": "HTTP/1.1",
		"SERVER_NAME":     "127.0.0.1",
		"HTTP_HOST":       "example.test:8080",
		"HTTP_X_DUP":      "a,b",
		"HTTP_X_LATIN":    "caf\u00e9",
		"REMOTE_ADDR":     "127.0.0.1",
		"wsgi.url_scheme": "http",
	}
	for k, v := range want {
		if got := envStr(t, e, k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if pi, _ := e.Env("PATH_INFO"); pi.B64 != base64.StdEncoding.EncodeToString([]byte("/caf\xc3\xa9/a/b;p")) || !pi.Latin1 {
		t.Errorf("PATH_INFO %+v", pi)
	}
	_, port, _ := net.SplitHostPort(r.Addr)
	if got := envStr(t, e, "SERVER_PORT"); got != port {
		t.Errorf("SERVER_PORT %q", got)
	}
	for _, k := range []string{"HTTP_X_UNDER", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"} {
		if _, ok := e.Env(k); ok {
			t.Errorf("%s present", k)
		}
	}
	typed := map[string][2]string{
		"wsgi.version":          {"tuple", "(1, 0)"},
		"wsgi.multithread":      {"bool", "True"},
		"wsgi.multiprocess":     {"bool", "False"},
		"wsgi.run_once":         {"bool", "False"},
		"wsgi.input_terminated": {"bool", "True"},
		"wsgi.input":            {"ReferenceInput", ""},
		"wsgi.errors":           {"ReferenceErrors", ""},
		"wsgi.file_wrapper":     {"type", ""},
	}
	for k, tv := range typed {
		v, ok := e.Env(k)
		if !ok || v.Type != tv[0] || tv[1] != "" && v.Value != tv[1] || v.Native {
			t.Errorf("%s = %+v", k, v)
		}
	}
	if e.Input.Length != 5 || string(e.Input.Body()) != "hello" || len(e.Input.Calls) != 1 || *e.Input.Calls[0].Arg != 5 {
		t.Errorf("input %+v", e.Input)
	}
}

func TestServerAbsoluteForm(t *testing.T) {
	r := startServer(t, Options{})
	e := roundTrip(t, r, "GET http://other.test:81/p%41th?q=1 HTTP/1.1\r\nHost: ignored.test\r\n\r\n").echo(t)
	if got := envStr(t, e, "PATH_INFO"); got != "/pAth" {
		t.Errorf("PATH_INFO %q", got)
	}
	if got := envStr(t, e, "QUERY_STRING"); got != "q=1" {
		t.Errorf("QUERY_STRING %q", got)
	}
	if got := envStr(t, e, "HTTP_HOST"); got != "other.test:81" {
		t.Errorf("HTTP_HOST %q", got)
	}
	e = roundTrip(t, r, "OPTIONS http://other.test HTTP/1.1\r\nHost: x\r\n\r\n").echo(t)
	if got := envStr(t, e, "PATH_INFO"); got != "/" {
		t.Errorf("PATH_INFO %q", got)
	}
}

func TestServerHTTP10(t *testing.T) {
	r := startServer(t, Options{})
	c := dial(t, r)
	c.send("GET / HTTP/1.0\r\n\r\n")
	res := c.read("GET")
	e := res.echo(t)
	if envStr(t, e, "SERVER_PROTOCOL") != "HTTP/1.0" {
		t.Error("protocol")
	}
	if _, ok := e.Env("HTTP_HOST"); ok {
		t.Error("HTTP_HOST without Host")
	}
	if !res.Close || !c.closed() {
		t.Error("HTTP/1.0 connection not closed")
	}
	// keep-alive
	c = dial(t, r)
	c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	if res := c.read("GET"); res.Header.Get("Connection") != "keep-alive" {
		t.Errorf("Connection %q", res.Header.Get("Connection"))
	}
	c.send("GET /__conform__/no-content-length HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	res = c.read("GET")
	if len(res.TransferEncoding) != 0 || string(res.body) != "block-0\nblock-1\n" || !c.closed() {
		t.Errorf("HTTP/1.0 no-content-length: %v %q", res.TransferEncoding, res.body)
	}
}

func TestServerKeepAliveAndPipelining(t *testing.T) {
	r := startServer(t, Options{})
	c := dial(t, r)
	c.send(getReq("/1", "X-Conform-Id: 1\r\n"))
	if e := c.read("GET").echo(t); e.ID != "1" {
		t.Error(e.ID)
	}
	c.send(getReq("/2", "X-Conform-Id: 2\r\n"))
	if e := c.read("GET").echo(t); e.ID != "2" {
		t.Error(e.ID)
	}
	// Pipelined: a POST with a body, a chunked POST, a slow scenario, a HEAD, then close.
	c.send("POST /3 HTTP/1.1\r\nHost: a\r\nX-Conform-Id: 3\r\nContent-Length: 3\r\n\r\nabc" +
		"POST /4 HTTP/1.1\r\nHost: a\r\nX-Conform-Id: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n" +
		getReq("/__conform__/sleep?ms=50", "X-Conform-Id: 5\r\n") +
		"HEAD /6 HTTP/1.1\r\nHost: a\r\n\r\n" +
		getReq("/7", "X-Conform-Id: 7\r\n", "Connection: close\r\n") +
		getReq("/8"))
	for _, id := range []string{"3", "4", "5"} {
		e := c.read("GET").echo(t)
		if e.ID != id {
			t.Errorf("response order: got %s want %s", e.ID, id)
		}
		if id == "4" && (string(e.Input.Body()) != "de" || len(e.Input.Calls) != 1 || e.Input.Calls[0].Arg != nil) {
			t.Errorf("chunked input %+v", e.Input)
		}
	}
	head := c.read("HEAD")
	if head.StatusCode != 200 || len(head.body) != 0 || head.ContentLength <= 0 {
		t.Errorf("HEAD: %d %d %q", head.StatusCode, head.ContentLength, head.body)
	}
	last := c.read("GET")
	if last.echo(t).ID != "7" || !last.Close {
		t.Error("Connection: close not echoed")
	}
	if !c.closed() {
		t.Error("connection not closed after Connection: close")
	}
}

func TestServerParseErrors(t *testing.T) {
	r := startServer(t, Options{})
	cases := []struct {
		raw    string
		status int
	}{
		{"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\n\r\n", 400},
		{"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
		{"GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\n", 414},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 70000) + "\r\n\r\n", 431},
		{"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n", 413},
		{"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
	}
	for _, tc := range cases {
		c := dial(t, r)
		c.send(tc.raw)
		res := c.read("GET")
		name := tc.raw[:min(len(tc.raw), 40)]
		if res.StatusCode != tc.status || !res.Close || !strings.HasPrefix(string(res.body), res.Status[:3]) {
			t.Errorf("%q: %d %v", name, res.StatusCode, res.Header)
		}
		if !c.closed() {
			t.Errorf("%q: connection left open", name)
		}
	}
	// An error after a good request: the good one is answered first.
	c := dial(t, r)
	c.send(getReq("/ok") + "GET / HTTP/1.1\r\nHost: a\r\n\x01\r\n\r\n")
	if res := c.read("GET"); res.StatusCode != 200 {
		t.Error(res.StatusCode)
	}
	if res := c.read("GET"); res.StatusCode != 400 {
		t.Error(res.StatusCode)
	}
}

func TestServerReadModes(t *testing.T) {
	r := startServer(t, Options{})
	body := "line1\nline2\nlast"
	type want struct {
		calls    int
		op       string
		afterEOF int
	}
	cases := map[string]want{
		"auto":       {1, "read", -1},
		"read":       {1, "read", -1},
		"readn:4":    {5, "read", -1},
		"readline":   {4, "readline", -1},
		"readline:3": {7, "readline", -1}, // 6 with CONTENT_LENGTH, which stops the loop
		"readlines":  {1, "readlines", -1},
		"iter":       {3, "iter", -1},
		"none":       {0, "", -1},
	}
	for mode, w := range cases {
		for _, chunked := range []bool{false, true} {
			framing := "Content-Length: 16\r\n\r\n" + body
			if chunked {
				framing = "Transfer-Encoding: chunked\r\n\r\n10\r\n" + body + "\r\n0\r\n\r\n"
			}
			e := roundTrip(t, r, "POST /?read="+mode+" HTTP/1.1\r\nHost: a\r\n"+framing).echo(t)
			calls := w.calls
			if !chunked && (mode == "readn:4" || mode == "readline" || mode == "readline:3") {
				calls-- // CONTENT_LENGTH ends the loop before the final b"" call
			}
			if len(e.Input.Calls) != calls || (calls > 0 && e.Input.Calls[0].Op != w.op) {
				t.Errorf("%s chunked=%v: calls %+v", mode, chunked, e.Input.Calls)
			}
			wantBody := body
			if mode == "none" {
				wantBody = ""
			}
			if string(e.Input.Body()) != wantBody || e.Input.Mode != mode || e.Input.Error != "" {
				t.Errorf("%s chunked=%v: input %+v", mode, chunked, e.Input)
			}
		}
	}
	e := roundTrip(t, r, "POST /?eof=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc").echo(t)
	if e.Input.AfterEOF == nil || *e.Input.AfterEOF != 0 {
		t.Errorf("after_eof %v", e.Input.AfterEOF)
	}
	for _, q := range []string{"read=bogus", "read=readn", "read=read:3", "read=readn:0", "eof=2"} {
		res := roundTrip(t, r, "POST /?"+q+" HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
		if res.StatusCode != 400 || !strings.HasPrefix(string(res.body), "bad parameter") {
			t.Errorf("%s: %d %q", q, res.StatusCode, res.body)
		}
	}
	// The arguments: read(remaining) for auto, read(min(N, remaining)) for readn.
	e = roundTrip(t, r, "POST /?read=readn:2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc").echo(t)
	if len(e.Input.Calls) != 2 || *e.Input.Calls[0].Arg != 2 || *e.Input.Calls[1].Arg != 1 {
		t.Errorf("calls %+v", e.Input.Calls)
	}
}

func TestServerExpectContinue(t *testing.T) {
	r := startServer(t, Options{})
	c := dial(t, r)
	c.send("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	if res := c.read("POST"); res.StatusCode != 100 {
		t.Fatalf("status %d, want 100", res.StatusCode)
	}
	c.send("hello")
	res := c.read("POST")
	if res.StatusCode != 200 || string(res.echo(t).Input.Body()) != "hello" {
		t.Errorf("%d %q", res.StatusCode, res.body)
	}
	// The connection is still usable.
	c.send(getReq("/again"))
	if res := c.read("GET"); res.StatusCode != 200 {
		t.Error(res.StatusCode)
	}

	// An application that does not read the body: no 100, and the connection closes.
	c = dial(t, r)
	c.send("POST /__conform__/status?code=201 HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	res = c.read("POST")
	if res.StatusCode != 201 || !res.Close || !c.closed() {
		t.Errorf("%d %v", res.StatusCode, res.Header)
	}

	// HTTP/1.0 ignores Expect: the body is read without 100.
	c = dial(t, r)
	c.send("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi")
	if res := c.read("POST"); res.StatusCode != 200 || string(res.echo(t).Input.Body()) != "hi" {
		t.Error(res.StatusCode)
	}

	// Chunked body with a bad chunk after 100 Continue: 400.
	c = dial(t, r)
	c.send("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n")
	if res := c.read("POST"); res.StatusCode != 100 {
		t.Fatal(res.StatusCode)
	}
	c.send("zz\r\n")
	if res := c.read("POST"); res.StatusCode != 400 {
		t.Error(res.StatusCode)
	}
}

func TestServerTimeouts(t *testing.T) {
	r := startServer(t, Options{ReadTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond})
	slow := dial(t, r)
	slow.send("GET / HTTP/1.1\r\nHost: a\r\n")
	// Another connection is served meanwhile.
	start := time.Now()
	if res := roundTrip(t, r, getReq("/")); res.StatusCode != 200 {
		t.Error(res.StatusCode)
	}
	if time.Since(start) > 200*time.Millisecond {
		t.Error("slow client blocked another connection")
	}
	res := slow.read("GET")
	if res.StatusCode != 408 || !slow.closed() {
		t.Errorf("slow client: %d", res.StatusCode)
	}
	// Slow body.
	slow = dial(t, r)
	slow.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
	if res := slow.read("POST"); res.StatusCode != 408 {
		t.Errorf("slow body: %d", res.StatusCode)
	}
	// Idle connection: closed silently.
	idle := dial(t, r)
	idle.send(getReq("/"))
	idle.read("GET")
	start = time.Now()
	if !idle.closed() || time.Since(start) > 2*time.Second {
		t.Error("idle connection not closed")
	}
}

func TestServerScenarios(t *testing.T) {
	r := startServer(t, Options{})
	t.Run("start-response-twice", func(t *testing.T) {
		res := roundTrip(t, r, getReq("/__conform__/start-response-twice"))
		e := res.echo(t)
		if res.StatusCode != 200 || res.Header.Get("X-Conform-Call") != "first" || e.ResultString("second_call") != "raised" ||
			e.ResultString("exception") != "AssertionError: start_response called a second time without exc_info" {
			t.Errorf("%d %v %v", res.StatusCode, res.Header, e.Result)
		}
	})
	t.Run("exc-info-before-headers", func(t *testing.T) {
		res := roundTrip(t, r, getReq("/__conform__/exc-info-before-headers"))
		e := res.echo(t)
		if res.StatusCode != 500 || res.Header.Get("X-Conform-Call") != "second" || e.ResultString("exc_info_call") != "returned" {
			t.Errorf("%d %v %v", res.StatusCode, res.Header, e.Result)
		}
	})
	t.Run("exc-info-after-headers", func(t *testing.T) {
		res := roundTrip(t, r, getReq("/__conform__/exc-info-after-headers"))
		if res.StatusCode != 200 || string(res.body) != "first\nraised ValueError same=True\n" {
			t.Errorf("%d %q", res.StatusCode, res.body)
		}
	})
	t.Run("empty-then-error", func(t *testing.T) {
		if res := roundTrip(t, r, getReq("/__conform__/empty-then-error")); res.StatusCode != 500 {
			t.Error(res.StatusCode)
		}
	})
	t.Run("no-start-response", func(t *testing.T) {
		if res := roundTrip(t, r, getReq("/__conform__/no-start-response")); res.StatusCode != 500 {
			t.Error(res.StatusCode)
		}
	})
	t.Run("write-then-iterable", func(t *testing.T) {
		if res := roundTrip(t, r, getReq("/__conform__/write-then-iterable")); string(res.body) != "write-part;iterable-part" {
			t.Errorf("%q", res.body)
		}
	})
	t.Run("stream", func(t *testing.T) {
		c := dial(t, r)
		c.send(getReq("/__conform__/stream?chunks=3&delay_ms=200&size=8"))
		res, err := http.ReadResponse(c.br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.TransferEncoding) != 1 || res.TransferEncoding[0] != "chunked" {
			t.Errorf("framing %v", res.TransferEncoding)
		}
		start := time.Now()
		first := make([]byte, 8)
		if _, err := io.ReadFull(res.Body, first); err != nil || string(first) != "0:.....\n" {
			t.Fatalf("%q %v", first, err)
		}
		if time.Since(start) > 150*time.Millisecond {
			t.Error("first block not flushed before the sleep")
		}
		rest, _ := io.ReadAll(res.Body)
		if string(rest) != "1:.....\n2:.....\n" || time.Since(start) < 350*time.Millisecond {
			t.Errorf("%q after %v", rest, time.Since(start))
		}
	})
	t.Run("content-length", func(t *testing.T) {
		c := dial(t, r)
		c.send(getReq("/__conform__/content-length?declared=5&actual=10") + getReq("/"))
		res := c.read("GET")
		if string(res.body) != "xxxxx" {
			t.Errorf("%q", res.body)
		}
		if res := c.read("GET"); res.StatusCode != 200 {
			t.Error("connection not reusable after a truncated overrun")
		}
		c = dial(t, r)
		c.send(getReq("/__conform__/content-length?declared=5&actual=3"))
		br := c.br
		if _, err := http.ReadResponse(br, nil); err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(br)
		if string(rest) != "xxx" {
			t.Errorf("short body %q, want the 3 bytes then close", rest)
		}
	})
	t.Run("header-value", func(t *testing.T) {
		for _, v := range []string{"a%0D%0AX-Injected:%201", "a%00b", "a%0Ab", "a%01b", "a%7Fb"} {
			res := roundTrip(t, r, getReq("/__conform__/header-value?value="+v))
			if e := res.echo(t); res.StatusCode != 500 || e.ResultString("start_response") != "raised" || !strings.HasPrefix(e.ResultString("exception"), "ValueError") {
				t.Errorf("%s: %d %v", v, res.StatusCode, e.Result)
			}
		}
		res := roundTrip(t, r, getReq("/__conform__/header-value?value=caf%E9%09x"))
		if res.StatusCode != 200 || res.Header.Get("X-Conform-Value") != "caf\xe9\tx" || res.echo(t).ResultString("start_response") != "returned" {
			t.Errorf("%d %q", res.StatusCode, res.Header.Get("X-Conform-Value"))
		}
	})
	t.Run("hop-by-hop", func(t *testing.T) {
		for _, n := range []string{"Connection", "keep-alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "UPGRADE"} {
			res := roundTrip(t, r, getReq("/__conform__/hop-by-hop?name="+n+"&value=x"))
			if res.StatusCode != 500 || res.echo(t).ResultString("start_response") != "raised" {
				t.Errorf("%s: %d", n, res.StatusCode)
			}
		}
		if res := roundTrip(t, r, getReq("/__conform__/hop-by-hop?name=X-Fine&value=x")); res.StatusCode != 200 {
			t.Error(res.StatusCode)
		}
	})
	t.Run("sleep", func(t *testing.T) {
		start := time.Now()
		e := roundTrip(t, r, getReq("/__conform__/sleep?ms=100")).echo(t)
		if time.Since(start) < 100*time.Millisecond || e.Result["slept_ms"] != float64(100) {
			t.Errorf("%v %v", time.Since(start), e.Result)
		}
	})
	t.Run("close", func(t *testing.T) {
		dir := r.Server.opt.StateDir
		for _, mode := range []string{"list", "error"} {
			tok := "tok-" + mode
			res := roundTrip(t, r, getReq("/__conform__/close?token="+tok+"&mode="+mode))
			if mode == "list" && (res.StatusCode != 200 || string(res.body) != "close-probe\n") || mode == "error" && res.StatusCode != 500 {
				t.Errorf("%s: %d %q", mode, res.StatusCode, res.body)
			}
			waitFile(t, filepath.Join(dir, tok+".closed"))
			e := roundTrip(t, r, getReq("/__conform__/close-status?token="+tok)).echo(t)
			if e.Result["closed"] != true || e.Result["closed_at"] == nil {
				t.Errorf("%s: %v", mode, e.Result)
			}
		}
		e := roundTrip(t, r, getReq("/__conform__/close-status?token=never")).echo(t)
		if e.Result["closed"] != false || e.Result["closed_at"] != nil {
			t.Errorf("%v", e.Result)
		}
		// slow: the client goes away mid-body; close() is still called.
		c := dial(t, r)
		c.send(getReq("/__conform__/close?token=tok-slow&mode=slow"))
		buf := make([]byte, 2048)
		io.ReadFull(c.br, buf)
		c.nc.Close()
		waitFile(t, filepath.Join(dir, "tok-slow.closed"))
		if res := roundTrip(t, r, getReq("/__conform__/close?token=../x")); res.StatusCode != 400 {
			t.Error("bad token accepted")
		}
	})
	t.Run("status", func(t *testing.T) {
		for _, tc := range []struct {
			code, body string
			want       string
		}{{"201", "made", "made"}, {"204", "x", ""}, {"304", "x", ""}, {"418", "tea", "tea"}, {"599", "", ""}} {
			res := roundTrip(t, r, getReq("/__conform__/status?code="+tc.code+"&body="+tc.body))
			if res.Status[:3] != tc.code || string(res.body) != tc.want {
				t.Errorf("%s: %s %q", tc.code, res.Status, res.body)
			}
			if tc.code == "204" && (len(res.TransferEncoding) > 0 || res.Header.Get("Content-Length") != "") {
				t.Errorf("204 framing %v", res.Header)
			}
		}
		if res := roundTrip(t, r, getReq("/__conform__/status?code=200")); res.StatusCode != 200 || res.ContentLength != 0 {
			t.Errorf("empty body: %d %d", res.StatusCode, res.ContentLength)
		}
		res := roundTrip(t, r, "HEAD /__conform__/status?code=200&body=abc HTTP/1.1\r\nHost: a\r\n\r\n")
		if len(res.body) != 0 {
			t.Error("HEAD has a body")
		}
		if res := roundTrip(t, r, getReq("/__conform__/status?code=abc")); res.StatusCode != 400 {
			t.Error(res.StatusCode)
		}
	})
	t.Run("lazy-start", func(t *testing.T) {
		if res := roundTrip(t, r, getReq("/__conform__/lazy-start")); res.StatusCode != 200 || string(res.body) != "lazy-start\n" {
			t.Errorf("%d %q", res.StatusCode, res.body)
		}
	})
	t.Run("no-content-length", func(t *testing.T) {
		res := roundTrip(t, r, getReq("/__conform__/no-content-length?chunks=3"))
		if string(res.body) != "block-0\nblock-1\nblock-2\n" || len(res.TransferEncoding) != 1 {
			t.Errorf("%q %v", res.body, res.TransferEncoding)
		}
	})
	t.Run("file-wrapper", func(t *testing.T) {
		res := roundTrip(t, r, getReq("/__conform__/file-wrapper?size=20000"))
		if res.Header.Get("X-Conform-File-Wrapper") != "used" || len(res.body) != 20000 || res.body[256] != 0 || res.body[255] != 255 {
			t.Errorf("%v %d", res.Header, len(res.body))
		}
	})
	t.Run("errors", func(t *testing.T) {
		e := roundTrip(t, r, getReq("/__conform__/errors")).echo(t)
		for _, k := range []string{"write", "writelines", "flush"} {
			if e.ResultString(k) != "ok" {
				t.Errorf("%s: %v", k, e.Result)
			}
		}
	})
	t.Run("unknown", func(t *testing.T) {
		if res := roundTrip(t, r, getReq("/__conform__/nope")); res.StatusCode != 404 {
			t.Error(res.StatusCode)
		}
	})
}

func waitFile(t *testing.T, path string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%s never created", path)
}

func TestServerConcurrency(t *testing.T) {
	r := startServer(t, Options{})
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, err := net.Dial("tcp", r.Addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer nc.Close()
			io.WriteString(nc, getReq("/__conform__/sleep?ms=300"))
			if _, err := http.ReadResponse(bufio.NewReader(nc), nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("4 concurrent sleeps of 300ms took %v", d)
	}
}

func TestServerClose(t *testing.T) {
	r, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := r.Server.StateDir()
	nc, err := net.Dial("tcp", r.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	io.WriteString(nc, getReq("/__conform__/sleep?ms=10000"))
	time.Sleep(100 * time.Millisecond)
	done := make(chan struct{})
	go func() { r.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not interrupt a sleeping handler")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("temporary state directory left behind")
	}
	if _, err := net.Dial("tcp", r.Addr); err == nil {
		t.Error("still listening")
	}
}

func TestServerWriteTimeout(t *testing.T) {
	r := startServer(t, Options{WriteTimeout: 300 * time.Millisecond})
	nc, err := net.Dial("tcp", r.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.(*net.TCPConn).SetReadBuffer(4096)
	// A client that asks for 64 MiB and never reads.
	io.WriteString(nc, getReq("/__conform__/file-wrapper?size=67108864"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.Server.mu.Lock()
		n := len(r.Server.conns)
		r.Server.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a client that does not read holds its connection past the write timeout")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if res := roundTrip(t, r, getReq("/")); res.StatusCode != 200 {
		t.Error(res.StatusCode)
	}
}
