package spec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// onEcho judges the echo document of the first response; a missing or undecodable echo
// makes the check inconclusive rather than failed, since the check's subject was not seen.
func onEcho(f func(e *probes.Echo) Verdict) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		e, _, err := o.Echo(0, 0)
		if err != nil {
			return inconclusive("the probe's echo was not received: %v", err)
		}
		return f(e)
	}
}

// str returns a native-str environ value as the byte string it stands for, and whether the
// key was present as a latin-1 native str.
func str(e *probes.Echo, key string) (string, bool) {
	v, ok := e.Env(key)
	if !ok || v.Type != "str" || !v.Latin1 {
		return "", false
	}
	b, ok := v.Bytes()
	return string(b), ok
}

// describe shows an environ value for a message: its Python repr, or (absent).
func describe(e *probes.Echo, key string) string {
	v, ok := e.Env(key)
	if !ok {
		return key + " absent"
	}
	return fmt.Sprintf("%s=%s (%s)", key, pyRepr(v), v.Type)
}

// rejection classifies how a server refused a request, if it did: a 4xx or 5xx response,
// or a close or reset without any response.
type rejection struct {
	status   int
	closed   bool // the connection ended without a response
	accepted bool // a 2xx/3xx response came back
	garbage  bool // the answer was not an HTTP/1.x response
	resp     *wire.Response
	x        *wire.Exchange
}

func classify(o *Observation) rejection {
	x := o.Conns[0].Exchange
	rj := rejection{x: x}
	if len(x.Responses) == 0 {
		rj.garbage = x.Garbage != ""
		rj.closed = x.Closed() && !rj.garbage
		return rj
	}
	rj.resp = x.Responses[0]
	rj.status = rj.resp.Status
	rj.accepted = rj.status < 400
	return rj
}

func (rj rejection) String() string {
	switch {
	case rj.garbage:
		return fmt.Sprintf("answered with bytes that are not an HTTP/1.x response (%s: %s)", rj.x.Garbage, quoteBytes(clipStr(string(rj.x.Raw), 60)))
	case rj.resp != nil:
		return fmt.Sprintf("answered %d %s", rj.status, rj.resp.Reason)
	case rj.closed:
		return fmt.Sprintf("closed the connection without a response (%s)", rj.x.End)
	default:
		return fmt.Sprintf("sent no response (%s)", rj.x.End)
	}
}

// waiting says the server neither answered nor closed: it took the request as valid and
// is waiting for more of it (a body its own framing promised).
func (rj rejection) waiting() bool {
	return rj.resp == nil && !rj.garbage && (rj.x.End == wire.EndIdle || rj.x.End == wire.EndDeadline)
}

const waitingMsg = "the server did not reject the request: no response while the connection stayed open, so it read the header section as valid and is waiting for more (a body its framing expects)"

// mustReject400 judges a request that RFC 9112 says must be answered with 400: a 400 is
// conforming; a 4xx other than 400, or a close without answer, rejects the message but not
// as the RFC says; a success means the server processed what it had to refuse.
func mustReject400(why string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		switch {
		case rj.status == 400:
			return conforms("rejected with 400 Bad Request")
		case rj.garbage:
			return violates("the server %s; expected 400 Bad Request", rj)
		case rj.waiting():
			return violates("%s; expected 400 Bad Request. %s", waitingMsg, why)
		case rj.accepted:
			return violates("the server %s; expected 400 Bad Request. %s", rj, why)
		case rj.status >= 500:
			return violates("the server %s: it failed on the request instead of refusing it with 400 Bad Request", rj)
		case rj.status >= 400:
			return violates("the server %s; the request was refused, but the RFC asks for 400 Bad Request", rj)
		case rj.closed:
			return violates("the server %s; the request was refused, but the RFC asks for 400 Bad Request, so a client learns why", rj)
		default:
			return inconclusive("the server %s", rj)
		}
	}
}

// shouldReject judges a request that is invalid by the grammar, where accepting it is a
// leniency that lets two parsers disagree: any 4xx/5xx or a close counts as a rejection.
func shouldReject(why string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		switch {
		case rj.accepted || rj.garbage:
			return violates("the server %s; expected a 400 Bad Request. %s", rj, why)
		case rj.waiting():
			return violates("%s; expected a 400 Bad Request. %s", waitingMsg, why)
		case rj.status >= 400 || rj.closed:
			return conforms("rejected: the server %s", rj)
		default:
			return inconclusive("the server %s", rj)
		}
	}
}

// bodyOf returns the request body the probe read, and whether an echo was received.
func bodyOf(o *Observation, conn, i int) (string, *probes.Echo, bool) {
	e, _, err := o.Echo(conn, i)
	if err != nil {
		return "", nil, false
	}
	return string(e.Input.Body()), e, true
}

func quoteBytes(s string) string { return strconv.Quote(s) }

func joinKeys(keys []string) string { return strings.Join(keys, ", ") }
