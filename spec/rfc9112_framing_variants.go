package spec

import (
	"fmt"
	"strconv"

	"github.com/conform-wsgi/conform/probes"
)

// Content-Length and Transfer-Encoding spellings: the request framing variants (RFC 9112
// §6.1, §6.3, §7.1; RFC 9110 §5.6.1, §8.6). Each sends a request whose framing a strict
// parser and a lenient one read differently, then a pipelined GET /smuggled, so a server
// that took the wrong length shows it by what the app read or by what it made of the bytes
// after the body. spec/VARIANTS.md says which parser each variant is for.

// framingNextPath is the pipelined request after a variant's body: served as a request of its
// own only when the server framed the body as the RFC does.
const framingNextPath = "/smuggled"

// clVariantPost builds a POST to the echo with the raw Content-Length field value, the body
// "hello" and a pipelined GET /smuggled, in HTTP/1.1 or, with http10, in HTTP/1.0 with
// keep-alive asked for (so that a server that frames wrongly keeps reading the connection).
func clVariantPost(value string, http10 bool) func(t *Target) []byte {
	return func(t *Target) []byte {
		field := "Content-Length: " + value
		if value == "" {
			field = "Content-Length:"
		}
		if http10 {
			req := append(t.request("POST "+probes.Prefix+"echo HTTP/1.0", "Connection: keep-alive", field), "hello"...)
			return append(req, t.request("GET "+framingNextPath+" HTTP/1.0", "Connection: keep-alive")...)
		}
		req := append(t.request("POST "+probes.Prefix+"echo HTTP/1.1", field), "hello"...)
		return append(req, t.get(framingNextPath)...)
	}
}

// teVariantPost builds a POST to the echo with the given raw field lines and body bytes,
// followed by a pipelined GET /smuggled.
func teVariantPost(body string, fields ...string) func(t *Target) []byte {
	return func(t *Target) []byte {
		req := append(t.request("POST "+probes.Prefix+"echo HTTP/1.1", fields...), body...)
		return append(req, t.get(framingNextPath)...)
	}
}

// helloGzip is gzip.compress(b"hello", mtime=0): real gzip data, so that a server that does
// implement the gzip transfer coding hands the app "hello" and one that ignores it hands
// the app these bytes.
const helloGzip = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xcbH\xcd\xc9\xc9\x07\x00\x86\xa6\x106\x05\x00\x00\x00"

// variantNext says what became of the pipelined GET /smuggled: served as its own request
// (the body before it was framed as sent), answered otherwise (the body's bytes, or part of
// them, were read as a request), or not answered.
func variantNext(o *Observation) (served bool, desc string) {
	x := o.Conns[0].Exchange
	if len(x.Responses) < 2 {
		if x.Closed() {
			return false, "the connection was closed after the first response"
		}
		return false, fmt.Sprintf("the pipelined GET %s got no response (%s)", framingNextPath, x.End)
	}
	r := x.Responses[1]
	if e, _, err := o.Echo(0, 1); err == nil {
		if p, _ := str(e, "PATH_INFO"); p == framingNextPath {
			return true, fmt.Sprintf("the pipelined GET %s was served", framingNextPath)
		}
		m, _ := str(e, "REQUEST_METHOD")
		p, _ := str(e, "PATH_INFO")
		return false, fmt.Sprintf("the bytes after the first request were served as %s %s: the request boundary moved", quoteBytes(clipStr(m, 40)), quoteBytes(clipStr(p, 40)))
	}
	return false, fmt.Sprintf("the bytes after the first request were answered %d %s: they were read as a request of their own", r.Status, r.Reason)
}

// variantEchoed describes what the app was handed, for a request the server should not have
// served: the framing headers it saw and the body it read.
func variantEchoed(o *Observation) string {
	body, e, ok := bodyOf(o, 0, 0)
	if !ok {
		return "the probe's echo was not received"
	}
	return fmt.Sprintf("the app saw %s, %s and read %s", describe(e, "CONTENT_LENGTH"), describe(e, "HTTP_TRANSFER_ENCODING"), variantRead(e, body))
}

// variantRead shows what the app read; a read the probe gave up on (Input.Blocked) means the
// server handed the app the connection itself, the body's bytes undecoded.
func variantRead(e *probes.Echo, body string) string {
	s := quoteBytes(clipStr(body, 80))
	if e.Input.Blocked {
		s += " before its read() of wsgi.input blocked (the server handed it the connection itself, the chunked body undecoded)"
	}
	return s
}

// judgeTENotChunked judges a request whose Transfer-Encoding does not end in the coding
// chunked (RFC 9112 §6.3): 400 and close. A 501 and close conforms as well, since the final
// member is also a coding the server does not understand (§6.1 recommends 501).
func judgeTENotChunked(sent, why string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		_, next := variantNext(o)
		switch {
		case rj.accepted:
			return violates("the server accepted %s (%s): %s; %s. Expected 400 Bad Request and close. %s", sent, rj, variantEchoed(o), next, why).with("CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING")
		case rj.status == 400 || rj.status == 501:
			if len(rj.x.Responses) >= 2 || !rj.x.Closed() {
				return violates("answered %d but kept the connection open (%s; %s); the RFC requires closing it, since the end of the request cannot be known", rj.status, rj.x.End, next)
			}
			return conforms("refused with %d %s and closed", rj.status, rj.resp.Reason)
		}
		return mustReject400AndClose(why)(o)
	}
}

// judgeChunkedFraming judges a Transfer-Encoding that a recipient must read as ending in
// chunked: the app reads the decoded body want and the pipelined GET is served as its own
// request (or the connection closes after the response). The check requires chunked-body,
// so the server decodes chunked bodies and a refusal here, 411 included, is this spelling's.
func judgeChunkedFraming(sent, want string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		if !rj.accepted {
			if rj.waiting() {
				return violates("%s; %s ends in chunked, so the body ends at its last chunk", waitingMsg, sent)
			}
			return violates("the server %s to %s, though it decodes 'Transfer-Encoding: chunked': the field value is a valid list ending in chunked and must be read as such", rj, sent)
		}
		body, e, ok := bodyOf(o, 0, 0)
		if !ok {
			return inconclusive("accepted, but the probe's echo was not received")
		}
		served, next := variantNext(o)
		if body != want {
			if e.Input.Error != "" {
				return violates("with %s the app read %s and then wsgi.input raised %s; the chunked body decodes to %s (%s)", sent, quoteBytes(clipStr(body, 80)), e.Input.Error, quoteBytes(want), next).with("CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING")
			}
			return violates("with %s the app read %s, not the chunked body %s: the server did not frame the body as chunked (%s)", sent, variantRead(e, body), quoteBytes(want), next).with("CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING")
		}
		if !served && !o.Conns[0].Exchange.Closed() {
			return violates("the app read %s, but then %s", quoteBytes(want), next)
		}
		return conforms("read as chunked: the app read %s and %s", quoteBytes(want), next)
	}
}

// judgeTEAndCL is the judge of rfc9112/6.1/te-and-content-length for other spellings of
// Transfer-Encoding and Content-Length together: refused and closed, or decoded as chunked
// (want) and closed. clValue is the Content-Length sent, raw the chunked body as sent.
func judgeTEAndCL(clValue, raw, want string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		x := rj.x
		served, next := variantNext(o)
		if !rj.accepted {
			switch {
			case len(x.Responses) >= 2:
				return violates("the request was refused (%s) but the connection stayed open and %s: the server guessed where the bad request ended", rj, next)
			case rj.closed || (rj.status >= 400 && x.Closed()):
				return conforms("rejected: the server %s, closed the connection, and served nothing more", rj)
			case rj.status >= 400:
				return violates("refused (%s) but the connection was left open (%s): the RFC requires closing it after responding", rj, x.End)
			}
			return violates("%s; with Content-Length: %s and a chunked body the server waits for a length it should not have used", waitingMsg, clValue)
		}
		body, e, ok := bodyOf(o, 0, 0)
		if !ok {
			return inconclusive("accepted, but the probe's echo was not received")
		}
		if body != want {
			n, _ := strconv.Atoi(clValue)
			if cl, _ := str(e, "CONTENT_LENGTH"); cl == clValue && (n == 0 || body != raw[:min(n, len(raw))]) {
				// The app's read stopped at CONTENT_LENGTH, over a body the server may have
				// decoded: what the app was told and the framing disagree either way.
				return violates("with both Transfer-Encoding and Content-Length: %s, the app was handed CONTENT_LENGTH %s and read %s, not the chunked body %s: whether the server framed the body by Content-Length or passed on the length of a body it decoded, the app and a front end that follows Transfer-Encoding disagree on where the body ends, a request smuggling vector (%s)", clValue, quoteBytes(cl), quoteBytes(clipStr(body, 80)), quoteBytes(want), next).with("CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING")
			}
			return violates("with both Transfer-Encoding and Content-Length: %s, the app saw %s and read %s, not the chunked body %s: the server framed the body by Content-Length, a request smuggling vector (%s)", clValue, describe(e, "CONTENT_LENGTH"), quoteBytes(clipStr(body, 80)), quoteBytes(want), next).with("CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING")
		}
		if served {
			return violates("the body was decoded as chunked, but the connection stayed open and %s: a front end that used Content-Length sees a different request boundary", next)
		}
		if !x.Closed() {
			return violates("the body was decoded as chunked, but the connection was left open (%s): the RFC requires closing it after responding", x.End)
		}
		return conforms("processed by Transfer-Encoding alone and the connection closed")
	}
}

// judgeUnknownCodingLines judges a request with a coding the server does not understand
// before chunked (RFC 9112 §6.1: 501 recommended). A 501 conforms when the bytes after it
// are not read as a request; accepting it hands the app content still coded.
func judgeUnknownCodingLines(sent, coded, decoded string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		served, next := variantNext(o)
		switch {
		case rj.status == 501:
			if len(rj.x.Responses) >= 2 && !served {
				return violates("answered 501, but kept the connection open and %s: the body was left on the connection", next)
			}
			return conforms("refused with 501 Not Implemented (%s)", next)
		case rj.accepted:
			body, e, ok := bodyOf(o, 0, 0)
			switch {
			case !ok:
				return violates("the server accepted %s (%s) instead of refusing a coding it does not understand with 501", sent, rj)
			case body == decoded:
				return conforms("the server implements the coding: the app read the decoded content %s", quoteBytes(decoded))
			case body == coded:
				return violates("the server accepted %s and handed the app the gzip-coded bytes as if they were the content (%s): a coding it does not understand was ignored, where 501 is recommended", sent, describe(e, "HTTP_TRANSFER_ENCODING")).with("HTTP_TRANSFER_ENCODING")
			}
			return violates("the server accepted %s; the app read %s (%s; %s), where 501 is recommended", sent, variantRead(e, body), describe(e, "HTTP_TRANSFER_ENCODING"), next).with("CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING")
		case rj.status >= 400 || rj.closed:
			return violates("refused, but the server %s; the RFC recommends 501 Not Implemented so clients know the transfer coding is the problem", rj)
		case rj.waiting():
			return violates("%s; the request ends in chunked, so its end is known", waitingMsg)
		}
		return inconclusive("the server %s", rj)
	}
}

// judgeChunkedTwice judges 'chunked, chunked' over a body chunked twice. The sender broke
// RFC 9112 §6.1 ("MUST NOT apply the chunked transfer coding more than once"), but the
// final coding is chunked, so the framing is known: what a recipient must not do is frame
// the body any other way. Decoding once or twice, or refusing and closing, all conform.
func judgeChunkedTwice(once, twice string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		served, next := variantNext(o)
		if !rj.accepted {
			switch {
			case rj.waiting():
				return violates("%s; the final coding is chunked, so the body ends at its last chunk", waitingMsg)
			case served:
				return conforms("refused (%s), after reading the body by its chunked framing: %s", rj, next)
			case len(rj.x.Responses) >= 2:
				return violates("refused (%s) but the connection stayed open and %s: the body was left on the connection", rj, next)
			case rj.x.Closed():
				return conforms("refused: the server %s and closed the connection", rj)
			}
			return violates("refused (%s) but the connection was left open (%s): the server cannot know where the refused request ended unless it reads the body as chunked", rj, rj.x.End)
		}
		body, e, ok := bodyOf(o, 0, 0)
		if !ok {
			return inconclusive("accepted, but the probe's echo was not received")
		}
		var how string
		switch body {
		case twice:
			how = "decoded both chunked codings: the app read " + quoteBytes(twice)
		case once:
			how = "decoded the final chunked coding: the app read " + quoteBytes(once)
		default:
			return violates("with 'Transfer-Encoding: chunked, chunked' the app saw %s and read %s: the server did not frame the body by its final coding, chunked (%s)", describe(e, "CONTENT_LENGTH"), variantRead(e, body), next).with("CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING")
		}
		if !served && !rj.x.Closed() {
			return violates("the server %s, but then %s", how, next)
		}
		return conforms("the server %s; %s", how, next)
	}
}

// judgeChunkedParameter judges 'chunked' with a parameter (RFC 9112 §7.1: their presence
// SHOULD be treated as an error): refused, and the connection closed or the next request
// served by the body's chunked framing, conforms.
func judgeChunkedParameter(sent, want string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		served, next := variantNext(o)
		if !rj.accepted {
			switch {
			case rj.waiting():
				return violates("%s", waitingMsg)
			case served || rj.x.Closed() && len(rj.x.Responses) < 2:
				return conforms("treated as an error: the server %s; %s", rj, next)
			}
			return violates("refused (%s) but the connection stayed open and %s: the body was left on the connection", rj, next)
		}
		body, e, ok := bodyOf(o, 0, 0)
		if !ok {
			return inconclusive("accepted, but the probe's echo was not received")
		}
		if body == want {
			return violates("the server ignored the parameter in %s and decoded the body as chunked (the app read %s); the chunked coding has no parameters, and their presence should be treated as an error", sent, quoteBytes(want))
		}
		return violates("the server accepted %s without reading it as chunked: the app saw %s and read %s, and %s. The final coding is chunked (with a parameter that should make it an error), so the body was left on the connection", sent, describe(e, "CONTENT_LENGTH"), variantRead(e, body), next).with("CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING")
	}
}

func init() {
	// ---- rfc9112/6.3/content-length-invalid/<v>: Content-Length values that are not 1*DIGIT.
	clQuote := "If the unrecoverable error is in a request message, the server MUST respond with a 400 (Bad Request) status code and then close the connection."
	clListQuote := "If a message is received without Transfer-Encoding and with an invalid Content-Length header field, then the message framing is invalid and the recipient MUST treat it as an unrecoverable error, unless the field value can be successfully parsed as a comma-separated list (Section 5.6.1 of [HTTP]), all values in the list are valid, and all values in the list are the same (in which case, the message is processed with that single value used as the Content-Length field value)."
	for _, c := range []struct {
		variant, shown, value string
		http10                bool
		quote, why            string
	}{
		{"vertical-tab", `\x0b5`, "\x0b5", false, clQuote, "OWS is SP and HTAB only; Python's int() and str.strip() also remove a vertical tab, so a Python server reads 5 where a strict front end refuses the request or reads no length."},
		{"form-feed", `5\x0c`, "5\x0c", false, clQuote, "a trailing form feed is not OWS; int() and str.strip() remove it and read 5."},
		{"nbsp", `\xa05`, "\xa05", false, clQuote, "the byte 0xA0 is obs-text, not whitespace; decoded as latin-1 it is U+00A0, which Python's int() and str.strip() remove, reading 5."},
		{"nel", `5\x85`, "5\x85", false, clQuote, "the byte 0x85 is obs-text; decoded as latin-1 it is U+0085 (NEL), which Python's int() and str.strip() remove, reading 5."},
		{"file-separator", `\x1c5`, "\x1c5", false, clQuote, "str.strip() and str.split() treat \\x1c-\\x1f as whitespace (int() alone does not): a server that strips before converting reads 5."},
		{"empty", `'' (empty)`, "", false, clQuote, "an empty value is not 1*DIGIT; a server that reads it as 'no length' (int(v or 0)) leaves the body on the connection as the next request."},
		{"decimal-point", `5.0`, "5.0", false, clQuote, "a parser that stops at the first non-digit (atoi, strtol) or converts through float() reads 5; a strict one refuses."},
		{"hex-prefix", `0x5`, "0x5", false, clQuote, "strtol(v, 0) and int(v, 0) read 5, atoi reads 0: three readings of one request."},
		{"inner-space", `1 0`, "1 0", false, clQuote, "atoi reads 1, a parser that removes spaces reads 10, a strict one refuses: the body ends in a different place for each."},
		{"minus-zero", `-0`, "-0", false, clQuote, "int('-0') is 0, and a 'length < 0' test lets it through: the body then becomes the next request."},
		{"plus-http10", `+5`, "+5", true, clQuote, "int('+5') is 5; an HTTP/1.0 request takes a different path through some servers than the HTTP/1.1 form rfc9112/6.3/content-length-plus sends."},
		{"underscore-http10", `1_0`, "1_0", true, clQuote, "int('1_0') is 10, reading 5 bytes past the body; the HTTP/1.1 form is rfc9112/6.3/content-length-underscore."},
		{"list-invalid-member", `5, +5`, "5, +5", false, clListQuote, "a list is acceptable only when every member is valid: a parser that splits on ',' and converts each member with int() finds 5 and 5, equal, and accepts what a strict front end refuses."},
	} {
		c := c
		version := "HTTP/1.1"
		if c.http10 {
			version = "HTTP/1.0"
		}
		register(&Check{
			ID:    "rfc9112/6.3/content-length-invalid/" + c.variant,
			Title: fmt.Sprintf("Content-Length: %s in an %s request is rejected with 400 and the connection closed", c.shown, version),
			Ref:   Ref{"RFC 9112", "6.3"}, Level: Must, Area: "framing",
			Quote:   c.quote,
			Observe: pipeline(2, clVariantPost(c.value, c.http10)),
			Judge:   judgeBadContentLength(fmt.Sprintf("Content-Length = 1*DIGIT (RFC 9110 §8.6), and '%s' is not: %s", c.shown, c.why)),
		})
	}

	// ---- rfc9112/6.1/te-list/<v>: spellings of the Transfer-Encoding list.
	notFinalQuote := "If a Transfer-Encoding header field is present in a request and the chunked transfer coding is not the final encoding, the message body length cannot be determined reliably; the server MUST respond with the 400 (Bad Request) status code and then close the connection."
	hello := "5\r\nhello\r\n0\r\n\r\n"

	register(&Check{
		ID:    "rfc9112/6.1/te-list/gzip-chunked-lines",
		Title: "'Transfer-Encoding: gzip' and 'Transfer-Encoding: chunked' on two lines are refused with 501 (a coding the server does not understand)",
		Ref:   Ref{"RFC 9112", "6.1"}, Level: Should, Area: "framing",
		Quote:   "A server that receives a request message with a transfer coding it does not understand SHOULD respond with 501 (Not Implemented).",
		Observe: pipeline(2, teVariantPost(variantChunk(helloGzip), "Transfer-Encoding: gzip", "Transfer-Encoding: chunked")),
		Judge:   judgeUnknownCodingLines("'Transfer-Encoding: gzip' + 'Transfer-Encoding: chunked' (together 'gzip, chunked')", helloGzip, "hello"),
	})

	register(&Check{
		ID:    "rfc9112/6.1/te-list/chunked-identity-lines",
		Title: "'Transfer-Encoding: chunked' and 'Transfer-Encoding: identity' on two lines (chunked not final) are rejected with 400 and the connection closed",
		Ref:   Ref{"RFC 9112", "6.3"}, Level: Must, Area: "framing",
		Quote:   notFinalQuote,
		Observe: pipeline(2, teVariantPost(hello, "Transfer-Encoding: chunked", "Transfer-Encoding: identity")),
		Judge:   judgeTENotChunked("'Transfer-Encoding: chunked' + 'Transfer-Encoding: identity'", "Two field lines are one list, 'chunked, identity' (RFC 9110 §5.3): a server that looks at the first line, or at any line equal to 'chunked', frames a body whose length the RFC says cannot be determined."),
	})

	register(&Check{
		ID:    "rfc9112/6.1/te-list/chunked-twice",
		Title: "'Transfer-Encoding: chunked, chunked' is framed by its final chunked coding (or refused and closed)",
		Ref:   Ref{"RFC 9112", "6.1"}, Level: Must, Area: "framing",
		Requires: []string{chunkedRequires},
		Quote:    "A recipient MUST be able to parse the chunked transfer coding (Section 7.1) because it plays a crucial role in framing messages when the content size is not known in advance.",
		Observe:  pipeline(2, teVariantPost(variantChunk(hello), "Transfer-Encoding: chunked, chunked")),
		Judge:    judgeChunkedTwice(hello, "hello"),
	})

	for _, c := range []struct{ variant, value, what string }{
		{"empty-element-leading", ",chunked", "a leading empty list element"},
		{"empty-element-trailing", "chunked,", "a trailing empty list element"},
	} {
		register(&Check{
			ID:    "rfc9112/6.1/te-list/" + c.variant,
			Title: fmt.Sprintf("'Transfer-Encoding: %s' (%s) is read as chunked", c.value, c.what),
			Ref:   Ref{"RFC 9110", "5.6.1.2"}, Level: Must, Area: "framing",
			Requires: []string{chunkedRequires},
			Quote:    "A recipient MUST parse and ignore a reasonable number of empty list elements: enough to handle common mistakes by senders that merge values, but not so much that they could be used as a denial-of-service mechanism.",
			Observe:  pipeline(2, teVariantPost(hello, "Transfer-Encoding: "+c.value)),
			Judge:    judgeChunkedFraming(fmt.Sprintf("'Transfer-Encoding: %s'", c.value), "hello"),
		})
	}

	for _, c := range []struct{ variant, shown, value, why string }{
		{"vertical-tab", `chunked\x0b`, "chunked\x0b", "a vertical tab is not OWS, so the member is not the token 'chunked'; Python's str.strip() removes it and frames the body as chunked, where a front end sees an unknown coding."},
		{"nbsp", `\xa0chunked`, "\xa0chunked", "the byte 0xA0 is not OWS, so the member is not the token 'chunked'; decoded as latin-1, str.strip() removes it and frames the body as chunked."},
	} {
		register(&Check{
			ID:    "rfc9112/6.1/te-list/" + c.variant,
			Title: fmt.Sprintf("'Transfer-Encoding: %s' is not taken for chunked: rejected (400 or 501) and the connection closed", c.shown),
			Ref:   Ref{"RFC 9112", "6.3"}, Level: Must, Area: "framing",
			Quote:   notFinalQuote,
			Observe: pipeline(2, teVariantPost(hello, "Transfer-Encoding: "+c.value)),
			Judge:   judgeTENotChunked(fmt.Sprintf("'Transfer-Encoding: %s'", c.shown), c.why),
		})
	}

	register(&Check{
		ID:    "rfc9112/6.1/te-list/chunked-parameter",
		Title: "'Transfer-Encoding: chunked;q=1' (a parameter on chunked) is treated as an error",
		Ref:   Ref{"RFC 9112", "7.1"}, Level: Should, Area: "framing",
		Requires: []string{chunkedRequires},
		Quote:    "The chunked coding does not define any parameters. Their presence SHOULD be treated as an error.",
		Observe:  pipeline(2, teVariantPost(hello, "Transfer-Encoding: chunked;q=1")),
		Judge:    judgeChunkedParameter("'Transfer-Encoding: chunked;q=1'", "hello"),
	})

	// ---- rfc9112/6.1/te-and-content-length/<v>: both framing fields, other spellings.
	teclQuote := "A server MAY reject a request that contains both Content-Length and Transfer-Encoding or process such a request in accordance with the Transfer-Encoding alone. Regardless, the server MUST close the connection after responding to such a request to avoid the potential attacks."
	for _, c := range []struct {
		variant, title, cl string
		fields             []string
	}{
		{"cl-first", "Content-Length before Transfer-Encoding: chunked is rejected, or served by chunked, and the connection closed", "3", []string{"Content-Length: 3", "Transfer-Encoding: chunked"}},
		{"cl-zero", "Transfer-Encoding: chunked with Content-Length: 0 is rejected, or served by chunked, and the connection closed", "0", []string{"Transfer-Encoding: chunked", "Content-Length: 0"}},
		{"te-upper-case", "Transfer-Encoding: CHUNKED with Content-Length is rejected, or served by chunked, and the connection closed", "3", []string{"Transfer-Encoding: CHUNKED", "Content-Length: 3"}},
	} {
		register(&Check{
			ID:    "rfc9112/6.1/te-and-content-length/" + c.variant,
			Title: c.title,
			Ref:   Ref{"RFC 9112", "6.1"}, Level: Must, Area: "framing",
			Quote:   teclQuote,
			Observe: pipeline(2, teVariantPost(hello, c.fields...)),
			Judge:   judgeTEAndCL(c.cl, hello, "hello"),
		})
	}

	register(&Check{
		ID:    "rfc9112/6.1/te-and-content-length/te-identity",
		Title: "Transfer-Encoding: identity with Content-Length is rejected with 400 and the connection closed",
		Ref:   Ref{"RFC 9112", "6.3"}, Level: Must, Area: "framing",
		Quote:   notFinalQuote,
		Observe: pipeline(2, teVariantPost("hello", "Transfer-Encoding: identity", "Content-Length: 5")),
		Judge:   judgeTENotChunked("'Transfer-Encoding: identity' with 'Content-Length: 5'", "'identity' was dropped from HTTP/1.1 (RFC 7230); a server that still reads it as 'no coding' frames the body by Content-Length, where a front end following RFC 9112 refuses the request or frames it otherwise."),
	})
}

// variantChunk encodes s as one chunk and the last chunk.
func variantChunk(s string) string {
	return fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(s), s)
}
