package spec

import (
	"context"
	"fmt"
	"time"

	"github.com/conform-wsgi/conform/wire"
)

// Chunked request bodies, RFC 9112 §7.1:
//
//	chunked-body = *chunk last-chunk trailer-section CRLF
//	chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	chunk-size   = 1*HEXDIG
//	last-chunk   = 1*("0") [ chunk-ext ] CRLF
//
// First whether a decoded body is announced to the app at all, then the spellings of a chunk
// line where parsers differ (the size, the line endings, the extensions), spellings that are
// valid and must be decoded, and streams that end before the body does. Every spelling is
// sent with a pipelined GET after it, so a parser that takes a different end for the body
// shows it by what became of that request. spec/VARIANTS.md says which parser each variant
// is for.

// afterChunksPath is the pipelined request after a variant's body.
const afterChunksPath = "/after-chunks"

// grammarQuote is RFC 9112 §2.2's rule for a request that does not match the grammar. Its
// "robustness exceptions" (a bare LF ending the start-line or a field line, §2.2) cover
// neither chunk lines nor the CRLF after chunk-data.
const grammarQuote = "When a server listening only for HTTP request messages, or processing what appears from the start-line to be an HTTP request message, receives a sequence of octets that does not match the HTTP-message grammar aside from the robustness exceptions listed above, the server SHOULD respond with a 400 (Bad Request) response and close the connection."

// bareLFQuote is the robustness exception itself, for the lines of the trailer section:
// trailer-section = *( field-line CRLF ) is field lines, and so is the empty line ending it.
const bareLFQuote = "Although the line terminator for the start-line and fields is the sequence CRLF, a recipient MAY recognize a single LF as a line terminator and ignore any preceding CR."

// chunkedThenGet is a chunked POST to the echo with the raw body bytes, and a pipelined GET.
func chunkedThenGet(body string) func(t *Target) []byte {
	return func(t *Target) []byte {
		return append(chunkedPost("chunked", body)(t), t.get(afterChunksPath)...)
	}
}

// chunkedPipeline observes chunkedThenGet: two responses awaited. The idle wait covers the
// probe's bounded read of an unannounced body (1 s) with room to spare.
func chunkedPipeline(body string) func(ctx context.Context, t *Target) (*Observation, error) {
	return one(func(t *Target) wire.Script {
		return wire.Script{Steps: []wire.Step{{Data: chunkedThenGet(body)(t)}}, Responses: 2, Linger: 150 * time.Millisecond, IdleTimeout: 3 * time.Second}
	})
}

// afterState is what became of the pipelined GET.
type afterState int

const (
	afterServed   afterState = iota // answered with the probe's echo of GET afterChunksPath
	afterMisread                    // answered, but not as that GET: bytes of the body were read as a request
	afterClosed                     // the connection closed before it was answered
	afterUnserved                   // no answer, the connection still open: swallowed into the body
)

// afterChunks says what became of the pipelined GET, in words for a message.
func afterChunks(o *Observation) (afterState, string) {
	x := o.Conns[0].Exchange
	if len(x.Responses) < 2 {
		if x.Garbage != "" {
			return afterMisread, fmt.Sprintf("the bytes after the first response were answered with bytes that are not an HTTP/1.x response (%s): part of the request was read as a request of its own", x.Garbage)
		}
		if x.Closed() {
			return afterClosed, "the connection was closed after the first response"
		}
		return afterUnserved, fmt.Sprintf("the pipelined GET %s got no response while the connection stayed open (%s): its bytes were taken as part of the chunked body", afterChunksPath, x.End)
	}
	r := x.Responses[1]
	if e, _, err := o.Echo(0, 1); err == nil {
		if p, _ := str(e, "PATH_INFO"); p == afterChunksPath {
			return afterServed, fmt.Sprintf("the pipelined GET %s was served", afterChunksPath)
		}
		m, _ := str(e, "REQUEST_METHOD")
		p, _ := str(e, "PATH_INFO")
		return afterMisread, fmt.Sprintf("the bytes after the first response were served as %s %s: the request boundary moved", quoteBytes(clipStr(m, 40)), quoteBytes(clipStr(p, 40)))
	}
	return afterMisread, fmt.Sprintf("the bytes after the first request were answered %d %s: part of the body was read as a request", r.Status, r.Reason)
}

// chunkSpelling is one spelling of a chunked body that the grammar does not allow (or, when
// permitted, one that RFC 9112 §2.2 lets a recipient read either way).
type chunkSpelling struct {
	variant string
	title   string
	body    string
	// lenient is what a parser that reads the spelling leniently decodes, and reading says
	// how it reads it ("takes the bare LF for the line end").
	lenient string
	reading string
	// permitted: reading it leniently is a choice RFC 9112 leaves to the recipient, so only
	// a reading that moves the request boundary is a violation.
	permitted bool
	why       string
}

// judgeChunkSpelling judges every spelling of the chunk-size, chunk-line-ending and
// chunk-ext-invalid families: a refusal conforms (a 4xx/5xx, a close, or wsgi.input raising
// when the app reads, for servers that decode lazily); taking the spelling as something it
// is not violates, and the message says what the app read and what became of the pipelined
// GET. For a permitted spelling, decoding it as the lenient reading conforms as long as the
// request boundary stays where it is.
func judgeChunkSpelling(s chunkSpelling) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		state, next := afterChunks(o)
		switch {
		case rj.garbage:
			return violates("the server %s; expected 400 Bad Request", rj)
		case rj.waiting():
			return violates("no response while the connection stayed open (%s): the server took the request for valid and waits for more body than was sent, or is stuck on it. Expected 400 Bad Request. %s", rj.x.End, s.why)
		case !rj.accepted && (rj.status >= 400 || rj.closed):
			if state == afterServed {
				return violates("the server %s, but kept the connection open and then served the pipelined GET %s: it guessed where the malformed body ended instead of closing", rj, afterChunksPath)
			}
			return conforms("rejected: the server %s", rj)
		case !rj.accepted:
			return inconclusive("the server %s", rj)
		}
		e, _, err := o.Echo(0, 0)
		if err != nil {
			return inconclusive("accepted, but the probe's echo was not received: %v", err)
		}
		body := string(e.Input.Body())
		switch {
		case e.Input.Error != "":
			return conforms("rejected when the app read wsgi.input: %s (after %d bytes)", e.Input.Error, e.Input.Length)
		case e.Input.Blocked:
			return violates("the server accepted the request and the app's read of wsgi.input did not return: the server waits for more body than was sent. %s", s.why)
		case body == s.lenient && s.permitted && (state == afterServed || state == afterClosed):
			return conforms("accepted: the server %s, as RFC 9112 §2.2 allows for field lines; the app read %s and %s", s.reading, quoteBytes(body), next)
		case s.permitted:
			return violates("the app read %s, but %s. %s", quoteBytes(clipStr(body, 80)), next, s.why)
		}
		how := ""
		if body == s.lenient && state == afterServed {
			how = " It " + s.reading + "."
		}
		return violates("the server accepted the request (%s): the app read %s and %s.%s Expected 400 Bad Request. %s", rj, quoteBytes(clipStr(body, 80)), next, how, s.why)
	}
}

// judgeValidChunked expects a valid spelling decoded to want, and the pipelined GET served
// (or the connection closed after the response).
func judgeValidChunked(want string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		if v := judgeChunkedBody(want)(o); v.Outcome != Conforms {
			return v
		}
		switch state, next := afterChunks(o); state {
		case afterServed, afterClosed:
			return conforms("the app read %s and %s", quoteBytes(want), next)
		default:
			return violates("the app read %s, but %s", quoteBytes(want), next)
		}
	}
}

// announcedQuote is PEP 3333's rule on hop-by-hop headers: the app must not rely on
// Transfer-Encoding, so the server is the one to handle it.
const announcedQuote = "WSGI applications must not generate any \"hop-by-hop\" headers, attempt to use HTTP features that would require them to generate such headers, or rely on the content of any incoming \"hop-by-hop\" headers in the environ dictionary. WSGI servers must handle any supported inbound \"hop-by-hop\" headers on their own, such as by decoding any inbound Transfer-Encoding, including chunked encoding if applicable."

// judgeAnnounced: after decoding a chunked body, the server tells the app there is one. It
// judges only a body that reached the app decoded; one that did not is chunked-body's
// finding, and leaves nothing to announce.
func judgeAnnounced(want string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		if !rj.accepted {
			return notApplicable("the server %s to the chunked request: no body reached the app to announce (rfc9112/7.1/chunked-body judges the refusal)", rj)
		}
		e, _, err := o.Echo(0, 0)
		if err != nil {
			return inconclusive("the probe's echo was not received: %v", err)
		}
		read := string(e.Input.Body())
		if e.Input.Blocked || e.Input.Error != "" || read != want {
			return notApplicable("the app did not read the decoded body %s (it read %s; rfc9112/7.1/chunked-body judges that), so there is no decoded body to announce", quoteBytes(want), quoteBytes(clipStr(read, 80)))
		}
		cl, _ := str(e, "CONTENT_LENGTH")
		length := fmt.Sprint(len(want))
		if term, ok := e.Env("wsgi.input_terminated"); ok && term.Value == "True" {
			if cl != "" && cl != length {
				return violates("wsgi.input_terminated is True, but CONTENT_LENGTH is %s while the chunked body decodes to %d bytes: an app that trusts CONTENT_LENGTH reads the wrong amount", quoteBytes(cl), len(want)).with("CONTENT_LENGTH", "wsgi.input_terminated")
			}
			return conforms("wsgi.input_terminated is True: an app reads wsgi.input to its end (%s)", describe(e, "CONTENT_LENGTH"))
		}
		switch cl {
		case length:
			return conforms("CONTENT_LENGTH is %s, the length of the decoded body", quoteBytes(cl))
		case "":
			return violates("the server decoded the chunked body (the probe read %s, having looked at HTTP_TRANSFER_ENCODING) but set neither CONTENT_LENGTH nor wsgi.input_terminated: an app that follows PEP 3333 does not rely on the hop-by-hop Transfer-Encoding and does not read past CONTENT_LENGTH, so to it there is no body. Set CONTENT_LENGTH to the decoded length, or wsgi.input_terminated", quoteBytes(read)).with("CONTENT_LENGTH", "wsgi.input_terminated")
		}
		return violates("CONTENT_LENGTH is %s, but the chunked body decodes to %d bytes (%s), and wsgi.input_terminated is not set: an app that follows PEP 3333 reads %s bytes of it", quoteBytes(cl), len(want), quoteBytes(want), cl).with("CONTENT_LENGTH", "wsgi.input_terminated")
	}
}

// incompleteScript sends the request bytes and half-closes (FIN): the client is done. A
// server must then answer or close: the idle wait bounds how long it may take, and the
// linger sees a close that follows an answer.
func incompleteScript(build func(t *Target) []byte) func(ctx context.Context, t *Target) (*Observation, error) {
	return one(func(t *Target) wire.Script {
		return wire.Script{Steps: []wire.Step{{Data: build(t)}}, HalfClose: true, Responses: 1, Linger: time.Second, IdleTimeout: 5 * time.Second}
	})
}

// judgeIncomplete judges a chunked request whose body the client cut short with a FIN:
// sent is the body that arrived before the end of the stream, missing what a complete one
// would still have had. The app must not be handed it as the whole body; the server
// refuses, closes, or has wsgi.input raise, within the bounded wait.
func judgeIncomplete(sent, missing string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		x := rj.x
		switch {
		case rj.garbage:
			return violates("after the client ended the stream mid-body, the server %s", rj)
		case rj.waiting():
			return violates("the client ended the stream (FIN) after %s, and the server neither answered nor closed within %v (%s): it waits on a connection that can bring nothing more", quoteBytes(sent), x.EndAt.Round(100*time.Millisecond), x.End)
		case rj.closed:
			return conforms("the server closed the connection without a response: it did not take the cut-short body for a whole one")
		case !rj.accepted:
			return conforms("the server %s to the body cut short", rj)
		}
		e, _, err := o.Echo(0, 0)
		if err != nil {
			return inconclusive("accepted, but the probe's echo was not received: %v", err)
		}
		body := string(e.Input.Body())
		switch {
		case e.Input.Error != "":
			return conforms("wsgi.input raised %s (the app had read %d bytes): the app was told the body is incomplete", e.Input.Error, len(body))
		case e.Input.Blocked:
			return violates("the app's read of wsgi.input did not return though the client had ended the stream after %s: the server waits on a connection that can bring nothing more", quoteBytes(sent))
		}
		return violates("the stream ended after %s, without %s, yet the app read %s and then the end of wsgi.input, as if the chunked body were complete, and the server answered %d %s: a body cut short is handed over as a whole one", quoteBytes(sent), missing, quoteBytes(clipStr(body, 80)), rj.status, rj.resp.Reason)
	}
}

func init() {
	// ---- Decoding is not announcing.
	//
	// The level: PEP 3333 does not say how a server tells the app that a decoded chunked body
	// is there. CONTENT_LENGTH "May be empty or absent", and wsgi.input_terminated is a
	// convention outside the PEP (gunicorn, waitress, werkzeug, gevent and cheroot here set
	// it), so a server that decodes without announcing breaks no MUST by the letter; the
	// decoding itself is judged, at MUST, by rfc9112/7.1/chunked-body. But the quoted MUST NOT
	// forbids the app to rely on the hop-by-hop Transfer-Encoding, and the PEP tells it not
	// to read past CONTENT_LENGTH ("Input and Error Streams"): to an app that follows both,
	// an unannounced body is no body, and the server has left to the app part of what it must
	// handle "on [its] own". The PEP implies the announcement without spelling it out: a
	// SHOULD. It requires nothing and gates nothing.
	register(&Check{
		ID:    "pep3333/input/chunked-body-announced",
		Title: "a decoded chunked body is announced to the app by CONTENT_LENGTH or wsgi.input_terminated",
		Ref:   Ref{"PEP 3333", "Other HTTP Features"}, Level: Should, Area: "input",
		Quote:   announcedQuote,
		Observe: exchange(chunkedPost("chunked", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")),
		Judge:   judgeAnnounced("hello world"),
	})

	// ---- rfc9112/7.1/chunk-size-invalid/<v>: chunk-size = 1*HEXDIG, nothing else.
	chunkSizeQuote := "The chunk-size field is a string of hex digits indicating the size of the chunk-data in octets."
	for _, s := range []chunkSpelling{
		{variant: "minus", title: "a negative chunk size (-5) is rejected",
			body: "-5\r\nhello\r\n0\r\n\r\n", lenient: "", reading: "reads the size with int(x, 16), which gives -5,",
			why: "int('-5', 16) is -5: a reader that subtracts what it read from a negative size never reaches zero, and one that takes it as 'no data' reads 'hello' as the next chunk line."},
		{variant: "vertical-tab", title: "a chunk size followed by a vertical tab (5\\x0b) is rejected",
			body: "5\x0b\r\nhello\r\n0\r\n\r\n", lenient: "hello", reading: "strips the \\x0b (bytes.strip() and str.strip() both do)",
			why: "\\x0b is not whitespace to HTTP; a parser that strips it reads 5 where a strict one refuses the line."},
		{variant: "form-feed", title: "a chunk size followed by a form feed (5\\x0c) is rejected",
			body: "5\x0c\r\nhello\r\n0\r\n\r\n", lenient: "hello", reading: "strips the \\x0c (bytes.strip() and str.strip() both do)",
			why: "\\x0c is not whitespace to HTTP; a parser that strips it reads 5 where a strict one refuses the line."},
		{variant: "nbsp", title: "a chunk size preceded by the byte 0xA0 is rejected",
			body: "\xa05\r\nhello\r\n0\r\n\r\n", lenient: "hello", reading: "decodes the line as latin-1 and strips U+00A0 (str.strip() and int() take it for whitespace)",
			why: "0xA0 is no whitespace in HTTP; in a str, Python's strip() and int() drop it, so a parser that decodes the line first reads 5."},
		{variant: "leading-tab", title: "a chunk size preceded by a tab is rejected",
			body: "\t5\r\nhello\r\n0\r\n\r\n", lenient: "hello", reading: "strips the tab",
			why: "no whitespace may precede chunk-size; a parser that strips it and one that refuses the line split the stream in different places."},
		{variant: "trailing-space", title: "a chunk size followed by a space and no extension (5 ) is rejected",
			body: "5 \r\nhello\r\n0\r\n\r\n", lenient: "hello", reading: "strips the trailing space",
			why: "BWS is allowed only before the ';' of a chunk extension (chunk-ext = *( BWS \";\" ...)); with no extension, the space is not part of the grammar."},
		{variant: "empty", title: "an empty chunk-size line is rejected",
			body: "\r\n5\r\nhello\r\n0\r\n\r\n", lenient: "hello", reading: "skips the empty line",
			why: "a parser that skips the empty line reads 'hello'; one that reads it as size 0 (strtoul) ends the body there and takes '5', 'hello'... for trailer lines or the next request."},
	} {
		register(&Check{
			ID:    "rfc9112/7.1/chunk-size-invalid/" + s.variant,
			Title: s.title,
			Ref:   Ref{"RFC 9112", "7.1"}, Level: Should, Area: "framing",
			Requires: []string{chunkedRequires},
			Quote:    chunkSizeQuote,
			Observe:  chunkedPipeline(s.body),
			Judge:    judgeChunkSpelling(s),
		})
	}

	// ---- rfc9112/7.1/chunk-line-ending/<v>: bare LF and bare CR at each line of the coding.
	for _, s := range []chunkSpelling{
		{variant: "size-lf", title: "a chunk-size line ended by a bare LF is rejected",
			body: "5\nhello\r\n0\r\n\r\n", lenient: "hello", reading: "takes the bare LF for the end of the chunk-size line",
			why: "readline()-based parsers end the line at the LF; a CRLF parser reads the line '5\\nhello' and refuses it, or frames differently."},
		{variant: "size-cr", title: "a chunk-size line ended by a bare CR is rejected",
			body: "5\rhello\r\n0\r\n\r\n", lenient: "hello", reading: "takes the bare CR for the end of the chunk-size line",
			why: "a bare CR is no line end (RFC 9112 §2.2); a parser that ends the line there and one that reads '5\\rhello' as the line disagree about where the data starts."},
		{variant: "data-lf", title: "chunk data followed by a bare LF instead of CRLF is rejected",
			body: "5\r\nhello\n6\r\n world\r\n0\r\n\r\n", lenient: "hello world", reading: "takes the bare LF for the CRLF after the chunk data",
			why: "a parser that skips two bytes after the data, whatever they are, reads the next chunk-size line from '6' onwards minus one byte; one that takes LF for CRLF reads the next chunk."},
		{variant: "data-cr", title: "chunk data followed by a bare CR instead of CRLF is rejected",
			body: "5\r\nhello\r6\r\n world\r\n0\r\n\r\n", lenient: "hello world", reading: "takes the bare CR for the CRLF after the chunk data",
			why: "a parser that checks only the CR after the data, or skips two bytes, reads a different next chunk than one that requires CRLF."},
		{variant: "last-chunk-lf", title: "a last-chunk line ended by a bare LF is rejected",
			body: "5\r\nhello\r\n0\n\r\n", lenient: "hello", reading: "takes the bare LF for the end of the last-chunk line",
			why: "a parser that reads the last-chunk line to LF ends the body at the CRLF after it; one that reads to CRLF reads '0\\n' and then takes the next request's bytes for the end of the body."},
		{variant: "last-chunk-cr", title: "a last-chunk line ended by a bare CR is rejected",
			body: "5\r\nhello\r\n0\r\r\n", lenient: "hello", reading: "takes the bare CR for the end of the last-chunk line",
			why: "with '0\\r' taken as the last-chunk line, the CRLF after it ends the body; read to CRLF, the line is '0\\r' and the body ends one line later, inside the next request."},
		{variant: "final-cr", title: "a chunked body ended by a bare CR instead of the final CRLF is rejected",
			body: "5\r\nhello\r\n0\r\n\r", lenient: "hello", reading: "takes the bare CR for the empty line ending the body",
			why: "taken as a line end, the CR ends the body and the next request follows; read as a byte, the line is '\\rGET ...', a trailer line, and the pipelined request is read as trailers."},
	} {
		register(&Check{
			ID:    "rfc9112/7.1/chunk-line-ending/" + s.variant,
			Title: s.title,
			Ref:   Ref{"RFC 9112", "2.2"}, Level: Should, Area: "framing",
			Requires: []string{chunkedRequires},
			Quote:    grammarQuote,
			Observe:  chunkedPipeline(s.body),
			Judge:    judgeChunkSpelling(s),
		})
	}
	// The trailer section is field lines: a recipient MAY take a bare LF for their end, and
	// the empty line ending the section with them. Either reading conforms; moving the
	// request boundary does not.
	for _, s := range []chunkSpelling{
		{variant: "trailer-lf", title: "a trailer line ended by a bare LF is rejected or read as a field line, never moving the request boundary",
			body: "5\r\nhello\r\n0\r\nX-Trailer: t\n\r\n", lenient: "hello", reading: "took the bare LF for the end of the trailer line", permitted: true,
			why: "RFC 9112 §2.2 lets a recipient end a field line at a bare LF; a parser that does neither that nor refuse reads the pipelined request as trailer lines."},
		{variant: "final-lf", title: "a chunked body ended by a bare LF instead of the final CRLF is rejected or read as its end, never moving the request boundary",
			body: "5\r\nhello\r\n0\r\n\n", lenient: "hello", reading: "took the bare LF for the empty line ending the trailer section", permitted: true,
			why: "RFC 9112 §2.2 lets a recipient end a field line, and so the trailer section, at a bare LF; a parser that reads two bytes blindly there takes 'G' of the next request with it."},
	} {
		register(&Check{
			ID:    "rfc9112/7.1/chunk-line-ending/" + s.variant,
			Title: s.title,
			Ref:   Ref{"RFC 9112", "2.2"}, Level: Must, Area: "framing",
			Requires: []string{chunkedRequires},
			Quote:    bareLFQuote,
			Observe:  chunkedPipeline(s.body),
			Judge:    judgeChunkSpelling(s),
		})
	}

	// ---- rfc9112/7.1.1/chunk-ext-invalid/<v>: chunk-ext-name = token, chunk-ext-val =
	// token / quoted-string; a control byte is in neither.
	for _, s := range []chunkSpelling{
		{variant: "vertical-tab", title: "a chunk extension containing a vertical tab is rejected",
			body: "5;ext=a\x0bb\r\nhello\r\n0\r\n\r\n", lenient: "hello", reading: "ignores the extension without parsing it",
			why: "a token holds no control byte; a parser that drops everything after ';' unread accepts any bytes there, and one that parses the extension refuses them."},
		{variant: "bare-cr", title: "a chunk extension containing a bare CR is rejected",
			body: "5;ext=a\rb\r\nhello\r\n0\r\n\r\n", lenient: "hello", reading: "ignores the extension without parsing it",
			why: "a parser that ends the line at the bare CR reads the chunk data from 'b'; one that drops the extension unread reads 'hello': they disagree on every byte after it."},
		{variant: "lf-in-quoted-string", title: "a quoted chunk extension value containing a bare LF is rejected",
			body: "5;ext=\"a\nb\"\r\nhello\r\n0\r\n\r\n", lenient: "hello", reading: "reads the line to CRLF and ignores the extension",
			why: "a quoted-string holds no LF; a readline()-based parser ends the chunk line inside the quotes and reads 'b\"\\r\\nh' as chunk data, a CRLF one reads 'hello'."},
	} {
		register(&Check{
			ID:    "rfc9112/7.1.1/chunk-ext-invalid/" + s.variant,
			Title: s.title,
			Ref:   Ref{"RFC 9112", "2.2"}, Level: Should, Area: "framing",
			Requires: []string{chunkedRequires},
			Quote:    grammarQuote,
			Observe:  chunkedPipeline(s.body),
			Judge:    judgeChunkSpelling(s),
		})
	}

	// ---- rfc9112/7.1/chunk-size-valid/<v>: spellings the grammar allows, which an
	// over-strict parser refuses or misreads.
	decodeQuote := "A recipient MUST be able to parse and decode the chunked transfer coding."
	for _, c := range []struct{ variant, title, body, want string }{
		{"upper-case-hex", "upper-case hex digits in chunk-size (1A) are decoded", "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n", "abcdefghijklmnopqrstuvwxyz"},
		{"leading-zeros", "chunk sizes with leading zeros (0005, and 000 for the last chunk) are decoded", "0005\r\nhello\r\n000\r\n\r\n", "hello"},
	} {
		register(&Check{
			ID:    "rfc9112/7.1/chunk-size-valid/" + c.variant,
			Title: c.title,
			Ref:   Ref{"RFC 9112", "7.1"}, Level: Must, Area: "framing",
			Requires: []string{chunkedRequires},
			Quote:    decodeQuote,
			Observe:  chunkedPipeline(c.body),
			Judge:    judgeValidChunked(c.want),
		})
	}
	register(&Check{
		ID:    "rfc9112/7.1/chunk-size-valid/last-chunk-extension",
		Title: "an extension on the last chunk alone (0;ext=\"v\") is ignored and the body ends there",
		Ref:   Ref{"RFC 9112", "7.1.1"}, Level: Must, Area: "framing",
		Requires: []string{chunkedRequires},
		Quote:    "A recipient MUST ignore unrecognized chunk extensions.",
		Observe:  chunkedPipeline("5\r\nhello\r\n0;ext=\"v\"\r\n\r\n"),
		Judge:    judgeValidChunked("hello"),
	})

	// ---- rfc9112/7.1/chunked-incomplete/<v>: the client ends the stream (FIN) inside the
	// body. (A Content-Length body cut short is rfc9112/6.3/incomplete-body-half-close.)
	completeQuote := "The chunked transfer coding is complete when a chunk with a chunk-size of zero is received, possibly followed by a trailer section, and finally terminated by an empty line."
	// After a chunk's data the content itself is cut short: MUST. After the last-chunk line
	// all the content has arrived and only the trailer section's end is missing: handing
	// the body over still takes an incomplete message for a complete one, but what is lost
	// is at most trailer fields, so that one is a SHOULD.
	for _, c := range []struct {
		variant, title, body, missing string
		level                         Level
	}{
		{"chunk-data", "a chunked body cut short by the end of the stream after a chunk's data is not handed to the app as complete", "5\r\nhello\r\n", "the last chunk and the empty line that end a chunked body", Must},
		{"last-chunk", "a chunked body cut short by the end of the stream after the last-chunk line (no final CRLF) is not handed to the app as complete", "5\r\nhello\r\n0\r\n", "the empty line that ends the trailer section and with it the chunked body", Should},
	} {
		register(&Check{
			ID:    "rfc9112/7.1/chunked-incomplete/" + c.variant,
			Title: c.title,
			Ref:   Ref{"RFC 9112", "7.1"}, Level: c.level, Area: "framing",
			Requires: []string{chunkedRequires},
			Quote:    completeQuote,
			Observe:  incompleteScript(chunkedPost("chunked", c.body)),
			Judge:    judgeIncomplete(c.body, c.missing),
		})
	}
}
