package reference

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// The reference's behaviour for the open sentences judged on the wire
// (spec/rfc_open_wire.go), and the deviations that break them: a request-line split at SP
// alone, the status of an over-long request-line, Host beside an absolute-form target, a
// header section that stalls, the framing of a 2xx answer to CONNECT, a one-block body to
// an HTTP/1.0 client, and how an idle connection ends. The hooks in parse.go, environ.go,
// gateway.go and server.go call these.

// naiveRequestLine is Deviations.RequestLineNaiveSplit: method, target and version are what
// lies before the first SP, between the first and the last, and after the last, unchecked.
func (p *parser) naiveRequestLine(line []byte) *ParseError {
	method, target, version := line, []byte("/"), []byte("HTTP/1.0")
	if i, j := bytes.IndexByte(line, ' '), bytes.LastIndexByte(line, ' '); i >= 0 && j > i {
		method, target, version = line[:i], line[i+1:j], line[j+1:]
	}
	minor := 1
	if bytes.HasPrefix(version, []byte("HTTP/1.0")) {
		minor = 0
	}
	p.req.Method, p.req.Target, p.req.Proto = string(method), string(target), string(version)
	p.req.Major, p.req.Minor = 1, minor
	return nil
}

// tooLongStatus is the status of a request-line over the limit: 414 (RFC 9112 §3), or 400
// under Deviations.LongTarget400.
func (p *parser) tooLongStatus() int {
	if p.dev.LongTarget400 {
		return 400
	}
	return 414
}

// headPause is how long a stalled header section lasts under Deviations.HeadEndsOnPause.
const headPause = 500 * time.Millisecond

// pauseEndsHead shortens the read deadline inside a header section under
// Deviations.HeadEndsOnPause.
func (c *conn) pauseEndsHead(now time.Time) {
	if c.s.opt.Deviations.HeadEndsOnPause && c.p.st == psHeaders {
		c.nc.SetReadDeadline(now.Add(headPause))
	}
}

// headEndedByPause takes a stall after a complete field line as the empty line ending the
// header section (Deviations.HeadEndsOnPause).
func (c *conn) headEndedByPause(err error) bool {
	p := c.p
	if !c.s.opt.Deviations.HeadEndsOnPause || p.st != psHeaders || !isTimeout(err) || !bytes.HasSuffix(p.buf, []byte("\r\n")) {
		return false
	}
	p.buf = append(p.buf, "\r\n"...)
	return true
}

// idleTimeout is how long an idle keep-alive connection waits for its next request.
func (c *conn) idleTimeout() time.Duration {
	if c.s.opt.Deviations.IdleTimeoutReset {
		return 1500 * time.Millisecond
	}
	return c.s.opt.IdleTimeout
}

// ignoredCloseFor is how long IgnoreClientClose leaves a connection its client closed:
// well past the 2 s rfc9112/9.5/closure-monitored gives.
const ignoredCloseFor = 5 * time.Second

// idleEnd handles the end of an idle connection under the deviations that mishandle it: a
// time-out answered with a reset, a client's FIN ignored until the idle time-out. It
// reports whether the connection is already gone.
func (c *conn) idleEnd(err error) bool {
	if c.p.midRequest() {
		return false
	}
	dev := &c.s.opt.Deviations
	switch {
	case dev.IdleTimeoutReset && isTimeout(err):
		if tc, ok := c.nc.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.nc.Close()
		return true
	case dev.IgnoreClientClose && errors.Is(err, io.EOF):
		c.s.sleep(ignoredCloseFor)
	}
	return false
}

// tunnel says the response is a 2xx answer to CONNECT: after its header section the
// connection is a tunnel (RFC 9110 §9.3.6), so it carries neither Content-Length nor
// Transfer-Encoding (RFC 9110 §8.6, RFC 9112 §6.1); the reference, which tunnels nowhere,
// sends the application's body and closes.
func (x *exchange) tunnel() bool {
	return x.req.Method == "CONNECT" && x.code/100 == 2 && !x.dev.ConnectContentLength
}

// tunnelClose frames a tunnel response by closing the connection (unless
// Deviations.ConnectChunked frames it as any HTTP/1.1 body).
func (x *exchange) tunnelClose() bool {
	if !x.tunnel() || x.dev.ConnectChunked {
		return false
	}
	x.frame, x.closeAfter = rfClose, true
	return true
}

// countSingleBlock sets Content-Length for a one-element body to an HTTP/1.0 request, whose
// only other delimiter is the close (RFC 9110 §8.6: Content-Length SHOULD be sent when the
// size is known; PEP 3333 "Handling the Content-Length Header": a len() of 1 gives it).
func (x *exchange) countSingleBlock(it *appIter, data []byte) {
	if x.headersSent || it.n != 1 || x.dev.SingleBlockUncounted || x.req.Major == 1 && x.req.Minor >= 1 {
		return
	}
	if c := x.code; c/100 == 1 || c == 204 || c == 304 || x.tunnel() {
		return
	}
	for _, f := range x.headers.f {
		if strings.EqualFold(f.Name, "Content-Length") {
			return
		}
	}
	x.headers.add("Content-Length", strconv.Itoa(len(data)))
}
