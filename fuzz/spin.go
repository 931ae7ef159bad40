package fuzz

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/conform-wsgi/conform/wire"
)

// The spin watch. A server that spins after a FIN case (a read loop that takes the end of
// the stream for more data to come) may keep serving other connections from its other
// threads or workers, so no case ever finds it silent. Every spinEvery, when FIN cases ran
// since the last look, the watch holds the gate (no case runs), lets the server settle and
// reads its processes' CPU over spinQuiet: with nothing in flight, a server that keeps
// finSpinShare of a core busy, twice, spins. If it still answers, the FIN cases since the
// last look are sent to a restarted server: those left open without an answer each alone
// first, then the others halved down (as worker deaths are, deaths.go) to the one after
// which it spins again: a crash/spins-after-fin finding. Every FIN found to spin is learnt,
// and a later case that ends with it is not narrowed again. (A server that answers
// nothing is left to the crash path, with the FIN cases as its first candidates.) Reading
// the CPU needs the harness (Options.Instance) or Options.CPU; attributing needs a restart
// (the Instance's, or Options.Restart).

const (
	// spinEvery is how often the watch looks; each look stops the cases for spinSettle
	// plus spinQuiet (and for the wait of the exchanges in flight), about 8% of the time.
	spinEvery  = 3 * time.Second
	spinSettle = 30 * time.Millisecond
	// spinQuiet is the window of a look: 20 ticks of /proc's 10ms.
	spinQuiet = 200 * time.Millisecond
	// finSpinShare is the share of a core a server with nothing in flight must keep busy
	// to spin, twice in a row. An idle server uses next to none; gunicorn's spinning sync
	// worker got 27 to 50% of a core on a 2-core machine shared with other work, under
	// the 50% a silent server is held to (spinShare).
	finSpinShare = 0.2
	// spinBootWait bounds the wait for a restarted server's processes to go quiet.
	spinBootWait = 5 * time.Second
	// maxSpinCandidates bounds the FIN cases kept between two looks (the newest stay), and
	// maxOpenCandidates the open ones among them, each sent alone when the server spins.
	maxSpinCandidates = 512
	maxOpenCandidates = 8
)

// KindSpinsAfterFin is the kind of a crash finding for a server that keeps a core busy after
// a FIN case, whether or not it still answers.
const KindSpinsAfterFin = "spins-after-fin"

// spinState is the spin watch's part of the session.
type spinState struct {
	mu   sync.Mutex
	fins []int64 // FIN cases since the last look
	// open are the ones among fins left without an answer on a connection the server kept
	// open: a worker that spins after the FIN answers nothing, so they are sent alone first.
	open         []int64
	unattributed int // spins no FIN case sent alone did again (Summary.UnattributedSpins)
	// silent: the last look found the server answering nothing, and it has not been
	// restarted since (restarts then): the crash path's, so no FIN case is looked at
	// until it has been. Tornado spinning on a chunk-size of -5 leaves every later FIN case
	// open without an answer; a look at each held the cases for seconds.
	silent   bool
	restarts int
	known    map[string]bool // fin features of the crash findings: not sent again (spinFree)
}

// noteFin keeps FIN case n as a candidate for the next look, the newest maxSpinCandidates;
// open says it got no answer on a connection the server kept open.
func (w *spinState) noteFin(n int64, open bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.fins = append(w.fins, n)
	if len(w.fins) > maxSpinCandidates {
		w.fins = w.fins[len(w.fins)-maxSpinCandidates:]
	}
	if open {
		w.open = append(w.open, n)
		if len(w.open) > maxOpenCandidates {
			w.open = w.open[len(w.open)-maxOpenCandidates:]
		}
	}
}

// pending says FIN cases ran since the last look.
func (w *spinState) pending() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.fins) > 0
}

// takeFins hands out the FIN cases since the last look, and the open ones among them, and
// forgets them.
func (w *spinState) takeFins() (fins, open []int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fins, open = w.fins, w.open
	w.fins, w.open = nil, nil
	return fins, open
}

// silentSince says the last look found the server answering nothing, and the target has
// not been restarted since: restarts is the count now.
func (w *spinState) silentSince(restarts int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.silent && w.restarts == restarts
}

// markSilent notes a look found the server answering nothing after restarts restarts.
func (w *spinState) markSilent(restarts int) {
	w.mu.Lock()
	w.silent, w.restarts = true, restarts
	w.mu.Unlock()
}

func (w *spinState) noteUnattributed() {
	w.mu.Lock()
	w.unattributed++
	w.mu.Unlock()
}

// unattributedCount is Summary.UnattributedSpins.
func (w *spinState) unattributedCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.unattributed
}

// learn notes the fin features of f when it is a crash finding (learnSpin).
func (w *spinState) learn(f *Finding) {
	if f.Class != Crash {
		return
	}
	for _, feat := range f.AllFeatures {
		if strings.HasPrefix(feat, "fin:") {
			w.learnFin(feat)
		}
	}
}

// learnFin notes that cases ending with the fin feature fin make the server spin.
func (w *spinState) learnFin(fin string) {
	if fin == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.known == nil {
		w.known = map[string]bool{}
	}
	w.known[fin] = true
}

// knows says a crash finding ends with the fin feature fin.
func (w *spinState) knows(fin string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.known[fin]
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
		err = s.opt.Instance.RestartKilled(context.WithoutCancel(ctx))
	default:
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("fuzz: %s could not be restarted after it spun: %w", s.opt.Label, err)
	}
	s.crashes.noteRestart()
	// A server answers before its workers are done starting: gunicorn's spend a second of
	// CPU importing the application, which a look right after would take for a spin.
	for end := time.Now().Add(spinBootWait); time.Now().Before(end) && !ended(ctx); {
		c0, err0 := s.cpuTime()
		t0 := time.Now()
		sleepCtx(ctx, spinQuiet)
		c1, err1 := s.cpuTime()
		if err0 != nil || err1 != nil || float64(c1-c0)/float64(time.Since(t0)) < finSpinShare {
			break
		}
	}
	return true, nil
}

// noteFin keeps a FIN case as a candidate for the next look; o is its exchange. It reports
// whether the case was found to make the server spin: its other verdict is then moot, and
// confirming it would take a worker down again. A FIN case
// that got no answer and whose connection the server kept open after the FIN is looked at
// at once, itself first: a server that spins on the end of the stream does just that, and
// gunicorn 20.1's sync worker does it on every chunk-data FIN case, so waiting for the next
// look let a second case take its other worker, and the whole server, down.
func (s *session) noteFin(ctx context.Context, c *Case, o *Observation) (spun bool) {
	if !halfCloses(c.Writes) || !s.readsCPU() {
		return false
	}
	open := len(o.Answers) == 0 && o.DialErr == "" && (o.End == wire.EndIdle || o.End == wire.EndDeadline)
	s.spin.noteFin(c.N, open)
	if open && !ended(ctx) && !s.silentSinceLook() {
		// A look of another case's may have found this one to spin before this one's began.
		return s.lookForSpin(ctx, []int64{c.N}) == c.N || s.spin.knows(finFeature(c))
	}
	return false
}

// silentSinceLook says the last look found the server answering nothing and it has not
// been restarted since.
func (s *session) silentSinceLook() bool {
	return s.spin.silentSince(s.crashes.restartCount())
}

// learnSpin notes the fin feature of a crash finding: later cases with it are sent without
// their FIN (spinFree), since each would take a worker down again and cost a restart.
// Against gunicorn 20.1 every chunk-data FIN case spins a sync worker.
func (s *session) learnSpin(f *Finding) {
	s.spin.learn(f)
}

// finFeature is the feature that ends case c with a FIN, or "".
func finFeature(c *Case) string {
	for _, f := range c.Features {
		if strings.HasPrefix(f, "fin:") {
			return f
		}
	}
	return ""
}

// spinFree is c without its FIN when a crash finding already ends at the same place.
func (s *session) spinFree(c *Case) *Case {
	fin := finFeature(c)
	if fin == "" || !s.spin.knows(fin) {
		return c
	}
	keep := make([]bool, len(c.Features))
	for i, f := range c.Features {
		keep[i] = f != fin
	}
	return s.gen.Rebuild(c, keep)
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
			if s.spin.pending() {
				s.guard("watching the server's CPU after FIN cases", func() { s.lookForSpin(ctx, nil) })
			}
		}
	}()
	return done
}

// lookForSpin reads the server's CPU with no case running and, when it spins, finds which
// of the FIN cases since the last look made it spin (prime ones first); it returns that
// case, or -1.
func (s *session) lookForSpin(ctx context.Context, prime []int64) int64 {
	s.exchange.closeGate()
	// Taken with the gate held: every FIN case in flight with the prime ones has ended.
	cands, open := s.spin.takeFins()
	prime = spinSuspects(prime, newestFirst(open))
	share, spinning := s.spinsNow(ctx)
	if !spinning {
		s.exchange.openGate()
		return -1
	}
	if !s.answers(ctx) {
		// A server that answers nothing is the crash path's (deadOrAlive): its culprit is
		// looked for among every case left without an answer, not only the FIN cases.
		s.spin.markSilent(s.crashes.restartCount())
		s.crashes.noteSpinning(spinSuspects(prime, newestFirst(cands)))
		s.exchange.openGate()
		return -1
	}
	if k := s.knownSpinner(slices.Concat(prime, cands)); k >= 0 {
		// Sent before its FIN was known to spin (spinFree): a duplicate, not narrowed again.
		_, err := s.restartTarget(ctx)
		s.exchange.openGate()
		if err != nil {
			s.fatal(err)
			return -1
		}
		s.triage.dup()
		return k
	}
	culprit, o, err := s.narrowSpin(ctx, cands, prime)
	s.exchange.openGate()
	if err != nil {
		s.fatal(err)
		return -1
	}
	if culprit < 0 {
		if !ended(ctx) {
			s.spin.noteUnattributed()
		}
		return -1
	}
	v := Verdict{Class: Crash, Kind: KindSpinsAfterFin, Standalone: -1,
		Detail: fmt.Sprintf("after this case ended with a FIN, the server's processes kept %.0f%% of a core busy with no request in flight; sent alone to the restarted server, it did so again", share*100)}
	c := s.gen.Case(culprit)
	// Every FIN found to spin is learnt, though the findings after the first are duplicates.
	s.spin.learnFin(finFeature(c))
	sig := v.Core()
	known := !s.triage.addNew(sig)
	if known {
		s.triage.dup()
		return culprit
	}
	f := s.addFinding(ctx, sig, v, c, c, c.Features, c.Base, o, nil)
	if !sawEnd(o) {
		// Recording sent the bytes again: the server spins again.
		s.exchange.closeGate()
		_, err = s.restartTarget(ctx)
		s.exchange.openGate()
		if err != nil {
			s.fatal(err)
			return culprit
		}
	}
	var prior *Observation
	s.triage.edit(func() {
		f.Minimization = MinimizeSpin
		prior = f.Observed
	})
	fctx, fcancel := s.finishing(ctx)
	defer fcancel()
	s.record(fctx, f, v, prior)
	return culprit
}

// spinSuspects are the FIN cases of the lists, in order, each once.
func spinSuspects(lists ...[]int64) []int64 {
	var out []int64
	for _, n := range slices.Concat(lists...) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// newestFirst is cases (oldest first) in reverse: a case that makes a worker spin leaves the
// other workers serving only until they spin too, so the culprit is likelier among the last.
func newestFirst(cases []int64) []int64 {
	out := slices.Clone(cases)
	slices.Reverse(out)
	return out
}

// knownSpinner is the first of the FIN cases cands whose FIN a crash finding already ends
// with, or -1.
func (s *session) knownSpinner(cands []int64) int64 {
	for _, n := range cands {
		if fin := finFeature(s.gen.Case(n)); fin != "" && s.spin.knows(fin) {
			return n
		}
	}
	return -1
}

// answers says the server answers a plain GET of the echo on a new connection.
func (s *session) answers(ctx context.Context) bool {
	o := send(ctx, s.addr, livenessRequest(), nil, 1, Timing{Idle: time.Second, Deadline: 1500 * time.Millisecond})
	return len(o.Answers) > 0
}

// spinsNow reads the server's CPU over spinQuiet, after spinSettle (the gate held: nothing is
// in flight), and once more when it is over finSpinShare. It returns the share of a core
// its processes used, and whether they spin: over finSpinShare both times.
func (s *session) spinsNow(ctx context.Context) (float64, bool) {
	sleepCtx(ctx, spinSettle)
	share := 1.0
	for k := 0; k < 2; k++ {
		c0, err0 := s.cpuTime()
		t0 := time.Now()
		sleepCtx(ctx, spinQuiet)
		c1, err1 := s.cpuTime()
		if err0 != nil || err1 != nil || ended(ctx) {
			return 0, false
		}
		if share = min(share, float64(c1-c0)/float64(time.Since(t0))); share < finSpinShare {
			return share, false
		}
	}
	return share, true
}

// spinsAfterFin says c is a FIN case after which the server spins while it still answers:
// one worker of several spinning is a server taken down by the case, as far as a crash's
// culprit goes. (gunicorn 20.1's sync workers spin after chunk-data cut by a FIN, one per
// case; the server stops answering only once both of its workers do, and no case alone
// had taken it down.) The gate is held.
func (s *session) spinsAfterFin(ctx context.Context, c *Case) bool {
	if !halfCloses(c.Writes) || !s.readsCPU() {
		return false
	}
	_, spinning := s.spinsNow(ctx)
	return spinning
}

// spinsAfter restarts the spinning server, sends the cases alone one after another, and
// says whether the server spins after them (then it is restarted again). The gate is held. o
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
// prime candidates are sent alone, one by one, then the other candidates together, and the
// set that makes it spin is halved down to one case. It returns -1 when they do not make it
// spin (or the server cannot be restarted). The gate is held.
func (s *session) narrowSpin(ctx context.Context, cands, prime []int64) (int64, *Observation, error) {
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
	for _, k := range prime {
		if ok, o, err := spins([]int64{k}); ok || err != nil {
			return k, o, err
		}
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
