package spec

import (
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// RFC 9112 §9: persistence, pipelining and closing.

func init() {
	register(&Check{
		ID:    "rfc9112/9.3.2/pipelined-responses-in-order",
		Title: "pipelined requests are answered in the order received",
		Ref:   Ref{"RFC 9112", "9.3.2"}, Level: Must, Area: "connection",
		Quote: "A server MAY process a sequence of pipelined requests in parallel if they all have safe methods (Section 9.2.1 of [HTTP]), but it MUST send the corresponding responses in the same order that the requests were received.",
		// The first request is the slowest, so a server answering as requests finish would
		// reorder them.
		Observe: one(func(t *Target) wire.Script {
			req := append(t.get(probes.Prefix+"sleep?ms=200"), t.get("/second")...)
			req = append(req, t.get("/third")...)
			// Wait longer than common keep-alive timeouts (gunicorn: 2s), so a server that
			// strands pipelined requests until its reaper closes the connection is seen
			// closing, not mistaken for one that keeps waiting.
			return wire.Script{Steps: []wire.Step{{Data: req}}, Responses: 3, Linger: 100 * time.Millisecond, IdleTimeout: 5 * time.Second}
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			var paths []string
			for i := range x.Responses {
				e, _, err := o.Echo(0, i)
				if err != nil {
					return inconclusive("response %d is not an echo: %v", i+1, err)
				}
				p, _ := str(e, "PATH_INFO")
				paths = append(paths, p)
			}
			want := []string{probes.Prefix + "sleep", "/second", "/third"}
			for i, p := range paths {
				if p != want[i] {
					return violates("pipelined requests %v were answered in the order %v", want, paths)
				}
			}
			if len(paths) == 0 {
				return violates("none of 3 pipelined requests was answered (%s)", o.ending(0))
			}
			if len(paths) < 3 {
				if x.Closed() {
					return conforms("answered %d of 3 in order, then closed the connection (the server does not keep it open for pipelining)", len(paths)).behaving(BehaviourClosesEarly)
				}
				return violates("only %d of 3 pipelined requests were answered and the connection stayed open (%s): the rest were lost", len(paths), x.End)
			}
			return conforms("three responses in request order").behaving(BehaviourInOrder)
		},
	})

	register(&Check{
		ID:    "rfc9112/9.6/connection-close-honoured",
		Title: "after a request with Connection: close, the server closes and serves nothing more",
		Ref:   Ref{"RFC 9112", "9.6"}, Level: Must, Area: "connection",
		Quote: "A server that receives a \"close\" connection option MUST initiate closure of the connection (see below) after it sends the final response to the request that contained the \"close\" connection option.",
		Observe: pipeline(2, func(t *Target) []byte {
			return append(t.get("/first", "Connection: close"), t.get("/must-not-be-served")...)
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			if len(x.Responses) >= 2 {
				return violates("the request after 'Connection: close' was served (%d %s)", x.Responses[1].Status, x.Responses[1].Reason)
			}
			if len(x.Responses) == 0 {
				return inconclusive("no response (%s)", o.ending(0))
			}
			if !x.Closed() {
				return violates("after answering a request with 'Connection: close' the server left the connection open (%s)", x.End)
			}
			return conforms("one response, then the connection closed")
		},
	})

	register(&Check{
		ID:    "rfc9112/9.3/close-announced",
		Title: "a server that closes after an HTTP/1.1 response says Connection: close in it",
		Ref:   Ref{"RFC 9112", "9.3"}, Level: Must, Area: "connection", Aliases: []string{"rfc9112/9.6/close-announced"},
		Quote: "A server that does not support persistent connections MUST send the \"close\" connection option in every response message that does not have a 1xx (Informational) status code.",
		Observe: one(func(t *Target) wire.Script {
			return wire.Script{Steps: []wire.Step{{Data: t.get("/keepalive")}}, Responses: 1, Linger: 300 * time.Millisecond, IdleTimeout: 2 * time.Second}
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			if !x.Closed() {
				return conforms("the connection stayed open for the next request")
			}
			if r.Proto == "HTTP/1.0" {
				return conforms("answered with HTTP/1.0, where closing is the default")
			}
			if v, _ := r.Get("Connection"); hasToken(v, "close") || r.Framing == wire.FramingClose {
				return conforms("closed after saying Connection: close")
			}
			return violates("the server closed the connection after an HTTP/1.1 response without 'Connection: close': a client that sent its next request already sees it fail")
		},
	})

	register(&Check{
		ID:    "rfc9112/9.3/http10-closes-by-default",
		Title: "an HTTP/1.0 request without keep-alive ends with the connection closed",
		Ref:   Ref{"RFC 9112", "9.3"}, Level: Must, Area: "connection",
		Quote: "If the received protocol is HTTP/1.0, the \"keep-alive\" connection option is present, either the recipient is not a proxy or the message is a response, and the recipient wishes to honor the HTTP/1.0 \"keep-alive\" mechanism, the connection will persist after the current response;",
		Observe: pipeline(2, func(t *Target) []byte {
			return append(t.request("GET /one HTTP/1.0"), t.request("GET /two HTTP/1.0")...)
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			if len(x.Responses) >= 2 {
				return violates("a second HTTP/1.0 request on the same connection was served although the first had no keep-alive: an HTTP/1.0 client reads until close and sees both")
			}
			if len(x.Responses) == 0 {
				return inconclusive("no response (%s)", o.ending(0))
			}
			if !x.Closed() {
				return violates("the connection stayed open after an HTTP/1.0 response to a request without keep-alive (%s)", x.End)
			}
			return conforms("closed after the response")
		},
	})

	register(&Check{
		ID:    "rfc9112/9.3/persistent-by-default",
		Title: "HTTP/1.1 connections persist across requests",
		Ref:   Ref{"RFC 9112", "9.3"}, Level: Should, Area: "connection",
		Quote: "HTTP/1.1 defaults to the use of persistent connections, allowing multiple requests and responses to be carried over a single connection. HTTP implementations SHOULD support persistent connections.",
		Observe: one(func(t *Target) wire.Script {
			return wire.Script{Steps: []wire.Step{{Data: t.get("/one")}, {Data: t.get("/two"), AwaitResponse: 2 * time.Second}}, Responses: 2, IdleTimeout: 2 * time.Second}
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			if len(x.Responses) == 2 {
				return conforms("two requests served on one connection")
			}
			return violates("the connection was not reused for a second request (%s): every request pays a new TCP handshake", o.ending(0))
		},
	})
}
