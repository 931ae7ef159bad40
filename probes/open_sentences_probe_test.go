package probes

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// The scenarios of the trace's open sentences (spec/open_sentences.go), under wsgiref.

func TestProbeOpenSentenceScenarios(t *testing.T) {
	t.Parallel()
	p := startProbe(t)
	file := func(size int) []byte {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}

	t.Run("environ-type", func(t *testing.T) {
		e := echoOf(t, p.get(t, "/__conform__/environ-type"), "HTTP/1.0 200 OK")
		if e.ResultString("type") != "builtins.dict" || e.Result["is_dict"] != true || e.ResultString("mutable") != "ok" {
			t.Errorf("result = %v", e.Result)
		}
		if _, left := e.Environ["x.conform_probe"]; left {
			t.Error("the key the scenario set and deleted is in the echo")
		}
	})

	t.Run("header-not-latin1", func(t *testing.T) {
		// wsgiref takes the str in start_response and fails encoding it when it sends the
		// head: the head is cut off after the headers it writes itself.
		conn := p.dial(t)
		defer conn.Close()
		if _, err := io.WriteString(conn, getRequest("/__conform__/header-not-latin1", "h")); err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(conn)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(raw), "HTTP/1.0 200 OK\r\n") || bytes.Contains(raw, []byte("\r\n\r\n")) || bytes.Contains(raw, []byte("snow")) {
			t.Errorf("%q, want a head cut off before the application's headers", raw)
		}
		p.waitLog(t, "UnicodeEncodeError")
	})

	t.Run("app-error", func(t *testing.T) {
		r := p.get(t, "/__conform__/app-error?at=call")
		if r.statusLine != "HTTP/1.0 500 Internal Server Error" {
			t.Errorf("at=call: %q", r.statusLine)
		}
		p.waitLog(t, "RuntimeError: conform probe: deliberate error before start_response")
		r = p.get(t, "/__conform__/app-error?at=block")
		if ct, _ := r.header("Content-Type"); r.statusLine != "HTTP/1.0 200 OK" || ct != "application/octet-stream" || string(r.body) != "first-block\n" {
			t.Errorf("at=block: %q %q %q", r.statusLine, ct, r.body)
		}
		p.waitLog(t, "RuntimeError: conform probe: deliberate error after the first block")
		if r := p.get(t, "/__conform__/app-error?at=later"); r.statusLine != "HTTP/1.0 400 Bad Request" || string(r.body) != "bad parameter at='later': want call or block\n" {
			t.Errorf("at=later: %q %q", r.statusLine, r.body)
		}
	})

	t.Run("self-chunked", func(t *testing.T) {
		// wsgiref refuses the hop-by-hop header; the scenario reports it with a 500.
		r := p.get(t, "/__conform__/self-chunked")
		want := "start_response raised AssertionError: Hop-by-hop header, 'Transfer-Encoding: Chunked', not allowed\n"
		if r.statusLine != "HTTP/1.0 500 Internal Server Error" || string(r.body) != want {
			t.Errorf("%q %q", r.statusLine, r.body)
		}
	})

	t.Run("file-wrapper-at", func(t *testing.T) {
		data := file(300)
		r := p.get(t, "/__conform__/file-wrapper-at?size=300&offset=290")
		if _, has := r.header("Content-Length"); has || !bytes.Equal(r.body, data[290:]) || !r.hasLine("X-Conform-File-Wrapper: used") {
			t.Errorf("no length: %q %q", r.headerLines, r.body)
		}
		// wsgiref sends the wrapper's whole block past Content-Length: the first 20 bytes
		// are the ones asked for.
		r = p.get(t, "/__conform__/file-wrapper-at?size=300&offset=250&length=20")
		if cl, _ := r.header("Content-Length"); cl != "20" || !bytes.HasPrefix(r.body, data[250:270]) {
			t.Errorf("length 20: %q %q", r.headerLines, r.body)
		}
		if r := p.get(t, "/__conform__/file-wrapper-at?size=300&offset=250&length=51"); r.statusLine != "HTTP/1.0 400 Bad Request" {
			t.Errorf("length past the end: %q %q", r.statusLine, r.body)
		}
	})

	t.Run("file-wrapper-unreturned", func(t *testing.T) {
		r := p.get(t, "/__conform__/file-wrapper-unreturned")
		if string(r.body) != "other\n" || strings.Contains(string(r.raw), "wrapped-file") || !r.hasLine("X-Conform-File-Wrapper: used") {
			t.Errorf("%q", r.raw)
		}
	})
}
