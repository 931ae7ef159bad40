package spec

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// The schedule runs a catalog concurrently without letting one check change what another
// sees:
//
//   - each check uses its own connections; at most Requests of them await answers at
//     once, no more than the target serves at once (DefaultJobs), so no request of one
//     check queues behind another's; up to Jobs checks are in flight, the others having
//     their answers and only watching their connections (see claim);
//   - a check that needs the target to itself (NeedsTarget: timing, concurrency) runs
//     alone, after the checks that can run side by side, which keeps the drains before it
//     to one;
//   - a check runs after the checks it requires have results;
//   - a check whose connection was cut (reset, or closed before any answer) while others
//     ran is run again alone, and that result stands: a neighbour may have crashed the
//     worker process both were served by;
//   - when the target dies, nothing new starts; once the checks in flight are over, the
//     death falls on the check that found it dead, or when several did, the target is
//     restarted and each of them runs again alone, so the one that takes it down again is
//     the one blamed.
//
// With Jobs 1 the checks run one at a time, in order: what Run always did.

type checkState int

const (
	pending checkState = iota
	inFlight
	// settling: finished, but its result waits for the target's death to be handled.
	settling
	done
)

// death is a check after which the target no longer answered.
type death struct {
	i   int
	r   *Result
	why error
}

type schedule struct {
	ctx    context.Context
	t      *Target
	opt    RunOptions
	checks []*Check
	index  map[string]int
	// order is the order in which checks are considered for a start (startOrder).
	order []int
	jobs  int
	// free counts the requests (RunOptions.Requests) that no connection holds.
	free int

	mu      sync.Mutex
	wake    *sync.Cond
	state   []checkState
	results []*Result
	// beside marks a check that had another in flight at some moment of its run.
	beside []bool
	// again marks a check to run once more, alone.
	again []bool
	// watching marks a running check whose requests were all answered.
	watching []bool
	running  map[int]bool
	alone    bool
	deaths   []death
	gone     string // the check during which the target died for good
	reported int
}

func newSchedule(ctx context.Context, t *Target, checks []*Check, opt RunOptions) *schedule {
	s := &schedule{
		ctx: withMeasurements(ctx, &measurements{}), t: t, opt: opt, checks: checks, jobs: max(opt.Jobs, 1),
		index:    map[string]int{},
		state:    make([]checkState, len(checks)),
		results:  make([]*Result, len(checks)),
		beside:   make([]bool, len(checks)),
		again:    make([]bool, len(checks)),
		watching: make([]bool, len(checks)),
		running:  map[int]bool{},
	}
	s.free = s.jobs
	if opt.Requests > 0 {
		s.free = min(opt.Requests, s.jobs)
	}
	s.wake = sync.NewCond(&s.mu)
	s.order = startOrder(checks, s.jobs)
	for i, c := range checks {
		s.index[c.ID] = i
	}
	return s
}

func (s *schedule) run() []*Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.reported < len(s.checks) {
		if len(s.deaths) > 0 && len(s.running) == 0 {
			s.afterDeath()
			continue
		}
		if i, ok := s.next(); ok {
			s.launch(i)
			continue
		}
		if s.reported == len(s.checks) {
			break
		}
		if len(s.running) == 0 && len(s.deaths) == 0 {
			panic("spec: schedule stalled with nothing in flight") // a bug in next
		}
		s.wake.Wait()
	}
	return s.results
}

// startOrder is the catalog's order with the Long checks first, when several checks run
// at once; one at a time, it is the catalog's order.
func startOrder(checks []*Check, jobs int) []int {
	order := make([]int, len(checks))
	for i := range order {
		order[i] = i
	}
	if jobs > 1 {
		sort.SliceStable(order, func(a, b int) bool { return checks[order[a]].Long && !checks[order[b]].Long })
	}
	return order
}

// needsTarget reports whether check i must run with nothing beside it.
func (s *schedule) needsTarget(i int) bool { return s.checks[i].NeedsTarget() || s.again[i] }

// next picks the check to start now, settling on the way every pending check that needs
// no run (interrupted, target gone, a prerequisite that did not pass). ok is false when
// nothing may start yet. Checks that can share the target go first, in order; one that
// needs it alone starts when nothing else can and nothing is in flight.
func (s *schedule) next() (next int, ok bool) {
	if s.alone || len(s.deaths) > 0 {
		return 0, false
	}
	first := -1
	for _, i := range s.order {
		c := s.checks[i]
		if s.state[i] != pending || !s.prerequisitesDone(c) {
			continue
		}
		if r := s.withoutRun(i); r != nil {
			s.finish(i, r)
			continue
		}
		if s.jobs == 1 {
			return i, len(s.running) == 0
		}
		if !s.needsTarget(i) {
			return i, len(s.running) < s.jobs && s.free > 0
		}
		if first < 0 {
			first = i
		}
	}
	return first, first >= 0 && s.onlyWatchers()
}

// onlyWatchers says nothing is in flight but Watches checks that got their answer: a check
// that needs the target alone may start beside them.
func (s *schedule) onlyWatchers() bool {
	for j := range s.running {
		if !s.checks[j].Watches || !s.watching[j] {
			return false
		}
	}
	return true
}

func (s *schedule) prerequisitesDone(c *Check) bool {
	for _, id := range c.Requires {
		if j, ok := s.index[id]; ok && s.state[j] != done {
			return false
		}
	}
	return true
}

// withoutRun is the result of a check that is not to run, or nil.
func (s *schedule) withoutRun(i int) *Result {
	c := s.checks[i]
	switch {
	case s.ctx.Err() != nil:
		return notRun(c)
	case s.gone != "":
		return notRunAfterDeath(c, s.gone)
	}
	prior := map[string]*Result{}
	for _, id := range c.Requires {
		if j, ok := s.index[id]; ok {
			prior[id] = s.results[j]
		}
	}
	return unmet(c, prior)
}

func (s *schedule) launch(i int) {
	alone := s.needsTarget(i)
	s.state[i] = inFlight
	s.alone = alone
	if len(s.running) > 0 {
		s.beside[i] = true
		for j := range s.running {
			s.beside[j] = true
		}
	}
	s.running[i] = true
	ctx := s.ctx
	var cl *claim
	if !alone && s.jobs > 1 {
		s.free--
		cl = &claim{s: s, i: i, held: true}
		ctx = withClaim(ctx, cl)
	}
	go s.work(ctx, i, cl)
}

// work runs check i and hands its result back to the schedule.
func (s *schedule) work(ctx context.Context, i int, cl *claim) {
	r, why, cut := runTrials(ctx, s.t, s.checks[i], s.opt)
	if cl != nil {
		cl.done()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.running, i)
	s.watching[i] = false
	if s.needsTarget(i) {
		s.alone = false // a watcher beside it ending leaves it alone
	}
	switch {
	case why != nil:
		s.state[i] = settling
		s.deaths = append(s.deaths, death{i, r, why})
	case cut && s.beside[i] && !s.again[i] && s.ctx.Err() == nil:
		// Alone, it would have seen what --jobs 1 sees.
		s.state[i], s.again[i], s.beside[i] = pending, true, false
	default:
		s.finish(i, r)
	}
	s.wake.Broadcast()
}

func (s *schedule) finish(i int, r *Result) {
	s.state[i] = done
	s.results[i] = r
	s.reported++
	if s.opt.Progress != nil {
		s.opt.Progress(s.reported, len(s.checks), r)
	}
}

// afterDeath settles the checks that found the target dead, once nothing is in flight. It
// is called with s.mu held and releases it while it restarts the target and runs checks:
// nothing else runs meanwhile, since only run launches checks.
func (s *schedule) afterDeath() {
	ds := s.deaths
	s.deaths = nil
	sort.Slice(ds, func(a, b int) bool { return ds[a].i < ds[b].i })
	s.mu.Unlock()
	var out []*Result
	var gone string
	if len(ds) == 1 {
		// The only check that found it dead: the one that took it down, as when checks
		// run one at a time (another that did would have found it dead too).
		r, lost := died(s.ctx, s.t, ds[0].r, ds[0].why, s.opt)
		out = []*Result{r}
		if lost {
			gone = r.Check.ID
		}
	} else {
		out, gone = s.findKiller(ds)
	}
	s.mu.Lock()
	for k, d := range ds {
		s.finish(d.i, out[k])
	}
	if gone != "" {
		s.gone = gone
	}
}

// findKiller settles checks that found the target dead while several ran: it restarts the
// target and runs each of them again alone, in order, so the death falls on the check
// after which it dies again and the others get the results they get alone. When none
// takes it down again, the death stays on the first, so it is not lost. gone names the
// check the run ends on, when the target cannot be brought back.
func (s *schedule) findKiller(ds []death) (out []*Result, gone string) {
	first := ds[0]
	var names []string
	for _, d := range ds[1:] {
		names = append(names, d.r.Check.ID)
	}
	beside := "other checks"
	if len(names) > 0 {
		beside = strings.Join(names, ", ") + " and other checks"
	}
	if err := revive(s.ctx, s.t, s.opt); err != nil {
		r := first.r
		saw := statusAndMessage(r)
		r.Status, r.Trials = Error, nil
		r.Message = fmt.Sprintf("%s: the target stopped answering while this check ran beside %s, any of which may have taken it down (%v); the check itself saw %s", TargetDied, beside, first.why, saw)
		r.Facts.TargetDied = true
		if s.opt.Revive != nil {
			r.Message += fmt.Sprintf("; restarting it failed: %v", err)
		}
		out = append(out, r)
		for _, d := range ds[1:] {
			out = append(out, notRunAfterDeath(d.r.Check, first.r.Check.ID))
		}
		return out, first.r.Check.ID
	}
	again := false
	for _, d := range ds {
		c := d.r.Check
		switch {
		case gone != "":
			out = append(out, notRunAfterDeath(c, gone))
			continue
		case s.ctx.Err() != nil:
			out = append(out, notRun(c))
			continue
		}
		r, why, _ := runTrials(s.ctx, s.t, c, s.opt)
		if why != nil {
			again = true
			var lost bool
			if r, lost = died(s.ctx, s.t, r, why, s.opt); lost {
				gone = c.ID
			}
		}
		out = append(out, r)
	}
	if !again && gone == "" && s.ctx.Err() == nil {
		r := out[0]
		saw := statusAndMessage(r)
		r.Status, r.Trials = Error, nil
		r.Message = fmt.Sprintf("%s: the target stopped answering while this check ran beside %s (%v); conform restarted it, and run again alone none of them took it down (this check then saw %s)", TargetDied, beside, first.why, saw)
		r.Facts.TargetDied = true
	}
	return out, gone
}

// statusAndMessage is a result's status and message, as a death's message quotes them.
func statusAndMessage(r *Result) string {
	if r.Message == "" {
		return string(r.Status)
	}
	return string(r.Status) + ": " + r.Message
}

// claim is a running check's hold on the requests the target serves at once
// (RunOptions.Requests of them): a connection takes one until it has its answers. The check starts with one taken
// for it, so its first connection never waits; a connection that ends without its answers
// leaves its request with the check, for its next connection or its liveness probe, until
// the check ends: nothing else may reach a target that may be stuck on it.
type claim struct {
	s    *schedule
	i    int // the check's index
	mu   sync.Mutex
	held bool
}

type claimKey struct{}

func withClaim(ctx context.Context, c *claim) context.Context {
	return context.WithValue(ctx, claimKey{}, c)
}

func claimOf(ctx context.Context) *claim {
	c, _ := ctx.Value(claimKey{}).(*claim)
	return c
}

// take holds a request for one connection, the check's own or one that no connection
// holds, waiting for one when all are held. done(answered) ends the connection's hold:
// answered, the request goes back to the schedule, otherwise to the check.
func (c *claim) take(ctx context.Context) (done func(answered bool), err error) {
	c.mu.Lock()
	mine := c.held
	c.held = false
	c.mu.Unlock()
	c.s.setWatching(c.i, false)
	if !mine {
		if err := c.s.takeRequest(ctx); err != nil {
			return nil, err
		}
	}
	var once sync.Once
	return func(answered bool) {
		once.Do(func() {
			c.mu.Lock()
			keep := !answered && !c.held
			c.held = c.held || keep
			c.mu.Unlock()
			if !keep {
				c.s.giveRequest()
			}
			if answered {
				c.s.setWatching(c.i, true)
			}
		})
	}, nil
}

// done gives back the request the check holds, if any, when it ends.
func (c *claim) done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held {
		c.held = false
		c.s.giveRequest()
	}
}

func (s *schedule) takeRequest(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		s.wake.Broadcast()
		s.mu.Unlock()
	})
	defer stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.free == 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.wake.Wait()
	}
	s.free--
	return nil
}

// setWatching records whether check i's requests are all answered.
func (s *schedule) setWatching(i int, w bool) {
	s.mu.Lock()
	s.watching[i] = w
	s.wake.Broadcast()
	s.mu.Unlock()
}

func (s *schedule) giveRequest() {
	s.mu.Lock()
	s.free++
	s.wake.Broadcast()
	s.mu.Unlock()
}

// measurements are what several checks of one run judge alike, measured once per trial:
// the first check to ask for one makes it, the others judge the same. They last for the
// run, until the target is restarted.
type measurements struct {
	mu sync.Mutex
	m  map[string]*Observation
}

type measurementsKey struct{}

func withMeasurements(ctx context.Context, m *measurements) context.Context {
	return context.WithValue(ctx, measurementsKey{}, m)
}

func measurementsOf(ctx context.Context) *measurements {
	m, _ := ctx.Value(measurementsKey{}).(*measurements)
	return m
}

func (m *measurements) forget() {
	m.mu.Lock()
	m.m = nil
	m.mu.Unlock()
}

// sharedObservation returns the run's measurement named key for this trial (Run's first,
// second... measurement of a timing check), making it when it is the first to ask. A
// measurement cut short by ctx is not kept; outside Run (RunOne) nothing is shared.
func sharedObservation(ctx context.Context, t *Target, key string, measure func(context.Context, *Target) (*Observation, error)) (*Observation, error) {
	m := measurementsOf(ctx)
	if m == nil {
		return measure(ctx, t)
	}
	key = fmt.Sprintf("%s#%d", key, trialOf(ctx))
	m.mu.Lock()
	defer m.mu.Unlock()
	if o, ok := m.m[key]; ok {
		return o, nil
	}
	o, err := measure(ctx, t)
	if err == nil && ctx.Err() == nil && !pastDeadline(ctx) {
		if m.m == nil {
			m.m = map[string]*Observation{}
		}
		m.m[key] = o
	}
	return o, err
}

type trialKey struct{}

// withTrial tells a check's observation which trial (from 0) it is making.
func withTrial(ctx context.Context, k int) context.Context {
	return context.WithValue(ctx, trialKey{}, k)
}

func trialOf(ctx context.Context) int {
	k, _ := ctx.Value(trialKey{}).(int)
	return k
}
