package fuzz

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The spin watch. A server that spins after a FIN case (a read loop that takes the end of
// the stream for more data to come) may keep serving other connections from its other
// threads or workers, so no case ever finds it silent. Every spinEvery, when FIN cases ran
// since the last look, the watch holds the gate (no case runs), lets the server settle and
// reads its processes' CPU over spinQuiet: with nothing in flight, a server that keeps
// spinShare of a core busy spins. If it still answers, the FIN cases since the last look
// are sent alone to a restarted server and halved down (as worker deaths are, deaths.go)
// to the one after which it spins again: a crash/spins-after-fin finding. (One that
// answers nothing is left to the crash path.) Reading the CPU needs the harness
// (Options.Instance) or Options.CPU; attributing needs a restart (the Instance's, or
// Options.Restart).

const (
	// spinEvery is how often the watch looks; each look stops the cases for spinSettle
	// plus spinQuiet (and for the wait of the exchanges in flight), about 8% of the time.
	spinEvery  = 3 * time.Second
	spinSettle = 30 * time.Millisecond
	// spinQuiet is the window of a look: 20 ticks of /proc's 10ms.
	spinQuiet = 200 * time.Millisecond
	// maxSpinCandidates bounds the FIN cases kept between two looks (the newest stay).
	maxSpinCandidates = 512
	// spinMinimizeBudget bounds the tries spent minimizing a spin: each one that spins costs
	// a restart, and no case runs meanwhile.
	spinMinimizeBudget = 16
)

// KindSpinsAfterFin is the kind of a crash finding for a server that keeps a core busy after
// a FIN case, whether or not it still answers.
const KindSpinsAfterFin = "spins-after-fin"

// spinState is the spin watch's part of the session (under session.mu).
type spinState struct {
	fins         []int64 // FIN cases since the last look
	unattributed int     // spins no FIN case sent alone did again (Summary.UnattributedSpins)
}

var errNoCPU = errors.New("the target's CPU time cannot be read")

// readsCPU says the target's CPU time can be read: a harness server, or Options.CPU.
func (s *session) readsCPU() bool { return s.opt.CPU != nil || s.opt.Instance != nil }

func (s *session) cpuTime() (time.Duration, error) {
	switch {
	case s.opt.CPU != nil:
		return s.opt.CPU()
	case s.opt.Instance != nil:
		return s.opt.Instance.CPUTime()
	}
	return 0, errNoCPU
}

// restartTarget restarts the target (the harness's server, or Options.Restart); false when
// it cannot be restarted.
func (s *session) restartTarget(ctx context.Context) (bool, error) {
	var err error
	switch {
	case s.opt.Restart != nil:
		err = s.opt.Restart(context.WithoutCancel(ctx))
	case s.opt.Instance != nil:
		err = s.opt.Instance.Restart(context.WithoutCancel(ctx))
	default:
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("fuzz: %s could not be restarted after it spun: %w", s.opt.Label, err)
	}
	s.mu.Lock()
	s.restarts++
	s.mu.Unlock()
	return true, nil
}

// noteFin keeps a FIN case as a candidate for the next look.
func (s *session) noteFin(c *Case) {
	if !halfCloses(c.Writes) || !s.readsCPU() {
		return
	}
	s.mu.Lock()
	s.spin.fins = append(s.spin.fins, c.N)
	if len(s.spin.fins) > maxSpinCandidates {
		s.spin.fins = s.spin.fins[len(s.spin.fins)-maxSpinCandidates:]
	}
	s.mu.Unlock()
}

// startSpinWatch runs the spin watch until stop is closed or ctx ends; the channel it
// returns is closed when the watch is done.
func (s *session) startSpinWatch(ctx context.Context, stop <-chan struct{}) <-chan struct{} {
	done := make(chan struct{})
	if !s.readsCPU() {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		t := time.NewTicker(spinEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			s.mu.Lock()
			cands := s.spin.fins
			s.spin.fins = nil
			s.mu.Unlock()
			if len(cands) > 0 {
				s.guard("watching the server's CPU after FIN cases", func() { s.lookForSpin(ctx, cands) })
			}
		}
	}()
	return done
}

// lookForSpin reads the server's CPU with no case running and, when it spins, finds which
// of the FIN cases cands made it spin.
func (s *session) lookForSpin(ctx context.Context, cands []int64) {
	s.gate.Lock()
	share, spinning := s.spinsNow(ctx)
	if !spinning || !s.answers(ctx) {
		// A server that answers nothing is the crash path's (deadOrAlive): its culprit is
		// looked for among every case left without an answer, not only the FIN cases.
		s.gate.Unlock()
		return
	}
	culprit, o, err := s.narrowSpin(ctx, cands)
	s.gate.Unlock()
	if err != nil {
		s.fatal(err)
		return
	}
	if culprit < 0 {
		if !ended(ctx) {
			s.mu.Lock()
			s.spin.unattributed++
			s.mu.Unlock()
		}
		return
	}
	v := Verdict{Class: Crash, Kind: KindSpinsAfterFin, Standalone: -1,
		Detail: fmt.Sprintf("after this case ended with a FIN, the server's processes kept %.0f%% of a core busy with no request in flight; sent alone to the restarted server, it did so again", share*100)}
	sig := v.Core()
	s.mu.Lock()
	known := s.sigs[sig]
	if !known {
		s.addSignature(sig)
	}
	s.mu.Unlock()
	if known {
		s.dups.Add(1)
		return
	}
	c := s.gen.Case(culprit)
	f := s.addFinding(ctx, sig, v, c, c, c.Features, c.Base, o, nil)
	if !sawEnd(o) {
		// Recording sent the bytes again: the server spins again.
		s.gate.Lock()
		_, err = s.restartTarget(ctx)
		s.gate.Unlock()
		if err != nil {
			s.fatal(err)
			return
		}
	}
	s.minimizeSpin(ctx, f, v)
}

// answers says the server answers a plain GET of the echo on a new connection.
func (s *session) answers(ctx context.Context) bool {
	o := send(ctx, s.addr, livenessRequest(), nil, 1, Timing{Idle: 2 * time.Second, Deadline: 3 * time.Second})
	return len(o.Answers) > 0
}

// spinsNow reads the server's CPU over spinQuiet, after spinSettle (s.gate held: nothing is
// in flight). It returns the share of a core its processes used, and whether that spins.
func (s *session) spinsNow(ctx context.Context) (float64, bool) {
	sleepCtx(ctx, spinSettle)
	c0, err0 := s.cpuTime()
	t0 := time.Now()
	sleepCtx(ctx, spinQuiet)
	c1, err1 := s.cpuTime()
	if err0 != nil || err1 != nil || ended(ctx) {
		return 0, false
	}
	share := float64(c1-c0) / float64(time.Since(t0))
	return share, share >= spinShare
}

// spinsAfter restarts the spinning server, sends the cases alone one after another, and
// says whether the server spins after them (then it is restarted again). s.gate is held. o
// is the last case's exchange.
func (s *session) spinsAfter(ctx context.Context, cases ...*Case) (spins bool, o *Observation, err error) {
	for _, c := range cases {
		if ended(ctx) {
			return false, o, nil
		}
		e := expectCase(c.Bytes, c.Writes, s.opt.Limits, s.opt.Deviations)
		o = send(ctx, s.addr, c.Bytes, c.Writes, max(e.Want(), 1), s.screenTiming())
	}
	if _, spins = s.spinsNow(ctx); !spins {
		return false, o, nil
	}
	if ok, err := s.restartTarget(ctx); !ok {
		return false, o, err
	}
	return true, o, nil
}

// narrowSpin finds the FIN case after which the server spins: the server is restarted, the
// candidates are sent alone, and the set that makes it spin is halved down to one case. It
// returns -1 when they do not make it spin (or the server cannot be restarted). s.gate is
// held.
func (s *session) narrowSpin(ctx context.Context, cands []int64) (int64, *Observation, error) {
	if ok, err := s.restartTarget(ctx); !ok {
		return -1, nil, err
	}
	if _, spinning := s.spinsNow(ctx); spinning {
		return -1, nil, nil // it spins on its own, freshly started
	}
	spins := func(set []int64) (bool, *Observation, error) {
		cases := make([]*Case, len(set))
		for i, n := range set {
			cases[i] = s.gen.Case(n)
		}
		return s.spinsAfter(ctx, cases...)
	}
	ok, o, err := spins(cands)
	if !ok || err != nil {
		return -1, nil, err
	}
	for len(cands) > 1 && !ended(ctx) {
		half, rest := cands[:len(cands)/2], cands[len(cands)/2:]
		if ok, o2, err := spins(half); err != nil {
			return -1, nil, err
		} else if ok {
			cands, o = half, o2
			continue
		}
		ok, o2, err := spins(rest)
		if err != nil {
			return -1, nil, err
		}
		if !ok {
			return -1, nil, nil // it takes cases of both halves, or does not always reproduce
		}
		cands, o = rest, o2
	}
	if len(cands) != 1 || ended(ctx) {
		return -1, nil, nil
	}
	return cands[0], o, nil
}

// minimizeSpin shrinks a spin finding while its bytes, sent alone, still make the server
// spin (twice: a server that is only slow to settle must not shrink it), within
// spinMinimizeBudget tries, no case running. The FIN stays (minimize keeps it).
func (s *session) minimizeSpin(ctx context.Context, f *Finding, v Verdict) {
	if s.opt.MinimizeBudget < 0 || ended(ctx) {
		return
	}
	mctx, cancel := context.WithTimeout(ctx, s.minimizeLimitOf(ctx, time.Now(), crashMinimizeTime))
	defer cancel()
	budget := min(s.opt.MinimizeBudget, spinMinimizeBudget)
	s.mu.Lock()
	raw, writes := f.Bytes, f.Writes
	s.mu.Unlock()
	var last *Observation
	var failed error
	s.gate.Lock()
	best, bestWrites, tries := minimize(mctx, raw, writes, budget, func(b []byte, w []Write) bool {
		c := &Case{Bytes: b, Writes: w}
		for k := 0; k < 2; k++ {
			ok, o, err := s.spinsAfter(mctx, c)
			if err != nil {
				failed = err
			}
			if !ok {
				return false
			}
			last = o
		}
		return true
	})
	s.gate.Unlock()
	if failed != nil {
		s.fatal(failed)
		return
	}
	s.mu.Lock()
	f.MinimizeTries, f.Minimization = tries, s.minimizeOutcome(mctx, tries, budget)
	f.Minimized = f.Minimization == MinimizeDone
	prior := f.Observed
	if len(best) < len(f.Bytes) && last != nil {
		f.Bytes, f.Writes, prior = best, bestWrites, last
	}
	s.mu.Unlock()
	fctx, fcancel := s.finishing(ctx)
	defer fcancel()
	s.record(fctx, f, v, prior)
	s.report(f)
}
