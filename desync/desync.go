// Package desync judges what passed between a front and the server behind it on one
// upstream connection (a relay's record): whether the server read the forwarded bytes as
// the requests the front meant. The front's meaning is what a conforming server makes of
// those bytes (the reference's reading of them); the server's is how many responses it
// returned. A server that answers more requests than the front sent has read one out of
// another's body (a smuggled request); one that answers fewer has swallowed one.
package desync

import (
	"fmt"

	"github.com/conform-wsgi/conform/internal/relay"
	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/wire"
)

// Verdict is the judgement of one upstream connection.
type Verdict struct {
	Conn int // the relay's connection ID
	// Meant is how many responses a conforming server owes for the forwarded bytes: one per
	// complete request, and one more when the bytes after them must be rejected. Served
	// is how many final responses the server returned.
	Meant, Served int
	// Desync: Served differs from Meant on a connection judged whole.
	Desync bool
	// Why says, in words, what the front sent and what the server did.
	Why string
	// Judged is false when the record cannot be judged (truncated, or still mid-request).
	Judged bool
}

// Judge reads one closed upstream connection. An open connection may still be owed
// responses, so it is judged only once closed.
func Judge(c relay.Conn) Verdict {
	v := Verdict{Conn: c.ID}
	if !c.Closed || c.Truncated {
		v.Why = "not judged: the connection is still open or was recorded only in part"
		return v
	}
	in := reference.Interpret(c.Forwarded, reference.DefaultLimits())
	heads := make([]bool, 0, len(in.Requests)+1)
	for _, r := range in.Requests {
		heads = append(heads, r.Method == "HEAD")
	}
	v.Meant = len(in.Requests)
	if in.Error != nil {
		v.Meant++
		heads = append(heads, false)
	}
	x := wire.Replay(c.Returned, wire.Script{Steps: []wire.Step{{Data: c.Forwarded}}, Head: heads}, true)
	v.Served = len(x.Responses)
	v.Judged = true
	switch {
	case v.Served > v.Meant:
		v.Desync = true
		v.Why = fmt.Sprintf("the front forwarded %s, and the server answered %d: it read a request the front never sent (a smuggled one)", requests(in), v.Served)
	case v.Served < v.Meant && x.Garbage == "":
		// A server may close before answering everything (a time-out, a crash): only a
		// response count above the front's is proof. Fewer is reported, not called desync.
		v.Why = fmt.Sprintf("the front forwarded %s, and the server answered %d before the connection closed", requests(in), v.Served)
	case x.Garbage != "":
		v.Why = fmt.Sprintf("the server's answer is not HTTP after %d responses: %s", v.Served, x.Garbage)
	default:
		v.Why = fmt.Sprintf("the front forwarded %s; the server answered each", requests(in))
	}
	return v
}

// requests describes an interpretation: "2 requests", "1 request and bytes to reject (400 ...)".
func requests(in reference.Interpretation) string {
	s := fmt.Sprintf("%d request", len(in.Requests))
	if len(in.Requests) != 1 {
		s += "s"
	}
	if in.Error != nil {
		s += fmt.Sprintf(" and bytes a conforming server rejects (%d %s)", in.Error.Status, in.Error.Reason)
	}
	if in.Incomplete {
		s += " and the start of another"
	}
	return s
}
