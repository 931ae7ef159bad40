package spec

import (
	"fmt"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// Recorded cases of the checks of the trace's open sentences (open_sentences.go), with the
// failures found on real servers (testdata/verdicts/<server>.txt pins each to its source).

func init() { moreJudgeCases = append(moreJudgeCases, openSentenceCases) }

func openSentenceCases() []judgeCase {
	t := recTarget
	echoOf := func(path string) string { return okEcho("GET", path, "") }
	closing := func(resp string) string { return strings.Replace(resp, "\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1) }
	seq := func(conns ...*Conn) func() *Observation { return func() *Observation { return obs(conns...) } }
	conn := func(label string, s wire.Script, received string, closed bool) *Conn {
		return replayed(label, s, received, closed)
	}

	// ---- unread bodies ----
	hidden := openHiddenRequest(t)
	postEcho := okEcho("POST", probes.Prefix+"echo", "read=none", env("CONTENT_LENGTH", fmt.Sprint(len(hidden)), "CONTENT_TYPE", "text/plain"))
	clReq := append(openUnreadPost(t, hidden, fmt.Sprintf("Content-Length: %d", len(hidden))), t.get("/after")...)
	clObs := func(received string, closed bool) func() *Observation {
		return func() *Observation { return obs(replayed("request", openLingering(clReq, 2), received, closed)) }
	}
	chReq := append(openUnreadPost(t, openUnreadChunked(t), "Transfer-Encoding: chunked"), t.get("/after")...)
	chObs := func(received string, closed bool) func() *Observation {
		return func() *Observation { return obs(replayed("request", openLingering(chReq, 2), received, closed)) }
	}
	expObs := func(received string, closed bool) func() *Observation {
		return func() *Observation { return obs(replayed("request", openExpectUnread(t), received, closed)) }
	}
	const cl = "rfc9112/9.3/unread-body/content-length"
	const ch = "rfc9112/9.3/unread-body/chunked"
	const ex = "rfc9112/9.3/unread-body/expect-continue"
	const fr = "rfc9110/10.1.1/final-response-before-body"
	http10Echo := strings.Replace(postEcho, "HTTP/1.1 200 OK", "HTTP/1.0 200 OK", 1)

	// ---- a body cut short ----
	shortReq := append(t.request("POST "+probes.Prefix+"echo HTTP/1.1", "Content-Type: text/plain", "Content-Length: 10"), "hello"...)
	shortObs := func(received string, closed bool) func() *Observation {
		return func() *Observation {
			s := wire.Script{Steps: []wire.Step{{Data: shortReq}}, HalfClose: true, Responses: 1, Linger: 150 * time.Millisecond, IdleTimeout: 3 * time.Second}
			return obs(replayed("request", s, received, closed))
		}
	}
	shortEcho := func(opts ...echoOpt) string {
		return okEcho("POST", probes.Prefix+"echo", "", append([]echoOpt{env("CONTENT_LENGTH", "10", "CONTENT_TYPE", "text/plain")}, opts...)...)
	}
	const sh = "rfc9112/6.3/incomplete-body-half-close"

	// ---- the server's own close ----
	badReq := append(t.get("/bad-request", "this field line has no colon"), t.get(openHiddenPath)...)
	const oc = "rfc9112/9.6/own-close-honoured"

	// ---- trailers ----
	trReq := chunkedPost("chunked", "5\r\nhello\r\n0\r\nHost: evil.example\r\nContent-Length: 99\r\n\r\n")(t)
	trEcho := func(opts ...echoOpt) string {
		return okEcho("POST", probes.Prefix+"echo", "", append([]echoOpt{env("HTTP_TRANSFER_ENCODING", "chunked"), input("auto", "hello")}, opts...)...)
	}
	fwdReq := chunkedPost("chunked", "5\r\nhello\r\n0\r\nX-Forwarded-For: 6.6.6.6\r\nX-Conform-Trailer: t\r\n\r\n")(t)

	// ---- response framing ----
	fwBig := t.get(probes.Prefix + "file-wrapper?size=20000")
	ncl11 := t.get(probes.Prefix + "no-content-length?chunks=2")
	ncl10 := t.request("GET " + probes.Prefix + "no-content-length?chunks=2 HTTP/1.0")
	blocks := "block-0\nblock-1\n"
	big := string(openFileData(20000))
	framingObs := func(first string) func() *Observation {
		return seq(
			conn("app Content-Length, 3 blocks", openLingering(fwBig, 1), first, false),
			conn("no Content-Length, HTTP/1.1", openLingering(ncl11, 1), httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: chunked"}, chunked("block-0\n", "block-1\n")), false),
			conn("no Content-Length, HTTP/1.0", openLingering(ncl10, 1), httpResp("HTTP/1.0 200 OK", []string{"Content-Type: text/plain"}, blocks), true),
		)
	}
	fwHead := []string{"Content-Type: application/octet-stream", "X-Conform-File-Wrapper: used"}

	r204a := append(t.get(probes.Prefix+"status?code=204&body=unexpected"), t.get("/after")...)
	r204b := append(t.get(probes.Prefix+"status?code=204"), t.get("/after")...)
	after := echoOf("/after")
	obs204 := func(a, b string) func() *Observation {
		return seq(conn("204 with a body", openLingering(r204a, 2), a, false), conn("204 without a body", openLingering(r204b, 2), b, false))
	}
	plain204 := httpResp("204 No Content", []string{"Content-Type: text/plain"}, "") + after

	selfReq := append(t.get(probes.Prefix+"self-chunked"), t.get("/after")...)
	appChunks := "5\r\nhello\r\n0\r\n\r\n"
	const dc = "rfc9112/6.1/no-double-chunking"

	getNCL := t.get(probes.Prefix+"no-content-length?chunks=2", "Connection: close")
	headNCL := t.request("HEAD "+probes.Prefix+"no-content-length?chunks=2 HTTP/1.1", "Connection: close")
	headObs := func(head string, headClosed bool) func() *Observation {
		return seq(
			conn("GET", openLingering(getNCL, 1), closing(httpResp("200 OK", []string{"Content-Type: text/plain"}, blocks)), true),
			conn("HEAD", openLingering(headNCL, 1, true), head, headClosed),
		)
	}
	const hc = "rfc9110/8.6/head-content-length"

	upReq := append(t.get(probes.Prefix+"status?code=101"), t.get("/after")...)
	const up = "rfc9110/15.2.2/101-without-upgrade"

	bigValue := strings.Repeat("a", 64<<10)
	bigReq := t.get("/large-value", "X-Conform-Big: "+bigValue)
	const lv = "rfc9110/5.4/large-fields/value-64k"
	fields := make([]string, 2000)
	linesEnv := make([]interface{}, 0, 4000)
	for i := range fields {
		fields[i] = fmt.Sprintf("X-Conform-F%d: %d", i, i)
		linesEnv = append(linesEnv, fmt.Sprintf("HTTP_X_CONFORM_F%d", i), fmt.Sprint(i))
	}
	linesReq := t.get("/many-lines", fields...)
	const ll = "rfc9110/5.4/large-fields/lines-2000"
	tooLarge := closing(textResp("431 Request Header Fields Too Large", "Request Header Fields Too Large"))

	// ---- file wrappers ----
	data := openFileData(4096)
	posReq := append(t.get(probes.Prefix+"file-wrapper-at?size=4096&offset=1000&length=100"), t.get("/after")...)
	const fp = "pep3333/response/file-wrapper-position"
	genReq := append(t.get(probes.Prefix+"file-wrapper-at?size=4096&offset=1000"), t.get("/after")...)
	const fg = "pep3333/response/file-wrapper-generated-length"
	unrReq := append(t.get(probes.Prefix+"file-wrapper-unreturned"), t.get("/after")...)
	const fn = "pep3333/response/file-wrapper-not-returned"
	unrHead := []string{"Content-Type: text/plain", "X-Conform-File-Wrapper: used"}

	// ---- application errors ----
	errCall := t.get(probes.Prefix + "app-error?at=call")
	errBlock := t.get(probes.Prefix + "app-error?at=block")
	nextReq := t.get("/after-error")
	midScript := wire.Script{Steps: []wire.Step{{Data: errBlock}}, Responses: 1, Linger: 300 * time.Millisecond, IdleTimeout: 3 * time.Second}
	errObs := func(first string, closed bool) func() *Observation {
		return seq(conn("app raises", openLingering(errCall, 1), first, closed), conn("next request", openLingering(nextReq, 1), echoOf("/after-error"), false))
	}
	midObs := func(first string, closed bool) func() *Observation {
		return seq(conn("app raises mid-body", midScript, first, closed), conn("next request", openLingering(nextReq, 1), echoOf("/after-error"), false))
	}
	octet := []string{"Content-Type: application/octet-stream", "Transfer-Encoding: chunked"}
	const eb = "pep3333/response/app-error-before-start"
	const em = "pep3333/response/app-error-mid-body"

	// ---- environ and start_response ----
	noAuth := t.get("/no-authentication")
	envReq := t.get(probes.Prefix + "environ-type")
	latinReq := scenario("header-not-latin1")(t)
	latinEcho := func(kv ...interface{}) []byte {
		return echoBody("GET", probes.Prefix+"header-not-latin1", "", result(kv...))
	}
	const nl = "pep3333/start-response/header-not-latin1-refused"

	return []judgeCase{
		// RFC 9112 §9.3
		passes(cl, "body read past, next request served (waitress)", clObs(postEcho+after, false), "answered the pipelined GET /after"),
		passes(cl, "closed after the response (gunicorn sync)", clObs(closing(postEcho), true), "closed the connection"),
		fails(cl, "the body served as a request", clObs(postEcho+echoOf(openHiddenPath)+after, false), "request smuggling", "GET /smuggled"),
		fails(cl, "the next request lost, connection open", clObs(postEcho, false), "never answered"),
		passes(ch, "body read past", chObs(postEcho+after, false)),
		// cheroot: ChunkedRFile is never drained, so the chunk-size line "24" is a request line.
		fails(ch, "the chunk lines read as a request (cheroot)", chObs(postEcho+closing(textResp("400 Bad Request", "Malformed Request-Line")), true), "the second response is 400 Bad Request", "not to the pipelined GET /after"),
		passes(ex, "answered, said close, closed (reference)", expObs(closing(postEcho), true)),
		passes(ex, "100 Continue, body consumed (waitress)", expObs("HTTP/1.1 100 Continue\r\n\r\n"+postEcho+after, false)),
		// gevent: Input._discard skips a body whose 100 Continue was never sent.
		fails(ex, "the body served as a request (gevent)", expObs(postEcho+echoOf(openHiddenPath), false), "request smuggling"),

		// RFC 9110 §10.1.1
		passes(fr, "said close, closed", expObs(closing(postEcho), true), "Connection: close"),
		passes(fr, "HTTP/1.0 response, closed (wsgiref)", expObs(http10Echo, true), "HTTP/1.0 response without keep-alive"),
		passes(fr, "kept reading", expObs(postEcho+after, false), "kept reading"),
		fails(fr, "closed without saying so (uWSGI)", expObs(postEcho, true), "without saying Connection: close, then closed"),
		fails(fr, "the content served as a request (gevent)", expObs(postEcho+echoOf(openHiddenPath), false), "a desync"),
		fails(fr, "said close, kept the connection open", expObs(closing(postEcho), false), "stayed open"),

		// RFC 9112 §6.3
		passes(sh, "closed without running the app (waitress)", shortObs("", true), "without running the app"),
		passes(sh, "wsgi.input raised, closed", shortObs(closing(shortEcho(input("auto", "hello"), inputError("IOError: client disconnected"))), true), "wsgi.input raised"),
		passes(sh, "400, closed", shortObs(badRequest(), true)),
		fails(sh, "the app took 5 bytes for the body (wsgiref, gunicorn)", shortObs(closing(shortEcho(input("auto", "hello", call("read", 10, 5), call("read", 5, 0)))), true), `read "hello"`, "no error"),
		fails(sh, "neither answered nor closed", shortObs("", false), "neither answered nor closed"),
		fails(sh, "408, connection kept", shortObs(textResp("408 Request Timeout", "timeout"), false), "left the connection open"),

		// RFC 9112 §9.6
		passes(oc, "400 with close, closed (waitress)", piped(2, badReq, badRequest(), true), "nothing more was served"),
		fails(oc, "400 with close, then the next request served", piped(2, badReq, badRequest()+echoOf(openHiddenPath), false), "served the pipelined request"),
		fails(oc, "400 with close, left open", piped(2, badReq, badRequest(), false), "did not close"),
		gives(NotApplicable, oc, "400 without close (cheroot)", piped(2, badReq, textResp("400 Bad Request", "Illegal header line."), false), "without Connection: close"),

		// RFC 9112 §7.1.2, RFC 9110 §6.5.1
		passes("rfc9112/7.1.2/trailer-not-merged", "trailers dropped", answered(trReq, trEcho(), false), "no trailer field"),
		fails("rfc9112/7.1.2/trailer-not-merged", "Host replaced by the trailer", answered(trReq, trEcho(env("HTTP_HOST", "evil.example")), false), "HTTP_HOST='evil.example'"),
		passes("rfc9112/7.1.2/trailer-not-merged", "refused", answered(trReq, badRequest(), true), "refused"),
		passes("rfc9110/6.5.1/trailer-not-merged", "trailers dropped", answered(fwdReq, trEcho(), false)),
		passes("rfc9110/6.5.1/trailer-not-merged", "a front's own X-Forwarded-For", answered(fwdReq, trEcho(env("HTTP_X_FORWARDED_FOR", "127.0.0.1")), false), "no trailer field"),
		passes("rfc9112/7.1.2/trailer-not-merged", "a front's own X-Forwarded-For", answered(trReq, trEcho(env("HTTP_X_FORWARDED_FOR", "127.0.0.1")), false), "no trailer field"),
		fails("rfc9110/6.5.1/trailer-not-merged", "only X-Forwarded-For merged, after the front's", answered(fwdReq, trEcho(env("HTTP_X_FORWARDED_FOR", "127.0.0.1, 6.6.6.6")), false), "6.6.6.6"),
		fails("rfc9110/6.5.1/trailer-not-merged", "X-Forwarded-For merged", answered(fwdReq, trEcho(env("HTTP_X_FORWARDED_FOR", "6.6.6.6", "HTTP_X_CONFORM_TRAILER", "t")), false), "HTTP_X_FORWARDED_FOR='6.6.6.6'"),

		// RFC 9112 §6.2
		passes("rfc9112/6.2/no-content-length-with-te", "length, chunked, close-delimited", framingObs(withLength("200 OK", fwHead, big)), "none of 3"),
		fails("rfc9112/6.2/no-content-length-with-te", "the app's length beside chunked", framingObs(httpResp("200 OK", append(fwHead, "Content-Length: 20000", "Transfer-Encoding: chunked"), chunked(big[:8192], big[8192:16384], big[16384:]))),
			"app Content-Length, 3 blocks", "Content-Length: 20000, Transfer-Encoding: chunked"),

		// RFC 9112 §6.1 and RFC 9110 §8.6 on 204
		passes("rfc9112/6.1/no-te-in-204", "none", obs204(plain204, plain204), "no Transfer-Encoding in 2"),
		fails("rfc9112/6.1/no-te-in-204", "chunked 204", obs204(httpResp("204 No Content", []string{"Content-Type: text/plain", "Transfer-Encoding: chunked"}, "")+after, plain204), "Transfer-Encoding: chunked"),
		gives(NotApplicable, "rfc9112/6.1/no-te-in-204", "refused with 500", obs204(textResp("500 Internal Server Error", "error")+after, textResp("500 Internal Server Error", "error")+after), "answered 500"),
		passes("rfc9110/8.6/no-content-length-in-204", "none", obs204(plain204, plain204)),
		// wsgiref, eventlet, tornado: a one-block body gets its length, whatever the status.
		fails("rfc9110/8.6/no-content-length-in-204", "length of the app's body (wsgiref, eventlet, tornado)", obs204(httpResp("204 No Content", []string{"Content-Type: text/plain", "Content-Length: 10"}, "")+after, plain204), "Content-Length: 10", "204 with a body"),
		fails("rfc9110/8.6/no-content-length-in-204", "Content-Length: 0", obs204(plain204, httpResp("204 No Content", []string{"Content-Type: text/plain", "Content-Length: 0"}, "")+after), "Content-Length: 0", "204 without a body"),

		// RFC 9112 §6.1: chunking twice
		passes(dc, "refused with 500 (waitress)", piped(2, selfReq, textResp("500 Internal Server Error", "Internal Server Error")+after, false), "refused"),
		passes(dc, "the app's chunking passed once", piped(2, selfReq, httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: Chunked"}, appChunks)+after, false), "decodes 'hello'"),
		passes(dc, "the app's header dropped, its bytes chunked once", piped(2, selfReq, httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: chunked"}, chunked("5\r\nhello\r\n", "0\r\n\r\n"))+after, false), "dropped the app's Transfer-Encoding"),
		// werkzeug, cheroot, twisted: the app's line kept, the server's own added.
		fails(dc, "both lines, chunked again (werkzeug)", piped(2, selfReq, httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: Chunked", "Transfer-Encoding: chunked"}, chunked("5\r\nhello\r\n", "0\r\n\r\n"))+after, false), "lists chunked 2 times"),
		fails(dc, "the app's line kept, chunked again", piped(2, selfReq, httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: Chunked"}, chunked("5\r\nhello\r\n", "0\r\n\r\n"))+after, false), "kept the app's 'Transfer-Encoding: Chunked'"),

		// RFC 9110 §8.6 on HEAD
		passes(hc, "no length", headObs(closing(httpResp("200 OK", []string{"Content-Type: text/plain"}, "")), true), "no Content-Length"),
		passes(hc, "the GET length", headObs(closing(httpResp("200 OK", []string{"Content-Type: text/plain", "Content-Length: 16"}, "")), true), "Content-Length: 16"),
		fails(hc, "Content-Length: 0", headObs(closing(httpResp("200 OK", []string{"Content-Type: text/plain", "Content-Length: 0"}, "")), true), "Content-Length: 0", "GET sent 16 bytes"),
		gives(NotApplicable, hc, "HEAD not answered (tornado)", headObs("", true), "not answered at all"),

		// RFC 9110 §15.2.2
		passes(up, "refused with 500 (reference)", piped(2, upReq, textResp("500 Internal Server Error", "error")+after, false), "answered 500"),
		fails(up, "101 without Upgrade (every server tested)", piped(2, upReq, httpResp("101 Switching Protocols", []string{"Content-Type: text/plain"}, "")+after, false), "without an Upgrade header"),
		passes(up, "101 with Upgrade", piped(2, upReq, httpResp("101 Switching Protocols", []string{"Upgrade: conform/1"}, ""), false), "Upgrade: conform/1"),

		// RFC 9110 §5.4
		passes(lv, "431", answered(bigReq, tooLarge, true), "431"),
		passes(lv, "served whole (waitress)", answered(bigReq, okEcho("GET", "/large-value", "", env("HTTP_X_CONFORM_BIG", bigValue)), false), "all 65536 bytes"),
		fails(lv, "reset without a response (uWSGI)", answered(bigReq, "", true), "without a response", "expected a 4xx"),
		fails(lv, "truncated", answered(bigReq, okEcho("GET", "/large-value", "", env("HTTP_X_CONFORM_BIG", bigValue[:8190])), false), "8190 of the 65536"),
		fails(lv, "dropped", answered(bigReq, echoOf("/large-value"), false), "absent"),
		fails(lv, "500", answered(bigReq, closing(textResp("500 Internal Server Error", "error")), true), "not the 4xx"),
		passes(ll, "431", answered(linesReq, tooLarge, true)),
		passes(ll, "all served", answered(linesReq, okEcho("GET", "/many-lines", "", env(linesEnv...)), false), "all 2000 fields"),
		fails(ll, "reset without a response (uWSGI)", answered(linesReq, "", true), "without a response"),
		fails(ll, "only the first 100 fields", answered(linesReq, okEcho("GET", "/many-lines", "", env(linesEnv[:200]...)), false), "1900 of the 2000", "X-Conform-F100"),

		// PEP 3333 file wrappers
		passes(fp, "from the position, up to Content-Length", piped(2, posReq, withLength("200 OK", fwHead, string(data[1000:1100]))+after, false), "bytes 1000..1099"),
		// gunicorn: socket.sendfile() without the offset it computed starts at byte 0.
		fails(fp, "rewound to byte 0 (gunicorn)", piped(2, posReq, withLength("200 OK", fwHead, string(data[:100]))+after, false), "rewound"),
		// wsgiref: FileWrapper's whole first block goes out, Content-Length or not.
		fails(fp, "past Content-Length (wsgiref)", piped(2, posReq, httpResp("HTTP/1.0 200 OK", append(fwHead, "Content-Length: 100"), string(data[1000:])), true), "past Content-Length"),
		gives(NotApplicable, fp, "no file wrapper", piped(2, posReq, withLength("200 OK", []string{"X-Conform-File-Wrapper: absent"}, string(data[1000:1100]))+after, false)),
		passes(fg, "generated 3096 (waitress)", piped(2, genReq, withLength("200 OK", fwHead, string(data[1000:]))+after, false), "Content-Length: 3096"),
		passes(fg, "none generated, chunked (gunicorn)", piped(2, genReq, httpResp("200 OK", append(fwHead, "Transfer-Encoding: chunked"), chunked(string(data[:3096])))+after, false), "no Content-Length generated"),
		fails(fg, "the file's size", piped(2, genReq, withLength("200 OK", fwHead, string(data))+after, false), "Content-Length: 4096", "3096 bytes remain"),
		passes(fn, "only the returned body", piped(2, unrReq, withLength("200 OK", unrHead, "other\n")+after, false), "only the returned body"),
		fails(fn, "the file sent too", piped(2, unrReq, withLength("200 OK", unrHead, "other\n")+openUnreturnedFile, false), "did not return"),

		// PEP 3333 "Error Handling"
		passes(eb, "500, still serving (waitress)", errObs(closing(textResp("500 Internal Server Error", "Internal Server Error")), true), "went on serving"),
		// uWSGI, tornado: the exception unwinds and the connection is closed unanswered.
		fails(eb, "dropped without a response (uWSGI, tornado)", errObs("", true), "dropped the connection without a response"),
		fails(eb, "500, then dead", seq(conn("app raises", openLingering(errCall, 1), textResp("500 Internal Server Error", "error"), false), conn("next request", openLingering(nextReq, 1), "", true)), "was not served"),
		passes(em, "cut short, no final chunk (waitress)", midObs(httpResp("200 OK", octet, "c\r\nfirst-block\n\r\n"), true), "cut short"),
		passes(em, "close-delimited (HTTP/1.0)", midObs(httpResp("HTTP/1.0 200 OK", []string{"Content-Type: application/octet-stream"}, "first-block\n"), true), "close-delimited"),
		passes(em, "buffered, replaced by 500", midObs(closing(textResp("500 Internal Server Error", "error")), true), "replaced the response with 500"),
		// mod_wsgi: Apache's chunk filter ends the body at the end of the request.
		fails(em, "final chunk after the error (mod_wsgi)", midObs(httpResp("200 OK", octet, chunked("first-block\n")), false), "final chunk", "looks complete"),
		fails(em, "error text appended", midObs(httpResp("200 OK", octet, "c\r\nfirst-block\n\r\n1a\r\n\n500 Internal Server Error\n\r\n"), true), "appended"),
		// tornado: the body is collected first, and the exception closes the stream.
		fails(em, "dropped without anything (tornado)", midObs("", true), "without sending anything"),

		// PEP 3333 environ
		passes("pep3333/environ/missing-variables-absent", "absent", answered(noAuth, echoOf("/no-authentication"), false), "absent"),
		fails("pep3333/environ/missing-variables-absent", "REMOTE_USER empty", answered(noAuth, okEcho("GET", "/no-authentication", "", env("REMOTE_USER", "", "AUTH_TYPE", "")), false), "REMOTE_USER=''", "AUTH_TYPE=''"),
		fails("pep3333/environ/missing-variables-absent", "REMOTE_USER None", answered(noAuth, okEcho("GET", "/no-authentication", "", env("REMOTE_USER", envObj("NoneType", "None"))), false), "REMOTE_USER=None (NoneType)"),
		passes("pep3333/environ/missing-variables-absent", "inherited from the process environment", answered(noAuth, okEcho("GET", "/no-authentication", "", env("REMOTE_USER", probes.EnvValue{Type: "str", Native: true, Latin1: true, Inherited: true})), false)),
		passes("pep3333/environ/environ-is-dict", "dict", answered(envReq, okEcho("GET", probes.Prefix+"environ-type", "", result("type", "builtins.dict", "is_dict", true, "mutable", "ok")), false), "builtins.dict"),
		fails("pep3333/environ/environ-is-dict", "a subclass", answered(envReq, okEcho("GET", probes.Prefix+"environ-type", "", result("type", "server.Environ", "is_dict", false, "mutable", "ok")), false), "server.Environ"),
		fails("pep3333/environ/environ-is-dict", "read-only", answered(envReq, okEcho("GET", probes.Prefix+"environ-type", "", result("type", "builtins.dict", "is_dict", true, "mutable", "TypeError: read-only")), false), "TypeError: read-only"),

		// PEP 3333 "Unicode Issues"
		passes(nl, "start_response raised", answered(latinReq, closing(jsonResp("500 Internal Server Error", latinEcho("start_response", "raised", "exception", "UnicodeEncodeError: 'latin-1' codec can't encode character"))), true), "start_response raised"),
		passes(nl, "500 at send time (waitress)", answered(latinReq, closing(textResp("500 Internal Server Error", "Internal Server Error")), true), "refused with 500"),
		fails(nl, "sent as UTF-8", answered(latinReq, closing(jsonResp("200 OK", latinEcho("start_response", "returned"), "X-Conform-Value: snow\u2603")), true), "encoded as UTF-8"),
		fails(nl, "character dropped", answered(latinReq, closing(jsonResp("200 OK", latinEcho("start_response", "returned"), "X-Conform-Value: snow")), true), `sent "snow"`),
	}
}
