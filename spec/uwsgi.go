package spec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/conform-wsgi/conform/internal/uwsgiproto"
	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/wire"
)

// ErrNotOverUwsgi marks a check that has nothing to judge when the target is reached over
// the uwsgi protocol (Target.Uwsgi): what it sends is about how a server reads HTTP, or it
// needs a connection that outlives one request, and a uwsgi packet carries one request the
// front has already parsed. Run reports such a check as a skip with the reason.
var ErrNotOverUwsgi = errors.New("not applicable over the uwsgi protocol")

// httpOnlyAreas are the catalog areas about how a server reads and frames HTTP on a
// connection (message syntax, fields, body framing, persistence): over uwsgi the front
// does all of it and hands the server one parsed request per connection, so none of their
// checks has anything of the server's to judge.
var httpOnlyAreas = map[string]bool{"fields": true, "framing": true, "connection": true}

// uwsgiApplies says why the check is not applicable over uwsgi, or nil when it is.
func uwsgiApplies(c *Check) error {
	if httpOnlyAreas[c.Area] {
		return notOverUwsgi("the %s area is about how a server reads HTTP on a connection, which over uwsgi the front does: the server gets one parsed request per connection", c.Area)
	}
	return nil
}

// notOverUwsgi is ErrNotOverUwsgi with the reason.
func notOverUwsgi(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNotOverUwsgi, fmt.Sprintf(format, args...))
}

// uwsgiRequest is the one HTTP request a script sends, read by the reference parser, with
// where its head and body bytes sit in the script's steps.
type uwsgiRequest struct {
	req reference.Request
	// stepEnd[i] is the offset, in the concatenated step data, after step i.
	stepEnd []int
	// headStart and headEnd bound the request head; body lists the raw ranges holding the
	// decoded body bytes, in order.
	headStart, headEnd int
	body               [][2]int
}

// readUwsgiRequest parses what a script sends as the single HTTP request a front would
// forward over uwsgi, or says why the script cannot be carried that way.
func readUwsgiRequest(s wire.Script) (*uwsgiRequest, error) {
	var raw []byte
	u := &uwsgiRequest{}
	for _, st := range s.Steps {
		raw = append(raw, st.Data...)
		u.stepEnd = append(u.stepEnd, len(raw))
	}
	in := reference.Interpret(raw, reference.Limits{})
	switch {
	case len(in.Requests) == 0 && in.Error != nil:
		return nil, notOverUwsgi("a conforming HTTP parser rejects what the check sends (%d: %s), and over uwsgi the front parses the HTTP, not the server", in.Error.Status, in.Error.Reason)
	case len(in.Requests) == 0:
		return nil, notOverUwsgi("the check sends an incomplete HTTP request, whose handling is the front's over uwsgi")
	case len(in.Requests) > 1 || s.Responses > 1:
		return nil, notOverUwsgi("the check sends several requests on one connection, and a uwsgi connection carries one request")
	case in.Consumed < len(raw) || in.Error != nil:
		return nil, notOverUwsgi("the check sends bytes after its request, which over uwsgi only the front would read")
	}
	u.req = in.Requests[0]
	if u.req.ExpectContinue {
		return nil, notOverUwsgi("the request asks for 100-continue, which the front answers: uwsgi carries no interim response")
	}
	u.headStart = u.req.Start
	if u.req.Chunked {
		u.headEnd = headEnd(raw, u.req.Start)
		u.body = chunkRanges(raw[:u.req.End], u.headEnd)
	} else {
		u.headEnd = u.req.End - len(u.req.Body)
		if len(u.req.Body) > 0 {
			u.body = [][2]int{{u.headEnd, u.req.End}}
		}
	}
	return u, nil
}

// headEnd is the offset after the empty line that ends the head starting at start (bare LF
// line ends included, as the reference accepts them).
func headEnd(raw []byte, start int) int {
	for i := start; i < len(raw); i++ {
		if raw[i] != '\n' {
			continue
		}
		if i+1 < len(raw) && raw[i+1] == '\n' {
			return i + 2
		}
		if i+2 < len(raw) && raw[i+1] == '\r' && raw[i+2] == '\n' {
			return i + 3
		}
	}
	return len(raw)
}

// chunkRanges lists where the chunk data of a chunked body that begins at off sits: the
// reference accepted the body, so its chunk lines end in CRLF.
func chunkRanges(raw []byte, off int) [][2]int {
	var out [][2]int
	for off < len(raw) {
		eol := bytes.Index(raw[off:], []byte("\r\n"))
		if eol < 0 {
			break
		}
		line := string(raw[off : off+eol])
		if i := strings.IndexAny(line, "; \t"); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseInt(line, 16, 64)
		if err != nil || n == 0 {
			break
		}
		start := off + eol + 2
		out = append(out, [2]int{start, start + int(n)})
		off = start + int(n) + 2
	}
	return out
}

// uwsgiScript turns an HTTP script into the uwsgi one a front would send for it, on a
// connection from local to the target: each step carries the share of the packet that
// its share of the request head stands for, and the body bytes that arrived with it, so a
// slow client stays as slow (and in the same places) over uwsgi.
func (t *Target) uwsgiScript(s wire.Script, u *uwsgiRequest, local net.Addr) (wire.Script, error) {
	c := reference.Conn{}
	c.ServerName, c.ServerPort, _ = net.SplitHostPort(t.Addr)
	if t.ServerPort > 0 {
		c.ServerPort = strconv.Itoa(t.ServerPort)
	}
	if a, ok := local.(*net.TCPAddr); ok {
		c.RemoteAddr, c.RemotePort = a.IP.String(), strconv.Itoa(a.Port)
	}
	var vars []uwsgiproto.Var
	for _, f := range reference.CGI(&u.req, c) {
		vars = append(vars, uwsgiproto.Var{Key: f.Name, Value: f.Value})
	}
	packet, err := uwsgiproto.Packet(vars)
	if err != nil {
		return s, notOverUwsgi("the request does not fit a uwsgi packet (%v)", err)
	}
	headLen := u.headEnd - u.headStart
	out := s
	out.Steps = make([]wire.Step, len(s.Steps))
	sentPacket, from := 0, 0
	for i, st := range s.Steps {
		to := u.stepEnd[i]
		// The packet share: the head bytes sent by the end of this step, in proportion.
		headSoFar := min(max(to, u.headStart), u.headEnd) - u.headStart
		upTo := len(packet)
		if headSoFar < headLen {
			upTo = len(packet) * headSoFar / headLen
		}
		data := append([]byte(nil), packet[sentPacket:upTo]...)
		sentPacket = upTo
		for _, r := range u.body {
			if lo, hi := max(r[0], from), min(r[1], to); lo < hi {
				data = append(data, s.Steps[i].Data[lo-from:hi-from]...)
			}
		}
		out.Steps[i] = wire.Step{Data: data, Delay: st.Delay, AwaitResponse: st.AwaitResponse}
		from = to
	}
	return out, nil
}

// doUwsgi runs an HTTP script as the uwsgi request a front would forward for it.
func (t *Target) doUwsgi(ctx context.Context, s wire.Script, u *uwsgiRequest) (*wire.Exchange, error) {
	conn, err := wire.Dial(ctx, t.Addr, s.DialTimeout)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	us, err := t.uwsgiScript(s, u, conn.LocalAddr())
	if err != nil {
		return nil, err
	}
	return wire.DoConn(ctx, conn, t.Addr, us), nil
}
