package fuzz

import (
	"bytes"
	"math/rand/v2"

	"github.com/conform-wsgi/conform/reference"
)

// FIN cases. Every other case ends with the pipelined sentinel, so the stream never ends
// where a parser is weakest: a FIN case ends inside its main request, right after a chunk's
// data, after a chunk-size line, after the last-chunk line (the trailer section's final
// CRLF missing) or inside a Content-Length body, and then shuts down its sending side. The
// reference closes without serving what the FIN cut short; a target that serves it is
// lenient (served-incomplete), and one that keeps a core busy afterwards is found by the
// spin watch (spin.go).

// finOneIn is how often a case is planned to end with a FIN (it applies only to a request
// with a body).
const finOneIn = 8

// planFin draws the FIN decision of a case, after every other decision so that those stay
// as they were. A FIN case has no follow-ups: its stream ends inside the main request.
func planFin(rng *rand.Rand, p *plan) {
	if rng.IntN(finOneIn) == 0 {
		p.fin = rng.Uint64() | 1
		p.follows = nil
	}
}

// cutForFin is the main request's bytes up to where a FIN case ends, and the name of that
// place ("" when the request has no body to end inside: the case is then built as usual).
func cutForFin(rng *rand.Rand, r *request) ([]byte, string) {
	c := r.clone()
	c.Trailers = append([]field(nil), r.Trailers...)
	type place struct {
		name string
		cut  func()
	}
	var places []place
	if r.Chunked && len(r.Chunks) > 0 {
		var data []int
		for i, ch := range r.Chunks {
			if ch.Data != "" {
				data = append(data, i)
			}
		}
		if len(data) > 0 {
			i := pick(rng, data)
			places = append(places,
				place{"chunk-data", func() {
					c.Chunks = c.Chunks[:i+1]
					c.Chunks[i].DataTerm = ""
					c.Trailers, c.TrailerT = nil, ""
				}},
				place{"chunk-size-line", func() {
					c.Chunks = c.Chunks[:i+1]
					c.Chunks[i].Data, c.Chunks[i].DataTerm = "", ""
					c.Trailers, c.TrailerT = nil, ""
				}})
		}
		if last := r.Chunks[len(r.Chunks)-1]; zeroSize(last.Size) && last.Data == "" {
			places = append(places, place{"last-chunk", func() { c.TrailerT = "" }})
		}
	} else if !r.Chunked && r.Body != "" {
		places = append(places, place{"length-body", func() { c.Body = r.Body[:rng.IntN(len(r.Body))] }})
	}
	if len(places) == 0 {
		return nil, ""
	}
	p := pick(rng, places)
	p.cut()
	return c.appendTo(nil), p.name
}

// withHalfClose marks the writes of n bytes to end with a FIN.
func withHalfClose(writes []Write, n int) []Write {
	if len(writes) == 0 {
		return []Write{{Len: n, HalfClose: true}}
	}
	out := append([]Write(nil), writes...)
	out[len(out)-1].HalfClose = true
	return out
}

// halfCloses says the writes end with a FIN.
func halfCloses(writes []Write) bool {
	return len(writes) > 0 && writes[len(writes)-1].HalfClose
}

// expectCase is Expect for bytes sent in writes: a FIN after them is part of what the
// reference judges.
func expectCase(raw []byte, writes []Write, lim reference.Limits, dev reference.Deviations) *Expectation {
	e := Expect(raw, lim, dev)
	e.Fin = halfCloses(writes)
	return e
}

// servedAtFin judges an echo of the request the FIN left incomplete, when the application
// read its body without an error: the reference closes without serving it (RFC 9112 §8: the message is incomplete; §6.3: a Content-Length body
// cut short; §7.1: chunked is complete only at the end of the trailer section).
func (e *Expectation) servedAtFin(i int, te *EchoView) Verdict {
	if te.InputError != "" {
		// A server that runs the application as soon as the head is in (gevent, cheroot)
		// and fails its read of the body at the FIN told the application: it served
		// nothing incomplete.
		return agree()
	}
	return v(Leniency, "served-incomplete", e.finRule(te), i, "the target served a request (%s %s, id %q, %d body bytes %s) the client's FIN left incomplete; the reference closes the connection without serving it", te.Method, clip(te.Path, 60), te.ID, te.BodyLen, quoteClip(te.Body))
}

// finRule names where the FIN cut the request the target served: its header section, its
// chunked body before the last chunk, its trailer section, or its Content-Length body.
func (e *Expectation) finRule(te *EchoView) string {
	rest := e.Raw[min(e.In.Consumed, len(e.Raw)):]
	switch {
	case !bytes.Contains(rest, []byte("\r\n\r\n")) && !bytes.Contains(rest, []byte("\n\n")):
		return "rfc9112/2.2 header section cut by the FIN"
	case completesWith(e.Raw, len(e.In.Requests), "\r\n"):
		return "rfc9112/7.1 trailer section cut by the FIN"
	case finalCodingChunked(te.Headers["HTTP_TRANSFER_ENCODING"]):
		return "rfc9112/7.1 chunked body cut by the FIN before the last chunk"
	}
	return "rfc9112/6.3 body shorter than Content-Length at the FIN"
}

// completesWith says the bytes, with tail added, give the reference more than n complete
// requests: the FIN came after the last chunk, where only the final CRLF was missing.
func completesWith(raw []byte, n int, tail string) bool {
	in := reference.Interpret(append(append([]byte(nil), raw...), tail...), reference.Limits{})
	return len(in.Requests) > n && in.Error == nil
}
