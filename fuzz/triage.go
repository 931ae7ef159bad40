package fuzz

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conform-wsgi/conform/wire"
)

// triage is the dedup hub: the signatures known, the disagreements seen and being
// confirmed, and the findings of the session with their counts. Its lock also guards the
// findings' fields, which the workers, the minimizer and the end of the session change
// (edit).
type triage struct {
	mu         sync.Mutex
	sigs       map[string]bool
	pre        map[string]bool // core + features + base: seen before ablation
	coreSeen   map[string]int  // ablations per core, to stop re-ablating a saturated one
	confirming map[string]bool // disagreements a worker is confirming now
	// parts are the normalised features of each known signature, by core (see explained).
	parts map[string][][]string
	// named are the deviations that name each class's known findings (diagnose): a later
	// disagreement one of them names is the same behaviour, whatever its spelling.
	named    map[Class]map[string]bool
	findings []*Finding
	byClass  map[Class]int
	known    int          // findings loaded on resume
	dups     atomic.Int64 // disagreements whose signature was already known
	flaky    atomic.Int64 // disagreements that did not reproduce
}

// claim tells whether a disagreement is known already (its pre-ablation key or, for one
// whose core is its signature, its core; one a worker is confirming under key; one a known
// finding explains) or its core saturated (40 ablations, then one case in 10: resample);
// otherwise it marks key as being confirmed, until release.
func (t *triage) claim(v Verdict, c *Case, preKey, key string, resample bool) (known, saturated bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	known = t.pre[preKey] || t.sigs[v.Core()] && coreIsSignature(v) || t.confirming[key] || t.explains(v, c)
	saturated = t.coreSeen[v.Core()] >= 40 && !resample
	if !known && !saturated {
		t.confirming[key] = true
	}
	return known, saturated
}

// learnNames records the deviations that name a finding of class c.
func (t *triage) learnNames(c Class, like []string) {
	if len(like) == 0 || c == Leniency {
		return // a leniency is known by its rule already (an input/silent too: namedKnown)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.named == nil {
		t.named = map[Class]map[string]bool{}
	}
	if t.named[c] == nil {
		t.named[c] = map[string]bool{}
	}
	for _, d := range like {
		t.named[c][d] = true
	}
}

// namedKnown says a deviation that names a known finding of the disagreement's class names
// this one too: the same behaviour, found again with another spelling. Only new
// disagreements come here (claim first), and diagnose costs a few milliseconds.
func (t *triage) namedKnown(v Verdict, c *Case, o *Observation) bool {
	t.mu.Lock()
	known := len(t.named[v.Class]) > 0
	t.mu.Unlock()
	if !known || v.Class == Leniency || v.Class == Input && v.Kind == "silent" {
		return false // known by their rule
	}
	like := diagnose(&Finding{Class: v.Class, Kind: v.Kind, Rule: v.Rule, Features: c.Features, Bytes: c.Bytes, Writes: c.Writes, Observed: o}, parsingDeviations())
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.ContainsFunc(like, func(d string) bool { return t.named[v.Class][d] })
}

// release ends the confirmation claimed under key.
func (t *triage) release(key string) {
	t.mu.Lock()
	delete(t.confirming, key)
	t.mu.Unlock()
}

// confirmed notes a confirmed disagreement about to be ablated; seen says another worker
// got there first.
func (t *triage) confirmed(v Verdict, preKey string) (seen bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	seen = t.pre[preKey] || t.sigs[v.Core()] && coreIsSignature(v)
	t.pre[preKey] = true
	t.coreSeen[v.Core()]++
	return seen
}

// newCore says no finding has v's class, kind and rule yet.
func (t *triage) newCore(v Verdict) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.sigs[v.Core()] && len(t.parts[v.Core()]) == 0
}

// unconfirm forgets a confirmation whose investigation told nothing, so that a later case
// investigates the disagreement again.
func (t *triage) unconfirm(v Verdict, preKey string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.pre, preKey)
	t.coreSeen[v.Core()]--
}

// seenBefore says a known finding explains v on c, or it was met before ablation; it is
// noted as met.
func (t *triage) seenBefore(v Verdict, c *Case) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := preKeyOf(v, c)
	known := t.explains(v, c) || t.pre[k]
	t.pre[k] = true
	return known
}

// addNew records sig as known; false when it was known already.
func (t *triage) addNew(sig string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sigs[sig] {
		return false
	}
	t.addLocked(sig)
	return true
}

// addSignature records a finding's signature as known.
func (t *triage) addSignature(sig string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.addLocked(sig)
}

func (t *triage) addLocked(sig string) {
	if t.sigs == nil {
		t.sigs, t.parts = map[string]bool{}, map[string][][]string{}
	}
	t.sigs[sig] = true
	core, rest, ok := strings.Cut(sig, " | ")
	if !ok {
		return
	}
	var parts []string
	if !strings.HasPrefix(rest, "plain ") {
		parts = strings.Split(rest, " + ")
	}
	t.parts[core] = append(t.parts[core], parts)
}

// setKnown notes n findings loaded on resume.
func (t *triage) setKnown(n int) {
	t.mu.Lock()
	t.known = n
	t.mu.Unlock()
}

// dup counts a disagreement whose signature was already known; notReproduced one that did
// not come back.
func (t *triage) dup()           { t.dups.Add(1) }
func (t *triage) notReproduced() { t.flaky.Add(1) }

// add appends a new finding.
func (t *triage) add(f *Finding) {
	t.mu.Lock()
	t.findings = append(t.findings, f)
	if t.byClass == nil {
		t.byClass = map[Class]int{}
	}
	t.byClass[f.Class]++
	t.mu.Unlock()
}

// edit runs fn with the findings' fields locked.
func (t *triage) edit(fn func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fn()
}

// anyFinding says one of the findings satisfies ok (called with the findings locked).
func (t *triage) anyFinding(ok func(*Finding) bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, f := range t.findings {
		if ok(f) {
			return true
		}
	}
	return false
}

// closePending marks the findings whose minimization never began with why, and writes
// them, until a write fails.
func (t *triage) closePending(why string, write func(*Finding) error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var left []*Finding
	for _, f := range t.findings {
		if f.Minimization == MinimizePending {
			f.Minimization = why
			left = append(left, f)
		}
	}
	for _, f := range left {
		if err := write(f); err != nil {
			return err
		}
	}
	return nil
}

// tally is the findings' count and their counts by class for the progress line.
func (t *triage) tally() (counts string, total int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return classCounts(t.byClass), len(t.findings)
}

// fillSummary copies the findings and counts into sum.
func (t *triage) fillSummary(sum *Summary) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sum.Findings = append([]*Finding(nil), t.findings...)
	sum.Known = t.known
	sum.ByClass = map[Class]int{}
	for k, v := range t.byClass {
		sum.ByClass[k] = v
	}
	sum.Duplicates, sum.Flaky = t.dups.Load(), t.flaky.Load()
}

// addFinding records a new finding: written at once, then reported. prior is the
// confirmation's observation of mc's bytes, if there was one (see record).
func (s *session) addFinding(ctx context.Context, sig string, v Verdict, c, mc *Case, minimal []string, base string, prior *Observation, suspects []Suspect) *Finding {
	f := &Finding{ID: findingID(v.Class, sig), Signature: sig, Class: v.Class, Kind: v.Kind, Rule: v.Rule, Detail: v.Detail,
		Features: minimal, AllFeatures: c.Features, CaseBase: c.Base, Target: s.opt.Label, Seed: s.opt.Seed, Case: c.N,
		FoundAt: time.Now(), Original: c.Bytes, Bytes: mc.Bytes, Writes: mc.Writes, Base: base, Suspects: suspects,
		Minimization: MinimizePending}
	switch {
	case s.opt.MinimizeBudget < 0:
		f.Minimization = MinimizeOff
	case serverDown(v) && s.opt.Instance == nil:
		f.Minimization = MinimizeNoReplay
	}
	if s.opt.Instance != nil {
		f.Server, f.ServerVersion = s.opt.Instance.Server, s.opt.Instance.Version
		if fr := s.opt.Instance.Front; fr != nil {
			f.Front = fr.Server
		}
	}
	s.record(ctx, f, v, prior)
	s.triage.add(f)
	s.learnSpin(f)
	s.crashes.learnDown(f)
	s.report(f)
	return f
}

// ablate removes the case's features one at a time, keeping each removal that leaves the
// verdict's core unchanged, then tries the same on a neutral base request. What remains is
// what the finding needs: the normalised part of its signature.
func (s *session) ablate(ctx context.Context, c *Case, v Verdict) (*Case, []string, string, []dropped) {
	cur, tm := c, s.investigation(v)
	keep := make([]bool, len(c.Features))
	for i := range keep {
		keep[i] = true
	}
	if v.Class == Crash {
		return c, c.Features, c.Base, nil
	}
	var needed []dropped
	for i := range keep {
		if ctx.Err() != nil {
			break
		}
		keep[i] = false
		cand := s.gen.Rebuild(c, keep)
		w, _, _ := s.exchangeTimed(ctx, cand.Bytes, cand.Writes, true, tm)
		if w.Core() == v.Core() {
			cur = cand
			continue
		}
		keep[i] = true
		needed = append(needed, dropped{c.Features[i], cand, w})
	}
	var minimal []string
	for i, k := range keep {
		if k {
			minimal = append(minimal, c.Features[i])
		}
	}
	base := c.Base
	if ctx.Err() == nil {
		shape := s.gen.shapeOf(c.N)
		neutral := s.gen.rebuildNeutral(c, keep, shape)
		if w, _, _ := s.exchangeTimed(ctx, neutral.Bytes, neutral.Writes, true, tm); w.Core() == v.Core() {
			cur, base = neutral, neutral.Base
		}
	}
	return cur, minimal, base, needed
}

// dropped is what a case became without one of the features its verdict needs.
type dropped struct {
	feature string
	c       *Case
	v       Verdict
}

// strictnessBeside finds, for a rejected-after-lenient verdict, a leniency and a strictness
// side by side rather than a disagreement about where the lenient request ends: without one
// of the case's features that the reference rejects on its own, the target's answer is a
// strictness (it rejects what the reference serves). That strictness is the finding, and
// the leniency is one of its own: otherwise one strictness (waitress rejecting a method not
// in upper case, waitress/parser.py:436) is one framing finding per leniency it meets.
func (s *session) strictnessBeside(c *Case, v Verdict, needed []dropped) (dropped, bool) {
	if v.Kind != "rejected-after-lenient" {
		return dropped{}, false
	}
	for _, d := range needed {
		if d.v.Class == Strictness && s.rejectedAlone(c, d.feature, c.Base) {
			return d, true
		}
	}
	return dropped{}, false
}

// preKeyOf is a disagreement's key before ablation: its core, the case's base and features.
func preKeyOf(v Verdict, c *Case) string {
	feats := append([]string(nil), c.Features...)
	sort.Strings(feats)
	return v.Core() + "|" + c.Base + "|" + strings.Join(feats, ",")
}

// rejectedAlone says the reference rejects case c rebuilt with only feature f, on base: c's
// own, or the neutral request of its shape when ablation replaced it.
func (s *session) rejectedAlone(c *Case, f string, base string) bool {
	keep := make([]bool, len(c.Features))
	for i, g := range c.Features {
		keep[i] = g == f
	}
	alone := s.gen.Rebuild(c, keep)
	if base != c.Base {
		alone = s.gen.rebuildNeutral(c, keep, s.gen.shapeOf(c.N))
	}
	return Expect(alone.Bytes, s.opt.Limits, s.opt.Deviations).In.Error != nil
}

// lenientFamilies names by their family ("request-line", not "request-line:http10") the
// features of a framing finding in a request the reference rejects that make the reference
// reject it on their own: asked of the reference in-process, one rebuild per feature,
// nothing sent. Those features let the request past only a lenient target; the desync is in
// what the target does with the rest, so signing by variant would make one desync a new
// finding with every leniency that uncovers it.
func (s *session) lenientFamilies(c *Case, minimal []string, base string) []string {
	out := make([]string, 0, len(minimal))
	for _, f := range minimal {
		if family, _, ok := strings.Cut(f, ":"); ok && s.rejectedAlone(c, f, base) {
			f = family
		}
		out = append(out, f)
	}
	return out
}

// coreIsSignature says the verdict's core alone tells the finding apart: the reference's
// rule names what a target is lenient about, an injected header names itself, and a field
// value the app saw otherwise names how it differs.
// Other findings are told apart by the generator features they need (ablation).
func coreIsSignature(v Verdict) bool {
	return v.Class == Leniency || v.Class == Crash || v.Class == Input && v.Kind == "silent" || v.Class == Semantic && (v.Kind == "header-injected" || v.Kind == "garbage-response" || v.Kind == "header-value" || v.Kind == "cgi-shadowed")
}

// explained says a known finding already accounts for this disagreement: one with the same
// core whose features (and base, when it has one) the case has too. Without it, every such
// case would be confirmed and ablated again before its signature showed it was known, and a
// session resumed from a directory of findings would redo all of them. A case that also has
// a new cause is missed this way; the known finding's features suffice for what was seen.
func (t *triage) explained(v Verdict, c *Case) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.explains(v, c)
}

// explains is explained with t.mu held.
func (t *triage) explains(v Verdict, c *Case) bool {
	known := t.parts[v.Core()]
	if len(known) == 0 {
		return false
	}
	have := map[string]bool{c.Base: true}
	for _, p := range signatureParts(c.Base, c.Features, v.Class == Status5xx) {
		have[p] = true
	}
	for _, f := range c.Features {
		family, _, _ := strings.Cut(f, ":")
		have[family] = true // a part named by its family (lenientFamilies)
	}
next:
	for _, parts := range known {
		for _, p := range parts {
			if !have[p] {
				continue next
			}
		}
		return true
	}
	return false
}

// signatureParts is the normalised part of a finding's signature: the generator features it
// needs, without what tells instances of one cause apart: numeric variants ("cl-offset:10"
// and "cl-offset:1"), the letter case of a variant, the place of a line ending
// ("eol:lf@field", "eol:lf@head-end"), which well-formed request follows ("follow:get"),
// and the shape of the main request when a neutral request of that shape showed the
// disagreement too (the shape is then not the cause). A catalog or grammar base that could
// not be replaced stays: it is part of the cause.
//
// A server error is one finding per mutator family ("te", not "te:pad" and "te:comma"): an
// exception escaping the server's parser does not care which spelling raised it, and its
// generic 500 page does not tell them apart either.
func signatureParts(base string, features []string, families bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range features {
		name, variant, ok := strings.Cut(f, ":")
		if ok && families {
			f = name
		} else if ok {
			variant, _, _ = strings.Cut(variant, "@")
			if _, err := strconv.Atoi(variant); err == nil || name == "follow" {
				f = name
			} else {
				// Spellings that differ only in case ("connection:Close", "expect:100-Continue")
				// are one cause when they give the same verdict, as they must to meet here.
				f = name + ":" + strings.ToLower(variant)
			}
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Strings(out)
	if !strings.HasPrefix(base, "neutral:") {
		out = append([]string{base}, out...)
	}
	return out
}

// record writes the finding with the target's answer to its bytes. That is prior when prior
// saw the connection end (closed, reset, or silent for as long as record waits); otherwise
// the bytes are sent once more, the expected responses waited for as the confirmation did,
// and whatever follows them within the configured linger (100ms by default) kept too, not
// read on until a kept-open connection goes idle.
func (s *session) record(ctx context.Context, f *Finding, v Verdict, prior *Observation) {
	tm := s.investigation(v)
	tm.Linger = s.opt.Timing.Linger
	var probe Finding
	var raw []byte
	var writes []Write
	s.triage.edit(func() {
		probe = Finding{Class: f.Class, Kind: f.Kind, Rule: f.Rule, Features: f.Features, Bytes: f.Bytes, Writes: f.Writes}
		raw, writes = f.Bytes, f.Writes
	})
	var o *Observation
	var e *Expectation
	if prior != nil && (sawEnd(prior) || v.Class == Crash && prior.DialErr != "") {
		o, e = prior, expectCase(raw, writes, s.opt.Limits, s.opt.Deviations)
	} else {
		_, o, e = s.exchangeTimed(ctx, raw, writes, true, tm)
		if prior != nil && ended(ctx) {
			o = prior // cut short by the session's end: what was seen before is the better record
		}
	}
	// Diagnosed as it is recorded: the causes are grouped again every few seconds.
	probe.Observed = o
	like := diagnose(&probe, parsingDeviations())
	s.triage.learnNames(probe.Class, like)
	var err error
	s.triage.edit(func() {
		f.Reference = refView(e.In)
		f.Observed = o
		f.Like, f.Diagnosed = like, true
		f.UpdatedAt = time.Now()
		err = s.store.write(f)
	})
	if err != nil {
		s.fatal(err)
	}
	s.saveState(false)
}

// sawEnd says the observation read until the connection ended, not just until the expected
// responses: nothing more would come if the bytes were sent again and read to the end.
func sawEnd(o *Observation) bool {
	switch o.End {
	case wire.EndClosed, wire.EndReset, wire.EndIdle, wire.EndDeadline, wire.EndCapped:
		return true
	}
	return false
}

func (s *session) report(f *Finding) {
	if s.opt.OnFinding != nil {
		s.opt.OnFinding(f)
	}
}
