package fuzz

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// progress is when the fuzzing stopped and when the session state was last saved.
type progress struct {
	mu        sync.Mutex
	lastState time.Time
	stopped   time.Time // when the fuzzing stopped (minimization may go on)
}

// saved notes the session state as saved at t.
func (p *progress) saved(t time.Time) {
	p.mu.Lock()
	p.lastState = t
	p.mu.Unlock()
}

// due says the state is to be saved now (force, or every more than its last save), and
// notes it saved.
func (p *progress) due(force bool, every time.Duration) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	due := force || time.Since(p.lastState) > every
	if due {
		p.lastState = time.Now()
	}
	return due
}

// stop notes the fuzzing stopped at t.
func (p *progress) stop(t time.Time) {
	p.mu.Lock()
	p.stopped = t
	p.mu.Unlock()
}

// stoppedAt is when the fuzzing stopped (zero while it runs).
func (p *progress) stoppedAt() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopped
}

// resumeAt is the lowest case not yet done: a resumed session starts there.
func (s *session) resumeAt() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.next.Load()
	if s.opt.Cases > 0 && next > s.first+s.opt.Cases {
		next = s.first + s.opt.Cases
	}
	for n := range s.inflight {
		if n < next {
			next = n
		}
	}
	return next
}

func (s *session) saveState(force bool) {
	if s.progress.due(force, 5*time.Second) {
		if err := s.store.saveState(sessionState{Seed: s.opt.Seed, NextCase: s.resumeAt(), Target: s.opt.Label, UpdatedAt: time.Now()}); err != nil {
			s.fatal(err)
		}
		s.saveCauses()
	}
}

func (s *session) summary(ctx context.Context) *Summary {
	next := s.resumeAt()
	end := s.progress.stoppedAt()
	if end.IsZero() {
		end = time.Now()
	}
	k := s.crashes.counts()
	sum := &Summary{Target: s.opt.Label, Seed: s.opt.Seed, FirstCase: s.first, Cases: s.cases.Load(), Responses: s.exchange.responses(), Elapsed: end.Sub(s.start),
		Restarts: k.restarts, Unattributed: k.unattributed, UnreproducedCrashes: k.unreproduced, Stalls: k.stalls, UnattributedSpins: s.spin.unattributedCount(), Interrupted: ctx.Err() != nil}
	sum.Catalog, sum.Skipped = s.catalog, s.skipped.Load()
	s.triage.fillSummary(sum)
	sum.NextCase = next
	return sum
}

// progressLoop prints the live progress: one line rewritten in place on a terminal, a line
// every ProgressEvery otherwise.
func (s *session) progressLoop(stop <-chan struct{}) {
	if s.opt.Progress == nil {
		<-stop
		return
	}
	every := s.opt.ProgressEvery
	if every <= 0 {
		every = 10 * time.Second
	}
	if s.opt.TTY {
		every = 250 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	width := 0
	for {
		select {
		case <-stop:
			if s.opt.TTY && width > 0 {
				fmt.Fprintf(s.opt.Progress, "\r%*s\r", width, "")
			}
			return
		case <-t.C:
		}
		line := s.progressLine()
		if s.opt.TTY {
			pad := width - len(line)
			width = len(line)
			fmt.Fprintf(s.opt.Progress, "\r%s%*s", line, max(pad, 0), "")
		} else {
			fmt.Fprintln(s.opt.Progress, line)
		}
		s.saveState(false)
	}
}

func (s *session) progressLine() string {
	n := s.cases.Load()
	counts, total := s.triage.tally()
	stopped := s.progress.stoppedAt()
	waiting := s.minimizations.pending()
	if counts == "" {
		counts = " (none)"
	}
	if !stopped.IsZero() {
		// The cases are done; what goes on is the minimization of the last findings, which
		// sends no new case: a falling rate would misreport it.
		el := stopped.Sub(s.start)
		end := stopped.Add(s.opt.MinimizeGrace)
		if !s.workEnd.IsZero() && s.workEnd.Before(end) {
			end = s.workEnd
		}
		return fmt.Sprintf("conform fuzz: %d cases in %s (%.0f cases/s), findings %d%s; minimizing %d, up to %s more",
			n, el.Round(time.Second), float64(n)/math.Max(el.Seconds(), 1e-3), total, counts, waiting, timeLeft(end))
	}
	el := time.Since(s.start)
	rate := float64(n) / math.Max(el.Seconds(), 1e-3)
	line := fmt.Sprintf("conform fuzz: %d cases, %.0f cases/s, findings %d%s, uptime %s", n, rate, total, counts, el.Round(time.Second))
	if q := s.investigations.pending(); q > 0 {
		line += fmt.Sprintf(", investigating %d", q)
	}
	if !s.deadline.IsZero() {
		line += ", " + timeLeft(s.deadline).String() + " left"
		if s.holdBack() {
			line += fmt.Sprintf(" (new cases wait: minimizing %d)", waiting)
		}
	}
	return line
}

// timeLeft is the time until t, rounded to the second: never negative, since a countdown
// that is late shows 0s.
func timeLeft(t time.Time) time.Duration {
	return max(0, time.Until(t)).Round(time.Second)
}
