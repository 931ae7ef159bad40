package spec

import (
	"github.com/conform-wsgi/conform/probes"
)

// Recorded cases of the Content-Length and Transfer-Encoding spellings
// (rfc9112_framing_variants.go), with the failures seen on the Debian servers.

func init() { moreJudgeCases = append(moreJudgeCases, framingVariantCases) }

func framingVariantCases() []judgeCase {
	t := recTarget
	echoPath := probes.Prefix + "echo"
	smuggled := okEcho("GET", framingNextPath, "")
	// blockedRead: the probe gave up on a read() of wsgi.input that did not return.
	blockedRead := func(e *probes.Echo) { e.Input.Blocked = true }
	var cases []judgeCase

	// ---- content-length-invalid ----
	for _, c := range []struct {
		variant, value string
		http10         bool
		read           string // what a server that took the value for a length handed the app
	}{
		{"vertical-tab", "\x0b5", false, "hello"},
		{"form-feed", "5\x0c", false, "hello"},
		{"nbsp", "\xa05", false, "hello"},
		{"nel", "5\x85", false, "hello"},
		{"file-separator", "\x1c5", false, "hello"},
		{"empty", "", false, ""},
		{"decimal-point", "5.0", false, "hello"},
		{"hex-prefix", "0x5", false, ""},
		{"inner-space", "1 0", false, "h"},
		{"minus-zero", "-0", false, ""},
		{"plus-http10", "+5", true, "hello"},
		{"underscore-http10", "1_0", true, "helloGET /"},
		{"list-invalid-member", "5, +5", false, "hello"},
	} {
		id := "rfc9112/6.3/content-length-invalid/" + c.variant
		req := clVariantPost(c.value, c.http10)(t)
		// gunicorn 20.1 (sync): int() took the value, the app read the body, the worker closed.
		framed := okEcho("POST", echoPath, "", env("CONTENT_LENGTH", c.value), input("auto", c.read))
		// wsgiref, paste, werkzeug: the value is passed on unread and the probe, finding no
		// decimal CONTENT_LENGTH, reads nothing.
		passedOn := okEcho("POST", echoPath, "", env("CONTENT_LENGTH", c.value), drop("wsgi.input_terminated"))
		cases = append(cases,
			passes(id, "400 and closed", piped(2, req, badRequest(), true), "400"),
			fails(id, "taken for a length (gunicorn)", piped(2, req, framed, true), "invalid Content-Length was accepted", "read "+quoteBytes(c.read)),
			fails(id, "passed on to the app unchecked (wsgiref)", piped(2, req, passedOn, true), "invalid Content-Length was accepted"),
			fails(id, "400, kept open", piped(2, req, textResp("400 Bad Request", "Bad Request"), false), "kept the connection open"),
		)
	}
	// tornado strips the value with str.strip() and keeps the connection: the pipelined
	// request is served after a body read as 5 bytes.
	stripReq := clVariantPost("\x1c5", false)(t)
	cases = append(cases, fails("rfc9112/6.3/content-length-invalid/file-separator", "stripped and served (tornado)",
		piped(2, stripReq, okEcho("POST", echoPath, "", env("CONTENT_LENGTH", "5"), input("auto", "hello"))+smuggled, false), "CONTENT_LENGTH='5'", `read "hello"`))
	// -0 read as 0 leaves "hello" in front of the next request: "helloGET" is a token, so
	// some servers serve it as a method.
	mzReq := clVariantPost("-0", false)(t)
	cases = append(cases, fails("rfc9112/6.3/content-length-invalid/minus-zero", "body served as a request",
		piped(2, mzReq, okEcho("POST", echoPath, "", env("CONTENT_LENGTH", "-0"), input("auto", ""))+okEcho("helloGET", framingNextPath, ""), false), "CONTENT_LENGTH='-0'"))

	// ---- te-list: codings that do not end in chunked ----
	hello := "5\r\nhello\r\n0\r\n\r\n"
	for _, c := range []struct {
		id, te string
		req    []byte
	}{
		{"rfc9112/6.1/te-list/chunked-identity-lines", "chunked, identity", teVariantPost(hello, "Transfer-Encoding: chunked", "Transfer-Encoding: identity")(t)},
		{"rfc9112/6.1/te-list/vertical-tab", "chunked\x0b", teVariantPost(hello, "Transfer-Encoding: chunked\x0b")(t)},
		{"rfc9112/6.1/te-list/nbsp", "\xa0chunked", teVariantPost(hello, "Transfer-Encoding: \xa0chunked")(t)},
	} {
		decoded := okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", c.te), input("auto", "hello"))
		ignored := okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", c.te), drop("wsgi.input_terminated"))
		cases = append(cases,
			passes(c.id, "400 and closed", piped(2, c.req, badRequest(), true), "400"),
			passes(c.id, "501 and closed", piped(2, c.req, textResp("501 Not Implemented", "Not Implemented", "Connection: close"), true), "501"),
			// cheroot, gevent: the value stripped to 'chunked' and the body decoded.
			fails(c.id, "decoded as chunked, next request served (cheroot)", piped(2, c.req, decoded+smuggled, false), "accepted", `read "hello"`, "was served"),
			// tornado, eventlet: anything but 'chunked' ignored, the body read as a request.
			fails(c.id, "ignored, body read as the next request (tornado)", piped(2, c.req, ignored+badRequest(), true), "accepted", "answered 400 Bad Request"),
			// gunicorn 20.1 (Debian's CVE-2024-1135 patch): UnsupportedTransferCoding is not
			// one of the errors handle_error answers with 400.
			fails(c.id, "500 and closed (gunicorn)", piped(2, c.req, textResp("500 Internal Server Error", "Internal Server Error", "Connection: close"), true), "500 Internal Server Error"),
			fails(c.id, "501, kept open", piped(2, c.req, textResp("501 Not Implemented", "Not Implemented")+badRequest(), true), "501 but kept the connection open"),
		)
	}
	identReq := teVariantPost("hello", "Transfer-Encoding: identity", "Content-Length: 5")(t)
	identEcho := okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", "identity", "CONTENT_LENGTH", "5"), input("auto", "hello"))
	cases = append(cases,
		passes("rfc9112/6.1/te-and-content-length/te-identity", "400 and closed", piped(2, identReq, badRequest(), true), "400"),
		passes("rfc9112/6.1/te-and-content-length/te-identity", "501 and closed", piped(2, identReq, textResp("501 Not Implemented", "Not Implemented", "Connection: close"), true), "501"),
		fails("rfc9112/6.1/te-and-content-length/te-identity", "framed by Content-Length, next served (gevent)", piped(2, identReq, identEcho+smuggled, false), "accepted", "HTTP_TRANSFER_ENCODING='identity'", "was served"),
		fails("rfc9112/6.1/te-and-content-length/te-identity", "framed by Content-Length, closed (gunicorn)", piped(2, identReq, identEcho, true), "accepted", `read "hello"`),
		fails("rfc9112/6.1/te-and-content-length/te-identity", "400, kept open", piped(2, identReq, textResp("400 Bad Request", "Bad Request"), false), "kept the connection open"),
	)

	// ---- te-list/gzip-chunked-lines ----
	gzReq := teVariantPost(variantChunk(helloGzip), "Transfer-Encoding: gzip", "Transfer-Encoding: chunked")(t)
	gzID := "rfc9112/6.1/te-list/gzip-chunked-lines"
	cases = append(cases,
		passes(gzID, "501 and closed", piped(2, gzReq, textResp("501 Not Implemented", "Not Implemented", "Connection: close"), true), "501"),
		passes(gzID, "gzip implemented", piped(2, gzReq, okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", "gzip, chunked"), input("auto", "hello"))+smuggled, false), "implements the coding"),
		fails(gzID, "500 (gunicorn)", piped(2, gzReq, textResp("500 Internal Server Error", "Internal Server Error", "Connection: close"), true), "500 Internal Server Error", "recommends 501"),
		fails(gzID, "400 (twisted)", piped(2, gzReq, badRequest(), true), "400 Bad Request", "recommends 501"),
		fails(gzID, "gzip ignored, chunked decoded", piped(2, gzReq, okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", "gzip, chunked"), input("auto", helloGzip))+smuggled, false), "gzip-coded bytes"),
		fails(gzID, "ignored altogether (tornado)", piped(2, gzReq, okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", "gzip,chunked"), drop("wsgi.input_terminated"))+badRequest(), true), `the app read ""`, "answered 400 Bad Request"),
		fails(gzID, "501, body read as a request", piped(2, gzReq, textResp("501 Not Implemented", "Not Implemented")+badRequest(), true), "left on the connection"),
	)

	// ---- te-list/chunked-twice ----
	twiceReq := teVariantPost(variantChunk(hello), "Transfer-Encoding: chunked, chunked")(t)
	twiceID := "rfc9112/6.1/te-list/chunked-twice"
	twiceEcho := func(read string) string {
		return okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", "chunked, chunked"), input("auto", read))
	}
	cases = append(cases,
		passes(twiceID, "400 and closed (reference)", piped(2, twiceReq, badRequest(), true), "refused"),
		passes(twiceID, "decoded once, next served", piped(2, twiceReq, twiceEcho(hello)+smuggled, false), "decoded the final chunked coding", "was served"),
		passes(twiceID, "decoded twice, closed", piped(2, twiceReq, twiceEcho("hello"), true), "decoded both"),
		passes(twiceID, "refused after reading the body", piped(2, twiceReq, textResp("501 Not Implemented", "Not Implemented")+smuggled, false), "after reading the body"),
		fails(twiceID, "not chunked: body read as a request (gevent)", piped(2, twiceReq, okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", "chunked,chunked"), drop("wsgi.input_terminated"))+badRequest(), true), `read ""`, "did not frame the body"),
		fails(twiceID, "raw connection handed over (werkzeug)", piped(2, twiceReq, okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", "chunked, chunked"), drop("wsgi.input_terminated"), blockedRead), false), "blocked", "did not frame the body"),
		fails(twiceID, "400, body read as a request", piped(2, twiceReq, textResp("400 Bad Request", "Bad Request")+badRequest(), true), "left on the connection"),
		fails(twiceID, "400, kept open", piped(2, twiceReq, textResp("400 Bad Request", "Bad Request"), false), "left open"),
		fails(twiceID, "decoded once, then the next request lost", piped(2, twiceReq, twiceEcho(hello), false), "got no response"),
	)

	// ---- te-list/empty-element-* ----
	for _, c := range []struct{ variant, te string }{
		{"empty-element-leading", ",chunked"},
		{"empty-element-trailing", "chunked,"},
	} {
		id := "rfc9112/6.1/te-list/" + c.variant
		req := teVariantPost(hello, "Transfer-Encoding: "+c.te)(t)
		cases = append(cases,
			passes(id, "decoded, next served", piped(2, req, okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", c.te), input("auto", "hello"))+smuggled, false), `read "hello"`, "was served"),
			passes(id, "decoded, closed", piped(2, req, okJSON(echoBody("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", c.te), input("auto", "hello")), "Connection: close"), true), "connection was closed"),
			fails(id, "500 (gunicorn)", piped(2, req, textResp("500 Internal Server Error", "Internal Server Error", "Connection: close"), true), "500 Internal Server Error"),
			fails(id, "400 (twisted)", piped(2, req, badRequest(), true), "400 Bad Request"),
			fails(id, "501 (Apache)", piped(2, req, textResp("501 Not Implemented", "Not Implemented", "Connection: close"), true), "501 Not Implemented"),
			fails(id, "not chunked: body read as a request (tornado)", piped(2, req, okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", c.te), drop("wsgi.input_terminated"))+badRequest(), true), `the app read ""`, "answered 400 Bad Request"),
			fails(id, "decoded, next request lost", piped(2, req, okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", c.te), input("auto", "hello")), false), "got no response"),
			// werkzeug: not decoded, wsgi.input is the socket file: the probe's read blocks.
			fails(id, "raw connection handed over (werkzeug)", piped(2, req, okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", c.te), drop("wsgi.input_terminated"), blockedRead), true), "blocked", "did not frame the body as chunked"),
		)
	}

	// ---- te-list/chunked-parameter ----
	paramReq := teVariantPost(hello, "Transfer-Encoding: chunked;q=1")(t)
	paramID := "rfc9112/6.1/te-list/chunked-parameter"
	cases = append(cases,
		passes(paramID, "400 and closed", piped(2, paramReq, badRequest(), true), "treated as an error"),
		passes(paramID, "500 and closed (gunicorn)", piped(2, paramReq, textResp("500 Internal Server Error", "Internal Server Error", "Connection: close"), true), "treated as an error"),
		fails(paramID, "parameter ignored, decoded", piped(2, paramReq, okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", "chunked;q=1"), input("auto", "hello"))+smuggled, false), "ignored the parameter"),
		fails(paramID, "not chunked: body read as a request (tornado)", piped(2, paramReq, okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", "chunked;q=1"), drop("wsgi.input_terminated"))+badRequest(), true), "without reading it as chunked", "answered 400 Bad Request"),
		fails(paramID, "400, body read as a request", piped(2, paramReq, textResp("400 Bad Request", "Bad Request")+badRequest(), true), "left on the connection"),
	)

	// ---- te-and-content-length/<v> ----
	for _, c := range []struct {
		variant, cl, framed string
		fields              []string
	}{
		{"cl-first", "3", "5\r\n", []string{"Content-Length: 3", "Transfer-Encoding: chunked"}},
		{"cl-zero", "0", "", []string{"Transfer-Encoding: chunked", "Content-Length: 0"}},
		{"te-upper-case", "3", "5\r\n", []string{"Transfer-Encoding: CHUNKED", "Content-Length: 3"}},
	} {
		id := "rfc9112/6.1/te-and-content-length/" + c.variant
		req := teVariantPost(hello, c.fields...)(t)
		echo := func(read string) string {
			return okEcho("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", "chunked", "CONTENT_LENGTH", c.cl), input("auto", read))
		}
		cases = append(cases,
			passes(id, "400 and closed", piped(2, req, badRequest(), true), "rejected"),
			passes(id, "chunked, then closed", piped(2, req, okJSON(echoBody("POST", echoPath, "", env("HTTP_TRANSFER_ENCODING", "chunked"), input("auto", "hello")), "Connection: close"), true), "Transfer-Encoding alone"),
			// paste, wsgiref, uWSGI: framed by Content-Length; the rest of the chunked body is
			// read as a request, or the connection closes.
			fails(id, "framed by Content-Length (paste)", piped(2, req, echo(c.framed), true), "framed the body by Content-Length", "read "+quoteBytes(c.framed)),
			// cheroot, eventlet, werkzeug: decoded, but Content-Length passed on to the app,
			// which stops there; cheroot then reads the rest of the chunked body as a request.
			fails(id, "decoded, CONTENT_LENGTH passed on (cheroot)", piped(2, req, echo("hello"[:min(3, len(c.framed))])+badRequest(), true), "handed CONTENT_LENGTH "+quoteBytes(c.cl), "answered 400 Bad Request"),
			// waitress, gevent: decoded as chunked, but the connection kept.
			fails(id, "chunked, kept open (waitress)", piped(2, req, echo("hello")+smuggled, false), "stayed open", "was served"),
			fails(id, "400, next request served", piped(2, req, textResp("400 Bad Request", "Bad Request")+smuggled, false), "guessed"),
			fails(id, "400, kept open", piped(2, req, textResp("400 Bad Request", "Bad Request"), false), "left open"),
		)
	}
	return cases
}
