package fuzz

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/conform-wsgi/conform/reference"
)

type minJob struct {
	f *Finding
	v Verdict
}

// minimizations is the background minimizer's queue (unbounded), and the time its
// minimizations took, for reserve.
type minimizations struct {
	jobQueue[minJob]
	spent sync.Mutex
	took  time.Duration
	count int
}

// timed adds a minimization that took d.
func (m *minimizations) timed(d time.Duration) {
	m.spent.Lock()
	m.took += d
	m.count++
	m.spent.Unlock()
}

// reserve is the time the jobs pending are expected to take: their number times the mean
// time of the minimizations so far (firstMinimizeGuess before the first ends), at most most.
func (m *minimizations) reserve(most time.Duration) time.Duration {
	pending := m.pending()
	if pending == 0 {
		return 0
	}
	m.spent.Lock()
	defer m.spent.Unlock()
	each := firstMinimizeGuess
	if m.count > 0 {
		each = m.took / time.Duration(m.count)
	}
	return min(time.Duration(pending)*each, most)
}

// firstMinimizeGuess is what a minimization is expected to take before one has been timed.
const firstMinimizeGuess = 2 * time.Second

// minimizeTime bounds the minimization of one finding, whatever the budget.
const minimizeTime = 15 * time.Second

// minimizeReserve is the time the findings waiting for minimization are expected to take,
// at most a tenth of Duration: the stream of new cases is not starved for them.
func (s *session) minimizeReserve() time.Duration {
	return s.minimizations.reserve(s.opt.Duration / 10)
}

// queueMinimization hands a finding to the background minimizer. The queue has no bound: a
// finding that is not minimized in time is marked so at the end (closeMinimizations).
func (s *session) queueMinimization(f *Finding, v Verdict) {
	s.minimizations.push(minJob{f, v})
}

// minimizer shrinks queued findings one at a time and rewrites them, until the fuzzing has
// stopped and the queue is empty, or ctx ends; a finding cut short is written with the
// smallest bytes found so far.
func (s *session) minimizer(ctx context.Context) {
	s.minimizations.consume(ctx, func(job minJob) {
		began := time.Now()
		s.guard("minimizing "+job.f.ID, func() { s.minimizeOne(ctx, job.f, job.v) })
		s.minimizations.timed(time.Since(began))
	})
}

// minimizeLimit is how long a minimization that began at began may take: minimizeTime, or
// its share of what was left of ctx (the session's Duration) then, among itself and the
// findings waiting now, so that none is left without a try. It shrinks as findings arrive.
func (s *session) minimizeLimit(ctx context.Context, began time.Time) time.Duration {
	limit := minimizeTime
	if dl, ok := ctx.Deadline(); ok {
		waiting := s.minimizations.queued() + 1
		limit = min(limit, dl.Sub(began)/time.Duration(waiting))
	}
	return limit
}

// minimizeOutcome says how a minimization that made tries of budget within mctx ended.
func (s *session) minimizeOutcome(mctx context.Context, tries, budget int) string {
	switch {
	case s.interrupted():
		return MinimizeStopped
	case ended(mctx):
		return MinimizeTime
	case tries >= budget:
		return MinimizeBudget
	}
	return MinimizeDone
}

// closeMinimizations marks the findings whose minimization never began (the session's time
// or grace ran out, or it was interrupted) and rewrites their records, so each says so.
func (s *session) closeMinimizations() {
	why := MinimizeOutOfTime
	if s.interrupted() {
		why = MinimizeStopped
	}
	s.minimizations.drop()
	if err := s.triage.closePending(why, s.store.write); err != nil {
		s.fatal(err)
	}
}

func (s *session) minimizeOne(ctx context.Context, f *Finding, v Verdict) {
	core := v.Core()
	tm := s.investigation(v) // as the confirmation waited
	began := time.Now()
	mctx, cancel := context.WithTimeout(ctx, s.minimizeLimit(ctx, began))
	defer cancel()
	var raw []byte
	var writes []Write
	s.triage.edit(func() { raw, writes = f.Bytes, f.Writes })
	// The last exchange that kept the verdict: the record of the smallest bytes when there
	// is no time left to send them once more.
	var lastBytes []byte
	var lastObs *Observation
	var like []string
	s.triage.edit(func() { like = f.Like })
	standIn, best, bestWrites, o, ok := s.minimizeStandIn(mctx, raw, writes, v, like, tm)
	if ok {
		s.triage.edit(func() {
			f.MinimizeTries, f.MinimizedAs = 1, standIn
			f.Minimization, f.Minimized = MinimizeDone, true
			f.Bytes, f.Writes = best, bestWrites
		})
		fctx, fcancel := s.finishing(ctx)
		defer fcancel()
		s.record(fctx, f, v, o)
		s.report(f)
		return
	}
	best, bestWrites, tries := minimize(mctx, raw, writes, s.opt.MinimizeBudget, func(b []byte, w []Write) bool {
		if time.Since(began) >= s.minimizeLimit(ctx, began) {
			cancel() // findings that arrived since have their share of the time left
			return false
		}
		v, o, _ := s.exchangeTimed(mctx, b, w, true, tm)
		held := v.Core() == core && !ended(mctx)
		if held {
			lastBytes, lastObs = b, o
		}
		return held
	})
	outcome := s.minimizeOutcome(mctx, tries, s.opt.MinimizeBudget)
	var prior *Observation
	s.triage.edit(func() {
		f.MinimizeTries = tries
		f.Minimization = outcome
		f.Minimized = f.Minimization == MinimizeDone
		prior = f.Observed
		if len(best) < len(f.Bytes) {
			f.Bytes, f.Writes, prior = best, bestWrites, nil
			if bytes.Equal(best, lastBytes) {
				prior = lastObs
			}
		}
	})
	fctx, fcancel := s.finishing(ctx)
	defer fcancel()
	s.record(fctx, f, v, prior)
	s.report(f)
}

// standInBudget bounds the tries of a minimization against a stand-in: each costs two
// interpretations by the reference, no exchange.
const standInBudget = 400

// minimizeStandIn minimizes against the reference with a deviation that names the finding
// (like, its diagnosis) as the target's stand-in: a deviation that gives the verdict on
// the finding's bytes is tried until nothing smaller keeps it, then the smallest bytes are
// sent to the target once. ok says they kept the verdict there; o is what the target
// answered. A finding no deviation names, or whose stand-in's result the target does not
// keep, is minimized against the target itself.
func (s *session) minimizeStandIn(ctx context.Context, raw []byte, writes []Write, v Verdict, like []string, tm Timing) (name string, best []byte, bestWrites []Write, o *Observation, ok bool) {
	core := v.Core()
	for _, d := range parsingDeviations() {
		if !slices.Contains(like, d.name) || s.simulated(raw, writes, d.dev).Core() != core {
			continue
		}
		best, bestWrites, _ = minimize(ctx, raw, writes, standInBudget, func(b []byte, w []Write) bool {
			return s.simulated(b, w, d.dev).Core() == core
		})
		if len(best) >= len(raw) {
			return "", nil, nil, nil, false
		}
		got, o, _ := s.exchangeTimed(ctx, best, bestWrites, true, tm)
		if got.Core() != core || ended(ctx) {
			return "", nil, nil, nil, false
		}
		return d.name, best, bestWrites, o, true
	}
	return "", nil, nil, nil, false
}

// simulated is the verdict on raw if the target were the reference with dev.
func (s *session) simulated(raw []byte, writes []Write, dev reference.Deviations) Verdict {
	e := expectCase(raw, writes, s.opt.Limits, s.opt.Deviations)
	e.Added = s.added
	v := Compare(e, PerfectObservation(expectCase(raw, writes, s.opt.Limits, dev)))
	if v.Standalone >= 0 {
		rest := raw[v.Standalone:]
		v = servedAlone(v, Expect(rest, s.opt.Limits, s.opt.Deviations), PerfectObservation(Expect(rest, s.opt.Limits, dev)))
	}
	return v
}
