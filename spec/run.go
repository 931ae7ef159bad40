package spec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/internal/wire"
	"github.com/conform-wsgi/conform/probes"
)

// RunOptions tune a catalog run.
type RunOptions struct {
	// CheckTimeout bounds one check, observation and verdict (default 30s).
	CheckTimeout time.Duration
	// Progress, when set, is called after every check.
	Progress func(done, total int, r *Result)
}

// Run runs the checks against the target, one at a time (a single-threaded server must not
// see one check's traffic interleaved with another's), and returns one result per check.
func Run(ctx context.Context, t *Target, checks []*Check, opt RunOptions) []*Result {
	if opt.CheckTimeout <= 0 {
		opt.CheckTimeout = 30 * time.Second
	}
	checks = prerequisitesFirst(checks)
	results := make([]*Result, 0, len(checks))
	byID := map[string]*Result{}
	for i, c := range checks {
		var r *Result
		if ctx.Err() != nil {
			r = &Result{Check: c, Status: Skip, Message: "not run: the run was interrupted"}
		} else if reason := unmet(c, byID); reason != "" {
			r = &Result{Check: c, Status: Skip, Message: reason}
		} else {
			r = RunOne(ctx, t, c, opt.CheckTimeout)
		}
		results = append(results, r)
		byID[c.ID] = r
		if opt.Progress != nil {
			opt.Progress(i+1, len(checks), r)
		}
	}
	return results
}

// Ordered returns the checks in the order Run runs them: every check after the checks it
// requires, the given order otherwise.
func Ordered(checks []*Check) []*Check { return prerequisitesFirst(checks) }

func prerequisitesFirst(checks []*Check) []*Check {
	in := map[string]*Check{}
	for _, c := range checks {
		in[c.ID] = c
	}
	out := make([]*Check, 0, len(checks))
	placed := map[string]bool{}
	var place func(c *Check)
	place = func(c *Check) {
		if placed[c.ID] {
			return
		}
		placed[c.ID] = true
		for _, id := range c.Requires {
			if r, ok := in[id]; ok {
				place(r)
			}
		}
		out = append(out, c)
	}
	for _, c := range checks {
		place(c)
	}
	return out
}

// unmet says why a check's prerequisites are not met, or "" when they are (or were not run:
// a prerequisite left out by --only does not block its dependents).
func unmet(c *Check, done map[string]*Result) string {
	for _, id := range c.Requires {
		if r, ok := done[id]; ok && r.Status != Pass {
			return fmt.Sprintf("skipped: depends on %s, which did not pass (%s)", id, r.Status)
		}
	}
	return ""
}

// RunOne runs a single check with a deadline (30s when timeout is zero) and turns what
// happened into a result.
func RunOne(ctx context.Context, t *Target, c *Check, timeout time.Duration) (r *Result) {
	start := time.Now()
	r = &Result{Check: c}
	defer func() {
		r.Duration = time.Since(start)
		if p := recover(); p != nil {
			r.Status, r.Message = Error, fmt.Sprintf("internal error in check (please report): %v", p)
		}
	}()
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, t.dur(timeout))
	defer cancel()
	o, err := c.Observe(cctx, t)
	if err != nil {
		r.Status = Error
		switch {
		case errors.Is(err, wire.ErrUnreachable):
			r.Message = "target stopped accepting connections: " + err.Error()
		case cctx.Err() != nil && ctx.Err() == nil:
			r.Message = fmt.Sprintf("check timed out after %v: %v", t.dur(timeout), err)
		default:
			r.Message = err.Error()
		}
		return r
	}
	v := c.Judge(o)
	r.Status = v.Status(c.Level)
	r.Message = v.Message
	r.Evidence = evidence(o, v.Keys)
	return r
}

const evidenceCap = 64 << 10

func evidence(o *Observation, keys []string) []Evidence {
	var out []Evidence
	for ci, c := range o.Conns {
		if c == nil || c.Exchange == nil {
			continue
		}
		x := c.Exchange
		ev := Evidence{Label: c.Label, Request: capBytes(x.Sent), Response: capBytes(x.Raw)}
		ev.End = fmt.Sprintf("connection %s after %v", x.End, x.EndAt.Round(time.Millisecond))
		if x.Garbage != "" {
			ev.End += " (" + x.Garbage + ")"
		}
		if x.WriteErr != "" {
			ev.End += "; write failed: " + x.WriteErr
		}
		if c.At > 0 {
			ev.Timings = append(ev.Timings, fmt.Sprintf("started at +%v", c.At.Round(time.Millisecond)))
		}
		for i, resp := range x.Responses {
			ev.Timings = append(ev.Timings, fmt.Sprintf("response %d: head at %v, complete at %v", i+1, resp.HeadAt.Round(time.Millisecond), resp.EndAt.Round(time.Millisecond)))
			if len(keys) > 0 {
				if e, _, err := o.Echo(ci, i); err == nil {
					ev.Environ = excerpt(e, keys)
				}
			}
		}
		out = append(out, ev)
	}
	return out
}

func excerpt(e *probes.Echo, keys []string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		v, ok := e.Env(k)
		if !ok {
			m[k] = "(absent)"
			continue
		}
		m[k] = fmt.Sprintf("%s %s", v.Type, pyRepr(v))
	}
	return m
}

// pyRepr shows an environ value as Python would print it, so a maintainer recognises it.
func pyRepr(v probes.EnvValue) string {
	if v.Type != "str" {
		return v.Value
	}
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range v.Value {
		switch {
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

func capBytes(b []byte) []byte {
	if len(b) > evidenceCap {
		return append(append([]byte(nil), b[:evidenceCap]...), "\n[... truncated ...]"...)
	}
	return b
}
