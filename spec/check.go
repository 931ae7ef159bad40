// Package spec is the check catalog: one Check per requirement of PEP 3333, RFC 9112 or
// RFC 9110 that a WSGI server can be seen to meet or break from the outside.
//
// A check is two halves. Observe talks to the target (exact bytes over the wire client) and
// returns an Observation; Judge is a pure function of that observation. Keeping the verdict
// pure means it is unit-tested on recorded observations and can never depend on timing of
// the test machine beyond what was recorded.
package spec

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
)

// Level is how strongly the spec asks for the behaviour a check looks for.
type Level int

const (
	// Must: breaking it is a failure.
	Must Level = iota
	// Should: breaking it is a warning.
	Should
	// May: optional or observed behaviour; always reported as info.
	May
)

func (l Level) String() string {
	switch l {
	case Must:
		return "MUST"
	case Should:
		return "SHOULD"
	default:
		return "MAY"
	}
}

// Status is a check's result.
type Status string

const (
	Pass  Status = "pass"
	Fail  Status = "fail"
	Warn  Status = "warn"
	Info  Status = "info"
	Error Status = "error"
	Skip  Status = "skip"
	// Flaky: a timing-sensitive check (Check.Timing) measured several times reached
	// different statuses; the message gives each trial's. It never fails a run by default.
	Flaky Status = "flaky"
)

// Statuses lists every status a result can have, in report order.
var Statuses = []Status{Pass, Fail, Warn, Flaky, Info, Error, Skip}

// Outcome is what Judge concludes before the level turns it into a Status.
type Outcome int

const (
	Conforms Outcome = iota
	Violates
	Observed
	Inconclusive
	NotApplicable
)

// Verdict is Judge's conclusion with the reason in words a server maintainer can act on.
type Verdict struct {
	Outcome Outcome
	Message string
	// Keys names the environ keys worth showing as evidence.
	Keys []string
	// Behaviour and Concurrency become the result's Facts.
	Behaviour   string
	Concurrency *Concurrency
	// Proof marks an outcome no timing noise can produce (a client answered before the
	// request blocking it could have ended): a timing check's trial that proves stands
	// over earlier trials that a loaded machine may have slowed.
	Proof bool
}

// Facts are what a check saw, and why it did not run, as data beside its message: reports
// read these, never the words of the message. The JSON report carries them as they are.
type Facts struct {
	// Status is the status code of the first response on the check's first connection
	// (0: none came), BodyBytes the length of its body, Proto its HTTP-version.
	Status    int    `json:"status,omitempty"`
	BodyBytes int    `json:"body_bytes,omitempty"`
	Proto     string `json:"proto,omitempty"`
	// Behaviour names, in a word from the check's own small set, what the server did where
	// the status alone does not say (the Behaviour* constants).
	Behaviour string `json:"behaviour,omitempty"`
	// Concurrency is what conform/concurrency/blocking-capacity measured.
	Concurrency *Concurrency `json:"concurrency,omitempty"`
	// SkippedFor is the prerequisite that did not pass, and SkippedForStatus its status.
	SkippedFor       string `json:"skipped_for,omitempty"`
	SkippedForStatus Status `json:"skipped_for_status,omitempty"`
	// TargetDied: the target stopped answering after (or while) this check ran.
	TargetDied bool `json:"target_died,omitempty"`
	// TargetDiedDuring names the check during which the target died, for a check that was
	// not run since.
	TargetDiedDuring string `json:"target_died_during,omitempty"`
	// Interrupted: the check did not run, or was cut short, because the run was interrupted.
	Interrupted bool `json:"interrupted,omitempty"`
}

// Concurrency is the effective concurrency measured against a blocking application, and
// how many processes and threads served it.
type Concurrency struct {
	Effective float64 `json:"effective"`
	Processes int     `json:"processes"`
	Threads   int     `json:"threads"`
}

// Behaviours the capability summary reads.
const (
	BehaviourDecoded     = "decoded"      // a chunked body reached the app decoded
	BehaviourRefused411  = "refused-411"  // a body without Content-Length refused, as RFC 9112 §6.3 allows
	BehaviourRefused     = "refused"      // a valid request refused
	BehaviourNotRead     = "not-read"     // the app could not read the body at all
	BehaviourMangled     = "mangled"      // the app read other bytes than were sent
	BehaviourInOrder     = "in-order"     // pipelined requests answered in order
	BehaviourClosesEarly = "closes-early" // pipelined requests: some answered in order, then the connection closed
)

func conforms(format string, args ...interface{}) Verdict {
	return Verdict{Outcome: Conforms, Message: fmt.Sprintf(format, args...)}
}

func violates(format string, args ...interface{}) Verdict {
	return Verdict{Outcome: Violates, Message: fmt.Sprintf(format, args...)}
}

func observed(format string, args ...interface{}) Verdict {
	return Verdict{Outcome: Observed, Message: fmt.Sprintf(format, args...)}
}

func inconclusive(format string, args ...interface{}) Verdict {
	return Verdict{Outcome: Inconclusive, Message: fmt.Sprintf(format, args...)}
}

func notApplicable(format string, args ...interface{}) Verdict {
	return Verdict{Outcome: NotApplicable, Message: fmt.Sprintf(format, args...)}
}

func (v Verdict) with(keys ...string) Verdict {
	v.Keys = append(v.Keys, keys...)
	return v
}

// proven marks the verdict as one timing noise cannot produce (Verdict.Proof).
func (v Verdict) proven() Verdict {
	v.Proof = true
	return v
}

// behaving names what the server did, for Facts.Behaviour.
func (v Verdict) behaving(b string) Verdict {
	v.Behaviour = b
	return v
}

// Status turns an outcome into a status at the given level.
func (v Verdict) Status(l Level) Status {
	switch v.Outcome {
	case Conforms:
		return Pass
	case Violates:
		switch l {
		case Must:
			return Fail
		case Should:
			return Warn
		}
		return Info
	case Observed:
		return Info
	case NotApplicable:
		return Skip
	}
	return Error
}

// Ref points at the section of a document a check enforces.
type Ref struct {
	Doc     string // "PEP 3333", "RFC 9112", "RFC 9110" or "conform"
	Section string // "5.2", or a PEP heading such as "environ Variables"
}

func (r Ref) String() string {
	if r.Doc == "PEP 3333" {
		return r.Doc + ", " + r.Section
	}
	return r.Doc + " §" + r.Section
}

// URL links to the public text of the section.
func (r Ref) URL() string {
	switch r.Doc {
	case "RFC 9112":
		return "https://www.rfc-editor.org/rfc/rfc9112#section-" + r.Section
	case "RFC 9110":
		return "https://www.rfc-editor.org/rfc/rfc9110#section-" + r.Section
	case "PEP 3333":
		anchor := strings.ToLower(strings.NewReplacer(" ", "-", "(", "", ")", "", "`", "", "/", "").Replace(r.Section))
		return "https://peps.python.org/pep-3333/#" + anchor
	}
	return ""
}

// Check is one requirement and the means to test it.
type Check struct {
	// ID is stable: it never changes meaning. A check that is renamed keeps its old IDs
	// in Aliases, so --only, --skip, baselines and Lookup written against them still work.
	ID      string
	Aliases []string
	Title   string
	Ref     Ref
	// Quote is the sentence the check enforces, verbatim from the spec text.
	Quote string
	Level Level
	// Area is the catalog section: environ, start-response, fields, framing, concurrency.
	Area string
	// Requires names checks that must pass for this one to mean anything; when one did
	// not, this check is skipped with the reason instead of failing in cascade.
	Requires []string
	// Timing marks a check whose verdict rests on measured time (delays, concurrency,
	// interim responses). Run measures it again when the first trial does not conform and
	// reports Flaky when the trials disagree, instead of flipping between runs.
	Timing bool
	// Exclusive marks a check that needs the target to itself: Run never sends other
	// checks' traffic beside it. Timing checks and the concurrency area are exclusive
	// whatever it says (see NeedsTarget); set it for anything else whose verdict another
	// client's traffic could change.
	Exclusive bool
	// HTTP11 marks a requirement that binds HTTP/1.1 implementations only (the chunked
	// coding, 100-continue): a server that answers as HTTP/1.0, which RFC 9110 §2.5 lets it
	// do, is reported as observed, not as breaking it.
	HTTP11 bool
	// Long marks a check that spends a second or more waiting on an idle connection (a
	// server's own time-out, a pause it must sit out): Run starts it first, so its wait
	// overlaps the other checks instead of ending the run.
	Long bool
	// Watches marks a check whose one exchange, once answered, only watches an idle
	// connection (for the server's own time-out): a check that needs the target alone may
	// run beside it, since an idle keep-alive connection holds no worker of the servers
	// conform knows.
	Watches bool
	// OverTLS marks a check that has something to judge only on a target reached over TLS
	// (Target.TLS, --tls); on plain TCP its verdict is not applicable.
	OverTLS bool
	Observe func(ctx context.Context, t *Target) (*Observation, error)
	Judge   func(o *Observation) Verdict
}

// CatalogVersion changes whenever a check is added, removed or changes meaning; a check ID
// never changes meaning within the catalog's life.
const CatalogVersion = "2026.12.3"

// Areas in report order.
var Areas = []string{"environ", "input", "start-response", "response", "fields", "framing", "connection", "concurrency"}

var registry []*Check

// register adds a check to the catalog. It is called from init functions only; the
// registry is the one piece of global state the package keeps.
func register(c *Check) {
	for _, e := range registry {
		for _, name := range c.names() {
			for _, other := range e.names() {
				if name == other {
					panic("spec: check " + c.ID + " reuses the ID or alias " + name + " of " + e.ID)
				}
			}
		}
	}
	if c.Observe == nil || c.Judge == nil || c.Quote == "" || c.Title == "" {
		panic("spec: incomplete check " + c.ID)
	}
	registry = append(registry, c)
}

// All returns the catalog, ordered by area and then by ID.
func All() []*Check {
	out := append([]*Check(nil), registry...)
	order := map[string]int{}
	for i, a := range Areas {
		order[a] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Area != out[j].Area {
			return order[out[i].Area] < order[out[j].Area]
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// NeedsTarget reports whether the check must run with nothing else talking to the target:
// it says so (Exclusive), or it measures time (a neighbour's load shifts what it
// measures), or it is in the concurrency area (it counts what the server serves at once,
// and its processes and threads).
func (c *Check) NeedsTarget() bool {
	return c.Exclusive || c.Timing || c.Area == "concurrency"
}

// names returns the check's ID followed by its aliases.
func (c *Check) names() []string { return append([]string{c.ID}, c.Aliases...) }

// Lookup returns the check with the given ID or alias (an ID the check had before it was
// renamed).
func Lookup(id string) (*Check, bool) {
	for _, c := range registry {
		if c.ID == id {
			return c, true
		}
	}
	for _, c := range registry {
		for _, a := range c.Aliases {
			if a == id {
				return c, true
			}
		}
	}
	return nil, false
}

// Select filters checks: a check is kept when it matches some only pattern (all, if none
// are given) and no skip pattern. A pattern is an ID glob (rfc9112/7.1/*) or an area name.
func Select(checks []*Check, only, skip []string) ([]*Check, error) {
	for _, p := range append(append([]string{}, only...), skip...) {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("bad pattern %q: %w", p, err)
		}
	}
	var out []*Check
	for _, c := range checks {
		if len(only) > 0 && !matchAny(c, only) {
			continue
		}
		if matchAny(c, skip) {
			continue
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no check matches --only %v --skip %v (see 'conform list')", only, skip)
	}
	return out, nil
}

// matchAny matches the check's ID and its aliases alike, so a pattern written before a
// rename keeps selecting the same checks.
func matchAny(c *Check, patterns []string) bool {
	for _, p := range patterns {
		if p == c.Area {
			return true
		}
		for _, id := range c.names() {
			if p == id {
				return true
			}
			if ok, _ := path.Match(p, id); ok {
				return true
			}
			// A prefix such as "rfc9112/7.1" selects everything below it.
			if strings.HasPrefix(id, strings.TrimSuffix(p, "/")+"/") {
				return true
			}
		}
	}
	return false
}

// Result is a check's outcome on one target.
type Result struct {
	Check    *Check
	Status   Status
	Message  string
	Evidence []Evidence
	Duration time.Duration
	// Trials holds each trial's status when a timing-sensitive check was measured more
	// than once; nil after a single trial.
	Trials []Status
	// Request is every byte the check's first connection sent, uncapped (Evidence caps
	// them), so a failure can be replayed by hand.
	Request []byte
	Facts   Facts
	// proof: the verdict was one timing noise cannot produce (Verdict.Proof).
	proof bool
}

// Evidence is what one connection of a check sent and received.
type Evidence struct {
	Label    string
	Request  []byte
	Response []byte
	End      string
	Timings  []string
	Environ  map[string]string
}
