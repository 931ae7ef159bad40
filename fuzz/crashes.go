package fuzz

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/conform-wsgi/conform/probes"
)

// crashes is what the session knows of the target going down: the cases that may have
// taken it or one of its workers down, the restarts, and what could not be attributed.
type crashes struct {
	mu       sync.Mutex
	suspects []suspect // cases that may have killed a worker (deaths.go)
	silent   []suspect // recent cases left without an answer: they may have taken the server down
	// gone are the crash candidates when a target that cannot be restarted stopped answering
	// for good, for the crash finding written at the end if no case's exchange wrote one.
	gone         []int64
	restarts     int
	unattributed int // worker deaths no replayed case reproduced
	// unreproducedCrashes counts times the server went down and no case in flight took it
	// down again alone.
	unreproducedCrashes int
	stalls              int // Summary.Stalls
	// spinning are the FIN cases before a look found the server spinning and answering
	// nothing: the likeliest culprits of the crash the cases then find.
	spinning []int64
	// downSeeds are the catalog seeds a case of which took the whole server down (skipSeed).
	downSeeds map[string]bool
}

// learnDown notes the catalog seed of a finding that took the whole server down.
func (k *crashes) learnDown(f *Finding) {
	if !serverDown(Verdict{Class: f.Class, Kind: f.Kind}) || !strings.HasPrefix(f.CaseBase, "catalog:") {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.downSeeds == nil {
		k.downSeeds = map[string]bool{}
	}
	k.downSeeds[f.CaseBase] = true
}

// skipSeed says cases of the catalog seed base are not sent: one of them took the server
// down, and each other would again (tornado 6.2 spins on the catalog's chunk-size "-5"
// however the case mutates the rest), at the cost of a crash's attribution and a restart.
func (k *crashes) skipSeed(base string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.downSeeds[base]
}

// crashCounts are the crashes' counts the summary reports.
type crashCounts struct {
	restarts, unattributed, unreproduced, stalls int
}

func (k *crashes) counts() crashCounts {
	k.mu.Lock()
	defer k.mu.Unlock()
	return crashCounts{k.restarts, k.unattributed, k.unreproducedCrashes, k.stalls}
}

func (k *crashes) noteRestart() {
	k.mu.Lock()
	k.restarts++
	k.mu.Unlock()
}

// restartCount is how many times the target was restarted.
func (k *crashes) restartCount() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.restarts
}

func (k *crashes) noteStall() {
	k.mu.Lock()
	k.stalls++
	k.mu.Unlock()
}

func (k *crashes) noteUnreproduced() {
	k.mu.Lock()
	k.unreproducedCrashes++
	k.mu.Unlock()
}

func (k *crashes) noteUnattributed() {
	k.mu.Lock()
	k.unattributed++
	k.mu.Unlock()
}

// noteSuspect keeps a case that may have killed a worker, the newest maxSuspects.
func (k *crashes) noteSuspect(c suspect) {
	k.mu.Lock()
	k.suspects = keepNewest(k.suspects, c)
	k.mu.Unlock()
}

// keepNewest appends c to list and keeps its newest maxSuspects.
func keepNewest(list []suspect, c suspect) []suspect {
	list = append(list, c)
	if len(list) > maxSuspects {
		list = list[len(list)-maxSuspects:]
	}
	return list
}

// takeSuspects hands out the suspects whose exchange ended after cutoff, newest first, and
// forgets them all.
func (k *crashes) takeSuspects(cutoff time.Time) []int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	var cands []int64
	for i := len(k.suspects) - 1; i >= 0; i-- {
		if k.suspects[i].at.After(cutoff) {
			cands = append(cands, k.suspects[i].n)
		}
	}
	k.suspects = k.suspects[:0]
	return cands
}

// noteSilent keeps a case left without an answer, the newest maxSuspects.
func (k *crashes) noteSilent(c suspect) {
	k.mu.Lock()
	k.silent = keepNewest(k.silent, c)
	k.mu.Unlock()
}

// noteSpinning keeps the FIN cases cands (likeliest first) as the first crash candidates,
// until a crash's culprit is looked for.
func (k *crashes) noteSpinning(cands []int64) {
	k.mu.Lock()
	k.spinning = cands
	k.mu.Unlock()
}

// forgetSpinning forgets the cases noteSpinning kept.
func (k *crashes) forgetSpinning() {
	k.mu.Lock()
	k.spinning = nil
	k.mu.Unlock()
}

// keepGone keeps cands as the candidates of a target gone for good, unless some are kept.
func (k *crashes) keepGone(cands []int64) {
	k.mu.Lock()
	if k.gone == nil {
		k.gone = cands
	}
	k.mu.Unlock()
}

// goneCandidates are the candidates kept by keepGone.
func (k *crashes) goneCandidates() []int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.gone
}

// livenessRequest is the plain GET of the echo that asks whether the server still answers.
func livenessRequest() []byte {
	return newRequest("GET", probes.Prefix+"echo", "HTTP/1.1", "liveness", roleMain).appendTo(nil)
}

// deadOrAlive checks that the server still answers; it restarts a harness server that died,
// spins or hangs. It returns the kind of stop ("died", "spins", "hangs") and why, or "" when
// the server answers, or answers again after a stall.
func (s *session) deadOrAlive(ctx context.Context) (kind, why string) {
	raw := livenessRequest()
	alive := func() bool {
		if s.opt.Instance != nil && !s.opt.Instance.Alive() {
			return false
		}
		o := send(ctx, s.addr, raw, nil, 1, Timing{Idle: 5 * time.Second, Deadline: 8 * time.Second})
		return len(o.Answers) > 0
	}
	restarts := s.crashes.restartCount()
	// Twice without a harness server: one whose workers are all held by stalled connections
	// answers late. A harness server is given that time by silence, with no case running.
	// A look of the spin watch that found it silent since the last restart saves the wait.
	silent := s.opt.Instance != nil && s.silentSinceLook()
	if !silent && (alive() || ended(ctx) || s.opt.Instance == nil && (alive() || ended(ctx))) {
		return "", "" // alive, or the session is ending: nothing to conclude
	}
	kind, why = KindDied, "the server stopped answering"
	s.exchange.closeGate()
	defer s.exchange.openGate()
	if s.crashes.restartCount() != restarts {
		return "", "" // restarted meanwhile, by the case that found it down first
	}
	if s.opt.Instance != nil {
		if s.opt.Instance.Alive() {
			// No case runs while the gate is held: a stalled server gets the time to
			// finish what it holds.
			if kind, why = s.silence(ctx); kind == "" {
				return "", ""
			}
		} else {
			why = "the server process died"
		}
		// Killed: a server that stopped serving has nothing to finish, and a spinning worker
		// would hold a graceful stop for its whole time-out.
		if err := s.opt.Instance.RestartKilled(context.WithoutCancel(ctx)); err != nil {
			s.fatal(fmt.Errorf("fuzz: %s crashed and could not be restarted: %w", s.opt.Label, err))
			return kind, why
		}
		s.crashes.noteRestart()
		return kind, why
	}
	// A target we cannot restart: wait a little for it to come back, else end the session.
	// (Bounded by the clock, not by tries: a target that accepts and never answers costs
	// each try its whole wait.)
	for back := time.Now().Add(comeBackWithin); time.Now().Before(back); {
		time.Sleep(500 * time.Millisecond)
		if ctx.Err() != nil {
			return "", ""
		}
		wait := min(2*time.Second, max(100*time.Millisecond, time.Until(back)))
		if o := send(ctx, s.addr, raw, nil, 1, Timing{Idle: wait, Deadline: wait}); len(o.Answers) > 0 {
			return kind, why
		}
	}
	// A case's first send writes the crash finding itself; a confirmation, a minimization or
	// a standalone re-send does not know its case, so the candidates are kept for the end.
	s.crashes.keepGone(s.crashCandidates(-1))
	s.fatal(fmt.Errorf("fuzz: %s stopped answering and did not come back within %s; --resume runs the cases in flight again", s.addr, comeBackWithin))
	return kind, why
}

// The kinds of a crash finding for a server that stopped serving.
const (
	KindDied  = "died"  // its process ended, or the target stopped accepting connections
	KindSpins = "spins" // its processes keep a core busy while answering nothing
	KindHangs = "hangs" // its processes stay idle and answer nothing, for longer than stallWait
)

// serverDown reports whether v is a crash that stopped the whole server (not one worker).
func serverDown(v Verdict) bool {
	return v.Class == Crash && (v.Kind == KindDied || v.Kind == KindSpins || v.Kind == KindHangs)
}

const (
	// spinShare is the share of one core a silent server's processes must keep busy to be
	// said to spin.
	spinShare = 0.5
	// cpuWindow is how long a silent server's CPU is read: /proc counts in 10ms ticks.
	cpuWindow = 500 * time.Millisecond
	// stallWait is how long a silent server with idle processes is waited for before it is
	// said to hang: tornado runs the app on its one thread, and a few cases whose app blocks
	// keep it silent for longer than the liveness checks wait.
	stallWait = 20 * time.Second
)

// silence tells why a harness server whose process runs answers nothing: KindSpins when its
// processes keep spinShare of a core busy over cpuWindow, "" when it answers again within
// stallWait (a stall, not a stop), KindHangs otherwise. The caller holds the gate, so no case adds load.
func (s *session) silence(ctx context.Context) (kind, why string) {
	in := s.opt.Instance
	c0, err0 := in.CPUTime()
	t0 := time.Now()
	select {
	case <-time.After(cpuWindow):
	case <-ctx.Done():
		return "", ""
	}
	c1, err1 := in.CPUTime()
	if share := float64(c1-c0) / float64(time.Since(t0)); err0 == nil && err1 == nil && share >= spinShare {
		return KindSpins, fmt.Sprintf("the server spins: its processes kept %.0f%% of a core busy while answering nothing", share*100)
	}
	raw := livenessRequest()
	for deadline := time.Now().Add(stallWait); time.Now().Before(deadline); {
		if ended(ctx) {
			return "", ""
		}
		if !in.Alive() {
			return KindDied, "the server process died"
		}
		if o := send(ctx, s.addr, raw, nil, 1, Timing{Idle: 2 * time.Second, Deadline: 3 * time.Second}); len(o.Answers) > 0 {
			s.crashes.noteStall()
			return "", ""
		}
	}
	return KindHangs, fmt.Sprintf("the server hangs: its processes stayed idle and answered nothing for %v", stallWait+cpuWindow)
}

// writeUnnoticedCrash writes the crash finding of a target that stopped answering for good
// while no case's first send was running (a confirmation or a minimization found it gone):
// its likeliest candidate is the finding, the others its suspects.
func (s *session) writeUnnoticedCrash(ctx context.Context) {
	cands := s.crashes.goneCandidates()
	written := s.triage.anyFinding(func(f *Finding) bool { return serverDown(Verdict{Class: f.Class, Kind: f.Kind}) })
	if len(cands) == 0 || written {
		return
	}
	c := s.gen.Case(cands[0])
	var suspects []Suspect
	for _, k := range cands[1:] {
		sc := s.gen.Case(k)
		suspects = append(suspects, Suspect{Case: k, Bytes: sc.Bytes, Writes: sc.Writes})
	}
	v := Verdict{Class: Crash, Kind: "died", Standalone: -1,
		Detail: fmt.Sprintf("the server stopped answering while a finding was being confirmed or minimized, after this case or one of %d others in flight then or left without any answer in the %s before; without --server it cannot be restarted to send each alone, so they are written beside this finding as <id>.suspect-N.http, likeliest first", len(suspects), crashWindow)}
	sig := v.Core()
	s.triage.addSignature(sig)
	// Recorded from one plain send: an exchange of the session would wait for the target to
	// come back again.
	ctx = context.WithoutCancel(ctx)
	o := send(ctx, s.addr, c.Bytes, c.Writes, 1, Timing{Idle: 2 * time.Second, Deadline: 4 * time.Second})
	s.addFinding(ctx, sig, v, c, c, c.Features, c.Base, o, suspects)
}

// crashCandidates are the cases that may have taken the server down when case n found it
// gone: the FIN cases before a look found it spinning (noteSpinning), n itself, the others
// in flight, and the recent cases that got no answer at all, at most maxCrashCandidates,
// likeliest first. After the culprit the server answers nothing, so
// the cases sent after the last answer any exchange got (less a margin for answers already
// on their way) come first, earliest first: the cases sent after the culprit are its
// victims. Then the other cases in flight (one may be re-sending its bytes to confirm a
// verdict), then the other silent ones, newest first.
// n < 0 when no case noticed.
func (s *session) crashCandidates(n int64) []int64 {
	margin := max(50*time.Millisecond, 10*s.exchange.latency())
	return s.crashes.candidates(n, s.flight(), s.exchange.lastAnswerAt().Add(-margin))
}

// candidates are crashCandidates, given the cases in flight and when they began, and the
// time after which the cases sent got no answer.
func (k *crashes) candidates(n int64, inflight map[int64]time.Time, after time.Time) []int64 {
	type cand struct {
		n    int64
		sent time.Time
	}
	var flight, silent []cand
	if _, ok := inflight[n]; !ok && n >= 0 {
		flight = append(flight, cand{n, time.Now()})
	}
	for c, at := range inflight {
		flight = append(flight, cand{c, at})
	}
	k.mu.Lock()
	cands := slices.Clone(k.spinning)
	for i := len(k.silent) - 1; i >= 0; i-- {
		if time.Since(k.silent[i].at) < crashWindow {
			silent = append(silent, cand{k.silent[i].n, k.silent[i].sent})
		}
	}
	k.mu.Unlock()
	slices.SortFunc(flight, func(a, b cand) int { return cmp.Compare(a.n, b.n) })
	var first []cand
	for _, c := range append(append([]cand(nil), flight...), silent...) {
		if !c.sent.Before(after) {
			first = append(first, c)
		}
	}
	slices.SortStableFunc(first, func(a, b cand) int { return a.sent.Compare(b.sent) })
	cands = cands[:min(len(cands), maxCrashCandidates)]
	for _, c := range slices.Concat(first, flight, silent) {
		if !slices.Contains(cands, c.n) && len(cands) < maxCrashCandidates {
			cands = append(cands, c.n)
		}
	}
	return cands
}

// crashCulprit finds which case took the server down: the noticing case n, the others in
// flight, or one of the recent cases that got no answer at all (a server that spins or
// blocks looks like one waiting for more bytes, so that case's own verdict did not ask if
// the server was alive; the next cases did, seconds later). Each is sent alone, no other
// case running, then the server is asked for the echo; the first after which it does not
// answer is the culprit, and the server is restarted once more. It returns -1 when none
// does (the crash was not reproduced), with the server running.
func (s *session) crashCulprit(ctx context.Context, n int64) (int64, *Observation) {
	cands := s.crashCandidates(n)
	s.crashes.forgetSpinning()
	s.exchange.closeGate()
	defer s.exchange.openGate()
	for _, k := range cands {
		if ended(ctx) {
			break
		}
		// A server still down (or spinning) from before is restarted first: the candidate
		// must take down one that answered.
		if !s.opt.Instance.Alive() || len(send(ctx, s.addr, livenessRequest(), nil, 1, Timing{Idle: 2 * time.Second, Deadline: 4 * time.Second}).Answers) == 0 {
			if err := s.opt.Instance.RestartKilled(context.WithoutCancel(ctx)); err != nil {
				s.fatal(fmt.Errorf("fuzz: %s is down and could not be restarted: %w", s.opt.Label, err))
				return -1, nil
			}
		}
		if down, o := s.takesDown(ctx, s.gen.Case(k)); down {
			return k, o
		}
	}
	return -1, nil
}

// takesDown sends c alone (the gate held), then asks the server for the echo; a server that
// does not answer is restarted, and c took it down. o is c's own exchange.
func (s *session) takesDown(ctx context.Context, c *Case) (down bool, o *Observation) {
	o = send(ctx, s.addr, c.Bytes, c.Writes, max(Expect(c.Bytes, s.opt.Limits, s.opt.Deviations).Want(), 1), s.investigation(Verdict{Class: Hang}))
	if ended(ctx) {
		return false, o
	}
	if s.opt.Instance.Alive() && len(send(ctx, s.addr, livenessRequest(), nil, 1, Timing{Idle: 2 * time.Second, Deadline: 4 * time.Second}).Answers) > 0 {
		if !s.spinsAfterFin(ctx, c) {
			return false, o
		}
	} else if s.opt.Instance.Alive() {
		// A server slow under the case, not stopped by it, answers again within stallWait.
		if kind, _ := s.silence(ctx); kind == "" {
			return false, o
		}
	}
	if err := s.opt.Instance.RestartKilled(context.WithoutCancel(ctx)); err != nil {
		s.fatal(fmt.Errorf("fuzz: %s crashed and could not be restarted: %w", s.opt.Label, err))
		return false, o
	}
	s.crashes.noteRestart()
	return true, o
}

// crashMinimizeBudget bounds the tries spent minimizing a crash: each one that takes the
// server down costs a restart, and no case runs meanwhile.
const crashMinimizeBudget = 30

// crashMinimizeTime bounds a crash's minimization: a try that takes the server down is
// sent twice, each time followed by a liveness check, a CPU reading and a restart.
const crashMinimizeTime = 40 * time.Second

// minimizeCrash shrinks a crash finding while its bytes, sent alone, still take the server
// down, within crashMinimizeBudget tries and crashMinimizeTime (at most a tenth of
// --duration, as the minimizations' reserve: no other case runs meanwhile, and tornado's
// first crash had held a 1-minute session for 44s; or the session's time left, not shared
// with the minimizations queued behind it: a crash ranks above them). The finding keeps
// the exchange of its smallest bytes as its record: sending them again would take the
// server down once more.
func (s *session) minimizeCrash(ctx context.Context, f *Finding, v Verdict) {
	if s.opt.MinimizeBudget < 0 || s.opt.Instance == nil || ended(ctx) {
		return
	}
	limit := crashMinimizeTime
	if s.opt.Duration > 0 {
		limit = min(limit, s.opt.Duration/10)
	}
	if dl, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(dl))
	}
	mctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	budget := min(s.opt.MinimizeBudget, crashMinimizeBudget)
	var raw []byte
	var writes []Write
	s.triage.edit(func() { raw, writes = f.Bytes, f.Writes })
	var last *Observation
	s.exchange.closeGate()
	best, bestWrites, tries := minimize(mctx, raw, writes, budget, func(b []byte, w []Write) bool {
		c := &Case{Bytes: b, Writes: w}
		// A server slow to answer under load looks like one taken down: smaller bytes stand
		// only when they take it down twice.
		if down, _ := s.takesDown(mctx, c); !down {
			return false
		}
		down, o := s.takesDown(mctx, c)
		if down {
			last = o
		}
		return down
	})
	s.exchange.openGate()
	outcome := s.minimizeOutcome(mctx, tries, budget)
	var prior *Observation
	s.triage.edit(func() {
		f.MinimizeTries, f.Minimization = tries, outcome
		f.Minimized = f.Minimization == MinimizeDone
		prior = f.Observed
		if len(best) < len(f.Bytes) && last != nil {
			f.Bytes, f.Writes, prior = best, bestWrites, last
		}
	})
	fctx, fcancel := s.finishing(ctx)
	defer fcancel()
	s.record(fctx, f, v, prior)
	s.report(f)
}

const (
	// comeBackWithin is how long a target conform cannot restart has to answer again after
	// it stopped, before the session ends.
	comeBackWithin = 10 * time.Second
	// crashWindow: a server that stops answering is found out by the next cases' liveness
	// checks, two of up to 5s each, so the case that took it down may be that old.
	crashWindow = 30 * time.Second
	// maxCrashCandidates bounds the replays spent finding a crash's culprit; each costs one
	// exchange and a liveness check, and it is done once per session (later crashes are
	// duplicates).
	maxCrashCandidates = 24
)
