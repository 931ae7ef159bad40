package spec

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// PEP 3333, "The start_response() Callable" and the application/server contract around the
// response iterable: ordering, exc_info, write(), close().

var pepStartResponse = Ref{"PEP 3333", "The start_response() Callable"}
var pepSpecDetails = Ref{"PEP 3333", "Specification Details"}

// scenario builds a GET for a probe scenario that closes the connection after the response,
// so close-delimited bodies end cleanly.
func scenario(name string, fields ...string) func(t *Target) []byte {
	return func(t *Target) []byte {
		return t.get(probes.Prefix+name, append(fields, "Connection: close")...)
	}
}

func init() {
	register(&Check{
		ID:    "pep3333/start-response/second-call-without-exc-info",
		Title: "a second start_response call without exc_info raises an error",
		Ref:   pepStartResponse, Level: Must, Area: "start-response",
		Quote:   "More precisely, it is a fatal error to call start_response without the exc_info argument if start_response has already been called within the current invocation of the application.",
		Observe: exchange(scenario("start-response-twice")),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			if r.Status == 299 {
				return violates("the second start_response('299 Second', ...) returned normally and its status was sent: the server let the application silently replace headers without exc_info")
			}
			e, _, err := o.Echo(0, 0)
			if err != nil {
				return inconclusive("the probe's echo was not received: %v", err)
			}
			if e.ResultString("second_call") != "raised" {
				return violates("the second start_response call without exc_info returned normally instead of raising")
			}
			return conforms("the second call raised %s", e.ResultString("exception"))
		},
	})

	register(&Check{
		ID:    "pep3333/start-response/exc-info-replaces-headers",
		Title: "start_response with exc_info before any output replaces status and headers",
		Ref:   pepStartResponse, Level: Should, Area: "start-response",
		Quote:   "If exc_info is supplied, and no HTTP headers have been output yet, start_response should replace the currently-stored HTTP response headers with the newly-supplied ones, thus allowing the application to \"change its mind\" about the output when an error has occurred.",
		Observe: exchange(scenario("exc-info-before-headers")),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			calls := r.Values("X-Conform-Call")
			if r.Status != 500 || len(calls) != 1 || calls[0] != "second" {
				return violates("after start_response('200 OK', first) and start_response('500 ...', second, exc_info) the server sent %d with X-Conform-Call %q; expected 500 with only 'second'", r.Status, calls)
			}
			// The 500 on the wire does not show how start_response behaved: the probe
			// reports whether the call raised. One that raises before any output turns every
			// app's error page into an exception the app did not expect to handle.
			e, err := probes.Decode(r.Body)
			if err != nil {
				return inconclusive("the headers were replaced, but the probe's report of the exc_info call did not arrive: %v", err)
			}
			if e.ResultString("exc_info_call") == "raised" {
				return violates("start_response('500 ...', second, exc_info) raised although no headers had been sent; the probe caught it and the replacement 500 was sent, but an application that does not expect the exception never gets to return its error page")
			}
			return conforms("500 with the replacement headers; start_response returned normally")
		},
	})

	register(&Check{
		ID:    "pep3333/start-response/exc-info-after-headers-raises",
		Title: "start_response with exc_info after headers were sent raises",
		Ref:   pepStartResponse, Level: Must, Area: "start-response",
		Quote:   "However, if exc_info is provided, and the HTTP headers have already been sent, start_response must raise an error, and should re-raise using the exc_info tuple.",
		Observe: exchange(scenario("exc-info-after-headers")),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			body := string(r.Body)
			if r.Status != 200 {
				return bufferedReplacement(r)
			}
			switch {
			case !strings.HasPrefix(body, "first\n"):
				return inconclusive("the first block did not arrive: %d %s, body %s", r.Status, r.Reason, quoteBytes(clipStr(body, 80)))
			case strings.Contains(body, "returned"):
				return violates("after the first block was sent, start_response(..., exc_info) returned normally: the app believes it replaced a response that is already on the wire")
			case strings.Contains(body, "raised"):
				return conforms("start_response raised: %s", strings.TrimSpace(strings.TrimPrefix(body, "first\n")))
			}
			return inconclusive("the app's report did not arrive after the first block: body %s", quoteBytes(clipStr(body, 80)))
		},
	})

	register(&Check{
		ID:    "pep3333/start-response/exc-info-reraises-original",
		Title: "start_response with exc_info after headers re-raises the application's exception",
		Ref:   pepStartResponse, Level: Should, Area: "start-response",
		Requires: []string{"pep3333/start-response/exc-info-after-headers-raises"},
		Quote:    "However, if exc_info is provided, and the HTTP headers have already been sent, start_response must raise an error, and should re-raise using the exc_info tuple.",
		Observe:  exchange(scenario("exc-info-after-headers")),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			body := string(r.Body)
			if r.Status != 200 {
				return bufferedReplacement(r)
			}
			if strings.Contains(body, "raised ValueError same=True") {
				return conforms("the original ValueError was re-raised")
			}
			if strings.Contains(body, "raised") {
				return violates("start_response raised, but not the exception passed in exc_info: %s", strings.TrimSpace(strings.TrimPrefix(body, "first\n")))
			}
			return inconclusive("the app's report did not arrive: body %s", quoteBytes(clipStr(body, 80)))
		},
	})

	register(&Check{
		ID:    "pep3333/start-response/headers-held-until-body",
		Title: "headers are not sent until the first non-empty body block (an error after b\"\" still yields 500)",
		Ref:   pepStartResponse, Level: Must, Area: "start-response",
		Quote:   "In other words, response headers must not be sent until there is actual body data available, or until the application's returned iterable is exhausted.",
		Observe: exchange(scenario("empty-then-error")),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			switch {
			case r == nil && o.Conns[0].Closed():
				return conforms("no headers were sent before the error; the server closed the connection")
			case r == nil:
				return inconclusive("no response (%s)", o.ending(0))
			case r.Status == 200:
				return violates("the app yielded b'' and then raised, yet '200 OK' was already sent: the server transmitted headers before any body data, so the app could no longer turn the response into an error")
			}
			return conforms("the error became %d %s: headers had been held back", r.Status, r.Reason)
		},
	})

	register(&Check{
		ID:    "pep3333/start-response/lazy-start-response",
		Title: "start_response may be called during the first iteration of a generator application",
		Ref:   pepSpecDetails, Level: Must, Area: "start-response",
		Quote:   "However, this invocation may be performed by the iterable's first iteration, so servers must not assume that start_response() has been called before they begin iterating over the iterable.)",
		Observe: exchange(scenario("lazy-start")),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return violates("no response to a generator app that calls start_response on its first iteration (%s)", o.ending(0))
			}
			if r.Status != 200 || string(r.Body) != "lazy-start\n" {
				return violates("a generator app calling start_response on first iteration got %d %s with body %s; expected 200 'lazy-start\\n'", r.Status, r.Reason, quoteBytes(clipStr(string(r.Body), 80)))
			}
			return conforms("served normally")
		},
	})

	register(&Check{
		ID:    "pep3333/start-response/missing-start-response-is-error",
		Title: "an application that never calls start_response gets an error, not an invented 200",
		Ref:   pepSpecDetails, Level: Should, Area: "start-response",
		Quote:   "(Note: the application must invoke the start_response() callable before the iterable yields its first body bytestring, so that the server can send the headers before any body content.",
		Observe: exchange(scenario("no-start-response")),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			switch {
			case r == nil && o.Conns[0].Garbage != "":
				return violates("the server sent a malformed response (%s) for an app that never called start_response", o.Conns[0].Garbage)
			case r == nil && o.Conns[0].Closed():
				return conforms("the server closed the connection without a response")
			case r == nil:
				return inconclusive("no response (%s)", o.ending(0))
			case r.Status < 300:
				return violates("the app returned a body without calling start_response and the server sent %d %s: it invented a status and headers for an application error", r.Status, r.Reason)
			}
			return conforms("treated as an application error: %d %s", r.Status, r.Reason)
		},
	})

	register(&Check{
		ID:    "pep3333/start-response/write-callable",
		Title: "data passed to write() precedes the returned iterable's data",
		Ref:   Ref{"PEP 3333", "The write() Callable"}, Level: Must, Area: "start-response",
		Quote:   "The write() callable is returned by the start_response() callable, and it accepts a single parameter: a bytestring to be written as part of the HTTP response body, that is treated exactly as though it had been yielded by the output iterable.",
		Observe: exchange(scenario("write-then-iterable")),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return violates("no response to an app using write() (%s)", o.ending(0))
			}
			if string(r.Body) != "write-part;iterable-part" {
				return violates("write(b'write-part;') then return [b'iterable-part'] gave body %s", quoteBytes(clipStr(string(r.Body), 80)))
			}
			return conforms("body 'write-part;iterable-part'")
		},
	})

	register(&Check{
		ID:    "pep3333/start-response/header-crlf-refused",
		Title: "a response header value with CR LF is not sent as a header line (no response splitting)",
		Ref:   Ref{"RFC 9110", "2.2"}, Level: Must, Area: "start-response",
		Quote:   "A sender MUST NOT generate protocol elements that do not match the grammar defined by the corresponding ABNF rules.",
		Observe: exchange(scenario("header-value?value=ok%0D%0AX-Injected:%20yes")),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			for _, r := range x.Responses {
				if _, injected := r.Get("X-Injected"); injected {
					return violates("the app's header value 'ok\\r\\nX-Injected: yes' was sent verbatim and a client parsed an extra header X-Injected: response splitting. PEP 3333 forbids control characters in header values; the server should raise in start_response")
				}
			}
			if strings.Contains(string(x.Raw), "ok\r\nX-Injected") || strings.Contains(string(x.Raw), "ok\nX-Injected") {
				return violates("the raw CR LF from the header value reached the wire")
			}
			if r := o.Response(0, 0); r != nil && r.Status == 200 {
				if v, _ := r.Get("X-Conform-Value"); v != "" {
					return conforms("the value was sanitised to %s before sending", quoteBytes(v))
				}
			}
			return conforms("the header was refused (%s)", describeFirst(o))
		},
	})

	register(&Check{
		ID:    "pep3333/start-response/header-errors-raised-early",
		Title: "start_response raises at once for a header value with control characters",
		Ref:   pepStartResponse, Level: Should, Area: "start-response",
		Quote:   "Servers should check for errors in the headers at the time start_response is called, so that an error can be raised while the application is still running.",
		Observe: exchange(scenario("header-value?value=bad%01value")),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return headerRefusedWithoutResponse(o)
			}
			if r.Status == 500 {
				if e, err := probes.Decode(r.Body); err == nil && e.ResultString("start_response") == "raised" {
					return conforms("start_response raised %s", e.ResultString("exception"))
				}
			}
			if r.Status == 200 {
				v, _ := r.Get("X-Conform-Value")
				return violates("start_response accepted the header value 'bad\\x01value' and the server sent it as %s", quoteBytes(v))
			}
			return conforms("refused with %d %s", r.Status, r.Reason)
		},
	})

	register(&Check{
		ID:    "pep3333/start-response/hop-by-hop-refused",
		Title: "an application setting a hop-by-hop header (Transfer-Encoding) is stopped",
		Ref:   pepStartResponse, Level: Should, Area: "start-response",
		Quote:   "These features are the exclusive province of the actual web server, and a server or gateway should consider it a fatal error for an application to attempt sending them, and raise an error if they are supplied to start_response().",
		Observe: exchange(scenario("hop-by-hop?name=Transfer-Encoding&value=chunked")),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return headerRefusedWithoutResponse(o)
			}
			if e, err := probes.Decode(r.Body); err == nil && e.ResultString("start_response") == "raised" {
				return conforms("start_response raised %s", e.ResultString("exception"))
			}
			if r.Status >= 500 {
				return conforms("refused with %d %s", r.Status, r.Reason)
			}
			if r.Incomplete != "" || o.Conns[0].End == wire.EndGarbage {
				return violates("the app's 'Transfer-Encoding: chunked' was passed through over an unchunked body: the response framing is broken (%s%s)", r.Incomplete, o.Conns[0].Garbage)
			}
			if _, kept := r.Get("Transfer-Encoding"); !kept || r.Framing != wire.FramingChunked {
				return violates("start_response accepted 'Transfer-Encoding: chunked' without raising and the server dropped it from the response: safe on the wire, but the app is never told its header was refused")
			}
			return violates("start_response accepted 'Transfer-Encoding: chunked' from the app (%d %s)", r.Status, r.Reason)
		},
	})

	closeCheck := func(id, title, mode string, abort bool, quote string) *Check {
		return &Check{
			ID: id, Title: title, Ref: pepSpecDetails, Level: Must, Area: "start-response", Quote: quote,
			Observe: func(ctx context.Context, t *Target) (*Observation, error) {
				token := fmt.Sprintf("%s-%d", t.nextID(), time.Now().UnixNano())
				s := wire.Script{Steps: []wire.Step{{Data: scenario("close?mode=" + mode + "&token=" + token)(t)}}, Responses: 1, IdleTimeout: 3 * time.Second}
				if abort {
					// Read a little of the slow body, then hang up: the browser going away.
					s.MaxBytes = 4096
					s.Deadline = 400 * time.Millisecond
				}
				x, err := t.Do(ctx, s)
				if err != nil {
					return nil, err
				}
				o := &Observation{Conns: []*Conn{{Label: "close-" + mode, Exchange: x}}}
				st, err := pollCloseStatus(ctx, t, token, 6*time.Second)
				if err != nil {
					return nil, err
				}
				o.Conns = append(o.Conns, st)
				return o, nil
			},
			Judge: func(o *Observation) Verdict {
				e, _, err := o.Echo(len(o.Conns)-1, 0)
				if err != nil {
					return inconclusive("close-status was not answered: %v", err)
				}
				if e.Result["closed"] != true {
					return violates("the response iterable's close() was not called (%s) within 6s: the app's resources (files, DB connections, locks) leak", modeWords[mode])
				}
				return conforms("close() was called (%s)", modeWords[mode])
			},
		}
	}
	closeQuote := "If the iterable returned by the application has a close() method, the server or gateway must call that method upon completion of the current request, whether the request was completed normally, or terminated early due to an application error during iteration or an early disconnect of the browser."
	register(closeCheck("pep3333/start-response/close-called", "the response iterable's close() is called after a normal response", "list", false, closeQuote))
	register(closeCheck("pep3333/start-response/close-called-on-error", "close() is called when iteration raises", "error", false, closeQuote))
	onDisconnect := closeCheck("pep3333/start-response/close-called-on-disconnect", "close() is called when the client disconnects mid-response", "slow", true, closeQuote)
	onDisconnect.Timing = true
	register(onDisconnect)
}

var modeWords = map[string]string{"list": "normal completion", "error": "iteration raised", "slow": "client disconnected mid-body"}

func describeFirst(o *Observation) string {
	if r := o.Response(0, 0); r != nil {
		return fmt.Sprintf("%d %s", r.Status, r.Reason)
	}
	return o.ending(0)
}

func clipStr(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// probeSays looks for the probe's report of key=value in the raw bytes received, for when
// the server wrapped the probe's answer in a response the reader could not parse.
func probeSays(o *Observation, key, value string) bool {
	return bytes.Contains(o.Conns[0].Raw, []byte(fmt.Sprintf("%q: %q", key, value)))
}

// bufferedReplacement judges exc-info-after-headers when the replacement status reached the
// client: the server had held the whole body back, so no headers had been sent when the app
// called start_response with exc_info, and the MUST does not apply (the buffering itself is
// streaming-unbuffered's finding).
func bufferedReplacement(r *wire.Response) Verdict {
	return notApplicable("the server sent %d %s, the status the app passed with exc_info after its first block: it buffered the body, so no headers had been sent yet and start_response rightly replaced them", r.Status, r.Reason)
}

// headerRefusedWithoutResponse judges a bad-header scenario that got no parseable response:
// the probe's own report that start_response raised, or a closed connection, is a refusal.
func headerRefusedWithoutResponse(o *Observation) Verdict {
	if probeSays(o, "start_response", "raised") {
		return conforms("start_response raised (though the error response that followed was malformed: %s)", o.Conns[0].Garbage)
	}
	if o.Conns[0].Closed() {
		return conforms("refused: %s", o.ending(0))
	}
	return inconclusive("no response (%s)", o.ending(0))
}
