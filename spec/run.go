package spec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// RunOptions tune a catalog run.
type RunOptions struct {
	// CheckTimeout bounds one check, observation and verdict (default 30s). A check cut
	// short by it is an Error naming --timeout, never a verdict on the target.
	CheckTimeout time.Duration
	// Progress, when set, is called after every check.
	Progress func(done, total int, r *Result)
	// Trials is how many times, at most, a timing-sensitive check (Check.Timing) is
	// measured when its first trial does not pass: 0 means DefaultTrials, 1 measures once.
	// Trials that disagree give the status Flaky.
	Trials int
	// Revive, when set, brings back a target that died during a check (conform started
	// it: restart it). The run then goes on with the next check. When Revive is nil or
	// fails, every check after the one that killed the target is skipped.
	Revive func(ctx context.Context) error
	// Jobs is how many checks may be in flight at once; 0 or 1 runs them one at a time,
	// in order. Requests is how many of their connections may await answers at once (0:
	// Jobs); a connection that has its answers and only watches what follows holds none.
	// DefaultJobs derives both from what the target serves at once (MeasureCapacity).
	Jobs, Requests int
}

// DefaultTrials is how many times a timing-sensitive check is measured at most.
const DefaultTrials = 3

// MinCheckTimeout is the shortest CheckTimeout under which every check can finish its own
// waits on a slow or silent server: a blocked app's answer awaited 10s after a 200ms
// offset, a response read for 3s and close() polled for 6s more. Both sides scale alike
// with Target.Scale.
const MinCheckTimeout = 12 * time.Second

// Interrupted is the message of a check that did not run, or whose run was cut short,
// because the run was interrupted: its observation is incomplete and gives no verdict.
const Interrupted = "not run: the run was interrupted"

// TargetDied starts the message of the result of a check after which the target no
// longer answered.
const TargetDied = "target died"

// reviveTimeout bounds one Revive call.
const reviveTimeout = 90 * time.Second

func (opt RunOptions) trials() int {
	if opt.Trials <= 0 {
		return DefaultTrials
	}
	return opt.Trials
}

// Run runs the checks against the target and returns one result per check, in the order
// Ordered gives, whatever order they finished in.
//
// With RunOptions.Jobs above 1, checks run concurrently, each on its own connections: up
// to Jobs at once, none beside a check that needs the target to itself (NeedsTarget); see
// schedule.go. With Jobs 0 or 1 they run one at a time in that order.
//
// After a check whose connections ended without an answer (refused, reset, closed or
// timed out with no response) Run probes the target (Target.Alive). If it no longer
// answers, the check that took it down gets an error whose message starts with TargetDied,
// and the target is revived (RunOptions.Revive) or the remaining checks are skipped.
func Run(ctx context.Context, t *Target, checks []*Check, opt RunOptions) []*Result {
	if opt.CheckTimeout <= 0 {
		opt.CheckTimeout = 30 * time.Second
	}
	return newSchedule(ctx, t, prerequisitesFirst(checks), opt).run()
}

// runTrials runs a check once, or, for a timing-sensitive check whose first trial did not
// pass, until the trials disagree or opt.trials() were made. When a trial ended without an
// answer and the target no longer answers, it stops there and returns that trial's result
// with why the target looks dead; the caller decides what the death means. cut reports
// that the last trial's connections were cut (reset, closed or refused before any answer)
// rather than left waiting: the mark of a server process that went away.
//
// A trial cut short gives no verdict, so it never joins the others: an interrupted one
// makes the whole check not run, one that ran out of CheckTimeout makes it that Error.
func runTrials(ctx context.Context, t *Target, c *Check, opt RunOptions) (r *Result, deadWhy error, cut bool) {
	n := 1
	if c.Timing {
		n = opt.trials()
	}
	var trials []*Result
	for k := 0; k < n; k++ {
		res, end := runOnce(ctx, t, c, opt.CheckTimeout, k)
		if end == endInterrupted {
			return interrupted(c, trials, res), nil, false
		}
		cut = end == endCut
		if end == endSilent || end == endCut || end == endTimedOut {
			if err := t.Alive(ctx); err != nil && ctx.Err() == nil {
				return res, err, cut
			}
			if ctx.Err() != nil {
				return interrupted(c, trials, res), nil, false
			}
		}
		if end == endTimedOut {
			if k > 0 {
				res.Message = fmt.Sprintf("trial %d of this timing check: %s", k+1, res.Message)
			}
			res.Duration += totalDuration(trials)
			return res, nil, false
		}
		trials = append(trials, res)
		if res.Status == Pass || res.Status == Skip || res.Status != trials[0].Status {
			break
		}
	}
	return combineTrials(trials), nil, cut
}

// interrupted is the result of a check whose last trial the interrupt cut short.
func interrupted(c *Check, done []*Result, last *Result) *Result {
	r := notRun(c)
	r.Duration = totalDuration(done) + last.Duration
	return r
}

// notRun is the result of a check the interrupted run did not run, or cut short.
func notRun(c *Check) *Result {
	return &Result{Check: c, Status: Skip, Message: Interrupted, Facts: Facts{Interrupted: true}}
}

// notRunAfterDeath is the result of a check not run because the target died during check
// gone.
func notRunAfterDeath(c *Check, gone string) *Result {
	return &Result{Check: c, Status: Skip, Message: "not run: the target died during " + gone, Facts: Facts{TargetDiedDuring: gone}}
}

func totalDuration(rs []*Result) time.Duration {
	var d time.Duration
	for _, r := range rs {
		d += r.Duration
	}
	return d
}

// died turns the result of the check after which the target stopped answering into a
// TargetDied error, and revives the target when it can; gone reports that it could not.
func died(ctx context.Context, t *Target, r *Result, why error, opt RunOptions) (*Result, bool) {
	saw := string(r.Status)
	if r.Message != "" {
		saw += ": " + r.Message
	}
	r.Status = Error
	r.Trials = nil
	r.Message = fmt.Sprintf("%s: the target stopped answering after this check (%v); the check itself saw %s", TargetDied, why, saw)
	r.Facts.TargetDied = true
	if err := revive(ctx, t, opt); err != nil {
		if opt.Revive != nil {
			r.Message += fmt.Sprintf("; restarting it failed: %v", err)
		}
		return r, true
	}
	r.Message += "; conform restarted it and went on with the next check"
	return r, false
}

// revive brings the target back with opt.Revive and makes sure it answers. The run's
// shared measurements, made of the old process, are forgotten.
func revive(ctx context.Context, t *Target, opt RunOptions) error {
	if opt.Revive == nil {
		return errors.New("conform did not start it")
	}
	if m := measurementsOf(ctx); m != nil {
		m.forget()
	}
	rctx, cancel := context.WithTimeout(ctx, t.dur(reviveTimeout))
	err := opt.Revive(rctx)
	cancel()
	if err == nil {
		err = t.Alive(ctx)
	}
	return err
}

// combineTrials folds the trials of one check into its result: the first trial's, with
// Trials set when there were several, and the status Flaky when they disagree.
func combineTrials(trials []*Result) *Result {
	if len(trials) == 1 {
		return trials[0]
	}
	out := *trials[0]
	out.Duration = 0
	same := true
	parts := make([]string, len(trials))
	for i, tr := range trials {
		out.Trials = append(out.Trials, tr.Status)
		out.Duration += tr.Duration
		same = same && tr.Status == trials[0].Status
		parts[i] = fmt.Sprintf("trial %d: %s: %s", i+1, tr.Status, tr.Message)
	}
	if same {
		out.Message = fmt.Sprintf("%s [the same in %d trials]", out.Message, len(trials))
		return &out
	}
	if last := trials[len(trials)-1]; last.proof {
		out.Status, out.Evidence, out.Request, out.Facts = last.Status, last.Evidence, last.Request, last.Facts
		out.Message = fmt.Sprintf("%s [trial %d of %d; what this trial saw no load can cause, so the earlier trials' timings do not count against it: %s]", last.Message, len(trials), len(trials), strings.Join(parts[:len(parts)-1], "; "))
		return &out
	}
	out.Status = Flaky
	out.Message = fmt.Sprintf("the %d trials disagree, so this timing measurement is not conclusive here (try --timeout-scale); %s", len(trials), strings.Join(parts, "; "))
	return &out
}

// Ordered returns the checks in the order Run reports them (and runs them, one at a time):
// every check after the checks it requires, the given order otherwise.
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
// unmet is the result of a check skipped because a prerequisite did not pass, or nil.
func unmet(c *Check, done map[string]*Result) *Result {
	for _, id := range c.Requires {
		if r, ok := done[id]; ok && r.Status != Pass {
			return &Result{Check: c, Status: Skip, Message: fmt.Sprintf("skipped: depends on %s, which did not pass (%s)", id, r.Status),
				Facts: Facts{SkippedFor: id, SkippedForStatus: r.Status}}
		}
	}
	return nil
}

// RunOne runs a single check with a deadline (30s when timeout is zero) and turns what
// happened into a result. It makes one trial and does not probe the target afterwards.
// A check cut short by the deadline is an Error, by ctx a Skip with the message
// Interrupted: neither is a verdict on the target.
func RunOne(ctx context.Context, t *Target, c *Check, timeout time.Duration) *Result {
	r, end := runOnce(ctx, t, c, timeout, 0)
	if end == endInterrupted {
		return interrupted(c, nil, r)
	}
	return r
}

// trialEnd says how one trial of a check ended.
type trialEnd int

const (
	endDone trialEnd = iota
	// endSilent: a connection waited out its timeout without any response; the target
	// may have died, or hangs.
	endSilent
	// endCut: the observation failed (no connection) or a connection was reset, closed or
	// broken before any response; the target may have died.
	endCut
	// endTimedOut: the check's deadline (CheckTimeout) cut the observation short.
	endTimedOut
	// endInterrupted: the run's context was cancelled during the observation.
	endInterrupted
)

// runOnce makes trial k (from 0) of a check. A trial that the check's deadline cut short
// is an Error naming --timeout whatever the observation looked like: a cut-off exchange
// reads as a silent server, and that must not become the server's failure.
func runOnce(ctx context.Context, t *Target, c *Check, timeout time.Duration, k int) (r *Result, end trialEnd) {
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
	limit := t.dur(timeout) + t.slack()
	cctx, cancel := context.WithTimeout(withTrial(ctx, k), limit)
	defer cancel()
	var o *Observation
	err := uwsgiApplies(c)
	if !t.Uwsgi || err == nil {
		o, err = c.Observe(cctx, t)
	}
	switch {
	case ctx.Err() != nil:
		return r, endInterrupted
	case cctx.Err() != nil || pastDeadline(cctx):
		r.Status = Error
		r.Message = fmt.Sprintf("check timed out after %v: conform's --timeout ended it before its own waits were over, so this is no verdict on the target; raise --timeout", limit.Round(time.Millisecond))
		if timeout < MinCheckTimeout {
			r.Message += fmt.Sprintf(" to %v or more", MinCheckTimeout)
		}
		if err != nil {
			r.Message += ": " + err.Error()
		}
		if o != nil {
			r.Request = firstRequest(o)
			r.Evidence = evidence(o, nil)
		}
		return r, endTimedOut
	case errors.Is(err, ErrNotOverUwsgi):
		r.Status = Skip
		r.Message = err.Error()
		return r, endDone
	case err != nil:
		r.Status = Error
		if errors.Is(err, wire.ErrUnreachable) {
			r.Message = "target stopped accepting connections: " + err.Error()
		} else {
			r.Message = err.Error()
		}
		return r, endCut
	}
	end = unanswered(o)
	if o != nil {
		o.FrontFields = t.FrontFields
	}
	if end == endDone && t.Front != "" && gatewayAnswer(o) {
		// The front answered for a server that may have died: liveness decides.
		end = endSilent
	}
	r.Request = firstRequest(o)
	v := applicable(c, o, c.Judge(o))
	r.Status = v.Status(c.Level)
	r.Message = v.Message
	r.Evidence = evidence(o, v.Keys)
	r.Facts = factsOf(o, v)
	r.proof = v.Proof
	return r, end
}

// factsOf is what a judged observation saw, for Result.Facts.
func factsOf(o *Observation, v Verdict) Facts {
	f := Facts{Behaviour: v.Behaviour, Concurrency: v.Concurrency}
	if resp := o.Response(0, 0); resp != nil {
		f.Status, f.BodyBytes, f.Proto = resp.Status, len(resp.Body), resp.Proto
	}
	return f
}

// applicable reports the violation of an HTTP/1.1-only requirement by a server that
// answered as HTTP/1.0 as what it is: an observation of a server the requirement does not
// bind.
func applicable(c *Check, o *Observation, v Verdict) Verdict {
	if !c.HTTP11 || v.Outcome != Violates {
		return v
	}
	r := o.Response(0, 0)
	if r == nil || r.Proto != "HTTP/1.0" {
		return v
	}
	v.Outcome = Observed
	v.Message = fmt.Sprintf("not judged: the server answers as HTTP/1.0 (%s %d %s), which RFC 9110 §2.5 allows (\"A server SHOULD send a response version equal to the highest version to which the server is conformant\"), and this requirement binds HTTP/1.1 implementations only; what it did: %s", r.Proto, r.Status, r.Reason, v.Message)
	return v
}

// pastDeadline catches an exchange that ended on the context's deadline a moment before
// the context's own timer fired.
func pastDeadline(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

// unanswered says how the observation's connections ended: endDone when each got a
// response or ended as asked, endCut when one was reset, broken or closed before any
// response, endSilent when one waited out its timeout without any. A connection the check
// cancelled itself, once it had seen what it needed, says nothing about the target.
func unanswered(o *Observation) trialEnd {
	if o == nil {
		return endDone
	}
	end := endDone
	for _, c := range o.Conns {
		if c == nil || c.Exchange == nil {
			return endCut
		}
		switch x := c.Exchange; x.End {
		case wire.EndReset, wire.EndError:
			return endCut
		case wire.EndClosed:
			if len(x.Responses) == 0 {
				return endCut
			}
		case wire.EndIdle, wire.EndDeadline:
			if len(x.Responses) == 0 && x.ReadErr != context.Canceled.Error() {
				end = endSilent
			}
		}
	}
	return end
}

// gatewayAnswer reports whether any connection got a gateway error (a front's answer for
// the server behind it).
func gatewayAnswer(o *Observation) bool {
	if o == nil {
		return false
	}
	for _, c := range o.Conns {
		if c == nil || c.Exchange == nil {
			continue
		}
		for _, r := range c.Exchange.Responses {
			if gatewayError(r.Status) {
				return true
			}
		}
	}
	return false
}

// firstRequest is every byte the observation's first connection sent.
func firstRequest(o *Observation) []byte {
	if o == nil {
		return nil
	}
	for _, c := range o.Conns {
		if c != nil && c.Exchange != nil {
			return c.Exchange.Sent
		}
	}
	return nil
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
