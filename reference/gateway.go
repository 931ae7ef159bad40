package reference

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// The gateway side of PEP 3333: start_response, write(), iterating the application's result,
// and framing the response (RFC 9112 §6). The probe application (app.go) is written against
// these as a Python application would be against a real server.

// pyError is a Python exception: "TypeName: message".
type pyError struct{ Type, Msg string }

func (e *pyError) Error() string { return e.Type + ": " + e.Msg }

// headerList is the response_headers list handed to start_response. Like a Python list it is
// shared: the server reads it when it sends the headers, so an application may still append
// to it after start_response returned (the probe appends Content-Length that way once it
// knows its body).
type headerList struct {
	f []Field
	// text: the values are Python text given as Go (UTF-8) strings, which may hold code
	// points above U+00FF; start_response encodes them to latin-1 (app_open_sentences.go).
	text bool
}

func (h *headerList) add(name, value string) { h.f = append(h.f, Field{name, value}) }

// appIter is the iterable an application returns.
type appIter struct {
	next  func() ([]byte, error) // io.EOF at the end
	close func()                 // nil when the iterable has no close()
	n     int                    // len() of the iterable, 0 when it has none (a generator)
}

func listIter(parts ...[]byte) *appIter {
	i := 0
	return &appIter{n: len(parts), next: func() ([]byte, error) {
		if i >= len(parts) {
			return nil, io.EOF
		}
		i++
		return parts[i-1], nil
	}}
}

type appFunc func(x *exchange) (*appIter, error)

type respFrame int

const (
	rfNone    respFrame = iota // no body (HEAD, 1xx, 204, 304)
	rfLength                   // Content-Length
	rfChunked                  // Transfer-Encoding: chunked
	rfClose                    // close-delimited (HTTP/1.0)
)

// exchange is one request and its response.
type exchange struct {
	c        *conn
	dev      *Deviations
	req      *Request
	env      *environ
	input    *wsgiInput
	deferred bool // the body waits for 100 Continue
	head     bool
	tStart   time.Time
	thread   int64 // the emulated thread the application runs on (the echo's "thread")

	// start_response state
	statusSet   bool
	startFailed bool // a start_response call raised: the next one needs exc_info too
	status      string
	code        int
	headers     *headerList
	headersSent bool

	// response state
	frame      respFrame
	noBody     bool
	declared   int64
	sent       int64
	full       bool // the application's Content-Length is reached: stop iterating
	closeAfter bool
	pending    []byte // Deviations.BufferStreamedBody
	writeErr   error
}

func newExchange(c *conn, deferred bool) *exchange {
	x := &exchange{c: c, dev: &c.s.opt.Deviations, req: &c.p.req, deferred: deferred, tStart: time.Now(), thread: c.id}
	x.head = x.req.Method == "HEAD"
	x.env = buildEnviron(trailersMerged(x.req, x.dev), c.info, x.dev, true)
	x.openSentencesEnviron()
	x.input = &wsgiInput{fetch: func() ([]byte, error) { return c.fetchBody(x) }, dev: x.dev}
	return x
}

var hopByHop = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-authenticate": true, "proxy-authorization": true,
	"te": true, "trailer": true, "transfer-encoding": true, "upgrade": true,
}

// startResponse is start_response(status, response_headers, exc_info=None) (PEP 3333 "The
// start_response() Callable"). A non-nil error is the exception it raises.
func (x *exchange) startResponse(status string, h *headerList, excInfo error) (func([]byte) error, error) {
	if excInfo != nil {
		if x.headersSent {
			// PEP 3333: "if exc_info is provided, and the HTTP headers have already been sent,
			// start_response must raise an error, and should re-raise using the exc_info
			// tuple."
			switch {
			case x.dev.ExcInfoAfterHeadersReturns:
				return x.write, nil
			case x.dev.ExcInfoAfterHeadersRaisesOther:
				return nil, &pyError{"OSError", "headers already sent"}
			}
			return nil, excInfo
		}
		// Headers not sent yet: the new status and headers replace the old ones.
		if x.statusSet && x.dev.ExcInfoBeforeHeadersIgnored {
			return x.write, nil
		}
	} else if x.statusSet && !x.dev.SecondStartResponseAllowed {
		// PEP 3333: "It is a fatal error to call start_response without the exc_info argument
		// if start_response has already been called within the current invocation".
		return nil, &pyError{"AssertionError", "start_response called a second time without exc_info"}
	} else if x.startFailed && !x.dev.RetryAfterFailedStartResponse {
		// PEP 3333: "This includes the case where the first call to start_response raised
		// an error."
		return nil, &pyError{"AssertionError", "start_response called again without exc_info after it raised"}
	}
	if err := x.encodeHeaderText(h); err != nil {
		x.startFailed = true
		return nil, err
	}
	code, err := x.checkResponse(status, h)
	if err != nil {
		x.startFailed = true
		return nil, err
	}
	x.statusSet, x.status, x.code, x.headers = true, status, code, h
	if excInfo != nil && x.dev.ExcInfoBeforeHeadersRaises {
		return nil, excInfo
	}
	if x.dev.SendHeadersEarly && !x.headersSent {
		x.sendHeaders(false)
		x.flush()
	}
	return x.write, nil
}

// checkResponse validates what start_response was given (PEP 3333: status is "999 Message
// here"; header names and values must be valid HTTP; no hop-by-hop headers).
func (x *exchange) checkResponse(status string, h *headerList) (int, error) {
	if len(status) < 4 || status[0] < '1' || status[0] > '9' || !isDigit(status[1]) || !isDigit(status[2]) || status[3] != ' ' {
		if !x.dev.AcceptAnyStatus || status == "" || !isDigit(status[0]) {
			return 0, &pyError{"ValueError", fmt.Sprintf("invalid status %q", status)}
		}
	}
	code := leadingNumber(status)
	// RFC 9110 §15.2.2: a 101 needs the Upgrade header PEP 3333 forbids the application.
	if code == 101 && !x.dev.SwitchingProtocolsWithoutUpgrade {
		return 0, &pyError{"ValueError", "101 Switching Protocols needs an Upgrade header, which is hop-by-hop"}
	}
	// RFC 9110 §5.5: field values never carry CR, LF or NUL (response splitting); the
	// reference refuses every CTL but HTAB, in header values and in the reason phrase.
	if !x.dev.AllowHeaderCRLF {
		if hasCTL(status, false) {
			return 0, &pyError{"ValueError", fmt.Sprintf("control character in status %q", status)}
		}
		for _, f := range h.f {
			if hasCTL(f.Value, true) {
				return 0, &pyError{"ValueError", fmt.Sprintf("control character in header value %q", f.Value)}
			}
		}
	}
	for _, f := range h.f {
		if !isToken(f.Name) && !x.dev.AllowInvalidHeaderNames {
			return 0, &pyError{"ValueError", fmt.Sprintf("invalid header name %q", f.Name)}
		}
		if hopByHop[strings.ToLower(f.Name)] && !x.dev.AllowHopByHop {
			return 0, &pyError{"AssertionError", fmt.Sprintf("Hop-by-hop header, '%s: %s', not allowed", f.Name, f.Value)}
		}
		if strings.EqualFold(f.Name, "Content-Length") && !isDecimal(trimOWSString(f.Value)) {
			return 0, &pyError{"ValueError", fmt.Sprintf("invalid Content-Length %q", f.Value)}
		}
	}
	return code, nil
}

func hasCTL(s string, tabOK bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && !(tabOK && c == '\t') || c == 0x7f {
			return true
		}
	}
	return false
}

// write is the write() callable start_response returns.
func (x *exchange) write(data []byte) error {
	if !x.statusSet {
		return &pyError{"AssertionError", "write() before start_response()"}
	}
	if x.dev.WriteCallableBroken || len(data) == 0 {
		return nil
	}
	// PEP 3333: write() must send the data at once ("guarantee that it is either completely
	// sent to the client, or that it is buffered for transmission").
	x.sendBody(data)
	if x.writeErr != nil {
		return errAbort
	}
	return nil
}

// run calls the application and sends what it returns (PEP 3333 "Specification Details").
func (x *exchange) run(app appFunc) {
	if x.dev.RejectHEAD && x.head {
		// The server refuses HEAD itself; the app never sees it.
		x.c.writeSimple(501, "", x.req.Close) // no content: the answer is to HEAD
		x.closeAfter = x.req.Close
		return
	}
	it, err := app(x)
	if err != nil {
		x.appError(err)
		return
	}
	closeIt := func() {
		// PEP 3333: "If the iterable returned by the application has a close() method, the
		// server or gateway must call that method upon completion of the current request,
		// whether the request was completed normally, or terminated early due to an
		// application error during iteration or an early disconnect of the browser."
		if it.close != nil && !x.dev.SkipClose {
			it.close()
		}
	}
	defer closeIt()
	if !x.statusSet && x.dev.RequireEarlyStartResponse {
		x.appError(&pyError{"AssertionError", "the application returned without calling start_response()"})
		return
	}
	// PEP 3333 "Handling the Content-Length Header": stop iterating once Content-Length bytes
	// were sent.
	for !x.full && x.writeErr == nil {
		data, err := it.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			x.appError(err)
			return
		}
		// PEP 3333: headers are sent "until the first iteration of the application return
		// value that yields a non-empty bytestring".
		if len(data) == 0 {
			continue
		}
		if !x.statusSet && !x.noStartResponse() {
			return
		}
		x.countSingleBlock(it, data)
		x.sendBody(data)
	}
	if x.writeErr != nil {
		x.closeAfter = true
		return
	}
	if !x.statusSet && !x.noStartResponse() {
		return
	}
	x.finish()
}

// noStartResponse handles an application that produced its body (or finished) without calling
// start_response: an error (500), unless the deviation answers 200.
func (x *exchange) noStartResponse() bool {
	if x.dev.NoStartResponseOK {
		x.statusSet, x.status, x.code, x.headers = true, "200 OK", 200, &headerList{}
		return true
	}
	x.appError(&pyError{"AssertionError", "the application did not call start_response()"})
	return false
}

// appError handles an exception from the application (or a failure to receive the body).
func (x *exchange) appError(err error) {
	var pe *ParseError
	switch {
	case errors.As(err, &pe):
		// The request body could not be received: the server answers as it would have before
		// running the application.
		x.closeAfter = true
		if !x.headersSent {
			x.headersSent = true
			x.c.writeError(pe)
		}
		return
	case err == errAbort:
		x.closeAfter = true
		return
	}
	x.c.s.logf("conn %d: application error: %v", x.c.id, err)
	if x.openSentencesAppError() {
		return
	}
	if x.headersSent {
		// PEP 3333 "Error Handling": once headers are sent the response cannot be replaced;
		// the server cuts the connection so the client sees an incomplete response.
		x.closeAfter = true
		x.flush()
		return
	}
	x.headersSent = true
	x.closeAfter = x.req.Close || x.deferred
	body := "500 Internal Server Error\n"
	if x.head {
		body = ""
	}
	x.c.writeSimple(500, body, x.closeAfter)
	x.flush()
}

// sendHeaders sends the status line and headers, choosing the framing. final says the
// application has finished without producing body bytes.
func (x *exchange) sendHeaders(final bool) {
	x.headersSent = true
	dev, code := x.dev, x.code
	// RFC 9110 §9.3.2, §15.2, §15.3.5, §15.4.5: no content in responses to HEAD or with 1xx,
	// 204, 304.
	x.noBody = x.head && !dev.BodyOnHEAD || code/100 == 1 || code == 204 && !dev.BodyOn204 || code == 304 && !dev.BodyOn304
	var hdrs []Field
	appCL := int64(-1)
	for _, f := range x.headers.f {
		if strings.EqualFold(f.Name, "Content-Length") {
			// RFC 9110 §8.6: "A server MUST NOT send a Content-Length header field in any
			// response with a status code of 1xx (Informational) or 204 (No Content)".
			if (code/100 == 1 || code == 204) && !dev.BodyOn204 || x.tunnel() {
				continue
			}
			if n, err := strconv.ParseInt(trimOWSString(f.Value), 10, 64); err == nil && appCL < 0 {
				appCL = n
			}
		}
		hdrs = append(hdrs, f)
	}
	if dev.HeadDropsAppFields && x.head {
		var kept []Field
		for _, f := range hdrs {
			if !strings.HasPrefix(strings.ToLower(f.Name), "x-") {
				kept = append(kept, f)
			}
		}
		hdrs = kept
	}
	is11 := x.req.Major == 1 && x.req.Minor >= 1
	switch {
	case x.tunnelClose():
	case appCL >= 0 && dev.ContentLengthWithChunked && is11 && !x.noBody:
		// The application's Content-Length kept beside a chunked body.
		x.frame, x.declared = rfChunked, appCL
		hdrs = append(hdrs, Field{"Transfer-Encoding", "chunked"})
	case appCL >= 0:
		x.frame, x.declared = rfLength, appCL
	case x.noBody:
		if dev.CountedContentLength && code != 304 || dev.ZeroContentLengthOn304 && code == 304 {
			// The length of what is sent: nothing.
			hdrs = append(hdrs, Field{"Content-Length", "0"})
		}
		x.frame = rfNone
	case final:
		// Nothing was produced: frame the empty body by length.
		x.frame, x.declared = rfLength, 0
		hdrs = append(hdrs, Field{"Content-Length", "0"})
	case dev.UndelimitedBody:
		// Raw body bytes, and the connection stays open: the client cannot find the end.
		x.frame = rfClose
	case is11 || dev.ChunkedToHTTP10:
		// RFC 9112 §6.1: "A server MUST NOT send a response containing Transfer-Encoding
		// unless the corresponding request indicates HTTP/1.1 (or later minor revisions)."
		x.frame = rfChunked
		if te, _ := x.req.Get("TE"); dev.ResponseCodingNotFinal && strings.Contains(te, "gzip") {
			hdrs = append(hdrs, Field{"Transfer-Encoding", "chunked, gzip"})
			break
		}
		hdrs = append(hdrs, Field{"Transfer-Encoding", "chunked"})
	default:
		// HTTP/1.0 without a length: the body ends when the connection closes (RFC 9112
		// §6.3).
		x.frame = rfClose
		x.closeAfter = true
	}
	if x.req.Close || x.deferred && !dev.LeaveUnreadBody || code/100 == 1 || dev.InputReadsConnection && x.req.ContentLength > 0 {
		// x.deferred: the client is still to send a body nobody read; the connection cannot
		// be reused. A 1xx final status leaves the client waiting for a final response.
		// InputReadsConnection: the application may have read into what follows.
		x.closeAfter = true
	}
	b := x.c.bw
	proto := "HTTP/1.1"
	if dev.EchoAnyHTTPVersion && x.req.Proto != "HTTP/1.0" {
		proto = x.req.Proto // the version as the request spelled it
	}
	if ua, _ := x.req.Get("User-Agent"); dev.DowngradeByUserAgent && strings.Contains(ua, "curl/") {
		proto = "HTTP/1.0" // a well-behaved client taken for a broken one
	}
	b.WriteString(proto + " " + x.statusText() + "\r\n")
	x.c.writeServerHeadersBeside(hdrs)
	for _, f := range hdrs {
		b.WriteString(f.Name + ": " + f.Value + "\r\n")
	}
	switch {
	case x.closeAfter && dev.OmitCloseOption && x.req.Close:
	case x.closeAfter && dev.EmptyListElement:
		b.WriteString("Connection: close,\r\n")
	case x.closeAfter:
		// RFC 9112 §9.6: a server that will close sends the "close" option.
		b.WriteString("Connection: close\r\n")
	case !is11:
		b.WriteString("Connection: keep-alive\r\n")
	}
	b.WriteString("\r\n")
}

// sendBody sends a block of the body, sending the headers first if needed.
func (x *exchange) sendBody(data []byte) {
	if !x.headersSent {
		x.sendHeaders(false)
	}
	if x.writeErr != nil || x.noBody {
		return
	}
	if x.frame == rfLength && !x.dev.ContentLengthOverrun {
		// PEP 3333: "the server should not transmit more bytes to the client than the header
		// allows".
		if room := x.declared - x.sent; int64(len(data)) >= room {
			data = data[:room]
			x.full = true
		}
	}
	x.sent += int64(len(data))
	if len(data) == 0 {
		return
	}
	if x.dev.BufferStreamedBody {
		x.pending = append(x.pending, data...)
		return
	}
	x.emit(data)
	// PEP 3333 "Buffering and Streaming": each block is transmitted before the next is asked
	// for.
	x.flush()
}

func (x *exchange) emit(data []byte) {
	b := x.c.bw
	if x.frame == rfChunked {
		size := strconv.FormatInt(int64(len(data)), 16)
		if x.dev.ChunkSizeBWS {
			size += " "
		}
		b.WriteString(size + "\r\n")
		b.Write(data)
		b.WriteString("\r\n")
		return
	}
	b.Write(data)
}

func (x *exchange) flush() {
	if err := x.c.bw.Flush(); err != nil && x.writeErr == nil {
		x.writeErr = err
		x.closeAfter = true
	}
}

// finish completes a response whose application finished normally.
func (x *exchange) finish() {
	if !x.headersSent {
		x.sendHeaders(true)
	}
	if len(x.pending) > 0 {
		x.emit(x.pending)
		x.pending = nil
	}
	switch {
	case x.noBody:
	case x.frame == rfChunked && x.dev.ServerTrailer:
		x.c.bw.WriteString("0\r\nX-Conform-Reference-Trailer: 1\r\n\r\n")
	case x.frame == rfChunked:
		x.c.bw.WriteString("0\r\n\r\n")
	case x.frame == rfLength && x.sent < x.declared && !x.dev.ContentLengthShortKeepAlive:
		// PEP 3333: if the application "does not provide enough data to meet its stated
		// Content-Length, the server should close the connection".
		x.closeAfter = true
	}
	x.flush()
}
