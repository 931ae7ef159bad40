// Package reports turns check results into what people and CI read: a terminal summary,
// JSON (a documented, versioned schema), JUnit XML, Markdown and HTML.
package reports

import (
	"time"

	"github.com/conform-wsgi/conform/spec"
)

// SchemaVersion is the version of the JSON report format; see SCHEMA.md.
const SchemaVersion = 2

// OldestSchema is the oldest schema version ReadJSON still reads: version 1 is version 2
// without the flaky status and the fields 2 added.
const OldestSchema = 1

// Report is one run of the catalog against one target.
type Report struct {
	Schema         int         `json:"schema"`
	Tool           string      `json:"tool"`
	ToolVersion    string      `json:"tool_version"`
	CatalogVersion string      `json:"catalog_version"`
	Target         Target      `json:"target"`
	Started        time.Time   `json:"started"`
	Duration       Duration    `json:"duration"`
	Totals         Totals      `json:"totals"`
	Results        []Result    `json:"results"`
	Interrupted    bool        `json:"interrupted,omitempty"`
	Environment    Environment `json:"environment"`
	// FailOn lists the statuses that fail the run (--fail-on); absent means ["fail"].
	FailOn []string `json:"fail_on,omitempty"`
	// Baseline is how the run compares with a baseline file (--baseline); with one, only
	// regressions fail the run.
	Baseline *BaselineComparison `json:"baseline,omitempty"`
	// Aborted says why checks did not run, other than an interrupt: "the target died
	// during <ID>". Such a run fails, as an interrupted one does.
	Aborted string `json:"aborted,omitempty"`
	// Desyncs are the upstream connections of a stack (--front) on which the server
	// answered more requests than the front forwarded. Any fails the run.
	Desyncs []Desync `json:"desyncs,omitempty"`
	// DesyncsNotJudged says why a stack's upstream connections were not judged for
	// desyncs (a server reached over uwsgi: its packets are length-prefixed).
	DesyncsNotJudged string `json:"desyncs_not_judged,omitempty"`
	// Attacks are the smuggling attacks tried through the front after the checks, each as
	// a second client saw it (a confirmed one is also among Desyncs).
	Attacks []AttackResult `json:"attacks,omitempty"`
}

// AttackResult is what one smuggling attack through a front came to.
type AttackResult struct {
	Name      string `json:"name"`
	Confirmed bool   `json:"confirmed"`
	Why       string `json:"why"`
}

// Desync is one upstream connection, between the front and the server, on which the
// server read a request the front never sent.
type Desync struct {
	// Conn numbers the upstream connection in the order the relay accepted it.
	Conn int `json:"conn"`
	// Meant is how many responses a conforming server owes for what the front forwarded;
	// Served is how many the server returned.
	Meant  int    `json:"meant"`
	Served int    `json:"served"`
	Why    string `json:"why"`
	// Checks are the checks whose requests travelled on the connection (their
	// X-Conform-Id), in the order they did.
	Checks []string `json:"checks,omitempty"`
	// Forwarded and Returned are the connection's bytes each way (the first 64 KiB).
	Forwarded []byte `json:"forwarded"`
	Returned  []byte `json:"returned"`
	// Attack names the attack that proved the desync from a second client's side ("CL.0");
	// Confirmed says a second client's request then got the response meant for the
	// smuggled one. Sent is the attacker's request and Victim what the second client got.
	Attack    string `json:"attack,omitempty"`
	Confirmed bool   `json:"confirmed,omitempty"`
	Sent      []byte `json:"sent,omitempty"`
	Victim    []byte `json:"victim,omitempty"`
}

// Target says what was tested and, when conform started it, how.
type Target struct {
	Addr          string   `json:"addr"`
	Server        string   `json:"server,omitempty"`
	ServerVersion string   `json:"server_version,omitempty"`
	Command       []string `json:"command,omitempty"`
	Python        string   `json:"python,omitempty"`
	ProbeVersion  int      `json:"probe_version,omitempty"`
	Log           string   `json:"log,omitempty"`
	// WorkerModel is how the server was configured to run the app, when conform started
	// a known server: "sync workers (2 processes)", "4 threads", ...
	WorkerModel string `json:"worker_model,omitempty"`
	// TLS: conform spoke HTTPS to the target (--tls).
	TLS bool `json:"tls,omitempty"`
	// Protocol is "uwsgi" when the server was reached over uWSGI's own protocol (by
	// conform, or by the front), "" for HTTP.
	Protocol string `json:"protocol,omitempty"`
	// Front is the reverse proxy conform started before the server (--front): Addr is
	// then the front's, and the verdicts are on what the stack did.
	Front *Front `json:"front,omitempty"`
}

// Front is a reverse proxy conform started before the server, and how.
type Front struct {
	Name    string   `json:"name"`
	Version string   `json:"version,omitempty"`
	Command []string `json:"command,omitempty"`
	// Config is the configuration conform generated for it.
	Config string `json:"config,omitempty"`
	Log    string `json:"log,omitempty"`
}

// Environment records where the run happened.
type Environment struct {
	Host      string  `json:"host,omitempty"`
	GoVersion string  `json:"go_version,omitempty"`
	Scale     float64 `json:"timeout_scale,omitempty"`
	// RTT is the median round trip to the target measured before the run, in seconds
	// with microsecond precision (a local target answers in well under a millisecond).
	RTT float64 `json:"rtt,omitempty"`
	// Trials is the most times a timing-sensitive check was measured.
	Trials int `json:"trials,omitempty"`
}

// Totals counts results by status.
type Totals struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Warn  int `json:"warn"`
	Info  int `json:"info"`
	Error int `json:"error"`
	Skip  int `json:"skip"`
	Flaky int `json:"flaky"`
}

// Result is one check's outcome, flattened to plain data.
type Result struct {
	ID       string     `json:"id"`
	Title    string     `json:"title"`
	Area     string     `json:"area"`
	Level    string     `json:"level"`
	Spec     string     `json:"spec"`
	SpecURL  string     `json:"spec_url,omitempty"`
	Quote    string     `json:"quote"`
	Status   string     `json:"status"`
	Message  string     `json:"message"`
	Duration Duration   `json:"duration"`
	Evidence []Evidence `json:"evidence,omitempty"`
	// Trials lists each trial's status when a timing-sensitive check was measured more
	// than once.
	Trials []string `json:"trials,omitempty"`
	// Repro is a shell one-liner that sends the check's first request again, for fail,
	// warn, error and flaky results.
	Repro string `json:"repro,omitempty"`
	// Baseline is the status the baseline file lists for this check, when it lists it.
	Baseline string `json:"baseline,omitempty"`
	// Facts is what the check saw and why it did not run, as data: read these, not
	// Message. Absent when there is none, and in reports written before it existed.
	Facts *spec.Facts `json:"facts,omitempty"`

	// request is every byte of the first request, uncapped, when the result came from a
	// run (not from JSON), for WriteRepro.
	request []byte
}

// BaselineComparison is how a run compares with a baseline file: the checks that got
// worse (regressions, which fail the run), those that now pass, those that got better
// without passing, and what the file said that no longer applies.
type BaselineComparison struct {
	File        string   `json:"file"`
	Catalog     string   `json:"catalog_version,omitempty"`
	Regressions []Change `json:"regressions"`
	Fixed       []Change `json:"fixed"`
	Improved    []Change `json:"improved,omitempty"`
	// Known counts the non-passing results the baseline accounts for.
	Known    int      `json:"known"`
	Warnings []string `json:"warnings,omitempty"`
}

// Change is one check whose status differs from its baseline.
type Change struct {
	ID     string `json:"id"`
	Was    string `json:"was"`
	Now    string `json:"now"`
	Reason string `json:"reason,omitempty"`
}

// Evidence is what one connection of a check sent and received. Bytes are kept exact; JSON
// carries them as base64 ([]byte), and renderers make CR, LF and non-printable bytes visible.
type Evidence struct {
	Label    string            `json:"label"`
	Request  []byte            `json:"request"`
	Response []byte            `json:"response"`
	End      string            `json:"end"`
	Timings  []string          `json:"timings,omitempty"`
	Environ  map[string]string `json:"environ,omitempty"`
}

// Duration marshals as seconds (a float) so every consumer reads it the same way.
type Duration time.Duration

// MarshalJSON writes seconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(formatSeconds(time.Duration(d))), nil
}

// UnmarshalJSON reads seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s, err := parseSeconds(string(b))
	*d = Duration(s)
	return err
}

// New builds a report from spec results.
func New(target Target, started time.Time, results []*spec.Result) *Report {
	r := &Report{Schema: SchemaVersion, Tool: "conform", Target: target, Started: started.UTC()}
	for _, res := range results {
		out := FromSpec(res)
		if len(res.Request) > 0 {
			out.request = res.Request
		}
		r.Results = append(r.Results, out)
	}
	r.SetRepro()
	r.Tally()
	return r
}

// NeedsRepro reports whether a status is one a person will want to reproduce.
func NeedsRepro(status string) bool {
	switch spec.Status(status) {
	case spec.Fail, spec.Warn, spec.Error, spec.Flaky:
		return true
	}
	return false
}

// SetRepro fills in Result.Repro, the replay one-liner, for every result that needs one
// and has a request to replay.
func (r *Report) SetRepro() {
	for i := range r.Results {
		res := &r.Results[i]
		if !NeedsRepro(res.Status) {
			continue
		}
		if req := res.Request(); len(req) > 0 && r.Target.Addr != "" {
			res.Repro = r.Target.Replay(req)
		}
	}
}

// Request returns the bytes of the result's first request: all of them when the result
// came from a run, else the (capped) evidence.
func (res Result) Request() []byte {
	if len(res.request) > 0 {
		return res.request
	}
	for _, e := range res.Evidence {
		if len(e.Request) > 0 {
			return e.Request
		}
	}
	return nil
}

// FromSpec flattens one spec result.
func FromSpec(res *spec.Result) Result {
	c := res.Check
	out := Result{
		ID: c.ID, Title: c.Title, Area: c.Area, Level: c.Level.String(),
		Spec: c.Ref.String(), SpecURL: c.Ref.URL(), Quote: c.Quote,
		Status: string(res.Status), Message: res.Message, Duration: Duration(res.Duration),
	}
	for _, s := range res.Trials {
		out.Trials = append(out.Trials, string(s))
	}
	for _, e := range res.Evidence {
		out.Evidence = append(out.Evidence, Evidence{Label: e.Label, Request: e.Request, Response: e.Response, End: e.End, Timings: e.Timings, Environ: e.Environ})
	}
	if f := res.Facts; f != (spec.Facts{}) {
		out.Facts = &f
	}
	return out
}

// Tally recomputes the totals from the results.
func (r *Report) Tally() {
	r.Totals = Totals{}
	for _, res := range r.Results {
		switch spec.Status(res.Status) {
		case spec.Pass:
			r.Totals.Pass++
		case spec.Fail:
			r.Totals.Fail++
		case spec.Warn:
			r.Totals.Warn++
		case spec.Info:
			r.Totals.Info++
		case spec.Error:
			r.Totals.Error++
		case spec.Skip:
			r.Totals.Skip++
		case spec.Flaky:
			r.Totals.Flaky++
		}
	}
}

// Failed reports whether any result has one of the given statuses.
func (r *Report) Failed(statuses ...spec.Status) bool {
	for _, res := range r.Results {
		for _, s := range statuses {
			if res.Status == string(s) {
				return true
			}
		}
	}
	return false
}
