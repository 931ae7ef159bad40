package reference

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/conform-wsgi/conform/internal/tcpend"
)

// TLS connection closure (RFC 9112 §9.7, §9.8) and the deviations that break it. The
// reference closes a TLS connection with close_notify (tls.Conn.CloseWrite in
// closeGracefully) and takes a client's bare TCP close like any other end of connection.

// eofListener hands out connections that note when a read met the TCP connection's end.
type eofListener struct{ net.Listener }

func (l eofListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return tcpend.New(c), nil
}

// tlsConn is c's TLS connection, nil on plain TCP.
func (c *conn) tlsConn() *tls.Conn {
	tc, _ := c.nc.(*tls.Conn)
	return tc
}

// stalledUntil holds, per server, when IncompleteCloseStall lets connections be served again.
var stalledUntil sync.Map // *Server -> time.Time

// noteIncompleteClose, under IncompleteCloseStall, takes a client's bare close (err ended
// the connection; its TCP connection was read to the end) as a server whose worker dies on
// the unexpected EOF and is respawned: no new connection is served for a while.
func (c *conn) noteIncompleteClose(err error) {
	tc := c.tlsConn()
	if tc == nil || !c.s.opt.Deviations.IncompleteCloseStall || !errors.Is(err, io.EOF) {
		return
	}
	if raw, ok := tc.NetConn().(*tcpend.Conn); ok && raw.ReachedEOF() {
		stalledUntil.Store(c.s, time.Now().Add(incompleteCloseStall))
	}
}

// incompleteCloseStall outlasts the check's one-second bound and stays under the 3 s dial
// timeout of the checks that connect meanwhile.
const incompleteCloseStall = 2 * time.Second

// awaitStall holds a new connection's handshake while IncompleteCloseStall stalls the server.
func (c *conn) awaitStall() {
	if v, ok := stalledUntil.Load(c.s); ok {
		if d := time.Until(v.(time.Time)); d > 0 {
			time.Sleep(d)
		}
	}
}

// bareTLSClose is closeGracefully under BareTLSClose: the TCP connection is dropped with no
// close_notify alert (RFC 9112 §9.8: servers MUST attempt to initiate an exchange of
// closure alerts before closing). It reports whether it closed the connection.
func (c *conn) bareTLSClose() bool {
	tc := c.tlsConn()
	if tc == nil || !c.s.opt.Deviations.BareTLSClose {
		return false
	}
	tc.NetConn().Close()
	return true
}

// tlsNoReuse, under TLSNoReuse, keeps a TLS connection open after a response but reads no
// new request from it, until the client leaves or the idle timeout: a TLS connection not
// reused like a normal one (RFC 9112 §9.7). Requests already received, pipelined, are still
// served. It reports whether it held the connection.
func (c *conn) tlsNoReuse() bool {
	if c.tlsConn() == nil || !c.s.opt.Deviations.TLSNoReuse || c.p.pos < len(c.p.buf) {
		return false
	}
	c.nc.SetReadDeadline(time.Now().Add(c.s.opt.IdleTimeout))
	io.Copy(io.Discard, c.nc)
	return true
}

// afterCloseNotify, under BytesAfterCloseNotify, writes bytes on the TCP connection after
// the close_notify alert closeGracefully just sent: nothing may follow a closure alert.
func (c *conn) afterCloseNotify() {
	if tc := c.tlsConn(); tc != nil && c.s.opt.Deviations.BytesAfterCloseNotify {
		// Apart from the alert, or the client's TLS layer takes both in one read and the
		// bytes never reach the TCP read that watches for them (wire.Script.AwaitFIN).
		time.Sleep(50 * time.Millisecond)
		tc.NetConn().SetWriteDeadline(time.Time{}) // tls.Conn.CloseWrite left it at now
		tc.NetConn().Write([]byte("after the alert"))
	}
}
