package reference

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Server.
type Options struct {
	Limits Limits
	// ReadTimeout bounds the time to receive one request (header section, and the body);
	// IdleTimeout the wait for the next request on a persistent connection; WriteTimeout each
	// write to the socket (so a slow reader cannot hold a connection forever, while a long
	// streamed response still works). Defaults: 10s, 5.5s, 10s: the idle time-out outlasts
	// every wait of a check (5s at most) and ends within rfc9112/9.5/graceful-timeout's watch.
	ReadTimeout, IdleTimeout, WriteTimeout time.Duration
	// Log receives one line per rejected request, application error and wsgi.errors write.
	// nil discards.
	Log io.Writer
	// Deviations are deliberate bugs; the zero value is a conforming server.
	Deviations Deviations
	// StateDir holds the token files of the close scenarios (PROTOCOL.md). Empty: a
	// temporary directory created on first use and removed by Close.
	StateDir string
	// TLS makes Start serve HTTPS with a self-signed certificate it generates; the environ
	// then says so as mod_ssl does (HTTPS, SSL_PROTOCOL, SSL_CIPHER).
	TLS bool
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("reference: server closed")

// Server is the reference WSGI gateway hosting the probe application natively.
type Server struct {
	opt Options

	logMu sync.Mutex

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	closed    bool
	done      chan struct{}
	wg        sync.WaitGroup

	serial sync.Mutex // Deviations.Serialise

	stateOnce sync.Once
	stateDir  string
	stateErr  error
	ownState  bool

	nextID atomic.Int64
}

// New returns a server; zero Options fields take their defaults.
func New(opt Options) *Server {
	if opt.ReadTimeout <= 0 {
		opt.ReadTimeout = 10 * time.Second
	}
	if opt.IdleTimeout <= 0 {
		opt.IdleTimeout = 5500 * time.Millisecond
	}
	if opt.WriteTimeout <= 0 {
		opt.WriteTimeout = 10 * time.Second
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	opt.Limits = opt.Limits.normalized()
	if opt.Deviations.SilentFieldLimits {
		// The limits are applied silently, to the environ (app_open_sentences.go).
		opt.Limits.MaxHeaderBytes, opt.Limits.MaxHeaders = max(opt.Limits.MaxHeaderBytes, 1<<20), max(opt.Limits.MaxHeaders, 1<<14)
	}
	return &Server{
		opt:       opt,
		listeners: map[net.Listener]struct{}{},
		conns:     map[net.Conn]struct{}{},
		done:      make(chan struct{}),
	}
}

func (s *Server) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.opt.Log, "conform-reference: "+format+"\n", args...)
}

// StateDir returns the directory of the close-scenario token files, creating it if needed.
func (s *Server) StateDir() (string, error) {
	s.stateOnce.Do(func() {
		if s.opt.StateDir != "" {
			s.stateDir = s.opt.StateDir
			s.stateErr = os.MkdirAll(s.stateDir, 0o755)
			return
		}
		s.stateDir, s.stateErr = os.MkdirTemp("", "conform-reference-state-")
		s.ownState = s.stateErr == nil
	})
	return s.stateDir, s.stateErr
}

// ListenAndServe listens on addr and serves.
func (s *Server) ListenAndServe(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve accepts connections on l, each served by its own goroutine (one after the other under
// Deviations.SingleConnection), until Close.
func (s *Server) Serve(l net.Listener) error {
	if _, err := s.StateDir(); err != nil {
		l.Close()
		return fmt.Errorf("reference: state directory: %w", err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()
	lhost, lport := splitHostPort(l.Addr())
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			select {
			case <-s.done:
				return ErrServerClosed
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Transient failures (EMFILE, ECONNABORTED...): back off and retry.
			s.logf("accept: %v", err)
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			if !s.sleep(backoff) {
				return ErrServerClosed
			}
			continue
		}
		backoff = 0
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return ErrServerClosed
		}
		s.conns[nc] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		c := newConn(s, nc, lhost, lport)
		serve := func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, nc)
				s.mu.Unlock()
			}()
			c.serve()
		}
		if s.opt.Deviations.SingleConnection {
			serve() // the next connection waits in the listen backlog
			continue
		}
		go serve()
	}
}

// Close stops listening, closes every connection and waits for their handlers.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	close(s.done)
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	// Settle the state directory through the same Once that creates it: Close may run
	// before Serve ever did, concurrently with a first StateDir call.
	s.stateOnce.Do(func() {})
	if s.ownState {
		os.RemoveAll(s.stateDir)
	}
	return nil
}

// sleep sleeps for d, or until the server closes; it reports whether it slept fully.
func (s *Server) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return false
	}
}

// Running is a server started by Start.
type Running struct {
	Addr   string // host:port to connect to
	Server *Server
	served chan error
}

// Start serves on 127.0.0.1 with a kernel-chosen port.
func Start(opt Options) (*Running, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if opt.TLS {
		if l, err = tlsListener(l); err != nil {
			return nil, err
		}
	}
	s := New(opt)
	if _, err := s.StateDir(); err != nil {
		l.Close()
		return nil, err
	}
	r := &Running{Addr: l.Addr().String(), Server: s, served: make(chan error, 1)}
	go func() { r.served <- s.Serve(l) }()
	return r, nil
}

// Close closes the server.
func (r *Running) Close() error {
	err := r.Server.Close()
	<-r.served
	return err
}

func splitHostPort(a net.Addr) (host, port string) {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String(), ""
	}
	return host, port
}

// ---- one connection ----

type conn struct {
	s        *Server
	nc       net.Conn
	id       int64
	bw       *bufio.Writer
	p        *parser
	info     connInfo
	reqStart time.Time
	held     []heldResponse // Deviations.PipelineOutOfOrder
	last     *exchange      // the latest request's exchange (Deviations.LeaveUnreadBody)
}

// heldResponse is a response written aside while pipelined requests follow it.
type heldResponse struct {
	b    []byte
	slow bool
}

func newConn(s *Server, nc net.Conn, lhost, lport string) *conn {
	c := &conn{s: s, nc: nc, id: s.nextID.Add(1)}
	c.bw = bufio.NewWriterSize(deadlineWriter{nc, s.opt.WriteTimeout}, 16<<10)
	c.p = newParser(s.opt.Limits, &s.opt.Deviations)
	c.p.buf = make([]byte, 0, 8<<10)
	// SERVER_NAME/SERVER_PORT: the listener's address; when it listens on an unspecified
	// address (0.0.0.0, ::) the connection's local address says which one was reached.
	host, port := lhost, lport
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host, port = splitHostPort(nc.LocalAddr())
	}
	rhost, rport := splitHostPort(nc.RemoteAddr())
	c.info = connInfo{serverName: host, serverPort: port, remoteAddr: rhost, remotePort: rport}
	return c
}

// deadlineWriter sets a write deadline before each write.
type deadlineWriter struct {
	nc net.Conn
	d  time.Duration
}

func (w deadlineWriter) Write(b []byte) (int, error) {
	w.nc.SetWriteDeadline(time.Now().Add(w.d))
	return w.nc.Write(b)
}

// fill reads more bytes into the parser's buffer.
func (c *conn) fill() error {
	p := c.p
	if cap(p.buf)-len(p.buf) < 4<<10 {
		// Make room: drop consumed bytes, and grow only if that is not enough. (Compacting
		// only when short of room keeps a slowly received line linear in time.)
		p.compact()
		if cap(p.buf)-len(p.buf) < 4<<10 {
			nb := make([]byte, len(p.buf), 2*cap(p.buf)+8<<10)
			copy(nb, p.buf)
			p.buf = nb
		}
	}
	now := time.Now()
	if !p.midRequest() {
		c.nc.SetReadDeadline(now.Add(c.idleTimeout()))
	} else {
		if c.reqStart.IsZero() {
			c.reqStart = now
		}
		c.nc.SetReadDeadline(c.reqStart.Add(c.s.opt.ReadTimeout))
		c.pauseEndsHead(now)
	}
	for {
		n, err := c.nc.Read(p.buf[len(p.buf):cap(p.buf)])
		p.buf = p.buf[:len(p.buf)+n]
		if n > 0 {
			return nil
		}
		if err != nil {
			if c.headEndedByPause(err) {
				return nil
			}
			return err
		}
	}
}

// next advances the parser, reading from the socket while it needs more bytes.
func (c *conn) next() (step, error) {
	for {
		st := c.p.advance()
		if st != stepMore {
			return st, nil
		}
		if err := c.fill(); err != nil {
			return stepMore, err
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readFailure turns a failure to receive a request into the answer owed to the client: 408
// for a request cut by the read timeout, nothing (just close) for a connection closed or
// broken mid-request.
func (c *conn) readFailure(err error) *ParseError {
	if isTimeout(err) && c.p.midRequest() {
		return &ParseError{Status: 408, Reason: "request not received in time", Offset: c.p.base + len(c.p.buf), Rule: "rfc9110/15.5.9 request timeout"}
	}
	return nil
}

func (c *conn) serve() {
	defer c.closeGracefully()
	if !c.handshake() {
		return
	}
	for {
		c.reqStart = time.Time{}
		st, err := c.next()
		if err != nil {
			c.noteIncompleteClose(err)
			if c.idleEnd(err) {
				return
			}
			if e := c.readFailure(err); e != nil {
				c.writeError(e)
			}
			return
		}
		if st == stepError {
			c.writeError(c.p.err)
			if c.serveAfterOwnClose() {
				continue
			}
			return
		}
		// stepHead: the header section is complete.
		req := &c.p.req
		bodyAt := c.p.base + c.p.pos
		deferred := req.ExpectContinue && c.p.bodyPending()
		if !deferred {
			// The whole request is received before the application runs, except when the
			// client waits for 100 Continue (then the application's first read fetches it).
			if st, err = c.next(); err != nil {
				if c.shortBodyComplete(err) || c.chunkedEOFComplete(err) || c.spinAfterClientClose(err) {
					return
				}
				if e := c.readFailure(err); e != nil {
					c.writeError(e)
				}
				return
			}
			if st == stepError {
				c.writeError(c.p.err)
				return
			}
		}
		if !c.handle(deferred) || c.tlsNoReuse() {
			return
		}
		if c.leaveUnreadBody(bodyAt) {
			continue
		}
		if c.p.st != psDone {
			return // body never read: the rest of the connection cannot be framed
		}
		c.p.reset()
	}
}

// handle runs the application for the current request and writes its response. It reports
// whether the connection stays open.
func (c *conn) handle(deferred bool) bool {
	if c.s.opt.Deviations.PipelineOutOfOrder && !deferred {
		return c.handleOutOfOrder()
	}
	c.releaseHeld()
	return c.respond(deferred)
}

// slowResponse is how long an application runs before PipelineOutOfOrder sends its response
// after those of quicker pipelined requests.
const slowResponse = 190 * time.Millisecond

// handleOutOfOrder is handle for a server that runs pipelined requests side by side and
// sends each response when it is ready: while more requests are buffered behind this one,
// its response is written aside; when none is, the held responses are sent, quick ones
// first.
func (c *conn) handleOutOfOrder() bool {
	pipelined := c.p.pos < len(c.p.buf)
	if !pipelined && len(c.held) == 0 {
		return c.respond(false)
	}
	var buf bytes.Buffer
	w, start := c.bw, time.Now()
	c.bw = bufio.NewWriter(&buf)
	keep := c.respond(false)
	c.bw = w
	c.held = append(c.held, heldResponse{b: buf.Bytes(), slow: time.Since(start) > slowResponse})
	if pipelined && keep {
		return true
	}
	c.releaseHeld()
	return c.bw.Flush() == nil && keep
}

// releaseHeld writes the responses handleOutOfOrder held, quick ones first; it is called
// before anything else is written or the connection closes.
func (c *conn) releaseHeld() {
	sort.SliceStable(c.held, func(i, j int) bool { return !c.held[i].slow && c.held[j].slow })
	for _, h := range c.held {
		c.bw.Write(h.b)
	}
	c.held = nil
}

// respond runs the application for the current request and writes its response.
func (c *conn) respond(deferred bool) bool {
	dev := &c.s.opt.Deviations
	thread := c.id
	if dev.Serialise {
		c.s.serial.Lock()
		defer c.s.serial.Unlock()
		thread = 0 // one serving thread runs every request
	}
	x := newExchange(c, deferred)
	x.thread = thread
	c.last = x
	x.run(probeApp)
	if err := c.bw.Flush(); err != nil {
		return false
	}
	// SilentClose: close although the response did not say "Connection: close".
	return !x.closeAfter && x.writeErr == nil && !dev.SilentClose
}

// fetchBody is wsgi.input's source: for a deferred body (Expect: 100-continue) it sends 100
// Continue, unless the response has begun, then reads the body from the socket.
func (c *conn) fetchBody(x *exchange) ([]byte, error) {
	if x.deferred {
		x.deferred = false
		if !c.s.opt.Deviations.NoExpectContinue && !x.headersSent {
			// RFC 9110 §10.1.1: an origin server MUST send either an immediate final response
			// or 100 (Continue) "and then proceed to receive and process the request content".
			c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
			if err := c.bw.Flush(); err != nil {
				return nil, errAbort
			}
		}
		c.reqStart = time.Now()
		st, err := c.next()
		if err != nil {
			if e := c.readFailure(err); e != nil {
				return nil, e
			}
			return nil, errAbort
		}
		if st == stepError {
			return nil, c.p.err
		}
	}
	if c.s.opt.Deviations.InputReadsConnection && c.p.req.ContentLength > 0 {
		// What the client has sent after the body so far; a socket file would then block.
		return append(slices.Clip(c.p.req.Body), c.p.buf[c.p.pos:]...), nil
	}
	return c.p.req.Body, nil
}

// errAbort: the connection broke; nothing more can be sent.
var errAbort = errors.New("connection broken")

// writeError answers a request the server rejects: the status, "Connection: close" and a
// short text/plain body.
func (c *conn) writeError(e *ParseError) {
	c.releaseHeld()
	c.s.logf("conn %d: %d %s at byte %d (%s)", c.id, e.Status, e.Reason, e.Offset, e.Rule)
	body := fmt.Sprintf("%d %s: %s (%s)\n", e.Status, http.StatusText(e.Status), e.Reason, e.Rule)
	c.writeSimple(e.Status, body, true)
	c.bw.Flush()
}

// writeSimple writes a complete text/plain response.
func (c *conn) writeSimple(code int, body string, close bool) {
	b := c.bw
	fmt.Fprintf(b, "HTTP/1.1 %d %s\r\n", code, statusText(code))
	c.writeServerHeaders()
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	if close {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(body)
}

const serverName = "conform-reference"

// writeServerHeaders writes the headers the server adds to every response: Date (RFC 9110
// §6.6.1: an origin server with a clock MUST send Date) and Server.
func (c *conn) writeServerHeaders() { c.writeServerHeadersBeside(nil) }

// writeServerHeadersBeside writes the server's Date and Server unless the application's
// headers already hold one (RFC 9110 §5.3: no second line of a field that is not a list).
func (c *conn) writeServerHeadersBeside(app []Field) {
	appSets := func(name string) bool {
		if c.s.opt.Deviations.DuplicateOwnFields {
			return false
		}
		_, ok := fieldGet(app, name)
		return ok
	}
	if !c.s.opt.Deviations.NoDate && !appSets("Date") {
		format := http.TimeFormat
		if c.s.opt.Deviations.DateExtraSpace {
			format = "Mon,  02 Jan 2006 15:04:05 GMT"
		}
		c.bw.WriteString("Date: " + time.Now().UTC().Format(format) + "\r\n")
	}
	switch {
	case appSets("Server"):
	case c.s.opt.Deviations.ServerFieldNoSpace:
		c.bw.WriteString("Server:" + serverName + "\r\n")
	case c.s.opt.Deviations.ServerRWSPadded:
		c.bw.WriteString("Server: " + serverName + "  (Go)\r\n")
	default:
		c.bw.WriteString("Server: " + serverName + "\r\n")
	}
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Unknown"
}

// closeGracefully closes the connection so that a response already written is not destroyed
// by a TCP reset: it shuts down the write side, then discards what the client still sends for
// a short while.
func (c *conn) closeGracefully() {
	c.releaseHeld()
	c.bw.Flush()
	if c.bareTLSClose() {
		return
	}
	if tc, ok := c.nc.(interface{ CloseWrite() error }); ok {
		if tc.CloseWrite() == nil {
			c.afterCloseNotify()
			c.nc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			io.CopyN(io.Discard, c.nc, 1<<20)
		}
	}
	c.nc.Close()
}
