package reference

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/probes"
)

// Every parsing deviation must change what InterpretWith sees for some input that the
// conforming reference treats differently.
func TestParserDeviations(t *testing.T) {
	const post = "POST / HTTP/1.1\r\nHost: a\r\n"
	const te = post + "Transfer-Encoding: chunked\r\n\r\n"
	cases := []struct {
		dev    string
		raw    string
		normal func(in Interpretation) bool // holds for the conforming reference
		dev_   func(in Interpretation) bool // holds with the deviation
	}{
		{"AcceptObsFoldRaw", get[:len(get)-2] + "X: a\r\n b\r\n\r\n",
			func(in Interpretation) bool { v, _ := in.Requests[0].Get("X"); return v == "a b" },
			func(in Interpretation) bool { v, _ := in.Requests[0].Get("X"); return v == "a\r\n b" }},
		{"AcceptWhitespaceBeforeColon", get[:len(get)-2] + "X : 1\r\n\r\n", rejected(400),
			func(in Interpretation) bool { v, _ := in.Requests[0].Get("X"); return v == "1" }},
		{"AcceptInvalidFieldNames", get[:len(get)-2] + "X(1): 1\r\n\r\n", rejected(400), served(1)},
		{"AcceptBareCR", get[:len(get)-2] + "X: a\rb\r\n\r\n", rejected(400),
			func(in Interpretation) bool { v, _ := in.Requests[0].Get("X"); return v == "a\rb" }},
		{"AcceptNUL", get[:len(get)-2] + "X: a\x00b\r\n\r\n", rejected(400), served(1)},
		{"PreferContentLength", post + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n" + get, rejected(400),
			func(in Interpretation) bool { return string(in.Requests[0].Body) == "0\r\n" && !in.Requests[0].Close }},
		{"AcceptSignedContentLength", post + "Content-Length: +2\r\n\r\nab", rejected(400), served(1)},
		{"AcceptInvalidContentLengthList", post + "Content-Length: 2, 3\r\n\r\nab", rejected(400),
			func(in Interpretation) bool { return string(in.Requests[0].Body) == "ab" }},
		{"AcceptChunkSizePrefix", te + "0x2\r\nab\r\n 1 \r\nc\r\n+0\r\n\r\n", rejected(400),
			func(in Interpretation) bool { return string(in.Requests[0].Body) == "abc" }},
		{"ChunkSizeOverflowWraps", te + "10000000000000000\r\n\r\n", rejected(400), served(1)},
		{"IgnoreChunkCRLF", te + "2\r\nabXX0\r\n\r\n", rejected(400),
			func(in Interpretation) bool { return string(in.Requests[0].Body) == "ab" }},
		{"RejectChunkExtensions", te + "2;x=y\r\nab\r\n0\r\n\r\n", served(1), rejected(400)},
		{"MishandleTrailers", te + "0\r\nX-T: 1\r\n\r\n", served(1),
			func(in Interpretation) bool { return len(in.Requests) == 1 && in.Error != nil }},
		{"AcceptTENotFinalChunked", post + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", rejected(400), served(1)},
		{"TransferCodingServerError", post + "Transfer-Encoding: Chunked, chunked\r\n\r\n0\r\n\r\n", rejected(400), rejected(500)},
		{"NoChunkedSupport", te + "2\r\nab\r\n0\r\n\r\n", served(1),
			func(in Interpretation) bool {
				return len(in.Requests) == 1 && len(in.Requests[0].Body) == 0 && in.Error != nil
			}},
		{"AcceptMissingHost", "GET / HTTP/1.1\r\n\r\n", rejected(400), served(1)},
		{"AcceptDuplicateHost", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", rejected(400), served(1)},
		{"KeepHeaderWhitespace", get[:len(get)-2] + "X:  v \r\n\r\n",
			func(in Interpretation) bool { v, _ := in.Requests[0].Get("X"); return v == "v" },
			func(in Interpretation) bool { v, _ := in.Requests[0].Get("X"); return v == "  v " }},
		{"RejectAbsoluteForm", "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", served(1), rejected(400)},
		{"IgnoreConnectionClose", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + get, served(1), served(2)},
		{"KeepAliveHTTP10", "GET / HTTP/1.0\r\n\r\n" + get, served(1), served(2)},
		{"KeepTrailingWhitespace", get[:len(get)-2] + "X: \t v \t\r\n\r\n",
			func(in Interpretation) bool { v, _ := in.Requests[0].Get("X"); return v == "v" },
			func(in Interpretation) bool { v, _ := in.Requests[0].Get("X"); return v == "v \t" }},
		{"AcceptWhitespacePrecededLine", "GET / HTTP/1.1\r\n X-S: yes\r\nHost: a\r\n\r\n", rejected(400),
			func(in Interpretation) bool { v, _ := in.Requests[0].Get("X-S"); return served(1)(in) && v == "yes" }},
		{"AcceptInvalidHost", "GET / HTTP/1.1\r\nHost: bad host/path\r\n\r\n", rejected(400), served(1)},
		{"LenientRequestLine", "GET  /a b\tc  HTTP/1.1\r\nHost: a\r\n\r\n", rejected(400),
			func(in Interpretation) bool { return served(1)(in) && in.Requests[0].Target == "/a%20b%20c" }},
		{"ContentLengthWraps", post + "Content-Length: 18446744073709551618\r\n\r\nab", rejected(413),
			func(in Interpretation) bool { return served(1)(in) && string(in.Requests[0].Body) == "ab" }},
		{"ContentLengthDigitPrefix", post + "Content-Length: 2a\r\n\r\nab", rejected(400),
			func(in Interpretation) bool { return served(1)(in) && string(in.Requests[0].Body) == "ab" }},
		{"ContentLengthPythonInt", post + "Content-Length: 1_0\r\n\r\n0123456789", rejected(400),
			func(in Interpretation) bool { return served(1)(in) && string(in.Requests[0].Body) == "0123456789" }},
		{"CaseSensitiveCodings", post + "Transfer-Encoding: CHUNKED\r\n\r\n1\r\nx\r\n0\r\n\r\n",
			func(in Interpretation) bool { return served(1)(in) && string(in.Requests[0].Body) == "x" }, rejected(400)},
		{"ChunkSizeHexPrefix", te + "2g\r\nab\r\n0\r\n\r\n", rejected(400),
			func(in Interpretation) bool { return served(1)(in) && string(in.Requests[0].Body) == "ab" }},
		{"ChunkSizePythonInt", te + " 0x_1_0 ;x\r\n0123456789abcdef\r\n0\r\n\r\n", rejected(400),
			func(in Interpretation) bool {
				return served(1)(in) && string(in.Requests[0].Body) == "0123456789abcdef"
			}},
		{"RejectChunkExtensionBWS", te + "2 ;x=y\r\nab\r\n0\r\n\r\n",
			func(in Interpretation) bool { return served(1)(in) && string(in.Requests[0].Body) == "ab" }, rejected(400)},
		{"RejectExpect", post + "Expect: 100-continue\r\nContent-Length: 1\r\n\r\nx", served(1), rejected(417)},
		{"CloseAfterEachResponse", get + get, served(2),
			func(in Interpretation) bool { return served(1)(in) && in.Requests[0].Close }},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.dev] = true
		t.Run(c.dev, func(t *testing.T) {
			normal := Interpret([]byte(c.raw), Limits{})
			if !c.normal(normal) {
				t.Errorf("conforming: %+v", normal)
			}
			var dev Deviations
			if err := dev.Set(c.dev, ""); err != nil {
				t.Fatal(err)
			}
			deviated := InterpretWith([]byte(c.raw), Limits{}, dev)
			if !c.dev_(deviated) {
				t.Errorf("deviated: %+v err %v", deviated, deviated.Error)
			}
		})
	}
	// The list above covers every parsing deviation.
	for _, name := range []string{"AcceptObsFoldRaw", "AcceptWhitespaceBeforeColon", "AcceptInvalidFieldNames", "AcceptBareCR",
		"AcceptNUL", "PreferContentLength", "AcceptSignedContentLength", "AcceptInvalidContentLengthList", "AcceptChunkSizePrefix",
		"ChunkSizeOverflowWraps", "IgnoreChunkCRLF", "RejectChunkExtensions", "MishandleTrailers", "AcceptTENotFinalChunked",
		"TransferCodingServerError", "NoChunkedSupport", "AcceptMissingHost", "AcceptDuplicateHost", "KeepHeaderWhitespace", "RejectAbsoluteForm",
		"IgnoreConnectionClose", "KeepAliveHTTP10", "KeepTrailingWhitespace", "AcceptWhitespacePrecededLine",
		"AcceptInvalidHost", "LenientRequestLine", "ContentLengthWraps", "ContentLengthDigitPrefix", "ContentLengthPythonInt",
		"CaseSensitiveCodings", "ChunkSizeHexPrefix", "ChunkSizePythonInt", "RejectChunkExtensionBWS", "RejectExpect",
		"CloseAfterEachResponse"} {
		if !seen[name] {
			t.Errorf("%s not tested", name)
		}
	}
}

func rejected(status int) func(Interpretation) bool {
	return func(in Interpretation) bool {
		return len(in.Requests) == 0 && in.Error != nil && in.Error.Status == status
	}
}

func served(n int) func(Interpretation) bool {
	return func(in Interpretation) bool { return len(in.Requests) == n && in.Error == nil && !in.Incomplete }
}

func TestDeviationsSet(t *testing.T) {
	var d Deviations
	if d.Any() {
		t.Error("zero value has deviations")
	}
	if err := d.Set("BytesEnviron", "PATH_INFO"); err != nil || d.BytesEnviron != "PATH_INFO" {
		t.Error(err)
	}
	if err := d.Set("DropEnviron", "A,B"); err != nil || !reflect.DeepEqual(d.DropEnviron, []string{"A", "B"}) {
		t.Error(err)
	}
	if err := d.Set("Nope", ""); err == nil {
		t.Error("unknown deviation accepted")
	}
	if err := d.Set("AcceptNUL", "maybe"); err == nil {
		t.Error("bad boolean accepted")
	}
	if !d.Any() || len(DeviationNames()) < 55 {
		t.Error(len(DeviationNames()))
	}
}

// deviated starts a reference with one deviation.
func deviated(t *testing.T, name, value string) *Running {
	t.Helper()
	var d Deviations
	if err := d.Set(name, value); err != nil {
		t.Fatal(err)
	}
	return startServer(t, Options{Deviations: d, IdleTimeout: 700 * time.Millisecond})
}

// rawExchange sends raw and returns every byte the server sends until it closes or goes
// quiet for quiet.
func rawExchange(t *testing.T, r *Running, raw string, quiet time.Duration) string {
	t.Helper()
	nc, err := net.Dial("tcp", r.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	io.WriteString(nc, raw)
	var out []byte
	buf := make([]byte, 4096)
	for {
		nc.SetReadDeadline(time.Now().Add(quiet))
		n, err := nc.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return string(out)
		}
	}
}

func TestEnvironDeviations(t *testing.T) {
	type check func(t *testing.T, res *resp)
	env := func(key, typ, value string) check {
		return func(t *testing.T, res *resp) {
			t.Helper()
			e := res.echo(t)
			v, ok := e.Env(key)
			switch {
			case typ == "" && ok:
				t.Errorf("%s present: %+v", key, v)
			case typ != "" && (!ok || v.Type != typ || value != "" && v.Value != value):
				t.Errorf("%s = %+v (present %v), want %s %q", key, v, ok, typ, value)
			}
		}
	}
	req := getReq("/caf%C3%A9%E2%98%83?x=%20y", "X_Under: u\r\nX-Dup: a\r\nX-Dup: b\r\nContent-Type: t/p\r\n")
	post := func(mode, body string) string {
		return "POST /?read=" + mode + " HTTP/1.1\r\nHost: a\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}
	inputBody := func(body, errText string) check {
		return func(t *testing.T, res *resp) {
			t.Helper()
			if in := res.echo(t).Input; string(in.Body()) != body || in.Error != errText {
				t.Errorf("input %q, error %q; want %q, %q", in.Body(), in.Error, body, errText)
			}
		}
	}
	inputMethod := func(method, errText string, has bool) check {
		return func(t *testing.T, res *resp) {
			t.Helper()
			if e := res.echo(t); e.Input.Error != errText || e.InputMethods[method] != has {
				t.Errorf("input error %q, has %s %v; want %q, %v", e.Input.Error, method, e.InputMethods[method], errText, has)
			}
		}
	}
	cases := []struct {
		dev, value string
		raw        string
		conform    check
		deviated   check
	}{
		{"KeepUnderscoreHeaders", "", req, env("HTTP_X_UNDER", "", ""), env("HTTP_X_UNDER", "str", "u")},
		{"RepeatedHeaderKeepLast", "", req, env("HTTP_X_DUP", "str", "a,b"), env("HTTP_X_DUP", "str", "b")},
		{"HTTPContentHeaders", "", req, env("HTTP_CONTENT_TYPE", "", ""), env("HTTP_CONTENT_TYPE", "str", "t/p")},
		{"PathInfoUTF8", "", req, env("PATH_INFO", "str", latin1("/caf\xc3\xa9\xe2\x98\x83")), env("PATH_INFO", "str", "/café☃")},
		{"PathInfoUndecoded", "", req, env("PATH_INFO", "str", latin1("/caf\xc3\xa9\xe2\x98\x83")), env("PATH_INFO", "str", "/caf%C3%A9%E2%98%83")},
		{"QueryStringDecoded", "", req, env("QUERY_STRING", "str", "x=%20y"), env("QUERY_STRING", "str", "x= y")},
		{"AbsoluteFormRaw", "", "GET http://h/p HTTP/1.1\r\nHost: h\r\n\r\n", env("PATH_INFO", "str", "/p"), env("PATH_INFO", "str", "http://h/p")},
		{"ServerProtocolFixed", "", "GET / HTTP/1.0\r\n\r\n", env("SERVER_PROTOCOL", "str", "HTTP/1.0"), env("SERVER_PROTOCOL", "str", "HTTP/1.1")},
		{"BytesEnviron", "PATH_INFO", req, env("PATH_INFO", "str", ""), env("PATH_INFO", "bytes", `b'/caf\xc3\xa9\xe2\x98\x83'`)},
		{"DropEnviron", "SERVER_NAME,wsgi.errors", req, env("wsgi.errors", "ReferenceErrors", ""), env("wsgi.errors", "", "")},
		{"WSGIVersionList", "", req, env("wsgi.version", "tuple", "(1, 0)"), env("wsgi.version", "list", "[1, 0]")},
		{"FlagsAsInt", "", req, env("wsgi.run_once", "bool", "False"), env("wsgi.run_once", "int", "0")},
		{"EmptyServerPort", "", req, func(t *testing.T, res *resp) {
			if v, _ := res.echo(t).Env("SERVER_PORT"); v.Value == "" {
				t.Error("empty SERVER_PORT")
			}
		}, env("SERVER_PORT", "str", "")},
		{"DenyMultithread", "", req, env("wsgi.multithread", "bool", "True"), env("wsgi.multithread", "bool", "False")},
		{"Serialise", "", req, env("wsgi.multithread", "bool", "True"), env("wsgi.multithread", "bool", "True")},
		{"NoInputTerminated", "", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
			func(t *testing.T, res *resp) {
				if e := res.echo(t); e.Input.Length != 1 {
					t.Errorf("input %+v", e.Input)
				}
			},
			func(t *testing.T, res *resp) {
				// The probe still reads a body whose final coding is chunked; what the
				// deviation takes away is the announcement.
				if e := res.echo(t); e.Input.Length != 1 || e.Input.Blocked {
					t.Errorf("input %+v", e.Input)
				}
				env("wsgi.input_terminated", "", "")(t, res)
			}},
		{"NoFileWrapper", "", getReq("/__conform__/file-wrapper?size=10"),
			func(t *testing.T, res *resp) {
				if res.Header.Get("X-Conform-File-Wrapper") != "used" {
					t.Error(res.Header)
				}
			},
			func(t *testing.T, res *resp) {
				if res.Header.Get("X-Conform-File-Wrapper") != "absent" || len(res.body) != 10 {
					t.Error(res.Header)
				}
			}},
		{"NoEOFSimulation", "", "POST /?eof=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx",
			func(t *testing.T, res *resp) {
				if e := res.echo(t); *e.Input.AfterEOF != 0 {
					t.Error(*e.Input.AfterEOF)
				}
			},
			func(t *testing.T, res *resp) {
				if e := res.echo(t); *e.Input.AfterEOF != 1 {
					t.Error(*e.Input.AfterEOF)
				}
			}},
		{"InputNoReadline", "", "POST /?read=readline HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx",
			func(t *testing.T, res *resp) {
				if e := res.echo(t); e.Input.Error != "" || !e.InputMethods["readline"] {
					t.Error(e.Input)
				}
			},
			func(t *testing.T, res *resp) {
				if e := res.echo(t); !strings.HasPrefix(e.Input.Error, "AttributeError") || e.InputMethods["readline"] {
					t.Error(e.Input)
				}
			}},
		{"UnknownMethodAsGET", "", "PROPFIND / HTTP/1.1\r\nHost: a\r\n\r\n", env("REQUEST_METHOD", "str", "PROPFIND"), env("REQUEST_METHOD", "str", "GET")},
		{"HeaderValuesUTF8", "", getReq("/", "X-Utf8: caf\xc3\xa9\r\n"), env("HTTP_X_UTF8", "str", latin1("caf\xc3\xa9")), env("HTTP_X_UTF8", "str", "café")},
		{"AddDefaultHeaders", "", req, env("HTTP_ACCEPT", "", ""), env("HTTP_ACCEPT", "str", "*/*")},
		{"ContentLengthListVerbatim", "", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\nx", env("CONTENT_LENGTH", "str", "1"), env("CONTENT_LENGTH", "str", "1, 1")},
		{"WrongURLScheme", "", req, env("wsgi.url_scheme", "str", "http"), env("wsgi.url_scheme", "str", "https")},
		{"ScriptNameSlash", "", req, func(t *testing.T, res *resp) {
			if v := envStr(t, res.echo(t), "SCRIPT_NAME"); v != "" {
				t.Errorf("SCRIPT_NAME %q", v)
			}
		}, env("SCRIPT_NAME", "str", "/")},
		{"InputTextMode", "", post("read", "a\r\nb"), inputBody("a\r\nb", ""), inputBody("a\nb", "")},
		{"ReadRequiresSize", "", post("read", "abc"), inputBody("abc", ""), inputBody("", "TypeError: read() missing 1 required positional argument: 'size'")},
		{"ReadIgnoresSize", "", post("readn:1", "abc"),
			func(t *testing.T, res *resp) {
				if in := res.echo(t).Input; len(in.Calls) != 3 || in.Calls[0].Got != 1 {
					t.Errorf("calls %+v", in.Calls)
				}
			},
			func(t *testing.T, res *resp) {
				if in := res.echo(t).Input; len(in.Calls) != 1 || in.Calls[0].Got != 3 {
					t.Errorf("calls %+v", in.Calls)
				}
			}},
		// readline() asks past a body that does not end in LF: the pipelined request follows.
		{"InputReadsConnection", "", "POST /?read=readline HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nabGET / HTTP/1.1\r\nHost: a\r\n\r\n",
			func(t *testing.T, res *resp) {
				if in := res.echo(t).Input; in.Length != 2 || string(in.Body()) != "ab" || res.Close {
					t.Errorf("input %+v, close %v", in, res.Close)
				}
			},
			func(t *testing.T, res *resp) {
				if in := res.echo(t).Input; string(in.Body()) != "abGET / HTTP/1.1\r\n" || !res.Close {
					t.Errorf("input %+v, close %v", in, res.Close)
				}
			}},
		{"InputNoReadlines", "", post("readlines", "a\nb"), inputMethod("readlines", "", true),
			inputMethod("readlines", "AttributeError: 'ReferenceInput' object has no attribute 'readlines'", false)},
		{"InputNotIterable", "", post("iter", "a\nb"), inputMethod("__iter__", "", true),
			inputMethod("__iter__", "TypeError: 'ReferenceInput' object is not iterable", false)},
		{"ErrorsStreamRejectsUnicode", "", getReq("/__conform__/errors"),
			func(t *testing.T, res *resp) {
				if res.echo(t).ResultString("write") != "ok" {
					t.Error("write")
				}
			},
			func(t *testing.T, res *resp) {
				if !strings.HasPrefix(res.echo(t).ResultString("write"), "TypeError") {
					t.Error("write")
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.dev, func(t *testing.T) {
			method, _, _ := strings.Cut(c.raw, " ")
			conf := startServer(t, Options{})
			cl := dial(t, conf)
			cl.send(c.raw)
			c.conform(t, cl.read(method))
			r := deviated(t, c.dev, c.value)
			cl = dial(t, r)
			cl.send(c.raw)
			c.deviated(t, cl.read(method))
		})
	}
}

func TestResponseDeviations(t *testing.T) {
	conf := startServer(t, Options{})
	quiet := 300 * time.Millisecond
	type check func(t *testing.T, out string)
	has := func(s string) check {
		return func(t *testing.T, out string) {
			t.Helper()
			if !strings.Contains(out, s) {
				t.Errorf("response lacks %q: %q", s, trunc(out))
			}
		}
	}
	lacks := func(s string) check {
		return func(t *testing.T, out string) {
			t.Helper()
			if strings.Contains(out, s) {
				t.Errorf("response has %q: %q", s, trunc(out))
			}
		}
	}
	sc := func(s string, extra ...string) string { return getReq("/__conform__/"+s, extra...) }
	before := func(first, second string) check {
		return func(t *testing.T, out string) {
			t.Helper()
			if i, j := strings.Index(out, first), strings.Index(out, second); i < 0 || j < 0 || i > j {
				t.Errorf("want %q before %q: %q", first, second, trunc(out))
			}
		}
	}
	cases := []struct {
		dev, raw          string
		conform, deviated check
	}{
		{"SecondStartResponseAllowed", sc("start-response-twice"), has(`"second_call":"raised"`), all(has("HTTP/1.1 299 Second"), has(`"second_call":"returned"`))},
		{"ExcInfoBeforeHeadersIgnored", sc("exc-info-before-headers"), has("X-Conform-Call: second"), all(has("HTTP/1.1 200 OK"), has("X-Conform-Call: first"))},
		{"ExcInfoAfterHeadersReturns", sc("exc-info-after-headers"), has("raised ValueError same=True"), has("returned\n")},
		{"SendHeadersEarly", sc("empty-then-error"), has("HTTP/1.1 500"), all(has("HTTP/1.1 200 OK"), lacks("HTTP/1.1 500"))},
		{"NoStartResponseOK", sc("no-start-response"), has("HTTP/1.1 500"), all(has("HTTP/1.1 200 OK"), has("no start_response was called"))},
		{"WriteCallableBroken", sc("write-then-iterable"), has("write-part;"), all(lacks("write-part;"), has("iterable-part"))},
		{"ContentLengthOverrun", sc("content-length?declared=5&actual=10"), lacks("xxxxxx"), has("xxxxxxxxxxyyyyyyyy")},
		{"AllowHeaderCRLF", sc("header-value?value=a%0D%0AX-Injected:%201"), all(has("HTTP/1.1 500"), lacks("\r\nX-Injected: 1\r\n")), all(has("HTTP/1.1 200"), has("\r\nX-Injected: 1\r\n"))},
		{"AllowHopByHop", sc("hop-by-hop?name=Upgrade&value=h2c"), lacks("\r\nUpgrade: h2c\r\n"), has("\r\nUpgrade: h2c\r\n")},
		{"BodyOnHEAD", "HEAD /__conform__/status?code=200&body=abc HTTP/1.1\r\nHost: a\r\n\r\n", lacks("abc"), has("abc")},
		{"BodyOn204", sc("status?code=204&body=abc"), lacks("abc"), has("abc")},
		{"NoDate", sc("status?code=200"), has("\r\nDate: "), lacks("\r\nDate: ")},
		{"ChunkedToHTTP10", "GET /__conform__/no-content-length HTTP/1.0\r\n\r\n", lacks("chunked"), has("Transfer-Encoding: chunked")},
		{"IgnoreConnectionClose", getReq("/__conform__/status?code=200", "Connection: close\r\n") + getReq("/__conform__/status?code=201"), lacks("201 Created"), all(lacks("Connection: close"), has("201 Created"))},
		{"KeepAliveHTTP10", "GET /__conform__/status?code=200 HTTP/1.0\r\n\r\n" + getReq("/__conform__/status?code=201"), lacks("201 Created"), has("201 Created")},
		{"NoExpectContinue", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", has("100 Continue"), lacks("100 Continue")},
		{"ExcInfoAfterHeadersRaisesOther", sc("exc-info-after-headers"), has("raised ValueError same=True"), has("raised OSError same=False")},
		{"RequireEarlyStartResponse", sc("lazy-start"), all(has("HTTP/1.1 200 OK"), has("lazy-start\n")), all(has("HTTP/1.1 500"), lacks("lazy-start\n"))},
		{"BodyOn304", sc("status?code=304&body=abc"), lacks("abc"), has("abc")},
		{"UndelimitedBody", sc("no-content-length"), has("Transfer-Encoding: chunked"),
			all(has("\r\n\r\nblock-0\nblock-1\n"), lacks("Transfer-Encoding"), lacks("Content-Length"), lacks("Connection: close"))},
		{"TranslateNewlines", sc("file-wrapper?size=16"), has("\x0b\x0c\r\x0e"), all(has("\x0b\x0c\n\x0e"), lacks("\x0c\r"))},
		{"SilentClose", sc("status?code=200") + sc("status?code=201"), has("201 Created"), all(lacks("201 Created"), lacks("Connection: close"))},
		{"PipelineOutOfOrder", sc("sleep?ms=250") + sc("status?code=201"), before(`"slept_ms"`, "201 Created"), before("201 Created", `"slept_ms"`)},
		// A held response still goes out when a later pipelined request is rejected.
		{"PipelineOutOfOrder", sc("status?code=201") + "BAD\r\n\r\n", before("201 Created", "400 Bad Request"), before("201 Created", "400 Bad Request")},
	}
	for _, c := range cases {
		t.Run(c.dev, func(t *testing.T) {
			c.conform(t, rawExchange(t, conf, c.raw, quiet))
			c.deviated(t, rawExchange(t, deviated(t, c.dev, ""), c.raw, quiet))
		})
	}
}

func all(cs ...func(*testing.T, string)) func(*testing.T, string) {
	return func(t *testing.T, out string) {
		t.Helper()
		for _, c := range cs {
			c(t, out)
		}
	}
}

func trunc(s string) string {
	if len(s) > 400 {
		return s[:400] + "..."
	}
	return s
}

func TestDeviationContentLengthShortKeepAlive(t *testing.T) {
	for _, dev := range []bool{false, true} {
		opt := Options{IdleTimeout: 5 * time.Second}
		opt.Deviations.ContentLengthShortKeepAlive = dev
		r := startServer(t, opt)
		c := dial(t, r)
		c.send(getReq("/__conform__/content-length?declared=5&actual=3"))
		if _, err := http.ReadResponse(c.br, nil); err != nil {
			t.Fatal(err)
		}
		c.nc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		b, err := io.ReadAll(c.br)
		timedOut := err != nil && strings.Contains(err.Error(), "timeout")
		if string(b) != "xxx" || timedOut != dev {
			t.Errorf("deviation %v: %q %v", dev, b, err)
		}
	}
}

func TestDeviationSkipClose(t *testing.T) {
	r := deviated(t, "SkipClose", "")
	res := roundTrip(t, r, getReq("/__conform__/close?token=skip"))
	if res.StatusCode != 200 {
		t.Fatal(res.StatusCode)
	}
	time.Sleep(200 * time.Millisecond)
	e := roundTrip(t, r, getReq("/__conform__/close-status?token=skip")).echo(t)
	if e.Result["closed"] != false {
		t.Error("close() called")
	}
	if _, err := filepath.Glob(filepath.Join(r.Server.opt.StateDir, "*")); err != nil {
		t.Error(err)
	}
}

func TestDeviationBufferStreamedBody(t *testing.T) {
	for _, dev := range []bool{false, true} {
		opt := Options{}
		opt.Deviations.BufferStreamedBody = dev
		r := startServer(t, opt)
		c := dial(t, r)
		start := time.Now()
		c.send(getReq("/__conform__/stream?chunks=3&delay_ms=200&size=8"))
		res, err := http.ReadResponse(c.br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 8)
		io.ReadFull(res.Body, b)
		late := time.Since(start) > 350*time.Millisecond
		if late != dev || string(b) != "0:.....\n" {
			t.Errorf("deviation %v: first block %q after %v", dev, b, time.Since(start))
		}
	}
}

func TestDeviationSerialise(t *testing.T) {
	for _, dev := range []bool{false, true} {
		opt := Options{}
		opt.Deviations.Serialise = dev
		r := startServer(t, opt)
		start := time.Now()
		var wg sync.WaitGroup
		var mu sync.Mutex
		threads := map[int64]bool{}
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				nc, err := net.Dial("tcp", r.Addr)
				if err != nil {
					t.Error(err)
					return
				}
				defer nc.Close()
				io.WriteString(nc, getReq("/__conform__/sleep?ms=200"))
				res, err := http.ReadResponse(bufio.NewReader(nc), nil)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(res.Body)
				if e, err := probes.Decode(b); err == nil {
					mu.Lock()
					threads[e.Thread] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if serial := time.Since(start) >= 550*time.Millisecond; serial != dev {
			t.Errorf("Serialise=%v: 3 sleeps of 200ms took %v", dev, time.Since(start))
		}
		// A serialising server runs every request on its one thread.
		if one := len(threads) == 1; one != dev {
			t.Errorf("Serialise=%v: threads %v", dev, threads)
		}
	}
}

func TestDeviationDenyMultiprocess(t *testing.T) {
	for _, dev := range []bool{false, true} {
		opt := Options{}
		opt.Deviations.DenyMultiprocess = dev
		r := startServer(t, opt)
		pids := map[int]bool{}
		for i := 0; i < 2; i++ { // two connections
			e := roundTrip(t, r, getReq("/")).echo(t)
			pids[e.PID] = true
			if v, _ := e.Env("wsgi.multiprocess"); v.Value != "False" {
				t.Errorf("wsgi.multiprocess %+v", v)
			}
		}
		if two := len(pids) == 2; two != dev {
			t.Errorf("DenyMultiprocess=%v: pids %v", dev, pids)
		}
	}
}

func TestDeviationSingleConnection(t *testing.T) {
	for _, dev := range []bool{false, true} {
		opt := Options{}
		opt.Deviations.SingleConnection = dev
		r := startServer(t, opt)
		slow := dial(t, r)
		slow.send("GET / HTTP/1.1\r\n") // stalls in its header section
		time.Sleep(100 * time.Millisecond)
		other := dial(t, r)
		other.send(getReq("/", "Connection: close\r\n"))
		other.nc.SetReadDeadline(time.Now().Add(400 * time.Millisecond))
		_, err := other.br.Peek(1)
		if blocked := err != nil; blocked != dev {
			t.Errorf("SingleConnection=%v: other client blocked %v (%v)", dev, blocked, err)
		}
		slow.send("Host: a\r\nConnection: close\r\n\r\n")
		slow.read("GET")
		other.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if res := other.read("GET"); res.StatusCode != 200 {
			t.Errorf("other client: %d", res.StatusCode)
		}
	}
}

// pyInt is Python's int(s, base), which ContentLengthPythonInt and ChunkSizePythonInt use.
func TestPyInt(t *testing.T) {
	for _, c := range []struct {
		s        string
		base     int
		v        uint64
		neg, big bool
		ok       bool
	}{
		{"10", 10, 10, false, false, true},
		{" 1_0\t", 10, 10, false, false, true},
		{"+5", 10, 5, false, false, true},
		{"-1", 10, 1, true, false, true},
		{"007", 10, 7, false, false, true},
		{"18446744073709551616", 10, 0, false, true, true},
		{"0x_1_f", 16, 31, false, false, true},
		{"FF", 16, 255, false, false, true},
		{"", 10, 0, false, false, false},
		{"_1", 10, 0, false, false, false},
		{"1_", 10, 0, false, false, false},
		{"1__0", 10, 0, false, false, false},
		{"5a", 10, 0, false, false, false},
		{"0x", 16, 0, false, false, false},
		{"0x5", 10, 0, false, false, false},
		{"+-5", 10, 0, false, false, false},
		{"1 0", 10, 0, false, false, false},
	} {
		v, neg, big, ok := pyInt([]byte(c.s), c.base)
		if ok != c.ok || ok && (v != c.v && !big || neg != c.neg || big != c.big) {
			t.Errorf("pyInt(%q, %d) = %d, %v, %v, %v", c.s, c.base, v, neg, big, ok)
		}
	}
}
