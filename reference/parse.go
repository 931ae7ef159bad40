package reference

import (
	"bytes"
)

// The parser is one incremental state machine over a byte buffer. Interpret feeds it a whole
// connection's bytes at once; the server appends bytes as they arrive from the socket and
// calls advance again. Either way the same code decides every request, which is what makes
// the reference an oracle for the differential fuzzer.
//
// The parser never keeps slices of its buffer between calls (field lines are copied out as
// strings, body bytes are copied into the request), so the server may compact the buffer.

type step int

const (
	stepMore  step = iota // more bytes are needed
	stepHead              // the header section is complete and the framing decided
	stepDone              // the request (body included) is complete
	stepError             // p.err says why the request must be rejected
	stepAgain             // internal: state changed, go on
)

type pstate int

const (
	psRequestLine pstate = iota // before the request-line, ignoring empty lines
	psHeaders                   // in the header section
	psHead                      // header section done, stepHead not yet reported
	psBody                      // Content-Length body
	psChunkSize                 // expecting a chunk-size line
	psChunkData                 // in chunk-data
	psChunkEnd                  // expecting the CRLF after chunk-data
	psTrailers                  // in the trailer section
	psDone                      // request complete
	psFailed                    // rejected
)

type framing int

const (
	frameNone framing = iota
	frameLength
	frameChunked
)

type parser struct {
	lim Limits
	dev *Deviations

	buf  []byte
	pos  int // next unread byte of buf
	base int // stream offset of buf[0]

	st  pstate
	req Request
	err *ParseError

	// per field section
	secBytes int    // bytes of the current field section so far
	nfields  int    // field lines of the current section
	lastTerm string // terminator of the previous field line ("\r\n" or "\n"), for obs-fold
	fold     []byte // value of the last field while obs-fold lines are appended to it
	folding  bool

	lineScan int // bytes after pos already known to hold no LF

	// body
	frame     framing
	remaining int64 // Content-Length body or current chunk still to read
	total     int64 // decoded body bytes so far
}

func newParser(lim Limits, dev *Deviations) *parser {
	if dev == nil {
		dev = &Deviations{}
	}
	p := &parser{lim: lim.normalized(), dev: dev}
	if dev.RequestLineLimit4094 {
		p.lim.MaxRequestLine = 4094 // gunicorn's default limit_request_line
	}
	p.reset()
	return p
}

// reset prepares for the next request on the connection.
func (p *parser) reset() {
	p.st = psRequestLine
	p.req = Request{ContentLength: -1}
	p.err = nil
	p.secBytes, p.nfields, p.lastTerm, p.folding = 0, 0, "", false
	p.frame, p.remaining, p.total = frameNone, 0, 0
	p.lineScan = 0
}

// midRequest says some bytes of a request (beyond ignorable empty lines) were received.
func (p *parser) midRequest() bool {
	return p.st != psRequestLine || p.pos < len(p.buf)
}

// bodyPending says the request has body bytes still to read (after stepHead).
func (p *parser) bodyPending() bool {
	return p.st == psBody || p.st == psChunkSize || p.st == psChunkData || p.st == psChunkEnd || p.st == psTrailers
}

// compact drops consumed bytes from the buffer.
func (p *parser) compact() {
	if p.pos == 0 {
		return
	}
	n := copy(p.buf, p.buf[p.pos:])
	p.buf = p.buf[:n]
	p.base += p.pos
	p.pos = 0
}

func (p *parser) fail(status, at int, rule, reason string) step {
	p.err = &ParseError{Status: status, Reason: reason, Offset: p.base + at, Rule: rule}
	p.st = psFailed
	return stepError
}

func (p *parser) failErr(e *ParseError) step {
	p.err = e
	p.st = psFailed
	return stepError
}

func (p *parser) perr(status, at int, rule, reason string) *ParseError {
	return &ParseError{Status: status, Reason: reason, Offset: p.base + at, Rule: rule}
}

// advance parses as far as the buffered bytes allow.
func (p *parser) advance() step {
	for {
		var s step
		switch p.st {
		case psRequestLine:
			s = p.stepRequestLine()
		case psHeaders:
			s = p.stepFields(false)
		case psHead:
			s = p.stepHead()
		case psBody:
			s = p.stepBody()
		case psChunkSize:
			s = p.stepChunkSize()
		case psChunkData:
			s = p.stepChunkData()
		case psChunkEnd:
			s = p.stepChunkEnd()
		case psTrailers:
			s = p.stepTrailers()
		case psDone:
			p.req.End = p.base + p.pos
			return stepDone
		case psFailed:
			return stepError
		}
		if s != stepAgain {
			return s
		}
	}
}

// line finds the line that starts at p.pos. RFC 9112 §2.2: "Although the line terminator for
// the start-line and fields is the sequence CRLF, a recipient MAY recognize a single LF as a
// line terminator and ignore any preceding CR." The reference does (see doc.go); crlf tells
// which terminator was used so that chunked framing can insist on CRLF.
//
// Bytes already scanned are not scanned again when more arrive (lineScan), so a line received
// one byte at a time still costs linear time.
func (p *parser) line() (content []byte, next int, crlf, ok bool) {
	i := bytes.IndexByte(p.buf[p.pos+p.lineScan:], '\n')
	if i < 0 {
		p.lineScan = len(p.buf) - p.pos
		return nil, 0, false, false
	}
	end := p.pos + p.lineScan + i
	p.lineScan = 0
	content = p.buf[p.pos:end]
	if len(content) > 0 && content[len(content)-1] == '\r' {
		content = content[:len(content)-1]
		crlf = true
	}
	if !crlf && p.dev.CRLFLineEndsOnly && (p.st == psRequestLine || p.st == psHeaders || p.st == psTrailers) {
		// The bare LF is part of the line: look for the next LF.
		p.lineScan = end + 1 - p.pos
		return p.line()
	}
	return content, end + 1, crlf, true
}

// pending is the length of the unterminated line at p.pos (a final CR, which may begin the
// terminator, is not counted).
func (p *parser) pending() int {
	n := len(p.buf) - p.pos
	if n > 0 && p.buf[len(p.buf)-1] == '\r' {
		n--
	}
	return n
}

// ---- request-line (RFC 9112 §3) ----

func (p *parser) stepRequestLine() step {
	for {
		line, next, _, ok := p.line()
		if !ok {
			// RFC 9110 §15.5.15: 414 when the target is longer than the server will interpret;
			// decided as soon as the unterminated line is too long.
			if p.pending() > p.lim.MaxRequestLine {
				return p.fail(p.tooLongStatus(), p.pos, "rfc9112/3 request-line too long", "request-line longer than the limit")
			}
			return stepMore
		}
		if len(line) == 0 {
			// RFC 9112 §2.2: "a server that is expecting to receive and parse a request-line
			// SHOULD ignore at least one empty line (CRLF) received prior to the request-line."
			// The reference ignores any number of them.
			if p.dev.RejectEmptyLineBeforeRequest {
				return p.fail(400, p.pos, "rfc9112/2.2 empty line before request-line", "empty line where a request-line is expected")
			}
			p.pos = next
			continue
		}
		if len(line) > p.lim.MaxRequestLine {
			return p.fail(p.tooLongStatus(), p.pos, "rfc9112/3 request-line too long", "request-line longer than the limit")
		}
		p.req.Start = p.base + p.pos
		if e := p.requestLine(line, p.pos); e != nil {
			return p.failErr(e)
		}
		p.pos = next
		p.lastTerm = ""
		p.st = psHeaders
		return stepAgain
	}
}

// requestLine parses request-line = method SP request-target SP HTTP-version (RFC 9112 §3).
func (p *parser) requestLine(line []byte, at int) *ParseError {
	// RFC 9112 §2.2: "A recipient of such a bare CR MUST consider that element to be invalid
	// or replace each bare CR with SP". The reference rejects.
	crKept := p.dev.BareCRInRequestLine
	if i := bytes.IndexByte(line, '\r'); i >= 0 && !crKept {
		return p.perr(400, at+i, "rfc9112/2.2 bare CR", "bare CR in the request-line")
	}
	if p.dev.RequestLineNaiveSplit {
		return p.naiveRequestLine(line)
	}
	// RFC 9112 §3: "A request-line begins with a method token, followed by a single space
	// (SP), the request-target, and another single space (SP), and ends with the protocol
	// version." The reference does not use the lenient whitespace parsing §3 permits.
	if p.dev.LenientRequestLine {
		line = lenientRequestLine(line)
	}
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 < 0 {
		return p.perr(400, at, "rfc9112/3 request-line syntax", "request-line has no SP")
	}
	method := line[:sp1]
	// RFC 9110 §9.1: method = token.
	if !isToken(method) && !(crKept && isToken(bytes.ReplaceAll(method, []byte("\r"), nil))) {
		return p.perr(400, at, "rfc9110/9.1 method is a token", "method is not a token")
	}
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 < 0 {
		return p.perr(400, at+sp1+1, "rfc9112/3 request-line syntax", "request-line has no HTTP-version")
	}
	target, version := rest[:sp2], rest[sp2+1:]
	tAt, vAt := at+sp1+1, at+sp1+1+sp2+1
	if len(target) == 0 {
		return p.perr(400, tAt, "rfc9112/3 single SP", "more than one SP between method and request-target")
	}
	// RFC 9112 §2.3: HTTP-version = HTTP-name "/" DIGIT "." DIGIT; HTTP-name = %s"HTTP"
	// (case-sensitive).
	valid := len(version) == 8 && string(version[:5]) == "HTTP/" && isDigit(version[5]) && version[6] == '.' && isDigit(version[7])
	major, minor := 1, 1
	switch {
	case p.dev.EchoAnyHTTPVersion && !(valid && version[5] == '1'):
		// Whatever follows the second SP, served as HTTP/1.1.
	case bytes.IndexByte(version, ' ') >= 0:
		// RFC 9112 §3.2: "No whitespace is allowed in the request-target."
		return p.perr(400, vAt-1, "rfc9112/3.2 no whitespace in request-target", "whitespace inside the request-target (or around HTTP-version)")
	case !valid:
		return p.perr(400, vAt, "rfc9112/2.3 HTTP-version syntax", "malformed HTTP-version")
	default:
		major, minor = int(version[5]-'0'), int(version[7]-'0')
	}
	// RFC 9110 §15.6.6: 505 when the server does not support the major version. HTTP/1.x
	// with x > 1 is served as HTTP/1.1 (RFC 9110 §2.5: a recipient of a higher minor version
	// processes the message as if it were in the highest minor version it conforms to).
	if major != 1 {
		return p.perr(505, vAt, "rfc9110/15.6.6 HTTP major version not supported", "only HTTP/1.x is served")
	}
	// RFC 9112 §3.2: request-target bytes are visible US-ASCII ("No whitespace is allowed in
	// the request-target"; URI characters are a subset of VCHAR).
	for i, c := range target {
		if c == '\r' && crKept {
			continue
		}
		if c <= 0x20 || c == 0x7f || c >= 0x80 && !p.dev.RawTargetBytesReencoded {
			return p.perr(400, tAt+i, "rfc9112/3.2 invalid byte in request-target", "request-target contains a byte that is not visible ASCII")
		}
	}
	if p.dev.RawTargetBytesReencoded {
		target = latin1TextAsUTF8(target)
	}
	if e := p.checkTargetForm(method, target, tAt); e != nil {
		return e
	}
	if p.dev.LongMethod400 && len(method) > 20 {
		return p.perr(400, 0, "rfc9112/3 method too long", "method longer than 20 octets")
	}
	p.req.Method, p.req.Target, p.req.Proto = string(method), string(target), string(version)
	p.req.Major, p.req.Minor = major, minor
	return nil
}

// lenientRequestLine rewrites a request-line split on runs of whitespace as method SP
// target SP version, the words between the first and the last joined by "%20"
// (Deviations.LenientRequestLine).
func lenientRequestLine(line []byte) []byte {
	words := bytes.Fields(line)
	if len(words) < 3 {
		return line
	}
	last := len(words) - 1
	target := bytes.Join(words[1:last], []byte("%20"))
	return bytes.Join([][]byte{words[0], target, words[last]}, []byte(" "))
}

// checkTargetForm: request-target = origin-form / absolute-form / authority-form /
// asterisk-form (RFC 9112 §3.2).
func (p *parser) checkTargetForm(method, target []byte, at int) *ParseError {
	switch {
	case string(method) == "CONNECT":
		// RFC 9112 §3.2.3: authority-form = uri-host ":" port, only for CONNECT.
		if !validAuthorityForm(target) {
			return p.perr(400, at, "rfc9112/3.2.3 CONNECT needs authority-form", "CONNECT target is not uri-host \":\" port")
		}
	case string(target) == "*":
		// RFC 9112 §3.2.4: asterisk-form "is only used for a server-wide OPTIONS request".
		if string(method) != "OPTIONS" {
			return p.perr(400, at, "rfc9112/3.2.4 asterisk-form only for OPTIONS", "asterisk-form with a method other than OPTIONS")
		}
	case target[0] == '/':
		// RFC 9112 §3.2.1: origin-form = absolute-path [ "?" query ].
	default:
		// RFC 9112 §3.2.2: "A server MUST accept the absolute-form in requests".
		if p.dev.RejectAbsoluteForm {
			return p.perr(400, at, "deviation RejectAbsoluteForm", "absolute-form rejected")
		}
		if _, _, _, ok := splitAbsolute(string(target)); !ok {
			return p.perr(400, at, "rfc9112/3.2.2 absolute-form", "request-target is neither origin-form nor an http(s) absolute-URI with a valid authority")
		}
	}
	return nil
}

// splitAbsolute splits an absolute-form target "scheme://authority/path?query" of the http or
// https scheme (RFC 9110 §4.2: http-URI = "http" "://" authority path-abempty [ "?" query ]).
// The authority must be a valid uri-host [":" port] without userinfo (RFC 9110 §4.2.4), with a
// non-empty host (RFC 9110 §4.2.1: "A recipient that processes such a URI reference MUST
// reject it as invalid"). path is "" when absent.
func splitAbsolute(t string) (authority, path, query string, ok bool) {
	i := 0
	for i < len(t) && t[i] != ':' {
		c := t[i]
		alpha := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !(alpha || i > 0 && (isDigit(c) || c == '+' || c == '-' || c == '.')) {
			return "", "", "", false
		}
		i++
	}
	if i == len(t) {
		return "", "", "", false
	}
	scheme := lowerASCII([]byte(t[:i]))
	if scheme != "http" && scheme != "https" {
		return "", "", "", false
	}
	rest := t[i+1:]
	if len(rest) < 2 || rest[:2] != "//" {
		return "", "", "", false
	}
	rest = rest[2:]
	j := 0
	for j < len(rest) && rest[j] != '/' && rest[j] != '?' && rest[j] != '#' {
		j++
	}
	authority, rest = rest[:j], rest[j:]
	if authority == "" || authority[0] == ':' || !validHost([]byte(authority)) {
		return "", "", "", false
	}
	if k := indexByteString(rest, '?'); k >= 0 {
		path, query = rest[:k], rest[k+1:]
	} else {
		path = rest
	}
	return authority, path, query, true
}

func indexByteString(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// ---- field sections (RFC 9112 §5, RFC 9110 §5) ----

// stepFields reads the field lines of the header section or, for trailers, of the trailer
// section of a chunked body (RFC 9112 §7.1.2: trailer-section = *( field-line CRLF ); the
// same syntax rules apply).
func (p *parser) stepFields(trailers bool) step {
	for {
		line, next, crlf, ok := p.line()
		if !ok {
			// RFC 6585 §5: 431 when the header fields are too large.
			if p.secBytes+p.pending() > p.lim.MaxHeaderBytes {
				return p.fail(431, p.pos, "rfc6585/5 header section too large", "field section larger than the limit")
			}
			return stepMore
		}
		at := p.pos
		p.secBytes += next - p.pos
		if p.secBytes > p.lim.MaxHeaderBytes {
			return p.fail(431, at, "rfc6585/5 header section too large", "field section larger than the limit")
		}
		p.pos = next
		if !crlf && len(line) > 0 && !trailers && p.dev.DropBareLFFieldLines {
			continue // the field, a Content-Length included, is lost
		}
		if len(line) == 0 || !isOWS(line[0]) {
			p.endFold(trailers)
		}
		if len(line) == 0 {
			if trailers {
				p.st = psDone
				return stepAgain
			}
			if e := p.decideFraming(at); e != nil {
				return p.failErr(e)
			}
			p.st = psHead
			return stepAgain
		}
		if e := p.fieldLine(line, at, trailers); e != nil {
			return p.failErr(e)
		}
		if crlf {
			p.lastTerm = "\r\n"
		} else {
			p.lastTerm = "\n"
		}
	}
}

// fieldLine parses field-line = field-name ":" OWS field-value OWS (RFC 9112 §5), or an
// obs-fold continuation of the previous line (RFC 9112 §5.2).
func (p *parser) fieldLine(line []byte, at int, trailers bool) *ParseError {
	fields := &p.req.Header
	if trailers {
		fields = &p.req.Trailers
	}
	// RFC 9112 §2.2: a bare CR "MUST consider that element to be invalid or replace each bare
	// CR with SP". The reference rejects.
	if !p.dev.AcceptBareCR {
		from := 0
		if p.dev.LaxFieldNames {
			from = max(bytes.IndexByte(line, ':'), 0) // a CR in the name is kept
		}
		if i := bytes.IndexByte(line[from:], '\r'); i >= 0 {
			return p.perr(400, at+from+i, "rfc9112/2.2 bare CR", "bare CR in a field line")
		}
	}
	if isOWS(line[0]) {
		if len(*fields) > 0 {
			return p.obsFold((*fields)[len(*fields)-1].Value, line, at)
		}
		// RFC 9112 §2.2: "A recipient that receives whitespace between the start-line and
		// the first header field MUST either reject the message as invalid or consume each
		// whitespace-preceded line". The reference rejects (and, for a trailer section,
		// treats a leading whitespace line the same way).
		if !p.dev.AcceptWhitespacePrecededLine {
			return p.perr(400, at, "rfc9112/2.2 whitespace before the first field line", "whitespace-preceded line before the first field line")
		}
		line = trimOWS(line)
	}
	p.nfields++
	if p.nfields > p.lim.MaxHeaders {
		return p.perr(431, at, "rfc6585/5 too many header fields", "more field lines than the limit")
	}
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return p.perr(400, at, "rfc9112/5 field line without colon", "field line has no colon")
	}
	name := line[:colon]
	if len(name) > 0 && isOWS(name[len(name)-1]) {
		// RFC 9112 §5.1: "A server MUST reject, with a response status code of 400 (Bad
		// Request), any received request message that contains whitespace between a header
		// field name and colon."
		if !p.dev.AcceptWhitespaceBeforeColon {
			return p.perr(400, at+len(name)-1, "rfc9112/5.1 whitespace before colon", "whitespace between field name and colon")
		}
		name = trimOWS(name)
	}
	if len(name) == 0 && !p.dev.LaxFieldNames {
		return p.perr(400, at, "rfc9110/5.1 field-name is a token", "empty field name")
	}
	// RFC 9110 §5.1: field-name = token.
	if !isToken(name) && !p.dev.AcceptInvalidFieldNames && !p.dev.LaxFieldNames {
		return p.perr(400, at, "rfc9110/5.1 field-name is a token", "field name is not a token")
	}
	value := line[colon+1:]
	if p.dev.FramingPythonStrip && (bytes.EqualFold(name, []byte("Content-Length")) || bytes.EqualFold(name, []byte("Transfer-Encoding"))) {
		value = pyStrip(value)
	}
	if p.dev.ValuePythonStrip && !bytes.EqualFold(name, []byte("Content-Length")) && !bytes.EqualFold(name, []byte("Transfer-Encoding")) {
		value = pyStrip(value)
	}
	if e := p.checkValue(value, at+colon+1); e != nil {
		return e
	}
	// RFC 9112 §5: "A field line value might be preceded and/or followed by optional
	// whitespace (OWS) ... excluded by parsers when extracting the field line value".
	switch {
	case p.dev.KeepHeaderWhitespace:
	case p.dev.KeepTrailingWhitespace:
		for len(value) > 0 && isOWS(value[0]) {
			value = value[1:]
		}
	default:
		value = trimOWS(value)
	}
	*fields = append(*fields, Field{Name: string(name), Value: string(value)})
	return nil
}

// obsFold handles obs-fold = OWS CRLF RWS (RFC 9112 §5.2): "A server that receives an
// obs-fold in a request message ... MUST either reject the message by sending a 400 (Bad
// Request) ... or replace each received obs-fold with one or more SP octets". The reference
// replaces: the trimmed contents of the continuation lines are joined to the value with one
// SP each (empty continuation lines add nothing). The value is built in p.fold and stored by
// endFold, so that many continuation lines cost linear time.
func (p *parser) obsFold(value string, line []byte, at int) *ParseError {
	if e := p.checkValue(line, at); e != nil {
		return e
	}
	if !p.folding {
		p.fold = append(p.fold[:0], value...)
		p.folding = true
	}
	switch {
	case p.dev.AcceptObsFoldRaw:
		p.fold = append(p.fold, p.lastTerm...)
		p.fold = append(p.fold, line...)
	case p.dev.KeepHeaderWhitespace:
		p.fold = append(p.fold, ' ')
		p.fold = append(p.fold, line...)
	default:
		if c := trimOWS(line); len(c) > 0 {
			if len(p.fold) > 0 {
				p.fold = append(p.fold, ' ')
			}
			p.fold = append(p.fold, c...)
		}
	}
	return nil
}

// endFold stores the value built from obs-fold lines in the last field.
func (p *parser) endFold(trailers bool) {
	if !p.folding {
		return
	}
	p.folding = false
	fields := p.req.Header
	if trailers {
		fields = p.req.Trailers
	}
	fields[len(fields)-1].Value = string(p.fold)
}

// checkValue: field-value = *field-content, field-vchar = VCHAR / obs-text (RFC 9110 §5.5).
// "a recipient of CR, LF, or NUL within a field value MUST either reject the message or
// replace each of those characters with SP"; "Field values containing other CTL characters
// are also invalid". The reference rejects every CTL but HTAB.
func (p *parser) checkValue(v []byte, at int) *ParseError {
	for i, c := range v {
		switch {
		case c == '\t' || c >= 0x20 && c != 0x7f:
		case c == 0:
			if !p.dev.AcceptNUL {
				return p.perr(400, at+i, "rfc9110/5.5 NUL in field value", "NUL in a field value")
			}
		case c == '\r':
			// Only reachable under Deviations.AcceptBareCR: fieldLine rejects bare CRs first.
		case p.dev.CTLReplaced:
			v[i] = '?' // app_permissions.go: neither refused nor retained
		default:
			return p.perr(400, at+i, "rfc9110/5.5 CTL in field value", "control character in a field value")
		}
	}
	return nil
}

// stepHead reports the end of the header section once, then moves to the body.
func (p *parser) stepHead() step {
	switch p.frame {
	case frameLength:
		if p.remaining == 0 {
			p.st = psDone
		} else {
			p.st = psBody
		}
	case frameChunked:
		p.st = psChunkSize
	default:
		p.st = psDone
	}
	return stepHead
}

// stepBody reads a Content-Length body (RFC 9112 §6.3: "its decimal value defines the
// expected message body length in octets").
func (p *parser) stepBody() step {
	n := int64(len(p.buf) - p.pos)
	if n > p.remaining {
		n = p.remaining
	}
	p.req.Body = append(p.req.Body, p.buf[p.pos:p.pos+int(n)]...)
	p.pos += int(n)
	p.remaining -= n
	if p.remaining > 0 {
		return stepMore
	}
	p.st = psDone
	return stepAgain
}

// validAuthorityForm: authority-form = uri-host ":" port, with a non-empty host and port.
func validAuthorityForm(t []byte) bool {
	colon := -1
	if t[0] == '[' {
		j := bytes.IndexByte(t, ']')
		if j >= 0 && j+1 < len(t) && t[j+1] == ':' {
			colon = j + 1
		}
	} else {
		colon = bytes.IndexByte(t, ':')
	}
	return colon > 0 && colon+1 < len(t) && validHost(t)
}
