package fuzz

import (
	"bytes"
	"context"
	"sync"
	"time"
)

type minJob struct {
	f *Finding
	v Verdict
}

// minimizations is the background minimizer's queue (unbounded), the finding it works on
// (minBusy 1), whether the fuzzing has stopped (no more to come), and the time its
// minimizations took, for reserve.
type minimizations struct {
	mu        sync.Mutex
	minQueue  []minJob
	minBusy   int
	minClosed bool
	minSpent  time.Duration
	minCount  int
	minWake   chan struct{} // made by Run
}

// push queues a job and wakes the minimizer.
func (m *minimizations) push(j minJob) {
	m.mu.Lock()
	m.minQueue = append(m.minQueue, j)
	m.mu.Unlock()
	m.wake()
}

// woken is ready when a job was pushed or the queue closed since the minimizer last looked.
func (m *minimizations) woken() <-chan struct{} { return m.minWake }

func (m *minimizations) wake() {
	select {
	case m.minWake <- struct{}{}:
	default:
	}
}

// take hands out the next job (the minimizer is busy with it until finished); have is
// false when the queue is empty, and closed then says no more will come.
func (m *minimizations) take() (j minJob, have, closed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.minQueue) == 0 {
		return minJob{}, false, m.minClosed
	}
	j, m.minQueue = m.minQueue[0], m.minQueue[1:]
	m.minBusy = 1
	return j, true, m.minClosed
}

// finished ends the job taken last, which took took.
func (m *minimizations) finished(took time.Duration) {
	m.mu.Lock()
	m.minBusy = 0
	m.minSpent += took
	m.minCount++
	m.mu.Unlock()
}

// close says no more jobs will come: the minimizer ends once the queue is empty.
func (m *minimizations) close() {
	m.mu.Lock()
	m.minClosed = true
	m.mu.Unlock()
	m.wake()
}

// drop empties the queue (the jobs left are marked by closeMinimizations).
func (m *minimizations) drop() {
	m.mu.Lock()
	m.minQueue = nil
	m.mu.Unlock()
}

// queued counts the jobs waiting; pending adds the one being worked on.
func (m *minimizations) queued() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.minQueue)
}

func (m *minimizations) pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.minQueue) + m.minBusy
}

// reserve is the time the jobs pending are expected to take: their number times the mean
// time of the minimizations so far (firstMinimizeGuess before the first ends), at most most.
func (m *minimizations) reserve(most time.Duration) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	pending := len(m.minQueue) + m.minBusy
	if pending == 0 {
		return 0
	}
	each := firstMinimizeGuess
	if m.minCount > 0 {
		each = m.minSpent / time.Duration(m.minCount)
	}
	return min(time.Duration(pending)*each, most)
}

// firstMinimizeGuess is what a minimization is expected to take before one has been timed.
const firstMinimizeGuess = 2 * time.Second

// minimizeTime bounds the minimization of one finding, whatever the budget.
const minimizeTime = 15 * time.Second

// minimizeReserve is the time the findings waiting for minimization are expected to take,
// at most half of Duration.
func (s *session) minimizeReserve() time.Duration {
	return s.minimizations.reserve(s.opt.Duration / 2)
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
	for ctx.Err() == nil {
		job, have, closed := s.minimizations.take()
		if !have {
			if closed {
				return
			}
			select {
			case <-s.minimizations.woken():
			case <-ctx.Done():
			}
			continue
		}
		began := time.Now()
		s.guard("minimizing "+job.f.ID, func() { s.minimizeOne(ctx, job.f, job.v) })
		s.minimizations.finished(time.Since(began))
	}
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
