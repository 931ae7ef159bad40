package fuzz

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/internal/safetext"
	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/wire"
)

// Options configure a fuzzing session.
type Options struct {
	// Addr is the target's host:port. With Instance set it is taken from the instance.
	Addr string
	// Instance, when set, is the server under test started by the harness: it is asked
	// whether it died and restarted after a crash.
	Instance *harness.Instance
	// Label names the target in findings ("gunicorn-sync 20.1.0", "127.0.0.1:8000").
	Label string

	Seed uint64
	// Cases and Duration bound the session (0: unbounded); the context bounds it too.
	// Duration is the wall time of the whole session, from Start: catalog seeding, the
	// cases, confirmation, minimization and the last writes. New cases are held back while
	// the time left is no more than the minimizations waiting are expected to take (their
	// number times the mean time a minimization has taken in this session, 2s before the
	// first ends; at most a tenth of Duration, so that the cases go on at least nine tenths of it), and the last Duration/20 (250ms to 2s, at most
	// half) is kept for writing the findings; a finding whose minimization did not fit says
	// so (Finding.Minimization).
	Cases    int64
	Duration time.Duration
	// Start is when Duration began (zero: when Run is called), so a caller can count what
	// it did first, such as starting the server.
	Start time.Time
	// Workers is how many connections screen new cases at once (default 4); as many
	// investigators confirm and ablate the new disagreements they find.
	Workers int
	// Dir receives the findings ("" keeps them in memory only). Resume continues the session
	// recorded there: its seed, its case counter, and its findings' signatures; a directory
	// recorded against another target (Label) is refused unless Retarget is set.
	Dir      string
	Resume   bool
	Retarget bool

	Timing Timing
	// Limits and Deviations shape the oracle (reference.InterpretWith); the zero values are
	// the conforming reference.
	Limits     reference.Limits
	Deviations reference.Deviations
	// Catalog seeds the generator; nil harvests the check catalog (CatalogSeeds) unless
	// NoCatalog is set.
	Catalog   []Seed
	NoCatalog bool
	// MinimizeBudget bounds the re-sends spent minimizing one finding (default 100; a
	// negative value turns minimization off).
	MinimizeBudget int
	// Progress receives the live progress line; nil is quiet. TTY rewrites one line in
	// place; otherwise a line is printed every ProgressEvery (default 10s).
	Progress      io.Writer
	TTY           bool
	ProgressEvery time.Duration
	// OnFinding is called (from a worker goroutine) for every new finding, after it is
	// written and again after minimization.
	OnFinding func(*Finding)
	// MinimizeGrace is how long queued minimizations may go on after the last case when
	// Cases ends the session (0: not at all), never past Duration; cancelling ctx stops them
	// at once. Findings are written as found either way.
	MinimizeGrace time.Duration
	// FrontFields names the fields a front before the server adds to every request it
	// forwards (X-Forwarded-For, Via, ...): the app seeing them is no finding. With an
	// Instance behind a front, that front's are added.
	FrontFields []string
	// CPU and Restart stand for the Instance's CPUTime and Restart for a target the session
	// does not start (an in-process server): with CPU the spin watch runs (spin.go).
	CPU     func() (time.Duration, error)
	Restart func(context.Context) error
}

// DefaultTiming bounds an exchange with a local server.
func DefaultTiming() Timing {
	return Timing{Idle: time.Second, Linger: 100 * time.Millisecond, Deadline: 5 * time.Second}
}

// Summary is the outcome of a session.
type Summary struct {
	Target    string
	Seed      uint64
	FirstCase int64
	NextCase  int64 // where a resumed session continues
	Cases     int64
	// Responses counts the responses the target sent to the session's exchanges (cases,
	// confirmations, ablations): a case that ends with a pipelined echo is two requests or
	// more to a server that keeps the connection open.
	Responses int64
	// Elapsed is the time the cases ran; Wall the whole session's, from Options.Start to the
	// summary (minimization after the last case and the last writes included).
	Elapsed time.Duration
	Wall    time.Duration
	// Findings are the new findings of this session; Known counts those loaded on resume.
	Findings   []*Finding
	Known      int
	ByClass    map[Class]int
	Duplicates int64 // disagreements whose signature was already known
	Flaky      int64 // disagreements that did not reproduce
	Restarts   int
	// WorkerDeaths counts the worker deaths the server logged during the session (for a
	// harness server that reports them); Unattributed those no replayed case reproduced.
	WorkerDeaths int
	Unattributed int
	// UnreproducedCrashes counts times the server went down and no case in flight then took
	// it down again when sent alone: no finding is written for those.
	UnreproducedCrashes int
	// Stalls counts times the server answered nothing, its processes idle, and answered
	// again within stallWait: slow under the cases, not stopped by one.
	Stalls int
	// UnattributedSpins counts times the server kept a core busy with no case running and
	// no recent FIN case sent alone did it again (spin.go).
	UnattributedSpins int
	// Skipped counts the case numbers not sent: made from a catalog seed a case of which took
	// the whole server down (crashes.skipSeed).
	Skipped     int64
	Interrupted bool
	// Causes group the findings (with a directory, every one written there) by cause.
	Causes *Causes
	// Catalog is the catalog seeds the cases were made from: with Seed, they make case N
	// again (NewGenerator).
	Catalog []Seed
}

// Rate is the cases per second of the session.
func (s *Summary) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Cases) / s.Elapsed.Seconds()
}

// WriteText writes the end-of-session summary. What came from the target (details that
// quote its answers, a server's log line in a rule) is escaped for the terminal.
func (s *Summary) WriteText(w io.Writer) {
	// NextCase is the lowest case not completed, so cases completed after it (while it was
	// still being confirmed at the stop) are run again by --resume: it is no upper bound.
	fmt.Fprintf(w, "conform fuzz: %d cases in %s (%.0f cases/s) against %s, seed %d, from case %d; --resume starts at case %d\n",
		s.Cases, s.Elapsed.Round(100*time.Millisecond), s.Rate(), safetext.Line(s.Target), s.Seed, s.FirstCase, s.NextCase)
	if s.Wall > 0 {
		fmt.Fprintf(w, "  session: %s in all (minimization after the last case and writing included)\n", s.Wall.Round(100*time.Millisecond))
	}
	if s.Interrupted {
		fmt.Fprintln(w, "  interrupted: findings so far are written; --resume continues")
	}
	s.Causes.writeText(w)
	fmt.Fprintf(w, "  new findings: %d%s  (duplicates %d, not reproduced %d, restarts %d)\n", len(s.Findings), classCounts(s.ByClass), s.Duplicates, s.Flaky, s.Restarts)
	if line := minimizationCounts(s.Findings); line != "" {
		fmt.Fprintf(w, "  minimization: %s\n", line)
	}
	if s.WorkerDeaths > 0 || s.Unattributed > 0 {
		fmt.Fprintf(w, "  worker deaths logged by the server: %d (not reproduced by any recent case: %d)\n", s.WorkerDeaths, s.Unattributed)
	}
	if s.UnreproducedCrashes > 0 {
		fmt.Fprintf(w, "  the server went down %d time(s) where no case in flight took it down again alone: no crash finding for those\n", s.UnreproducedCrashes)
	}
	if s.Stalls > 0 {
		fmt.Fprintf(w, "  the server stalled %d time(s): silent, its processes idle, then answering again (not a crash)\n", s.Stalls)
	}
	if s.UnattributedSpins > 0 {
		fmt.Fprintf(w, "  the server spun %d time(s) with no case running where no recent FIN case sent alone made it spin again: no finding for those\n", s.UnattributedSpins)
	}
	if s.Skipped > 0 {
		fmt.Fprintf(w, "  cases not sent: %d, made from a catalog request a case of which took the server down (each would again)\n", s.Skipped)
	}
	if s.Known > 0 {
		fmt.Fprintf(w, "  findings known from earlier sessions: %d\n", s.Known)
	}
	for _, f := range s.Findings {
		note := ""
		if f.Minimization != MinimizeDone && f.Minimization != "" {
			note = "  [" + minimizeNotes[f.Minimization] + "]"
		}
		fmt.Fprintf(w, "  %-22s %s%s\n      %s\n", safetext.Line(f.ID), safetext.Line(f.Signature), note, safetext.Line(clip(f.Detail, 300)))
	}
}

// minimizationCounts says how the findings' minimizations ended, when any did not run to
// the end ("" otherwise).
func minimizationCounts(fs []*Finding) string {
	n := map[string]int{}
	for _, f := range fs {
		n[f.Minimization]++
	}
	if len(fs) == 0 || n[MinimizeDone] == len(fs) {
		return ""
	}
	var parts []string
	for _, m := range minimizeOrder {
		if n[m] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[m], minimizeNotes[m]))
		}
	}
	return strings.Join(parts, ", ")
}

func classCounts(m map[Class]int) string {
	var parts []string
	for _, c := range Classes() {
		if m[c] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c, m[c]))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// session is the state of one Run: its configuration, set before the workers start; the
// worker loop's own state under mu; and the parts that own the rest, each behind its own
// lock, its fields touched only by its own methods.
type session struct {
	opt   Options
	added map[string]bool // environ names of Options.FrontFields
	addr  string
	gen   *Generator
	store store
	start time.Time

	next    atomic.Int64 // next case number to hand out
	cases   atomic.Int64
	skipped atomic.Int64 // Summary.Skipped
	first   int64
	cancel  context.CancelFunc
	// user is the caller's context: when it ends, the session was interrupted.
	user context.Context
	// begin is when Duration began; deadline its end and workEnd the end of the sends,
	// before the write tail (zero without Duration).
	begin, deadline, workEnd time.Time

	exchange      // the traffic with the target (exchange.go)
	minimizations // the background minimizer's queue (minimizer.go)
	// investigations are the new disagreements waiting for an investigator (investigate).
	investigations jobQueue[investigation]
	progress                 // when the fuzzing stopped and the state was saved (state.go)
	crashes                  // the target going down, and the cases that may have done it (crashes.go)
	triage                   // the known signatures and the findings (triage.go)
	spin           spinState // the spin watch (spin.go)

	// mu guards the worker loop's own state: the cases in flight, and the error that
	// ended the session.
	mu       sync.Mutex
	inflight map[int64]time.Time // cases running now, and when each began
	dead     error
	catalog  []Seed // the generator's catalog seeds (Summary.Catalog)
}

// Run runs a fuzzing session until a bound is reached or ctx is cancelled, and returns its
// summary. Findings are written as they are found, so cancelling loses nothing already found;
// the summary and the session state are written on the way out.
func Run(ctx context.Context, opt Options) (*Summary, error) {
	s := &session{opt: opt, user: ctx, inflight: map[int64]time.Time{},
		triage:         triage{sigs: map[string]bool{}, pre: map[string]bool{}, coreSeen: map[string]int{}, confirming: map[string]bool{}, parts: map[string][][]string{}, byClass: map[Class]int{}},
		minimizations:  minimizations{jobQueue: newJobQueue[minJob]()},
		investigations: newJobQueue[investigation]()}
	s.begin = opt.Start
	if s.begin.IsZero() {
		s.begin = time.Now()
	}
	if opt.Duration > 0 {
		s.deadline = s.begin.Add(opt.Duration)
		s.workEnd = s.deadline.Add(-writeTail(opt.Duration))
	}
	fields := opt.FrontFields
	if opt.Instance != nil && opt.Instance.Front != nil {
		fields = append(fields, opt.Instance.Front.Adds...)
	}
	if len(fields) > 0 {
		s.added = map[string]bool{}
		for _, f := range fields {
			s.added[envName(f)] = true
		}
	}
	if opt.Instance != nil {
		s.addr = opt.Instance.Addr
	} else {
		s.addr = opt.Addr
	}
	if s.addr == "" {
		return nil, errors.New("fuzz: no target address")
	}
	if s.opt.Label == "" {
		s.opt.Label = s.addr
	}
	if s.opt.Workers <= 0 {
		s.opt.Workers = 4
	}
	d := DefaultTiming()
	if s.opt.Timing.Idle <= 0 {
		s.opt.Timing.Idle = d.Idle
	}
	if s.opt.Timing.Linger <= 0 {
		s.opt.Timing.Linger = d.Linger
	}
	if s.opt.Timing.Deadline <= 0 {
		s.opt.Timing.Deadline = d.Deadline
	}
	if s.opt.MinimizeBudget == 0 {
		s.opt.MinimizeBudget = 100
	}
	s.store = store{dir: opt.Dir}
	// Where the findings go is checked before anything is sent: a session that cannot keep
	// what it finds is not worth running.
	if err := CheckDir(opt.Dir); err != nil {
		return nil, err
	}
	if opt.Resume && opt.Dir != "" {
		st, found, err := s.store.load()
		if err != nil {
			return nil, fmt.Errorf("resume from %s: %w", opt.Dir, err)
		}
		if st != nil {
			if st.Target != "" && st.Target != s.opt.Label && !opt.Retarget {
				return nil, fmt.Errorf("resume from %s: %w: %s, not %s", opt.Dir, ErrOtherTarget, safetext.Line(st.Target), safetext.Line(s.opt.Label))
			}
			s.opt.Seed, s.first = st.Seed, st.NextCase
		}
		for _, f := range found {
			s.triage.addSignature(f.Signature)
			s.triage.learnNames(f.Class, f.Like)
			s.learnSpin(f)
			s.crashes.learnDown(f)
		}
		s.triage.setKnown(len(found))
	}
	// Seeding and the pre-flight count in Duration too.
	prepCtx, prepCancel := s.withWorkEnd(ctx)
	defer prepCancel()
	catalog, err := s.seeds(prepCtx)
	if err != nil {
		if ctx.Err() == nil && ended(prepCtx) {
			return nil, fmt.Errorf("fuzz: --duration %s ran out before the first case: %w", opt.Duration, err)
		}
		return nil, err
	}
	s.catalog = catalog
	s.gen = NewGenerator(s.opt.Seed, catalog)
	s.next.Store(s.first)

	if err := s.preflight(prepCtx); err != nil {
		if ctx.Err() == nil && ended(prepCtx) {
			return nil, fmt.Errorf("%w (--duration %s ran out during the pre-flight)", err, opt.Duration)
		}
		return nil, err
	}
	runCtx, cancel := s.withWorkEnd(ctx)
	s.cancel = cancel
	defer cancel()
	s.start = time.Now()
	s.progress.saved(s.start)

	progressDone := make(chan struct{})
	stopProgress := make(chan struct{})
	go func() {
		defer close(progressDone)
		s.progressLoop(stopProgress)
	}()
	minCtx, minCancel := s.withWorkEnd(ctx)
	defer minCancel()
	minDone := make(chan struct{})
	go func() {
		defer close(minDone)
		s.minimizer(minCtx)
	}()
	deathsBefore := 0
	stopWatch := make(chan struct{})
	watchDone := make(chan struct{})
	if s.watchesDeaths() {
		deathsBefore, _ = s.opt.Instance.WorkerDeaths()
		go func() {
			defer close(watchDone)
			s.deathWatcher(runCtx, stopWatch)
		}()
	} else {
		close(watchDone)
	}
	spinDone := s.startSpinWatch(runCtx, stopWatch)
	var wg, iwg sync.WaitGroup
	// As many investigators as workers: an investigation mostly waits (for a target that
	// waits, 300ms or more per exchange), and then holds no worker of the stream.
	for range s.opt.Workers {
		iwg.Add(1)
		go func() {
			defer iwg.Done()
			s.investigator(runCtx)
		}()
	}
	for w := 0; w < s.opt.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.worker(runCtx)
		}()
	}
	wg.Wait()
	// The disagreements the last cases found are investigated before the session ends
	// (within its Duration): a session of a number of cases finds what those cases show.
	s.investigations.close()
	iwg.Wait()
	close(stopWatch)
	<-watchDone
	<-spinDone
	s.writeUnnoticedCrash(ctx)
	s.progress.stop(time.Now())
	s.minimizations.close()
	grace := time.AfterFunc(s.opt.MinimizeGrace, minCancel)
	<-minDone
	grace.Stop()
	close(stopProgress)
	<-progressDone

	s.closeMinimizations()
	sum := s.summary(ctx)
	if s.watchesDeaths() {
		n, _ := s.opt.Instance.WorkerDeaths()
		sum.WorkerDeaths = n - deathsBefore
	}
	if err := s.store.saveState(sessionState{Seed: s.opt.Seed, NextCase: sum.NextCase, Target: s.opt.Label, UpdatedAt: time.Now()}); err != nil {
		return sum, err
	}
	sum.Causes = s.causesOf(sum)
	if err := WriteCauses(s.opt.Dir, sum.Causes); err != nil {
		return sum, err
	}
	sum.Wall = time.Since(s.begin)
	s.mu.Lock()
	dead := s.dead
	s.mu.Unlock()
	return sum, dead
}

// ErrOtherTarget marks a directory to resume that was recorded against another target:
// its known findings would hide the new target's.
var ErrOtherTarget = errors.New("the session was recorded against another target")

// interrupted says the caller's context ended the session (Ctrl-C), not one of its bounds.
func (s *session) interrupted() bool { return s.user != nil && s.user.Err() != nil }

// writeTail is the end of a session of duration d kept for writing the findings: d/20,
// 250ms to 2s, and never more than half of d.
func writeTail(d time.Duration) time.Duration {
	return min(2*time.Second, max(250*time.Millisecond, d/20), d/2)
}

// withWorkEnd bounds ctx by the end of the session's work (Duration less the write tail).
func (s *session) withWorkEnd(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.workEnd.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, s.workEnd)
}

// finishing is the context of the writes that follow a minimization: they go on after the
// minimization was cut short, but not past the session's Duration.
func (s *session) finishing(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx = context.WithoutCancel(ctx)
	if s.deadline.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, s.deadline)
}

// preflight makes sure the target hosts the probe before any case is judged: a wrong target
// would otherwise look like a thousand findings. What the target answered is quoted
// escaped: the message is printed on a terminal.
func (s *session) preflight(ctx context.Context) error {
	raw := newRequest("GET", probes.Prefix+"echo", "HTTP/1.1", "preflight", roleMain).appendTo(nil)
	for try := 0; ; try++ {
		o := send(ctx, s.addr, raw, nil, 1, Timing{Idle: 5 * time.Second, Deadline: 10 * time.Second})
		if len(o.Answers) > 0 && o.Answers[0].Echo != nil {
			// The first measure of the target's usual exchange: without one, the first
			// cases would wait the whole idle time-out for a response that is not coming.
			s.exchange.noteSettled(o.Elapsed)
			return nil
		}
		if try >= 2 || ctx.Err() != nil {
			what := o.DialErr
			if what == "" && len(o.Answers) > 0 {
				what = fmt.Sprintf("GET %secho answered %d %s, not the probe's echo", probes.Prefix, o.Answers[0].Status, o.Answers[0].Reason)
			}
			if what == "" {
				what = "no answer (" + string(o.End) + ")"
			}
			return fmt.Errorf("fuzz: %s does not serve the conform probe: %s", s.addr, safetext.Line(what))
		}
		sleepCtx(ctx, 200*time.Millisecond)
	}
}

func (s *session) worker(ctx context.Context) {
	for ctx.Err() == nil {
		if s.holdBack() {
			sleepCtx(ctx, holdBackPoll)
			continue
		}
		n := s.next.Add(1) - 1
		if s.opt.Cases > 0 && n >= s.first+s.opt.Cases {
			return
		}
		s.mu.Lock()
		s.inflight[n] = time.Now()
		s.mu.Unlock()
		ran := false
		s.guard(fmt.Sprintf("case %d of seed %d", n, s.opt.Seed), func() { ran = s.runCase(ctx, n) })
		if ctx.Err() != nil {
			return // interrupted: the case stays in flight, so a resumed session runs it again
		}
		s.mu.Lock()
		delete(s.inflight, n)
		s.mu.Unlock()
		if ran {
			s.cases.Add(1)
		} else {
			s.skipped.Add(1)
		}
	}
}

// flight is a copy of the cases running now, and when each began.
func (s *session) flight() map[int64]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.inflight)
}

// holdBackPoll is how often a worker held back looks whether it may go on.
const holdBackPoll = 20 * time.Millisecond

// holdBack says no new case may start now: the time left to the end of the session's work
// is no more than the minimizations waiting are expected to take (Options.Duration).
func (s *session) holdBack() bool {
	if s.workEnd.IsZero() {
		return false
	}
	return time.Until(s.workEnd) <= s.minimizeReserve()
}

// guard runs work, turning a panic (a bug in conform, not in the target) into the end of
// the session: the findings already written stay, the summary is printed, and the trace goes
// to a file instead of over the terminal.
func (s *session) guard(what string, work func()) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		where := "no file could be written"
		if path, err := s.store.writeInternalError(what, r, debug.Stack()); err == nil {
			where = "the trace is in " + path
		}
		s.fatal(fmt.Errorf("fuzz: internal error while %s: %v (a bug in conform, not in the target; %s)", what, r, where))
	}()
	work()
}

func (s *session) fatal(err error) {
	s.mu.Lock()
	if s.dead == nil {
		s.dead = err
	}
	s.mu.Unlock()
	s.cancel()
}

// runCase runs case n; false when it was skipped (crashes.skipSeed).
func (s *session) runCase(ctx context.Context, n int64) bool {
	c := s.spinFree(s.gen.Case(n))
	if s.crashes.skipSeed(c.Base) {
		return false
	}
	s.screen(ctx, n, c)
	return true
}

// screen sends case n (c) and hands a new disagreement to an investigator.
func (s *session) screen(ctx context.Context, n int64, c *Case) {
	sent := time.Now()
	v, o, e := s.exchangeTimed(ctx, c.Bytes, c.Writes, true, s.screenTiming())
	if s.noteFin(ctx, c, o) {
		return
	}
	if s.watchesDeaths() {
		s.noteSuspect(n, o)
	}
	if o.DialErr == "" && len(o.Answers) == 0 && o.End != wire.EndOpen {
		s.crashes.noteSilent(suspect{n: n, at: time.Now(), sent: sent})
	}
	if v.Class == "" {
		return
	}
	preKey := preKeyOf(v, c)
	// A disagreement already known is counted before it is confirmed: confirming costs a
	// re-send with a longer wait (300ms or more for a server that waits), and a known
	// one would be dropped anyway. Most disagreements of a long session are known ones.
	// One being confirmed by another worker counts as known too (several workers often meet a
	// new disagreement at once); if that one does not reproduce, a later case tries again.
	key := preKey
	if coreIsSignature(v) {
		key = v.Core()
	}
	if known, saturated := s.triage.claim(v, c, preKey, key, n%10 == 0); known || saturated {
		s.triage.dup()
		return
	}
	j := investigation{n: n, c: c, v: v, o: o, e: e, preKey: preKey, key: key}
	if serverDown(v) {
		// At once, by this worker: the cases in flight now are the suspects.
		s.investigate(ctx, j)
		return
	}
	var queued bool
	waiting := s.investigations.queued()
	switch {
	case s.triage.newCore(v) && waiting >= s.opt.Workers:
		// What no finding shows yet is not left waiting behind a backlog: the worker
		// investigates it, and the stream waits.
		s.investigate(ctx, j)
		return
	case s.triage.newCore(v):
		queued = s.investigations.pushFront(j)
	case waiting < maxQueuedInvestigations*s.opt.Workers:
		queued = s.investigations.push(j)
	}
	if !queued {
		// Left to a later case that shows it again, when the investigators have caught up.
		s.triage.release(key)
	}
}

// maxQueuedInvestigations bounds the investigations waiting, per worker, of rules that
// have a finding already: beyond it, a new disagreement of one is left to a later case.
const maxQueuedInvestigations = 8

// investigation is a new disagreement the screen found, waiting to be confirmed, ablated
// and recorded: by an investigator, so that the workers go on screening new cases.
type investigation struct {
	n           int64
	c           *Case
	v           Verdict
	o           *Observation
	e           *Expectation
	preKey, key string
	again       bool // investigated before, when the target went down during its confirmation or ablation
}

// investigator investigates the queued disagreements until the queue is closed and empty,
// or ctx ends; each job's case counts as in flight meanwhile, as a crash's suspect.
func (s *session) investigator(ctx context.Context) {
	s.investigations.consume(ctx, func(j investigation) {
		s.mu.Lock()
		s.inflight[j.n] = time.Now()
		s.mu.Unlock()
		s.guard(fmt.Sprintf("investigating case %d of seed %d", j.n, s.opt.Seed), func() { s.investigate(ctx, j) })
		// Not left in flight when interrupted: the case was run, and a resumed session would
		// otherwise start from it again, and run every case after it a second time.
		s.mu.Lock()
		delete(s.inflight, j.n)
		s.mu.Unlock()
	})
}

// investigate confirms a new disagreement, ablates it to the features it needs, and records
// it as a finding unless it is known under another spelling.
func (s *session) investigate(ctx context.Context, j investigation) {
	n, c, v, o, e, preKey := j.n, j.c, j.v, j.o, j.e, j.preKey
	defer s.triage.release(j.key)
	restarts := s.crashes.restartCount()
	if s.triage.namedKnown(v, c, o) {
		s.triage.dup()
		return
	}
	// Confirm by sending it again with the session's timing (waiting 50 times the usual
	// exchange, at least 300ms, for a response the screen gave up on): a verdict that does
	// not come back is counted as not reproduced, not reported. (The configured idle timeout
	// would hold a worker of the target that long for every new "waits" disagreement.)
	var v2 Verdict
	var o2 *Observation
	var e2 *Expectation
	var suspects []Suspect
	if serverDown(v) && s.opt.Instance != nil {
		// The case that found the server gone is only one of the cases in flight then; the
		// one that took it down is found by sending each alone to the restarted server,
		// which also confirms it.
		culprit, o := s.crashCulprit(ctx, n)
		if culprit < 0 {
			s.crashes.noteUnreproduced()
			return
		}
		c = s.gen.Case(culprit)
		v.Detail = strings.Replace(v.Detail, "after this case", "after this case, sent alone to the restarted server", 1)
		v2, o2, e2 = v, o, Expect(c.Bytes, s.opt.Limits, s.opt.Deviations)
	} else if serverDown(v) {
		// Without --server the server cannot be restarted to replay each case alone: the
		// other candidates are written beside the finding, to be replayed by hand.
		if cands := slices.DeleteFunc(s.crashCandidates(n), func(k int64) bool { return k == n }); len(cands) > 0 {
			for _, k := range cands {
				sc := s.gen.Case(k)
				suspects = append(suspects, Suspect{Case: k, Bytes: sc.Bytes, Writes: sc.Writes})
			}
			v.Detail += fmt.Sprintf(" (or after one of %d other cases, in flight then or left without any answer in the %s before: a server that spins or blocks gives the case that stops it no answer; without --server it cannot be restarted to send each alone, so they are written beside this finding as <id>.suspect-N.http, likeliest first)", len(cands), crashWindow)
		}
		// Not re-sent: the server either came back or is gone for good, and then the session
		// ends (with this finding written: ctx is already cancelled).
		v2, o2, e2 = v, o, e
		ctx = context.WithoutCancel(ctx)
	} else {
		v2, o2, e2 = s.exchangeTimed(ctx, c.Bytes, c.Writes, true, s.investigation(v))
	}
	if ended(ctx) {
		return
	}
	// A target that went down meanwhile, or answered the screen and not the confirmation,
	// told nothing: the disagreement is investigated once more, from the start.
	disturbed := func() bool { return s.crashes.restartCount() != restarts || s.silentSinceLook() }
	retry := func() {
		if !j.again {
			j.again = true
			s.investigations.pushFront(j)
		}
	}
	if v2.Core() != v.Core() && v.Class != Crash {
		if disturbed() || len(o.Answers) > 0 && len(o2.Answers) == 0 {
			retry()
			return
		}
		s.triage.notReproduced()
		return
	}
	if s.triage.confirmed(v, preKey) { // another worker may have got there first
		s.triage.dup()
		return
	}
	mc, minimal, base := c, c.Features, c.Base
	sig := v.Core()
	swapped := false
	if !coreIsSignature(v) {
		var needed []dropped
		mc, minimal, base, needed = s.ablate(ctx, c, v)
		if ctx.Err() != nil && v.Class != Crash {
			return
		}
		if d, ok := s.strictnessBeside(c, v, needed); ok {
			if s.triage.seenBefore(d.v, d.c) {
				s.triage.dup()
				return
			}
			// The finding is that strictness, on the case without the leniency.
			c, v, sig, swapped = d.c, d.v, d.v.Core(), true
			if mc, minimal, base, _ = s.ablate(ctx, c, v); ctx.Err() != nil {
				return
			}
		}
		feats := minimal
		if v.Class == Framing && Expect(mc.Bytes, s.opt.Limits, s.opt.Deviations).In.Error != nil {
			feats = s.lenientFamilies(c, minimal, base)
		}
		parts := signatureParts(base, feats, v.Class == Status5xx)
		if len(parts) == 0 {
			parts = []string{"plain " + strings.TrimPrefix(base, "neutral:")}
		}
		sig += " | " + strings.Join(parts, " + ")
	}
	if !coreIsSignature(v) && disturbed() {
		// The target went down while the features were ablated: its answers then told
		// nothing of them.
		s.triage.unconfirm(v, preKey)
		retry()
		return
	}
	if !s.triage.addNew(sig) {
		s.triage.dup()
		return
	}

	var prior *Observation
	if mc == c && e2.Want() > 0 && !swapped { // (with nothing expected, the confirmation listened only briefly)
		prior = o2
	}
	f := s.addFinding(ctx, sig, v, c, mc, minimal, base, prior, suspects)
	if serverDown(v) {
		s.minimizeCrash(ctx, f, v)
		return
	}

	// Minimize the bytes in the background, so fuzzing goes on; not a crash (above: each try
	// can cost a restart, and no case may run meanwhile). A finding not queued because the
	// session is ending is marked so at the end (closeMinimizations).
	if s.opt.MinimizeBudget < 0 || v.Class == Crash || ctx.Err() != nil {
		return
	}
	s.queueMinimization(f, v)
}
