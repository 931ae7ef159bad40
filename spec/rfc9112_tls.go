package spec

import (
	"context"
	"errors"
	"time"

	"github.com/conform-wsgi/conform/wire"
)

// RFC 9112 §9.7 and §9.8: HTTP over TLS. What a server owes a client there is the TLS
// layer's, but it shows on the wire a TLS client reads: HTTP inside TLS application data on
// a connection reused like any other, a close announced by a close_notify alert
// (wire.Exchange.CloseNotify), and a client's close without one taken in stride. Each
// judges only over TLS (Target.TLS, --tls).

func init() {
	register(&Check{
		ID:    "rfc9112/9.7/tls-persistent",
		Title: "over TLS, HTTP is carried as application data and the connection is reused like a plain one",
		Ref:   Ref{"RFC 9112", "9.7"}, Level: Must, Area: "connection", OverTLS: true,
		Quote:   `All HTTP data MUST be sent as TLS "application data" but is otherwise treated like a normal connection for HTTP (including potential reuse as a persistent connection).`,
		Observe: one(tlsTwoRequests),
		Judge:   judgeTLSPersistent,
	})
	register(&Check{
		ID:    "rfc9112/9.8/close-notify",
		Title: "over TLS, the server's close is preceded by a close_notify alert",
		Ref:   Ref{"RFC 9112", "9.8"}, Level: Must, Area: "connection", OverTLS: true,
		Quote: "Servers MUST attempt to initiate an exchange of closure alerts with the client before closing the connection.",
		Observe: one(func(t *Target) wire.Script {
			return wire.Script{Steps: []wire.Step{{Data: t.get("/tls-close", "Connection: close")}}, Responses: 1, Linger: time.Second, IdleTimeout: 3 * time.Second}
		}),
		Judge: judgeTLSCloseNotify,
	})
	register(&Check{
		ID:    "rfc9112/9.8/incomplete-close-tolerated",
		Title: "over TLS, a client's close without close_notify leaves the server serving",
		// Timing: the new connection is held to a one-second bound, which other checks'
		// traffic on a one-worker server could stretch.
		Ref: Ref{"RFC 9112", "9.8"}, Level: Should, Area: "connection", OverTLS: true, Timing: true,
		Quote:   "Servers SHOULD be prepared to receive an incomplete close from the client, since the client can often locate the end of server data.",
		Observe: tlsIncompleteClose,
		Judge:   judgeIncompleteClose,
	})
	register(&Check{
		ID:    "rfc9112/9.8/close-after-alert",
		Title: "over TLS, whether the server closes right after its close_notify or waits for the client's (the choice is reported)",
		Ref:   Ref{"RFC 9112", "9.8"}, Level: May, Area: "connection", OverTLS: true,
		Quote: "Servers MAY close the connection after sending the closure alert, thus generating an incomplete close on the client side.",
		Observe: one(func(t *Target) wire.Script {
			return wire.Script{Steps: []wire.Step{{Data: t.get("/tls-close", "Connection: close")}}, Responses: 1, Linger: time.Second, IdleTimeout: 3 * time.Second, AwaitFIN: afterAlertWindow}
		}),
		Judge: judgeCloseAfterAlert,
	})
}

// afterAlertWindow is how long the client, sending no closure alert of its own, watches
// the TCP connection after the server's; atOnce is the most a close "right after" takes.
const (
	afterAlertWindow = time.Second
	atOnce           = 100 * time.Millisecond
)

func judgeCloseAfterAlert(o *Observation) Verdict {
	version := overTLS(o, 0)
	if version == "" {
		return notApplicable("served over plain TCP: no TLS closure alert to follow")
	}
	x := o.Conns[0].Exchange
	if o.Response(0, 0) == nil {
		return inconclusive("GET with Connection: close over %s was not answered (%s)", version, o.ending(0))
	}
	if !x.CloseNotify {
		return notApplicable("over %s the server sent no close_notify alert (%s), so nothing followed one: rfc9112/9.8/close-notify judges that", version, x.End)
	}
	after := (x.AfterNotifyAt - x.EndAt).Round(time.Millisecond)
	switch x.AfterNotify {
	case wire.AfterNotifyFIN, wire.AfterNotifyReset:
		how := "closed"
		if x.AfterNotify == wire.AfterNotifyReset {
			how = "reset"
		}
		if after <= atOnce {
			return conforms("over %s the server %s the TCP connection %v after its close_notify, without waiting for the client's: the incomplete close on the client side RFC 9112 §9.8 allows", version, how, after)
		}
		return conforms("over %s the server waited %v for the client's closure alert after its own, then %s the TCP connection without it (closing at once is what RFC 9112 §9.8 also allows)", version, after, how)
	case wire.AfterNotifyOpen:
		return conforms("over %s the server kept the TCP connection open %v after its close_notify, waiting for the client's closure alert (closing at once is the other choice RFC 9112 §9.8 allows)", version, after)
	case wire.AfterNotifyBytes:
		return violates("over %s the server sent more bytes on the TCP connection after its close_notify alert: a closure alert ends what the sender sends", version)
	}
	return inconclusive("over %s what followed the server's close_notify was not watched", version)
}

// tlsTwoRequests sends GET /first, and GET /second once the first is answered, on one
// connection.
func tlsTwoRequests(t *Target) wire.Script {
	return wire.Script{
		Steps: []wire.Step{
			{Data: t.get("/first")},
			{Data: t.get("/second"), AwaitResponse: 3 * time.Second},
		},
		Responses: 2, Linger: 150 * time.Millisecond, IdleTimeout: 2 * time.Second,
	}
}

func judgeTLSPersistent(o *Observation) Verdict {
	version := overTLS(o, 0)
	if version == "" {
		return notApplicable("served over plain TCP: no TLS application data to judge")
	}
	x := o.Conns[0].Exchange
	first := o.Response(0, 0)
	if first == nil {
		if x.Garbage != "" {
			return violates("over %s the server's application data is not an HTTP response (%s)", version, x.Garbage)
		}
		return inconclusive("GET /first over %s was not answered (%s)", version, o.ending(0))
	}
	if path, err := openEchoPath(o, 0, 0); err != nil || path != "/first" {
		return inconclusive("GET /first over %s was not answered by the app (%d %s)", version, first.Status, first.Reason)
	}
	if o.Response(0, 1) == nil {
		switch {
		case openIndicatesClose(first) && x.Closed():
			return conforms("over %s, GET /first was answered in TLS application data; the server closed after it, as it said it would (%s), as it may on any connection", version, openCloseSign(first))
		case x.Closed() && x.Garbage == "":
			// The same silent close on plain TCP is rfc9112/9.3/close-announced's to judge.
			return inconclusive("over %s, GET /first was answered, then the server closed without saying it would (%s): a close, not a TLS matter; rfc9112/9.3/close-announced judges it", version, x.End)
		case x.Garbage != "":
			return violates("over %s, after the first response the server sent bytes that are not a response (%s)", version, x.Garbage)
		}
		return violates("over %s, GET /second on the connection the server kept open after GET /first was never answered (%s): a TLS connection is reused as a persistent one like any other", version, o.ending(0))
	}
	if path, err := openEchoPath(o, 0, 1); err != nil || path != "/second" {
		r := o.Response(0, 1)
		return violates("over %s, GET /second on the reused connection was answered %d %s, not by the app with PATH_INFO /second", version, r.Status, r.Reason)
	}
	return conforms("over %s, GET /first and GET /second were both answered on one connection, in TLS application data", version)
}

func judgeTLSCloseNotify(o *Observation) Verdict {
	version := overTLS(o, 0)
	if version == "" {
		return notApplicable("served over plain TCP: no TLS closure alert to judge")
	}
	x := o.Conns[0].Exchange
	if o.Response(0, 0) == nil {
		return inconclusive("GET with Connection: close over %s was not answered (%s)", version, o.ending(0))
	}
	switch {
	case x.End == wire.EndClosed && x.CloseNotify:
		return conforms("over %s, the server sent a close_notify alert before closing the connection (%v after it opened)", version, x.EndAt.Round(time.Millisecond))
	case x.End == wire.EndClosed:
		return violates("over %s, the server closed the TCP connection after the response with no close_notify alert: an incomplete close, where servers MUST attempt to initiate an exchange of closure alerts", version)
	case x.End == wire.EndReset:
		return violates("over %s, the server reset the connection after the response with no close_notify alert (%s)", version, x.ReadErr)
	case x.End == wire.EndError:
		return violates("over %s, the connection ended in a TLS error, not a close_notify alert: %s", version, x.ReadErr)
	}
	// Not closing after Connection: close is rfc9112/9.6/close-after-close's finding.
	return inconclusive("over %s, the server did not close the connection within the linger after answering a Connection: close request (%s): no close to judge", version, x.End)
}

// tlsIncompleteClose: GET /first answered on a connection the client then drops with no
// close_notify (Script.BareClose), then GET /after on a new connection, which must be
// answered within incompleteCloseBound.
func tlsIncompleteClose(ctx context.Context, t *Target) (*Observation, error) {
	s := wire.Script{Steps: []wire.Step{{Data: t.get("/first")}}, Responses: 1, IdleTimeout: 3 * time.Second, BareClose: true}
	first, err := t.Do(ctx, s)
	if err != nil {
		return nil, err
	}
	o := &Observation{Conns: []*Conn{{Label: "closed without close_notify", Exchange: first}}}
	// A moment for the server to read the close before the next connection comes.
	select {
	case <-time.After(100 * time.Millisecond):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	start := time.Now()
	after := wire.Script{Steps: []wire.Step{{Data: t.get("/after")}}, Responses: 1, IdleTimeout: incompleteCloseBound,
		Deadline: incompleteCloseBound, DialTimeout: incompleteCloseBound}
	x, err := t.Do(ctx, after)
	if err != nil {
		if !errors.Is(err, wire.ErrUnreachable) && !errors.Is(err, wire.ErrHandshake) {
			return nil, err
		}
		// The server's failure to take the connection is the finding, not a broken run.
		x = &wire.Exchange{Addr: t.Addr, End: wire.EndError, ReadErr: err.Error()}
	}
	o.Conns = append(o.Conns, &Conn{Label: "after the incomplete close", At: time.Since(start), Exchange: x})
	return o, nil
}

// incompleteCloseBound bounds the connect, handshake and answer after an incomplete close:
// a server prepared for one answers at once.
const incompleteCloseBound = time.Second

func judgeIncompleteClose(o *Observation) Verdict {
	version := overTLS(o, 0)
	if version == "" {
		return notApplicable("served over plain TCP: no TLS closure alert to leave out")
	}
	if _, _, err := o.Echo(0, 0); err != nil {
		return inconclusive("GET /first over %s, before the incomplete close, was not answered by the app: %v", version, err)
	}
	if len(o.Conns) < 2 {
		return inconclusive("no connection was made after the incomplete close")
	}
	path, err := openEchoPath(o, 1, 0)
	if err != nil {
		x := o.Conns[1].Exchange
		if x.ReadErr != "" {
			err = errors.New(x.ReadErr)
		}
		return violates("after a client closed a TLS connection with no close_notify alert, a new connection was not answered by the app within %v: %v", incompleteCloseBound, err)
	}
	if path != "/after" {
		return violates("after the incomplete close, GET /after reached the app as PATH_INFO %s", quoteBytes(path))
	}
	return conforms("over %s, after the client dropped a connection with no close_notify alert, a new connection was answered by the app", version)
}
