package reference

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

type icase struct {
	name       string
	raw        string
	reqs       int    // complete requests expected
	status     int    // expected error status, 0 for none
	rule       string // substring of the error rule
	offset     int    // expected error offset, -1 to skip
	incomplete bool
	check      func(t *testing.T, in Interpretation)
}

func runCases(t *testing.T, lim Limits, dev Deviations, cases []icase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := InterpretWith([]byte(c.raw), lim, dev)
			if len(in.Requests) != c.reqs {
				t.Errorf("requests = %d, want %d (err %v)", len(in.Requests), c.reqs, in.Error)
			}
			switch {
			case c.status == 0 && in.Error != nil:
				t.Errorf("unexpected error %v", in.Error)
			case c.status != 0 && in.Error == nil:
				t.Errorf("no error, want %d %s", c.status, c.rule)
			case c.status != 0:
				if in.Error.Status != c.status || !strings.Contains(in.Error.Rule, c.rule) {
					t.Errorf("error = %v, want %d %q", in.Error, c.status, c.rule)
				}
				if c.offset >= 0 && in.Error.Offset != c.offset {
					t.Errorf("offset = %d, want %d", in.Error.Offset, c.offset)
				}
			}
			if in.Incomplete != c.incomplete {
				t.Errorf("incomplete = %v, want %v", in.Incomplete, c.incomplete)
			}
			if c.check != nil {
				c.check(t, in)
			}
		})
	}
}

func hdr(t *testing.T, r Request, name, want string) {
	t.Helper()
	got, ok := r.Get(name)
	if !ok || got != want {
		t.Errorf("%s = %q (present %v), want %q", name, got, ok, want)
	}
}

func body(t *testing.T, r Request, want string) {
	t.Helper()
	if string(r.Body) != want {
		t.Errorf("body = %q, want %q", r.Body, want)
	}
}

const get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"

func TestInterpretRequestLine(t *testing.T) {
	runCases(t, Limits{}, Deviations{}, []icase{
		{name: "simple", raw: get, reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			r := in.Requests[0]
			if r.Method != "GET" || r.Target != "/" || r.Proto != "HTTP/1.1" || r.Major != 1 || r.Minor != 1 {
				t.Errorf("request-line = %+v", r)
			}
			if r.Start != 0 || r.End != len(get) || in.Consumed != len(get) || r.Close || r.Chunked || r.Body != nil {
				t.Errorf("request = %+v consumed %d", r, in.Consumed)
			}
		}},
		{name: "leading empty lines ignored", raw: "\r\n\r\n\n" + get, reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			if in.Requests[0].Start != 5 || in.Consumed != 5+len(get) {
				t.Errorf("start %d consumed %d", in.Requests[0].Start, in.Consumed)
			}
		}},
		{name: "bare LF accepted", raw: "GET / HTTP/1.1\nHost: a\n\n", reqs: 1, offset: -1},
		{name: "mixed terminators", raw: "GET / HTTP/1.1\r\nHost: a\n\r\n", reqs: 1, offset: -1},
		{name: "bare CR in request-line", raw: "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "2.2 bare CR", offset: 5},
		{name: "CR CR LF", raw: "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", status: 400, rule: "bare CR", offset: 14},
		{name: "double SP", raw: "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "single SP", offset: 4},
		{name: "tab separator", raw: "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "method", offset: 0},
		{name: "trailing SP", raw: "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", status: 400, rule: "", offset: -1},
		{name: "space in target", raw: "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "3.2 no whitespace", offset: -1},
		{name: "no version", raw: "GET /\r\n\r\n", status: 400, rule: "request-line syntax", offset: 4},
		{name: "lower-case version", raw: "GET / http/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "2.3", offset: 6},
		{name: "version 1.10", raw: "GET / HTTP/1.10\r\nHost: a\r\n\r\n", status: 400, rule: "2.3", offset: 6},
		{name: "HTTP/2.0", raw: "GET / HTTP/2.0\r\nHost: a\r\n\r\n", status: 505, rule: "15.6.6", offset: 6},
		{name: "HTTP/0.9 style", raw: "GET / HTTP/0.9\r\n\r\n", status: 505, offset: 6},
		{name: "HTTP/1.2 served as 1.1", raw: "GET / HTTP/1.2\r\nHost: a\r\n\r\n", reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			if r := in.Requests[0]; r.Proto != "HTTP/1.2" || r.Minor != 2 || r.Close {
				t.Errorf("%+v", r)
			}
		}},
		{name: "HTTP/1.2 needs Host", raw: "GET / HTTP/1.2\r\n\r\n", status: 400, rule: "Host required", offset: -1},
		{name: "method not token", raw: "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "method", offset: 0},
		{name: "control byte in target", raw: "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "request-target", offset: 5},
		{name: "high byte in target", raw: "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "request-target", offset: 8},
		{name: "NUL in target", raw: "GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "request-target", offset: 5},
		{name: "query", raw: "GET /p?a=b&c=%20 HTTP/1.1\r\nHost: a\r\n\r\n", reqs: 1, offset: -1},
		{name: "absolute-form", raw: "GET http://example.com:8080/x?y HTTP/1.1\r\nHost: a\r\n\r\n", reqs: 1, offset: -1},
		{name: "absolute-form https upper", raw: "GET HTTPS://example.com HTTP/1.1\r\nHost: a\r\n\r\n", reqs: 1, offset: -1},
		{name: "absolute-form userinfo", raw: "GET http://u@example.com/ HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "absolute-form", offset: 4},
		{name: "absolute-form empty host", raw: "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "absolute-form", offset: 4},
		{name: "absolute-form other scheme", raw: "GET ftp://example.com/ HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "absolute-form", offset: 4},
		{name: "relative target", raw: "GET index.html HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "absolute-form", offset: 4},
		{name: "asterisk OPTIONS", raw: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", reqs: 1, offset: -1},
		{name: "asterisk GET", raw: "GET * HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "asterisk", offset: 4},
		{name: "CONNECT authority", raw: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			if !in.Requests[0].Close {
				t.Error("CONNECT should close")
			}
		}},
		{name: "CONNECT ipv6", raw: "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n", reqs: 1, offset: -1},
		{name: "CONNECT without port", raw: "CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "CONNECT", offset: 8},
		{name: "CONNECT origin-form", raw: "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "CONNECT", offset: 8},
		{name: "authority-form for GET", raw: "GET example.com:80 HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, rule: "absolute-form", offset: 4},
		{name: "request-line too long", raw: "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: a\r\n\r\n", status: 414, offset: 0},
		{name: "unterminated long request-line", raw: "GET /" + strings.Repeat("a", 9000), status: 414, offset: 0},
		{name: "partial request-line", raw: "GET / HT", incomplete: true, offset: -1},
		{name: "only empty lines", raw: "\r\n\r\n", offset: -1},
		{name: "lone CR", raw: "\r", incomplete: true, offset: -1},
		{name: "empty", raw: "", offset: -1},
	})
}

func TestInterpretFields(t *testing.T) {
	runCases(t, Limits{}, Deviations{}, []icase{
		{name: "OWS trimmed", raw: "GET / HTTP/1.1\r\nHost: a\r\nX-A: \t v a l \t\r\nX-B:\r\n\r\n", reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			hdr(t, in.Requests[0], "x-a", "v a l")
			hdr(t, in.Requests[0], "X-B", "")
		}},
		{name: "names as sent, order kept", raw: "GET / HTTP/1.1\r\nhOsT: a\r\nx-Y: 1\r\nX-y: 2\r\n\r\n", reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			h := in.Requests[0].Header
			if len(h) != 3 || h[0].Name != "hOsT" || h[1] != (Field{"x-Y", "1"}) || h[2] != (Field{"X-y", "2"}) {
				t.Errorf("%q", h)
			}
			hdr(t, in.Requests[0], "X-Y", "1,2")
		}},
		{name: "obs-text kept", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xe9\r\n\r\n", reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			hdr(t, in.Requests[0], "X", "caf\xe9")
		}},
		{name: "whitespace before colon", raw: "GET / HTTP/1.1\r\nHost: a\r\nX-A : 1\r\n\r\n", status: 400, rule: "rfc9112/5.1 whitespace before colon", offset: 28},
		{name: "tab before colon", raw: "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", status: 400, rule: "5.1", offset: 20},
		{name: "no colon", raw: "GET / HTTP/1.1\r\nHost: a\r\nX-A\r\n\r\n", status: 400, rule: "without colon", offset: 25},
		{name: "empty name", raw: "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", status: 400, rule: "field-name", offset: 25},
		{name: "invalid name", raw: "GET / HTTP/1.1\r\nHost: a\r\nX(A): 1\r\n\r\n", status: 400, rule: "field-name", offset: 25},
		{name: "non-ascii name", raw: "GET / HTTP/1.1\r\nHost: a\r\nX\xe9: 1\r\n\r\n", status: 400, rule: "field-name", offset: 25},
		{name: "whitespace after start-line", raw: "GET / HTTP/1.1\r\n Host: a\r\n\r\n", status: 400, rule: "first field line", offset: 16},
		{name: "obs-fold replaced by SP", raw: "GET / HTTP/1.1\r\nHost: a\r\nX-A: one \r\n \t two\r\n\tthree\r\n\r\n", reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			hdr(t, in.Requests[0], "X-A", "one two three")
			if len(in.Requests[0].Header) != 2 {
				t.Errorf("%q", in.Requests[0].Header)
			}
		}},
		{name: "obs-fold empty continuation", raw: "GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n \r\n\r\n", reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			hdr(t, in.Requests[0], "X-A", "one")
		}},
		{name: "NUL in value", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", status: 400, rule: "NUL", offset: 29},
		{name: "bare CR in value", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", status: 400, rule: "bare CR", offset: 29},
		{name: "CTL in value", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", status: 400, rule: "CTL", offset: 29},
		{name: "DEL in value", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", status: 400, rule: "CTL", offset: 29},
		{name: "HTAB in value", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\r\n\r\n", reqs: 1, offset: -1},
		{name: "CTL in obs-fold", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n \x01\r\n\r\n", status: 400, rule: "CTL", offset: 32},
		{name: "missing Host", raw: "GET / HTTP/1.1\r\n\r\n", status: 400, rule: "Host required", offset: 16},
		{name: "HTTP/1.0 without Host", raw: "GET / HTTP/1.0\r\n\r\n", reqs: 1, offset: -1},
		{name: "duplicate Host", raw: "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", status: 400, rule: "more than one Host", offset: -1},
		{name: "duplicate Host in 1.0", raw: "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", status: 400, rule: "more than one Host", offset: -1},
		{name: "Host with port", raw: "GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", reqs: 1, offset: -1},
		{name: "Host ipv6", raw: "GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n", reqs: 1, offset: -1},
		{name: "Host empty", raw: "GET / HTTP/1.1\r\nHost:\r\n\r\n", reqs: 1, offset: -1},
		{name: "Host userinfo", raw: "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", status: 400, rule: "invalid Host", offset: -1},
		{name: "Host space", raw: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", status: 400, rule: "invalid Host", offset: -1},
		{name: "Host path", raw: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", status: 400, rule: "invalid Host", offset: -1},
		{name: "Host bad port", raw: "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", status: 400, rule: "invalid Host", offset: -1},
		{name: "Host bad ipv6", raw: "GET / HTTP/1.1\r\nHost: [zz]\r\n\r\n", status: 400, rule: "invalid Host", offset: -1},
		{name: "too many fields", raw: "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: 1\r\n", 100) + "\r\n", status: 431, rule: "too many", offset: -1},
		{name: "header section too large", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 70000) + "\r\n\r\n", status: 431, offset: 25},
		{name: "unterminated large header", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 70000), status: 431, offset: 25},
		{name: "partial header", raw: "GET / HTTP/1.1\r\nHost: a\r\n", incomplete: true, offset: -1},
		{name: "Expect 100-continue", raw: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx", reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			if !in.Requests[0].ExpectContinue {
				t.Error("ExpectContinue not set")
			}
		}},
		{name: "Expect ignored in 1.0", raw: "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx", reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			if in.Requests[0].ExpectContinue {
				t.Error("ExpectContinue set for HTTP/1.0")
			}
		}},
	})
}

func TestInterpretFraming(t *testing.T) {
	runCases(t, Limits{}, Deviations{}, []icase{
		{name: "content-length", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			body(t, in.Requests[0], "hello")
			if in.Requests[0].ContentLength != 5 {
				t.Error(in.Requests[0].ContentLength)
			}
		}},
		{name: "content-length zero", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", reqs: 1, offset: -1},
		{name: "content-length leading zeros", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 005\r\n\r\nhello", reqs: 1, offset: -1},
		{name: "content-length list identical", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello", reqs: 1, offset: -1},
		{name: "content-length repeated identical", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", reqs: 1, offset: -1},
		{name: "content-length differing list", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello", status: 400, rule: "differing", offset: -1},
		{name: "content-length differing lines", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", status: 400, rule: "differing", offset: -1},
		{name: "content-length plus", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", status: 400, rule: "8.6", offset: -1},
		{name: "content-length minus", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -0\r\n\r\n", status: 400, rule: "8.6", offset: -1},
		{name: "content-length inner space", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", status: 400, rule: "8.6", offset: -1},
		{name: "content-length hex", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", status: 400, rule: "8.6", offset: -1},
		{name: "content-length empty", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", status: 400, rule: "8.6", offset: -1},
		{name: "content-length empty member", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n", status: 400, rule: "8.6", offset: -1},
		{name: "content-length huge", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", status: 413, offset: -1},
		{name: "content-length over limit", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40000000\r\n\r\n", status: 413, offset: -1},
		{name: "content-length partial body", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel", incomplete: true, offset: -1},
		{name: "no framing means no body", raw: "POST / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", reqs: 2, offset: -1},
		{name: "chunked", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			body(t, in.Requests[0], "hello world")
			if !in.Requests[0].Chunked || in.Requests[0].ContentLength != -1 {
				t.Error("not chunked")
			}
		}},
		{name: "chunked case-insensitive, OWS list", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , CHUNKED \r\n\r\n0\r\n\r\n", reqs: 1, offset: -1},
		{name: "chunked upper hex, leading zeros", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n00A\r\n0123456789\r\n000\r\n\r\n", reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			body(t, in.Requests[0], "0123456789")
		}},
		{name: "chunk extensions ignored", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 ; a=b ;c; d = \"x;\\\"y\"\r\nhello\r\n0;last\r\n\r\n", reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			body(t, in.Requests[0], "hello")
		}},
		{name: "trailers", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-T: 1\r\nX-U:  2 \r\n\r\n", reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			tr := in.Requests[0].Trailers
			if len(tr) != 2 || tr[0] != (Field{"X-T", "1"}) || tr[1] != (Field{"X-U", "2"}) {
				t.Errorf("%q", tr)
			}
			if _, ok := in.Requests[0].Get("X-T"); ok {
				t.Error("trailer merged into header")
			}
		}},
		{name: "trailer whitespace before colon", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T : 1\r\n\r\n", status: 400, rule: "5.1", offset: -1},
		{name: "chunked then pipelined", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + get, reqs: 2, offset: -1},
		{name: "chunk-size sign", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n", status: 400, rule: "HEXDIG", offset: 56},
		{name: "chunk-size 0x", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", status: 400, rule: "chunk-ext", offset: 57},
		{name: "chunk-size leading space", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n", status: 400, rule: "HEXDIG", offset: 56},
		{name: "chunk-size trailing space", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n", status: 400, rule: "chunk-ext", offset: 58},
		{name: "chunk-ext trailing space", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a \r\nhello\r\n0\r\n\r\n", status: 400, rule: "chunk-ext", offset: -1},
		{name: "chunk-ext bad value", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"x\r\nhello\r\n0\r\n\r\n", status: 400, rule: "chunk-ext", offset: -1},
		{name: "chunk-ext no name", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;\r\nhello\r\n0\r\n\r\n", status: 400, rule: "chunk-ext", offset: -1},
		{name: "chunk-size empty", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", status: 400, rule: "HEXDIG", offset: 56},
		{name: "chunk-size overflow", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", status: 400, rule: "overflow", offset: 56},
		{name: "chunk-size many zeros", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000000000001\r\nx\r\n0\r\n\r\n", reqs: 1, offset: -1},
		{name: "chunk too large", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\n", status: 413, offset: 56},
		{name: "chunk data without CRLF", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", status: 400, rule: "followed by CRLF", offset: 64},
		{name: "chunk data LF only", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n", status: 400, rule: "followed by CRLF", offset: 64},
		{name: "chunk line bare LF", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", status: 400, rule: "CRLF", offset: 57},
		{name: "chunk line too long", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=" + strings.Repeat("b", 5000), status: 400, rule: "too long", offset: 56},
		{name: "chunked incomplete", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", incomplete: true, offset: -1},
		{name: "chunked missing final CRLF", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", incomplete: true, offset: -1},
		{name: "chunked not final", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", status: 400, rule: "not the final", offset: -1},
		{name: "gzip alone", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", status: 400, rule: "not the final", offset: -1},
		{name: "unknown coding before chunked", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n", status: 501, offset: -1},
		{name: "gzip then chunked on two lines", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", status: 501, offset: -1},
		{name: "chunked twice", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", status: 400, rule: "more than once", offset: -1},
		{name: "chunked with parameter", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", status: 400, rule: "no parameters", offset: -1},
		{name: "TE garbage", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", status: 400, rule: "syntax", offset: -1},
		{name: "TE empty", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n", status: 400, rule: "not the final", offset: -1},
		{name: "TE and CL", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", status: 400, rule: "with Content-Length", offset: -1},
		{name: "TE in HTTP/1.0", raw: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, rule: "HTTP/1.0", offset: -1},
		{name: "body too large chunked", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.Repeat("FFFFFF\r\n"+strings.Repeat("x", 0xFFFFFF)+"\r\n", 2) + "FFFFFF\r\n", status: 413, rule: "content too large", offset: -1},
	})
}

func TestInterpretConnection(t *testing.T) {
	runCases(t, Limits{}, Deviations{}, []icase{
		{name: "pipelined keep-alive", raw: get + get + get, reqs: 3, offset: -1, check: func(t *testing.T, in Interpretation) {
			for i, r := range in.Requests {
				if r.Start != i*len(get) || r.End != (i+1)*len(get) {
					t.Errorf("request %d at %d..%d", i, r.Start, r.End)
				}
			}
		}},
		{name: "close stops", raw: "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\n" + get, reqs: 1, offset: -1, check: func(t *testing.T, in Interpretation) {
			if !in.Requests[0].Close {
				t.Error("not Close")
			}
		}},
		{name: "HTTP/1.0 closes", raw: "GET / HTTP/1.0\r\n\r\n" + get, reqs: 1, offset: -1},
		{name: "HTTP/1.0 keep-alive", raw: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n" + get, reqs: 2, offset: -1},
		{name: "error after good request", raw: get + "GET / HTTP/1.1\r\n\r\n" + get, reqs: 1, status: 400, offset: len(get) + 16},
		{name: "incomplete after good request", raw: get + "GET /", reqs: 1, incomplete: true, offset: -1, check: func(t *testing.T, in Interpretation) {
			if in.Consumed != len(get) {
				t.Error(in.Consumed)
			}
		}},
	})
}

func TestLimits(t *testing.T) {
	lim := Limits{MaxRequestLine: 20, MaxHeaderBytes: 40, MaxHeaders: 2, MaxChunkSize: 4, MaxBody: 6}
	runCases(t, lim, Deviations{}, []icase{
		{name: "request-line at limit", raw: "GET /" + strings.Repeat("a", 6) + " HTTP/1.1\r\nHost: a\r\n\r\n", reqs: 1, offset: -1},
		{name: "request-line over limit", raw: "GET /" + strings.Repeat("a", 7) + " HTTP/1.1\r\nHost: a\r\n\r\n", status: 414, offset: -1},
		{name: "headers at field limit", raw: "GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\n\r\n", reqs: 1, offset: -1},
		{name: "headers over field limit", raw: "GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", status: 431, rule: "too many", offset: 28},
		{name: "header bytes at limit", raw: "GET / HTTP/1.0\r\nA: " + strings.Repeat("x", 33) + "\r\n\r\n", reqs: 1, offset: -1},
		{name: "header bytes over limit", raw: "GET / HTTP/1.0\r\nA: " + strings.Repeat("x", 34) + "\r\n\r\n", status: 431, offset: -1},
		{name: "chunk over limit", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n", status: 413, offset: -1},
		{name: "chunked body over limit", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nxxxx\r\n3\r\n", status: 413, offset: -1},
		{name: "CL over limit", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\n\r\n", status: 413, offset: -1},
	})
}

func TestCanonicalRoundTrip(t *testing.T) {
	raw := "POST /x?y HTTP/1.1\r\nHost: a\r\nX-A:  1 \r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n"
	in := Interpret([]byte(raw), Limits{})
	if len(in.Requests) != 1 {
		t.Fatal(in.Error)
	}
	c := in.Requests[0].Canonical()
	want := "POST /x?y HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nContent-Length: 3\r\n\r\nabc"
	if string(c) != want {
		t.Fatalf("canonical = %q", c)
	}
	back := Interpret(c, Limits{})
	if len(back.Requests) != 1 || !bytes.Equal(back.Requests[0].Body, []byte("abc")) {
		t.Fatalf("%+v", back)
	}
}

func TestParseErrorString(t *testing.T) {
	e := &ParseError{Status: 400, Reason: "r", Offset: 3, Rule: "x"}
	if e.Error() != "400 r at byte 3 (x)" {
		t.Error(e.Error())
	}
}

func TestObsFoldLinear(t *testing.T) {
	// 15000 continuation lines inside the default 64 KiB header budget.
	raw := "GET / HTTP/1.1\r\nHost: a\r\nX: a" + strings.Repeat("\r\n b", 15000) + "\r\n\r\n"
	start := time.Now()
	in := Interpret([]byte(raw), Limits{})
	if len(in.Requests) != 1 {
		t.Fatal(in.Error)
	}
	if v, _ := in.Requests[0].Get("X"); len(v) != 1+2*15000 {
		t.Errorf("folded value has %d bytes", len(v))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("obs-fold took %v", d)
	}
}

func TestDefaultLimitsAndGet(t *testing.T) {
	if (Limits{}).normalized() != DefaultLimits() {
		t.Error("zero Limits do not mean the defaults")
	}
	r := Request{Header: []Field{{"A", "1"}, {"b", "2"}, {"a", "3"}}}
	if v, ok := r.Get("a"); !ok || v != "1,3" {
		t.Error(v)
	}
	if _, ok := r.Get("c"); ok {
		t.Error("absent field found")
	}
}
