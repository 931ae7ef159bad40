package probes

import (
	"bufio"
	"io"
	"net/http"
	"testing"
	"time"
)

// The auto read mode and a chunked body nothing announces (no CONTENT_LENGTH, no
// wsgi.input_terminated): the probe reads it anyway, on a thread it stops waiting for after
// READ_WAIT. wsgiref hands the application the raw connection, so its read sees the coded
// bytes when the client has half-closed and blocks when it has not.

func chunkedRequest(te string) string {
	return "POST /chunked HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Conform-Id: chunked\r\nTransfer-Encoding: " + te + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
}

func TestProbeReadsUnannouncedChunkedBody(t *testing.T) {
	t.Parallel()
	p := startProbe(t)
	coded := "5\r\nhello\r\n0\r\n\r\n"
	for _, c := range []struct {
		name, te string
		calls    []InputCall
		body     string
	}{
		{"final coding chunked: read to the end", "chunked", []InputCall{call("read", -1, len(coded))}, coded},
		{"a list ending in chunked", "gzip, Chunked", []InputCall{call("read", -1, len(coded))}, coded},
		{"chunked not final: not read", "chunked, gzip", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := echoOf(t, p.do(t, chunkedRequest(c.te), true), "HTTP/1.0 200 OK")
			in := e.Input
			if got, want := callsString(in.Calls), callsString(c.calls); got != want {
				t.Errorf("calls = %s, want %s", got, want)
			}
			if string(in.Body()) != c.body || in.Blocked || in.Error != "" {
				t.Errorf("body %q blocked %v error %q, want %q, not blocked", in.Body(), in.Blocked, in.Error, c.body)
			}
		})
	}

	// Without the half-close the read waits for bytes that never come: the probe answers
	// after READ_WAIT with input.blocked. wsgiref closes the connection only once that read
	// ends, so the client reads the answer by its Content-Length and closes first.
	t.Run("a read that blocks is reported", func(t *testing.T) {
		conn := p.dial(t)
		defer conn.Close()
		start := time.Now()
		if _, err := io.WriteString(conn, chunkedRequest("chunked")); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		e, err := Decode(body)
		if err != nil {
			t.Fatal(err)
		}
		if in := e.Input; !in.Blocked || len(in.Calls) != 0 || in.Length != 0 || in.Error != "" {
			t.Errorf("input = %+v, want blocked with no call returned", in)
		}
		if took < 900*time.Millisecond || took > 10*time.Second {
			t.Errorf("answered after %v, want about READ_WAIT (1 s)", took)
		}
	})
}
