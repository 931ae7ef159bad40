package spec

// Recorded cases of the environ and response variants (pep3333_environ_variants.go,
// pep3333_response_variants.go): each check passing and failing, with the failures the
// servers Debian ships really show (testdata/verdicts/*.txt pins them to their source).

import (
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

func init() { moreJudgeCases = append(moreJudgeCases, environResponseVariantCases) }

func environResponseVariantCases() []judgeCase {
	t := recTarget
	const (
		pctFF   = "pep3333/environ/path-info-bytes/pct-ff"
		pathRaw = "pep3333/environ/path-info-bytes/raw-utf8"
		pct2F   = "pep3333/environ/path-info-decoding/pct-2f"
		pct25   = "pep3333/environ/path-info-decoding/pct-25"
		pct00   = "pep3333/environ/path-info-decoding/pct-00"
		qsFF    = "pep3333/environ/query-string-bytes/raw-ff"
		qsUTF8  = "pep3333/environ/query-string-bytes/raw-utf8"
		hdrFF   = "pep3333/environ/header-bytes/raw-ff"

		stCRLF     = "pep3333/start-response/status-invalid/crlf"
		stLF       = "pep3333/start-response/status-invalid/lf"
		stTrailing = "pep3333/start-response/status-invalid/trailing-crlf"
		stTwo      = "pep3333/start-response/status-invalid/two-digit"
		nameSpace  = "pep3333/start-response/header-name-invalid/space"
		nameCRLF   = "pep3333/start-response/header-name-invalid/crlf"
		nameHigh   = "pep3333/start-response/header-name-invalid/non-ascii"
		valCR      = "pep3333/start-response/header-value-control/cr"
		valLF      = "pep3333/start-response/header-value-control/lf"
		valNUL     = "pep3333/start-response/header-value-control/nul"
		reason     = "pep3333/start-response/latin1-out/status-reason"
		emptyRsn   = "rfc9112/4/status-line/empty-reason"
		noRsn      = "rfc9112/4/status-line/no-reason"
		expect10   = "rfc9110/10.1.1/expect-100-http10"
	)

	// The environ variants: the request each sends, and the echo of what the app got.
	reqFF := t.get("/pb/a%FFb")
	reqRaw := t.get("/pb/caf\xc3\xa9")
	req2F := t.get("/pb/a%2Fb")
	req25 := t.get("/pb/a%2541")
	req00 := t.get("/pb/a%00b")
	reqQsFF := t.get("/qb?a=\xff")
	reqQsUTF8 := t.get("/qb?q=caf\xc3\xa9")
	reqHdr := t.get("/hb", "X-Bytes: a\xffb")
	path := func(req []byte, p string, v ...probes.EnvValue) func() *Observation {
		if len(v) > 0 {
			return echoed(req, "GET", p, "", env("PATH_INFO", v[0]))
		}
		return echoed(req, "GET", p, "")
	}
	query := func(req []byte, q string, v ...probes.EnvValue) func() *Observation {
		if len(v) > 0 {
			return echoed(req, "GET", "/qb", q, env("QUERY_STRING", v[0]))
		}
		return echoed(req, "GET", "/qb", q)
	}
	notFound := textResp("404 Not Found", "The requested URL was not found on this server.\n")

	// The start_response variants: what the app passed, the echo the probe answers with, and
	// the responses servers made of them.
	sc := func(p string) []byte { return scenario(p)(t) }
	statusReq := func(status string) []byte { return sc("raw-status?status=" + pctAll(status)) }
	statusEcho := func(status string, opts ...echoOpt) []byte {
		return echoBody("GET", probes.Prefix+"raw-status", "status="+pctAll(status), opts...)
	}
	// sent: the app's status went out; refused: start_response raised, the probe answered 500.
	sent := func(status, line string, closed bool) func() *Observation {
		req := statusReq(status)
		return answered(req, httpResp(line, []string{"Content-Type: application/json", "Connection: close"}, string(statusEcho(status, result("start_response", "returned")))), closed)
	}
	refused := func(req []byte, body []byte) func() *Observation {
		return answered(req, jsonResp("500 Internal Server Error", body, "Connection: close"), true)
	}
	statusRefused := func(status, exc string) func() *Observation {
		return refused(statusReq(status), statusEcho(status, result("start_response", "raised", "exception", exc)))
	}
	hopReq := func(name, value string) []byte {
		return sc("hop-by-hop?name=" + pctAll(name) + "&value=" + pctAll(value))
	}
	hopEcho := func(name, value string, opts ...echoOpt) []byte {
		return echoBody("GET", probes.Prefix+"hop-by-hop", "name="+pctAll(name)+"&value="+pctAll(value), opts...)
	}
	// nameSent: the header went out as the line given.
	nameSent := func(name, value, line string) func() *Observation {
		return answered(hopReq(name, value), httpResp("200 OK", []string{"Content-Type: application/json", line, "Connection: close"}, string(hopEcho(name, value, result("start_response", "returned")))), true)
	}
	nameRefused := func(name, value, exc string) func() *Observation {
		return refused(hopReq(name, value), hopEcho(name, value, result("start_response", "raised", "exception", exc)))
	}
	valReq := func(value string) []byte { return sc("header-value?value=" + pctAll(value)) }
	valEcho := func(value string, opts ...echoOpt) []byte {
		return echoBody("GET", probes.Prefix+"header-value", "value="+pctAll(value), opts...)
	}
	valSent := func(value, line string) func() *Observation {
		return answered(valReq(value), httpResp("200 OK", []string{"Content-Type: application/json", line, "Connection: close"}, string(valEcho(value, result("start_response", "returned")))), true)
	}
	valRefused := func(value, exc string) func() *Observation {
		return refused(valReq(value), valEcho(value, result("start_response", "raised", "exception", exc)))
	}

	// Expect: 100-continue in HTTP/1.0, the body sent after up to 1.5 s.
	expectReq := t.request("POST "+probes.Prefix+"echo HTTP/1.0", "Expect: 100-continue", "Content-Length: 7")
	expectObs := func(received string, closed bool) func() *Observation {
		return func() *Observation {
			s := wire.Script{Steps: []wire.Step{{Data: expectReq}, {Data: []byte("payload"), AwaitResponse: 1500 * time.Millisecond}}, Responses: 1, IdleTimeout: 3 * time.Second}
			return obs(replayed("request", s, received, closed))
		}
	}
	expectEcho := func(proto string) string {
		return jsonResp(proto+" 200 OK", echoBody("POST", probes.Prefix+"echo", "", env("CONTENT_LENGTH", "7", "HTTP_EXPECT", "100-continue", "SERVER_PROTOCOL", "HTTP/1.0"), input("auto", "payload")), "Connection: close")
	}

	return []judgeCase{
		passes(pctFF, "bytes in a str", path(reqFF, "/pb/a\xffb"), `'/pb/a\xffb'`),
		// werkzeug 2.2: url_unquote decodes UTF-8 with 'replace', _wsgi_encoding_dance encodes it back.
		fails(pctFF, "UTF-8 of U+FFFD (werkzeug)", path(reqFF, "", envBytes("/pb/a\xef\xbf\xbdb")), "UTF-8 bytes of U+FFFD", `'/pb/a\xffb'`),
		// paste 3.5: urllib.parse.unquote with its default UTF-8.
		fails(pctFF, "U+FFFD (paste)", path(reqFF, "", envStr("/pb/a\ufffdb")), "code points above U+00FF", `\ufffd`),
		fails(pctFF, "refused", answered(reqFF, badRequest(), true), "valid request", "400 Bad Request"),
		fails(pathRaw, "answered with garbage", answered(reqRaw, "Bad Request\n", true), "not an HTTP/1.x response"),
		gives(Inconclusive, pct2F, "no answer", answered(req2F, "", false)),

		passes(pathRaw, "bytes in a str", path(reqRaw, "/pb/caf\xc3\xa9")),
		passes(pathRaw, "refused with 400", answered(reqRaw, badRequest(), true), "RFC 9112 §3.2"),
		// gunicorn 20.1: the request line read as latin-1, then unquote_to_bytes() on the str.
		fails(pathRaw, "encoded twice (gunicorn)", path(reqRaw, "/pb/caf\xc3\x83\xc2\xa9"), "encoded twice", `'/pb/caf\xc3\x83\xc2\xa9'`),
		fails(pathRaw, "decoded as UTF-8", path(reqRaw, "/pb/caf\xe9"), "decoded as UTF-8"),

		passes(pct2F, "decoded", path(req2F, "/pb/a/b")),
		passes(pct2F, "404 (Apache's AllowEncodedSlashes Off)", answered(req2F, notFound, false), "AllowEncodedSlashes"),
		// cheroot 9.0: unquotes between the %2F and joins the pieces with %2F again.
		fails(pct2F, "escape kept (cheroot)", path(req2F, "/pb/a%2Fb"), "left in place", "%252F"),

		passes(pct25, "decoded once", path(req25, "/pb/a%41")),
		fails(pct25, "decoded twice", path(req25, "/pb/aA"), "decoded twice"),
		fails(pct25, "not decoded", path(req25, "/pb/a%2541"), "not decoded at all", "decoded exactly once"),

		passes(pct00, "NUL kept", path(req00, "/pb/a\x00b"), `'/pb/a\x00b'`),
		passes(pct00, "refused", answered(req00, textResp("400 Bad Request", "Bad Request\n", "Connection: close"), true), "hardening"),
		fails(pct00, "cut at the NUL", path(req00, "/pb/a"), "cut at the NUL"),

		passes(qsFF, "bytes in a str", query(reqQsFF, "a=\xff")),
		passes(qsFF, "refused with 400", answered(reqQsFF, badRequest(), true), "400 Bad Request"),
		// werkzeug 2.2: _wsgi_encoding_dance encodes the latin-1 text of the query as UTF-8.
		fails(qsFF, "encoded twice (werkzeug)", query(reqQsFF, "", envBytes("a=\xc3\xbf")), "encoded twice", `'a=\xff'`),
		fails(qsFF, "U+FFFD", query(reqQsFF, "", envStr("a=\ufffd")), "code points above U+00FF"),

		passes(qsUTF8, "bytes in a str", query(reqQsUTF8, "q=caf\xc3\xa9")),
		fails(qsUTF8, "encoded twice (werkzeug)", query(reqQsUTF8, "", envBytes("q=caf\xc3\x83\xc2\xa9")), "encoded twice"),
		fails(qsUTF8, "decoded as UTF-8", query(reqQsUTF8, "", envBytes("q=caf\xe9")), "decoded as UTF-8"),

		passes(hdrFF, "bytes in a str", echoed(reqHdr, "GET", "/hb", "", env("HTTP_X_BYTES", "a\xffb"))),
		fails(hdrFF, "U+FFFD", echoed(reqHdr, "GET", "/hb", "", env("HTTP_X_BYTES", envStr("a\ufffdb"))), "HTTP_X_BYTES='a\\ufffdb'", "code points above U+00FF"),
		fails(hdrFF, "byte dropped", echoed(reqHdr, "GET", "/hb", "", env("HTTP_X_BYTES", "ab")), "dropped"),
		fails(hdrFF, "absent", echoed(reqHdr, "GET", "/hb", ""), "without HTTP_X_BYTES"),
		fails(hdrFF, "refused", answered(reqHdr, badRequest(), true), "valid request"),

		// waitress 2.1: start_response raises ValueError for CR or LF in the status.
		passes(stCRLF, "start_response raised (waitress)", statusRefused("200 OK\r\nX-Injected: yes", "ValueError: carriage return/line feed character present in status"), "ValueError"),
		// tornado 6.2: write_headers raises on the '\n' and the stream is closed unanswered.
		passes(stCRLF, "closed unanswered (tornado)", answered(statusReq("200 OK\r\nX-Injected: yes"), "", true), "closed"),
		passes(stCRLF, "repaired", sent("200 OK\r\nX-Injected: yes", "200 OK  X-Injected: yes", true), `"HTTP/1.1 200 OK  X-Injected: yes"`),
		// wsgiref 3.11: the status is written as it is (handlers.py send_preamble).
		fails(stCRLF, "response splitting (wsgiref)", sent("200 OK\r\nX-Injected: yes", "HTTP/1.0 200 OK\r\nX-Injected: yes", true), "response splitting", `"X-Injected: yes"`),

		passes(stLF, "start_response raised (gevent)", statusRefused("200 OK\nX-Injected: yes", "ValueError: ('carriage return or newline in status', '200 OK\\nX-Injected: yes')"), "carriage return or newline"),
		fails(stLF, "response splitting (eventlet)", sent("200 OK\nX-Injected: yes", "200 OK\nX-Injected: yes", true), "response splitting"),

		passes(stTrailing, "start_response raised (mod_wsgi)", statusRefused("200 OK\r\n", "ValueError: control character present in reason phrase"), "control character"),
		// twisted 22.4: the status line is written with the app's CR LF, then the headers.
		fails(stTrailing, "head ended early (twisted)", answered(statusReq("200 OK\r\n"), "HTTP/1.1 200 OK\r\n\r\nConnection: close\r\nServer: TwistedWeb/22.4.0\r\nContent-Type: application/json\r\n\r\n"+string(statusEcho("200 OK\r\n", result("start_response", "returned"))), true), "ended before the app's own headers"),

		passes(stTwo, "AssertionError (wsgiref)", statusRefused("20 OK", "AssertionError: Status message must begin w/3-digit code"), "3-digit"),
		// gunicorn 20.1: int(status.split()[0]) accepts 20 and the status goes out as given.
		fails(stTwo, "sent (gunicorn)", sent("20 OK", "20 OK", true), `"20" is not three digits`),
		fails(stTwo, "not a response", answered(statusReq("20 OK"), "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", true), "not a valid HTTP/1.x response"),

		// gunicorn 20.1 (Debian): process_headers raises InvalidHeaderName, but the probe's
		// exc_info call appends its headers to the first call's: two Content-Lengths.
		passes(nameSpace, "raised, error response malformed (gunicorn)", answered(hopReq("X-Bad Name", "v"), "HTTP/1.1 500 Internal Server Error\r\nServer: gunicorn\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 40\r\nContent-Type: application/json\r\nContent-Length: 41\r\n\r\n{\"result\": {\"start_response\": \"raised\"}}", true), "malformed"),
		passes(nameSpace, "start_response raised (mod_wsgi)", nameRefused("X-Bad Name", "v", "ValueError: space character present in header name"), "space character"),
		// waitress 2.1: the name is re-capitalised and sent.
		fails(nameSpace, "sent (waitress)", nameSent("X-Bad Name", "v", "X-Bad name: v"), `"X-Bad name" is not a token`),

		passes(nameCRLF, "start_response raised (gevent)", nameRefused("X-Ok\r\nX-Injected", "yes", "ValueError: ('carriage return or newline in header name', 'X-Ok\\r\\nX-Injected')"), "carriage return"),
		fails(nameCRLF, "response splitting (wsgiref)", nameSent("X-Ok\r\nX-Injected", "yes", "X-Ok\r\nX-Injected: yes"), "response splitting"),
		// twisted 22.4: line breaks become SP, which leaves a name with a space.
		fails(nameCRLF, "line break made a space (twisted)", nameSent("X-Ok\r\nX-Injected", "yes", "X-Ok x-Injected: yes"), `"X-Ok x-Injected" is not a token`),

		passes(nameHigh, "start_response raised", nameRefused("X-Caf\xe9", "v", "ValueError: invalid header name"), "invalid header name"),
		passes(nameHigh, "dropped", nameSent("X-Caf\xe9", "v", "X-Other: w"), "all within the grammar"),
		fails(nameHigh, "sent", nameSent("X-Caf\xe9", "v", "X-Caf\xe9: v"), `"X-Caf\xe9" is not a token`),

		passes(valCR, "start_response raised (waitress)", valRefused("ok\rX-Injected: yes", "ValueError: carriage return/line feed character present in header value"), "ValueError"),
		// twisted 22.4: _sanitizeLinearWhitespace turns CR and LF into SP.
		passes(valCR, "repaired (twisted)", valSent("ok\rX-Injected: yes", "X-Conform-Value: ok X-Injected: yes"), "all within the grammar"),
		// tornado 6.2: write_headers refuses '\n' only.
		fails(valCR, "bare CR sent (tornado)", valSent("ok\rX-Injected: yes", "X-Conform-Value: ok\rX-Injected: yes"), "a bare CR", "Python's http.client"),

		passes(valLF, "closed unanswered (tornado)", answered(valReq("ok\nX-Injected: yes"), "", true), "closed"),
		fails(valLF, "response splitting (eventlet)", valSent("ok\nX-Injected: yes", "X-Conform-Value: ok\nX-Injected: yes"), "response splitting"),

		// mod_wsgi 4.9: Apache's C strings end the value at the NUL.
		passes(valNUL, "cut at the NUL (mod_wsgi)", valSent("ok\x00yes", "X-Conform-Value: ok"), "all within the grammar"),
		fails(valNUL, "sent (waitress)", valSent("ok\x00yes", "X-Conform-Value: ok\x00yes"), "a NUL"),

		passes(reason, "latin-1 byte", sent("200 Caf\xe9", "200 Caf\xe9", true), `"HTTP/1.1 200 Caf\xe9"`),
		passes(reason, "refused", statusRefused("200 Caf\xe9", "ValueError: non-ASCII reason phrase"), "no bytes were re-encoded"),
		// tornado 6.2: utf8("HTTP/1.1 %d %s" % ...) in write_headers.
		fails(reason, "UTF-8 (tornado)", sent("200 Caf\xe9", "200 Caf\xc3\xa9", true), "encoded the str as UTF-8", `"HTTP/1.1 200 Caf\xc3\xa9"`),

		passes(emptyRsn, "SP kept", sent("200 ", "200 ", true), `"HTTP/1.1 200 "`),
		// twisted 22.4 closes the connection for this status; it sends no status line at all.
		passes(emptyRsn, "closed unanswered (twisted)", answered(statusReq("200 "), "", true), "closed"),
		fails(emptyRsn, "SP trimmed", sent("200 ", "200", true), "no SP after the status-code"),

		passes(noRsn, "start_response raised (mod_wsgi)", statusRefused("200", "ValueError: no space following status code"), "no space following"),
		passes(noRsn, "SP added (Apache)", sent("200", "200 ", true), `"HTTP/1.1 200 "`),
		// gunicorn 20.1: "HTTP/1.1 %s" % status.
		fails(noRsn, "no SP (gunicorn)", sent("200", "200", true), "no SP after the status-code"),

		// wsgiref 3.11: http.server sends 100 Continue only to HTTP/1.1 requests.
		passes(expect10, "ignored (wsgiref)", expectObs(expectEcho("HTTP/1.0"), true), "the app read the body"),
		// gunicorn 20.1: the 100 goes out whatever the request's version.
		fails(expect10, "100 Continue (gunicorn)", expectObs("HTTP/1.1 100 Continue\r\n\r\n"+expectEcho("HTTP/1.1"), true), "100 Continue", "§15.2"),
		fails(expect10, "417", expectObs(textResp("417 Expectation Failed", "Expectation Failed\n", "Connection: close"), true), "417"),
		gives(Inconclusive, expect10, "no answer", expectObs("", false)),
	}
}
