package spec

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// The remaining open sentences of RFC 9112 and RFC 9110 (spec/trace/rfc9112.txt and
// rfc9110.txt records that were marked "!!"): requirements a WSGI server's own bytes keep or
// break that no check looked at. Desynchronisation first (an empty line between pipelined
// requests, a compression coding with a parameter), then what the server writes itself (its
// close option, Date, Server, chunk lines and trailers, list fields, HEAD and 304 answers),
// and what it lets through of what the app hands start_response (folded or indented lines).

// rfcLinger is the common script: the bytes in one write, n responses awaited (head marks
// responses to HEAD), a short linger to see a close or stray bytes.
func rfcLinger(req []byte, n int, head ...bool) wire.Script {
	return wire.Script{Steps: []wire.Step{{Data: req}}, Responses: n, Head: head, Linger: 150 * time.Millisecond, IdleTimeout: 3 * time.Second}
}

// rfcLongPath is the path of the 8000-octet request-line; its query string makes up the rest.
const rfcLongPath = "/long"

// rfcLongTarget is the request-target that makes "GET <target> HTTP/1.1" 8000 octets long.
func rfcLongTarget() string {
	pre := rfcLongPath + "?q="
	return pre + strings.Repeat("a", 8000-len("GET  HTTP/1.1")-len(pre))
}

// rfcLongMethod is a token longer than any method a server implements.
var rfcLongMethod = strings.Repeat("A", 1000)

// rfcAppDateQuery and rfcAppServer are the Date and Server the app sets itself.
const (
	rfcAppDateQuery = "Thu,%2001%20Jan%202026%2000:00:00%20GMT"
	rfcAppServer    = "conform-app"
)

// rfc304Body is the body the app yields with its 304 (status?code=304&body=unexpected).
const rfc304Body = "unexpected"

// rfcEmptyLineBody is the body of the POST that precedes an empty line and a GET.
const rfcEmptyLineBody = "hello"

// rfcEmptyLineRequest is the stimulus of variant v of rfc9112/2.2/empty-line-before-request:
// an empty line (CRLF) where a request-line is expected, and then GET /lead.
func rfcEmptyLineRequest(t *Target, v string) []byte {
	switch v {
	case "first":
		return append([]byte("\r\n"), t.get("/lead")...)
	case "pipelined":
		// The empty line follows a body framed by Content-Length: a client that ends its
		// body with CRLF without counting it sends this, and a server that took the CRLF as
		// a (bad) request-line desynchronises from the requests after it.
		post := t.request("POST "+probes.Prefix+"echo HTTP/1.1", "Content-Type: text/plain", fmt.Sprintf("Content-Length: %d", len(rfcEmptyLineBody)))
		post = append(post, rfcEmptyLineBody+"\r\n"...)
		return append(post, t.get("/lead")...)
	}
	panic("unknown variant " + v)
}

// rfcJudgeEmptyLine: the GET after the empty line is answered by the app with PATH_INFO
// /lead; which response that is depends on the variant (the POST's comes first).
func rfcJudgeEmptyLine(at int) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		x := o.Conns[0].Exchange
		if at == 1 {
			if len(x.Responses) == 0 {
				return inconclusive("the POST before the empty line was not answered (%s)", o.ending(0))
			}
			if first := x.Responses[0]; first.Status != 200 {
				return inconclusive("the POST before the empty line was answered %d %s, so the empty line was never where a request-line is expected", first.Status, first.Reason)
			}
		}
		if len(x.Responses) <= at {
			if at > 0 && openIndicatesClose(x.Responses[0]) {
				return notApplicable("the server closed after the POST's response, as it said it would (%s): the empty line was never read", openCloseSign(x.Responses[0]))
			}
			if at > 0 && x.Closed() && x.Garbage == "" {
				// A server that closes after every response without saying so (uWSGI's
				// --http-socket) looks the same as one that choked on the empty line.
				return inconclusive("the server closed after the POST's response without saying it would (%s): whether the empty line or its own policy ended the connection cannot be told; rfc9112/9.3/close-announced judges the silent close", x.End)
			}
			if x.Garbage != "" {
				return violates("after the empty line (CRLF) the server sent bytes that are not a response (%s)", x.Garbage)
			}
			return violates("the GET /lead after an empty line (CRLF) was never answered (%s): a server expecting a request-line SHOULD ignore at least one empty line before it; a client that ends a body with an uncounted CRLF loses the requests after it", x.End)
		}
		r := x.Responses[at]
		path, err := openEchoPath(o, 0, at)
		if err != nil {
			return violates("the GET /lead after an empty line (CRLF) was answered %d %s, not by the app: the server took the empty line for a request-line instead of ignoring it", r.Status, r.Reason)
		}
		if path != "/lead" {
			return violates("the GET /lead after an empty line (CRLF) reached the app as PATH_INFO %s", quoteBytes(path))
		}
		return conforms("the empty line (CRLF) was ignored; GET /lead reached the app")
	}
}

// rfcIMFFixdate is the IMF-fixdate grammar exactly: one SP where the grammar has SP, names
// in their case, two-digit day (RFC 9110 §5.6.7). time.Parse takes runs of spaces as one.
var rfcIMFFixdate = regexp.MustCompile(`^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$`)

// rfcChunkedScript asks for a response the server must delimit itself: the app yields two
// blocks without Content-Length, over HTTP/1.1, so the server chunks it (or closes).
func rfcChunkedScript(t *Target) wire.Script {
	return rfcLinger(t.get(probes.Prefix+"no-content-length?chunks=2"), 1)
}

// rfcOwnChunks walks the raw chunked body of r as the server wrote it: the chunk-size lines
// and the trailer section's field lines. ok is false when the bytes are not a complete
// chunked body (the wire reader then says why).
func rfcOwnChunks(r *wire.Response) (sizeLines, trailers []string, ok bool) {
	raw := r.RawBytes()
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	if i < 0 {
		return nil, nil, false
	}
	rest := raw[i+4:]
	line := func() (string, bool) {
		j := bytes.Index(rest, []byte("\r\n"))
		if j < 0 {
			return "", false
		}
		l := string(rest[:j])
		rest = rest[j+2:]
		return l, true
	}
	for {
		l, ok := line()
		if !ok {
			return sizeLines, nil, false
		}
		sizeLines = append(sizeLines, l)
		digits := strings.TrimSpace(l)
		if k := strings.IndexByte(digits, ';'); k >= 0 {
			digits = strings.TrimSpace(digits[:k])
		}
		n, err := strconv.ParseUint(digits, 16, 32)
		if err != nil {
			return sizeLines, nil, false
		}
		if n == 0 {
			break
		}
		if uint64(len(rest)) < n+2 {
			return sizeLines, nil, false
		}
		rest = rest[n+2:]
	}
	for {
		l, ok := line()
		if !ok {
			return sizeLines, trailers, false
		}
		if l == "" {
			return sizeLines, trailers, true
		}
		trailers = append(trailers, l)
	}
}

// rfcChunkSizeLine is a chunk-size line with no whitespace anywhere: 1*HEXDIG, and chunk
// extensions (none expected) written without BWS.
var rfcChunkSizeLine = regexp.MustCompile(`^[0-9A-Fa-f]+(;[!#$%&'*+.^_\x60|~0-9A-Za-z-]+(=[!#$%&'*+.^_\x60|~0-9A-Za-z-]+)?)*$`)

// rfcJudgeOwnChunks applies judge to the chunk lines of the server's own chunked response.
func rfcJudgeOwnChunks(judge func(sizeLines, trailers []string) Verdict) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		r := o.Response(0, 0)
		if r == nil {
			return inconclusive("no response (%s)", o.ending(0))
		}
		if r.Framing != wire.FramingChunked {
			return notApplicable("the server did not chunk the body the app gave without Content-Length (%s): it wrote no chunk lines", r.Framing)
		}
		sizes, trailers, ok := rfcOwnChunks(r)
		if !ok {
			return inconclusive("the chunked body could not be walked (%s)", clipStr(r.Incomplete, 80))
		}
		return judge(sizes, trailers)
	}
}

// rfcHeadLines is the field lines of r's header section, as sent.
func rfcHeadLines(r *wire.Response) []string {
	raw := r.RawBytes()
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	if i < 0 {
		return nil
	}
	lines := strings.Split(string(raw[:i]), "\r\n")
	return lines[1:]
}

func init() {
	// ---- RFC 9112 §2.2: an empty line before the request-line ----

	for _, v := range []struct{ name, title string }{
		{"first", "an empty line (CRLF) before the first request-line is ignored"},
		{"pipelined", "an empty line (CRLF) after a Content-Length body, before the next request-line, is ignored"},
	} {
		v := v
		at := 0
		if v.name == "pipelined" {
			at = 1
		}
		register(&Check{
			ID:    "rfc9112/2.2/empty-line-before-request/" + v.name,
			Title: v.title,
			Ref:   Ref{"RFC 9112", "2.2"}, Level: Should, Area: "framing",
			Quote: "In the interest of robustness, a server that is expecting to receive and parse a request-line SHOULD ignore at least one empty line (CRLF) received prior to the request-line.",
			Observe: one(func(t *Target) wire.Script {
				return rfcLinger(rfcEmptyLineRequest(t, v.name), at+1)
			}),
			Judge: rfcJudgeEmptyLine(at),
		})
	}

	// ---- RFC 9112 §9.6: the close option in the final response ----

	register(&Check{
		ID:    "rfc9112/9.6/close-option-sent",
		Title: "the response to a request with Connection: close says Connection: close",
		Ref:   Ref{"RFC 9112", "9.6"}, Level: Should, Area: "connection",
		Quote: "The server SHOULD send a \"close\" connection option in its final response on that connection.",
		Observe: one(func(t *Target) wire.Script {
			return rfcLinger(t.get("/closing", "Connection: close"), 1)
		}),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			if openIndicatesClose(r) {
				return conforms("the response says the connection closes (%s)", openCloseSign(r))
			}
			return violates("the request said 'Connection: close' and the %s response %d %s does not say 'Connection: close': a client or proxy reading it may keep the connection for a next request that the server will not read", r.Proto, r.Status, r.Reason)
		},
	})

	// ---- RFC 9110 §5.6.7: the Date the server generates ----

	register(&Check{
		ID:    "rfc9110/5.6.7/date-exact",
		Title: "the Date the server adds is an IMF-fixdate with no extra whitespace",
		Ref:   Ref{"RFC 9110", "5.6.7"}, Level: Must, Area: "response",
		Quote: "A sender MUST NOT generate additional whitespace in an HTTP-date beyond that specifically included as SP in the grammar.",
		Observe: one(func(t *Target) wire.Script {
			return rfcLinger(t.get("/date-exact"), 1)
		}),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			ds := r.Values("Date")
			if len(ds) == 0 {
				return notApplicable("the response carries no Date (pep3333/response/date-header reports that)")
			}
			for _, d := range ds {
				if !rfcIMFFixdate.MatchString(d) {
					return violates("Date: %s is not spelled as IMF-fixdate (e.g. 'Sun, 06 Nov 1994 08:49:37 GMT': one SP between fields, two-digit day, names as in the grammar)", quoteBytes(d))
				}
				if _, err := time.Parse(http.TimeFormat, d); err != nil {
					return violates("Date: %s is not a valid IMF-fixdate: %v", quoteBytes(d), err)
				}
			}
			return conforms("Date: %s", ds[0])
		},
	})

	// ---- RFC 9110 §9.1: HEAD ----

	register(&Check{
		ID:    "rfc9110/9.1/head-supported",
		Title: "HEAD reaches the application and gets its header fields without content",
		Ref:   Ref{"RFC 9110", "9.1"}, Level: Must, Area: "response",
		Quote: "All general-purpose servers MUST support the methods GET and HEAD.",
		Observe: one(func(t *Target) wire.Script {
			req := append(t.request("HEAD "+probes.Prefix+"echo HTTP/1.1"), t.get("/after")...)
			return rfcLinger(req, 2, true)
		}),
		// Whether content followed the head is rfc9110/9.3.2/head-no-content's question: this
		// one asks whether HEAD is served at all.
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			r := o.Response(0, 0)
			if r == nil {
				if x.Closed() && x.Garbage == "" {
					return violates("HEAD %secho was not answered: the server closed the connection (%s); an application answering HEAD as it answers GET, as WSGI apps do, gets no response", probes.Prefix, x.End)
				}
				return inconclusive("HEAD %secho was not answered (%s)", probes.Prefix, o.ending(0))
			}
			ct, _ := r.Get("Content-Type")
			if r.Status != 200 || ct != "application/json" {
				return violates("HEAD %secho was answered %d %s (Content-Type %s), not with the app's 200 application/json: the server refused or rewrote a HEAD request", probes.Prefix, r.Status, r.Reason, quoteBytes(ct))
			}
			return conforms("HEAD reached the app and was answered with its 200 and header fields")
		},
	})
	// ---- RFC 9110 §5.6.3 and §6.5.1: what the server writes itself ----

	register(&Check{
		ID:    "rfc9110/6.5.1/no-server-trailers",
		Title: "the server's own chunked responses end with an empty trailer section",
		Ref:   Ref{"RFC 9110", "6.5.1"}, Level: Must, Area: "response",
		Quote: "A sender MUST NOT generate a trailer field unless the sender knows the corresponding header field name's definition permits the field to be sent in trailers.",
		// WSGI gives an application no way to send trailers: any field there is the server's.
		Observe: one(rfcChunkedScript),
		Judge: rfcJudgeOwnChunks(func(_, trailers []string) Verdict {
			if len(trailers) > 0 {
				return violates("the chunked response ends with trailer fields the application cannot have sent (WSGI has no trailers): %s", quoteBytes(strings.Join(trailers, "\r\n")))
			}
			return conforms("the last chunk is followed by an empty trailer section")
		}),
	})

	register(&Check{
		ID:    "rfc9110/5.6.3/no-bws-in-chunk-lines",
		Title: "the server's chunk-size lines are bare hex sizes, without whitespace",
		Ref:   Ref{"RFC 9110", "5.6.3"}, Level: Must, Area: "response",
		Quote:   "A sender MUST NOT generate BWS in messages.",
		Observe: one(rfcChunkedScript),
		Judge: rfcJudgeOwnChunks(func(sizes, _ []string) Verdict {
			for _, l := range sizes {
				if !rfcChunkSizeLine.MatchString(l) {
					return violates("the server wrote the chunk-size line %s: whitespace around a chunk-size or extension is BWS, which a sender must not generate, and strict recipients refuse it", quoteBytes(l))
				}
			}
			return conforms("chunk-size lines %s", quoteBytes(strings.Join(sizes, " | ")))
		}),
	})

	register(&Check{
		ID:    "rfc9110/5.6.3/field-ows-single-sp",
		Title: "the server writes each field line as 'Name: value': one SP after the colon, none at the end",
		Ref:   Ref{"RFC 9110", "5.6.3"}, Level: Should, Area: "response",
		Quote:   "For protocol elements where optional whitespace is preferred to improve readability, a sender SHOULD generate the optional whitespace as a single SP; otherwise, a sender SHOULD NOT generate optional whitespace except as needed to overwrite invalid or unwanted protocol elements during in-place message filtering.",
		Observe: one(rfcChunkedScript),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			for _, l := range rfcHeadLines(r) {
				k := strings.IndexByte(l, ':')
				if k < 0 {
					continue // not a field line: other checks judge that
				}
				v := l[k+1:]
				if !strings.HasPrefix(v, " ") || strings.HasPrefix(v, "  ") || strings.HasPrefix(v, " \t") || strings.HasPrefix(v, "\t") || strings.HasSuffix(v, " ") || strings.HasSuffix(v, "\t") {
					return violates("the server wrote the field line %s: the OWS around a field value should be one SP after the colon and none at the end", quoteBytes(l))
				}
			}
			return conforms("every field line reads 'Name: value'")
		},
	})

	register(&Check{
		ID:    "rfc9110/5.6.3/server-rws-single-sp",
		Title: "the Server field the server writes separates its products by one SP",
		Ref:   Ref{"RFC 9110", "5.6.3"}, Level: Should, Area: "response",
		Quote:   "A sender SHOULD generate RWS as a single SP.",
		Observe: one(rfcChunkedScript),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			vs := r.Values("Server")
			if len(vs) == 0 {
				return notApplicable("the response carries no Server field")
			}
			for _, v := range vs {
				// Server = product *( RWS ( product / comment ) ): the RWS is between words.
				if strings.Contains(v, "  ") || strings.ContainsRune(v, '\t') {
					return violates("Server: %s separates its products with more than one SP (or an HTAB): RWS should be generated as a single SP", quoteBytes(v))
				}
			}
			return conforms("Server: %s", vs[0])
		},
	})
	// ---- RFC 9110 §8.6: Content-Length in a 304 ----

	register(&Check{
		ID:    "rfc9110/8.6/304-content-length",
		Title: "a 304 carries no Content-Length, or the length a 200 to the same request would have",
		Ref:   Ref{"RFC 9110", "8.6"}, Level: Must, Area: "response",
		Quote: "a server MUST NOT send Content-Length in such a response unless its field value equals the decimal number of octets that would have been sent in the content of a 200 (OK) response to the same request.",
		// The app answers 304 with the 10-byte body "unexpected" and no Content-Length: a 200
		// to the same request would carry those 10 bytes, so 10 is the one length allowed.
		Observe: one(func(t *Target) wire.Script {
			return rfcLinger(append(t.get(probes.Prefix+"status?code=304&body=unexpected"), t.get("/after")...), 2)
		}),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			if r.Status != 304 {
				return inconclusive("the app's 304 went out as %d %s", r.Status, r.Reason)
			}
			cls := r.Values("Content-Length")
			if len(cls) == 0 {
				return conforms("the 304 carries no Content-Length")
			}
			for _, v := range cls {
				if strings.TrimSpace(v) != strconv.Itoa(len(rfc304Body)) {
					return violates("the app set no Content-Length and the server sent its 304 with Content-Length: %s; a 200 to the same request would carry %d octets, so this length misinforms a cache that updates its stored response from the 304", v, len(rfc304Body))
				}
			}
			return conforms("Content-Length: %s, the length a 200 to the same request would carry (permitted)", cls[0])
		},
	})
	// ---- RFC 9112 §2.3: no downgrade for a client that is not known to be broken ----

	register(&Check{
		ID:    "rfc9112/2.3/no-downgrade",
		Title: "a server that answers HTTP/1.1 answers it to every HTTP/1.1 client, curl included",
		Ref:   Ref{"RFC 9112", "2.3"}, Level: Should, Area: "connection",
		Quote: "Such protocol downgrades SHOULD NOT be performed unless triggered by specific client attributes, such as when one or more of the request header fields (e.g., User-Agent) uniquely match the values sent by a client known to be in error.",
		// curl is no client known to mishandle HTTP/1.1: an HTTP/1.0 answer to it, or to a
		// request without User-Agent, from a server that answers HTTP/1.1 to the other, is a
		// downgrade nothing triggered.
		Observe: openSequential([]string{"User-Agent: curl/8.5.0", "no User-Agent"},
			func(t *Target) wire.Script { return rfcLinger(t.get("/curl", "User-Agent: curl/8.5.0"), 1) },
			func(t *Target) wire.Script { return rfcLinger(t.get("/plain"), 1) }),
		Judge: func(o *Observation) Verdict {
			curl, plain := o.Response(0, 0), o.Response(1, 0)
			if curl == nil || plain == nil {
				return inconclusive("a request was not answered (%s; %s)", o.ending(0), o.ending(1))
			}
			switch {
			case curl.Proto == "HTTP/1.1" && plain.Proto == "HTTP/1.1":
				return conforms("both answered HTTP/1.1")
			case curl.Proto == plain.Proto:
				return notApplicable("the server answers %s to every HTTP/1.1 request, with or without User-Agent: it never speaks HTTP/1.1, so nothing is downgraded for a client", curl.Proto)
			case curl.Proto != "HTTP/1.1":
				return violates("the request with 'User-Agent: curl/8.5.0' was answered %s, the one without User-Agent HTTP/1.1: curl is no client known to mishandle HTTP/1.1, so the downgrade is unwarranted", curl.Proto)
			}
			return violates("the request without User-Agent was answered %s, the one from curl HTTP/1.1: a downgrade triggered by no client attribute", plain.Proto)
		},
	})
	// ---- RFC 9112 §7.2: parameters on a compression coding ----

	register(&Check{
		ID:    "rfc9112/7.2/compression-parameter",
		Title: "a compression coding with a parameter (gzip;level=1, chunked) is refused, not served",
		Ref:   Ref{"RFC 9112", "7.2"}, Level: Should, Area: "framing",
		Quote: "The compression codings do not define any parameters. The presence of parameters with any of these compression codings SHOULD be treated as an error.",
		// The body is real gzip data, chunked; a pipelined GET /smuggled follows, so a refusal
		// that leaves the body on an open connection shows as what became of it.
		Observe: pipeline(2, teVariantPost(variantChunk(helloGzip), "Transfer-Encoding: gzip;level=1, chunked")),
		Judge: func(o *Observation) Verdict {
			rj := classify(o)
			served, next := variantNext(o)
			switch {
			case rj.waiting():
				return violates("%s; the request ends in chunked, so its end is known", waitingMsg)
			case rj.accepted:
				body, _, ok := bodyOf(o, 0, 0)
				if !ok {
					return violates("the server accepted 'Transfer-Encoding: gzip;level=1, chunked' (%s): a compression coding with a parameter should be an error", rj)
				}
				return violates("the server served 'Transfer-Encoding: gzip;level=1, chunked' and the app read %s: the parameter on gzip, which defines none, should have made the request an error (400 or 501), since recipients that differ on it differ on the content", quoteBytes(clipStr(body, 40)))
			case rj.status >= 400 || rj.closed:
				if len(rj.x.Responses) >= 2 && !served {
					return violates("refused (%s) but the connection stayed open and %s: the body was left on the connection", rj, next)
				}
				return conforms("refused: the server %s (%s)", rj, next)
			}
			return inconclusive("the server %s", rj)
		},
	})
	// ---- RFC 9112 §3: request-lines of 8000 octets ----

	register(&Check{
		ID:    "rfc9112/3/request-line-8000",
		Title: "a request-line of 8000 octets is served whole",
		Ref:   Ref{"RFC 9112", "3"}, Level: Should, Area: "fields",
		Quote: "It is RECOMMENDED that all HTTP senders and recipients support, at a minimum, request-line lengths of 8000 octets.",
		// Exactly 8000 octets, CRLF excluded, the length being in the query string; gunicorn's
		// default limit_request_line is 4094 and uWSGI's --buffer-size 4096.
		Observe: exchange(func(t *Target) []byte { return t.get(rfcLongTarget()) }),
		Judge: func(o *Observation) Verdict {
			rj := classify(o)
			e, r, err := o.Echo(0, 0)
			if err != nil {
				if rj.resp == nil && !rj.closed && !rj.garbage {
					return inconclusive("no response (%s)", o.ending(0))
				}
				return violates("the 8000-octet request-line was not served: the server %s; recipients are recommended to support request-lines of at least 8000 octets", rj)
			}
			q, _ := str(e, "QUERY_STRING")
			if want := rfcLongTarget()[len(rfcLongPath)+1:]; q != want {
				return violates("the 8000-octet request-line reached the app with a QUERY_STRING of %d octets, not the %d sent (%d %s)", len(q), len(want), r.Status, r.Reason)
			}
			return conforms("the 8000-octet request-line was served with its query string intact")
		},
	})
	// ---- RFC 9112 §3: a method longer than any implemented ----

	register(&Check{
		ID:    "rfc9112/3/long-method-501",
		Title: "a method longer than any the server implements gets 501, or reaches the app",
		Ref:   Ref{"RFC 9112", "3"}, Level: Should, Area: "fields",
		Quote: "A server that receives a method longer than any that it implements SHOULD respond with a 501 (Not Implemented) status code.",
		// 1000 octets: far longer than any method, far shorter than any request-line limit,
		// so the answer is about the method. A WSGI server implements no method itself:
		// handing it to the app as REQUEST_METHOD lets the app answer.
		Observe: exchange(func(t *Target) []byte { return t.request(rfcLongMethod + " /long-method HTTP/1.1") }),
		Judge: func(o *Observation) Verdict {
			rj := classify(o)
			switch {
			case rj.status == 501:
				return conforms("answered 501 Not Implemented")
			case rj.waiting():
				return inconclusive("no response (%s)", o.ending(0))
			}
			if e, _, err := o.Echo(0, 0); err == nil {
				if m, _ := str(e, "REQUEST_METHOD"); m == rfcLongMethod {
					return conforms("the %d-octet method reached the app as REQUEST_METHOD, which answers for what it implements", len(m))
				}
				return violates("the %d-octet method reached the app changed: %s", len(rfcLongMethod), describe(e, "REQUEST_METHOD")).with("REQUEST_METHOD")
			}
			return violates("the server %s to a %d-octet method; 501 (Not Implemented) tells the client that the method, not the request's syntax, is the problem", rj, len(rfcLongMethod))
		},
	})
	// ---- RFC 9110 §5.6.1.1: list fields the server generates ----

	register(&Check{
		ID:    "rfc9110/5.6.1.1/no-empty-list-elements",
		Title: "the list fields the server writes (Connection, Transfer-Encoding) hold no empty element",
		Ref:   Ref{"RFC 9110", "5.6.1.1"}, Level: Must, Area: "response",
		Quote: "In any production that uses the list construct, a sender MUST NOT generate empty list elements.",
		// A closing, chunked response carries both fields the server writes itself.
		Observe: one(func(t *Target) wire.Script {
			return rfcLinger(t.get(probes.Prefix+"no-content-length?chunks=2", "Connection: close"), 1)
		}),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			var seen []string
			for _, name := range []string{"Connection", "Transfer-Encoding"} {
				for _, v := range r.Values(name) {
					seen = append(seen, name+": "+v)
					for _, el := range strings.Split(v, ",") {
						if strings.Trim(el, " \t") == "" {
							return violates("the server wrote %s: %s, a list with an empty element; a sender must not generate one, and a recipient that does not skip it may misread the list", name, quoteBytes(v))
						}
					}
				}
			}
			if len(seen) == 0 {
				return notApplicable("the response carries neither Connection nor Transfer-Encoding")
			}
			return conforms("%s", strings.Join(seen, "; "))
		},
	})

	// ---- RFC 9112 §6.3: length- or encoding-delimited when possible ----

	register(&Check{
		ID:    "rfc9112/6.3/delimited-when-possible",
		Title: "a streamed body to an HTTP/1.1 client is chunked, not close-delimited",
		Ref:   Ref{"RFC 9112", "6.3"}, Level: Should, Area: "response",
		Quote: "Since there is no way to distinguish a successfully completed, close-delimited response message from a partially received message interrupted by network failure, a server SHOULD generate encoding or length-delimited messages whenever possible.",
		// The app yields two blocks without Content-Length to an HTTP/1.1 request: chunking
		// (or buffering to count) is possible, so a close-delimited answer is a choice.
		Observe: one(rfcChunkedScript),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			switch r.Framing {
			case wire.FramingChunked, wire.FramingContentLength:
				return conforms("the body is %s-delimited", r.Framing)
			case wire.FramingClose:
				return violates("the %s response to an HTTP/1.1 request is close-delimited: a client cannot tell a complete body from one cut short by a network failure, where chunked coding would have said", r.Proto)
			}
			return inconclusive("the response framing is %s", r.Framing)
		},
	})
	// ---- RFC 9110 §5.3: one line per singleton field ----

	register(&Check{
		ID:    "rfc9110/5.3/no-duplicate-own-fields",
		Title: "when the app sets Date or Server itself, the server does not add a second line",
		Ref:   Ref{"RFC 9110", "5.3"}, Level: Must, Area: "response",
		Quote: "This means that, aside from the well-known exception noted below, a sender MUST NOT generate multiple field lines with the same name in a message (whether in the headers or trailers) or append a field line when a field line of the same name already exists in the message, unless that field's definition allows multiple field line values to be recombined as a comma-separated list (i.e., at least one alternative of the field's definition allows a comma-separated list, such as an ABNF rule of #(values) defined in Section 5.6.1).",
		// Each app also sets Content-Length, which a server must not repeat either.
		Observe: openSequential([]string{"app sets Date", "app sets Server"},
			func(t *Target) wire.Script {
				return rfcLinger(t.get(probes.Prefix+"hop-by-hop?name=Date&value="+rfcAppDateQuery), 1)
			},
			func(t *Target) wire.Script {
				return rfcLinger(t.get(probes.Prefix+"hop-by-hop?name=Server&value="+rfcAppServer), 1)
			}),
		Judge: func(o *Observation) Verdict {
			for c, name := range []string{"Date", "Server"} {
				r := o.Response(c, 0)
				if r == nil {
					return inconclusive("no response when the app set %s (%s)", name, o.ending(c))
				}
				if r.Status != 200 {
					return inconclusive("when the app set %s the server answered %d %s", name, r.Status, r.Reason)
				}
				for _, f := range []string{name, "Content-Length"} {
					if vs := r.Values(f); len(vs) > 1 {
						return violates("the app set %s and the response carries %d %s lines (%s): the server added its own beside the app's; %s is no list, so a recipient takes either", name, len(vs), f, quoteBytes(strings.Join(vs, " | ")), f)
					}
				}
			}
			return conforms("one Date, one Server and one Content-Length line when the app sets them")
		},
	})
	// ---- RFC 9112 §5.2 and §2.2: what the app passes must not fold or indent a line ----

	// The app passes the offending header to start_response; refusing it, repairing it or
	// dropping it all conform (judgeAppOutput); sending it as given does not.
	for _, v := range []struct {
		id, title, ref, quote, what, path string
	}{
		{"rfc9112/5.2/no-obs-fold-sent", "a header value with an obs-fold (CRLF SP) from the app is refused or repaired, never sent folded", "5.2",
			"A sender MUST NOT generate a message that includes line folding (i.e., that has any field line value that contains a match to the obs-fold rule) unless the message is intended for packaging within the \"message/http\" media type.",
			"the header X-Conform-Value: " + quoteWire("a\r\n b"), "header-value?value=" + pctAll("a\r\n b")},
		{"rfc9112/2.2/no-leading-whitespace-field", "a header name starting with SP from the app is refused or dropped, never sent as an indented line", "2.2",
			"A sender MUST NOT send whitespace between the start-line and the first header field.",
			fmt.Sprintf("the header (%s, %s)", quoteWire(" X-Lead"), quoteWire("v")), "hop-by-hop?name=" + pctAll(" X-Lead") + "&value=v"},
	} {
		v := v
		register(&Check{
			ID:    v.id,
			Title: v.title,
			Ref:   Ref{"RFC 9112", v.ref}, Level: Must, Area: "start-response",
			Quote:   v.quote,
			Observe: exchange(scenario(v.path)),
			Judge:   judgeAppOutput(v.what, ""),
		})
	}
	// ---- RFC 9110 §9.3.2: HEAD gets GET's header fields ----

	register(&Check{
		ID:    "rfc9110/9.3.2/head-same-fields",
		Title: "a response to HEAD carries the header fields GET's response carries",
		Ref:   Ref{"RFC 9110", "9.3.2"}, Level: Should, Area: "response",
		Quote: "The server SHOULD send the same header fields in response to a HEAD request as it would have sent if the request method had been GET.",
		// The app sets X-Conform-App, Content-Type and Content-Length whatever the method;
		// the framing fields may differ (a server may omit what only the content decides).
		Observe: openSequential([]string{"GET", "HEAD"},
			func(t *Target) wire.Script {
				return rfcLinger(t.get(probes.Prefix+"hop-by-hop?name=X-Conform-App&value=1", "Connection: close"), 1)
			},
			func(t *Target) wire.Script {
				return rfcLinger(t.request("HEAD "+probes.Prefix+"hop-by-hop?name=X-Conform-App&value=1 HTTP/1.1", "Connection: close"), 1, true)
			}),
		Judge: func(o *Observation) Verdict {
			get, head := o.Response(0, 0), o.Response(1, 0)
			switch {
			case get == nil:
				return inconclusive("GET was not answered (%s)", o.ending(0))
			case head == nil:
				return inconclusive("HEAD was not answered (%s)", o.ending(1))
			}
			if get.Status != 200 || head.Status != 200 {
				return inconclusive("GET was answered %d, HEAD %d", get.Status, head.Status)
			}
			has := map[string]bool{}
			for _, f := range head.Header {
				has[strings.ToLower(f.Name)] = true
			}
			var missing []string
			for _, f := range get.Header {
				n := strings.ToLower(f.Name)
				if n == "content-length" || n == "transfer-encoding" || n == "vary" || has[n] {
					continue
				}
				missing = append(missing, f.Name)
				has[n] = true
			}
			if len(missing) > 0 {
				return violates("the response to HEAD lacks %s, which the response to GET carries: a client or cache that learns about the resource from HEAD is told less than GET says", strings.Join(missing, ", "))
			}
			return conforms("HEAD's response carries every field of GET's (framing fields aside)")
		},
	})
	// ---- RFC 9112 §6.1: a response coding other than chunked ends the message or is chunked ----

	register(&Check{
		ID:    "rfc9112/6.1/response-coding-chunked-last",
		Title: "a streamed response offered other codings (TE: gzip, deflate) still ends in chunked or closes",
		Ref:   Ref{"RFC 9112", "6.1"}, Level: Must, Area: "response",
		Quote: "If any transfer coding other than chunked is applied to a response's content, the sender MUST either apply chunked as the final transfer coding or terminate the message by closing the connection.",
		Observe: one(func(t *Target) wire.Script {
			return rfcLinger(t.get(probes.Prefix+"no-content-length?chunks=2", "TE: gzip, deflate", "Connection: TE"), 1)
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			var codings []string
			for _, v := range r.Values("Transfer-Encoding") {
				for _, c := range strings.Split(v, ",") {
					if c = strings.Trim(c, " \t"); c != "" {
						codings = append(codings, strings.ToLower(c))
					}
				}
			}
			switch {
			case len(codings) == 0:
				return conforms("no transfer coding applied (%s)", r.Framing)
			case codings[len(codings)-1] == "chunked":
				return conforms("Transfer-Encoding: %s, chunked last", strings.Join(codings, ", "))
			case x.Closed():
				return conforms("Transfer-Encoding: %s, and the connection closed after the body", strings.Join(codings, ", "))
			}
			return violates("the response says Transfer-Encoding: %s, whose last coding is not chunked, and the connection stayed open (%s): the client cannot find the end of the body", strings.Join(codings, ", "), x.End)
		},
	})
}
