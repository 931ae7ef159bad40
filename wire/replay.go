package wire

import (
	"context"
	"io"
	"net"
	"os"
	"time"
)

// Replay parses bytes recorded from a server as the answer to script s, through the same
// reader a live exchange uses. closed says whether the server closed the connection after
// sending them; otherwise the exchange ends as if the server went idle, at once: the bytes
// are all there, so nothing is waited for. It is for recorded observations: judging them
// again, reading what a live exchange kept raw, and testing judges.
func Replay(received []byte, s Script, closed bool) *Exchange {
	s = s.withDefaults()
	// Steps carry no meaning in a replay beyond what was sent.
	steps := make([]Step, len(s.Steps))
	for i, st := range s.Steps {
		steps[i] = Step{Data: st.Data}
	}
	s.Steps = steps
	return run(context.Background(), &replayConn{rest: received, closed: closed}, "replay", s)
}

// replayConn is a connection to a recorded server: writes are taken whole, reads return the
// recorded bytes and then the end (EOF when the server closed, a timeout otherwise).
// Waiting on a real pipe for an idle timeout cost a fuzzing session 50ms for every case
// answered on a connection kept open.
type replayConn struct {
	rest   []byte
	closed bool
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.rest) == 0 {
		if c.closed {
			return 0, io.EOF
		}
		return 0, os.ErrDeadlineExceeded
	}
	n := copy(p, c.rest)
	c.rest = c.rest[n:]
	return n, nil
}

func (c *replayConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *replayConn) Close() error                     { return nil }
func (c *replayConn) LocalAddr() net.Addr              { return replayAddr{} }
func (c *replayConn) RemoteAddr() net.Addr             { return replayAddr{} }
func (c *replayConn) SetDeadline(time.Time) error      { return nil }
func (c *replayConn) SetReadDeadline(time.Time) error  { return nil }
func (c *replayConn) SetWriteDeadline(time.Time) error { return nil }

type replayAddr struct{}

func (replayAddr) Network() string { return "replay" }
func (replayAddr) String() string  { return "replay" }
