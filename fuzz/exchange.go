package fuzz

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conform-wsgi/conform/wire"
)

// exchange is the session's traffic with the target: who may send when, and what the
// exchanges measured.
type exchange struct {
	// gate is held for reading by every exchange and for writing by whatever needs the
	// target to itself (a restart, a replay alone), so that no case runs meanwhile.
	gate sync.RWMutex
	// long is held by every exchange that investigates a verdict about waiting
	// (Timing.hold), so that at most one of them holds a worker of the target at a time:
	// two held both workers of a small server, and a third exchange waiting behind them
	// looked like one the target never answers.
	long sync.Mutex

	lat atomic.Int64 // the target's usual settled exchange (ns): latency
	// recent holds the last settled exchanges' durations, round the ring from next.
	recentMu sync.Mutex
	recent   []time.Duration
	next     int
	resps    atomic.Int64 // responses received (Summary.Responses)
	// lastAnswer is when an exchange last got an answer (unix ns): after a case that takes
	// the server down, none does (crashCandidates).
	lastAnswer atomic.Int64
}

// do sends raw to addr in the gate, holding long when tm says so, and counts the answers.
func (x *exchange) do(ctx context.Context, addr string, raw []byte, writes []Write, want int, tm Timing) *Observation {
	if tm.hold {
		x.long.Lock()
		defer x.long.Unlock()
	}
	x.gate.RLock()
	defer x.gate.RUnlock()
	o := send(ctx, addr, raw, writes, want, tm)
	x.resps.Add(int64(len(o.Answers)))
	if len(o.Answers) > 0 {
		x.lastAnswer.Store(time.Now().UnixNano())
	}
	return o
}

// closeGate waits for the exchanges running and keeps new ones out until openGate.
func (x *exchange) closeGate() { x.gate.Lock() }
func (x *exchange) openGate()  { x.gate.Unlock() }

// latency is the target's usual settled exchange (0 before one was measured).
func (x *exchange) latency() time.Duration { return time.Duration(x.lat.Load()) }

// latencyWindow is how many settled exchanges latency is read from.
const latencyWindow = 128

// noteSettled adds d, the duration of a settled exchange that did not time out. latency is
// the tenth percentile of the last latencyWindow: the time the target takes to serve, not
// the time an exchange queued behind others. A mean had grown to 130-180ms against wsgiref
// (one thread, 1.7ms to serve): each case that made it wait held the next ones, and the
// waits then derived from that mean held it longer still.
func (x *exchange) noteSettled(d time.Duration) {
	x.recentMu.Lock()
	defer x.recentMu.Unlock()
	if len(x.recent) < latencyWindow {
		x.recent = append(x.recent, d)
	} else {
		x.recent[x.next] = d
		x.next = (x.next + 1) % latencyWindow
	}
	sorted := slices.Clone(x.recent)
	slices.Sort(sorted)
	x.lat.Store(int64(sorted[len(sorted)/10]))
}

// responses counts the responses the exchanges received.
func (x *exchange) responses() int64 { return x.resps.Load() }

// lastAnswerAt is when an exchange last got an answer.
func (x *exchange) lastAnswerAt() time.Time { return time.Unix(0, x.lastAnswer.Load()) }

// timing is the configured timing with the linger cut down to what this target needs: an
// extra response comes right after the one before it, so a few times the usual exchange
// time is enough to see it (never more than the configured linger, never under 20ms).
//
// The idle timeout is cut the same way (a response that usually takes 2ms is not waited for
// a whole second, only 50 times that and at least 300ms). The deadline stays as configured.
func (s *session) timing() Timing {
	tm := s.opt.Timing
	if l := s.exchange.latency(); l > 0 {
		tm.Linger = min(tm.Linger, max(20*time.Millisecond, 4*l+5*time.Millisecond))
		tm.Idle = min(tm.Idle, max(300*time.Millisecond, 50*l))
	}
	return tm
}

// investigation is the timing of the sends that confirm, ablate, minimize and record a
// verdict: the session's timing, holding long when the verdict is about the target waiting.
func (s *session) investigation(v Verdict) Timing {
	tm := s.timing()
	tm.hold = v.Class == Hang || v.Kind == "waits" || v.Kind == "stalled" || v.Kind == "no-response"
	return tm
}

// screenTiming is the timing of a case's first send, which most cases agree on: a response
// is waited for at most 8 times this target's usual exchange (at least 5ms, never more than
// configured), and the linger after the expected responses is 4 times it plus 2ms (at least
// 5ms). A case that looks like waiting under it is re-sent with the investigation's longer
// wait before it counts, so a short wait can only cost a re-send, never a finding.
func (s *session) screenTiming() Timing {
	tm := s.timing()
	if l := s.exchange.latency(); l > 0 {
		tm.Idle = min(tm.Idle, max(5*time.Millisecond, 8*l))
		tm.Linger = min(tm.Linger, max(5*time.Millisecond, 4*l+2*time.Millisecond))
	}
	return tm
}

func (s *session) exchangeTimed(ctx context.Context, raw []byte, writes []Write, fast bool, tm Timing) (Verdict, *Observation, *Expectation) {
	e := expectCase(raw, writes, s.opt.Limits, s.opt.Deviations)
	e.Added = s.added
	want := e.Want()
	if fast {
		if e.Settled() {
			tm.Linger = 0
		}
		if want == 0 {
			// Nothing is expected: listen briefly for an answer the reference would not send.
			want, tm.Idle = 1, tm.Linger
		}
	} else {
		want = 0
	}
	o := s.send(ctx, raw, writes, want, tm)
	// A settled exchange that did not time out measures the target's usual exchange: it ends
	// at the last expected response, or when the target closes. One that waited out its idle
	// timeout measures the timeout instead, and would stretch every later wait.
	if fast && e.Settled() && o.DialErr == "" && o.End != wire.EndIdle && o.End != wire.EndDeadline {
		s.exchange.noteSettled(o.Elapsed)
	}
	v := Compare(e, o)
	if v.Standalone >= 0 && !ended(ctx) {
		v = s.standalone(ctx, raw[v.Standalone:], v, tm)
	}
	if ended(ctx) {
		return agree(), o, e
	}
	if v.Class == Crash || v.Class == Hang || len(o.Answers) == 0 && (o.End == wire.EndReset || o.End == wire.EndClosed) {
		if kind, why := s.deadOrAlive(ctx); kind != "" {
			v = Verdict{Class: Crash, Kind: kind, Detail: why + " after this case", Standalone: -1}
		} else if v.Class == Crash {
			v = agree() // the refusal was passing: the server answers again
		}
	}
	return v, o, e
}

// send is one exchange with the target, in the gate, holding long when tm says so.
func (s *session) send(ctx context.Context, raw []byte, writes []Write, want int, tm Timing) *Observation {
	return s.exchange.do(ctx, s.addr, raw, writes, want, tm)
}

// standalone resolves a rejection in a pipeline: the bytes from the rejected request on are
// sent alone. If the target serves that request alone, the rejection came from bytes left
// over in front of it (framing); otherwise it is the target's own strictness.
func (s *session) standalone(ctx context.Context, rest []byte, v Verdict, tm Timing) Verdict {
	e := Expect(rest, s.opt.Limits, s.opt.Deviations)
	e.Added = s.added
	// Only the first answer matters, and it is waited for as long as the case's own: the
	// configured linger would cost a keep-alive server that long for every rejection in a
	// pipeline, known ones included.
	tm.Linger = 0
	return servedAlone(v, e, s.send(ctx, rest, nil, 1, tm))
}

// servedAlone settles a verdict that needed the rejected request sent alone (e), by what the
// target answered to it (o).
func servedAlone(v Verdict, e *Expectation, o *Observation) Verdict {
	if len(e.In.Requests) > 0 && len(o.Answers) > 0 && o.Answers[0].Echo != nil && o.Answers[0].Echo.ID == reqID(&e.In.Requests[0]) {
		v.Standalone, v.Otherwise = -1, nil
		return v
	}
	if v.Otherwise != nil {
		return *v.Otherwise
	}
	return agree()
}

// ended says ctx is done, or its deadline has passed and its timer has not fired yet: an
// exchange or a liveness check cut by that deadline (the session's --duration, a
// minimization's budget) fails in the meantime, and must not be taken for a server that
// stopped answering.
func ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}
