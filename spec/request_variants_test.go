package spec

// Recorded cases of the request-line, HTTP-version and field-line spellings
// (rfc9112_request_variants.go), with the answers real servers gave (testdata/verdicts).

import (
	"github.com/conform-wsgi/conform/probes"
)

func init() { moreJudgeCases = append(moreJudgeCases, requestVariantCases) }

// http09Error is what http.server's send_error writes while request_version is still
// "HTTP/0.9": the HTML error page, with no status line (wsgiref, werkzeug, eventlet, paste).
const http09Error = "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        <p>Error code: 400</p>\n    </body>\n</html>\n"

// echoAs is the probe's answer in a status line of the given version (a server that echoes
// the request's version, as gunicorn and uWSGI do).
func echoAs(proto, method, path string, opts ...echoOpt) string {
	return withLength(proto+" 200 OK", []string{"Content-Type: application/json"}, string(echoBody(method, path, "", opts...)))
}

func requestVariantCases() []judgeCase {
	t := recTarget
	var cases []judgeCase

	// ---- the method ----
	getReq := t.request("get /method-case HTTP/1.1")
	cases = append(cases,
		passes("rfc9112/3/method-case/lower", "as sent (werkzeug)", echoed(getReq, "get", "/method-case", ""), `REQUEST_METHOD="get"`),
		passes("rfc9112/3/method-case/lower", "refused (waitress)", answered(getReq, badRequest(), true), "refused", "400"),
		passes("rfc9112/3/method-case/lower", "501", answered(getReq, textResp("501 Not Implemented", "Not Implemented"), false), "501"),
		fails("rfc9112/3/method-case/lower", "upper-cased (gunicorn)", echoed(getReq, "GET", "/method-case", ""), "REQUEST_METHOD='GET'", "case-sensitive"),
	)

	// ---- HTTP-version ----
	for _, c := range []struct{ slug, version string }{
		{"two-digit-minor", "HTTP/1.10"}, {"leading-zero", "HTTP/01.1"}, {"lowercase-name", "http/1.1"},
		{"three-parts", "HTTP/1.1.1"}, {"space-after-slash", "HTTP/ 1.1"},
	} {
		id := "rfc9112/2.3/version-invalid/" + c.slug
		req := t.request("GET /version " + c.version)
		cases = append(cases,
			passes(id, "400", answered(req, badRequest(), true), "400"),
			passes(id, "505 (cheroot)", answered(req, textResp("505 HTTP Version Not Supported", "Cannot fulfill request", "Connection: close"), true), "505"),
			fails(id, "served (waitress)", answered(req, okJSON(echoBody("GET", "/version", "", env("SERVER_PROTOCOL", "HTTP/1.0"))), false), "was served", "SERVER_PROTOCOL='HTTP/1.0'"),
			fails(id, "HTTP/0.9-style error page (http.server)", answered(req, http09Error, true), "not an HTTP/1.x response", "expected 400"),
			fails(id, "closed without a response", answered(req, "", true), "closed the connection without a response", "400"),
			fails(id, "500", answered(req, textResp("500 Internal Server Error", "oops", "Connection: close"), true), "500"),
		)
	}
	// gunicorn and uWSGI echo what they parsed or what was sent in the status line.
	tenReq := t.request("GET /version HTTP/1.10")
	cases = append(cases,
		fails("rfc9112/2.3/version-invalid/two-digit-minor", "echoed (gunicorn)", answered(tenReq, echoAs("HTTP/1.10", "GET", "/version", env("SERVER_PROTOCOL", "HTTP/1.10")), false), `status line "HTTP/1.10" 200`, "SERVER_PROTOCOL='HTTP/1.10'"),
		fails("rfc9112/2.3/version-invalid/lowercase-name", "echoed (uWSGI)", answered(t.request("GET /version http/1.1"), echoAs("http/1.1", "GET", "/version", env("SERVER_PROTOCOL", "http/1.1")), true), "not an HTTP/1.x response"),
	)
	h2Req := t.request("GET /version HTTP/2.0")
	cases = append(cases,
		passes("rfc9112/2.3/version-invalid/http2", "505 (cheroot)", answered(h2Req, textResp("505 HTTP Version Not Supported", "Cannot fulfill request", "Connection: close"), true), "505"),
		passes("rfc9112/2.3/version-invalid/http2", "400 (tornado)", answered(h2Req, badRequest(), true), "400"),
		passes("rfc9112/2.3/version-invalid/http2", "served in HTTP/1.1 (mod_wsgi)", echoed(h2Req, "GET", "/version", "", env("SERVER_PROTOCOL", "HTTP/2.0")), "HTTP/1.1 status line", "SERVER_PROTOCOL='HTTP/2.0'"),
		fails("rfc9112/2.3/version-invalid/http2", "HTTP/2.0 status line (gunicorn)", answered(h2Req, echoAs("HTTP/2.0", "GET", "/version", env("SERVER_PROTOCOL", "HTTP/2.0")), false), `status line "HTTP/2.0" 200 OK`),
		gives(Observed, "rfc9112/2.3/version-invalid/http2", "HTTP/0.9-style 505 (http.server)", answered(h2Req, http09Error, true), "without a status line"),
	)

	// ---- bare CR ----
	crMethod := t.request("GE\rT /bare-cr HTTP/1.1", afterField)
	crTarget := t.request("GET /bare\rcr HTTP/1.1", afterField)
	crName := t.get("/bare-cr", "X-Bare\rCr: v", afterField)
	after := env("HTTP_X_AFTER", "yes")
	cases = append(cases,
		passes("rfc9112/2.2/bare-cr/method", "400", answered(crMethod, badRequest(), true), "rejected"),
		fails("rfc9112/2.2/bare-cr/method", "kept (uWSGI)", echoed(crMethod, "GE\rT", "/bare-cr", "", after), `'REQUEST_METHOD'='GE\x0dT'`),
		passes("rfc9112/2.2/bare-cr/target", "400", answered(crTarget, badRequest(), true), "rejected"),
		passes("rfc9112/2.2/bare-cr/target", "closed", answered(crTarget, "", true), "closed"),
		fails("rfc9112/2.2/bare-cr/target", "kept in PATH_INFO (tornado)", echoed(crTarget, "GET", "/bare\rcr", "", after), `'PATH_INFO'='/bare\x0dcr'`),
		// urlsplit() drops the CR from the path, the raw URI keeps it.
		fails("rfc9112/2.2/bare-cr/target", "kept in RAW_URI (gunicorn)", echoed(crTarget, "GET", "/barecr", "", after, env("RAW_URI", "/bare\rcr", "REQUEST_URI", "/bare\rcr")), `'RAW_URI'='/bare\x0dcr'`),
		passes("rfc9112/2.2/bare-cr/field-name", "400", answered(crName, badRequest(), true), "rejected"),
		passes("rfc9112/2.2/bare-cr/field-name", "replaced by SP", echoed(crName, "GET", "/bare-cr", "", after, env("HTTP_X_BARE CR", "v")), "accepted without the CR"),
		fails("rfc9112/2.2/bare-cr/field-name", "kept in the name (cheroot)", echoed(crName, "GET", "/bare-cr", "", after, env("HTTP_X_BARE\rCR", "v")), `'HTTP_X_BARE\x0dCR'='v'`),
		fails("rfc9112/2.2/bare-cr/field-name", "header section ended (email parser)", echoed(crName, "GET", "/bare-cr", ""), "X-After field sent after the bare CR never reached the app"),
		fails("rfc9112/2.2/bare-cr/field-name", "line split at the CR", echoed(crName, "GET", "/bare-cr", "", after, env("HTTP_CR", "v")), "HTTP_CR='v'"),
	)

	// ---- bare LF ----
	lfHead := func(afterStart, afterLF, end string) []byte {
		return []byte("GET /bare-lf HTTP/1.1" + afterStart + "Host: 127.0.0.1:8000\r\n" + probes.IDHeader + ": c1\r\nX-Lf: one" + afterLF + afterField + "\r\n" + end)
	}
	whole := env("HTTP_X_LF", "one", "HTTP_X_AFTER", "yes")
	lfLine := lfHead("\n", "\r\n", "\r\n")
	lfEnd := lfHead("\r\n", "\r\n", "\n")
	lfField := lfHead("\r\n", "\n", "\r\n")
	cases = append(cases,
		passes("rfc9112/2.2/bare-lf/request-line", "taken as the line end (werkzeug)", echoed(lfLine, "GET", "/bare-lf", "", whole), "as a line terminator"),
		passes("rfc9112/2.2/bare-lf/request-line", "HTTP/1.0 reported (eventlet)", echoed(lfLine, "GET", "/bare-lf", "", whole, env("SERVER_PROTOCOL", "HTTP/1.0")), "as a line terminator"),
		gives(Observed, "rfc9112/2.2/bare-lf/request-line", "400 (gunicorn)", answered(lfLine, badRequest(), true), "refuses a bare LF", "permits"),
		fails("rfc9112/2.2/bare-lf/request-line", "version runs into the next line (uWSGI)", answered(lfLine, "HTTP/1.1\nHost: 127.0.0.1:8000 200 OK\r\nContent-Length: 2\r\n\r\n{}", true), "not an HTTP/1.x response"),
		fails("rfc9112/2.2/bare-lf/request-line", "SERVER_PROTOCOL holds the next line", echoed(lfLine, "GET", "/bare-lf", "", whole, env("SERVER_PROTOCOL", "HTTP/1.1\nHost: 127.0.0.1:8000")), `SERVER_PROTOCOL='HTTP/1.1\x0aHost`),

		passes("rfc9112/2.2/bare-lf/header-end", "taken as the end (paste)", echoed(lfEnd, "GET", "/bare-lf", "", whole), "as a line terminator"),
		gives(Observed, "rfc9112/2.2/bare-lf/header-end", "waits for CRLF (gunicorn)", answered(lfEnd, "", false), "waited"),
		gives(Observed, "rfc9112/2.2/bare-lf/header-end", "400 (cheroot)", answered(lfEnd, badRequest(), true), "refuses"),
		fails("rfc9112/2.2/bare-lf/header-end", "a field lost", echoed(lfEnd, "GET", "/bare-lf", "", env("HTTP_X_LF", "one")), "HTTP_X_AFTER absent"),

		passes("rfc9112/2.2/bare-lf/field-line", "LF ends the line (werkzeug)", echoed(lfField, "GET", "/bare-lf", "", whole), "ended the field line"),
		passes("rfc9112/2.2/bare-lf/field-line", "400 (waitress)", answered(lfField, badRequest(), true), "refused"),
		passes("rfc9112/2.2/bare-lf/field-line", "LF replaced by SP (twisted)", echoed(lfField, "GET", "/bare-lf", "", env("HTTP_X_LF", "one X-After: yes")), "replaced by SP"),
		fails("rfc9112/2.2/bare-lf/field-line", "LF kept in the value (gunicorn)", echoed(lfField, "GET", "/bare-lf", "", env("HTTP_X_LF", "one\nX-After: yes")), `HTTP_X_LF='one\x0aX-After: yes'`, "RFC 9110 §5.5"),
		fails("rfc9112/2.2/bare-lf/field-line", "the line after dropped", echoed(lfField, "GET", "/bare-lf", "", env("HTTP_X_LF", "one")), "HTTP_X_AFTER absent"),
	)
	clReq := append([]byte("POST "+probes.Prefix+"echo HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"+probes.IDHeader+": c1\r\nContent-Length: 5\n"+afterField+"\r\n\r\nhello"), t.get("/after-bare-lf")...)
	postEcho := func(cl string) string {
		return okEcho("POST", probes.Prefix+"echo", "", env("CONTENT_LENGTH", cl, "HTTP_X_AFTER", "yes"), input("auto", "hello"))
	}
	afterEcho := okEcho("GET", "/after-bare-lf", "")
	cases = append(cases,
		passes("rfc9112/2.2/bare-lf/content-length", "400", piped(2, clReq, badRequest(), true), "rejected"),
		passes("rfc9112/2.2/bare-lf/content-length", "framed and the next request served", piped(2, clReq, postEcho("5")+afterEcho, false), "pipelined request after it served"),
		// uWSGI keeps the LF in the value and closes after every response.
		passes("rfc9112/2.2/bare-lf/content-length", "closed after the response (uWSGI)", piped(2, clReq, okJSON(echoBody("POST", probes.Prefix+"echo", "", env("CONTENT_LENGTH", "5\nX-After: yes"))), true), "closed the connection", `CONTENT_LENGTH='5\x0aX-After: yes'`),
		fails("rfc9112/2.2/bare-lf/content-length", "body read as the next request", piped(2, clReq, okEcho("POST", probes.Prefix+"echo", "", drop("CONTENT_LENGTH"))+okEcho("helloGET", "/after-bare-lf", ""), false), "REQUEST_METHOD='helloGET'"),
		fails("rfc9112/2.2/bare-lf/content-length", "next request refused", piped(2, clReq, postEcho("5")+badRequest(), true), "answered 400 Bad Request"),
		fails("rfc9112/2.2/bare-lf/content-length", "another length", piped(2, clReq, okEcho("POST", probes.Prefix+"echo", "", env("CONTENT_LENGTH", "0")), false), "framed the body by another length"),
		fails("rfc9112/2.2/bare-lf/content-length", "waits for more body", piped(2, clReq, "", false), "expects more body"),
	)

	// ---- field values ----
	for _, c := range []struct {
		slug string
		b    string
	}{{"vt", "\x0b"}, {"fs", "\x1c"}, {"nel", "\x85"}, {"nbsp", "\xa0"}} {
		id := "rfc9110/5.5/field-value-whitespace/" + c.slug
		req := t.get("/value-ws", "X-Ws: "+c.b+"v"+c.b)
		cases = append(cases,
			passes(id, "kept (gunicorn)", echoed(req, "GET", "/value-ws", "", env("HTTP_X_WS", c.b+"v"+c.b)), "kept"),
			passes(id, "400", answered(req, badRequest(), true), "refused"),
			fails(id, "stripped (wsgiref)", echoed(req, "GET", "/value-ws", "", env("HTTP_X_WS", "v")), "HTTP_X_WS='v'", "str.strip()"),
			fails(id, "stripped on one side", echoed(req, "GET", "/value-ws", "", env("HTTP_X_WS", "v"+c.b)), "expected the value as sent"),
		)
	}

	// ---- field names ----
	vtReq := t.get("/name-vt", "X-Vt\x0b: v", afterField)
	cases = append(cases,
		passes("rfc9112/5.1/field-name-invalid/vt-before-colon", "400 (gunicorn)", answered(vtReq, badRequest(), true), "400"),
		fails("rfc9112/5.1/field-name-invalid/vt-before-colon", "stripped (cheroot)", echoed(vtReq, "GET", "/name-vt", "", after, env("HTTP_X_VT", "v")), "'HTTP_X_VT'='v'"),
		fails("rfc9112/5.1/field-name-invalid/vt-before-colon", "kept in the name (tornado)", echoed(vtReq, "GET", "/name-vt", "", after, env("HTTP_X_VT\x0b", "v")), `'HTTP_X_VT\x0b'='v'`),
		fails("rfc9112/5.1/field-name-invalid/vt-before-colon", "header section ended (email parser)", echoed(vtReq, "GET", "/name-vt", ""), "ended the header section there"),
		fails("rfc9112/5.1/field-name-invalid/vt-before-colon", "closed without a response", answered(vtReq, "", true), "asks for 400"),
	)
	for _, c := range []struct{ slug, line, key string }{
		{"space", "X Space: v", "HTTP_X SPACE"}, {"nul", "X-Nul\x00Name: v", "HTTP_X_NUL\x00NAME"},
		{"non-ascii", "X-Caf\xe9: v", "HTTP_X_CAF\xc9"}, {"empty", ": v", "HTTP_"},
	} {
		id := "rfc9112/5.1/field-name-invalid/" + c.slug
		req := t.get("/name", c.line, afterField)
		cases = append(cases,
			passes(id, "400", answered(req, badRequest(), true), "400"),
			passes(id, "closed", answered(req, "", true), "closed"),
			fails(id, "accepted (tornado)", echoed(req, "GET", "/name", "", after, env(c.key, "v")), "was accepted", "='v'"),
			fails(id, "header section ended (email parser)", echoed(req, "GET", "/name", ""), "ended the header section there"),
		)
	}

	// ---- lines that are no fold ----
	for _, c := range []struct{ slug, b string }{{"vt", "\x0b"}, {"nbsp", "\xa0"}} {
		id := "rfc9112/5.2/obs-fold/" + c.slug
		req := t.get("/not-a-fold", "X-Fold: a", c.b+"X-Hidden: b", afterField)
		cases = append(cases,
			passes(id, "400", answered(req, badRequest(), true), "400"),
			fails(id, "folded (tornado)", echoed(req, "GET", "/not-a-fold", "", after, env("HTTP_X_FOLD", "a X-Hidden: b")), "HTTP_X_FOLD'='a X-Hidden: b'"),
			fails(id, "stripped into a field (cheroot)", echoed(req, "GET", "/not-a-fold", "", after, env("HTTP_X_FOLD", "a", "HTTP_X_HIDDEN", "b")), "'HTTP_X_HIDDEN'='b'"),
			fails(id, "header section ended (email parser)", echoed(req, "GET", "/not-a-fold", "", env("HTTP_X_FOLD", "a")), "ended the header section there"),
		)
	}
	return cases
}
