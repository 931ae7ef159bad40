package spec

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// The trace's open sentences (spec/trace/*.txt records that were marked "!!"): normative
// sentences a server can be seen to keep or break that no check tested. They are ranked as
// the tracers ranked them: request smuggling and desynchronisation first (an unread body,
// a body cut short, requests served after the server's own "close", trailers merged into
// the header section, response framing), then the WSGI contract (file wrappers,
// application errors, the environ itself).

// openHiddenPath is the target of a request hidden in a body: an answer to it proves the
// server read body bytes as a request.
const openHiddenPath = "/smuggled"

// openHiddenRequest is a complete request, sent as the body of another one.
func openHiddenRequest(t *Target) string {
	return "GET " + openHiddenPath + " HTTP/1.1\r\nHost: " + t.host() + "\r\n\r\n"
}

// openUnreadPost is a POST to the echo whose application never reads wsgi.input, with the
// given framing fields and body.
func openUnreadPost(t *Target, body string, fields ...string) []byte {
	head := t.request("POST "+probes.Prefix+"echo?read=none HTTP/1.1", append([]string{"Content-Type: text/plain"}, fields...)...)
	return append(head, body...)
}

// openUnreadChunked is the smuggled request as a chunked body.
func openUnreadChunked(t *Target) string {
	s := openHiddenRequest(t)
	return fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(s), s)
}

// openExpectUnread sends the head of a POST with "Expect: 100-continue" whose app never
// reads the body, and the body (a complete request) with a pipelined GET /after only once
// a response has begun: an interim 100, or the final response given without the body.
func openExpectUnread(t *Target) wire.Script {
	s := openHiddenRequest(t)
	head := t.request("POST "+probes.Prefix+"echo?read=none HTTP/1.1", "Content-Type: text/plain", "Expect: 100-continue", fmt.Sprintf("Content-Length: %d", len(s)))
	rest := append([]byte(s), t.get("/after")...)
	return wire.Script{
		Steps:     []wire.Step{{Data: head}, {Data: rest, AwaitResponse: 1500 * time.Millisecond}},
		Responses: 2, Linger: 150 * time.Millisecond, IdleTimeout: 3 * time.Second,
	}
}

// openEchoPath reads the PATH_INFO of response i of connection c when it is an echo.
func openEchoPath(o *Observation, c, i int) (string, error) {
	e, _, err := o.Echo(c, i)
	if err != nil {
		return "", err
	}
	p, _ := str(e, "PATH_INFO")
	return p, nil
}

// openJudgeUnreadBody: the first response answers the POST; what follows on the connection
// must be the answer to GET /after or nothing (a close), never an answer to the body's bytes.
func openJudgeUnreadBody(what string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		x := o.Conns[0].Exchange
		first := o.Response(0, 0)
		if first == nil {
			return inconclusive("the POST was not answered (%s)", o.ending(0))
		}
		// Whoever answered the POST (the app, or the server refusing it), the bytes after
		// its head are a body, and then GET /after.
		if len(x.Responses) < 2 {
			switch {
			case x.Garbage != "":
				return violates("after the response to the POST the server sent bytes that are not a response (%s): it answered the %s's bytes as something", x.Garbage, what)
			case x.Closed():
				return conforms("the app did not read the %s and the server closed the connection after its response (%s)", what, x.End)
			}
			return violates("the pipelined GET /after was never answered and the connection stayed open (%s): the bytes after the POST's head were not read as the %s they are", x.End, what)
		}
		path, err := openEchoPath(o, 0, 1)
		if err != nil {
			second := x.Responses[1]
			return violates("the app did not read the %s, and the server read its bytes as the next request: the second response is %d %s, an answer to the body, not to the pipelined GET /after (RFC 9112 §9.3: read the body or close)", what, second.Status, second.Reason)
		}
		switch path {
		case "/after":
			return conforms("the app did not read the %s; the server read past it and answered the pipelined GET /after", what)
		case openHiddenPath:
			return violates("request smuggling: the app did not read the %s, and the server then served the request it held (GET %s) as if the client had sent it: any front end that framed the body correctly never saw that request", what, openHiddenPath)
		}
		return violates("the second response echoes %s, not the pipelined GET /after: the %s's bytes were read as a request", quoteBytes(path), what)
	}
}

// openSaysClose says the response carries the "close" connection option.
func openSaysClose(r *wire.Response) bool {
	for _, v := range r.Values("Connection") {
		if hasToken(v, "close") {
			return true
		}
	}
	return false
}

// openIndicatesClose says the response tells the client the connection closes after it: the
// "close" option, or an HTTP/1.0 response without "keep-alive" (RFC 9112 §9.3: persistence
// follows the protocol version received).
func openIndicatesClose(r *wire.Response) bool {
	if openSaysClose(r) {
		return true
	}
	if r.Proto != "HTTP/1.0" {
		return false
	}
	for _, v := range r.Values("Connection") {
		if hasToken(v, "keep-alive") {
			return false
		}
	}
	return true
}

// openCloseSign names how the response said it would close.
func openCloseSign(r *wire.Response) string {
	if openSaysClose(r) {
		return "Connection: close"
	}
	return "an HTTP/1.0 response without keep-alive"
}

// openSequential observes scripts one after the other, each on its own connection.
func openSequential(labels []string, builds ...func(t *Target) wire.Script) func(ctx context.Context, t *Target) (*Observation, error) {
	return func(ctx context.Context, t *Target) (*Observation, error) {
		o := &Observation{Values: map[string]float64{}}
		for i, b := range builds {
			x, err := t.Do(ctx, b(t))
			if err != nil {
				return nil, err
			}
			o.Conns = append(o.Conns, &Conn{Label: labels[i], Exchange: x})
		}
		return o, nil
	}
}

// openLingering is the common script: the bytes in one write, n responses awaited, a short
// linger to see a close or stray bytes.
func openLingering(req []byte, n int, head ...bool) wire.Script {
	return wire.Script{Steps: []wire.Step{{Data: req}}, Responses: n, Head: head, Linger: 150 * time.Millisecond, IdleTimeout: 3 * time.Second}
}

// openFramingFields lists a response's Content-Length and Transfer-Encoding lines, as sent.
func openFramingFields(r *wire.Response) string {
	var parts []string
	for _, f := range r.Header {
		if strings.EqualFold(f.Name, "Content-Length") || strings.EqualFold(f.Name, "Transfer-Encoding") {
			parts = append(parts, f.Name+": "+f.Value)
		}
	}
	return strings.Join(parts, ", ")
}

// openFileData is what probe.py's file_bytes(size) writes: bytes(range(256)) repeated.
func openFileData(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

const openUnreturnedFile = "wrapped-file-the-app-did-not-return\n"

var openPepErrorHandling = Ref{"PEP 3333", "Error Handling"}
var openPepFileHandling = Ref{"PEP 3333", "Optional Platform-Specific File Handling"}

func init() {
	// ---- RFC 9112 §9.3: a body the application never read ----

	openUnreadQuote := "A server MUST read the entire request message body or close the connection after sending its response; otherwise, the remaining data on a persistent connection would be misinterpreted as the next request."
	register(&Check{
		ID:    "rfc9112/9.3/unread-body/content-length",
		Title: "a Content-Length body the app never read is not served as the next request",
		Ref:   Ref{"RFC 9112", "9.3"}, Level: Must, Area: "connection",
		Quote: openUnreadQuote,
		// The body is itself a complete request: a server that leaves it on the connection
		// serves it, as the next request, to whoever sent the first.
		Observe: one(func(t *Target) wire.Script {
			s := openHiddenRequest(t)
			req := append(openUnreadPost(t, s, fmt.Sprintf("Content-Length: %d", len(s))), t.get("/after")...)
			return openLingering(req, 2)
		}),
		Judge: openJudgeUnreadBody("Content-Length body"),
	})
	register(&Check{
		ID:    "rfc9112/9.3/unread-body/chunked",
		Title: "a chunked body the app never read is not read as the next request",
		Ref:   Ref{"RFC 9112", "9.3"}, Level: Must, Area: "connection",
		Requires: []string{chunkedRequires},
		Quote:    openUnreadQuote,
		Observe: one(func(t *Target) wire.Script {
			req := append(openUnreadPost(t, openUnreadChunked(t), "Transfer-Encoding: chunked"), t.get("/after")...)
			return openLingering(req, 2)
		}),
		Judge: openJudgeUnreadBody("chunked body"),
	})
	register(&Check{
		ID:    "rfc9112/9.3/unread-body/expect-continue",
		Title: "a body sent after the final response to an Expect: 100-continue request is not served as a request",
		Ref:   Ref{"RFC 9112", "9.3"}, Level: Must, Area: "connection",
		Quote:   openUnreadQuote,
		Observe: one(openExpectUnread),
		Judge:   openJudgeUnreadBody("body sent after the response"),
	})

	// ---- RFC 9110 §10.1.1: a final response before the content ----

	register(&Check{
		ID:    "rfc9110/10.1.1/final-response-before-body",
		Title: "a server answering before it read the content says whether it will close or keep reading",
		Ref:   Ref{"RFC 9110", "10.1.1"}, Level: Should, Area: "connection",
		Quote:   "A server that responds with a final status code before reading the entire request content SHOULD indicate whether it intends to close the connection (e.g., see Section 9.6 of [HTTP/1.1]) or continue reading the request content.",
		Observe: one(openExpectUnread),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			first := o.Response(0, 0)
			if first == nil {
				return inconclusive("the POST was not answered (%s)", o.ending(0))
			}
			served := len(x.Responses) >= 2
			if openIndicatesClose(first) {
				switch {
				case served:
					return violates("the response said it would close (%s), yet the server went on reading the connection and answered %d %s", openCloseSign(first), x.Responses[1].Status, x.Responses[1].Reason)
				case !x.Closed():
					return violates("the response said it would close (%s), but the connection stayed open (%s)", openCloseSign(first), x.End)
				}
				return conforms("answered before the content arrived, said it would close (%s), and closed", openCloseSign(first))
			}
			// Without "close" the server announced that it keeps reading: the content that
			// follows is content, and the request after it is the next request.
			if !served {
				if x.Closed() {
					return violates("the server answered before the content arrived without saying Connection: close, then closed the connection (%s): a client that sent the content and its next request learns only from a broken connection that neither was read", x.End)
				}
				return violates("the server answered before the content arrived without saying Connection: close, then answered neither the content nor the pipelined GET /after (%s)", x.End)
			}
			path, err := openEchoPath(o, 0, 1)
			switch {
			case err != nil:
				return violates("the server answered before the content arrived without saying Connection: close, then read the content as a request: the next response is %d %s", x.Responses[1].Status, x.Responses[1].Reason)
			case path == "/after":
				return conforms("the response carried no Connection: close and the server kept reading: it consumed the content and answered the pipelined GET /after")
			}
			return violates("the server answered before the content arrived without saying Connection: close, then served the content as a request (%s): a desync", quoteBytes(path))
		},
	})

	// ---- RFC 9112 §6.3: a Content-Length body cut short ----

	register(&Check{
		ID:    "rfc9112/6.3/incomplete-body-half-close",
		Title: "a Content-Length body cut short by the client's close is not handed to the app as complete",
		Ref:   Ref{"RFC 9112", "6.3"}, Level: Must, Area: "framing",
		Quote: "If the sender closes the connection or the recipient times out before the indicated number of octets are received, the recipient MUST consider the message to be incomplete and close the connection.",
		// Five of ten bytes, then the client's FIN (it still reads): an upload cut by a
		// crash or a dropped proxy connection.
		Observe: one(func(t *Target) wire.Script {
			req := append(t.request("POST "+probes.Prefix+"echo HTTP/1.1", "Content-Type: text/plain", "Content-Length: 10"), "hello"...)
			return wire.Script{Steps: []wire.Step{{Data: req}}, HalfClose: true, Responses: 1, Linger: 150 * time.Millisecond, IdleTimeout: 3 * time.Second}
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			r := o.Response(0, 0)
			if r == nil {
				if x.Closed() {
					return conforms("the server closed the connection without running the app on the incomplete body (%s)", x.End)
				}
				if x.Garbage != "" {
					return inconclusive("the answer is not an HTTP/1.x response (%s)", x.Garbage)
				}
				return violates("after the client closed its side mid-body the server neither answered nor closed the connection (%s)", x.End)
			}
			if r.Status == 200 {
				body, e, ok := bodyOf(o, 0, 0)
				if !ok {
					return inconclusive("the probe's echo was not received")
				}
				if e.Input.Error == "" {
					return violates("Content-Length: 10 with 5 bytes and then the client's FIN: the app read %s and wsgi.input signalled no error, so it took an incomplete upload for the whole body (%s)", quoteBytes(body), describe(e, "CONTENT_LENGTH")).with("CONTENT_LENGTH")
				}
				if !x.Closed() {
					return violates("wsgi.input raised on the incomplete body (%s), but the connection was left open (%s)", e.Input.Error, x.End)
				}
				return conforms("wsgi.input raised on the incomplete body (%s) and the connection was closed", e.Input.Error)
			}
			if !x.Closed() {
				return violates("answered %d %s to the incomplete body but left the connection open (%s)", r.Status, r.Reason, x.End)
			}
			return conforms("answered %d %s and closed the connection", r.Status, r.Reason)
		},
	})

	// ---- RFC 9112 §9.6: a server's own "close" ----

	register(&Check{
		ID:    "rfc9112/9.6/own-close-honoured",
		Title: "after its own response with Connection: close (a 400), the server serves nothing more",
		Ref:   Ref{"RFC 9112", "9.6"}, Level: Must, Area: "connection",
		Quote: "A server that sends a \"close\" connection option MUST initiate closure of the connection (see below) after it sends the response containing the \"close\" connection option. The server MUST NOT process any further requests received on that connection.",
		// A field line without a colon: most servers answer 400 and say close; the request
		// behind it must then never be served.
		Observe: one(func(t *Target) wire.Script {
			req := append(t.get("/bad-request", "this field line has no colon"), t.get(openHiddenPath)...)
			return openLingering(req, 2)
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			first := o.Response(0, 0)
			if first == nil {
				return notApplicable("no response to the malformed request (%s), so no \"close\" option to honour", o.ending(0))
			}
			if !openSaysClose(first) {
				return notApplicable("the server answered the malformed request %d %s without Connection: close; the sentence binds only a response that carries it", first.Status, first.Reason)
			}
			if len(x.Responses) >= 2 {
				return violates("the server answered %d %s with Connection: close, then served the pipelined request behind it (%d %s)", first.Status, first.Reason, x.Responses[1].Status, x.Responses[1].Reason)
			}
			if !x.Closed() {
				return violates("the server answered %d %s with Connection: close but did not close the connection (%s)", first.Status, first.Reason, x.End)
			}
			return conforms("%d %s with Connection: close, then the connection closed and nothing more was served", first.Status, first.Reason)
		},
	})

	// ---- trailers merged into the header section ----

	register(&Check{
		ID:    "rfc9112/7.1.2/trailer-not-merged",
		Title: "trailer fields Host and Content-Length do not reach the environ",
		Ref:   Ref{"RFC 9112", "7.1.2"}, Level: Must, Area: "framing",
		Requires: []string{chunkedRequires},
		Quote:    "A recipient MUST NOT merge a received trailer field into the header section unless its corresponding header field definition explicitly permits and instructs how the trailer field value can be safely merged.",
		Observe:  exchange(chunkedPost("chunked", "5\r\nhello\r\n0\r\nHost: evil.example\r\nContent-Length: 99\r\n\r\n")),
		Judge:    openJudgeTrailers(),
	})
	register(&Check{
		ID:    "rfc9110/6.5.1/trailer-not-merged",
		Title: "trailer fields (X-Forwarded-For, X-Conform-Trailer) do not become HTTP_ variables",
		Ref:   Ref{"RFC 9110", "6.5.1"}, Level: Must, Area: "framing",
		Requires: []string{chunkedRequires},
		Quote:    "A recipient MUST NOT merge a trailer field into a header section unless the recipient understands the corresponding header field definition and that definition explicitly permits and defines how trailer field values can be safely merged.",
		Observe:  exchange(chunkedPost("chunked", "5\r\nhello\r\n0\r\nX-Forwarded-For: 6.6.6.6\r\nX-Conform-Trailer: t\r\n\r\n")),
		Judge:    openJudgeTrailers(),
	})

	// ---- response framing the server generates ----

	register(&Check{
		ID:    "rfc9112/6.2/no-content-length-with-te",
		Title: "no response carries both Content-Length and Transfer-Encoding",
		Ref:   Ref{"RFC 9112", "6.2"}, Level: Must, Area: "response",
		Quote: "A sender MUST NOT send a Content-Length header field in any message that contains a Transfer-Encoding header field.",
		// The app's own Content-Length over a body of three blocks (a file wrapper), no
		// Content-Length over HTTP/1.1, and over HTTP/1.0: each is framed by the server.
		Observe: openSequential([]string{"app Content-Length, 3 blocks", "no Content-Length, HTTP/1.1", "no Content-Length, HTTP/1.0"},
			func(t *Target) wire.Script { return openLingering(t.get(probes.Prefix+"file-wrapper?size=20000"), 1) },
			func(t *Target) wire.Script {
				return openLingering(t.get(probes.Prefix+"no-content-length?chunks=2"), 1)
			},
			func(t *Target) wire.Script {
				return openLingering(t.request("GET "+probes.Prefix+"no-content-length?chunks=2 HTTP/1.0"), 1)
			},
		),
		Judge: func(o *Observation) Verdict {
			seen := 0
			for c, conn := range o.Conns {
				r := o.Response(c, 0)
				if r == nil {
					continue
				}
				seen++
				_, cl := r.Get("Content-Length")
				_, te := r.Get("Transfer-Encoding")
				if cl && te {
					return violates("the response for %s carries both (%s): a recipient must let Transfer-Encoding win, one that takes Content-Length reads a different body end", conn.Label, openFramingFields(r))
				}
			}
			if seen == 0 {
				return inconclusive("no response (%s)", o.ending(0))
			}
			return conforms("none of %d responses carries both Content-Length and Transfer-Encoding", seen)
		},
	})

	bodyless204 := openSequential([]string{"204 with a body", "204 without a body"},
		func(t *Target) wire.Script {
			return openLingering(append(t.get(probes.Prefix+"status?code=204&body=unexpected"), t.get("/after")...), 2)
		},
		func(t *Target) wire.Script {
			return openLingering(append(t.get(probes.Prefix+"status?code=204"), t.get("/after")...), 2)
		},
	)
	register(&Check{
		ID:    "rfc9112/6.1/no-te-in-204",
		Title: "a 204 response carries no Transfer-Encoding",
		Ref:   Ref{"RFC 9112", "6.1"}, Level: Must, Area: "response",
		Quote:   "A server MUST NOT send a Transfer-Encoding header field in any response with a status code of 1xx (Informational) or 204 (No Content).",
		Observe: bodyless204,
		Judge:   openJudge204Field("Transfer-Encoding", "a client that honours it waits for chunks a 204 cannot have, or takes the next response for them"),
	})
	register(&Check{
		ID:    "rfc9110/8.6/no-content-length-in-204",
		Title: "a 204 response carries no Content-Length",
		Ref:   Ref{"RFC 9110", "8.6"}, Level: Must, Area: "response",
		Quote:   "A server MUST NOT send a Content-Length header field in any response with a status code of 1xx (Informational) or 204 (No Content).",
		Observe: bodyless204,
		Judge:   openJudge204Field("Content-Length", "a client that honours it on a 204 reads that many bytes of the next response as this one's body"),
	})

	register(&Check{
		ID:    "rfc9112/6.1/no-double-chunking",
		Title: "a body the app chunked itself is not chunked again",
		Ref:   Ref{"RFC 9112", "6.1"}, Level: Must, Area: "response",
		Quote: "A sender MUST NOT apply the chunked transfer coding more than once to a message body (i.e., chunking an already chunked message is not allowed).",
		// The app says "Transfer-Encoding: Chunked" (capital C, so its own line can be told
		// from one the server writes) over a body it chunked itself; PEP 3333 forbids the
		// header, so refusing it conforms.
		Observe: pipeline(2, func(t *Target) []byte {
			return append(t.get(probes.Prefix+"self-chunked"), t.get("/after")...)
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			r := o.Response(0, 0)
			if r == nil {
				if x.Closed() && x.Garbage == "" {
					return conforms("the server closed the connection without sending the app's chunked response (%s)", x.End)
				}
				return inconclusive("no response (%s)", o.ending(0))
			}
			if r.Status >= 500 {
				return conforms("the app's Transfer-Encoding was refused with %d %s", r.Status, r.Reason)
			}
			chunked, appLine := 0, false
			for _, v := range r.Values("Transfer-Encoding") {
				for _, p := range strings.Split(v, ",") {
					if strings.EqualFold(strings.TrimSpace(p), "chunked") {
						chunked++
					}
					if strings.TrimSpace(p) == "Chunked" {
						appLine = true
					}
				}
			}
			const appBody = "5\r\nhello\r\n0\r\n\r\n"
			switch {
			case chunked > 1:
				return violates("the response lists chunked %d times (%s): the app's chunked body was chunked again", chunked, openFramingFields(r))
			case r.Incomplete != "" || x.End == wire.EndGarbage:
				return violates("the response to the app's self-chunked body is not readable (%s%s; %s)", r.Incomplete, x.Garbage, openFramingFields(r))
			case string(r.Body) == "hello":
				return conforms("the app's chunked body went out chunked once (%s): a client decodes 'hello'", openFramingFields(r))
			case string(r.Body) == appBody && appLine:
				return violates("the server kept the app's 'Transfer-Encoding: Chunked' and chunked the app's already chunked body again: a client decodes the app's chunk lines %s as the content", quoteBytes(appBody))
			case string(r.Body) == appBody:
				return conforms("the server dropped the app's Transfer-Encoding and framed its bytes once (%s), so its chunk lines are content; hop-by-hop-refused reports the silent drop", openFramingFields(r))
			}
			return violates("the app's chunked body 'hello' reached the client as %s (%s)", quoteBytes(clipStr(string(r.Body), 60)), openFramingFields(r))
		},
	})

	register(&Check{
		ID:    "rfc9110/8.6/head-content-length",
		Title: "a Content-Length in a response to HEAD is the length GET would have sent",
		Ref:   Ref{"RFC 9110", "8.6"}, Level: Must, Area: "response",
		Quote: "A server MAY send a Content-Length header field in a response to a HEAD request (Section 9.3.2); a server MUST NOT send Content-Length in such a response unless its field value equals the decimal number of octets that would have been sent in the content of a response if the same request had used the GET method.",
		// The app sets no Content-Length, so any length the server sends is computed; one
		// computed from the body HEAD leaves out is 0.
		Observe: openSequential([]string{"GET", "HEAD"},
			func(t *Target) wire.Script {
				return openLingering(t.get(probes.Prefix+"no-content-length?chunks=2", "Connection: close"), 1)
			},
			func(t *Target) wire.Script {
				return openLingering(t.request("HEAD "+probes.Prefix+"no-content-length?chunks=2 HTTP/1.1", "Connection: close"), 1, true)
			},
		),
		Judge: func(o *Observation) Verdict {
			get, head := o.Response(0, 0), o.Response(1, 0)
			if head == nil && o.Conns[1].Closed() && len(o.Conns[1].Raw) == 0 {
				return notApplicable("the HEAD request was not answered at all (%s), so no Content-Length was sent; rfc9110/9.3.2/head-no-content judges the missing response", o.ending(1))
			}
			if get == nil || head == nil {
				return inconclusive("GET: %s; HEAD: %s", o.ending(0), o.ending(1))
			}
			if get.Incomplete != "" || get.Status != 200 {
				return inconclusive("the GET was answered %d %s (%s)", get.Status, get.Reason, get.Incomplete)
			}
			v, ok := head.Get("Content-Length")
			if !ok {
				return conforms("no Content-Length in the response to HEAD (GET sent %d bytes)", len(get.Body))
			}
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n == len(get.Body) {
				return conforms("Content-Length: %s in the response to HEAD, the %d bytes GET sent", v, len(get.Body))
			}
			return violates("the response to HEAD says Content-Length: %s, but GET sent %d bytes: a cache that updates its stored response from the HEAD, or a client sizing a download, is told a wrong length", v, len(get.Body))
		},
	})

	register(&Check{
		ID:    "rfc9110/15.2.2/101-without-upgrade",
		Title: "the app's 101 status is not sent without an Upgrade header",
		Ref:   Ref{"RFC 9110", "15.2.2"}, Level: Must, Area: "response",
		Quote: "The server MUST generate an Upgrade header field in the response that indicates which protocol(s) will be in effect after this response.",
		// PEP 3333 forbids the app hop-by-hop headers such as Upgrade, so a 101 from a WSGI
		// app can only go out without one.
		Observe: pipeline(2, func(t *Target) []byte {
			return append(t.get(probes.Prefix+"status?code=101"), t.get("/after")...)
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			r := o.Response(0, 0)
			if r == nil {
				if x.Closed() && x.Garbage == "" {
					return conforms("the server closed the connection rather than send the app's 101 (%s)", x.End)
				}
				return inconclusive("no response (%s)", o.ending(0))
			}
			if r.Status != 101 {
				return conforms("the app's 101 was not sent: the server answered %d %s", r.Status, r.Reason)
			}
			if u, ok := r.Get("Upgrade"); ok {
				return conforms("101 with Upgrade: %s", u)
			}
			return violates("the server sent the app's '101 Switching Protocols' without an Upgrade header: a proxy in front switches the connection to a protocol nobody named and tunnels whatever follows, the next requests included")
		},
	})

	// ---- RFC 9110 §5.4: fields larger than the server processes ----

	largeQuote := "A server that receives a request header field line, field value, or set of fields larger than it wishes to process MUST respond with an appropriate 4xx (Client Error) status code."
	bigValue := strings.Repeat("a", 64<<10)
	register(&Check{
		ID:    "rfc9110/5.4/large-fields/value-64k",
		Title: "a 64 KiB header field value reaches the app whole or is refused with a 4xx",
		Ref:   Ref{"RFC 9110", "5.4"}, Level: Must, Area: "fields",
		Quote:   largeQuote,
		Observe: exchange(func(t *Target) []byte { return t.get("/large-value", "X-Conform-Big: "+bigValue) }),
		Judge: openJudgeLarge("a 64 KiB X-Conform-Big value", func(e *probes.Echo) (bool, string) {
			v, ok := str(e, "HTTP_X_CONFORM_BIG")
			if !ok {
				return false, "HTTP_X_CONFORM_BIG is absent"
			}
			if v != bigValue {
				return false, fmt.Sprintf("HTTP_X_CONFORM_BIG holds %d of the %d bytes", len(v), len(bigValue))
			}
			return true, fmt.Sprintf("HTTP_X_CONFORM_BIG holds all %d bytes", len(v))
		}),
	})
	const manyLines = 2000
	register(&Check{
		ID:    "rfc9110/5.4/large-fields/lines-2000",
		Title: "2,000 header field lines reach the app all or are refused with a 4xx",
		Ref:   Ref{"RFC 9110", "5.4"}, Level: Must, Area: "fields",
		Quote: largeQuote,
		Observe: exchange(func(t *Target) []byte {
			fields := make([]string, manyLines)
			for i := range fields {
				fields[i] = fmt.Sprintf("X-Conform-F%d: %d", i, i)
			}
			return t.get("/many-lines", fields...)
		}),
		Judge: openJudgeLarge("2,000 header field lines", func(e *probes.Echo) (bool, string) {
			missing, first := 0, -1
			for i := 0; i < manyLines; i++ {
				if v, ok := str(e, fmt.Sprintf("HTTP_X_CONFORM_F%d", i)); !ok || v != strconv.Itoa(i) {
					missing++
					if first < 0 {
						first = i
					}
				}
			}
			if missing > 0 {
				return false, fmt.Sprintf("%d of the %d fields are missing or changed (the first: X-Conform-F%d)", missing, manyLines, first)
			}
			return true, fmt.Sprintf("all %d fields reached the environ", manyLines)
		}),
	})

	// ---- PEP 3333: wsgi.file_wrapper ----

	register(&Check{
		ID:    "pep3333/response/file-wrapper-position",
		Title: "wsgi.file_wrapper sends from the file's current position and stops at Content-Length",
		Ref:   openPepFileHandling, Level: Should, Area: "response",
		Quote: "In other words, transmission should begin at the current position within the \"file\" at the time that transmission begins, and continue until the end is reached, or until Content-Length bytes have been written.",
		Observe: pipeline(2, func(t *Target) []byte {
			return append(t.get(probes.Prefix+"file-wrapper-at?size=4096&offset=1000&length=100"), t.get("/after")...)
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			if fw, _ := r.Get("X-Conform-File-Wrapper"); fw != "used" {
				return notApplicable("the server offers no wsgi.file_wrapper")
			}
			data := openFileData(4096)
			switch {
			case bytes.Equal(r.Body, data[:100]):
				return violates("the file was at offset 1000, but the server sent its first 100 bytes: it rewound the file instead of starting at its current position")
			case !bytes.Equal(r.Body, data[1000:1100]):
				return violates("Content-Length: 100 from offset 1000 of a 4096-byte file; the body is %d other bytes (first difference at %d)", len(r.Body), firstDiff(r.Body, data[1000:1100]))
			case x.Garbage != "":
				return violates("bytes 1000..1099 were sent, and then more of the file, past Content-Length (%s): the next response on the connection is corrupted", x.Garbage)
			}
			if len(x.Responses) < 2 && !x.Closed() {
				return violates("bytes 1000..1099 were sent, but the pipelined GET /after was never answered (%s)", x.End)
			}
			return conforms("sent bytes 1000..1099 and stopped at Content-Length")
		},
	})

	register(&Check{
		ID:    "pep3333/response/file-wrapper-generated-length",
		Title: "a Content-Length the server generates for a file wrapper counts the bytes it sends",
		Ref:   openPepFileHandling, Level: May, Area: "response",
		Quote: "(If the application doesn't supply a Content-Length, the server may generate one from the file using its knowledge of the underlying file implementation.)",
		// Generating one is the server's choice; what it must not do is count the whole file
		// when it sends from the file's position (4096 - 1000 = 3096 bytes).
		Observe: pipeline(2, func(t *Target) []byte {
			return append(t.get(probes.Prefix+"file-wrapper-at?size=4096&offset=1000"), t.get("/after")...)
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			if fw, _ := r.Get("X-Conform-File-Wrapper"); fw != "used" {
				return notApplicable("the server offers no wsgi.file_wrapper")
			}
			// Only the length is judged here: where the bytes start is file-wrapper-position's.
			const rest = 4096 - 1000
			cl, generated := r.Get("Content-Length")
			if !generated {
				return conforms("no Content-Length generated; the %d bytes were framed %s", len(r.Body), r.Framing)
			}
			if strings.TrimSpace(cl) != strconv.Itoa(rest) {
				return violates("the server generated Content-Length: %s for a file wrapper positioned at byte 1000 of 4096; from that position %d bytes remain, so a client reads a wrong body end", cl, rest)
			}
			if x.Garbage != "" {
				return violates("the server generated Content-Length: %s, then sent more bytes than that (%s)", cl, x.Garbage)
			}
			return conforms("generated Content-Length: %s, the bytes from the file's position to its end", cl)
		},
	})

	register(&Check{
		ID:    "pep3333/response/file-wrapper-not-returned",
		Title: "nothing of a file wrapper the app made but did not return is sent",
		Ref:   openPepFileHandling, Level: Must, Area: "response",
		Quote: "and must not perform any data transmission until and unless the server/gateway actually receives the iterable as a return value from the application.",
		Observe: pipeline(2, func(t *Target) []byte {
			return append(t.get(probes.Prefix+"file-wrapper-unreturned"), t.get("/after")...)
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			if bytes.Contains(x.Raw, []byte(openUnreturnedFile)) {
				return violates("the content of a file the app wrapped with wsgi.file_wrapper but did not return reached the client (%s): the wrapper transmitted data the application never handed over", quoteBytes(strings.TrimSpace(openUnreturnedFile)))
			}
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			if fw, _ := r.Get("X-Conform-File-Wrapper"); fw != "used" {
				return notApplicable("the server offers no wsgi.file_wrapper")
			}
			if string(r.Body) != "other\n" {
				return violates("the app returned [b'other\\n'], but the body is %s", quoteBytes(clipStr(string(r.Body), 60)))
			}
			return conforms("only the returned body 'other\\n' was sent")
		},
	})

	// ---- PEP 3333 "Error Handling": exceptions from the application ----

	trapQuote := "Servers should trap and log any exception that aborts an application or the iteration of its return value."
	register(&Check{
		ID:    "pep3333/response/app-error-before-start",
		Title: "an app that raises before start_response gets a 5xx, and the server keeps serving",
		Ref:   openPepErrorHandling, Level: Should, Area: "response",
		Quote: trapQuote,
		Observe: openSequential([]string{"app raises", "next request"},
			func(t *Target) wire.Script { return openLingering(t.get(probes.Prefix+"app-error?at=call"), 1) },
			func(t *Target) wire.Script { return openLingering(t.get("/after-error"), 1) },
		),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			var got string
			switch {
			case r == nil && o.Conns[0].Closed():
				return violates("the app raised before start_response and the server dropped the connection without a response (%s): the exception was not trapped, and the client sees a network error instead of a 5xx", o.ending(0))
			case r == nil:
				return inconclusive("no response to the failing app (%s)", o.ending(0))
			case r.Status < 500:
				return violates("the app raised before start_response and the server answered %d %s: a failure reported as something else", r.Status, r.Reason)
			default:
				got = fmt.Sprintf("%d %s", r.Status, r.Reason)
			}
			if _, _, err := o.Echo(1, 0); err != nil {
				return violates("the app's exception was answered %s, but the next request, on a new connection, was not served: %v", got, err)
			}
			return conforms("answered %s and went on serving", got)
		},
	})

	register(&Check{
		ID:    "pep3333/response/app-error-mid-body",
		Title: "an app that raises after its first block leaves a response that does not look complete",
		Ref:   openPepErrorHandling, Level: Should, Area: "response",
		Quote: trapQuote,
		// application/octet-stream: PEP 3333 lets a server append an error message only to
		// a text/* body it knows how to modify.
		Observe: openSequential([]string{"app raises mid-body", "next request"},
			func(t *Target) wire.Script {
				return wire.Script{Steps: []wire.Step{{Data: t.get(probes.Prefix + "app-error?at=block")}}, Responses: 1, Linger: 300 * time.Millisecond, IdleTimeout: 3 * time.Second}
			},
			func(t *Target) wire.Script { return openLingering(t.get("/after-error"), 1) },
		),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			r := o.Response(0, 0)
			if r == nil {
				if x.Closed() && len(x.Raw) == 0 {
					return violates("the app raised after its first block and the server dropped the connection without sending anything (%s)", x.End)
				}
				return inconclusive("no readable response (%s)", o.ending(0))
			}
			var how string
			switch {
			case r.Status != 200:
				// The server held the body back and could still replace the status.
				how = fmt.Sprintf("the server replaced the response with %d %s", r.Status, r.Reason)
			case !bytes.HasPrefix(r.Body, []byte("first-block\n")):
				return violates("the app yielded 'first-block\\n' before raising, but the body is %s", quoteBytes(clipStr(string(r.Body), 60)))
			case len(r.Body) > len("first-block\n"):
				return violates("after the app raised the server appended %s to an application/octet-stream body: the client gets bytes the app never produced (PEP 3333 allows an error message only in a text/* body)", quoteBytes(clipStr(string(r.Body[len("first-block\n"):]), 60)))
			case r.Incomplete == "" && r.Framing == wire.FramingChunked:
				return violates("the app raised after its first block, and the server ended the chunked body with its final chunk: the response looks complete, so a client or cache takes the 12 bytes for the whole body")
			case r.Incomplete == "" && r.Framing == wire.FramingContentLength:
				return violates("the app raised after its first block, and the server framed the 12 bytes it had with a Content-Length: the response looks complete")
			case r.Incomplete != "":
				how = "the response was cut short (" + r.Incomplete + ")"
			default:
				how = "the close-delimited body ended with the connection"
			}
			if _, _, err := o.Echo(1, 0); err != nil {
				return violates("%s, but the next request, on a new connection, was not served: %v", how, err)
			}
			return conforms("%s, and the server went on serving", how)
		},
	})

	// ---- PEP 3333: the environ and start_response ----

	register(&Check{
		ID:    "pep3333/environ/missing-variables-absent",
		Title: "REMOTE_USER, AUTH_TYPE and REMOTE_IDENT are absent from the environ without authentication",
		Ref:   pepEnviron, Level: Should, Area: "environ",
		Quote:   "Note: missing variables (such as REMOTE_USER when no authentication has occurred) should be left out of the environ dictionary.",
		Observe: exchange(func(t *Target) []byte { return t.get("/no-authentication") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			var present []string
			for _, k := range []string{"REMOTE_USER", "AUTH_TYPE", "REMOTE_IDENT"} {
				if v, ok := e.Env(k); ok && !v.Inherited {
					present = append(present, describe(e, k))
				}
			}
			if len(present) > 0 {
				return violates("a request without authentication gave the app %s: an app testing 'REMOTE_USER' in environ takes the request for authenticated", strings.Join(present, ", ")).with("REMOTE_USER", "AUTH_TYPE", "REMOTE_IDENT")
			}
			return conforms("REMOTE_USER, AUTH_TYPE and REMOTE_IDENT are absent")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/environ-is-dict",
		Title: "environ is a built-in dict the app may modify",
		Ref:   pepSpecDetails, Level: Must, Area: "environ",
		Quote:   "This object must be a builtin Python dictionary (not a subclass, UserDict or other dictionary emulation), and the application is allowed to modify the dictionary in any way it desires.",
		Observe: exchange(func(t *Target) []byte { return t.get(probes.Prefix + "environ-type") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			typ := e.ResultString("type")
			if e.Result["is_dict"] != true {
				return violates("environ is a %s, not a built-in dict (type(environ) is dict is False): an app or middleware that relies on dict behaviour (copy(), JSON, pickling, C extensions) can break", typ)
			}
			if m := e.ResultString("mutable"); m != "ok" {
				return violates("environ is a dict, but setting and deleting a key raised %s", m)
			}
			return conforms("a built-in dict (%s) the app could modify", typ)
		}),
	})

	register(&Check{
		ID:    "pep3333/start-response/header-not-latin1-refused",
		Title: "a response header value with a character beyond latin-1 is refused",
		Ref:   Ref{"PEP 3333", "Unicode Issues"}, Level: Must, Area: "start-response",
		Quote:   "It is a fatal error for an application to supply strings containing any other Unicode character or code point.",
		Observe: exchange(scenario("header-not-latin1")),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return headerRefusedWithoutResponse(o)
			}
			if r.Status >= 500 {
				if e, err := probes.Decode(r.Body); err == nil && e.ResultString("start_response") == "raised" {
					return conforms("start_response raised %s", e.ResultString("exception"))
				}
				return conforms("refused with %d %s", r.Status, r.Reason)
			}
			v, ok := r.Get("X-Conform-Value")
			switch {
			case !ok:
				return violates("start_response accepted the value 'snow\\u2603' and the server dropped the header silently: the app is never told its header was not sent")
			case v == "snow\u2603":
				return violates("start_response accepted the value 'snow\\u2603' and the server sent it encoded as UTF-8 (%s): header values are latin-1 text, and a client decodes %s", quoteBytes(v), quoteBytes("snow\u00e2\u0098\u0083"))
			}
			return violates("start_response accepted the value 'snow\\u2603' and the server sent %s instead of raising", quoteBytes(v))
		},
	})
}

// openJudgeTrailers: the echo must show the header section alone: none of the trailer fields
// the request sent (Host: evil.example, Content-Length: 99, X-Forwarded-For: 6.6.6.6,
// X-Conform-Trailer: t) may have reached the environ.
func openJudgeTrailers() func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		if rj.status >= 400 && rj.status < 500 {
			return conforms("the request with a trailer section was refused (%s): nothing was merged", rj)
		}
		if !rj.accepted {
			return inconclusive("the server %s", rj)
		}
		e, _, err := o.Echo(0, 0)
		if err != nil {
			return inconclusive("the probe's echo was not received: %v", err)
		}
		var merged []string
		keys := []string{"HTTP_HOST", "CONTENT_LENGTH", "HTTP_CONTENT_LENGTH", "HTTP_X_FORWARDED_FOR", "HTTP_X_CONFORM_TRAILER"}
		if h, _ := str(e, "HTTP_HOST"); strings.Contains(h, "evil.example") {
			merged = append(merged, describe(e, "HTTP_HOST"))
		}
		if cl, _ := str(e, "CONTENT_LENGTH"); cl == "99" {
			merged = append(merged, describe(e, "CONTENT_LENGTH"))
		}
		// A front sets X-Forwarded-For of its own: only the trailer's value is a merge.
		if v, _ := str(e, "HTTP_X_FORWARDED_FOR"); strings.Contains(v, "6.6.6.6") {
			merged = append(merged, describe(e, "HTTP_X_FORWARDED_FOR"))
		}
		for _, k := range []string{"HTTP_CONTENT_LENGTH", "HTTP_X_CONFORM_TRAILER"} {
			if _, ok := e.Env(k); ok {
				merged = append(merged, describe(e, k))
			}
		}
		if len(merged) > 0 {
			return violates("trailer fields were merged into the header section: the app saw %s. Trailers arrive after the app may have acted on the headers, and no definition of these fields allows merging them: a client can forge them where a front end checked only the header section", strings.Join(merged, ", ")).with(keys...)
		}
		return conforms("no trailer field reached the environ (%s)", describe(e, "HTTP_HOST"))
	}
}

// openJudge204Field: neither 204 response (one whose app yielded bytes, one that yielded none)
// may carry the field.
func openJudge204Field(field, why string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		seen := 0
		for c, conn := range o.Conns {
			r := o.Response(c, 0)
			if r == nil || r.Status != 204 {
				continue
			}
			seen++
			if v, ok := r.Get(field); ok {
				return violates("the server added '%s: %s' to the app's 204 (%s; the app set no framing header): %s", field, v, conn.Label, why)
			}
		}
		if seen == 0 {
			if r := o.Response(0, 0); r != nil {
				return notApplicable("the app's 204 was answered %d %s, not as a 204", r.Status, r.Reason)
			}
			return inconclusive("no response (%s)", o.ending(0))
		}
		return conforms("no %s in %d 204 responses", field, seen)
	}
}

// openJudgeLarge: a 4xx refusal, or the request served with everything intact (whole checks
// the echo). A 5xx, a close without response, a truncated value or bytes read as another
// request are not the 4xx the RFC asks for.
func openJudgeLarge(what string, whole func(e *probes.Echo) (bool, string)) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		x := rj.x
		switch {
		case rj.status >= 400 && rj.status < 500:
			if len(x.Responses) > 1 || x.Garbage != "" && x.GarbageAt > 0 {
				return violates("refused with %s, then more was answered: the rest of the oversized field was read as another request", rj)
			}
			return conforms("refused with %d %s", rj.status, rj.resp.Reason)
		case rj.accepted:
			e, _, err := o.Echo(0, 0)
			if err != nil {
				return inconclusive("the request with %s was answered %s, not with the probe's echo: %v", what, rj, err)
			}
			ok, msg := whole(e)
			if !ok {
				return violates("the request with %s was served but %s: a server must refuse what it will not process (4xx), not truncate it silently", what, msg)
			}
			if x.Garbage != "" {
				return violates("%s, but more bytes followed the response (%s): part of the request was read as another one", msg, x.Garbage)
			}
			return conforms("served: %s", msg)
		case rj.status >= 500:
			return violates("the server %s to %s: a server error, not the 4xx the RFC asks for (431 Request Header Fields Too Large)", rj, what)
		case rj.closed:
			return violates("the server %s on %s: the client is not told why (expected a 4xx, such as 431)", rj, what)
		case rj.waiting():
			return violates("%s (on %s)", waitingMsg, what)
		}
		return inconclusive("the server %s", rj)
	}
}
