package fuzz

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/wire"
)

// Worker deaths. A server whose master respawns a crashed worker (gunicorn, uWSGI, Apache
// with mod_wsgi) keeps answering, so the crash never shows as a refused connection; the
// harness counts the master's "worker died" log lines instead (harness.WorkerDeaths). A
// worker that dies while serving a case leaves that case's connection without an answer,
// so such cases are kept as suspects. When the count rises, the recent suspects are sent
// again alone, with no other case running, and narrowed down by halves to the one that
// makes it rise again: that case is a crash finding.

const (
	// suspectWindow: the master logs a death within about a second (Apache's parent reaps
	// children once a second), so older suspects are not the cause.
	suspectWindow = 3 * time.Second
	maxSuspects   = 32
	// deathWait is how long replayed suspects are given to make the count rise.
	deathWait = 1500 * time.Millisecond
	deathPoll = 50 * time.Millisecond
)

type suspect struct {
	n    int64
	at   time.Time // when its exchange ended
	sent time.Time // when it was sent (kept for the silent cases only)
}

// watchesDeaths says the target is a harness server whose worker deaths are counted.
func (s *session) watchesDeaths() bool {
	return s.opt.Instance != nil && s.opt.Instance.DetectsWorkerDeaths()
}

// noteSuspect keeps case n as a suspect when its connection ended with no answer, or was
// reset (a process that dies with unread bytes in its socket resets the connection).
func (s *session) noteSuspect(n int64, o *Observation) {
	if !(o.End == wire.EndReset || o.End == wire.EndClosed && len(o.Answers) == 0) {
		return
	}
	s.crashes.noteSuspect(suspect{n: n, at: time.Now()})
}

// deathWatcher polls the death count until stop is closed or ctx ends.
func (s *session) deathWatcher(ctx context.Context, stop <-chan struct{}) {
	seen, _ := s.opt.Instance.WorkerDeaths()
	t := time.NewTicker(deathPoll)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, _ := s.opt.Instance.WorkerDeaths(); n > seen {
			seen = s.investigateDeath(ctx)
		}
	}
}

// investigateDeath finds the suspect that kills a worker, records it, and returns the death
// count once it is done.
func (s *session) investigateDeath(ctx context.Context) int {
	cands := s.crashes.takeSuspects(time.Now().Add(-suspectWindow))

	// No case runs meanwhile, and the log has settled (a master may log a death a second
	// late): a death from here on must come from what is replayed.
	s.exchange.closeGate()
	sleepCtx(ctx, deathWait)
	culprit, line := s.narrow(ctx, cands)
	seen, _ := s.opt.Instance.WorkerDeaths()
	s.exchange.openGate()
	if culprit < 0 {
		s.crashes.noteUnattributed()
		return seen
	}
	v := Verdict{Class: Crash, Kind: "worker-died", Rule: deathRule(line), Standalone: -1,
		Detail: fmt.Sprintf("a worker of the server died serving this case alone on its connection; the server logged: %s", clip(strings.TrimSpace(line), 300))}
	sig := v.Core()
	known := !s.triage.addNew(sig)
	if known {
		s.triage.dup()
	} else {
		c := s.gen.Case(culprit)
		f := s.addFinding(ctx, sig, v, c, c, c.Features, c.Base, nil, nil)
		// Recording re-sent the case, which kills a worker again: not a new death to chase.
		sleepCtx(ctx, deathWait)
		s.minimizeDeath(ctx, f, v)
	}
	seen, _ = s.opt.Instance.WorkerDeaths()
	return seen
}

// deathMinimizeBudget bounds the tries spent minimizing a worker death: no case runs while
// they go on.
const deathMinimizeBudget = 40

// minimizeDeath shrinks a worker-death finding while its bytes, sent alone, still kill a
// worker. No case runs meanwhile (the gate), so a death logged during a try is that try's.
// A try that kills none waits four times as long as the finding's own death took to be
// logged (500ms at least, deathWait at most): gunicorn logs one within milliseconds, so the
// whole minimization takes seconds, not the minutes of waiting deathWait each time.
func (s *session) minimizeDeath(ctx context.Context, f *Finding, v Verdict) {
	if s.opt.MinimizeBudget < 0 || ended(ctx) {
		return
	}
	budget := min(s.opt.MinimizeBudget, deathMinimizeBudget)
	mctx, cancel := context.WithTimeout(ctx, s.minimizeLimit(ctx, time.Now()))
	defer cancel()
	wait := deathWait
	kills := func(b []byte, w []Write) (bool, time.Duration) {
		ok, _, took := s.killsWorker(mctx, wait, &Case{Bytes: b, Writes: w})
		return ok, took
	}
	var raw []byte
	var writes []Write
	s.triage.edit(func() { raw, writes = f.Bytes, f.Writes })

	s.exchange.closeGate()
	best, bestWrites, tries := raw, writes, 1
	ok, took := kills(raw, writes)
	if ok {
		wait = min(deathWait, max(500*time.Millisecond, 4*took))
		var n int
		best, bestWrites, n = minimize(mctx, raw, writes, budget-1, func(b []byte, w []Write) bool {
			// Twice: a death logged late, after a try gave up on it, lands in the next try.
			if k, _ := kills(b, w); !k {
				return false
			}
			k, _ := kills(b, w)
			return k
		})
		tries += n
	}
	outcome := s.minimizeOutcome(mctx, tries, budget)
	if !ok && outcome == MinimizeDone {
		outcome = MinimizeNoRepro
	}
	s.exchange.openGate()

	var prior *Observation
	s.triage.edit(func() {
		f.MinimizeTries, f.Minimization = tries, outcome
		f.Minimized = outcome == MinimizeDone
		prior = f.Observed // still the answer to f's bytes, unless they shrank
		if len(best) < len(f.Bytes) {
			f.Bytes, f.Writes, prior = best, bestWrites, nil
		}
	})
	fctx, fcancel := s.finishing(ctx)
	defer fcancel()
	s.record(fctx, f, v, prior)
	if prior == nil || !sawEnd(prior) {
		sleepCtx(ctx, deathWait) // the record killed a worker again
	}
	s.report(f)
}

// killsWorker sends the cases one after another (the gate held, so nothing else runs) and
// waits up to wait for the server to log a worker death. It returns the death's log line
// and how long after the first send it was seen.
func (s *session) killsWorker(ctx context.Context, wait time.Duration, cases ...*Case) (bool, string, time.Duration) {
	before, _ := s.opt.Instance.WorkerDeaths()
	start := time.Now()
	for _, c := range cases {
		e := Expect(c.Bytes, s.opt.Limits, s.opt.Deviations)
		send(ctx, s.addr, c.Bytes, c.Writes, max(e.Want(), 1), s.screenTiming())
	}
	for end := time.Now().Add(wait); time.Now().Before(end) && !ended(ctx); time.Sleep(deathPoll / 5) {
		if now, line := s.opt.Instance.WorkerDeaths(); now > before {
			return true, line, time.Since(start)
		}
	}
	return false, "", 0
}

// narrow replays the candidates and halves the set that kills a worker down to one case.
// It returns -1 when the replay kills none (the death came from elsewhere, or does not
// reproduce). The gate is held.
func (s *session) narrow(ctx context.Context, cands []int64) (int64, string) {
	kills := func(set []int64) (bool, string) {
		cases := make([]*Case, len(set))
		for i, n := range set {
			cases[i] = s.gen.Case(n)
		}
		ok, line, _ := s.killsWorker(ctx, deathWait, cases...)
		return ok, line
	}
	ok, line := kills(cands)
	if len(cands) == 0 || !ok {
		return -1, ""
	}
	for len(cands) > 1 && ctx.Err() == nil {
		half := cands[:len(cands)/2]
		if ok, l := kills(half); ok {
			cands, line = half, l
			continue
		}
		rest := cands[len(cands)/2:]
		ok, l := kills(rest)
		if !ok {
			break // it takes cases of both halves, or it does not always reproduce
		}
		cands, line = rest, l
	}
	if len(cands) != 1 {
		return -1, ""
	}
	return cands[0], line
}

var (
	logPrefix = regexp.MustCompile(`\[[^\]]*\]\s*`)
	logPid    = regexp.MustCompile(`(?i)(pid[:=]?\s*|worker\s+)\d+`)
)

// deathRule is a death log line without what changes from one death to the next (time,
// pids, worker numbers), so that one cause is one signature.
func deathRule(line string) string {
	r := logPrefix.ReplaceAllString(strings.TrimSpace(line), "")
	return clip(logPid.ReplaceAllString(r, "${1}N"), 160)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
