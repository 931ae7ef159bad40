package fuzz

import (
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/conform-wsgi/conform/internal/safetext"
	"github.com/conform-wsgi/conform/reference"
)

// ReplayOptions configure Replay.
type ReplayOptions struct {
	Timing     Timing
	Limits     reference.Limits
	Deviations reference.Deviations
}

// Replay sends a finding's bytes (in its writes) to addr once, reading everything the target
// answers, and judges the answer as the fuzzer does (a rejection in a pipeline is resolved by
// sending the rest alone, as in a session).
func Replay(ctx context.Context, addr string, raw []byte, writes []Write, opt ReplayOptions) (*Expectation, *Observation, Verdict) {
	d := DefaultTiming()
	if opt.Timing.Idle <= 0 {
		opt.Timing.Idle = d.Idle
	}
	if opt.Timing.Linger <= 0 {
		opt.Timing.Linger = d.Linger
	}
	if opt.Timing.Deadline <= 0 {
		opt.Timing.Deadline = d.Deadline
	}
	s := &session{opt: Options{Timing: opt.Timing, Limits: opt.Limits, Deviations: opt.Deviations}, addr: addr, cancel: func() {}}
	v, o, e := s.exchangeTimed(ctx, raw, writes, false, opt.Timing)
	return e, o, v
}

// WriteSideBySide shows what the reference and the target made of the bytes, request by
// request, in two columns, then the verdict. Every cell is escaped for the terminal: the
// target's column quotes what it sent, and the reference's the bytes of a finding file,
// which anyone may have edited.
func WriteSideBySide(w io.Writer, e *Expectation, o *Observation, v Verdict) {
	const width = 56
	var left, right []string
	for i := range e.In.Requests {
		r := &e.In.Requests[i]
		framing := "no body"
		switch {
		case r.Chunked:
			framing = "chunked"
		case r.ContentLength >= 0:
			framing = fmt.Sprintf("Content-Length %d", r.ContentLength)
		}
		left = append(left, fmt.Sprintf("#%d %s %s %s", i+1, r.Method, r.Target, r.Proto), fmt.Sprintf("   id %q, %s", reqID(r), framing), fmt.Sprintf("   body %d %s", len(r.Body), quoteClip(r.Body)))
		if r.Close {
			left = append(left, "   then closes the connection")
		}
	}
	switch {
	case e.In.Error != nil:
		left = append(left, fmt.Sprintf("#%d rejected: %d %s", len(e.In.Requests)+1, e.In.Error.Status, e.In.Error.Reason), "   "+e.In.Error.Rule, "   then closes the connection")
	case e.In.Incomplete && e.Fin:
		left = append(left, "the client's FIN cuts a request: closed, not served")
	case e.In.Incomplete:
		left = append(left, "waits for the rest of a request")
	default:
		left = append(left, "waits for the next request")
	}
	if o.DialErr != "" {
		right = append(right, "connection failed: "+o.DialErr)
	}
	for i, a := range o.Answers {
		if a.Echo == nil {
			right = append(right, fmt.Sprintf("#%d %d %s", i+1, a.Status, a.Reason), "   "+quoteClip([]byte(a.Text)))
			continue
		}
		te := a.Echo
		cl := "absent"
		if te.HasCL {
			cl = fmt.Sprintf("%q", te.ContentLength)
		}
		right = append(right, fmt.Sprintf("#%d %d echo: %s %s", i+1, a.Status, te.Method, te.Path), fmt.Sprintf("   id %q, CONTENT_LENGTH %s", te.ID, cl), fmt.Sprintf("   body %d %s", te.BodyLen, quoteClip(te.Body)))
	}
	end := "connection " + string(o.End)
	if o.Garbage != "" {
		end += ": " + o.Garbage
	}
	right = append(right, end)

	fmt.Fprintf(w, "%-*s | %s\n", width, "REFERENCE (reference.Interpret)", "TARGET (what the probe saw)")
	fmt.Fprintf(w, "%s-+-%s\n", strings.Repeat("-", width), strings.Repeat("-", width))
	for i := 0; i < max(len(left), len(right)); i++ {
		l, r := "", ""
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		fmt.Fprintf(w, "%s | %s\n", pad(safetext.Line(l), width), safetext.Line(r))
	}
	fmt.Fprintln(w)
	if v.Class == "" {
		fmt.Fprintln(w, "verdict: the target agrees with the reference")
		return
	}
	fmt.Fprintf(w, "verdict: %s (%s)\n  %s\n", v.Class, safetext.Line(v.Describe()), safetext.Line(v.Detail))
}

// pad cuts or pads s to n runes.
func pad(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		r := []rune(s)
		return string(r[:n-1]) + "…"
	}
	return s + strings.Repeat(" ", n-utf8.RuneCountInString(s))
}
