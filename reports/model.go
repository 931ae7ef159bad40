// Package reports turns check results into what people and CI read: a terminal summary,
// JSON (a documented, versioned schema), JUnit XML, Markdown and HTML.
package reports

import (
	"time"

	"github.com/conform-wsgi/conform/spec"
)

// SchemaVersion is the version of the JSON report format; see SCHEMA.md.
const SchemaVersion = 1

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
}

// Environment records where the run happened.
type Environment struct {
	Host      string  `json:"host,omitempty"`
	GoVersion string  `json:"go_version,omitempty"`
	Scale     float64 `json:"timeout_scale,omitempty"`
}

// Totals counts results by status.
type Totals struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Warn  int `json:"warn"`
	Info  int `json:"info"`
	Error int `json:"error"`
	Skip  int `json:"skip"`
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
		r.Results = append(r.Results, FromSpec(res))
	}
	r.Tally()
	return r
}

// FromSpec flattens one spec result.
func FromSpec(res *spec.Result) Result {
	c := res.Check
	out := Result{
		ID: c.ID, Title: c.Title, Area: c.Area, Level: c.Level.String(),
		Spec: c.Ref.String(), SpecURL: c.Ref.URL(), Quote: c.Quote,
		Status: string(res.Status), Message: res.Message, Duration: Duration(res.Duration),
	}
	for _, e := range res.Evidence {
		out.Evidence = append(out.Evidence, Evidence{Label: e.Label, Request: e.Request, Response: e.Response, End: e.End, Timings: e.Timings, Environ: e.Environ})
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
