package spec

import (
	"crypto/tls"
	"time"

	"github.com/conform-wsgi/conform/wire"
)

// Recorded cases of the RFC 9112 §9.7 and §9.8 checks (rfc9112_tls.go).

func init() { moreJudgeCases = append(moreJudgeCases, tlsClosureCases) }

func tlsClosureCases() []judgeCase {
	const (
		persistent = "rfc9112/9.7/tls-persistent"
		notify     = "rfc9112/9.8/close-notify"
		incomplete = "rfc9112/9.8/incomplete-close-tolerated"
	)
	// tlsConn is c, run over TLS 1.3 (v false: plain TCP), ended by a close_notify or not.
	tlsConn := func(c *Conn, v bool, closeNotify bool) *Conn {
		if v {
			c.TLSVersion = tls.VersionTLS13
		}
		c.CloseNotify = closeNotify
		return c
	}
	two := script(append(reqGet("/first"), reqGet("/second")...), 2, true)
	over := func(received string, closed bool, v bool) func() *Observation {
		return func() *Observation {
			return obs(tlsConn(replayed("request", two, received, closed), v, false))
		}
	}
	first, second := okEcho("GET", "/first", ""), okEcho("GET", "/second", "")

	reqClose := reqGet("/tls-close", "Connection: close")
	closing := okEcho("GET", "/tls-close", "")
	closed := func(notify bool, v bool) func() *Observation {
		return func() *Observation { return obs(tlsConn(exch(reqClose, closing, true), v, notify)) }
	}

	// incompleteClose: GET /first answered on the dropped connection, then conn 2 as given.
	incompleteClose := func(after *Conn) func() *Observation {
		return func() *Observation {
			return obs(tlsConn(once(reqGet("/first"), first, false), true, false), tlsConn(after, true, false))
		}
	}
	// alerted: the close_notify came, and then what the client saw of the TCP connection.
	alerted := func(what wire.AfterNotify, after time.Duration) func() *Observation {
		return func() *Observation {
			c := tlsConn(exch(reqClose, closing, true), true, true)
			c.EndAt, c.AfterNotify, c.AfterNotifyAt = 20*time.Millisecond, what, 20*time.Millisecond+after
			return obs(c)
		}
	}
	const after = "rfc9112/9.8/close-after-alert"
	return []judgeCase{
		// mod_wsgi: mod_ssl's alert, then Apache closes at once.
		passes(after, "closed at once", alerted(wire.AfterNotifyFIN, 2*time.Millisecond), "closed the TCP connection 2ms after", "without waiting"),
		// The reference: 500 ms for the client's close, then the close.
		passes(after, "waited, then closed", alerted(wire.AfterNotifyFIN, 500*time.Millisecond), "waited 500ms"),
		passes(after, "kept open", alerted(wire.AfterNotifyOpen, time.Second), "kept the TCP connection open 1s"),
		fails(after, "bytes after the alert", alerted(wire.AfterNotifyBytes, time.Millisecond), "more bytes"),
		gives(NotApplicable, after, "no alert", closed(false, true), "no close_notify alert", "close-notify judges"),
		gives(NotApplicable, after, "plain TCP", closed(false, false), "plain TCP"),

		// cheroot, gevent, mod_wsgi, tornado...: both answered on the one connection.
		passes(persistent, "both answered over TLS", over(first+second, false, true), "TLS 1.3", "both answered"),
		// gunicorn-sync and werkzeug close every connection, and say so.
		passes(persistent, "announced close after the first", over(jsonResp("200 OK", echoBody("GET", "/first", ""), "Connection: close"), true, true), "as it said it would"),
		fails(persistent, "second request never answered, connection kept open", over(first, false, true), "GET /second", "never answered"),
		fails(persistent, "second answered by something else", over(first+textResp("400 Bad Request", "bad"), false, true), "400 Bad Request", "PATH_INFO /second"),
		// uWSGI's --https-socket closes after every response without saying so.
		gives(Inconclusive, persistent, "silent close after the first", over(first, true, true), "close-announced"),
		gives(NotApplicable, persistent, "plain TCP", over(first+second, false, false), "plain TCP"),

		// twisted (pyOpenSSL) and mod_wsgi (mod_ssl): close_notify, then the close.
		passes(notify, "close_notify before the close", closed(true, true), "close_notify alert before closing"),
		// Python's ssl module: SSLSocket.shutdown/close drop the TLS state with no alert.
		fails(notify, "bare TCP close", closed(false, true), "no close_notify alert", "MUST attempt"),
		fails(notify, "reset", func() *Observation {
			c := tlsConn(exch(reqClose, closing, false), true, false)
			c.End, c.ReadErr = wire.EndReset, "connection reset by peer"
			return obs(c)
		}, "reset"),
		gives(Inconclusive, notify, "no close", func() *Observation {
			return obs(tlsConn(exch(reqClose, closing, false), true, false))
		}, "no close to judge"),
		gives(NotApplicable, notify, "plain TCP", closed(false, false), "plain TCP"),

		passes(incomplete, "a new connection answered", incompleteClose(once(reqGet("/after"), okEcho("GET", "/after", ""), false)), "was answered by the app"),
		fails(incomplete, "the server stopped taking connections", incompleteClose(&Conn{Label: "after", Exchange: &wire.Exchange{End: wire.EndError, ReadErr: "TLS handshake failed with 127.0.0.1:8000: context deadline exceeded"}}), "not answered by the app within 1s", "handshake failed"),
		fails(incomplete, "a new connection never answered", incompleteClose(once(reqGet("/after"), "", false)), "not answered by the app"),
		gives(NotApplicable, incomplete, "plain TCP", func() *Observation {
			return obs(once(reqGet("/first"), first, false), once(reqGet("/after"), okEcho("GET", "/after", ""), false))
		}, "plain TCP"),
	}
}
