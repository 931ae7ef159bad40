package spec

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/uwsgiproto"
	"github.com/conform-wsgi/conform/wire"
)

// uwsgiSteps translates a script for a uwsgi target and returns the steps, or the error.
func uwsgiSteps(t *testing.T, s wire.Script) ([]wire.Step, error) {
	t.Helper()
	tg := &Target{Addr: "127.0.0.1:9000", Uwsgi: true}
	u, err := readUwsgiRequest(s)
	if err != nil {
		return nil, err
	}
	out, err := tg.uwsgiScript(s, u, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 40000})
	if err != nil {
		return nil, err
	}
	return out.Steps, nil
}

// varsOf parses the packet at the start of what the steps send; it returns the vars and
// the body bytes after the packet.
func varsOf(t *testing.T, steps []wire.Step) (map[string]string, []byte) {
	t.Helper()
	var all []byte
	for _, st := range steps {
		all = append(all, st.Data...)
	}
	vars, n, err := uwsgiproto.Parse(all)
	if err != nil {
		t.Fatalf("%v in % x", err, all)
	}
	m := map[string]string{}
	for _, v := range vars {
		m[v.Key] = v.Value
	}
	return m, all[n:]
}

func TestUwsgiVarsOfARequest(t *testing.T) {
	req := "POST /caf%C3%A9/a%2Fb?x=%20&y HTTP/1.1\r\nHost: h.test:81\r\nX-Rep: 1\r\nX-Rep: 2\r\nX_Under: no\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
	steps, err := uwsgiSteps(t, wire.Script{Steps: []wire.Step{{Data: []byte(req)}}, Responses: 1})
	if err != nil {
		t.Fatal(err)
	}
	vars, body := varsOf(t, steps)
	want := map[string]string{
		"REQUEST_METHOD": "POST", "REQUEST_URI": "/caf%C3%A9/a%2Fb?x=%20&y", "PATH_INFO": "/caf\xc3\xa9/a/b",
		"QUERY_STRING": "x=%20&y", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "9000",
		"REMOTE_ADDR": "127.0.0.2", "REMOTE_PORT": "40000", "CONTENT_TYPE": "text/plain", "CONTENT_LENGTH": "5",
		"HTTP_HOST": "h.test:81", "HTTP_X_REP": "1,2",
	}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("%s = %q, want %q", k, vars[k], v)
		}
	}
	for _, k := range []string{"HTTP_X_UNDER", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"} {
		if _, ok := vars[k]; ok {
			t.Errorf("%s sent: %q", k, vars[k])
		}
	}
	if string(body) != "hello" {
		t.Errorf("body %q", body)
	}
}

// TestUwsgiStepsKeepTheirTiming: a slow client stays slow over uwsgi: the packet goes out
// in the share the head's steps had, each body byte with the step it came in, and every
// delay where it was.
func TestUwsgiStepsKeepTheirTiming(t *testing.T) {
	head := "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
	steps, err := uwsgiSteps(t, wire.Script{Steps: []wire.Step{
		{Data: []byte(head[:21])},
		{Data: []byte(head[21:] + "ab"), Delay: 300 * time.Millisecond},
		{Data: []byte("cdefg"), Delay: 200 * time.Millisecond},
		{Data: []byte("hij"), Delay: 100 * time.Millisecond},
	}, Responses: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 4 {
		t.Fatalf("%d steps", len(steps))
	}
	for i, d := range []time.Duration{0, 300 * time.Millisecond, 200 * time.Millisecond, 100 * time.Millisecond} {
		if steps[i].Delay != d {
			t.Errorf("step %d delay %v, want %v", i, steps[i].Delay, d)
		}
	}
	vars, body := varsOf(t, steps)
	if string(body) != "abcdefghij" || vars["CONTENT_LENGTH"] != "10" {
		t.Fatalf("body %q, CONTENT_LENGTH %q", body, vars["CONTENT_LENGTH"])
	}
	packet := len(steps[0].Data) + len(steps[1].Data) - 2
	if n := len(steps[0].Data); n == 0 || n >= packet {
		t.Errorf("the first step sends %d of the packet's %d bytes: the request line's share is some, not all", n, packet)
	}
	if !bytes.HasSuffix(steps[1].Data, []byte("ab")) || string(steps[2].Data) != "cdefg" || string(steps[3].Data) != "hij" {
		t.Errorf("body bytes moved between steps: %q %q %q", steps[1].Data, steps[2].Data, steps[3].Data)
	}
}

func TestUwsgiChunkedBodyIsDecodedInItsSteps(t *testing.T) {
	steps, err := uwsgiSteps(t, wire.Script{Steps: []wire.Step{
		{Data: []byte("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n")},
		{Data: []byte("2\r\nde\r\n0\r\nTrailer: t\r\n\r\n"), Delay: 100 * time.Millisecond},
	}, Responses: 1})
	if err != nil {
		t.Fatal(err)
	}
	vars, body := varsOf(t, steps)
	if string(body) != "abcde" || vars["CONTENT_LENGTH"] != "5" {
		t.Errorf("body %q, CONTENT_LENGTH %q", body, vars["CONTENT_LENGTH"])
	}
	if _, ok := vars["HTTP_TRANSFER_ENCODING"]; ok {
		t.Errorf("the decoded body is announced as chunked")
	}
	if string(steps[1].Data) != "de" || steps[1].Delay != 100*time.Millisecond {
		t.Errorf("second step %q after %v", steps[1].Data, steps[1].Delay)
	}
}

func TestUwsgiRefusesWhatOneRequestCannotCarry(t *testing.T) {
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, tc := range []struct {
		name string
		s    wire.Script
		why  string
	}{
		{"pipelined", wire.Script{Steps: []wire.Step{{Data: []byte(get + get)}}, Responses: 2}, "several requests"},
		{"two responses awaited", wire.Script{Steps: []wire.Step{{Data: []byte(get)}}, Responses: 2}, "several requests"},
		{"rejected spelling", wire.Script{Steps: []wire.Step{{Data: []byte("GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n")}}, Responses: 1}, "rejects"},
		{"incomplete", wire.Script{Steps: []wire.Step{{Data: []byte("GET / HTTP/1.1\r\nHost: x\r\n")}}, Responses: 1}, "incomplete"},
		{"bytes after", wire.Script{Steps: []wire.Step{{Data: []byte(get + "GET /")}}, Responses: 1}, "after its request"},
		{"100-continue", wire.Script{Steps: []wire.Step{{Data: []byte("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")}, {Data: []byte("a"), AwaitResponse: time.Second}}, Responses: 1}, "100-continue"},
	} {
		_, err := uwsgiSteps(t, tc.s)
		if !errors.Is(err, ErrNotOverUwsgi) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%s: %v; want ErrNotOverUwsgi saying %q", tc.name, err, tc.why)
		}
	}
}

// TestRunSkipsHTTPOnlyChecksOverUwsgi: over uwsgi a check of an HTTP-only area is a skip
// with the reason, without a connection (the target here accepts none).
func TestRunSkipsHTTPOnlyChecksOverUwsgi(t *testing.T) {
	var framing, environ *Check
	for _, c := range All() {
		if c.Area == "framing" && framing == nil {
			framing = c
		}
		if c.Area == "environ" && environ == nil {
			environ = c
		}
	}
	tg := &Target{Addr: "127.0.0.1:1", Uwsgi: true}
	r := RunOne(context.Background(), tg, framing, 5*time.Second)
	if r.Status != Skip || !strings.Contains(r.Message, "uwsgi") || !strings.Contains(r.Message, "framing") {
		t.Errorf("%s over uwsgi: %s: %s", framing.ID, r.Status, r.Message)
	}
	// An environ check is run: with nothing listening, that is an error, not a skip.
	if r := RunOne(context.Background(), tg, environ, 5*time.Second); r.Status != Error {
		t.Errorf("%s over uwsgi to a closed port: %s: %s", environ.ID, r.Status, r.Message)
	}
}
