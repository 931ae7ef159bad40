package spec

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// Open sentences of RFC 9112 and RFC 9110 that need only bytes on the wire and the probe's
// existing scenarios: whitespace between request-line elements, an over-long
// request-target, absolute-form and Host, a header section that arrives in two parts,
// CONNECT answered by the application, Content-Length to an HTTP/1.0 client, and how a
// server closes an idle or half-closed connection.

// owWhitespaceVariants are the request-lines of rfc9112/3/whitespace-separators: each puts
// a whitespace octet other than a single SP where a parser splitting on SP alone leaves it
// inside the method, the target or the version.
var owWhitespaceVariants = []struct{ name, line, what string }{
	{"htab", "GET\t/ws\tHTTP/1.1", "HTAB in place of each SP"},
	{"double-sp", "GET  /ws  HTTP/1.1", "two SPs in place of each SP"},
	{"vt", "GET /ws\x0b HTTP/1.1", "a VT before the SP after the target"},
	{"ff", "GET\x0c /ws HTTP/1.1", "an FF before the SP after the method"},
	{"trailing-htab", "GET /ws HTTP/1.1\t", "a HTAB after the version"},
}

// owAfterPath is the pipelined request after a stimulus: what the server makes of it shows
// whether the stimulus left the connection in step.
const owAfterPath = "/ow-after"

// owLongTarget is a 64 KiB request-target: past any request-line limit a Python server
// sets, so the server either parses it or says it will not.
var owLongTarget = "/" + strings.Repeat("a", 64<<10)

// owAbsHost and owOtherHost are the host of the absolute-form target and the Host field
// sent beside it.
const (
	owAbsHost   = "abs.example"
	owOtherHost = "other.example"
)

// owHeadPause is how long the client stalls between the two parts of a header section.
const owHeadPause = time.Second

// owConnectTarget is the authority-form target of the CONNECT request.
const owConnectTarget = "conform.test:443"

// owIdleBound is how long an idle keep-alive connection is watched for the server's time
// out; owFINBound how long a server has to close its side after the client's FIN.
const (
	owIdleBound = 6500 * time.Millisecond
	owFINBound  = 2 * time.Second
)

// owAtOnce is how soon after a response a close counts as the server's policy (no
// keep-alive) rather than a time-out.
const owAtOnce = 500 * time.Millisecond

// owWhitespaceRequest is variant v's request-line, then a pipelined GET owAfterPath.
func owWhitespaceRequest(t *Target, line string) []byte {
	return append(t.request(line), t.get(owAfterPath)...)
}

// owJudgeWhitespace: refusing the request-line and parsing it on word boundaries are both
// what RFC 9112 §3 permits; any other reading puts the whitespace inside an element (an
// invalid request-line served, which §3 says to answer with 400) or loses the connection's
// framing.
func owJudgeWhitespace(what string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		x := rj.x
		next := func() (ok bool, desc string) {
			if len(x.Responses) < 2 {
				return true, ""
			}
			p, err := openEchoPath(o, 0, 1)
			if err != nil {
				r := x.Responses[1]
				return false, fmt.Sprintf("the pipelined GET %s after it was answered %d %s, not by the app", owAfterPath, r.Status, r.Reason)
			}
			if p != owAfterPath {
				return false, fmt.Sprintf("the pipelined GET %s after it reached the app as PATH_INFO %s", owAfterPath, quoteBytes(p))
			}
			return true, ""
		}
		switch {
		case rj.garbage:
			return violates("the server %s to a request-line with %s: it read the line as something other than three elements", rj, what)
		case rj.waiting():
			return inconclusive("no response to a request-line with %s (%s)", what, x.End)
		case !rj.accepted:
			if ok, desc := next(); !ok {
				return violates("the server refused the request-line with %s (%s), but %s: the connection lost its framing", what, rj, desc)
			}
			return conforms("the server refuses a request-line with %s: it %s (RFC 9112 §3 permits parsing on single SPs only)", what, rj)
		}
		e, r, err := o.Echo(0, 0)
		if err != nil {
			return inconclusive("accepted (%d %s), but the probe's echo was not received: %v", r.Status, r.Reason, err)
		}
		m, _ := str(e, "REQUEST_METHOD")
		p, _ := str(e, "PATH_INFO")
		v, _ := str(e, "SERVER_PROTOCOL")
		if m != "GET" || p != "/ws" || !strings.HasPrefix(v, "HTTP/1.") || len(v) != len("HTTP/1.1") {
			return violates("the request-line with %s was served as %s, %s, %s: the whitespace stayed inside an element instead of separating the elements (RFC 9112 §3), so the app and any front end that splits on whitespace see different requests", what, describe(e, "REQUEST_METHOD"), describe(e, "PATH_INFO"), describe(e, "SERVER_PROTOCOL")).with("REQUEST_METHOD", "PATH_INFO", "SERVER_PROTOCOL")
		}
		if ok, desc := next(); !ok {
			return violates("the request-line with %s was served as GET /ws, but %s: the connection lost its framing", what, desc)
		}
		return conforms("the server parses on whitespace word boundaries, as RFC 9112 §3 permits: the request-line with %s reached the app as GET /ws %s", what, v)
	}
}

// owHeadInTwo sends a header section in two parts, owHeadPause apart; Values["late_at"] is
// when the second part was due, in seconds from the start of the connection.
func owHeadInTwo(ctx context.Context, t *Target) (*Observation, error) {
	first := "GET " + probes.Prefix + "echo HTTP/1.1\r\nHost: " + t.host() + "\r\n" + probes.IDHeader + ": " + t.nextID() + "\r\nX-Early: 1\r\n"
	s := wire.Script{Steps: []wire.Step{{Data: []byte(first)}, {Data: []byte("X-Late: 2\r\n\r\n"), Delay: owHeadPause}},
		Responses: 1, Linger: 150 * time.Millisecond, IdleTimeout: 3 * time.Second}
	x, err := t.Do(ctx, s)
	if err != nil {
		return nil, err
	}
	return &Observation{Conns: []*Conn{{Label: "request", Exchange: x}}, Values: map[string]float64{"late_at": t.dur(owHeadPause).Seconds()}}, nil
}

// owConnectRequest is CONNECT to an authority-form target; the probe's echo answers it
// (scenario from an empty or authority PATH_INFO) with 200 and a body.
func owConnectRequest(t *Target) []byte {
	return t.request("CONNECT "+owConnectTarget+" HTTP/1.1", "Host: "+owConnectTarget)
}

// owJudgeConnect judges a 2xx answer to CONNECT for the framing field it must not carry.
func owJudgeConnect(field string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		r := o.Response(0, 0)
		if r == nil {
			return notApplicable("no response to CONNECT (%s): no 2xx carried anything", o.ending(0))
		}
		if r.Status/100 != 2 {
			return conforms("CONNECT was answered %d %s, not 2xx", r.Status, r.Reason)
		}
		if vs := r.Values(field); len(vs) > 0 {
			return violates("the %d %s answer to CONNECT carries %s: %s: after a 2xx the connection is a tunnel and the bytes after the header section are tunnel data, which a %s claims to frame. The application set the headers of a WSGI response, but PEP 3333 leaves the server \"responsible for ensuring that correct headers are sent to the client\": a server that cannot tunnel refuses CONNECT (405 or 501) rather than hand it to the application", r.Status, r.Reason, field, quoteBytes(strings.Join(vs, ", ")), field)
		}
		return conforms("the %d answer to CONNECT carries no %s (%s)", r.Status, field, openFramingFields(r))
	}
}

// owJudgeIdleClose: a server that times out an idle keep-alive connection closes it with a
// FIN; a reset can destroy a response the client has not read yet.
func owJudgeIdleClose(o *Observation) Verdict {
	x := o.Conns[0].Exchange
	r := o.Response(0, 0)
	if r == nil {
		return inconclusive("no response to the GET (%s)", o.ending(0))
	}
	if openIndicatesClose(r) {
		return notApplicable("the response said the connection closes (%s): no keep-alive connection to time out", openCloseSign(r))
	}
	after := x.EndAt - r.EndAt
	switch x.End {
	case wire.EndOpen:
		return notApplicable("the server did not time out the idle keep-alive connection within %v", owIdleBound)
	case wire.EndClosed, wire.EndReset:
		if after < owAtOnce {
			return notApplicable("the server closed %v after the response, too soon to be a time-out (it keeps no idle connection; rfc9112/9.3/close-announced judges an unannounced close)", after.Round(time.Millisecond))
		}
		if x.End == wire.EndReset {
			return violates("the server timed out the idle connection after %v with a reset (%s), not a graceful close: a reset can destroy data the client has not read yet, and tells it nothing about why", after.Round(100*time.Millisecond), x.ReadErr)
		}
		return conforms("the server timed out the idle connection after %v with a graceful close (FIN)", after.Round(100*time.Millisecond))
	}
	return inconclusive("the connection ended %s while idle", x.End)
}

// owJudgeHalfClose: after the client's FIN on an idle connection, the server closes its own
// side promptly instead of holding the connection until its keep-alive time-out.
func owJudgeHalfClose(o *Observation) Verdict {
	x := o.Conns[0].Exchange
	r := o.Response(0, 0)
	if r == nil {
		return inconclusive("no response to the GET (%s)", o.ending(0))
	}
	if openIndicatesClose(r) {
		return notApplicable("the response said the connection closes (%s): the server closes it whatever the client does", openCloseSign(r))
	}
	switch x.End {
	case wire.EndClosed, wire.EndReset:
		return conforms("the server closed its side (%s) %v after the response, once the client had closed its own", x.End, (x.EndAt - r.EndAt).Round(time.Millisecond))
	case wire.EndOpen:
		return violates("the client closed its side of the idle connection (FIN) and the server still held it open %v later: it does not watch for the closure, and keeps the connection's resources until its own time-out", owFINBound)
	}
	return inconclusive("the connection ended %s", x.End)
}

func init() {
	// ---- RFC 9112 §3: whitespace between request-line elements ----

	for _, v := range owWhitespaceVariants {
		v := v
		register(&Check{
			ID:    "rfc9112/3/whitespace-separators/" + v.name,
			Title: "a request-line with " + v.what + " is refused, or parsed on whitespace word boundaries (the choice is reported)",
			Ref:   Ref{"RFC 9112", "3"}, Level: Should, Area: "fields",
			Quote:   "Although the request-line grammar rule requires that each of the component elements be separated by a single SP octet, recipients MAY instead parse on whitespace-delimited word boundaries and, aside from the CRLF terminator, treat any form of whitespace as the SP separator while ignoring preceding or trailing whitespace; such whitespace includes one or more of the following octets: SP, HTAB, VT (%x0B), FF (%x0C), or bare CR.",
			Observe: pipeline(2, func(t *Target) []byte { return owWhitespaceRequest(t, v.line) }),
			Judge:   owJudgeWhitespace(v.what),
		})
	}

	// ---- RFC 9112 §3: a request-target longer than the server parses ----

	register(&Check{
		ID:    "rfc9112/3/long-target-414",
		Title: "a 64 KiB request-target is served whole, or answered 414 (URI Too Long)",
		Ref:   Ref{"RFC 9112", "3"}, Level: Must, Area: "fields",
		Quote:   "A server that receives a request-target longer than any URI it wishes to parse MUST respond with a 414 (URI Too Long) status code (see Section 15.5.15 of [HTTP]).",
		Observe: exchange(func(t *Target) []byte { return t.get(owLongTarget) }),
		Judge: func(o *Observation) Verdict {
			rj := classify(o)
			if rj.status == 414 {
				return conforms("answered 414 URI Too Long")
			}
			if e, _, err := o.Echo(0, 0); err == nil {
				p, _ := str(e, "PATH_INFO")
				if p == owLongTarget {
					return conforms("the %d-octet request-target reached the app whole", len(owLongTarget))
				}
				return violates("the %d-octet request-target reached the app as a PATH_INFO of %d octets", len(owLongTarget), len(p)).with("PATH_INFO")
			}
			if rj.waiting() {
				return inconclusive("no response to the %d-octet request-target (%s)", len(owLongTarget), rj.x.End)
			}
			return violates("the server %s to a %d-octet request-target: a server that will not parse a request-target that long must say so with 414 (URI Too Long), which tells the client that the URI is the problem", rj, len(owLongTarget))
		},
	})

	// ---- RFC 9112 §3.2.2: absolute-form and Host ----

	register(&Check{
		ID:    "rfc9112/3.2.2/absolute-form-host",
		Title: "with an absolute-form target, the app is given the target's host, not the Host field's",
		Ref:   Ref{"RFC 9112", "3.2.2"}, Level: Must, Area: "environ",
		Quote: "When an origin server receives a request with an absolute-form of request-target, the origin server MUST ignore the received Host header field (if any) and instead use the host information of the request-target.",
		// PEP 3333's URL reconstruction takes HTTP_HOST first and SERVER_NAME without it:
		// the host the app builds URLs and routes with is the one the server must use.
		Observe: exchange(func(t *Target) []byte {
			return t.request("GET http://"+owAbsHost+"/abs-host HTTP/1.1", "Host: "+owOtherHost)
		}),
		Judge: func(o *Observation) Verdict {
			rj := classify(o)
			switch {
			case rj.garbage:
				return violates("the server %s", rj)
			case rj.waiting():
				return inconclusive("no response (%s)", rj.x.End)
			case !rj.accepted:
				return conforms("the absolute-form request was refused: the server %s (pep3333/environ/absolute-form-target judges the refusal)", rj)
			}
			e, r, err := o.Echo(0, 0)
			if err != nil {
				return inconclusive("accepted (%d %s), but the probe's echo was not received: %v", r.Status, r.Reason, err)
			}
			host, hasHost := str(e, "HTTP_HOST")
			name, _ := str(e, "SERVER_NAME")
			switch {
			case hasHost && host == owAbsHost:
				return conforms("HTTP_HOST=%s: the target's host replaced the received Host", quoteBytes(host))
			case hasHost:
				return violates("GET http://%s/abs-host with 'Host: %s' reached the app with HTTP_HOST=%s: the received Host was used, not the target's host; PEP 3333's URL reconstruction takes HTTP_HOST first, so the app builds its URLs for another host than the one requested", owAbsHost, owOtherHost, quoteBytes(host)).with("HTTP_HOST", "SERVER_NAME")
			case name == owAbsHost:
				return conforms("HTTP_HOST removed and SERVER_NAME=%s: the target's host", quoteBytes(name))
			}
			return violates("GET http://%s/abs-host reached the app without HTTP_HOST and with SERVER_NAME=%s: the received Host was dropped, but the target's host reaches the app nowhere PEP 3333's URL reconstruction looks", owAbsHost, quoteBytes(name)).with("HTTP_HOST", "SERVER_NAME")
		},
	})

	// ---- RFC 9110 §5.3: the whole header section before the request is applied ----

	register(&Check{
		ID:    "rfc9110/5.3/whole-header-section",
		Title: "a header section sent in two parts a second apart is applied only once complete, with both parts",
		Ref:   Ref{"RFC 9110", "5.3"}, Level: Must, Area: "fields",
		Long:    true,
		Quote:   "A server MUST NOT apply a request to the target resource until it receives the entire request header section, since later header field lines might include conditionals, authentication credentials, or deliberately misleading duplicate header fields that could impact request processing.",
		Observe: owHeadInTwo,
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			late := time.Duration(o.Values["late_at"] * float64(time.Second))
			e, _, err := o.Echo(0, 0)
			if r.HeadAt < late {
				if err == nil {
					return violates("the app's answer arrived %v after the first part of the header section, before the rest (due at %v): the request was applied without the field lines that followed", r.HeadAt.Round(time.Millisecond), late)
				}
				return inconclusive("the server answered %d %s %v after the first part, before the rest was sent: the app was not run, but whether the server would have waited cannot be seen", r.Status, r.Reason, r.HeadAt.Round(time.Millisecond))
			}
			if err != nil {
				return inconclusive("the probe's echo was not received: %v (%s)", err, x.End)
			}
			early, _ := str(e, "HTTP_X_EARLY")
			lateV, _ := str(e, "HTTP_X_LATE")
			if early != "1" || lateV != "2" {
				return violates("the app saw %s and %s: the request was applied with part of its header section", describe(e, "HTTP_X_EARLY"), describe(e, "HTTP_X_LATE")).with("HTTP_X_EARLY", "HTTP_X_LATE")
			}
			return conforms("the server waited for the whole header section: the app saw X-Early and X-Late")
		},
	})

	// ---- RFC 9112 §6.1 and RFC 9110 §8.6: a 2xx to CONNECT has no framing fields ----

	register(&Check{
		ID:    "rfc9112/6.1/connect-2xx-no-te",
		Title: "a 2xx answer to CONNECT carries no Transfer-Encoding (refusing CONNECT conforms)",
		Ref:   Ref{"RFC 9112", "6.1"}, Level: Must, Area: "response",
		Quote: "A server MUST NOT send a Transfer-Encoding header field in any 2xx (Successful) response to a CONNECT request (Section 9.3.6 of [HTTP]).",
		// The application answers 200 with a body; a WSGI server that hands CONNECT to it
		// decides how that answer is framed.
		Observe: exchange(owConnectRequest),
		Judge:   owJudgeConnect("Transfer-Encoding"),
	})
	register(&Check{
		ID:    "rfc9110/8.6/connect-2xx-no-content-length",
		Title: "a 2xx answer to CONNECT carries no Content-Length (refusing CONNECT conforms)",
		Ref:   Ref{"RFC 9110", "8.6"}, Level: Must, Area: "response",
		Quote: "A server MUST NOT send a Content-Length header field in any 2xx (Successful) response to a CONNECT request (Section 9.3.6).",
		// The probe's echo sets Content-Length itself: the server is still the sender.
		Observe: exchange(owConnectRequest),
		Judge:   owJudgeConnect("Content-Length"),
	})

	// ---- RFC 9110 §8.6: Content-Length when the size is known ----

	register(&Check{
		ID:    "rfc9110/8.6/known-length-http10",
		Title: "a one-block body to an HTTP/1.0 request is sent with Content-Length, not close-delimited",
		Ref:   Ref{"RFC 9110", "8.6"}, Level: Should, Area: "response",
		Quote: "Aside from the cases defined above, in the absence of Transfer-Encoding, an origin server SHOULD send a Content-Length header field when the content size is known prior to sending the complete header section.",
		// The app returns a one-element list without Content-Length: PEP 3333 ("Handling the
		// Content-Length Header") lets the server take its length, and over HTTP/1.0 the
		// only other way to end the body is closing the connection.
		Observe: exchange(func(t *Target) []byte {
			return t.request("GET " + probes.Prefix + "status?code=200&body=hello HTTP/1.0")
		}),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			if r.Status != 200 {
				return inconclusive("answered %d %s, not the app's 200", r.Status, r.Reason)
			}
			if _, ok := r.Get("Transfer-Encoding"); ok {
				return notApplicable("the response to HTTP/1.0 carries Transfer-Encoding (%s): the sentence covers responses without it", openFramingFields(r))
			}
			if cl, ok := r.Get("Content-Length"); ok {
				return conforms("Content-Length: %s", cl)
			}
			return violates("the 5-octet body the app returned as a one-element list went out without Content-Length, %s: its size was known before the header section was sent, and a client cannot tell a close-delimited body from one cut short", r.Framing)
		},
	})

	// ---- RFC 9112 §9.5: time-outs and closures ----

	register(&Check{
		ID:    "rfc9112/9.5/graceful-timeout",
		Title: "an idle keep-alive connection the server times out ends with a FIN, not a reset",
		Ref:   Ref{"RFC 9112", "9.5"}, Level: Should, Area: "connection",
		Long: true, Watches: true,
		Quote: "A client or server that wishes to time out SHOULD issue a graceful close on the connection.",
		// Watched for owIdleBound: a server with a longer keep-alive time-out is not applicable.
		Observe: one(func(t *Target) wire.Script {
			return wire.Script{Steps: []wire.Step{{Data: t.get("/idle")}}, Responses: 1, Linger: owIdleBound, IdleTimeout: 3 * time.Second, Deadline: owIdleBound + 5*time.Second}
		}),
		Judge: owJudgeIdleClose,
	})
	register(&Check{
		ID:    "rfc9112/9.5/closure-monitored",
		Title: "after the client closes its side of an idle keep-alive connection, the server closes its own promptly",
		Ref:   Ref{"RFC 9112", "9.5"}, Level: Should, Area: "connection",
		Quote: "Implementations SHOULD constantly monitor open connections for a received closure signal and respond to it as appropriate, since prompt closure of both sides of a connection enables allocated system resources to be reclaimed.",
		// The client's FIN follows the response, so no request is outstanding: a server
		// that watches its connections reads the end of the stream and closes.
		Observe: one(func(t *Target) wire.Script {
			return wire.Script{Steps: []wire.Step{{Data: t.get("/half-close")}, {AwaitResponse: 3 * time.Second}},
				HalfClose: true, Responses: 1, Linger: owFINBound, IdleTimeout: 3 * time.Second}
		}),
		Judge: owJudgeHalfClose,
	})
}
