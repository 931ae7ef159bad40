package spec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// judgeCase is one recorded observation and the outcome a check's Judge must reach on it.
type judgeCase struct {
	id   string
	name string
	want Outcome
	obs  func() *Observation
	// has lists text the verdict message must contain: the offending value, the status
	// the server sent, what the server should have done.
	has []string
	// proof: the verdict must be one no timing noise can produce (Verdict.Proof).
	proof bool
}

// behindFront is the observation of a server behind a front that adds fields.
func behindFront(fields []string, o func() *Observation) func() *Observation {
	return func() *Observation {
		ob := o()
		ob.FrontFields = fields
		return ob
	}
}

// proving marks a case whose verdict must carry Verdict.Proof.
func proving(c judgeCase) judgeCase {
	c.proof = true
	return c
}

func fails(id, name string, o func() *Observation, has ...string) judgeCase {
	return judgeCase{id: id, name: name, want: Violates, obs: o, has: has}
}

func passes(id, name string, o func() *Observation, has ...string) judgeCase {
	return judgeCase{id: id, name: name, want: Conforms, obs: o, has: has}
}

func gives(want Outcome, id, name string, o func() *Observation, has ...string) judgeCase {
	return judgeCase{id: id, name: name, want: want, obs: o, has: has}
}

// answered: the server sent `received` in answer to req (one response awaited, lingering).
func answered(req []byte, received string, closed bool) func() *Observation {
	return func() *Observation { return obs(exch(req, received, closed)) }
}

// echoed: the server served req and the probe answered with its echo of (method, path,
// query) as changed by opts; the connection stays open.
func echoed(req []byte, method, path, query string, opts ...echoOpt) func() *Observation {
	return answered(req, okEcho(method, path, query, opts...), false)
}

// piped: requests sent back to back, n responses awaited (pipeline).
func piped(n int, req []byte, received string, closed bool) func() *Observation {
	return func() *Observation { return obs(pipe(n, req, received, closed)) }
}

var outcomeNames = map[Outcome]string{Conforms: "Conforms", Violates: "Violates", Observed: "Observed", Inconclusive: "Inconclusive", NotApplicable: "NotApplicable"}

// outcomeName names an outcome for test messages.
func outcomeName(o Outcome) string {
	if s, ok := outcomeNames[o]; ok {
		return s
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// moreJudgeCases holds the case builders of the test files that declare their own (one per
// family of checks, next to the file that registers the checks).
var moreJudgeCases []func() []judgeCase

func judgeCases() []judgeCase {
	var all []judgeCase
	for _, group := range [][]judgeCase{environCases(), inputCases(), startResponseCases(), responseCases(), connectionCases(), fieldCases(), framingCases(), concurrencyCases()} {
		all = append(all, group...)
	}
	for _, more := range moreJudgeCases {
		all = append(all, more()...)
	}
	return all
}

// TestJudges runs every recorded case through its check's Judge.
func TestJudges(t *testing.T) {
	for _, tc := range judgeCases() {
		tc := tc
		t.Run(tc.id+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			c, ok := Lookup(tc.id)
			if !ok {
				t.Fatalf("no check %s in the catalog: the case is stale", tc.id)
			}
			v := c.Judge(tc.obs())
			t.Logf("%s: %s", outcomeName(v.Outcome), v.Message)
			if v.Outcome != tc.want {
				t.Fatalf("outcome %s, want %s; message: %s", outcomeName(v.Outcome), outcomeName(tc.want), v.Message)
			}
			if strings.TrimSpace(v.Message) == "" {
				t.Fatalf("%s with an empty message", outcomeName(v.Outcome))
			}
			if v.Proof != tc.proof {
				t.Errorf("proof %v, want %v: only what no load can cause may stand over other trials", v.Proof, tc.proof)
			}
			for _, s := range tc.has {
				if !strings.Contains(v.Message, s) {
					t.Errorf("message does not mention %q:\n  %s", s, v.Message)
				}
			}
		})
	}
}

// TestEveryCheckHasFailingAndPassingCase keeps a check from landing without a recorded
// observation it fails on and one it passes on.
func TestEveryCheckHasFailingAndPassingCase(t *testing.T) {
	have := map[string]map[Outcome]bool{}
	for _, tc := range judgeCases() {
		if have[tc.id] == nil {
			have[tc.id] = map[Outcome]bool{}
		}
		have[tc.id][tc.want] = true
	}
	for _, c := range All() {
		var missing []string
		if !have[c.ID][Violates] {
			missing = append(missing, "a failing (Violates) case")
		}
		if !have[c.ID][Conforms] {
			missing = append(missing, "a passing (Conforms) case")
		}
		if len(missing) > 0 {
			t.Errorf("%s has no %s in judgeCases (spec/judge_test.go)", c.ID, strings.Join(missing, " and no "))
		}
	}
	if n := len(All()); n == 0 {
		t.Fatal("empty catalog")
	}
}

// ---------------------------------------------------------------------------------------
// environ

func environCases() []judgeCase {
	t := recTarget
	const (
		required = "pep3333/environ/required-cgi-variables"
		port     = "pep3333/environ/server-name-port"
	)
	reqRequired := t.get("/required/path?q=1", "Content-Type: text/plain")
	reqRoot := t.get("/")
	reqNative := t.post("/native?x=1", "body", "Content-Type: text/plain", "X-Header: v")
	nativeEnv := env("CONTENT_TYPE", "text/plain", "CONTENT_LENGTH", "4", "HTTP_X_HEADER", "v")
	reqUTF8 := t.get("/caf%C3%A9?q=%E2%98%83", "X-Utf8: caf\xc3\xa9 \xe2\x98\x83")
	reqContent := t.post("/content", "0123456789", "Content-Type: text/x-conform")
	contentEnv := env("CONTENT_TYPE", "text/x-conform", "CONTENT_LENGTH", "10")
	reqOWS := t.get("/ows", "X-Padded: \t  value with  inner  space \t ")
	reqRep := t.get("/rep", "X-Rep: one", "X-Rep: two", "X-Rep: three")
	reqUnder := t.get("/under", "X-Conform-Auth: from-dash", "X_Conform_Auth: from-underscore")
	reqAbs := t.request("GET http://127.0.0.1:8000/abs/path?q=1 HTTP/1.1")
	reqProto := t.request("GET /proto HTTP/1.0", "Connection: close")
	reqProto11 := t.request("GET /proto HTTP/1.1", "Connection: close")
	onPort := func(received string) func() *Observation {
		return func() *Observation {
			c := exch(t.get("/"), received, false)
			c.Addr = "127.0.0.1:8000"
			return obs(c)
		}
	}
	return []judgeCase{
		passes(required, "all present", echoed(reqRequired, "GET", "/required/path", "q=1", env("CONTENT_TYPE", "text/plain"))),
		fails(required, "query and content type omitted", echoed(reqRequired, "GET", "/required/path", "q=1", drop("QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH")), "QUERY_STRING", "CONTENT_TYPE"),
		gives(Inconclusive, required, "probe not reached", answered(reqRequired, textResp("404 Not Found", "Not Found"), false), "404"),

		passes("pep3333/environ/wsgi-variables", "all seven", echoed(reqRoot, "GET", "/", "")),
		fails("pep3333/environ/wsgi-variables", "errors and run_once missing", echoed(reqRoot, "GET", "/", "", drop("wsgi.errors", "wsgi.run_once")), "wsgi.errors", "wsgi.run_once"),

		passes("pep3333/environ/cgi-values-native-str", "str everywhere, OS variables and wsgi.* untyped", echoed(reqNative, "POST", "/native", "x=1", nativeEnv, input("auto", "body"))),
		fails("pep3333/environ/cgi-values-native-str", "SERVER_PORT int and a header as bytes", echoed(reqNative, "POST", "/native", "x=1", nativeEnv, input("auto", "body"),
			env("SERVER_PORT", envObj("int", "8000"), "HTTP_X_HEADER", probes.EnvValue{Type: "bytes", Value: "b'v'", B64: "dg=="})), "SERVER_PORT is int", "HTTP_X_HEADER is bytes"),

		passes("pep3333/environ/strings-latin1", "UTF-8 bytes carried as latin-1", echoed(reqUTF8, "GET", "/caf\xc3\xa9", "q=%E2%98%83", env("HTTP_X_UTF8", "caf\xc3\xa9 \xe2\x98\x83"))),
		fails("pep3333/environ/strings-latin1", "header decoded as UTF-8", echoed(reqUTF8, "GET", "/caf\xc3\xa9", "q=%E2%98%83", env("HTTP_X_UTF8", envStr("café ☃"))), "HTTP_X_UTF8", `\u2603`),

		passes("pep3333/environ/wsgi-version", "(1, 0)", echoed(reqRoot, "GET", "/", "")),
		fails("pep3333/environ/wsgi-version", "(1, 1)", echoed(reqRoot, "GET", "/", "", env("wsgi.version", envObj("tuple", "(1, 1)"))), "(1, 1)"),
		fails("pep3333/environ/wsgi-version", "a list", echoed(reqRoot, "GET", "/", "", env("wsgi.version", envObj("list", "[1, 0]"))), "list [1, 0]"),

		passes("pep3333/environ/url-scheme", "http", echoed(reqRoot, "GET", "/", "")),
		fails("pep3333/environ/url-scheme", "https on plain TCP", echoed(reqRoot, "GET", "/", "", env("wsgi.url_scheme", "https")), "wsgi.url_scheme='https'"),

		passes("pep3333/environ/flags-are-bool", "bools", echoed(reqRoot, "GET", "/", "")),
		fails("pep3333/environ/flags-are-bool", "ints", echoed(reqRoot, "GET", "/", "", env("wsgi.multithread", envObj("int", "1"), "wsgi.run_once", envObj("int", "0"))), "wsgi.multithread=1 (int)", "wsgi.run_once=0 (int)"),

		passes(port, "name and the port connected to", onPort(okEcho("GET", "/", "")), `SERVER_PORT="8000"`),
		fails(port, "empty SERVER_NAME", onPort(okEcho("GET", "/", "", env("SERVER_NAME", ""))), "SERVER_NAME=''"),
		fails(port, "port of the default vhost, not the one connected to", onPort(okEcho("GET", "/", "", env("SERVER_PORT", "80"))), `"80"`, "port 8000"),

		passes("pep3333/environ/server-protocol", "both versions", func() *Observation {
			return obs(exch(reqProto, okEcho("GET", "/proto", "", env("SERVER_PROTOCOL", "HTTP/1.0")), true), exch(reqProto11, okEcho("GET", "/proto", ""), true))
		}),
		fails("pep3333/environ/server-protocol", "the server's own version", func() *Observation {
			return obs(exch(reqProto, okEcho("GET", "/proto", ""), true), exch(reqProto11, okEcho("GET", "/proto", ""), true))
		}, "an HTTP/1.0 request reached the app with SERVER_PROTOCOL='HTTP/1.1'"),
		// eventlet 0.33: SERVER_PROTOCOL is always 'HTTP/1.0'.
		fails("pep3333/environ/server-protocol", "hard-coded HTTP/1.0 (eventlet)", func() *Observation {
			return obs(exch(reqProto, okEcho("GET", "/proto", "", env("SERVER_PROTOCOL", "HTTP/1.0")), true), exch(reqProto11, okEcho("GET", "/proto", "", env("SERVER_PROTOCOL", "HTTP/1.0")), true))
		}, "an HTTP/1.1 request reached the app with SERVER_PROTOCOL='HTTP/1.0'"),

		passes("pep3333/environ/request-method", "PROPFIND", echoed(t.request("PROPFIND /method HTTP/1.1"), "PROPFIND", "/method", "")),
		fails("pep3333/environ/request-method", "bytes", echoed(t.request("PROPFIND /method HTTP/1.1"), "PROPFIND", "/method", "",
			env("REQUEST_METHOD", probes.EnvValue{Type: "bytes", Value: "b'PROPFIND'", B64: "UFJPUEZJTkQ="})), "REQUEST_METHOD=b'PROPFIND' (bytes)"),

		passes("pep3333/environ/path-info-decoded", "decoded", echoed(t.get("/a%20b/c%3Bd"), "GET", "/a b/c;d", "")),
		fails("pep3333/environ/path-info-decoded", "raw target", echoed(t.get("/a%20b/c%3Bd"), "GET", "/a%20b/c%3Bd", ""), "PATH_INFO='/a%20b/c%3Bd'"),

		passes("pep3333/environ/path-info-latin1", "bytes in a str", echoed(t.get("/caf%C3%A9"), "GET", "/caf\xc3\xa9", "")),
		fails("pep3333/environ/path-info-latin1", "decoded as UTF-8", echoed(t.get("/caf%C3%A9"), "GET", "/caf\xc3\xa9", "", env("PATH_INFO", envStr("/café"))), "decoded the bytes as UTF-8"),
		fails("pep3333/environ/path-info-latin1", "not percent-decoded", echoed(t.get("/caf%C3%A9"), "GET", "/caf%C3%A9", ""), "PATH_INFO='/caf%C3%A9'"),

		passes("pep3333/environ/query-string-undecoded", "raw", echoed(t.get("/q?a=%20b&c=%C3%A9+d&e"), "GET", "/q", "a=%20b&c=%C3%A9+d&e")),
		fails("pep3333/environ/query-string-undecoded", "unquoted", echoed(t.get("/q?a=%20b&c=%C3%A9+d&e"), "GET", "/q", "a= b&c=\xc3\xa9 d&e"), `QUERY_STRING='a= b&c=\xc3\xa9 d&e'`),

		passes("pep3333/environ/content-headers-not-http", "CGI names only", echoed(reqContent, "POST", "/content", "", contentEnv, input("auto", "0123456789"))),
		fails("pep3333/environ/content-headers-not-http", "also as HTTP_CONTENT_*", echoed(reqContent, "POST", "/content", "", contentEnv, input("auto", "0123456789"),
			env("HTTP_CONTENT_TYPE", "text/x-conform", "HTTP_CONTENT_LENGTH", "10")), "HTTP_CONTENT_TYPE='text/x-conform'", "HTTP_CONTENT_LENGTH='10'"),
		passes("pep3333/environ/content-type-length", "CGI names", echoed(reqContent, "POST", "/content", "", contentEnv, input("auto", "0123456789"))),
		fails("pep3333/environ/content-type-length", "CONTENT_LENGTH left out", echoed(reqContent, "POST", "/content", "", env("CONTENT_TYPE", "text/x-conform"), input("read", "0123456789")), "CONTENT_LENGTH absent"),

		passes("pep3333/environ/http-header-mapping", "HTTP_X_CUSTOM_HEADER", echoed(t.get("/hdr", "x-CUSTOM-header: Value 1"), "GET", "/hdr", "", env("HTTP_X_CUSTOM_HEADER", "Value 1"))),
		fails("pep3333/environ/http-header-mapping", "dashes kept", echoed(t.get("/hdr", "x-CUSTOM-header: Value 1"), "GET", "/hdr", "", env("HTTP_X-CUSTOM-HEADER", "Value 1")), "HTTP_X_CUSTOM_HEADER absent"),

		passes("pep3333/environ/host-header", "as sent", echoed(t.get("/host", "Host: conform.test:8080"), "GET", "/host", "", env("HTTP_HOST", "conform.test:8080"))),
		fails("pep3333/environ/host-header", "replaced by the listening address", echoed(t.get("/host", "Host: conform.test:8080"), "GET", "/host", ""), "HTTP_HOST='127.0.0.1:8000'"),

		passes("pep3333/environ/absent-header-absent-variable", "only what was sent", echoed(t.get("/absent"), "GET", "/absent", "")),
		fails("pep3333/environ/absent-header-absent-variable", "invented forwarding headers", echoed(t.get("/absent"), "GET", "/absent", "", env("HTTP_X_FORWARDED_FOR", "127.0.0.1", "HTTP_X_FORWARDED_PROTO", "http")), "HTTP_X_FORWARDED_FOR='127.0.0.1'"),
		passes("pep3333/environ/absent-header-absent-variable", "the fields the front adds", behindFront([]string{"X-Forwarded-For", "x-forwarded-proto"}, echoed(t.get("/absent"), "GET", "/absent", "", env("HTTP_X_FORWARDED_FOR", "127.0.0.1", "HTTP_X_FORWARDED_PROTO", "http"))), "HTTP_X_FORWARDED_FOR, HTTP_X_FORWARDED_PROTO, which the front adds"),
		fails("pep3333/environ/absent-header-absent-variable", "a field the front does not add", behindFront([]string{"X-Forwarded-For"}, echoed(t.get("/absent"), "GET", "/absent", "", env("HTTP_X_FORWARDED_FOR", "127.0.0.1", "HTTP_X_FORWARDED_PROTO", "http"))), "HTTP_X_FORWARDED_PROTO='http'"),

		passes("pep3333/environ/header-value-ows-trimmed", "trimmed", echoed(reqOWS, "GET", "/ows", "", env("HTTP_X_PADDED", "value with  inner  space"))),
		fails("pep3333/environ/header-value-ows-trimmed", "trailing whitespace kept", echoed(reqOWS, "GET", "/ows", "", env("HTTP_X_PADDED", "value with  inner  space \t ")), `HTTP_X_PADDED='value with  inner  space \x09 '`),

		passes("pep3333/environ/repeated-headers-combined", "comma and space", echoed(reqRep, "GET", "/rep", "", env("HTTP_X_REP", "one, two, three"))),
		passes("pep3333/environ/repeated-headers-combined", "comma", echoed(reqRep, "GET", "/rep", "", env("HTTP_X_REP", "one,two,three"))),
		fails("pep3333/environ/repeated-headers-combined", "last one wins", echoed(reqRep, "GET", "/rep", "", env("HTTP_X_REP", "three")), "HTTP_X_REP='three'"),

		passes("pep3333/environ/underscore-header-no-collision", "underscore dropped", echoed(reqUnder, "GET", "/under", "", env("HTTP_X_CONFORM_AUTH", "from-dash"))),
		fails("pep3333/environ/underscore-header-no-collision", "both spellings combined", echoed(reqUnder, "GET", "/under", "", env("HTTP_X_CONFORM_AUTH", "from-dash,from-underscore")), "'from-dash,from-underscore'"),
		fails("pep3333/environ/underscore-header-no-collision", "underscore spelling wins", echoed(reqUnder, "GET", "/under", "", env("HTTP_X_CONFORM_AUTH", "from-underscore")), "from-underscore"),
		gives(Inconclusive, "pep3333/environ/underscore-header-no-collision", "both dropped", echoed(reqUnder, "GET", "/under", ""), "HTTP_X_CONFORM_AUTH absent"),

		passes("pep3333/environ/absolute-form-target", "path and query", echoed(reqAbs, "GET", "/abs/path", "q=1")),
		fails("pep3333/environ/absolute-form-target", "URI in PATH_INFO", echoed(reqAbs, "GET", "http://127.0.0.1:8000/abs/path", "q=1"), "PATH_INFO='http://127.0.0.1:8000/abs/path'"),

		passes("pep3333/environ/script-name-root", "empty SCRIPT_NAME", echoed(t.get("/mount/point"), "GET", "/mount/point", "")),
		passes("pep3333/environ/script-name-root", "split at a mount point", echoed(t.get("/mount/point"), "GET", "/point", "", env("SCRIPT_NAME", "/mount"))),
		fails("pep3333/environ/script-name-root", "SCRIPT_NAME /", echoed(t.get("/mount/point"), "GET", "/mount/point", "", env("SCRIPT_NAME", "/")), `"//mount/point"`),

		passes("pep3333/environ/remote-addr", "IPv4", echoed(t.get("/remote"), "GET", "/remote", "")),
		passes("pep3333/environ/remote-addr", "IPv6", echoed(t.get("/remote"), "GET", "/remote", "", env("REMOTE_ADDR", "::1"))),
		fails("pep3333/environ/remote-addr", "empty", echoed(t.get("/remote"), "GET", "/remote", "", env("REMOTE_ADDR", "")), "REMOTE_ADDR=''"),
		fails("pep3333/environ/remote-addr", "absent", echoed(t.get("/remote"), "GET", "/remote", "", drop("REMOTE_ADDR")), "REMOTE_ADDR absent"),
	}
}

// ---------------------------------------------------------------------------------------
// input

// readCalls is what the probe records when it reads data in calls of size n (n < 0: no
// argument), ending with the call that returned b"".
func readCalls(op string, n int, data string) []probes.InputCall {
	var calls []probes.InputCall
	for len(data) > 0 {
		got := len(data)
		if n >= 0 && got > n {
			got = n
		}
		if op == "readline" {
			if i := strings.IndexByte(data[:got], '\n'); i >= 0 {
				got = i + 1
			}
		}
		calls = append(calls, call(op, n, got))
		data = data[got:]
	}
	return append(calls, call(op, n, 0))
}

func inputCases() []judgeCase {
	t := recTarget
	mode := func(m, body string) []byte {
		return t.post(probes.Prefix+"echo?read="+m, body, "Content-Type: text/plain")
	}
	readEcho := func(m, body string, opts ...echoOpt) func() *Observation {
		opts = append([]echoOpt{env("CONTENT_TYPE", "text/plain", "CONTENT_LENGTH", fmt.Sprint(len(body)))}, opts...)
		return echoed(mode(m, body), "POST", probes.Prefix+"echo", "read="+m, opts...)
	}
	reqBody := t.post("/body", "hello\r\nconform\x00\xff", "Content-Type: application/octet-stream")
	reqEOF := t.post(probes.Prefix+"echo?eof=1", "12345")
	eofEcho := func(opts ...echoOpt) string {
		five := 5
		return okEcho("POST", probes.Prefix+"echo", "eof=1", append([]echoOpt{env("CONTENT_LENGTH", "5"),
			input("auto", "12345", probes.InputCall{Op: "read", Arg: &five, Got: 5})}, opts...)...)
	}
	reqEmpty := t.get(probes.Prefix + "echo?read=read")
	reqErrors := t.get(probes.Prefix + "errors")
	unicodeErr := "UnicodeEncodeError: 'ascii' codec can't encode character '\\u2603' in position 35: ordinal not in range(128)"
	return []judgeCase{
		passes("pep3333/input/read-content-length", "16 bytes intact", echoed(reqBody, "POST", "/body", "", env("CONTENT_LENGTH", "16", "CONTENT_TYPE", "application/octet-stream"), input("auto", "hello\r\nconform\x00\xff"))),
		fails("pep3333/input/read-content-length", "text-mode stream turned CRLF into LF", echoed(reqBody, "POST", "/body", "", env("CONTENT_LENGTH", "16", "CONTENT_TYPE", "application/octet-stream"), input("auto", "hello\nconform\x00\xff")), `"hello\nconform\x00\xff"`),

		passes("pep3333/input/read-size", "read(3) loop", readEcho("readn:3", inputBody, input("readn:3", inputBody, readCalls("read", 3, inputBody)...))),
		fails("pep3333/input/read-size", "read(n) refused its argument", readEcho("readn:3", inputBody, input("readn:3", "", call("read", 3, 0)), inputError("TypeError: read() takes 1 positional argument but 2 were given")), "raised TypeError"),

		passes("pep3333/input/readline", "line by line", readEcho("readline", lineBody, input("readline", lineBody, readCalls("readline", -1, lineBody)...))),
		fails("pep3333/input/readline", "the empty line was lost", readEcho("readline", lineBody, input("readline", "first line\nsecond\nlast line\n")), `gave "first line\nsecond\nlast line\n"`),

		passes("pep3333/input/readline-size", "at most 4 bytes a call", readEcho("readline:4", lineBody, input("readline:4", lineBody, readCalls("readline", 4, lineBody)...))),
		fails("pep3333/input/readline-size", "size ignored", readEcho("readline:4", lineBody, input("readline:4", lineBody, readCalls("readline", -1, lineBody)...)), "readline(4) returned 11 bytes"),

		passes("pep3333/input/readlines", "every line", readEcho("readlines", inputBody, input("readlines", inputBody, call("readlines", -1, len(inputBody))))),
		// paste 3.5: readlines() on the raw socket file reads past Content-Length and hangs.
		fails("pep3333/input/readlines", "blocked past the body (paste)", answered(mode("readlines", inputBody), "", false), "blocked"),
		fails("pep3333/input/readlines", "unterminated last line dropped", readEcho("readlines", inputBody, input("readlines", "first line\nsecond\n\n", call("readlines", -1, 19))), `gave "first line\nsecond\n\n";`),

		passes("pep3333/input/iteration", "every line", readEcho("iter", inputBody, input("iter", inputBody, call("__next__", -1, 11), call("__next__", -1, 7), call("__next__", -1, 1), call("__next__", -1, 25)))),
		fails("pep3333/input/iteration", "not iterable", readEcho("iter", inputBody, input("iter", ""), inputError("TypeError: 'LimitedStream' object is not iterable")), "'LimitedStream' object is not iterable"),

		passes("pep3333/input/read-no-argument", "the rest of the body", readEcho("read", inputBody, input("read", inputBody, call("read", -1, len(inputBody)), call("read", -1, 0)))),
		fails("pep3333/input/read-no-argument", "size required", readEcho("read", inputBody, input("read", "", call("read", -1, 0)), inputError("TypeError: read() missing 1 required positional argument: 'size'")), "missing 1 required positional argument"),

		passes("pep3333/input/eof-at-content-length", "b'' at the end", answered(reqEOF, eofEcho(afterEOF(0)), false)),
		fails("pep3333/input/eof-at-content-length", "read(1) blocks on the socket", answered(reqEOF, "", false), "blocked"),
		fails("pep3333/input/eof-at-content-length", "read past the body", answered(reqEOF, eofEcho(afterEOF(1)), false), "returned 1 byte(s)"),
		gives(Inconclusive, "pep3333/input/eof-at-content-length", "no after_eof recorded", answered(reqEOF, eofEcho(), false)),

		passes("pep3333/input/empty-body-read", "b'' at once", echoed(reqEmpty, "GET", probes.Prefix+"echo", "read=read", input("read", "", call("read", -1, 0)))),
		fails("pep3333/input/empty-body-read", "read() waits for a body that never comes", answered(reqEmpty, "", false), "blocked"),
		gives(Inconclusive, "pep3333/input/empty-body-read", "closed without a response", answered(reqEmpty, "", true)),

		passes("pep3333/input/stream-methods", "all seven", echoed(t.get("/methods"), "GET", "/methods", "")),
		fails("pep3333/input/stream-methods", "a minimal input object", echoed(t.get("/methods"), "GET", "/methods", "", func(e *probes.Echo) {
			e.InputMethods["readlines"], e.InputMethods["__iter__"] = false, false
			e.ErrorsMethods["writelines"] = false
		}), "wsgi.input.readlines", "wsgi.input.__iter__", "wsgi.errors.writelines"),

		passes("pep3333/input/errors-accepts-unicode", "all ok", echoed(reqErrors, "GET", probes.Prefix+"errors", "", result("write", "ok", "writelines", "ok", "flush", "ok"))),
		fails("pep3333/input/errors-accepts-unicode", "ascii stream", echoed(reqErrors, "GET", probes.Prefix+"errors", "", result("write", unicodeErr, "writelines", unicodeErr, "flush", "ok")), "write: UnicodeEncodeError", "writelines: UnicodeEncodeError"),
	}
}

// ---------------------------------------------------------------------------------------
// start_response and the response iterable

// padded is the probe's fixed_length_body: the JSON followed by spaces.
func padded(b []byte, extra int) []byte { return append(b, bytes.Repeat([]byte(" "), extra)...) }

func startResponseCases() []judgeCase {
	t := recTarget
	sc := func(name string) []byte { return scenario(name)(t) }
	scriptErr := "A server error occurred.  Please contact the administrator."
	errorPage := textResp("500 Internal Server Error", scriptErr, "Connection: close")

	twice := sc("start-response-twice")
	twiceBody := func(outcome, exc string) []byte {
		return padded(echoBody("GET", probes.Prefix+"start-response-twice", "", result("second_call", outcome, "exception", exc)), 40)
	}
	before := sc("exc-info-before-headers")
	beforeBody := padded(echoBody("GET", probes.Prefix+"exc-info-before-headers", "", result("exc_info_call", "returned")), 0)
	after := sc("exc-info-after-headers")
	closeDelimited := func(body string) string {
		return httpResp("200 OK", []string{"Content-Type: text/plain", "Connection: close"}, body)
	}
	chunkedText := func(blocks ...string) string {
		return httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: chunked", "Connection: close"}, chunked(blocks...))
	}

	crlf := sc("header-value?value=ok%0D%0AX-Injected:%20yes")
	crlfEcho := func(opts ...echoOpt) []byte {
		return echoBody("GET", probes.Prefix+"header-value", "value=ok%0D%0AX-Injected:%20yes", opts...)
	}
	ctl := sc("header-value?value=bad%01value")
	ctlEcho := func(opts ...echoOpt) []byte {
		return echoBody("GET", probes.Prefix+"header-value", "value=bad%01value", opts...)
	}
	hop := sc("hop-by-hop?name=Transfer-Encoding&value=chunked")
	hopEcho := func(opts ...echoOpt) []byte {
		return echoBody("GET", probes.Prefix+"hop-by-hop", "name=Transfer-Encoding&value=chunked", opts...)
	}

	// The close checks observe the scenario, then poll close-status.
	closeObs := func(mode string, first *Conn, closed bool) func() *Observation {
		return func() *Observation {
			token := "c7-1767225600123456789"
			var closedAt interface{}
			if closed {
				closedAt = 1767225600.61
			}
			st := once(t.get(probes.Prefix+"close-status?token="+token), okEcho("GET", probes.Prefix+"close-status", "token="+token, result("closed", closed, "closed_at", closedAt)), false)
			st.Label = "close-status"
			first.Label = "close-" + mode
			return obs(first, st)
		}
	}
	closeReq := func(mode string) []byte { return sc("close?mode=" + mode + "&token=c7-1767225600123456789") }
	listConn := func() *Conn { return once(closeReq("list"), chunkedText("close-probe\n"), true) }
	errorConn := func() *Conn { return once(closeReq("error"), errorPage, true) }
	slowConn := func() *Conn {
		var blocks []string
		for i := 0; i < 5; i++ {
			blocks = append(blocks, probeBlock(i, 1024))
		}
		s := script(closeReq("slow"), 1, false)
		s.MaxBytes = 4096
		received := httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: chunked", "Connection: close"}, strings.TrimSuffix(chunked(blocks...), "0\r\n\r\n"))
		return replayed("close-slow", s, received, false)
	}

	return []judgeCase{
		passes("pep3333/start-response/second-call-without-exc-info", "raised", answered(twice, jsonResp("200 OK", twiceBody("raised", "AssertionError: Headers already set!"), "X-Conform-Call: first", "Connection: close"), true), "AssertionError: Headers already set!"),
		fails("pep3333/start-response/second-call-without-exc-info", "second status sent", answered(twice, jsonResp("299 Second", twiceBody("returned", ""), "X-Conform-Call: second", "Connection: close"), true), "299 Second"),
		fails("pep3333/start-response/second-call-without-exc-info", "returned, first status kept", answered(twice, jsonResp("200 OK", twiceBody("returned", ""), "X-Conform-Call: first", "Connection: close"), true), "returned normally"),

		passes("pep3333/start-response/exc-info-replaces-headers", "500 with the second headers", answered(before, jsonResp("500 Internal Server Error", beforeBody, "X-Conform-Call: second", "Connection: close"), true)),
		fails("pep3333/start-response/exc-info-replaces-headers", "first response kept", answered(before, jsonResp("200 OK", beforeBody, "X-Conform-Call: first", "Connection: close"), true), "sent 200", `["first"]`),
		fails("pep3333/start-response/exc-info-replaces-headers", "headers appended", answered(before, jsonResp("500 Internal Server Error", beforeBody, "X-Conform-Call: first", "X-Conform-Call: second", "Connection: close"), true), `["first" "second"]`),

		passes("pep3333/start-response/exc-info-after-headers-raises", "raised", answered(after, closeDelimited("first\nraised ValueError same=True\n"), true), "raised ValueError same=True"),
		fails("pep3333/start-response/exc-info-after-headers-raises", "returned", answered(after, chunkedText("first\n", "returned\n"), true), "returned normally"),
		// tornado buffers the whole body, so the replacement status is what goes out.
		gives(NotApplicable, "pep3333/start-response/exc-info-after-headers-raises", "buffered, replaced (tornado)", answered(after, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 15\r\n\r\nfirst\nreturned\n", true), "buffered the body"),
		gives(Inconclusive, "pep3333/start-response/exc-info-after-headers-raises", "cut after the first block", answered(after, closeDelimited("first\n"), true)),

		passes("pep3333/start-response/exc-info-reraises-original", "the original ValueError", answered(after, chunkedText("first\n", "raised ValueError same=True\n"), true)),
		fails("pep3333/start-response/exc-info-reraises-original", "the server's own exception", answered(after, closeDelimited("first\nraised AssertionError same=False\n"), true), "raised AssertionError same=False"),

		passes("pep3333/start-response/headers-held-until-body", "500 error page", answered(sc("empty-then-error"), errorPage, true), "500 Internal Server Error"),
		passes("pep3333/start-response/headers-held-until-body", "closed without a response", answered(sc("empty-then-error"), "", true)),
		fails("pep3333/start-response/headers-held-until-body", "200 sent for b''", answered(sc("empty-then-error"), closeDelimited(""), true), "'200 OK' was already sent"),

		passes("pep3333/start-response/lazy-start-response", "served", answered(sc("lazy-start"), chunkedText("lazy-start\n"), true)),
		fails("pep3333/start-response/lazy-start-response", "server asserted headers were set", answered(sc("lazy-start"), errorPage, true), "got 500 Internal Server Error"),
		fails("pep3333/start-response/lazy-start-response", "dropped", answered(sc("lazy-start"), "", true), "no response"),

		passes("pep3333/start-response/missing-start-response-is-error", "500", answered(sc("no-start-response"), errorPage, true), "500"),
		passes("pep3333/start-response/missing-start-response-is-error", "closed", answered(sc("no-start-response"), "", true)),
		fails("pep3333/start-response/missing-start-response-is-error", "invented 200", answered(sc("no-start-response"), closeDelimited("no start_response was called\n"), true), "sent 200 OK"),
		fails("pep3333/start-response/missing-start-response-is-error", "body without a status line", answered(sc("no-start-response"), "no start_response was called\n", true), "malformed response"),

		passes("pep3333/start-response/write-callable", "write() first", answered(sc("write-then-iterable"), chunkedText("write-part;", "iterable-part"), true)),
		fails("pep3333/start-response/write-callable", "write() data lost", answered(sc("write-then-iterable"), chunkedText("iterable-part"), true), `"iterable-part"`),
		fails("pep3333/start-response/write-callable", "write() data after the iterable's", answered(sc("write-then-iterable"), closeDelimited("iterable-partwrite-part;"), true), `"iterable-partwrite-part;"`),

		passes("pep3333/start-response/header-crlf-refused", "start_response raised", answered(crlf, jsonResp("500 Internal Server Error", crlfEcho(result("start_response", "raised", "exception", "ValueError: Header values may not contain CR or LF")), "Connection: close"), true), "500"),
		passes("pep3333/start-response/header-crlf-refused", "sanitised", answered(crlf, jsonResp("200 OK", crlfEcho(result("start_response", "returned")), "X-Conform-Value: ok  X-Injected: yes", "Connection: close"), true), "sanitised"),
		fails("pep3333/start-response/header-crlf-refused", "response splitting", answered(crlf, jsonResp("200 OK", crlfEcho(result("start_response", "returned")), "X-Conform-Value: ok\r\nX-Injected: yes", "Connection: close"), true), "X-Injected"),

		passes("pep3333/start-response/header-errors-raised-early", "raised", answered(ctl, jsonResp("500 Internal Server Error", ctlEcho(result("start_response", "raised", "exception", "AssertionError: Control characters are not allowed in header values")), "Connection: close"), true), "AssertionError"),
		passes("pep3333/start-response/header-errors-raised-early", "refused after start_response", answered(ctl, errorPage, true), "refused with 500"),
		// gunicorn 20.1.0: start_response raised, then its exc_info call appended the error
		// headers to the first ones, so two Content-Length values reach the client.
		passes("pep3333/start-response/header-errors-raised-early", "raised, response malformed (gunicorn)", answered(ctl, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 40\r\nContent-Length: 41\r\n\r\n{\"result\": {\"start_response\": \"raised\"}}", true), "malformed"),
		fails("pep3333/start-response/header-errors-raised-early", "sent as is", answered(ctl, jsonResp("200 OK", ctlEcho(result("start_response", "returned")), "X-Conform-Value: bad\x01value", "Connection: close"), true), `"bad\x01value"`),

		passes("pep3333/start-response/hop-by-hop-refused", "wsgiref's assertion", answered(hop, jsonResp("500 Internal Server Error", hopEcho(result("start_response", "raised", "exception", "AssertionError: Hop-by-hop header, 'Transfer-Encoding: chunked', not allowed")), "Connection: close"), true), "Hop-by-hop header"),
		fails("pep3333/start-response/hop-by-hop-refused", "passed through over a Content-Length body", answered(hop, jsonResp("200 OK", hopEcho(result("start_response", "returned")), "Transfer-Encoding: chunked", "Connection: close"), true), "framing is broken", "chunk-size line"),
		fails("pep3333/start-response/hop-by-hop-refused", "accepted and chunked by the server", answered(hop, httpResp("200 OK", []string{"Content-Type: application/json", "Transfer-Encoding: chunked", "Connection: close"}, chunked(string(hopEcho(result("start_response", "returned"))))), true), "accepted 'Transfer-Encoding: chunked'"),

		passes("pep3333/start-response/close-called", "closed", closeObs("list", listConn(), true), "normal completion"),
		fails("pep3333/start-response/close-called", "never closed", closeObs("list", listConn(), false), "normal completion"),
		passes("pep3333/start-response/close-called-on-error", "closed", closeObs("error", errorConn(), true), "iteration raised"),
		fails("pep3333/start-response/close-called-on-error", "leaked on error", closeObs("error", errorConn(), false), "iteration raised"),
		passes("pep3333/start-response/close-called-on-disconnect", "closed", closeObs("slow", slowConn(), true), "client disconnected"),
		fails("pep3333/start-response/close-called-on-disconnect", "leaked on disconnect", closeObs("slow", slowConn(), false), "client disconnected mid-body"),
		gives(Inconclusive, "pep3333/start-response/close-called", "close-status unknown to an old probe", func() *Observation {
			return obs(listConn(), once(t.get(probes.Prefix+"close-status?token=x"), textResp("404 Not Found", "unknown conform scenario: close-status\n"), false))
		}),
	}
}

// probeBlock is block() of probe.py: "<i>:" padded with dots to size, ending in "\n".
func probeBlock(i, size int) string {
	head := fmt.Sprintf("%d:", i)
	return head + strings.Repeat(".", size-len(head)-1) + "\n"
}

// ---------------------------------------------------------------------------------------
// the response

func responseCases() []judgeCase {
	t := recTarget
	const stream = "pep3333/response/streaming-unbuffered"
	streamReq := scenario("stream?chunks=3&delay_ms=300&size=16")(t)
	streamObs := func(closed bool, parts ...part) func() *Observation {
		return func() *Observation {
			return withValues(obs(replayTimed("request", script(streamReq, 1, true), closed, parts...)), "delay_ms", 300.0)
		}
	}
	chunk := func(i int) string { return fmt.Sprintf("10\r\n%s\r\n", probeBlock(i, 16)) }
	streamHead := httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: chunked", "Connection: close"}, "")
	allBlocks := probeBlock(0, 16) + probeBlock(1, 16) + probeBlock(2, 16)

	clReq := append(t.get(probes.Prefix+"content-length?declared=5&actual=10"), t.get("/after")...)
	after := okEcho("GET", "/after", "")
	shortReq := t.get(probes.Prefix + "content-length?declared=20&actual=5")
	shortObs := func(received string, closed bool) func() *Observation {
		return func() *Observation { return obs(once(shortReq, received, closed)) }
	}

	noBody := func(first []byte, head bool, received string, closed bool) func() *Observation {
		return func() *Observation {
			return obs(replayed("request", script(append(first, t.get("/after")...), 2, true, head), received, closed))
		}
	}
	headReq := t.request("HEAD " + probes.Prefix + "echo HTTP/1.1")
	headEcho := echoBody("HEAD", probes.Prefix+"echo", "")
	headOnly := httpResp("200 OK", []string{"Content-Type: application/json", fmt.Sprintf("Content-Length: %d", len(headEcho))}, "")
	req204 := t.get(probes.Prefix + "status?code=204&body=unexpected")
	req304 := t.get(probes.Prefix + "status?code=304&body=unexpected")

	dateReq := t.get("/date")
	dateEcho := echoBody("GET", "/date", "")
	noDate := strings.Replace(okJSON(dateEcho), dateLine+"\r\n", "", 1)

	nclReq := t.get(probes.Prefix + "no-content-length?chunks=2")
	nclObs := func(received string, closed bool) func() *Observation {
		return func() *Observation { return obs(replayed("request", script(nclReq, 1, true), received, closed)) }
	}
	http10Req := t.request("GET " + probes.Prefix + "no-content-length?chunks=2 HTTP/1.0")

	expectReq := t.request("POST "+probes.Prefix+"echo HTTP/1.1", "Expect: 100-continue", "Content-Length: 7")
	expectObs := func(received string, closed bool) func() *Observation {
		return func() *Observation {
			s := wire.Script{Steps: []wire.Step{{Data: expectReq}, {Data: []byte("payload"), AwaitResponse: 1500 * time.Millisecond}}, Responses: 1, IdleTimeout: 3 * time.Second}
			return obs(replayed("request", s, received, closed))
		}
	}
	expectEcho := func(body string) string {
		return okEcho("POST", probes.Prefix+"echo", "", env("CONTENT_LENGTH", "7", "HTTP_EXPECT", "100-continue"), input("auto", body))
	}
	continued := "HTTP/1.1 100 Continue\r\n\r\n"

	fwReq := t.get(probes.Prefix + "file-wrapper?size=1024")
	pattern := bytes.Repeat(func() []byte {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}(), 4)
	fileResp := func(body []byte) string {
		return withLength("200 OK", []string{"Content-Type: application/octet-stream", "X-Conform-File-Wrapper: used"}, string(body))
	}

	return []judgeCase{
		passes(stream, "each block as yielded", streamObs(true,
			part{streamHead + chunk(0), 2 * time.Millisecond},
			part{chunk(1), 304 * time.Millisecond},
			part{chunk(2) + "0\r\n\r\n", 606 * time.Millisecond}), "blocks arrived 604ms apart"),
		fails(stream, "buffered into one Content-Length body", streamObs(true,
			part{textResp("200 OK", allBlocks, "Connection: close"), 607 * time.Millisecond}), "buffered", "arrived only 0s before block 3"),
		fails(stream, "chunked, but flushed at the end", streamObs(true,
			part{streamHead + chunk(0) + chunk(1) + chunk(2) + "0\r\n\r\n", 606 * time.Millisecond}), "buffered"),
		gives(Inconclusive, stream, "body cut short", streamObs(true, part{streamHead + chunk(0), 2 * time.Millisecond})),

		passes("pep3333/response/content-length-not-exceeded", "stopped at 5", piped(2, clReq, textResp("200 OK", "xxxxx")+after, false)),
		passes("pep3333/response/content-length-not-exceeded", "raised and closed, nothing sent (tornado)", piped(2, clReq, "", true), "without sending anything"),
		fails("pep3333/response/content-length-not-exceeded", "all 18 bytes sent", piped(2, clReq,
			httpResp("200 OK", []string{"Content-Type: text/plain", "Content-Length: 5"}, "xxxxxxxxxxyyyyyyyy")+after, false), "Content-Length: 5 was declared"),

		passes("pep3333/response/short-content-length-closes", "closed after 5 bytes", shortObs(httpResp("200 OK", []string{"Content-Type: text/plain", "Content-Length: 20"}, "xxxxx"), true), "closed the connection"),
		// gunicorn gthread/gevent/eventlet: the 5 bytes at once, the close only when the
		// 2s keep-alive timeout runs out.
		fails("pep3333/response/short-content-length-closes", "closed by the keep-alive timeout (gunicorn)", func() *Observation {
			c := replayTimed("request", script(shortReq, 1, false), true, part{httpResp("200 OK", []string{"Content-Type: text/plain", "Content-Length: 20"}, "xxxxx"), 5 * time.Millisecond}, part{"", 2005 * time.Millisecond})
			return obs(c)
		}, "closed it only 2s later"),
		fails("pep3333/response/short-content-length-closes", "left waiting for 15 bytes", shortObs(httpResp("200 OK", []string{"Content-Type: text/plain", "Content-Length: 20"}, "xxxxx"), false), "kept the connection open", "idle-timeout"),

		passes("rfc9110/9.3.2/head-no-content", "head only, next response intact", noBody(headReq, true, headOnly+after, false)),
		fails("rfc9110/9.3.2/head-no-content", "not answered at all (tornado)", noBody(headReq, true, "", true), "not answered at all"),
		passes("rfc9110/9.3.2/head-no-content", "head only, then closed", noBody(headReq, true, strings.Replace(headOnly, "\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1), true)),
		fails("rfc9110/9.3.2/head-no-content", "the GET body sent too", noBody(headReq, true, okJSON(headEcho)+after, false), "unexpected bytes", `"{\"environ\"`),

		passes("rfc9110/15.3.5/204-no-content", "no content", noBody(req204, false, httpResp("204 No Content", []string{"Content-Type: text/plain"}, "")+after, false)),
		fails("rfc9110/15.3.5/204-no-content", "the app's body sent", noBody(req204, false, httpResp("204 No Content", []string{"Content-Type: text/plain", "Content-Length: 10"}, "unexpected")+after, false), "unexpected bytes", `"unexpectedHTTP/1.1 200 OK`),
		gives(Inconclusive, "rfc9110/15.3.5/204-no-content", "follow-up not answered", noBody(req204, false, httpResp("204 No Content", []string{"Content-Type: text/plain"}, ""), false)),

		passes("rfc9110/15.4.5/304-no-content", "no content", noBody(req304, false, httpResp("304 Not Modified", []string{"Content-Type: text/plain"}, "")+after, false)),
		fails("rfc9110/15.4.5/304-no-content", "the app's body sent chunked", noBody(req304, false, httpResp("304 Not Modified", []string{"Content-Type: text/plain", "Transfer-Encoding: chunked"}, chunked("unexpected"))+after, false), "304 response was answered with content"),

		passes("pep3333/response/date-header", "IMF-fixdate", answered(dateReq, okJSON(dateEcho), false), "Thu, 01 Jan 2026 00:00:00 GMT"),
		fails("pep3333/response/date-header", "missing", answered(dateReq, noDate, false), "without a Date header"),
		fails("pep3333/response/date-header", "ISO 8601", answered(dateReq, strings.Replace(okJSON(dateEcho), dateLine, "Date: 2026-01-01T00:00:00Z", 1), false), "Date: 2026-01-01T00:00:00Z is not an IMF-fixdate"),

		passes("pep3333/response/framing-without-content-length", "chunked", nclObs(httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: chunked"}, chunked("block-0\n", "block-1\n")), false), "chunked"),
		passes("pep3333/response/framing-without-content-length", "computed length", nclObs(textResp("200 OK", "block-0\nblock-1\n"), false), "Content-Length"),
		passes("pep3333/response/framing-without-content-length", "closed", nclObs(httpResp("200 OK", []string{"Content-Type: text/plain", "Connection: close"}, "block-0\nblock-1\n"), true), "close-delimited"),
		fails("pep3333/response/framing-without-content-length", "no length, connection kept open", nclObs(httpResp("200 OK", []string{"Content-Type: text/plain"}, "block-0\nblock-1\n"), false), "not properly delimited", "not by the server closing"),
		fails("pep3333/response/framing-without-content-length", "chunk boundaries lost", nclObs(httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: chunked"}, "8\r\nblock-0\n\r\n0\r\n\r\n"), false), `body "block-0\n"`),

		passes("rfc9112/6.1/no-chunked-to-http10", "close-delimited HTTP/1.0", answered(http10Req, httpResp("HTTP/1.0 200 OK", []string{"Content-Type: text/plain"}, "block-0\nblock-1\n"), true), "close-delimited"),
		fails("rfc9112/6.1/no-chunked-to-http10", "chunked to HTTP/1.0", answered(http10Req, httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: chunked"}, chunked("block-0\n", "block-1\n")), true), "Transfer-Encoding: chunked"),

		passes("pep3333/response/expect-continue-transparent", "served", expectObs(continued+expectEcho("payload"), false)),
		fails("pep3333/response/expect-continue-transparent", "417", expectObs(textResp("417 Expectation Failed", "Expectation Failed", "Connection: close"), true), "417 Expectation Failed"),
		fails("pep3333/response/expect-continue-transparent", "body not handed to the app", expectObs(expectEcho(""), false), `read ""`),

		passes("pep3333/response/expect-continue-interim", "100 Continue", expectObs(continued+expectEcho("payload"), false), "100 Continue"),
		fails("pep3333/response/expect-continue-interim", "client had to wait it out", expectObs(expectEcho("payload"), false), "no 100 Continue"),

		passes("pep3333/response/body-bytes-unaltered", "intact", answered(fwReq, fileResp(pattern), false), "wsgi.file_wrapper used"),
		fails("pep3333/response/body-bytes-unaltered", "LF to CRLF", answered(fwReq, fileResp(bytes.ReplaceAll(pattern, []byte("\n"), []byte("\r\n"))), false), "1028 different bytes", "first difference at 10"),
	}
}

// ---------------------------------------------------------------------------------------
// connection management

func connectionCases() []judgeCase {
	t := recTarget
	inOrderReq := append(append(t.get(probes.Prefix+"sleep?ms=200"), t.get("/second")...), t.get("/third")...)
	sleepEcho := okEcho("GET", probes.Prefix+"sleep", "ms=200", result("slept_ms", 200))
	second, third := okEcho("GET", "/second", ""), okEcho("GET", "/third", "")
	inOrder := func(received string, closed bool) func() *Observation {
		return func() *Observation { return obs(replayed("request", script(inOrderReq, 3, true), received, closed)) }
	}
	closeReq := append(t.get("/first", "Connection: close"), t.get("/must-not-be-served")...)
	first := okEcho("GET", "/first", "", env("HTTP_CONNECTION", "close"))
	firstClosing := okJSON(echoBody("GET", "/first", "", env("HTTP_CONNECTION", "close")), "Connection: close")
	keepReq := t.get("/keepalive")
	keep := echoBody("GET", "/keepalive", "")
	http10Req := append(t.request("GET /one HTTP/1.0"), t.request("GET /two HTTP/1.0")...)
	one10 := strings.Replace(okEcho("GET", "/one", "", env("SERVER_PROTOCOL", "HTTP/1.0")), "HTTP/1.1 200 OK", "HTTP/1.0 200 OK", 1)
	two10 := strings.Replace(okEcho("GET", "/two", "", env("SERVER_PROTOCOL", "HTTP/1.0")), "HTTP/1.1 200 OK", "HTTP/1.0 200 OK", 1)
	persistObs := func(received string, closed bool) func() *Observation {
		return func() *Observation {
			s := wire.Script{Steps: []wire.Step{{Data: t.get("/one")}, {Data: t.get("/two"), AwaitResponse: 2 * time.Second}}, Responses: 2, IdleTimeout: 2 * time.Second}
			return obs(replayed("request", s, received, closed))
		}
	}
	return []judgeCase{
		passes("rfc9112/9.3.2/pipelined-responses-in-order", "in order", inOrder(sleepEcho+second+third, false), "three responses in request order"),
		passes("rfc9112/9.3.2/pipelined-responses-in-order", "one, then closed", inOrder(okJSON(echoBody("GET", probes.Prefix+"sleep", "ms=200", result("slept_ms", 200)), "Connection: close"), true), "answered 1 of 3"),
		fails("rfc9112/9.3.2/pipelined-responses-in-order", "as they finished", inOrder(second+third+sleepEcho, false), "[/second /third /__conform__/sleep]"),
		fails("rfc9112/9.3.2/pipelined-responses-in-order", "the rest lost", inOrder(sleepEcho, false), "only 1 of 3"),

		passes("rfc9112/9.6/connection-close-honoured", "one response, closed", piped(2, closeReq, firstClosing, true)),
		fails("rfc9112/9.6/connection-close-honoured", "connection kept open", piped(2, closeReq, first, false), "left the connection open", "idle-timeout"),
		fails("rfc9112/9.6/connection-close-honoured", "next request served", piped(2, closeReq, first+okEcho("GET", "/must-not-be-served", ""), false), "was served (200 OK)"),

		passes("rfc9112/9.3/close-announced", "kept open", answered(keepReq, okJSON(keep), false), "stayed open"),
		passes("rfc9112/9.3/close-announced", "closed with Connection: close", answered(keepReq, okJSON(keep, "Connection: close"), true), "closed after saying"),
		passes("rfc9112/9.3/close-announced", "HTTP/1.0 response", answered(keepReq, strings.Replace(okJSON(keep), "HTTP/1.1", "HTTP/1.0", 1), true), "HTTP/1.0"),
		fails("rfc9112/9.3/close-announced", "closed silently", answered(keepReq, okJSON(keep), true), "without 'Connection: close'"),

		passes("rfc9112/9.3/http10-closes-by-default", "closed", piped(2, http10Req, one10, true)),
		fails("rfc9112/9.3/http10-closes-by-default", "both served", piped(2, http10Req, one10+two10, false), "second HTTP/1.0 request"),
		fails("rfc9112/9.3/http10-closes-by-default", "kept open", piped(2, http10Req, one10, false), "stayed open", "idle-timeout"),

		passes("rfc9112/9.3/persistent-by-default", "two on one connection", persistObs(okEcho("GET", "/one", "")+okEcho("GET", "/two", ""), false)),
		fails("rfc9112/9.3/persistent-by-default", "closed after one", persistObs(okEcho("GET", "/one", ""), true), "not reused", "connection closed"),
	}
}

// ---------------------------------------------------------------------------------------
// request line and fields

func fieldCases() []judgeCase {
	t := recTarget
	reject400 := func(id string, req []byte, acceptedEcho string) []judgeCase {
		return []judgeCase{
			passes(id, "400", answered(req, badRequest(), true), "400"),
			fails(id, "served", answered(req, acceptedEcho, false), "answered 200 OK; expected 400"),
		}
	}
	var cases []judgeCase
	wsReq := t.get("/ws", "Transfer-Encoding : chunked", "X-Ws : v")
	cases = append(cases, reject400("rfc9112/5.1/whitespace-before-colon", wsReq, okEcho("GET", "/ws", "", env("HTTP_TRANSFER_ENCODING", "chunked", "HTTP_X_WS", "v")))...)
	cases = append(cases, fails("rfc9112/5.1/whitespace-before-colon", "closed without a word", answered(wsReq, "", true), "closed the connection without a response", "the RFC asks for 400"))
	cases = append(cases, fails("rfc9112/5.1/whitespace-before-colon", "garbage", answered(wsReq, "Bad Request\n", true), "not an HTTP/1.x response"))

	noHostReq := t.get("/nohost", noHost)
	cases = append(cases, reject400("rfc9112/3.2/missing-host", noHostReq, okEcho("GET", "/nohost", "", drop("HTTP_HOST")))...)
	twoHosts := t.get("/twohosts", "Host: 127.0.0.1:8000", "Host: evil.example")
	cases = append(cases, reject400("rfc9112/3.2/duplicate-host", twoHosts, okEcho("GET", "/twohosts", "", env("HTTP_HOST", "127.0.0.1:8000,evil.example")))...)
	badHost := t.get("/badhost", "Host: bad host/path")
	cases = append(cases, reject400("rfc9112/3.2/invalid-host", badHost, okEcho("GET", "/badhost", "", env("HTTP_HOST", "bad host/path")))...)
	cases = append(cases, fails("rfc9112/3.2/invalid-host", "421 instead of 400", answered(badHost, textResp("421 Misdirected Request", "Misdirected Request"), false), "answered 421 Misdirected Request", "asks for 400"))

	nameReq := t.get("/name", "X-Bad\x01Name: v")
	lineReq := t.request("GET /a b HTTP/1.1")
	foldReq := t.get("/fold", "X-Fold: a", " b")
	nulReq := t.get("/nul", "X-Nul: a\x00b")
	crReq := t.get("/cr", "X-Cr: a\rb")
	spReq := []byte("GET /sp HTTP/1.1\r\n X-Sneaky: yes\r\nHost: 127.0.0.1:8000\r\nX-Conform-Id: c9\r\n\r\n")
	lfReq := []byte("GET /lf HTTP/1.1\nHost: 127.0.0.1:8000\nX-Conform-Id: c10\nX-Lf: one\nX-Lf-Two: two\n\n")
	return append(cases,
		passes("rfc9112/5/invalid-field-name", "400", answered(nameReq, badRequest(), true), "400"),
		passes("rfc9112/5/invalid-field-name", "closed", answered(nameReq, "", true), "closed"),
		fails("rfc9112/5/invalid-field-name", "served", answered(nameReq, okEcho("GET", "/name", "", env("HTTP_X_BAD\x01NAME", "v")), false), "answered 200 OK"),

		passes("rfc9112/3/invalid-request-line", "400", answered(lineReq, badRequest(), true)),
		fails("rfc9112/3/invalid-request-line", "guessed a target", answered(lineReq, okEcho("GET", "/a b", ""), false), "answered 200 OK", "four words"),
		// The sentence's other permitted answer: a 301 to the target properly encoded.
		passes("rfc9112/3/invalid-request-line", "301 to the encoded target", answered(lineReq, httpResp("301 Moved Permanently", []string{"Location: http://127.0.0.1:8000/a%20b", "Content-Length: 0"}, ""), false), "301", "/a%20b"),
		fails("rfc9112/3/invalid-request-line", "301 elsewhere", answered(lineReq, httpResp("301 Moved Permanently", []string{"Location: /a", "Content-Length: 0"}, ""), false), "not the request-target properly encoded"),
		fails("rfc9112/3/invalid-request-line", "301 to the raw target", answered(lineReq, httpResp("301 Moved Permanently", []string{"Location: /a b", "Content-Length: 0"}, ""), false), "not the request-target properly encoded"),

		passes("rfc9112/5.2/obs-fold", "400", answered(foldReq, badRequest(), true)),
		passes("rfc9112/5.2/obs-fold", "fold replaced by SP", echoed(foldReq, "GET", "/fold", "", env("HTTP_X_FOLD", "a b")), `"a b"`),
		fails("rfc9112/5.2/obs-fold", "continuation dropped", echoed(foldReq, "GET", "/fold", "", env("HTTP_X_FOLD", "a")), "HTTP_X_FOLD='a'"),
		fails("rfc9112/5.2/obs-fold", "fold kept", echoed(foldReq, "GET", "/fold", "", env("HTTP_X_FOLD", "a\r\n b")), `HTTP_X_FOLD='a\x0d\x0a b'`),
		fails("rfc9112/5.2/obs-fold", "closed without 400", answered(foldReq, "", true), "allows only 400"),

		passes("rfc9110/5.5/nul-in-field-value", "400", answered(nulReq, badRequest(), true)),
		passes("rfc9110/5.5/nul-in-field-value", "replaced by SP", echoed(nulReq, "GET", "/nul", "", env("HTTP_X_NUL", "a b"))),
		fails("rfc9110/5.5/nul-in-field-value", "NUL passed on", echoed(nulReq, "GET", "/nul", "", env("HTTP_X_NUL", "a\x00b")), `HTTP_X_NUL='a\x00b'`),

		passes("rfc9112/2.2/bare-cr-in-field", "400", answered(crReq, badRequest(), true)),
		passes("rfc9112/2.2/bare-cr-in-field", "replaced by SP", echoed(crReq, "GET", "/cr", "", env("HTTP_X_CR", "a b"))),
		fails("rfc9112/2.2/bare-cr-in-field", "CR passed on", echoed(crReq, "GET", "/cr", "", env("HTTP_X_CR", "a\rb")), `HTTP_X_CR='a\x0db'`),

		passes("rfc9112/2.2/whitespace-after-start-line", "400", answered(spReq, badRequest(), true)),
		passes("rfc9112/2.2/whitespace-after-start-line", "line ignored", echoed(spReq, "GET", "/sp", "")),
		fails("rfc9112/2.2/whitespace-after-start-line", "line taken as a header", echoed(spReq, "GET", "/sp", "", env("HTTP_X_SNEAKY", "yes")), "HTTP_X_SNEAKY='yes'"),

		passes("rfc9112/2.2/bare-lf-line-ending", "LF not a line end: server waits", answered(lfReq, "", false), "waited"),
		passes("rfc9112/2.2/bare-lf-line-ending", "parsed as CRLF", echoed(lfReq, "GET", "/lf", "", env("HTTP_X_LF", "one", "HTTP_X_LF_TWO", "two"))),
		passes("rfc9112/2.2/bare-lf-line-ending", "400", answered(lfReq, badRequest(), true)),
		fails("rfc9112/2.2/bare-lf-line-ending", "a header lost", echoed(lfReq, "GET", "/lf", "", env("HTTP_X_LF", "one")), "HTTP_X_LF_TWO absent"),
		fails("rfc9112/2.2/bare-lf-line-ending", "LF kept in a value", echoed(lfReq, "GET", "/lf", "", env("HTTP_X_LF", "one\nX-Lf-Two: two")), `HTTP_X_LF='one\x0aX-Lf-Two: two'`),
	)
}

// ---------------------------------------------------------------------------------------
// message body framing

func framingCases() []judgeCase {
	t := recTarget
	post := func(te, body string, fields ...string) []byte { return chunkedPost(te, body, fields...)(t) }
	// chunkedEcho is the probe's answer to a chunked POST whose body it read as `read`.
	chunkedEcho := func(te, read string, opts ...echoOpt) string {
		return okEcho("POST", probes.Prefix+"echo", "", append([]echoOpt{env("HTTP_TRANSFER_ENCODING", te), input("auto", read, call("read", -1, len(read)))}, opts...)...)
	}
	// wsgirefLike: no CONTENT_LENGTH, no wsgi.input_terminated, and the raw connection as
	// wsgi.input: the probe's bounded read of the chunked body blocks.
	wsgirefLike := func(te string) string {
		return okEcho("POST", probes.Prefix+"echo", "", env("HTTP_TRANSFER_ENCODING", te), drop("wsgi.input_terminated"), inputBlocked())
	}
	chunkedBody := func(id, te, body, want string, failing judgeCase) []judgeCase {
		req := post(te, body)
		return []judgeCase{
			passes(id, "decoded", answered(req, chunkedEcho(te, want), false), quoteBytes(want)),
			failing,
			gives(Observed, id, "411", answered(req, textResp("411 Length Required", "Length Required", "Connection: close"), true), "411"),
		}
	}
	var cases []judgeCase
	plain := post("chunked", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
	cases = append(cases, chunkedBody("rfc9112/7.1/chunked-body", "chunked", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world",
		fails("rfc9112/7.1/chunked-body", "not decoded: the read blocks (wsgiref)", answered(plain, wsgirefLike("chunked"), true), "did not return"))...)
	cases = append(cases, fails("rfc9112/7.1/chunked-body", "refused with 501", answered(plain, textResp("501 Not Implemented", "Not Implemented", "Connection: close"), true), "refused", "501"))
	cases = append(cases, fails("rfc9112/7.1/chunked-body", "raw coding handed to the app", answered(plain, chunkedEcho("chunked", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), false), `the app read "5\r\nhello`))

	ext := "5;name=value\r\nhello\r\n6;flag\r\n world\r\n0;last=1\r\n\r\n"
	cases = append(cases, chunkedBody("rfc9112/7.1.1/chunk-extensions-ignored", "chunked", ext, "hello world",
		fails("rfc9112/7.1.1/chunk-extensions-ignored", "extensions refused", answered(post("chunked", ext), badRequest(), true), "a valid chunked request was refused", "400 Bad Request"))...)
	bws := "5 ;quoted=\"a;b\\\"c\"\r\nhello\r\n6\t; name = value\r\n world\r\n0\r\n\r\n"
	cases = append(cases, chunkedBody("rfc9112/7.1.1/chunk-extension-quoted-bws", "chunked", bws, "hello world",
		fails("rfc9112/7.1.1/chunk-extension-quoted-bws", "BWS refused", answered(post("chunked", bws), badRequest(), true), "refused"))...)
	cases = append(cases, chunkedBody("rfc9112/6.1/te-case-insensitive", "CHUNKED", "5\r\nhello\r\n0\r\n\r\n", "hello",
		fails("rfc9112/6.1/te-case-insensitive", "not recognised: read to the end as is", answered(post("CHUNKED", "5\r\nhello\r\n0\r\n\r\n"), chunkedEcho("CHUNKED", "5\r\nhello\r\n0\r\n\r\n"), false), `the app read "5\r\nhello\r\n0\r\n\r\n"`))...)

	trailerReq := append(post("chunked", "5\r\nhello\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n"), t.get("/after-trailers")...)
	helloEcho := chunkedEcho("chunked", "hello")
	afterEcho := okEcho("GET", "/after-trailers", "")
	cases = append(cases,
		passes("rfc9112/7.1.2/trailer-section", "next request served", piped(2, trailerReq, helloEcho+afterEcho, false), "next request served"),
		passes("rfc9112/7.1.2/trailer-section", "closed after the response", piped(2, trailerReq, okJSON(echoBody("POST", probes.Prefix+"echo", "", env("HTTP_TRANSFER_ENCODING", "chunked"), input("auto", "hello")), "Connection: close"), true)),
		fails("rfc9112/7.1.2/trailer-section", "trailers read as the next request", piped(2, trailerReq, helloEcho+badRequest(), true), "answered 400 Bad Request"),
		fails("rfc9112/7.1.2/trailer-section", "next request never answered", piped(2, trailerReq, helloEcho, false), "not answered"),
		fails("rfc9112/7.1.2/trailer-section", "body wrong", piped(2, trailerReq, chunkedEcho("chunked", "")+afterEcho, false), `the app read ""`),
	)

	for _, c := range []struct{ slug, body, read string }{
		{"chunk-size-sign", "+5\r\nhello\r\n0\r\n\r\n", "hello"},
		{"chunk-size-0x-prefix", "0x5\r\nhello\r\n0\r\n\r\n", "hello"},
		{"chunk-size-leading-space", " 5\r\nhello\r\n0\r\n\r\n", "hello"},
		{"chunk-size-non-hex", "5g\r\nhello\r\n0\r\n\r\n", "hello"},
		{"chunk-size-underscore", "1_0\r\nhello world 1234\r\n0\r\n\r\n", "hello world 1234"},
		{"chunk-data-crlf", "5\r\nhelloXX0\r\n\r\n", "hello"},
	} {
		id := "rfc9112/7.1/" + c.slug
		req := post("chunked", c.body)
		cases = append(cases,
			passes(id, "400", answered(req, badRequest(), true), "400 Bad Request"),
			passes(id, "closed", answered(req, "", true), "closed the connection"),
			fails(id, "parsed leniently", answered(req, chunkedEcho("chunked", c.read), false), "answered 200 OK; expected a 400"),
		)
	}

	overflowReq := post("chunked", "10000000000000005\r\nhello\r\n0\r\n\r\n")
	clOverflowReq := append(t.request("POST "+probes.Prefix+"echo HTTP/1.1", "Content-Length: 18446744073709551621"), "hello"...)
	cases = append(cases,
		passes("rfc9112/7.1/chunk-size-overflow", "400", answered(overflowReq, badRequest(), true)),
		passes("rfc9112/7.1/chunk-size-overflow", "waits for 2^64 bytes", answered(overflowReq, "", false), "waited for the body"),
		// gevent 22.10: wsgi.input raises "Chunk-size too large" when the app reads.
		passes("rfc9112/7.1/chunk-size-overflow", "refused at read (gevent)", answered(overflowReq, okEcho("POST", probes.Prefix+"echo", "", env("HTTP_TRANSFER_ENCODING", "chunked"), input("auto", ""), inputError("_InvalidClientInput: Chunk-size too large.")), true), "refused when the app read"),
		fails("rfc9112/7.1/chunk-size-overflow", "wrapped to 5", answered(overflowReq, chunkedEcho("chunked", "hello"), false), "read as 5", "wrapped around"),
		fails("rfc9112/7.1/chunk-size-overflow", "served with whatever arrived", answered(overflowReq, chunkedEcho("chunked", ""), false), "accepted and the request served"),

		passes("rfc9110/8.6/content-length-overflow", "413", answered(clOverflowReq, textResp("413 Request Entity Too Large", "Request Entity Too Large", "Connection: close"), true), "413"),
		passes("rfc9110/8.6/content-length-overflow", "waits for 2^64 bytes", answered(clOverflowReq, "", false)),
		fails("rfc9110/8.6/content-length-overflow", "wrapped to 5", answered(clOverflowReq, okEcho("POST", probes.Prefix+"echo", "", env("CONTENT_LENGTH", "5"), input("auto", "hello")), false), "Content-Length: 18446744073709551621 (2^64+5) was read as 5"),
	)

	bothReq := append(post("chunked", "5\r\nhello\r\n0\r\n\r\n", "Content-Length: 3"), t.get("/smuggled")...)
	smuggled := okEcho("GET", "/smuggled", "")
	bothEcho := func(read string) string {
		return chunkedEcho("chunked", read, env("CONTENT_LENGTH", "3"))
	}
	cases = append(cases,
		passes("rfc9112/6.1/te-and-content-length", "400 and closed", piped(2, bothReq, badRequest(), true), "rejected"),
		passes("rfc9112/6.1/te-and-content-length", "chunked, then closed", piped(2, bothReq, okJSON(echoBody("POST", probes.Prefix+"echo", "", env("HTTP_TRANSFER_ENCODING", "chunked"), input("auto", "hello")), "Connection: close"), true), "Transfer-Encoding alone"),
		fails("rfc9112/6.1/te-and-content-length", "framed by Content-Length", piped(2, bothReq, bothEcho("5\r\n")+badRequest(), true), `the app read "5\r\n"`),
		fails("rfc9112/6.1/te-and-content-length", "chunked, but kept open", piped(2, bothReq, bothEcho("hello")+smuggled, false), "stayed open"),
		fails("rfc9112/6.1/te-and-content-length", "refused, then the next request served", piped(2, bothReq, textResp("400 Bad Request", "Bad Request")+smuggled, false), "answered 400 Bad Request", "guessed"),
	)

	notFinalReq := append(post("chunked, identity", "5\r\nhello\r\n0\r\n\r\n"), t.get("/smuggled")...)
	cases = append(cases,
		passes("rfc9112/6.3/te-chunked-not-final", "400 and closed", piped(2, notFinalReq, badRequest(), true), "400"),
		passes("rfc9112/6.3/te-chunked-not-final", "501 and closed", piped(2, notFinalReq, textResp("501 Not Implemented", "Not Implemented", "Connection: close"), true), "501"),
		fails("rfc9112/6.3/te-chunked-not-final", "decoded as chunked", piped(2, notFinalReq, chunkedEcho("chunked, identity", "hello")+smuggled, false), "answered 200 OK; expected 400"),
		fails("rfc9112/6.3/te-chunked-not-final", "501, kept open", piped(2, notFinalReq, textResp("501 Not Implemented", "Not Implemented"), false), "501 but kept the connection open"),
		fails("rfc9112/6.3/te-chunked-not-final", "400, kept open", piped(2, notFinalReq, textResp("400 Bad Request", "Bad Request"), false), "400 but kept the connection open"),
	)

	unknownReq := post("x-conform, chunked", "5\r\nhello\r\n0\r\n\r\n")
	cases = append(cases,
		passes("rfc9112/6.1/unknown-transfer-coding", "501", answered(unknownReq, textResp("501 Not Implemented", "Not Implemented", "Connection: close"), true), "501"),
		fails("rfc9112/6.1/unknown-transfer-coding", "accepted", answered(unknownReq, chunkedEcho("x-conform, chunked", "hello"), false), "accepted 'Transfer-Encoding: x-conform, chunked'"),
		fails("rfc9112/6.1/unknown-transfer-coding", "400 instead of 501", answered(unknownReq, badRequest(), true), "recommends 501"),
	)

	te10Req := append(append(t.request("POST "+probes.Prefix+"echo HTTP/1.0", "Connection: keep-alive", "Transfer-Encoding: chunked", "Content-Length: 15"), "5\r\nhello\r\n0\r\n\r\n"...), t.request("GET /smuggled HTTP/1.0", "Connection: keep-alive")...)
	te10Echo := func(extra ...string) string {
		return strings.Replace(okJSON(echoBody("POST", probes.Prefix+"echo", "", env("SERVER_PROTOCOL", "HTTP/1.0", "HTTP_TRANSFER_ENCODING", "chunked", "CONTENT_LENGTH", "15", "HTTP_CONNECTION", "keep-alive"), input("auto", "hello")), extra...), "HTTP/1.1 200", "HTTP/1.0 200", 1)
	}
	cases = append(cases,
		passes("rfc9112/6.1/te-in-http10", "closed after the response", piped(2, te10Req, te10Echo(), true), "closed"),
		passes("rfc9112/6.1/te-in-http10", "400 and closed", piped(2, te10Req, badRequest(), true)),
		fails("rfc9112/6.1/te-in-http10", "keep-alive honoured", piped(2, te10Req, te10Echo("Connection: keep-alive")+strings.Replace(okJSON(echoBody("GET", "/smuggled", ""), "Connection: keep-alive"), "HTTP/1.1 200", "HTTP/1.0 200", 1), false), "next request was served (200 OK)"),
		fails("rfc9112/6.1/te-in-http10", "kept open", piped(2, te10Req, te10Echo("Connection: keep-alive"), false), "stayed open", "idle-timeout"),
	)

	for _, c := range []struct{ slug, value, read string }{
		{"content-length-plus", "+5", "hello"},
		{"content-length-negative", "-1", ""},
		{"content-length-non-digit", "5a", "hello"},
		{"content-length-underscore", "1_0", "helloGET /"},
		{"content-length-conflict", "5, 6", "hello"},
	} {
		id := "rfc9112/6.3/" + c.slug
		req := append(append(t.request("POST "+probes.Prefix+"echo HTTP/1.1", "Content-Length: "+c.value), "hello"...), t.get("/smuggled")...)
		accepted := okEcho("POST", probes.Prefix+"echo", "", env("CONTENT_LENGTH", c.value), input("read", c.read)) + badRequest()
		cases = append(cases,
			passes(id, "400 and closed", piped(2, req, badRequest(), true), "400"),
			fails(id, "accepted", piped(2, req, accepted, true), fmt.Sprintf("CONTENT_LENGTH='%s'", c.value), "read "+quoteBytes(c.read)),
			fails(id, "400, kept open", piped(2, req, textResp("400 Bad Request", "Bad Request"), false), "kept the connection open"),
		)
	}
	cases = append(cases, fails("rfc9112/6.3/content-length-non-digit", "waits for more body", piped(2, append(append(t.request("POST "+probes.Prefix+"echo HTTP/1.1", "Content-Length: 5a"), "hello"...), t.get("/smuggled")...), "", false), "no response while the connection stayed open"))
	repReq := append(append(t.request("POST "+probes.Prefix+"echo HTTP/1.1", "Content-Length: 5", "Content-Length: 6"), "hello!"...), t.get("/smuggled")...)
	cases = append(cases,
		passes("rfc9112/6.3/content-length-repeated-conflict", "400 and closed", piped(2, repReq, badRequest(), true)),
		fails("rfc9112/6.3/content-length-repeated-conflict", "first line taken", piped(2, repReq, okEcho("POST", probes.Prefix+"echo", "", env("CONTENT_LENGTH", "5"), input("auto", "hello"))+badRequest(), true), "CONTENT_LENGTH='5'", `read "hello"`),
	)

	identReq := append(t.request("POST "+probes.Prefix+"echo HTTP/1.1", "Content-Length: 5, 5"), "hello"...)
	cases = append(cases,
		passes("rfc9112/6.3/content-length-identical-list", "read as 5", answered(identReq, okEcho("POST", probes.Prefix+"echo", "", env("CONTENT_LENGTH", "5"), input("auto", "hello")), false), "Content-Length: 5"),
		passes("rfc9112/6.3/content-length-identical-list", "400", answered(identReq, badRequest(), true), "400"),
		fails("rfc9112/6.3/content-length-identical-list", "passed verbatim, unreadable", answered(identReq, okEcho("POST", probes.Prefix+"echo", "", env("CONTENT_LENGTH", "5, 5"), drop("wsgi.input_terminated")), false), `read ""`),
	)
	return cases
}

// ---------------------------------------------------------------------------------------
// concurrency

// ran is one blocking request as recorded: process, thread, and when the app ran it and
// the client had the whole response, from the start of the observation.
type ran struct {
	pid      int
	thread   int64
	from, to time.Duration
}

// blockingObs is what blockingRequests records: four requests to an app sleeping 500ms.
func blockingObs(multithread, multiprocess bool, runs ...ran) func() *Observation {
	return func() *Observation {
		var conns []*Conn
		for i, r := range runs {
			body := echoBody("GET", probes.Prefix+"sleep", "ms=500", result("slept_ms", 500), env("HTTP_CONNECTION", "close"),
				ranOn(r.pid, r.thread, sec(r.from), sec(r.to)), flags(multithread, multiprocess))
			req := recTarget.get(probes.Prefix+"sleep?ms=500", "Connection: close")
			conns = append(conns, timedEcho(fmt.Sprintf("blocking-%d", i+1), req, 0, r.to+2*time.Millisecond, okJSON(body, "Connection: close")))
		}
		return withValues(obs(conns...), "block_ms", 500.0)
	}
}

func concurrencyCases() []judgeCase {
	ms := time.Millisecond
	const pid = 4242
	// One thread serving the four in turn (wsgiref, gunicorn with one sync worker).
	serial := []ran{{pid, 1, 1 * ms, 502 * ms}, {pid, 1, 503 * ms, 1004 * ms}, {pid, 1, 1005 * ms, 1506 * ms}, {pid, 1, 1507 * ms, 2008 * ms}}
	// Four threads of one process at once (waitress, gunicorn gthread).
	threads := []ran{{pid, 11, 1 * ms, 502 * ms}, {pid, 12, 2 * ms, 503 * ms}, {pid, 13, 2 * ms, 503 * ms}, {pid, 14, 3 * ms, 504 * ms}}
	// Two threads, two requests each.
	twoThreads := []ran{{pid, 11, 1 * ms, 502 * ms}, {pid, 12, 2 * ms, 503 * ms}, {pid, 11, 503 * ms, 1004 * ms}, {pid, 12, 504 * ms, 1005 * ms}}
	// Four single-threaded worker processes (gunicorn -w 4 sync).
	workers := []ran{{4242, 1, 1 * ms, 502 * ms}, {4243, 1, 2 * ms, 503 * ms}, {4244, 1, 2 * ms, 503 * ms}, {4245, 1, 3 * ms, 504 * ms}}

	// fresh records a blocking request and a fresh one; freshFrom/freshTo are the probe's own
	// (server clock) seconds for the fresh request, the blocking one running 0.0-1.2.
	fresh := func(blockingDone, freshAfter time.Duration, freshFrom, freshTo float64) func() *Observation {
		return func() *Observation {
			t := recTarget
			block := okJSON(echoBody("GET", probes.Prefix+"sleep", "ms=1200", result("slept_ms", 1200), ranOn(4242, 1, 1000.0, 1001.2)), "Connection: close")
			return obs(
				timedEcho("blocking", t.get(probes.Prefix+"sleep?ms=1200", "Connection: close"), 0, blockingDone, block),
				timedEcho("fresh", t.get("/fresh", "Connection: close"), 201*ms, freshAfter, okJSON(echoBody("GET", "/fresh", "", ranOn(4242, 2, 1000+freshFrom, 1000+freshTo)), "Connection: close")),
			)
		}
	}
	stall := func(kind string, otherAfter time.Duration) func() *Observation {
		return func() *Observation {
			t := recTarget
			head := t.get("/slow-client")
			method, read := "GET", ""
			if kind == "body" {
				method, read = "POST", "abcdefghij"
			}
			stalled := script(nil, 1, false)
			stalled.Steps = stallSteps(head, kind, 1500*ms)
			c0 := replayTimed("stalled client", stalled, false, part{okEcho(method, "/slow-client", "", input("auto", read)), 1504 * ms})
			c1 := timedEcho("other client", t.get("/other", "Connection: close"), 201*ms, otherAfter, okJSON(echoBody("GET", "/other", ""), "Connection: close"))
			return obs(c0, c1)
		}
	}

	return []judgeCase{
		proving(passes("conform/concurrency/blocking-capacity", "four threads", blockingObs(true, false, threads...), "effective concurrency 4.0", "1 process(es), 4 thread(s)")),
		proving(passes("conform/concurrency/blocking-capacity", "four workers", blockingObs(false, true, workers...), "4 process(es)")),
		fails("conform/concurrency/blocking-capacity", "one at a time", blockingObs(true, true, serial...), "effective concurrency 1.0", "holds up every other"),
		gives(Inconclusive, "conform/concurrency/blocking-capacity", "a request not served", func() *Observation {
			o := blockingObs(true, false, threads...)()
			o.Conns[3] = replayed("blocking-4", script(recTarget.get(probes.Prefix+"sleep?ms=500", "Connection: close"), 1, false), textResp("503 Service Unavailable", "busy", "Connection: close"), true)
			return o
		}, "blocking-4", "503"),

		proving(passes("conform/concurrency/fresh-request-while-blocked", "answered at once", fresh(1203*ms, 3*ms, 0.201, 0.203), "997ms before the blocking request finished")),
		fails("conform/concurrency/fresh-request-while-blocked", "queued behind", fresh(1203*ms, 1005*ms, 1.202, 1.204), "ran in the app only after it had finished (2ms later)"),
		// Both answers reach the client at about the same moment; only the server's clock
		// tells that the fresh request waited (the flaky case wsgiref produced).
		fails("conform/concurrency/fresh-request-while-blocked", "arrived together, ran after", fresh(1207*ms, 1005*ms, 1.2008, 1.2012), "ran in the app only after it had finished"),

		proving(passes("conform/concurrency/slow-headers-isolated", "other served", stall("headers", 3*ms), "after 204ms")),
		fails("conform/concurrency/slow-headers-isolated", "other waited", stall("headers", 1305*ms), "only after 1.506s", "slowloris"),
		proving(passes("conform/concurrency/slow-body-isolated", "other served", stall("body", 3*ms), "after 204ms")),
		fails("conform/concurrency/slow-body-isolated", "other waited", stall("body", 1305*ms), "only after 1.506s"),

		passes("pep3333/environ/multithread-truthful", "True, threads overlap", blockingObs(true, false, threads...), "wsgi.multithread=true"),
		passes("pep3333/environ/multithread-truthful", "False, one thread", blockingObs(false, false, serial...), "wsgi.multithread=false"),
		passes("pep3333/environ/multithread-truthful", "False, one thread per process", blockingObs(false, true, workers...)),
		fails("pep3333/environ/multithread-truthful", "False, yet two threads overlap", blockingObs(false, false, twoThreads...), "process 4242 on threads 11 and 12"),
		fails("pep3333/environ/multithread-truthful", "True, yet serialised on one thread (wsgiref)", blockingObs(true, true, serial...), "4 requests blocking at once ran one after another"),
		gives(Inconclusive, "pep3333/environ/multithread-truthful", "flag absent", func() *Observation {
			o := blockingObs(true, false, threads...)()
			e := echoFor("GET", probes.Prefix+"sleep", "ms=500", drop("wsgi.multithread"))
			o.Conns[0] = exch(recTarget.get(probes.Prefix+"sleep?ms=500", "Connection: close"), okJSON(echoJSON(e)), true)
			return o
		}, "absent"),

		passes("pep3333/environ/multiprocess-truthful", "True, workers overlap", blockingObs(false, true, workers...), "wsgi.multiprocess=true"),
		passes("pep3333/environ/multiprocess-truthful", "False, one process", blockingObs(true, false, threads...), "wsgi.multiprocess=false"),
		fails("pep3333/environ/multiprocess-truthful", "False, yet workers overlap", blockingObs(false, false, workers...), "processes 4242 and 4243"),
	}
}

// ---------------------------------------------------------------------------------------
// Judges whose verdict on a recorded case looks wrong. Each case holds what the verdict
// should be; it is skipped, with the reason, while the Judge disagrees, and starts passing
// on its own once the Judge is fixed.

type disputedCase struct {
	id, name string
	obs      func() *Observation
	// right says whether the verdict is the one the spec asks for.
	right func(v Verdict) bool
	why   string
}

func disputedCases() []disputedCase {
	t := recTarget
	notConforms := func(v Verdict) bool { return v.Outcome != Conforms }
	inOrderReq := append(append(t.get(probes.Prefix+"sleep?ms=200"), t.get("/second")...), t.get("/third")...)
	bothReq := append(chunkedPost("chunked", "5\r\nhello\r\n0\r\n\r\n", "Content-Length: 3")(t), t.get("/smuggled")...)
	te10Req := append(append(t.request("POST "+probes.Prefix+"echo HTTP/1.0", "Connection: keep-alive", "Transfer-Encoding: chunked", "Content-Length: 15"), "5\r\nhello\r\n0\r\n\r\n"...), t.request("GET /smuggled HTTP/1.0", "Connection: keep-alive")...)
	return []disputedCase{
		{
			id: "rfc9112/9.3.2/pipelined-responses-in-order", name: "closed without answering any",
			obs:   func() *Observation { return obs(replayed("request", script(inOrderReq, 3, true), "", true)) },
			right: notConforms,
			why:   "zero responses then a close is reported as 'answered 0 of 3 in order': nothing was observed, so Inconclusive (or Violates), not Conforms",
		},
		{
			id: "rfc9112/6.1/te-and-content-length", name: "400, connection left open",
			obs:   piped(2, bothReq, textResp("400 Bad Request", "Bad Request"), false),
			right: func(v Verdict) bool { return v.Outcome == Violates },
			why:   "the RFC says the server MUST close the connection after responding; the Judge accepts any refusal when the pipelined request is merely not served, even with the connection idle and open",
		},
		{
			id: "rfc9112/6.1/te-and-content-length", name: "chunked body, connection left open",
			obs:   piped(2, bothReq, okJSON(echoBody("POST", probes.Prefix+"echo", "", env("HTTP_TRANSFER_ENCODING", "chunked", "CONTENT_LENGTH", "3"), input("auto", "hello"))), false),
			right: func(v Verdict) bool { return v.Outcome == Violates },
			why:   "reports 'processed by Transfer-Encoding alone and the connection closed' while the connection ended by idle timeout, still open",
		},
		{
			id: "rfc9112/6.1/te-in-http10", name: "no response, connection idle",
			obs:   piped(2, te10Req, "", false),
			right: notConforms,
			why:   "with no response at all and the connection still open, the Judge says 'the connection was closed after the request (connection idle-timeout)'",
		},
		{
			id: "pep3333/response/date-header", name: "Date in UTC, not GMT",
			obs: func() *Observation {
				return obs(exch(t.get("/date"), strings.Replace(okJSON(echoBody("GET", "/date", "")), dateLine, "Date: Thu, 01 Jan 2026 00:00:00 UTC", 1), false))
			},
			right: func(v Verdict) bool { return v.Outcome == Violates },
			why:   "time.RFC1123 accepts any zone abbreviation; IMF-fixdate (RFC 9110 §5.6.7) ends in the literal GMT",
		},
		{
			id: "pep3333/start-response/hop-by-hop-refused", name: "no response, connection idle",
			obs:   answered(scenario("hop-by-hop?name=Transfer-Encoding&value=chunked")(t), "", false),
			right: notConforms,
			why:   "a server that hangs is reported as 'refused: connection idle-timeout'; only a close or an error status is a refusal",
		},
		{
			id: "pep3333/start-response/header-errors-raised-early", name: "no response, connection idle",
			obs:   answered(scenario("header-value?value=bad%01value")(t), "", false),
			right: notConforms,
			why:   "same as hop-by-hop-refused: a hang counts as a refusal",
		},
	}
}

// TestJudgeEdgeCases holds cases that once exposed wrong Judges (found by writing this
// table): each asserts the verdict the spec sentence calls for.
func TestJudgeEdgeCases(t *testing.T) {
	for _, dc := range disputedCases() {
		dc := dc
		t.Run(dc.id+"/"+dc.name, func(t *testing.T) {
			t.Parallel()
			c, ok := Lookup(dc.id)
			if !ok {
				t.Fatalf("no check %s", dc.id)
			}
			if v := c.Judge(dc.obs()); !dc.right(v) {
				t.Errorf("%s (got %s: %s)", dc.why, outcomeName(v.Outcome), v.Message)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------
// Verdict.Status

func TestVerdictStatusByLevel(t *testing.T) {
	want := map[Outcome]map[Level]Status{
		Violates:      {Must: Fail, Should: Warn, May: Info},
		Conforms:      {Must: Pass, Should: Pass, May: Pass},
		Observed:      {Must: Info, Should: Info, May: Info},
		Inconclusive:  {Must: Error, Should: Error, May: Error},
		NotApplicable: {Must: Skip, Should: Skip, May: Skip},
	}
	for o, byLevel := range want {
		for l, s := range byLevel {
			if got := (Verdict{Outcome: o}).Status(l); got != s {
				t.Errorf("%s at %v: %s, want %s", outcomeName(o), l, got, s)
			}
		}
	}
	// The constructors set the outcome their name says, with the formatted message.
	for _, c := range []struct {
		v    Verdict
		want Outcome
	}{
		{conforms("a %d", 1), Conforms}, {violates("a %d", 1), Violates}, {observed("a %d", 1), Observed},
		{inconclusive("a %d", 1), Inconclusive}, {notApplicable("a %d", 1), NotApplicable},
	} {
		if c.v.Outcome != c.want || c.v.Message != "a 1" {
			t.Errorf("constructor gave %s %q, want %s \"a 1\"", outcomeName(c.v.Outcome), c.v.Message, outcomeName(c.want))
		}
	}
	if v := violates("x").with("A", "B"); !reflect.DeepEqual(v.Keys, []string{"A", "B"}) {
		t.Errorf("with: keys %v", v.Keys)
	}
}

// ---------------------------------------------------------------------------------------
// Select

func fakeCheck(id, area string, requires ...string) *Check {
	return &Check{
		ID: id, Title: id, Area: area, Quote: "quote", Level: Must, Requires: requires,
		Observe: func(ctx context.Context, t *Target) (*Observation, error) { return obs(), nil },
		Judge:   func(*Observation) Verdict { return conforms("fine") },
	}
}

func ids(cs []*Check) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func TestSelect(t *testing.T) {
	catalog := []*Check{
		fakeCheck("pep3333/environ/wsgi-version", "environ"),
		fakeCheck("rfc9112/3.2/missing-host", "fields"),
		fakeCheck("rfc9112/6.3/content-length-plus", "framing"),
		fakeCheck("rfc9112/7.1/chunk-size-sign", "framing"),
		fakeCheck("rfc9112/7.1/chunked-body", "framing"),
		fakeCheck("rfc9112/7.1.1/chunk-extensions-ignored", "framing"),
		fakeCheck("rfc9110/8.6/content-length-overflow", "framing"),
		fakeCheck("rfc91120/1/decoy", "fields"),
	}
	for _, c := range []struct {
		name       string
		only, skip []string
		want       []string
	}{
		{"everything", nil, nil, ids(catalog)},
		{"ID glob", []string{"rfc9112/7.1/*"}, nil, []string{"rfc9112/7.1/chunk-size-sign", "rfc9112/7.1/chunked-body"}},
		{"glob inside a segment", []string{"rfc9112/7.1/chunk-size-*"}, nil, []string{"rfc9112/7.1/chunk-size-sign"}},
		{"glob over the section", []string{"rfc9112/*/missing-host"}, nil, []string{"rfc9112/3.2/missing-host"}},
		{"section prefix", []string{"rfc9112/7.1"}, nil, []string{"rfc9112/7.1/chunk-size-sign", "rfc9112/7.1/chunked-body"}},
		{"section prefix with slash", []string{"rfc9112/7.1/"}, nil, []string{"rfc9112/7.1/chunk-size-sign", "rfc9112/7.1/chunked-body"}},
		{"document prefix", []string{"rfc9112"}, nil, []string{"rfc9112/3.2/missing-host", "rfc9112/6.3/content-length-plus", "rfc9112/7.1/chunk-size-sign", "rfc9112/7.1/chunked-body", "rfc9112/7.1.1/chunk-extensions-ignored"}},
		{"exact ID", []string{"pep3333/environ/wsgi-version"}, nil, []string{"pep3333/environ/wsgi-version"}},
		{"area", []string{"framing"}, nil, []string{"rfc9112/6.3/content-length-plus", "rfc9112/7.1/chunk-size-sign", "rfc9112/7.1/chunked-body", "rfc9112/7.1.1/chunk-extensions-ignored", "rfc9110/8.6/content-length-overflow"}},
		{"two patterns, catalog order kept", []string{"rfc9110", "environ"}, nil, []string{"pep3333/environ/wsgi-version", "rfc9110/8.6/content-length-overflow"}},
		{"skip only", nil, []string{"rfc9112/7.1.1", "rfc91120"}, []string{"pep3333/environ/wsgi-version", "rfc9112/3.2/missing-host", "rfc9112/6.3/content-length-plus", "rfc9112/7.1/chunk-size-sign", "rfc9112/7.1/chunked-body", "rfc9110/8.6/content-length-overflow"}},
		{"area minus globs", []string{"framing"}, []string{"rfc9112/6.3/*", "rfc9110"}, []string{"rfc9112/7.1/chunk-size-sign", "rfc9112/7.1/chunked-body", "rfc9112/7.1.1/chunk-extensions-ignored"}},
	} {
		got, err := Select(catalog, c.only, c.skip)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(ids(got), c.want) {
			t.Errorf("%s: only %q skip %q selected\n  %q\nwant\n  %q", c.name, c.only, c.skip, ids(got), c.want)
		}
	}

	for _, c := range []struct {
		name       string
		only, skip []string
		want       string
	}{
		{"bad only pattern", []string{"rfc9112/["}, nil, `bad pattern "rfc9112/["`},
		{"bad skip pattern", nil, []string{"framing", "a\\"}, `bad pattern "a\\"`},
		{"nothing matched", []string{"rfc9999"}, nil, "no check matches"},
		{"everything skipped", []string{"framing"}, []string{"framing"}, "no check matches"},
		{"a segment is not a prefix", []string{"rfc9112/7"}, nil, "no check matches"},
	} {
		got, err := Select(catalog, c.only, c.skip)
		if err == nil {
			t.Errorf("%s: selected %q, want an error", c.name, ids(got))
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not say %q", c.name, err, c.want)
		}
	}
}

// TestSelectCatalog selects from the real catalog by area and by glob.
func TestSelectCatalog(t *testing.T) {
	for _, area := range Areas {
		got, err := Select(All(), []string{area}, nil)
		if err != nil {
			t.Errorf("area %s: %v", area, err)
			continue
		}
		n := 0
		for _, c := range All() {
			if c.Area == area {
				n++
			}
		}
		for _, c := range got {
			if c.Area != area && !strings.HasPrefix(c.ID, area+"/") {
				t.Errorf("area %s selected %s (area %s)", area, c.ID, c.Area)
			}
		}
		if len(got) < n {
			t.Errorf("area %s: %d checks, catalog has %d", area, len(got), n)
		}
	}
	got, err := Select(All(), []string{"rfc9112/7.1/*"}, []string{"rfc9112/7.1/chunk-size-*"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got {
		if !strings.HasPrefix(c.ID, "rfc9112/7.1/") || strings.HasPrefix(c.ID, "rfc9112/7.1/chunk-size-") {
			t.Errorf("glob selected %s", c.ID)
		}
	}
}

// ---------------------------------------------------------------------------------------
// Ordered

func TestOrderedPutsPrerequisitesFirst(t *testing.T) {
	a := fakeCheck("a/x/depends", "framing", "z/x/base")
	z := fakeCheck("z/x/base", "framing")
	p := fakeCheck("m/x/unrelated-1", "framing")
	q := fakeCheck("m/x/unrelated-2", "framing")
	b := fakeCheck("b/x/middle", "framing", "z/x/base")
	c := fakeCheck("c/x/top", "framing", "b/x/middle")
	missing := fakeCheck("d/x/needs-absent", "framing", "not/in/the-list")
	cyc1 := fakeCheck("e/x/cycle-1", "framing", "e/x/cycle-2")
	cyc2 := fakeCheck("e/x/cycle-2", "framing", "e/x/cycle-1")
	for _, tc := range []struct {
		name string
		in   []*Check
		want []string
	}{
		{"dependent sorts first", []*Check{a, z}, []string{"z/x/base", "a/x/depends"}},
		{"others keep their order", []*Check{p, a, q, z}, []string{"m/x/unrelated-1", "z/x/base", "a/x/depends", "m/x/unrelated-2"}},
		{"chain", []*Check{c, b, z}, []string{"z/x/base", "b/x/middle", "c/x/top"}},
		{"shared prerequisite placed once", []*Check{a, c, b, z}, []string{"z/x/base", "a/x/depends", "b/x/middle", "c/x/top"}},
		{"prerequisite left out", []*Check{missing, p}, []string{"d/x/needs-absent", "m/x/unrelated-1"}},
		{"cycle terminates", []*Check{cyc1, cyc2}, []string{"e/x/cycle-2", "e/x/cycle-1"}},
	} {
		if got := ids(Ordered(tc.in)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}

	// In the real catalog, every check runs after what it requires, and every check once.
	all := All()
	ordered := Ordered(all)
	if len(ordered) != len(all) {
		t.Fatalf("Ordered returned %d of %d checks", len(ordered), len(all))
	}
	pos := map[string]int{}
	for i, c := range ordered {
		if _, dup := pos[c.ID]; dup {
			t.Errorf("%s placed twice", c.ID)
		}
		pos[c.ID] = i
	}
	sawEarlierID := false
	for _, c := range ordered {
		for _, r := range c.Requires {
			if pos[r] > pos[c.ID] {
				t.Errorf("%s runs before its prerequisite %s", c.ID, r)
			}
			if r > c.ID {
				sawEarlierID = true
			}
		}
	}
	if !sawEarlierID {
		t.Log("no check in the catalog requires one whose ID sorts after its own; covered by the synthetic cases above")
	}
}

// ---------------------------------------------------------------------------------------
// Run and RunOne

func fixedObserve(o *Observation, err error) func(context.Context, *Target) (*Observation, error) {
	return func(context.Context, *Target) (*Observation, error) { return o, err }
}

func TestRunOneRecoversFromPanickingJudge(t *testing.T) {
	c := fakeCheck("conform/test/panics", "framing")
	c.Observe = fixedObserve(obs(exch(recTarget.get("/"), okEcho("GET", "/", ""), false)), nil)
	c.Judge = func(*Observation) Verdict { panic("boom: judge bug") }
	r := RunOne(context.Background(), NewTarget("127.0.0.1:1"), c, time.Second)
	if r.Status != Error || !strings.Contains(r.Message, "internal error in check") || !strings.Contains(r.Message, "boom: judge bug") {
		t.Fatalf("status %s, message %q; want error naming the panic", r.Status, r.Message)
	}
	if r.Check != c {
		t.Error("result does not point at its check")
	}

	// A real Judge handed an observation without connections panics on index; the run
	// goes on with an error result instead of crashing.
	orig, ok := Lookup("rfc9112/5.1/whitespace-before-colon")
	if !ok {
		t.Skip("check renamed")
	}
	cp := *orig
	cp.Observe = fixedObserve(&Observation{}, nil)
	r = RunOne(context.Background(), NewTarget("127.0.0.1:1"), &cp, time.Second)
	if r.Status != Error || !strings.Contains(r.Message, "internal error in check") {
		t.Fatalf("status %s, message %q", r.Status, r.Message)
	}
}

func TestRunOneResults(t *testing.T) {
	target := NewTarget("127.0.0.1:1")
	orig, ok := Lookup("rfc9112/3.2/missing-host")
	if !ok {
		t.Skip("check renamed")
	}
	req := recTarget.get("/nohost", noHost)

	// A recorded 400: pass, with the exchange as evidence. (The connection is left open:
	// a replay that closes may end before the request was taken, leaving Sent empty.)
	cp := *orig
	cp.Observe = fixedObserve(obs(exch(req, badRequest(), false)), nil)
	r := RunOne(context.Background(), target, &cp, time.Second)
	if r.Status != Pass {
		t.Fatalf("status %s: %s", r.Status, r.Message)
	}
	if len(r.Evidence) != 1 || !bytes.Equal(r.Evidence[0].Request, req) || !bytes.HasPrefix(r.Evidence[0].Response, []byte("HTTP/1.1 400 Bad Request\r\n")) || !strings.Contains(r.Evidence[0].End, "connection open") {
		t.Fatalf("evidence %+v", r.Evidence)
	}

	// A recorded 200 to a Must check: fail.
	cp.Observe = fixedObserve(obs(exch(req, okEcho("GET", "/nohost", "", drop("HTTP_HOST")), false)), nil)
	if r := RunOne(context.Background(), target, &cp, time.Second); r.Status != Fail {
		t.Fatalf("status %s: %s", r.Status, r.Message)
	}

	// An unreachable target.
	cp.Observe = fixedObserve(nil, fmt.Errorf("%w: connect to 127.0.0.1:1: connection refused", wire.ErrUnreachable))
	if r := RunOne(context.Background(), target, &cp, time.Second); r.Status != Error || !strings.Contains(r.Message, "target stopped accepting connections") {
		t.Fatalf("status %s: %s", r.Status, r.Message)
	}

	// An observation that outlives the check's deadline.
	cp.Observe = func(ctx context.Context, _ *Target) (*Observation, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if r := RunOne(context.Background(), target, &cp, 20*time.Millisecond); r.Status != Error || !strings.Contains(r.Message, "check timed out after 20ms") {
		t.Fatalf("status %s: %s", r.Status, r.Message)
	}

	// Any other observation error is passed on as is.
	cp.Observe = fixedObserve(nil, errors.New("probe protocol mismatch"))
	if r := RunOne(context.Background(), target, &cp, time.Second); r.Status != Error || r.Message != "probe protocol mismatch" {
		t.Fatalf("status %s: %s", r.Status, r.Message)
	}
}

func TestRunSkipsDependentsOfFailures(t *testing.T) {
	base := fakeCheck("z/x/base", "framing")
	base.Judge = func(*Observation) Verdict { return violates("base broken") }
	dep := fakeCheck("a/x/depends", "framing", "z/x/base")
	dep.Judge = func(*Observation) Verdict {
		t.Error("dependent judged although its prerequisite failed")
		return conforms("")
	}
	free := fakeCheck("b/x/free", "framing", "not/selected/check")
	var progress []int
	results := Run(context.Background(), NewTarget("127.0.0.1:1"), []*Check{dep, free, base}, RunOptions{
		Progress: func(done, total int, r *Result) {
			if total != 3 {
				t.Errorf("progress total %d", total)
			}
			progress = append(progress, done)
		},
	})
	got := map[string]*Result{}
	var order []string
	for _, r := range results {
		got[r.Check.ID] = r
		order = append(order, r.Check.ID)
	}
	if !reflect.DeepEqual(order, []string{"z/x/base", "a/x/depends", "b/x/free"}) {
		t.Errorf("run order %q", order)
	}
	if r := got["z/x/base"]; r.Status != Fail {
		t.Errorf("base: %s", r.Status)
	}
	if r := got["a/x/depends"]; r.Status != Skip || !strings.Contains(r.Message, "depends on z/x/base") {
		t.Errorf("dependent: %s %q", r.Status, r.Message)
	}
	if r := got["b/x/free"]; r.Status != Pass {
		t.Errorf("check whose prerequisite was not selected: %s %q", r.Status, r.Message)
	}
	if !reflect.DeepEqual(progress, []int{1, 2, 3}) {
		t.Errorf("progress %v", progress)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, r := range Run(ctx, NewTarget("127.0.0.1:1"), []*Check{free}, RunOptions{}) {
		if r.Status != Skip || !strings.Contains(r.Message, "interrupted") {
			t.Errorf("interrupted run: %s %q", r.Status, r.Message)
		}
	}
}

// Through a mapped port the server's own port (--server-port) is the one SERVER_PORT
// must name, not the port conform connected to.
func TestServerPortBehindAMappedPort(t *testing.T) {
	c := realCheck(t, "pep3333/environ/server-name-port")
	mapped := func(serverPort string, recorded float64) *Observation {
		x := exch(recTarget.get("/"), okEcho("GET", "/", "", env("SERVER_PORT", serverPort)), false)
		x.Addr = "127.0.0.1:18000" // the published port conform connected to
		o := obs(x)
		if recorded > 0 {
			o = withValues(o, "server_port", recorded)
		}
		return o
	}
	for _, tc := range []struct {
		name     string
		o        *Observation
		want     Outcome
		contains string
	}{
		{"no mapping given: the port connected to", mapped("8000", 0), Violates, "--server-port"},
		{"the server's own port, given", mapped("8000", 8000), Conforms, `SERVER_PORT="8000"`},
		{"the published port although the server listens on another", mapped("18000", 8000), Violates, "listens on port 8000"},
	} {
		v := c.Judge(tc.o)
		if v.Outcome != tc.want || !strings.Contains(v.Message, tc.contains) {
			t.Errorf("%s: %s %q; want %s with %q", tc.name, outcomeName(v.Outcome), v.Message, outcomeName(tc.want), tc.contains)
		}
	}
}
