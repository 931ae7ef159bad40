package spec

import (
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// Recorded cases of the chunked-body checks (rfc9112_chunked_variants.go), most of them as
// the servers of testdata/verdicts answered.

func init() { moreJudgeCases = append(moreJudgeCases, chunkedVariantCases) }

// inputBlocked marks the probe's bounded read of an unannounced chunked body as blocked.
func inputBlocked() echoOpt { return func(e *probes.Echo) { e.Input.Blocked = true } }

// eventlet09 is the HTTP/0.9-style error page http.server sends for bytes it cannot read as
// a request line: no status line, and the connection closed.
const eventlet09 = "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        <p>Error code: 400</p>\n    </body>\n</html>\n"

func chunkedVariantCases() []judgeCase {
	t := recTarget
	req := func(body string) []byte { return chunkedThenGet(body)(t) }
	// read is the probe's echo of a chunked POST whose body it read whole with read(): a
	// waitress-like environ (wsgi.input_terminated True) unless opts change it.
	read := func(body string, opts ...echoOpt) string {
		return okEcho("POST", probes.Prefix+"echo", "", append([]echoOpt{env("HTTP_TRANSFER_ENCODING", "chunked"), input("auto", body, call("read", -1, len(body)))}, opts...)...)
	}
	// unannounced: no CONTENT_LENGTH and no wsgi.input_terminated (eventlet 0.33, tornado
	// 6.2, twisted 22.4): the probe found the body by HTTP_TRANSFER_ENCODING.
	unannounced := drop("wsgi.input_terminated")
	raised := func(msg string) string {
		return okEcho("POST", probes.Prefix+"echo", "", env("HTTP_TRANSFER_ENCODING", "chunked"), input("auto", "", []probes.InputCall{}...), inputError(msg))
	}
	after := okEcho("GET", afterChunksPath, "")
	closed400 := badRequest()
	piped2 := func(body, received string, closed bool) func() *Observation {
		return piped(2, req(body), received, closed)
	}

	var cases []judgeCase

	// ---- Decoding is not announcing.
	plainBody := "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
	plain := chunkedPost("chunked", plainBody)(t)
	announced := "pep3333/input/chunked-body-announced"
	cases = append(cases,
		passes(announced, "wsgi.input_terminated (waitress)", answered(plain, read("hello world"), false), "wsgi.input_terminated is True"),
		passes(announced, "CONTENT_LENGTH of the decoded body", answered(plain, read("hello world", unannounced, env("CONTENT_LENGTH", "11")), false), "CONTENT_LENGTH is \"11\""),
		fails(announced, "neither (eventlet 0.33, tornado 6.2, twisted 22.4)", answered(plain, read("hello world", unannounced), false), "neither CONTENT_LENGTH nor wsgi.input_terminated", "HTTP_TRANSFER_ENCODING"),
		fails(announced, "CONTENT_LENGTH of the coded body", answered(plain, read("hello world", unannounced, env("CONTENT_LENGTH", "29")), false), "CONTENT_LENGTH is \"29\"", "decodes to 11 bytes"),
		fails(announced, "input_terminated with a wrong CONTENT_LENGTH", answered(plain, read("hello world", env("CONTENT_LENGTH", "29")), false), "wsgi.input_terminated is True, but CONTENT_LENGTH is \"29\""),
		gives(NotApplicable, announced, "raw connection, nothing decoded (wsgiref)", answered(plain, read("", unannounced, env("CONTENT_LENGTH", ""), inputBlocked()), true), "no decoded body to announce"),
		gives(NotApplicable, announced, "CONTENT_LENGTH 0, nothing decoded (paste)", answered(plain, read("", unannounced, env("CONTENT_LENGTH", "0")), true), "no decoded body to announce"),
		gives(NotApplicable, announced, "411 (mod_wsgi)", answered(plain, textResp("411 Length Required", "Length Required", "Connection: close"), true), "411"),
	)
	// The verdicts of chunked-body that the probe's old auto mode got wrong: it read a body
	// only when CONTENT_LENGTH or wsgi.input_terminated announced it, so a server that
	// decodes without announcing failed the MUST, and its 11 dependent checks were skipped.
	cases = append(cases,
		passes("rfc9112/7.1/chunked-body", "decoded but not announced (eventlet 0.33)", answered(plain, read("hello world", unannounced), false), `"hello world"`),
		passes("rfc9112/7.1/chunked-body", "decoded, announced by CONTENT_LENGTH", answered(plain, read("hello world", unannounced, env("CONTENT_LENGTH", "11")), false)),
		fails("rfc9112/7.1/chunked-body", "raw connection handed over: the read blocks (wsgiref)", answered(plain, read("", unannounced, env("CONTENT_LENGTH", ""), inputBlocked()), true), "did not return", "did not decode"),
		fails("rfc9112/7.1/chunked-body", "CONTENT_LENGTH 0 (paste)", answered(plain, read("", unannounced, env("CONTENT_LENGTH", "0")), true), `the app read ""`, "CONTENT_LENGTH='0'"),
		fails("rfc9112/7.1/chunked-body", "nothing says there is a body", answered(plain, read("", unannounced, drop("HTTP_TRANSFER_ENCODING")), false), "no HTTP_TRANSFER_ENCODING"),
	)

	// ---- rfc9112/7.1/chunk-size-invalid/<v>
	csi := "rfc9112/7.1/chunk-size-invalid/"
	for _, c := range []struct{ variant, body, lenient, has string }{
		{"vertical-tab", "5\x0b\r\nhello\r\n0\r\n\r\n", "hello", "strips the \\x0b"},
		{"form-feed", "5\x0c\r\nhello\r\n0\r\n\r\n", "hello", "strips the \\x0c"},
		{"nbsp", "\xa05\r\nhello\r\n0\r\n\r\n", "hello", "latin-1"},
		{"leading-tab", "\t5\r\nhello\r\n0\r\n\r\n", "hello", "strips the tab"},
		{"trailing-space", "5 \r\nhello\r\n0\r\n\r\n", "hello", "strips the trailing space"},
		{"empty", "\r\n5\r\nhello\r\n0\r\n\r\n", "hello", "skips the empty line"},
	} {
		id := csi + c.variant
		cases = append(cases,
			passes(id, "400 (twisted 22.4)", piped2(c.body, closed400, true), "rejected", "400 Bad Request"),
			passes(id, "closed (tornado 6.2)", piped2(c.body, "", true), "closed the connection"),
			passes(id, "raised in the app's read (eventlet 0.33)", piped2(c.body, raised("ChunkReadError: invalid literal for int() with base 16"), false), "rejected when the app read wsgi.input"),
			fails(id, "read leniently, next request served (gunicorn 20.1, waitress 2.1)", piped2(c.body, read(c.lenient)+after, false), "answered 200 OK", "was served", c.has),
			fails(id, "read leniently, closed (werkzeug 2.2)", piped2(c.body, okJSON(echoBody("POST", probes.Prefix+"echo", "", env("HTTP_TRANSFER_ENCODING", "chunked"), input("auto", c.lenient)), "Connection: close"), true), "connection was closed", "Expected 400"),
		)
	}
	minus := "-5\r\nhello\r\n0\r\n\r\n"
	cases = append(cases,
		passes(csi+"minus", "400 (twisted 22.4)", piped2(minus, closed400, true), "400 Bad Request"),
		passes(csi+"minus", "the next line raised as a size (eventlet 0.33)", piped2(minus, raised("ChunkReadError: invalid literal for int() with base 16: b'hello\\r\\n'"), false), "ChunkReadError"),
		fails(csi+"minus", "no answer: the server spins (tornado 6.2)", piped2(minus, "", false), "no response while the connection stayed open", "stuck"),
		fails(csi+"minus", "empty body, the rest read as a request (cheroot 9.0)", piped2(minus, read("")+closed400, true), `the app read ""`, "answered 400 Bad Request: part of the body was read as a request"),
		fails(csi+"minus", "refused, then the next request served", piped2(minus, textResp("400 Bad Request", "Bad Request")+after, false), "guessed where the malformed body ended"),
	)

	// ---- rfc9112/7.1/chunk-line-ending/<v>
	cle := "rfc9112/7.1/chunk-line-ending/"
	for _, c := range []struct{ variant, body, lenient string }{
		{"size-lf", "5\nhello\r\n0\r\n\r\n", "hello"},
		{"size-cr", "5\rhello\r\n0\r\n\r\n", "hello"},
		{"data-lf", "5\r\nhello\n6\r\n world\r\n0\r\n\r\n", "hello world"},
		{"data-cr", "5\r\nhello\r6\r\n world\r\n0\r\n\r\n", "hello world"},
		{"last-chunk-lf", "5\r\nhello\r\n0\n\r\n", "hello"},
		{"last-chunk-cr", "5\r\nhello\r\n0\r\r\n", "hello"},
		{"final-cr", "5\r\nhello\r\n0\r\n\r", "hello"},
	} {
		id := cle + c.variant
		cases = append(cases,
			passes(id, "400 (twisted 22.4)", piped2(c.body, closed400, true), "400 Bad Request"),
			passes(id, "raised in the app's read (eventlet 0.33)", piped2(c.body, raised("ChunkReadError: invalid literal for int() with base 16"), false), "rejected when the app read"),
			fails(id, "taken for a line end, next request served (cheroot 9.0)", piped2(c.body, read(c.lenient)+after, false), "It takes the bare", "Expected 400 Bad Request"),
		)
	}
	cases = append(cases,
		// waitress 2.1: ONLY_HEXDIG_RE's "$" matches before the final "\n" of "0\n", and the
		// trailer is whatever precedes the next CRLF CRLF, the pipelined GET's included.
		fails(cle+"last-chunk-lf", "last chunk taken, the next request swallowed (waitress 2.1)", piped2("5\r\nhello\r\n0\n\r\n", read("hello"), false), "got no response", "taken as part of the chunked body"),
		// eventlet 0.33: int(b"0\r\r\n") is 0, and the one line read after the last chunk is
		// the pipelined request line.
		fails(cle+"last-chunk-cr", "the next request line eaten (eventlet 0.33)", piped2("5\r\nhello\r\n0\r\r\n", read("hello", unannounced)+eventlet09, true), "not an HTTP/1.x response"),
		fails(cle+"final-cr", "the next request read as trailer lines (twisted 22.4)", piped2("5\r\nhello\r\n0\r\n\r", read("hello", unannounced), false), "got no response"),
		fails(cle+"final-cr", "one line read as the end, the rest as a request (gevent 22.10)", piped2("5\r\nhello\r\n0\r\n\r", read("hello")+closed400, true), "answered 400 Bad Request"),
	)
	for _, c := range []struct{ variant, body string }{
		{"trailer-lf", "5\r\nhello\r\n0\r\nX-Trailer: t\n\r\n"},
		{"final-lf", "5\r\nhello\r\n0\r\n\n"},
	} {
		id := cle + c.variant
		cases = append(cases,
			passes(id, "LF ends the line, next request served (eventlet 0.33)", piped2(c.body, read("hello", unannounced)+after, false), "as RFC 9112 §2.2 allows", "was served"),
			passes(id, "400 (tornado 6.2)", piped2(c.body, closed400, true), "400 Bad Request"),
			passes(id, "read, then closed", piped2(c.body, okJSON(echoBody("POST", probes.Prefix+"echo", "", env("HTTP_TRANSFER_ENCODING", "chunked"), input("auto", "hello")), "Connection: close"), true), "connection was closed"),
			fails(id, "the next request read as trailer lines (twisted 22.4, waitress 2.1)", piped2(c.body, read("hello", unannounced), false), `the app read "hello", but the pipelined GET`, "got no response"),
			fails(id, "trailers read as the next request (cheroot 9.0, gevent 22.10)", piped2(c.body, read("hello")+closed400, true), "answered 400 Bad Request: part of the body was read as a request"),
		)
	}

	// ---- rfc9112/7.1.1/chunk-ext-invalid/<v>
	cei := "rfc9112/7.1.1/chunk-ext-invalid/"
	for _, c := range []struct{ variant, body string }{
		{"vertical-tab", "5;ext=a\x0bb\r\nhello\r\n0\r\n\r\n"},
		{"bare-cr", "5;ext=a\rb\r\nhello\r\n0\r\n\r\n"},
		{"lf-in-quoted-string", "5;ext=\"a\nb\"\r\nhello\r\n0\r\n\r\n"},
	} {
		id := cei + c.variant
		cases = append(cases,
			passes(id, "400 (twisted 22.4)", piped2(c.body, closed400, true), "400 Bad Request"),
			passes(id, "closed (tornado 6.2)", piped2(c.body, "", true), "closed the connection"),
			fails(id, "extension dropped unread (gunicorn 20.1)", piped2(c.body, okJSON(echoBody("POST", probes.Prefix+"echo", "", env("HTTP_TRANSFER_ENCODING", "chunked"), input("auto", "hello")), "Connection: close"), true), `the app read "hello"`, "Expected 400 Bad Request"),
		)
	}
	cases = append(cases,
		fails(cei+"lf-in-quoted-string", "the line ended inside the quotes (eventlet 0.33)", piped2("5;ext=\"a\nb\"\r\nhello\r\n0\r\n\r\n", read("b\"\r\nh", unannounced)+after, false), `the app read "b\"\r\nh"`, "a readline()-based parser"),
	)

	// ---- rfc9112/7.1/chunk-size-valid/<v>
	csv := "rfc9112/7.1/chunk-size-valid/"
	for _, c := range []struct{ variant, body, want string }{
		{"upper-case-hex", "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n", "abcdefghijklmnopqrstuvwxyz"},
		{"leading-zeros", "0005\r\nhello\r\n000\r\n\r\n", "hello"},
		{"last-chunk-extension", "5\r\nhello\r\n0;ext=\"v\"\r\n\r\n", "hello"},
	} {
		id := csv + c.variant
		cases = append(cases,
			passes(id, "decoded, next request served", piped2(c.body, read(c.want)+after, false), "was served"),
			passes(id, "decoded, then closed", piped2(c.body, okJSON(echoBody("POST", probes.Prefix+"echo", "", env("HTTP_TRANSFER_ENCODING", "chunked"), input("auto", c.want)), "Connection: close"), true), "connection was closed"),
			fails(id, "refused", piped2(c.body, closed400, true), "a valid chunked request was refused", "400 Bad Request"),
			fails(id, "decoded, but the next request swallowed", piped2(c.body, read(c.want), false), "got no response"),
			fails(id, "decoded, but the rest read as a request", piped2(c.body, read(c.want)+closed400, true), "part of the body was read as a request"),
		)
	}
	cases = append(cases,
		fails(csv+"last-chunk-extension", "every extension refused (tornado 6.2)", piped2("5\r\nhello\r\n0;ext=\"v\"\r\n\r\n", "", true), "a valid chunked request was refused"),
	)

	// ---- rfc9112/7.1/chunked-incomplete/<v>: the client's FIN inside the body.
	cin := "rfc9112/7.1/chunked-incomplete/"
	halfClosed := func(body, received string, closed bool) func() *Observation {
		s := wire.Script{Steps: []wire.Step{{Data: chunkedPost("chunked", body)(t)}}, HalfClose: true, Responses: 1, Linger: time.Second, IdleTimeout: 5 * time.Second}
		return func() *Observation { return obs(replayed("request", s, received, closed)) }
	}
	for _, c := range []struct{ variant, body string }{
		{"chunk-data", "5\r\nhello\r\n"},
		{"last-chunk", "5\r\nhello\r\n0\r\n"},
	} {
		id := cin + c.variant
		cases = append(cases,
			passes(id, "closed without a response (tornado 6.2, twisted 22.4)", halfClosed(c.body, "", true), "closed the connection without a response"),
			passes(id, "400", halfClosed(c.body, closed400, true), "400 Bad Request"),
			passes(id, "raised in the app's read (eventlet 0.33 after chunk data)", halfClosed(c.body, raised("ChunkReadError: invalid literal for int() with base 16: b''"), true), "the app was told the body is incomplete"),
			fails(id, "handed over as complete (eventlet 0.33, gunicorn 20.1 after the last chunk)", halfClosed(c.body, okJSON(echoBody("POST", probes.Prefix+"echo", "", env("HTTP_TRANSFER_ENCODING", "chunked"), input("auto", "hello")), "Connection: close"), true), `the app read "hello"`, "as if the chunked body were complete"),
			fails(id, "neither answer nor close", halfClosed(c.body, "", false), "neither answered nor closed"),
		)
	}
	return cases
}
