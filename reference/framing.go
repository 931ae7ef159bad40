package reference

import (
	"bytes"
	"strings"
)

// decideFraming runs once the header section is complete: it checks Host, reads the
// connection options and decides how the body is framed (RFC 9112 §6). at is the offset of
// the empty line that ended the header section.
func (p *parser) decideFraming(at int) *ParseError {
	r := &p.req
	is11 := r.Major == 1 && r.Minor >= 1 // HTTP/1.1 or a later 1.x, served as 1.1
	var hosts, te, cl, conn, expect [][]byte
	for _, f := range r.Header {
		var dst *[][]byte
		switch {
		case strings.EqualFold(f.Name, "Host"):
			dst = &hosts
		case strings.EqualFold(f.Name, "Transfer-Encoding"):
			dst = &te
		case strings.EqualFold(f.Name, "Content-Length"):
			dst = &cl
		case strings.EqualFold(f.Name, "Connection"):
			dst = &conn
		case strings.EqualFold(f.Name, "Expect"):
			dst = &expect
		default:
			continue
		}
		// Framing is interpreted on trimmed values (they differ only under
		// KeepHeaderWhitespace).
		*dst = append(*dst, trimOWS([]byte(f.Value)))
	}

	// RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any
	// HTTP/1.1 request message that lacks a Host header field and to any request message that
	// contains more than one Host header field line or a Host header field with an invalid
	// field value."
	if len(hosts) == 0 && is11 && !p.dev.AcceptMissingHost {
		return p.perr(400, at, "rfc9112/3.2 Host required", "HTTP/1.1 request without Host")
	}
	if len(hosts) > 1 && !p.dev.AcceptDuplicateHost {
		return p.perr(400, at, "rfc9112/3.2 more than one Host", "more than one Host field line")
	}
	for _, h := range hosts {
		if !validHost(h) && !p.dev.AcceptInvalidHost {
			return p.perr(400, at, "rfc9112/3.2 invalid Host", "Host is not uri-host [\":\" port]")
		}
	}

	// Persistence, RFC 9112 §9.3: "If the "close" connection option is present, the connection
	// will not persist after the current response; else, If the received protocol is HTTP/1.1
	// (or later), the connection will persist after the current response; else, If the
	// received protocol is HTTP/1.0, the "keep-alive" connection option is present, ... the
	// connection will persist ...; Otherwise, the connection will close".
	closeOpt, keepAlive := false, false
	for _, v := range conn {
		for _, m := range listMembers(v) {
			switch lowerASCII(m) {
			case "close":
				closeOpt = !p.dev.IgnoreConnectionClose
			case "keep-alive":
				keepAlive = true
			}
		}
	}
	r.Close = closeOpt || !is11 && !keepAlive && !p.dev.KeepAliveHTTP10 || p.dev.CloseAfterEachResponse
	// RFC 9110 §9.3.6: after a 2xx answer to CONNECT the connection becomes a tunnel; the
	// reference (an origin server) closes instead of tunnelling.
	if r.Method == "CONNECT" {
		r.Close = true
	}

	// RFC 9110 §10.1.1: "A server that receives a 100-continue expectation in an HTTP/1.0
	// request MUST ignore that expectation." Expect = #expectation, compared case-insensitively.
	if is11 || p.dev.ExpectContinueHTTP10 {
		for _, v := range expect {
			for _, m := range listMembers(v) {
				if lowerASCII(m) == "100-continue" {
					r.ExpectContinue = true
				}
			}
		}
	}
	if r.ExpectContinue && p.dev.RejectExpect {
		return p.perr(417, at, "deviation RejectExpect", "100-continue expectation refused")
	}
	if p.dev.UnknownExpectation400 && unknownExpectation(expect) {
		return p.perr(400, at, "deviation UnknownExpectation400", "unknown expectation refused with 400")
	}

	switch r.Method {
	case "GET", "HEAD", "OPTIONS", "DELETE":
		if p.dev.NoBodyOnGET {
			p.frame = frameNone
			return nil
		}
	}
	if p.dev.TransferCodingServerError {
		for _, v := range te {
			if c := lowerASCII(v); c != "chunked" && c != "identity" {
				return p.perr(500, at, "deviation TransferCodingServerError", "a Transfer-Encoding line that is not chunked or identity answered with 500")
			}
		}
	}
	if p.dev.TransferEncodingExactChunked && lowerASCII(bytes.Join(te, []byte(", "))) != "chunked" {
		te = nil
	}
	if len(te) > 0 && !p.dev.NoChunkedSupport {
		if !is11 {
			// RFC 9112 §6.1: "A server or client that receives an HTTP/1.0 message containing a
			// Transfer-Encoding header field MUST treat the message as if the framing is faulty,
			// even if a Content-Length is present, and close the connection". The reference
			// rejects it.
			return p.perr(400, at, "rfc9112/6.1 Transfer-Encoding in HTTP/1.0", "Transfer-Encoding in an HTTP/1.0 request")
		}
		if len(cl) > 0 {
			// RFC 9112 §6.1: "A server MAY reject a request that contains both Content-Length and
			// Transfer-Encoding ... Regardless, the server MUST close the connection". The
			// reference rejects.
			if !p.dev.PreferContentLength {
				return p.perr(400, at, "rfc9112/6.1 Transfer-Encoding with Content-Length", "both Transfer-Encoding and Content-Length")
			}
			return p.contentLength(cl, at)
		}
		if e := p.transferEncoding(te, at); e != nil {
			return e
		}
		p.frame = frameChunked
		r.Chunked = true
		return nil
	}
	if len(cl) > 0 {
		return p.contentLength(cl, at)
	}
	// RFC 9112 §6.3: "If this is a request message and none of the above are true, then the
	// message body length is zero (no message body is present)."
	p.frame = frameNone
	return nil
}

// transferEncoding checks Transfer-Encoding = #transfer-coding (RFC 9112 §6.1), where
// transfer-coding = token *( OWS ";" OWS transfer-parameter ) (RFC 9110 §10.1.4).
func (p *parser) transferEncoding(values [][]byte, at int) *ParseError {
	var codings []string
	chunkedParams := false
	for _, v := range values {
		for _, m := range listMembers(v) {
			c := cursor{b: m}
			name, ok := c.token()
			if !ok {
				return p.perr(400, at, "rfc9112/6.1 Transfer-Encoding syntax", "Transfer-Encoding member is not a transfer-coding")
			}
			lname := lowerASCII(name) // RFC 9112 §7: "All transfer-coding names are case-insensitive"
			if p.dev.CaseSensitiveCodings {
				lname = string(name)
			}
			for {
				c.ows()
				if c.done() {
					break
				}
				if c.peek() != ';' {
					return p.perr(400, at, "rfc9112/6.1 Transfer-Encoding syntax", "Transfer-Encoding member is not a transfer-coding")
				}
				c.i++
				c.ows()
				// transfer-parameter = token BWS "=" BWS ( token / quoted-string )
				if _, ok := c.token(); !ok {
					return p.perr(400, at, "rfc9110/10.1.4 transfer-parameter syntax", "malformed transfer-parameter")
				}
				c.ows()
				if c.peek() != '=' {
					return p.perr(400, at, "rfc9110/10.1.4 transfer-parameter syntax", "malformed transfer-parameter")
				}
				c.i++
				c.ows()
				if !c.tokenOrQuoted() {
					return p.perr(400, at, "rfc9110/10.1.4 transfer-parameter syntax", "malformed transfer-parameter")
				}
				if lname == "chunked" {
					chunkedParams = true
				}
			}
			codings = append(codings, lname)
		}
	}
	nChunked := 0
	for _, c := range codings {
		if c == "chunked" {
			nChunked++
		}
	}
	if p.dev.AcceptTENotFinalChunked && nChunked > 0 {
		return nil
	}
	// RFC 9112 §6.1: "A sender MUST NOT apply the chunked transfer coding more than once to a
	// message body".
	if nChunked > 1 {
		return p.perr(400, at, "rfc9112/6.1 chunked applied more than once", "chunked listed more than once")
	}
	// RFC 9112 §6.3: "If a Transfer-Encoding header field is present in a request and the
	// chunked transfer coding is not the final encoding, the message body length cannot be
	// determined reliably; the server MUST respond with the 400 (Bad Request) status code and
	// then close the connection."
	if len(codings) == 0 || codings[len(codings)-1] != "chunked" {
		return p.perr(400, at, "rfc9112/6.3 chunked is not the final transfer coding", "Transfer-Encoding does not end in chunked")
	}
	// RFC 9112 §7.1: "The chunked coding does not define any parameters. Their presence
	// SHOULD be treated as an error."
	if chunkedParams {
		return p.perr(400, at, "rfc9112/7.1 chunked has no parameters", "parameters on chunked")
	}
	// RFC 9112 §6.1: "A server that receives a request message with a transfer coding it does
	// not understand SHOULD respond with 501 (Not Implemented)." The reference decodes only
	// chunked: any other coding before it gets 501.
	if len(codings) > 1 {
		return p.perr(501, at, "rfc9112/6.1 transfer coding not implemented", "transfer coding other than chunked")
	}
	return nil
}

// contentLength checks Content-Length = 1*DIGIT (RFC 9110 §8.6) over all its field lines,
// accepting a list of identical values (RFC 9112 §6.3: "unless the field value can be
// successfully parsed as a comma-separated list ..., all values in the list are valid, and all
// values in the list are the same").
func (p *parser) contentLength(values [][]byte, at int) *ParseError {
	if p.dev.ContentLengthEmptyAsZero && len(bytes.Join(values, nil)) == 0 {
		p.frame = frameNone
		return nil
	}
	first, have, tooBig := int64(0), false, false
	for _, v := range values {
		members := bytes.Split(v, []byte(","))
		for _, m := range members {
			m = trimOWS(m)
			n, big, ok := p.parseDecimal(m)
			if !ok {
				return p.perr(400, at, "rfc9110/8.6 Content-Length = 1*DIGIT", "invalid Content-Length")
			}
			tooBig = tooBig || big
			if !have {
				first, have = n, true
				continue
			}
			if n != first && !p.dev.AcceptInvalidContentLengthList {
				return p.perr(400, at, "rfc9112/6.3 differing Content-Length values", "Content-Length values differ")
			}
		}
	}
	if tooBig || first > p.lim.MaxBody {
		// RFC 9110 §15.5.14: 413 when the content is larger than the server will process.
		return p.perr(413, at, "rfc9110/15.5.14 content too large", "Content-Length larger than the limit")
	}
	if first < 0 { // only with AcceptSignedContentLength
		first = 0
	}
	p.frame = frameLength
	p.remaining = first
	p.req.ContentLength = first
	return nil
}

// parseDecimal parses 1*DIGIT; big reports a value that does not fit in int64.
func (p *parser) parseDecimal(m []byte) (n int64, big, ok bool) {
	if p.dev.ContentLengthPythonInt {
		u, neg, big, ok := pyInt(m, 10)
		switch {
		case !ok:
			return 0, false, false
		case neg:
			return -1, false, true
		case big || u > 1<<63-1:
			return 0, true, true
		}
		return int64(u), false, true
	}
	neg := false
	if p.dev.AcceptSignedContentLength && len(m) > 1 && (m[0] == '+' || m[0] == '-') {
		neg = m[0] == '-'
		m = m[1:]
	}
	if len(m) == 0 {
		return 0, false, false
	}
	var u uint64
	for i, c := range m {
		if !isDigit(c) {
			if i > 0 && p.dev.ContentLengthDigitPrefix {
				break
			}
			return 0, false, false
		}
		if u > (1<<63-1-9)/10 && !p.dev.ContentLengthWraps {
			big = true
			continue
		}
		u = u*10 + uint64(c-'0') // wraps around 2^64 only under ContentLengthWraps
	}
	n = int64(u)
	if neg {
		n = -n
		big = false
	}
	return n, big, true
}

// pyInt parses s as Python's int(s, base) does, for base 10 or 16 (Deviations
// ContentLengthPythonInt and ChunkSizePythonInt): surrounding whitespace, one sign, for base
// 16 an optional "0x" prefix (which may be followed by "_"), then digits with single
// underscores between them. big reports a magnitude beyond 64 bits.
func pyInt(s []byte, base int) (v uint64, neg, big, ok bool) {
	s = bytes.TrimSpace(s)
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if base == 16 && len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
		if len(s) > 0 && s[0] == '_' {
			s = s[1:]
		}
	}
	digits := 0
	for i, c := range s {
		if c == '_' {
			if i == 0 || i == len(s)-1 || s[i-1] == '_' {
				return 0, false, false, false
			}
			continue
		}
		d, isHexDigit := hexVal(c)
		if !isHexDigit || d >= uint64(base) {
			return 0, false, false, false
		}
		digits++
		if v > (1<<64-1-d)/uint64(base) {
			big = true
			continue
		}
		v = v*uint64(base) + d
	}
	return v, neg, big, digits > 0
}
