package spec

import (
	"fmt"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// RFC 9112 §6–7: message body length, Transfer-Encoding, Content-Length and the chunked
// coding. Every check here is about one question a front proxy and the WSGI server must
// answer alike: where does this request end?

const chunkedRequires = "rfc9112/7.1/chunked-body"

// chunkedPost builds a chunked POST to the echo with the given raw body bytes; a check that
// needs a pipelined request after it (to see bytes left unread) appends one.
func chunkedPost(te, body string, fields ...string) func(t *Target) []byte {
	return func(t *Target) []byte {
		head := t.request("POST "+probes.Prefix+"echo HTTP/1.1", append([]string{"Transfer-Encoding: " + te}, fields...)...)
		return append(head, body...)
	}
}

// judgeChunkedBody expects the decoded body want to reach the app. It judges the bytes
// alone: whether the server also told the app there is a body (CONTENT_LENGTH or
// wsgi.input_terminated) is pep3333/input/chunked-body-announced. The probe reads a body
// whose Transfer-Encoding ends in chunked even when nothing announces it, on a thread it
// stops waiting for (input.blocked), so a server that decodes without announcing is judged
// on what it decoded, and one that hands over the raw connection is seen blocking.
func judgeChunkedBody(want string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		if rj.status == 411 {
			return observed("the server refuses request bodies without Content-Length (411 Length Required, which RFC 9112 §6.3 allows); chunked checks are skipped").behaving(BehaviourRefused411)
		}
		if !rj.accepted {
			return violates("a valid chunked request was refused: the server %s", rj).behaving(BehaviourRefused)
		}
		e, _, err := o.Echo(0, 0)
		if err != nil {
			return inconclusive("the probe's echo was not received: %v", err)
		}
		got := string(e.Input.Body())
		if e.Input.Blocked {
			return violates("the app's read() of wsgi.input did not return (the probe stopped waiting after %d bytes): the stream does not end where the chunked body does, as a raw connection does not, so the server did not decode the body %s", len(got), quoteBytes(want)).with("CONTENT_LENGTH", "wsgi.input_terminated", "HTTP_TRANSFER_ENCODING").behaving(BehaviourNotRead)
		}
		if got == want {
			return conforms("the app read the decoded body %s", quoteBytes(want)).behaving(BehaviourDecoded)
		}
		if e.Input.Error != "" {
			return violates("the app read %s and then wsgi.input raised %s; the chunked body decodes to %s", quoteBytes(clipStr(got, 80)), e.Input.Error, quoteBytes(want)).with("CONTENT_LENGTH", "wsgi.input_terminated").behaving(BehaviourMangled)
		}
		cl, _ := str(e, "CONTENT_LENGTH")
		term, _ := e.Env("wsgi.input_terminated")
		if _, ok := str(e, "HTTP_TRANSFER_ENCODING"); !ok && got == "" && cl == "" && term.Value != "True" {
			// The probe finds an unannounced body by this header; without it, it cannot read.
			return violates("the app read nothing: the environ holds no CONTENT_LENGTH, no wsgi.input_terminated and no HTTP_TRANSFER_ENCODING, so nothing tells it there is a body %s", quoteBytes(want)).with("CONTENT_LENGTH", "wsgi.input_terminated").behaving(BehaviourNotRead)
		}
		return violates("the app read %s (with %s); the chunked body decodes to %s", quoteBytes(clipStr(got, 80)), describe(e, "CONTENT_LENGTH"), quoteBytes(want)).with("CONTENT_LENGTH", "wsgi.input_terminated").behaving(BehaviourMangled)
	}
}

// mustReject400AndClose judges a request whose framing RFC 9112 §6.3 calls an
// unrecoverable error: 400, then close.
func mustReject400AndClose(why string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		v := mustReject400(why)(o)
		if v.Outcome == Conforms && !rj.x.Closed() {
			return violates("answered 400 but kept the connection open (%s); the RFC requires closing it, since the server cannot know where the bad request ended", rj.x.End)
		}
		return v
	}
}

func init() {
	register(&Check{
		ID:    "rfc9112/7.1/chunked-body",
		Title: "a chunked request body reaches wsgi.input decoded",
		Ref:   Ref{"RFC 9112", "7.1"}, Level: Must, Area: "framing",
		HTTP11:  true,
		Quote:   "A recipient MUST be able to parse and decode the chunked transfer coding.",
		Observe: exchange(chunkedPost("chunked", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")),
		Judge:   judgeChunkedBody("hello world"),
	})

	register(&Check{
		ID:    "rfc9112/7.1.1/chunk-extensions-ignored",
		Title: "chunk extensions are ignored",
		Ref:   Ref{"RFC 9112", "7.1.1"}, Level: Must, Area: "framing",
		Requires: []string{chunkedRequires},
		Quote:    "A recipient MUST ignore unrecognized chunk extensions.",
		Observe:  exchange(chunkedPost("chunked", "5;name=value\r\nhello\r\n6;flag\r\n world\r\n0;last=1\r\n\r\n")),
		Judge:    judgeChunkedBody("hello world"),
	})

	register(&Check{
		ID:       "rfc9112/7.1.1/chunk-extension-quoted-bws",
		Title:    "chunk extensions with bad whitespace (BWS) around ';' and '=' and quoted-string values are parsed and ignored",
		Ref:      Ref{"RFC 9110", "5.6.3"},
		Level:    Must,
		Area:     "framing",
		Requires: []string{"rfc9112/7.1.1/chunk-extensions-ignored"},
		Quote:    "A sender MUST NOT generate BWS in messages. A recipient MUST parse for such bad whitespace and remove it before interpreting the protocol element.",
		Observe:  exchange(chunkedPost("chunked", "5 ;quoted=\"a;b\\\"c\"\r\nhello\r\n6\t; name = value\r\n world\r\n0\r\n\r\n")),
		Judge:    judgeChunkedBody("hello world"),
	})

	register(&Check{
		ID:    "rfc9112/7.1.2/trailer-section",
		Title: "a trailer section after the last chunk is consumed",
		Ref:   Ref{"RFC 9112", "7.1"}, Level: Must, Area: "framing",
		Requires: []string{chunkedRequires},
		Quote:    "The chunked transfer coding is complete when a chunk with a chunk-size of zero is received, possibly followed by a trailer section, and finally terminated by an empty line.",
		Observe: one(func(t *Target) wire.Script {
			req := append(chunkedPost("chunked", "5\r\nhello\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n")(t), t.get("/after-trailers")...)
			// As for pipelining: outlast keep-alive reapers.
			return wire.Script{Steps: []wire.Step{{Data: req}}, Responses: 2, Linger: 150 * time.Millisecond, IdleTimeout: 5 * time.Second}
		}),
		Judge: func(o *Observation) Verdict {
			if v := judgeChunkedBody("hello")(o); v.Outcome != Conforms {
				return v
			}
			x := o.Conns[0].Exchange
			if len(x.Responses) < 2 {
				if x.Closed() {
					return conforms("body decoded; the server closed the connection after the response")
				}
				return violates("the request after the trailer section was not answered (%s): the trailer lines were taken for something else", o.ending(0))
			}
			if r := x.Responses[1]; r.Status != 200 {
				return violates("the request after the trailer section was answered %d %s: trailer lines leaked into the next request", r.Status, r.Reason)
			}
			return conforms("body decoded and the next request served")
		},
	})

	chunkSizeQuote := "The chunk-size field is a string of hex digits indicating the size of the chunk-data in octets."
	for _, c := range []struct{ slug, title, body, why string }{
		{"chunk-size-sign", "a chunk size with a sign (+5) is rejected", "+5\r\nhello\r\n0\r\n\r\n", "strconv-style parsers accept '+5'; a proxy that does not reads a different body length."},
		{"chunk-size-0x-prefix", "a chunk size with a 0x prefix is rejected", "0x5\r\nhello\r\n0\r\n\r\n", "int(x, 16) accepts '0x5'; other parsers read 0 and end the body there."},
		{"chunk-size-leading-space", "a chunk size with leading whitespace is rejected", " 5\r\nhello\r\n0\r\n\r\n", "whitespace-tolerant and strict parsers split the stream in different places."},
		{"chunk-size-non-hex", "a chunk size with a non-hex digit is rejected", "5g\r\nhello\r\n0\r\n\r\n", "a parser that stops at the first non-hex digit and one that rejects disagree on the framing."},
		{"chunk-size-underscore", "a chunk size with an underscore (5_0) is rejected", "1_0\r\nhello world 1234\r\n0\r\n\r\n", "Python's int('1_0', 16) accepts underscores; no HTTP parser in front of it does."},
	} {
		register(&Check{
			ID:    "rfc9112/7.1/" + c.slug,
			Title: c.title,
			Ref:   Ref{"RFC 9112", "7.1"}, Level: Should, Area: "framing",
			Requires: []string{chunkedRequires},
			Quote:    chunkSizeQuote,
			Observe:  exchange(chunkedPost("chunked", c.body)),
			Judge:    shouldRejectChunk(fmt.Sprintf("chunk-size = 1*HEXDIG: %s", c.why)),
		})
	}

	// A 2^64+5 size is valid grammar; what must not happen is reading it as 5. A server that
	// waits for the declared bytes, or refuses so large a body, has parsed it correctly.
	register(&Check{
		ID:    "rfc9112/7.1/chunk-size-overflow",
		Title: "a chunk size beyond 64 bits is not wrapped around",
		Ref:   Ref{"RFC 9112", "7.1"}, Level: Must, Area: "framing",
		Requires: []string{chunkedRequires},
		Quote:    "Therefore, recipients MUST anticipate potentially large hexadecimal numerals and prevent parsing errors due to integer conversion overflows or precision loss due to integer representation.",
		Observe:  exchange(chunkedPost("chunked", "10000000000000005\r\nhello\r\n0\r\n\r\n")),
		Judge:    judgeHugeLength("chunk size 0x10000000000000005"),
	})
	register(&Check{
		ID:    "rfc9110/8.6/content-length-overflow",
		Title: "a Content-Length beyond 64 bits is not wrapped around",
		Ref:   Ref{"RFC 9110", "8.6"}, Level: Must, Area: "framing", Aliases: []string{"rfc9112/6.3/content-length-overflow"},
		Quote: "Since there is no predefined limit to the length of content, a recipient MUST anticipate potentially large decimal numerals and prevent parsing errors due to integer conversion overflows or precision loss due to integer conversion (Section 17.5).",
		Observe: exchange(func(t *Target) []byte {
			return append(t.request("POST "+probes.Prefix+"echo HTTP/1.1", "Content-Length: 18446744073709551621"), "hello"...)
		}),
		Judge: judgeHugeLength("Content-Length: 18446744073709551621 (2^64+5)"),
	})

	register(&Check{
		ID:    "rfc9112/7.1/chunk-data-crlf",
		Title: "chunk data not followed by CRLF is rejected",
		Ref:   Ref{"RFC 9112", "7.1"}, Level: Should, Area: "framing",
		Requires: []string{chunkedRequires},
		Quote:    chunkSizeQuote,
		Observe:  exchange(chunkedPost("chunked", "5\r\nhelloXX0\r\n\r\n")),
		Judge:    shouldRejectChunk("chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF: a parser that skips two bytes after the data, whatever they are, can be fed a chunk boundary a proxy does not see."),
	})

	register(&Check{
		ID:    "rfc9112/6.1/te-case-insensitive",
		Title: "Transfer-Encoding: CHUNKED is recognised as chunked",
		Ref:   Ref{"RFC 9112", "7"}, Level: Must, Area: "framing",
		Requires: []string{chunkedRequires},
		Quote:    "All transfer-coding names are case-insensitive and ought to be registered within the HTTP Transfer Coding registry, as defined in Section 7.3.",
		Observe:  exchange(chunkedPost("CHUNKED", "5\r\nhello\r\n0\r\n\r\n")),
		Judge:    judgeChunkedBody("hello"),
	})

	register(&Check{
		ID:    "rfc9112/6.1/te-and-content-length",
		Title: "Transfer-Encoding with Content-Length is rejected, or served by chunked and the connection closed",
		Ref:   Ref{"RFC 9112", "6.1"}, Level: Must, Area: "framing",
		Quote: "A server MAY reject a request that contains both Content-Length and Transfer-Encoding or process such a request in accordance with the Transfer-Encoding alone. Regardless, the server MUST close the connection after responding to such a request to avoid the potential attacks.",
		Observe: pipeline(2, func(t *Target) []byte {
			return append(chunkedPost("chunked", "5\r\nhello\r\n0\r\n\r\n", "Content-Length: 3")(t), t.get("/smuggled")...)
		}),
		Judge: func(o *Observation) Verdict {
			rj := classify(o)
			x := rj.x
			served := len(x.Responses) >= 2
			if !rj.accepted {
				if served {
					return violates("the request was refused (%s) but the connection stayed open and the next request was served: the server guessed where the bad request ended", rj)
				}
				if rj.closed || (rj.status >= 400 && x.Closed()) {
					return conforms("rejected: the server %s, closed the connection, and served nothing more", rj)
				}
				if rj.status >= 400 {
					return violates("refused (%s) but the connection was left open (%s): the RFC requires closing it after responding", rj, x.End)
				}
				return violates("%s", waitingMsg)
			}
			e, _, err := o.Echo(0, 0)
			if err != nil {
				return inconclusive("the probe's echo was not received: %v", err)
			}
			if got := string(e.Input.Body()); got != "hello" {
				if cl, _ := str(e, "CONTENT_LENGTH"); cl == "3" && got != "5\r\n" {
					return violates("the body was decoded as chunked, but the app was handed CONTENT_LENGTH '3' and read %s: the request's length is ambiguous to the app, a request smuggling vector", quoteBytes(got)).with("CONTENT_LENGTH")
				}
				return violates("with both Transfer-Encoding: chunked and Content-Length: 3, the app read %s: the server framed the body by Content-Length, a request smuggling vector", quoteBytes(got)).with("CONTENT_LENGTH")
			}
			if served {
				return violates("the body was decoded as chunked, but the connection stayed open and the pipelined request was served: a front end that used Content-Length sees a different request boundary")
			}
			if !x.Closed() {
				return violates("the body was decoded as chunked, but the connection was left open (%s): the RFC requires closing it after responding", x.End)
			}
			return conforms("processed by Transfer-Encoding alone and the connection closed")
		},
	})

	register(&Check{
		ID:    "rfc9112/6.3/te-chunked-not-final",
		Title: "a Transfer-Encoding whose final coding is not chunked is rejected with 400 and the connection closed",
		Ref:   Ref{"RFC 9112", "6.3"}, Level: Must, Area: "framing",
		Quote: "If a Transfer-Encoding header field is present in a request and the chunked transfer coding is not the final encoding, the message body length cannot be determined reliably; the server MUST respond with the 400 (Bad Request) status code and then close the connection.",
		Observe: pipeline(2, func(t *Target) []byte {
			return append(chunkedPost("chunked, identity", "5\r\nhello\r\n0\r\n\r\n")(t), t.get("/smuggled")...)
		}),
		Judge: func(o *Observation) Verdict {
			// 'identity' is also a coding the server may not understand, for which §6.1
			// recommends 501: either refusal, followed by closing, conforms.
			if rj := classify(o); rj.status == 501 {
				if rj.x.Closed() {
					return conforms("refused with 501 Not Implemented and closed")
				}
				return violates("answered 501 but kept the connection open (%s); the RFC requires closing it", rj.x.End)
			}
			return mustReject400AndClose("A server that frames 'chunked, identity' at all (as chunked, or not at all) disagrees with any front end that follows the RFC.")(o)
		},
	})

	register(&Check{
		ID:    "rfc9112/6.1/unknown-transfer-coding",
		Title: "a request with a transfer coding the server does not understand is refused (501)",
		Ref:   Ref{"RFC 9112", "6.1"}, Level: Should, Area: "framing",
		Quote:   "A server that receives a request message with a transfer coding it does not understand SHOULD respond with 501 (Not Implemented).",
		Observe: exchange(chunkedPost("x-conform, chunked", "5\r\nhello\r\n0\r\n\r\n")),
		Judge: func(o *Observation) Verdict {
			rj := classify(o)
			switch {
			case rj.status == 501:
				return conforms("501 Not Implemented")
			case rj.accepted:
				return violates("the server accepted 'Transfer-Encoding: x-conform, chunked' (%s) instead of refusing a coding it does not understand", rj)
			case rj.status >= 400 || rj.closed:
				return violates("refused, but the server %s; the RFC recommends 501 so clients know the coding is the problem", rj)
			}
			return inconclusive("the server %s", rj)
		},
	})

	register(&Check{
		ID:    "rfc9112/6.1/te-in-http10",
		Title: "Transfer-Encoding in an HTTP/1.0 request is treated as faulty framing and the connection closed",
		Ref:   Ref{"RFC 9112", "6.1"}, Level: Must, Area: "framing",
		Quote: "A server or client that receives an HTTP/1.0 message containing a Transfer-Encoding header field MUST treat the message as if the framing is faulty, even if a Content-Length is present, and close the connection after processing the message.",
		Observe: pipeline(2, func(t *Target) []byte {
			req := append(t.request("POST "+probes.Prefix+"echo HTTP/1.0", "Connection: keep-alive", "Transfer-Encoding: chunked", "Content-Length: 15"), "5\r\nhello\r\n0\r\n\r\n"...)
			return append(req, t.request("GET /smuggled HTTP/1.0", "Connection: keep-alive")...)
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			if len(x.Responses) >= 2 {
				return violates("after an HTTP/1.0 request with Transfer-Encoding the connection stayed open and the next request was served (%d %s): the framing was trusted", x.Responses[1].Status, x.Responses[1].Reason)
			}
			if len(x.Responses) == 1 && !x.Closed() {
				return violates("the connection stayed open after an HTTP/1.0 request with Transfer-Encoding (%s)", x.End)
			}
			if rj := classify(o); rj.waiting() {
				return violates("%s; the framing of an HTTP/1.0 request with Transfer-Encoding must be treated as faulty", waitingMsg)
			}
			return conforms("the connection was closed after the request (%s)", describeFirst(o))
		},
	})

	clQuote := "If the unrecoverable error is in a request message, the server MUST respond with a 400 (Bad Request) status code and then close the connection."
	for _, c := range []struct{ slug, title, value, why string }{
		{"content-length-plus", "Content-Length: +5 is rejected with 400 and the connection closed", "+5", "int('+5') is 5 in Python; a front proxy that rejects or reads it differently desynchronises."},
		{"content-length-negative", "Content-Length: -1 is rejected with 400 and the connection closed", "-1", "a negative length read as 'until close' or as 0 leaves the body on the connection as a new request."},
		{"content-length-non-digit", "Content-Length: 5a is rejected with 400 and the connection closed", "5a", "a parser that stops at the first non-digit reads 5; one that rejects does not."},
		{"content-length-underscore", "Content-Length: 1_0 is rejected with 400 and the connection closed", "1_0", "Python's int('1_0') is 10; every HTTP parser in front of it disagrees."},
		{"content-length-conflict", "Content-Length: 5, 6 (differing values) is rejected with 400 and the connection closed", "5, 6", "which of the two a parser picks decides where the next request starts."},
	} {
		c := c
		register(&Check{
			ID:    "rfc9112/6.3/" + c.slug,
			Title: c.title,
			Ref:   Ref{"RFC 9112", "6.3"}, Level: Must, Area: "framing",
			Quote: clQuote,
			Observe: pipeline(2, func(t *Target) []byte {
				req := append(t.request("POST "+probes.Prefix+"echo HTTP/1.1", "Content-Length: "+c.value), "hello"...)
				return append(req, t.get("/smuggled")...)
			}),
			Judge: judgeBadContentLength(c.why),
		})
	}

	register(&Check{
		ID:    "rfc9112/6.3/content-length-repeated-conflict",
		Title: "two Content-Length lines with different values are rejected with 400 and the connection closed",
		Ref:   Ref{"RFC 9112", "6.3"}, Level: Must, Area: "framing",
		Quote: clQuote,
		Observe: pipeline(2, func(t *Target) []byte {
			req := append(t.request("POST "+probes.Prefix+"echo HTTP/1.1", "Content-Length: 5", "Content-Length: 6"), "hello!"...)
			return append(req, t.get("/smuggled")...)
		}),
		Judge: judgeBadContentLength("a server that takes the first line and a proxy that takes the last disagree by one byte: enough to smuggle."),
	})

	register(&Check{
		ID:    "rfc9112/6.3/content-length-identical-list",
		Title: "Content-Length: 5, 5 (identical values) is read as 5 or rejected",
		Ref:   Ref{"RFC 9112", "6.3"}, Level: Must, Area: "framing",
		Quote: "If a message is received without Transfer-Encoding and with an invalid Content-Length header field, then the message framing is invalid and the recipient MUST treat it as an unrecoverable error, unless the field value can be successfully parsed as a comma-separated list (Section 5.6.1 of [HTTP]), all values in the list are valid, and all values in the list are the same (in which case, the message is processed with that single value used as the Content-Length field value).",
		Observe: exchange(func(t *Target) []byte {
			return append(t.request("POST "+probes.Prefix+"echo HTTP/1.1", "Content-Length: 5, 5"), "hello"...)
		}),
		Judge: func(o *Observation) Verdict {
			rj := classify(o)
			if !rj.accepted {
				if rj.status == 400 {
					return conforms("rejected with 400 (the RFC allows treating it as an error)")
				}
				return inconclusive("the server %s", rj)
			}
			body, e, ok := bodyOf(o, 0, 0)
			if !ok {
				return inconclusive("accepted, but the probe's echo was not received")
			}
			// The RFC says the message is processed with the single value: the app must be
			// handed CONTENT_LENGTH '5', which it can use, not the list.
			if cl, _ := str(e, "CONTENT_LENGTH"); cl != "5" {
				return violates("accepted 'Content-Length: 5, 5' but handed the app %s (the app then read %s): the message must be processed with the single value 5, and an app that does int(CONTENT_LENGTH) fails on the list", describe(e, "CONTENT_LENGTH"), quoteBytes(body)).with("CONTENT_LENGTH")
			}
			if body != "hello" {
				return violates("accepted 'Content-Length: 5, 5' with CONTENT_LENGTH '5', but the app read %s instead of the 5-byte body", quoteBytes(body)).with("CONTENT_LENGTH")
			}
			return conforms("processed as Content-Length: 5")
		},
	})
}

// judgeBadContentLength expects 400 and a closed connection for an invalid Content-Length,
// and explains a leniency by what the app read.
func judgeBadContentLength(why string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		if rj.accepted {
			if body, e, ok := bodyOf(o, 0, 0); ok {
				return violates("the invalid Content-Length was accepted (%s; the app saw %s and read %s); expected 400 and close. %s", rj, describe(e, "CONTENT_LENGTH"), quoteBytes(body), why).with("CONTENT_LENGTH")
			}
		}
		if rj.resp == nil && rj.x.End == wire.EndIdle {
			return violates("no response while the connection stayed open: the server took the invalid Content-Length as a length and is waiting for that much body. %s", why)
		}
		return mustReject400AndClose(why)(o)
	}
}

// judgeHugeLength judges a length of 2^64+5: refusing it (413, 400) or waiting for that much
// body are both correct readings; serving the request with a 5-byte body is the wrap.
func judgeHugeLength(what string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		switch {
		case rj.accepted:
			body, e, ok := bodyOf(o, 0, 0)
			if ok && e.Input.Error != "" && body == "" {
				return conforms("refused when the app read wsgi.input: %s", e.Input.Error)
			}
			if ok && body == "hello" {
				return violates("%s was read as 5: the length wrapped around 64 bits, and a front end waiting for 2^64 bytes disagrees about where the next request starts", what)
			}
			return violates("%s was accepted and the request served (%s) though 2^64 bytes of body were never sent", what, rj)
		case rj.status >= 400 || rj.closed:
			return conforms("refused: the server %s", rj)
		case rj.resp == nil && rj.x.End == wire.EndIdle:
			return conforms("the server took %s at its word and waited for the body (no wrap-around)", what)
		}
		return inconclusive("the server %s", rj)
	}
}

// shouldRejectChunk is shouldReject for a malformed chunked body. Servers that decode the
// body lazily refuse it only when the app reads wsgi.input, by raising there; the probe
// catches that and still answers, so an input error counts as the refusal it is.
func shouldRejectChunk(why string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		if rj := classify(o); rj.accepted {
			if e, _, err := o.Echo(0, 0); err == nil && e.Input.Error != "" {
				return conforms("rejected when the app read wsgi.input: %s (after %d bytes)", e.Input.Error, e.Input.Length)
			}
		}
		return shouldReject(why)(o)
	}
}
