package spec

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// What reaches the client of the application's response: streaming, Content-Length,
// bodiless responses, framing of bodies without a length, Expect: 100-continue.

var pepContentLength = Ref{"PEP 3333", "Handling the Content-Length Header"}

// noBodyThenEcho sends a request whose response must have no body, followed by a pipelined
// echo request: a body sent where none may be shows up as garbage before the second response.
func noBodyThenEcho(first func(t *Target) []byte, head bool) func(ctx context.Context, t *Target) (*Observation, error) {
	return one(func(t *Target) wire.Script {
		req := append(first(t), t.get("/after")...)
		return wire.Script{Steps: []wire.Step{{Data: req}}, Responses: 2, Head: []bool{head}, Linger: 150 * time.Millisecond, IdleTimeout: 2 * time.Second}
	})
}

func judgeNoBody(what string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		x := o.Conns[0].Exchange
		first := o.Response(0, 0)
		if first == nil {
			if x.Closed() && x.Garbage == "" {
				return violates("the %s was not answered at all: the server closed the connection (%s), choking on the app's content instead of leaving it out", what, x.End)
			}
			return inconclusive("no response to the %s (%s)", what, o.ending(0))
		}
		if x.Garbage != "" && x.GarbageAt >= first.End {
			extra := x.Raw[first.End:]
			return violates("the %s was answered with content: %d unexpected bytes followed its header section (%s); a client or proxy reads them as the start of the next response", what, len(extra), quoteBytes(clipStr(string(extra), 60)))
		}
		if len(x.Responses) == 2 {
			if _, _, err := o.Echo(0, 1); err == nil {
				return conforms("no content, and the next response on the connection is intact")
			}
		}
		if x.Closed() && len(x.Raw) == first.End {
			return conforms("no content; the server closed the connection after the response")
		}
		return inconclusive("the pipelined follow-up was not answered (%s)", o.ending(0))
	}
}

// spacedBlocks observes the probe's scenario (stream, write-stream) sending 3 blocks of 16
// bytes a delay apart. An unbuffered server delivers block 3 two delays after block 1, a
// buffering one at the same moment; the threshold is one delay. 200ms is many times the
// jitter a busy machine adds to a block's delivery; the round trips cover a remote target.
func spacedBlocks(name string) func(ctx context.Context, t *Target) (*Observation, error) {
	return func(ctx context.Context, t *Target) (*Observation, error) {
		delay := (t.dur(200*time.Millisecond) + 4*t.RTT).Milliseconds()
		o, err := exchange(scenario(fmt.Sprintf("%s?chunks=3&delay_ms=%d&size=16", name, delay)))(ctx, t)
		if err == nil {
			o.Values = map[string]float64{"delay_ms": float64(delay)}
		}
		return o, err
	}
}

// judgeSpacedBlocks judges spacedBlocks: block 3 must arrive at least one delay after block
// 1. what names the body ("streamed", "written"); held is the violation's message, given the
// delay and the gap.
func judgeSpacedBlocks(what, held string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		r := o.Response(0, 0)
		if r == nil || len(r.Body) < 48 {
			return inconclusive("the %s body did not arrive whole (%s)", what, o.ending(0))
		}
		delay := time.Duration(o.Values["delay_ms"]) * time.Millisecond
		first, _ := r.BodyArrival(0)
		last, _ := r.BodyArrival(32)
		gap := last - first
		if gap < delay {
			return violates(held, delay, gap.Round(time.Millisecond))
		}
		return conforms("%s blocks arrived %v apart", what, gap.Round(time.Millisecond))
	}
}

func init() {
	register(&Check{
		ID:    "pep3333/response/streaming-unbuffered",
		Title: "each yielded block is sent before the application produces the next",
		Ref:   Ref{"PEP 3333", "Buffering and Streaming"}, Level: Must, Area: "response", Timing: true,
		Quote:   "WSGI servers, gateways, and middleware must not delay the transmission of any block; they must either fully transmit the block to the client, or guarantee that they will continue transmission even while the application is producing its next block.",
		Observe: spacedBlocks("stream"),
		Judge:   judgeSpacedBlocks("streamed", "the app yielded 3 blocks %v apart, but block 1 arrived only %v before block 3: the server buffered the body instead of sending each block as it was yielded"),
	})

	register(&Check{
		ID:    "pep3333/response/content-length-not-exceeded",
		Title: "no more body bytes are sent than the application's Content-Length allows",
		Ref:   pepContentLength, Level: Should, Area: "response",
		Quote: "If the application supplies a Content-Length header, the server should not transmit more bytes to the client than the header allows, and should stop iterating over the response when enough data has been sent, or raise an error if the application tries to write() past that point.",
		Observe: pipeline(2, func(t *Target) []byte {
			return append(t.get(probes.Prefix+"content-length?declared=5&actual=10"), t.get("/after")...)
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			r := o.Response(0, 0)
			if r == nil {
				if x.Closed() && len(x.Raw) == 0 {
					return conforms("the server raised on the excess and closed the connection without sending anything")
				}
				return inconclusive("no response (%s)", o.ending(0))
			}
			if bytes.Contains(x.Raw[r.Start:], []byte("xxxxxx")) || bytes.Contains(x.Raw[r.Start:], []byte("yyyy")) {
				return violates("Content-Length: 5 was declared but more of the app's 18 bytes were sent; on a persistent connection the excess is read as the start of the next response")
			}
			return conforms("sent exactly 5 bytes (%s)", o.ending(0))
		},
	})

	register(&Check{
		ID:    "pep3333/response/short-content-length-closes",
		Title: "a body shorter than its Content-Length ends with the server closing the connection",
		Ref:   pepContentLength, Level: Should, Area: "response",
		Quote: "(Of course, if the application does not provide enough data to meet its stated Content-Length, the server should close the connection and log or otherwise report the error.)",
		Observe: one(func(t *Target) wire.Script {
			return wire.Script{Steps: []wire.Step{{Data: t.get(probes.Prefix + "content-length?declared=20&actual=5")}}, Responses: 1, Linger: 300 * time.Millisecond, IdleTimeout: 4 * time.Second}
		}),
		Judge: func(o *Observation) Verdict {
			x := o.Conns[0].Exchange
			r := o.Response(0, 0)
			if r == nil {
				if x.Closed() {
					return conforms("the server closed the connection without sending the short response")
				}
				return inconclusive("no response (%s)", o.ending(0))
			}
			// A close that comes only when the server's keep-alive timeout runs out is not
			// the close the PEP asks for: the client waited all that time.
			if r.Incomplete != "" && x.Closed() {
				if late := x.EndAt - r.EndAt; late > time.Second {
					return violates("Content-Length: 20 with only 5 bytes: the server kept the connection open and closed it only %v later (a keep-alive timeout), so the client waited for bytes that never came", late.Round(100*time.Millisecond))
				}
				return conforms("the server sent the 5 bytes and closed the connection")
			}
			return violates("Content-Length: 20 with only 5 bytes, and the server kept the connection open (%s): the client waits for 15 bytes that never come", x.End)
		},
	})

	register(&Check{
		ID:    "rfc9110/9.3.2/head-no-content",
		Title: "a response to HEAD has no content",
		Ref:   Ref{"RFC 9110", "9.3.2"}, Level: Must, Area: "response",
		Quote:   "The HEAD method is identical to GET except that the server MUST NOT send content in the response.",
		Observe: noBodyThenEcho(func(t *Target) []byte { return t.request("HEAD " + probes.Prefix + "echo HTTP/1.1") }, true),
		Judge:   judgeNoBody("HEAD request"),
	})

	register(&Check{
		ID:    "rfc9110/15.3.5/204-no-content",
		Title: "a 204 response carries no content even when the application yields some",
		Ref:   Ref{"RFC 9110", "15.3.5"}, Level: Must, Area: "response",
		Quote:   "A 204 response is terminated by the end of the header section; it cannot contain content or trailers.",
		Observe: noBodyThenEcho(func(t *Target) []byte { return t.get(probes.Prefix + "status?code=204&body=unexpected") }, false),
		Judge:   judgeNoBody("204 response"),
	})

	register(&Check{
		ID:    "rfc9110/15.4.5/304-no-content",
		Title: "a 304 response carries no content even when the application yields some",
		Ref:   Ref{"RFC 9110", "15.4.5"}, Level: Must, Area: "response",
		Quote:   "A 304 response is terminated by the end of the header section; it cannot contain content or trailers.",
		Observe: noBodyThenEcho(func(t *Target) []byte { return t.get(probes.Prefix + "status?code=304&body=unexpected") }, false),
		Judge:   judgeNoBody("304 response"),
	})

	register(&Check{
		ID:    "pep3333/response/date-header",
		Title: "the server adds the Date header HTTP requires",
		Ref:   pepStartResponse, Level: Must, Area: "response",
		Quote:   "In general, the server or gateway is responsible for ensuring that correct headers are sent to the client: if the application omits a header required by HTTP (or other relevant specifications that are in effect), the server or gateway must add it.",
		Observe: exchange(func(t *Target) []byte { return t.get("/date") }),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			d, ok := r.Get("Date")
			if !ok {
				return violates("a 200 response without a Date header: RFC 9110 §6.6.1 requires an origin server with a clock to send one in every 2xx, 3xx and 4xx response, and the app did not")
			}
			if _, err := time.Parse(http.TimeFormat, d); err != nil {
				return violates("Date: %s is not an IMF-fixdate (RFC 9110 §5.6.7)", d)
			}
			return conforms("Date: %s", d)
		},
	})

	register(&Check{
		ID:    "pep3333/response/framing-without-content-length",
		Title: "a body without Content-Length is delimited by chunked coding or by closing the connection",
		Ref:   pepContentLength, Level: Must, Area: "response",
		Quote: "If the application does not supply a Content-Length header, a server or gateway may choose one of several approaches to handling it. The simplest of these is to close the client connection when the response is completed.",
		Observe: one(func(t *Target) wire.Script {
			return wire.Script{Steps: []wire.Step{{Data: t.get(probes.Prefix + "no-content-length?chunks=2")}}, Responses: 1, Linger: 150 * time.Millisecond, IdleTimeout: 2 * time.Second}
		}),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			if r.Incomplete != "" {
				return violates("the body without Content-Length was not properly delimited: %s", r.Incomplete)
			}
			if string(r.Body) != "block-0\nblock-1\n" {
				return violates("body %s; expected 'block-0\\nblock-1\\n'", quoteBytes(clipStr(string(r.Body), 80)))
			}
			switch r.Framing {
			case wire.FramingChunked:
				return conforms("chunked: the connection can stay open")
			case wire.FramingContentLength:
				return conforms("the server computed a Content-Length")
			}
			return conforms("close-delimited: the server closed the connection after the body")
		},
	})

	register(&Check{
		ID:    "rfc9112/6.1/no-chunked-to-http10",
		Title: "an HTTP/1.0 request never gets a chunked response",
		Ref:   Ref{"RFC 9112", "6.1"}, Level: Must, Area: "response",
		Quote: "A server MUST NOT send a response containing Transfer-Encoding unless the corresponding request indicates HTTP/1.1 (or later minor revisions).",
		Observe: one(func(t *Target) wire.Script {
			return wire.Script{Steps: []wire.Step{{Data: t.request("GET " + probes.Prefix + "no-content-length?chunks=2 HTTP/1.0")}}, Responses: 1, IdleTimeout: 2 * time.Second}
		}),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			if te, ok := r.Get("Transfer-Encoding"); ok {
				return violates("an HTTP/1.0 request was answered with Transfer-Encoding: %s; an HTTP/1.0 client cannot decode it", te)
			}
			if string(r.Body) != "block-0\nblock-1\n" {
				return violates("body %s; expected 'block-0\\nblock-1\\n' (%s)", quoteBytes(clipStr(string(r.Body), 80)), r.Incomplete)
			}
			return conforms("%s body", r.Framing)
		},
	})

	expect := func(t *Target) wire.Script {
		head := t.request("POST "+probes.Prefix+"echo HTTP/1.1", "Expect: 100-continue", "Content-Length: 7")
		return wire.Script{Steps: []wire.Step{{Data: head}, {Data: []byte("payload"), AwaitResponse: expectWait(t)}}, Responses: 1, IdleTimeout: 3 * time.Second}
	}
	register(&Check{
		ID:    "pep3333/response/expect-continue-transparent",
		Title: "a request with Expect: 100-continue is served and its body read",
		Ref:   Ref{"PEP 3333", "HTTP 1.1 Expect/Continue"}, Level: Must, Area: "response",
		HTTP11:  true,
		Quote:   "Servers and gateways that implement HTTP 1.1 must provide transparent support for HTTP 1.1's \"expect/continue\" mechanism.",
		Observe: one(expect),
		Judge: func(o *Observation) Verdict {
			body, e, ok := bodyOf(o, 0, 0)
			if !ok {
				return violates("a POST with Expect: 100-continue was not served: %s", describeFirst(o))
			}
			if body != "payload" {
				return violates("the app read %s after Expect: 100-continue; expected 'payload' (%s)", quoteBytes(body), e.Input.Error)
			}
			return conforms("served, body read")
		},
	})

	register(&Check{
		ID:    "pep3333/response/expect-continue-interim",
		Title: "the server sends 100 Continue rather than making the client wait it out",
		Ref:   Ref{"PEP 3333", "HTTP 1.1 Expect/Continue"}, Level: Should, Area: "response", Timing: true,
		HTTP11:   true,
		Requires: []string{"pep3333/response/expect-continue-transparent"},
		Quote:    "Wait until the client decides that the server does not support expect/continue, and sends the request body on its own. (This is suboptimal, and is not recommended.)",
		Observe: func(ctx context.Context, t *Target) (*Observation, error) {
			o, err := one(expect)(ctx, t)
			if err == nil {
				o.Values = map[string]float64{"await_ms": float64(t.dur(expectWait(t)).Milliseconds())}
			}
			return o, err
		},
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			for _, i := range r.Interim {
				if i.Status == 100 {
					return conforms("100 Continue after %v", i.HeadAt.Round(time.Millisecond))
				}
			}
			return violates("no 100 Continue came within %v: the client had to give up waiting and send the body on its own (the suboptimal third option)", msValue(o, "await_ms", 1500))
		},
	})

	register(&Check{
		ID:    "pep3333/response/body-bytes-unaltered",
		Title: "body bytes (CR, LF, NUL, 0xFF) reach the client unaltered",
		Ref:   pepSpecDetails, Level: Should, Area: "response",
		Quote:   "The server or gateway should treat the yielded bytestrings as binary byte sequences: in particular, it should ensure that line endings are not altered.",
		Observe: exchange(func(t *Target) []byte { return t.get(probes.Prefix + "file-wrapper?size=1024") }),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			want := make([]byte, 1024)
			for i := range want {
				want[i] = byte(i)
			}
			if !bytes.Equal(r.Body, want) {
				return violates("1024 bytes 0x00..0xff repeated came back as %d different bytes (first difference at %d)", len(r.Body), firstDiff(r.Body, want))
			}
			fw, _ := r.Get("X-Conform-File-Wrapper")
			return conforms("intact (wsgi.file_wrapper %s)", fw)
		},
	})
}

// expectWaitBase is the most of how long a client with Expect: 100-continue waits before it sends the
// body anyway. A server that supports it sends 100 Continue on reading the head, or when the
// app first reads wsgi.input, which the probe does at once: within a round trip and a few
// milliseconds of Python. 500ms is tens of times that (curl waits 1s); the round trips of
// expectWait cover a remote target.
const expectWaitBase = 500 * time.Millisecond

func expectWait(t *Target) time.Duration { return expectWaitBase + 10*t.RTT }

func firstDiff(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) < len(b) {
		return len(a)
	}
	return len(b)
}

// hasToken reports whether a comma-separated header value lists the token.
func hasToken(v, token string) bool {
	for _, p := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(p), token) {
			return true
		}
	}
	return false
}
