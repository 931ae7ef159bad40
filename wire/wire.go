// Package wire sends exact bytes to an HTTP/1.x server and reads back what it answers.
//
// Nothing here normalises a request: the bytes of a Script are written as they are, in the
// steps and at the times the script gives. Responses are read with a lenient but bounded
// parser that records what arrived and when, so a check can judge framing, timing and
// connection handling. Every read and write has a deadline and every buffer a cap: a broken
// or hostile target can neither hang nor exhaust the caller.
package wire

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/conform-wsgi/conform/internal/tcpend"
)

// Defaults bound an exchange when its script leaves a limit at zero.
const (
	DefaultIdleTimeout = 3 * time.Second
	DefaultDeadline    = 15 * time.Second
	DefaultMaxBytes    = 8 << 20
	DefaultDialTimeout = 3 * time.Second
)

// Step is one write on the connection.
type Step struct {
	Data []byte
	// Delay is a pause before the write, to fragment a request or to stall as a slow client.
	Delay time.Duration
	// AwaitResponse, when set, holds the write until a response head (interim or final) has
	// arrived, or this long has passed: the client side of Expect: 100-continue.
	AwaitResponse time.Duration
}

// Script says what to send on one connection and how long to listen.
type Script struct {
	Steps []Step
	// HalfClose shuts down the write side after the last step, so a server reading a body
	// until EOF sees one.
	HalfClose bool
	// TLS runs the exchange over TLS (DialTLS): the same bytes, inside TLS records. (Beside
	// HalfClose, it takes no room in the struct.)
	TLS bool
	// BareClose, over TLS, ends the exchange with a TCP close and no close_notify alert: the
	// incomplete close RFC 9112 §9.8 says a server should be prepared to receive.
	BareClose bool
	// AwaitFIN, over TLS, keeps reading the TCP connection this long after the server's
	// close_notify, without sending the client's own, to see whether the server closes at
	// once (Exchange.AfterNotify, AfterNotifyAt).
	AwaitFIN time.Duration
	// Responses is how many final responses to wait for; 0 reads until the server closes
	// the connection or goes idle.
	Responses int
	// Head marks which final responses answer a HEAD request (indexed by response order),
	// because only the request tells a reader that such a response has no body.
	Head []bool
	// Linger keeps reading this long after the expected responses arrived, to see whether
	// the server closes the connection or sends bytes it should not.
	Linger time.Duration
	// LingerDone, when set, is asked after each read while lingering, with the bytes that
	// followed the expected responses; true ends the linger there: the caller knows nothing
	// more can come (the fuzzer: the answer to the request that ends its bytes is complete).
	LingerDone func(extra []byte) bool
	// Answered, when set, is called once the expected responses have all arrived, before
	// the linger: the server is done with the requests.
	Answered    func()
	IdleTimeout time.Duration
	Deadline    time.Duration
	MaxBytes    int
	DialTimeout time.Duration
}

// Request is the common script: the whole request in one write, one response expected.
func Request(raw []byte) Script {
	return Script{Steps: []Step{{Data: raw}}, Responses: 1}
}

// End says how an exchange ended.
type End string

const (
	// EndOpen: the expected responses arrived and the connection was still open.
	EndOpen End = "open"
	// EndClosed: the server closed the connection (FIN).
	EndClosed End = "closed"
	// EndReset: the server reset the connection.
	EndReset End = "reset"
	// EndIdle: nothing arrived for the idle timeout while more was expected.
	EndIdle End = "idle-timeout"
	// EndDeadline: the whole exchange ran out of time.
	EndDeadline End = "deadline"
	// EndCapped: the server sent more than the byte cap.
	EndCapped End = "capped"
	// EndGarbage: the bytes could not be read as an HTTP/1.x response.
	EndGarbage End = "garbage"
	// EndError: another socket error; see Exchange.ReadErr.
	EndError End = "error"
)

// Exchange is everything observed on one connection.
type Exchange struct {
	Addr      string
	Sent      []byte
	Raw       []byte
	Reads     []Read
	Responses []*Response
	End       End
	// EndAt is when the exchange ended, from the moment the connection was established.
	EndAt time.Duration
	// WriteErr is set when a write failed: often the server rejected the request and closed
	// before the client finished sending, which a check may accept.
	WriteErr string
	ReadErr  string
	// Garbage explains why the bytes at offset GarbageAt are not a response.
	Garbage   string
	GarbageAt int
	// Unsent counts steps not written because the connection failed first.
	Unsent int
	// TLSVersion is the TLS version negotiated (tls.VersionTLS13...), 0 on plain TCP: two
	// bytes that fit the struct's padding, as the fuzzer allocates an Exchange per case.
	TLSVersion uint16
	// CloseNotify, over TLS, says the server's close was announced by a close_notify alert
	// (RFC 9112 §9.8); false for a bare TCP close, or when the server did not close.
	// crypto/tls reports io.EOF for both at a record boundary: the raw socket's own EOF, read
	// only when no alert ended the stream first, tells them apart.
	CloseNotify bool
	// AfterNotify is what followed the server's close_notify on the TCP connection when
	// Script.AwaitFIN asked, AfterNotifyAt after the exchange began.
	AfterNotify   AfterNotify
	AfterNotifyAt time.Duration
}

// AfterNotify says what a server did after its close_notify alert while the client sent
// none of its own (RFC 9112 §9.8: servers MAY close without waiting for it).
type AfterNotify uint8

const (
	AfterNotifyUnseen AfterNotify = iota // not asked (Script.AwaitFIN), or no close_notify
	AfterNotifyFIN                       // the server closed the TCP connection
	AfterNotifyReset                     // the server reset it
	AfterNotifyOpen                      // still open when AwaitFIN ran out
	AfterNotifyBytes                     // more bytes came after the alert (those not read with it)
)

// TLS names the TLS version the exchange ran over ("TLS 1.3"), or "" for plain TCP.
func (e *Exchange) TLS() string {
	if e.TLSVersion == 0 {
		return ""
	}
	return tls.VersionName(e.TLSVersion)
}

// Read is one chunk of bytes as it arrived from the socket.
type Read struct {
	Off int
	N   int
	At  time.Duration
}

// Framing is how a response body was delimited.
type Framing string

const (
	FramingNone          Framing = "none"
	FramingContentLength Framing = "content-length"
	FramingChunked       Framing = "chunked"
	FramingClose         Framing = "close-delimited"
)

// Field is one header field line as received.
type Field struct {
	Name  string
	Value string
}

// Response is one HTTP/1.x response read off the connection.
type Response struct {
	Proto   string
	Status  int
	Reason  string
	Header  []Field
	Trailer []Field
	Body    []byte
	Framing Framing
	// Interim holds the 1xx responses that preceded this one.
	Interim []*Response
	// Start and End are offsets into Exchange.Raw; HeadAt and EndAt are arrival times.
	Start, End int
	HeadAt     time.Duration
	EndAt      time.Duration
	// Incomplete says the body was cut short (connection ended before the framing said).
	Incomplete string
	segments   []segment
	exch       *Exchange
}

// segment maps a run of decoded body bytes to where they sat in Exchange.Raw.
type segment struct{ body, raw, n int }

// Get returns the first value of the named header (case-insensitive) and whether it exists.
func (r *Response) Get(name string) (string, bool) {
	for _, f := range r.Header {
		if equalFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// Values returns every value of the named header, in order.
func (r *Response) Values(name string) []string {
	var out []string
	for _, f := range r.Header {
		if equalFold(f.Name, name) {
			out = append(out, f.Value)
		}
	}
	return out
}

// BodyArrival is when the body byte at offset off reached the client.
func (r *Response) BodyArrival(off int) (time.Duration, bool) {
	for _, s := range r.segments {
		if off >= s.body && off < s.body+s.n {
			return r.exch.arrival(s.raw + off - s.body), true
		}
	}
	return 0, false
}

// RawBytes is the response exactly as received.
func (r *Response) RawBytes() []byte {
	if r.exch == nil {
		return nil
	}
	return r.exch.Raw[r.Start:r.End]
}

func (e *Exchange) arrival(rawOff int) time.Duration {
	for _, rd := range e.Reads {
		if rawOff >= rd.Off && rawOff < rd.Off+rd.N {
			return rd.At
		}
	}
	return e.EndAt
}

// Closed reports whether the server ended the connection (closed or reset) by itself.
func (e *Exchange) Closed() bool { return e.End == EndClosed || e.End == EndReset }

// ErrUnreachable marks a target that refuses or does not answer connections.
var ErrUnreachable = errors.New("target unreachable")

// Dial connects to addr, classifying failure as ErrUnreachable.
func Dial(ctx context.Context, addr string, timeout time.Duration) (net.Conn, error) {
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	// No TCP keep-alive: an exchange is bounded by its own deadline, and turning keep-alive
	// on costs setsockopt calls on every connection (strace: 66 setsockopt calls for ten
	// dials and their accepts without, 157 with), and the fuzzer makes one for every case.
	d := net.Dialer{Timeout: timeout, KeepAlive: -1}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: connect to %s: %v", ErrUnreachable, addr, err)
	}
	return c, nil
}

// ErrHandshake marks a target that accepts connections but completes no TLS handshake:
// often a plain-HTTP server dialled as a TLS one.
var ErrHandshake = errors.New("TLS handshake failed")

// DialTLS connects to addr and completes a TLS handshake, the connect and the handshake
// together bounded by timeout. The server's certificate is not verified: servers under
// test present self-signed ones, and the exchange is about HTTP, not about trust.
func DialTLS(ctx context.Context, addr string, timeout time.Duration) (*tls.Conn, error) {
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	start := time.Now()
	raw, err := Dial(ctx, addr, timeout)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}
	if host, _, err := net.SplitHostPort(addr); err == nil && net.ParseIP(host) == nil {
		cfg.ServerName = host // SNI, for a server that picks its certificate by name
	}
	c := tls.Client(tcpend.New(raw), cfg)
	hctx, cancel := context.WithDeadline(ctx, start.Add(timeout))
	defer cancel()
	if err := c.HandshakeContext(hctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("%w with %s: %v", ErrHandshake, addr, err)
	}
	return c, nil
}

// Do runs a script against addr. An error means no connection could be made; everything
// that happens after connecting is an observation, recorded in the Exchange.
func Do(ctx context.Context, addr string, s Script) (*Exchange, error) {
	s = s.withDefaults()
	if s.TLS {
		return doTLS(ctx, addr, s)
	}
	conn, err := Dial(ctx, addr, s.DialTimeout)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return run(ctx, conn, addr, s), nil
}

// doTLS is Do over TLS; apart from Do, so the plain path stays what it was.
func doTLS(ctx context.Context, addr string, s Script) (*Exchange, error) {
	conn, err := DialTLS(ctx, addr, s.DialTimeout)
	if err != nil {
		return nil, err
	}
	if s.BareClose {
		defer conn.NetConn().Close()
	} else {
		defer conn.Close()
	}
	x := run(ctx, conn, addr, s)
	x.TLSVersion = conn.ConnectionState().Version
	if rc, ok := conn.NetConn().(*tcpend.Conn); ok {
		x.CloseNotify = x.End == EndClosed && !rc.ReachedEOF()
		if x.CloseNotify && s.AwaitFIN > 0 {
			awaitFIN(ctx, rc, s.AwaitFIN, x)
		}
	}
	return x, nil
}

// awaitFIN reads the TCP connection under a TLS one whose server sent close_notify, for up
// to d, to see what the server does next without the client's alert.
func awaitFIN(ctx context.Context, rc *tcpend.Conn, d time.Duration, x *Exchange) {
	start := time.Now().Add(-x.EndAt)
	dl := time.Now().Add(d)
	if c, ok := ctx.Deadline(); ok && c.Before(dl) {
		dl = c
	}
	_ = rc.SetReadDeadline(dl)
	var b [256]byte
	n, err := rc.Read(b[:])
	x.AfterNotifyAt = time.Since(start)
	switch {
	case n > 0:
		x.AfterNotify = AfterNotifyBytes
	case errors.Is(err, io.EOF):
		x.AfterNotify = AfterNotifyFIN
	case isReset(err):
		x.AfterNotify = AfterNotifyReset
	default:
		x.AfterNotify = AfterNotifyOpen
	}
	_ = rc.SetReadDeadline(time.Time{})
}

func (s Script) withDefaults() Script {
	if s.IdleTimeout <= 0 {
		s.IdleTimeout = DefaultIdleTimeout
	}
	if s.Deadline <= 0 {
		s.Deadline = DefaultDeadline
	}
	if s.MaxBytes <= 0 {
		s.MaxBytes = DefaultMaxBytes
	}
	return s
}

// run drives one connection: a writer goroutine plays the steps while this goroutine reads
// and parses, so a server that answers early or never reads is observed, not deadlocked.
func run(ctx context.Context, conn net.Conn, addr string, s Script) *Exchange {
	start := time.Now()
	hard := start.Add(s.Deadline)
	if d, ok := ctx.Deadline(); ok && d.Before(hard) {
		hard = d
	}
	x := &Exchange{Addr: addr}
	w := &writer{conn: conn, script: s, start: start, hard: hard, headSeen: make(chan struct{})}
	w.lastWrite.Store(int64(0))

	writeDone := make(chan struct{})
	if s.inline() {
		w.run(ctx)
		close(writeDone)
	} else {
		go func() {
			defer close(writeDone)
			w.run(ctx)
		}()
	}
	// A cancelled context must end the exchange promptly, reads included.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	r := &reader{conn: conn, x: x, s: s, start: start, hard: hard, w: w}
	r.loop(ctx)
	_ = conn.SetDeadline(time.Unix(1, 0)) // release a writer still blocked
	<-writeDone
	x.Sent = w.sent
	x.WriteErr = w.err
	x.Unsent = w.unsent
	return x
}

// inlineLimit is the largest single write made before reading, without a writer goroutine:
// far below a loopback socket's send buffer, so it cannot block on a server that does not
// read, and the one goroutine and its wake-ups per exchange are saved.
const inlineLimit = 8 << 10

// inline says the script is one small write with no pause or wait before it.
func (s Script) inline() bool {
	return len(s.Steps) == 1 && s.Steps[0].Delay == 0 && s.Steps[0].AwaitResponse == 0 && len(s.Steps[0].Data) <= inlineLimit
}

type writer struct {
	conn      net.Conn
	script    Script
	start     time.Time
	hard      time.Time
	lastWrite atomic.Int64 // nanoseconds since start of the last completed write
	headOnce  sync.Once
	headSeen  chan struct{}
	sent      []byte
	err       string
	unsent    int
}

func (w *writer) signalHead() { w.headOnce.Do(func() { close(w.headSeen) }) }

func (w *writer) run(ctx context.Context) {
	for i, st := range w.script.Steps {
		if st.Delay > 0 && !sleepCtx(ctx, st.Delay, w.hard) {
			w.unsent = len(w.script.Steps) - i
			return
		}
		if st.AwaitResponse > 0 {
			t := time.NewTimer(st.AwaitResponse)
			select {
			case <-w.headSeen:
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
		_ = w.conn.SetWriteDeadline(w.hard)
		n, err := w.conn.Write(st.Data)
		w.sent = append(w.sent, st.Data[:n]...)
		w.lastWrite.Store(int64(time.Since(w.start)))
		if err != nil {
			w.err = describeNetErr(err)
			w.unsent = len(w.script.Steps) - i - 1
			return
		}
	}
	if w.script.HalfClose {
		if tc, ok := w.conn.(interface{ CloseWrite() error }); ok {
			_ = tc.CloseWrite()
		}
		// tls.Conn.CloseWrite sends close_notify only; the FIN follows, as on plain TCP.
		if tc, ok := w.conn.(*tls.Conn); ok {
			if raw, ok := tc.NetConn().(interface{ CloseWrite() error }); ok {
				_ = raw.CloseWrite()
			}
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration, hard time.Time) bool {
	if time.Now().Add(d).After(hard) {
		d = time.Until(hard)
	}
	if d > 0 && d < time.Millisecond {
		// The runtime's timers wake an idle process through epoll, whose timeout is in
		// milliseconds: a 200µs pause would last over 1ms. A fragment's pause is what it
		// says, so sleep the thread itself; too short to be worth cancelling.
		preciseSleep(d)
		return ctx.Err() == nil && time.Now().Before(hard)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return time.Now().Before(hard)
	case <-ctx.Done():
		return false
	}
}

type reader struct {
	conn     net.Conn
	x        *Exchange
	s        Script
	start    time.Time
	hard     time.Time
	w        *writer
	lastRead time.Duration
	eof      bool
}

// readChunk is the most one read takes. Reads go straight into the spare capacity of
// Exchange.Raw, so an exchange allocates what it receives, not a fixed buffer: the fuzzer
// runs thousands of short exchanges a second and a per-exchange buffer was most of its
// garbage.
const readChunk = 32 << 10

// fill reads more bytes. It returns false, with x.End set, when no more will come.
func (r *reader) fill(ctx context.Context) bool {
	for {
		if len(r.x.Raw) >= r.s.MaxBytes {
			r.finish(EndCapped, "")
			return false
		}
		idleFrom := r.lastRead
		if lw := time.Duration(r.w.lastWrite.Load()); lw > idleFrom {
			idleFrom = lw
		}
		dl := r.start.Add(idleFrom + r.s.IdleTimeout)
		if dl.After(r.hard) {
			dl = r.hard
		}
		_ = r.conn.SetReadDeadline(dl)
		room := min(r.s.MaxBytes-len(r.x.Raw), readChunk)
		if cap(r.x.Raw)-len(r.x.Raw) < min(room, 1<<10) {
			r.x.Raw = slices.Grow(r.x.Raw, max(4<<10, len(r.x.Raw)))
		}
		room = min(room, cap(r.x.Raw)-len(r.x.Raw))
		off := len(r.x.Raw)
		n, err := r.conn.Read(r.x.Raw[off : off+room])
		now := time.Since(r.start)
		if n > 0 {
			r.x.Reads = append(r.x.Reads, Read{Off: off, N: n, At: now})
			r.x.Raw = r.x.Raw[:off+n]
			r.lastRead = now
			return true
		}
		if err == nil {
			continue
		}
		switch {
		case errors.Is(err, io.EOF):
			r.eof = true
			r.finish(EndClosed, "")
		case isTimeout(err):
			if ctx.Err() != nil {
				r.finish(EndDeadline, ctx.Err().Error())
				return false
			}
			if !time.Now().Before(r.hard) {
				r.finish(EndDeadline, "")
				return false
			}
			// The writer may have written since the deadline was set (a slow-client step):
			// idleness counts from the later of the last read and the last write.
			lw := time.Duration(r.w.lastWrite.Load())
			if lw > idleFrom {
				continue
			}
			r.finish(EndIdle, "")
		case isReset(err):
			r.finish(EndReset, describeNetErr(err))
		default:
			r.finish(EndError, describeNetErr(err))
		}
		return false
	}
}

func (r *reader) finish(e End, msg string) {
	if r.x.End == "" {
		r.x.End = e
		r.x.EndAt = time.Since(r.start)
		r.x.ReadErr = msg
	}
}

func (r *reader) loop(ctx context.Context) {
	pos := 0
	var interim []*Response
	for r.s.Responses == 0 || len(r.x.Responses) < r.s.Responses {
		if pos >= len(r.x.Raw) && !r.fill(ctx) {
			return
		}
		resp, next, ok := r.parse(ctx, pos, len(r.x.Responses))
		if !ok {
			if r.x.End == EndGarbage {
				r.drain(ctx)
			}
			return
		}
		pos = next
		r.w.signalHead()
		if resp.Status >= 100 && resp.Status < 200 && resp.Status != 101 {
			interim = append(interim, resp)
			continue
		}
		resp.Interim, interim = interim, nil
		r.x.Responses = append(r.x.Responses, resp)
		if resp.Framing == FramingClose || resp.Incomplete != "" || r.x.End != "" {
			return
		}
	}
	if r.s.Answered != nil {
		r.s.Answered()
	}
	r.linger(ctx, pos)
}

// linger watches the connection after the last expected response: extra bytes are kept in
// Raw (and noted as garbage), and a close within the linger time is recorded.
func (r *reader) linger(ctx context.Context, pos int) {
	if r.s.Linger <= 0 {
		r.finish(EndOpen, "")
		return
	}
	done := func() bool { return r.s.LingerDone != nil && r.s.LingerDone(r.x.Raw[pos:]) }
	if len(r.x.Raw) > pos && done() { // all of it came with the last expected response
		r.finish(EndOpen, "")
		return
	}
	saved := r.s.IdleTimeout
	r.s.IdleTimeout = r.s.Linger
	r.lastRead = time.Since(r.start)
	if r.fill(ctx) {
		r.x.Garbage = "bytes after the last expected response"
		r.x.GarbageAt = pos
		// Drain briefly so a close that follows is seen too.
		for !done() && r.fill(ctx) {
		}
		if r.x.End == "" { // done() ended it
			r.finish(EndOpen, "")
		}
	}
	r.s.IdleTimeout = saved
	if r.x.End == EndIdle {
		r.x.End = EndOpen
	}
}

// drain keeps what a server sends for a moment after its bytes stopped making sense, so the
// evidence holds the whole of a malformed response, not the part that had arrived.
func (r *reader) drain(ctx context.Context) {
	saved := r.s.IdleTimeout
	r.s.IdleTimeout = 200 * time.Millisecond
	r.lastRead = time.Since(r.start)
	for r.fill(ctx) {
	}
	r.s.IdleTimeout = saved
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func describeNetErr(err error) string {
	switch {
	case isReset(err):
		return "connection reset by peer"
	case isTimeout(err):
		return "timed out"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}

// DoConn runs a script on a connection the caller made (and closes): for a client that
// needs the connection's own addresses to build what it sends (the uwsgi protocol's
// REMOTE_ADDR and REMOTE_PORT).
func DoConn(ctx context.Context, conn net.Conn, addr string, s Script) *Exchange {
	return run(ctx, conn, addr, s.withDefaults())
}
