// Package tcpend tells whether the TCP connection under a TLS one was read to its end.
// crypto/tls reports io.EOF both at the peer's close_notify and at a bare TCP close on a
// record boundary; only the bare close is read down to the TCP stream's end, so that is how
// the two are told apart (RFC 9112 §9.8), by conform's client and by the reference alike.
package tcpend

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
)

// Conn is a TCP connection that notes whether a read met its end.
type Conn struct {
	net.Conn
	eof atomic.Bool
}

// New wraps c.
func New(c net.Conn) *Conn { return &Conn{Conn: c} }

func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if errors.Is(err, io.EOF) {
		c.eof.Store(true)
	}
	return n, err
}

// ReachedEOF says a read met the end of the TCP stream.
func (c *Conn) ReachedEOF() bool { return c.eof.Load() }

// CloseWrite passes a half-close through to the TCP connection.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
