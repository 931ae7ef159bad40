package reports

import (
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/internal/safetext"
	"github.com/conform-wsgi/conform/spec"
)

// Statuses lists every result status in the order reports show totals.
var Statuses = []string{
	string(spec.Pass), string(spec.Fail), string(spec.Warn), string(spec.Flaky),
	string(spec.Info), string(spec.Error), string(spec.Skip),
}

// Count returns the total for one status ("pass", "fail", ...); 0 for an unknown status.
func (t Totals) Count(status string) int {
	switch spec.Status(status) {
	case spec.Pass:
		return t.Pass
	case spec.Fail:
		return t.Fail
	case spec.Warn:
		return t.Warn
	case spec.Info:
		return t.Info
	case spec.Error:
		return t.Error
	case spec.Skip:
		return t.Skip
	case spec.Flaky:
		return t.Flaky
	}
	return 0
}

// Total is the number of results counted.
func (t Totals) Total() int {
	return t.Pass + t.Fail + t.Warn + t.Info + t.Error + t.Skip + t.Flaky
}

func (t *Totals) add(status string) {
	switch spec.Status(status) {
	case spec.Pass:
		t.Pass++
	case spec.Fail:
		t.Fail++
	case spec.Warn:
		t.Warn++
	case spec.Info:
		t.Info++
	case spec.Error:
		t.Error++
	case spec.Skip:
		t.Skip++
	case spec.Flaky:
		t.Flaky++
	}
}

// Verdict is the one-line conclusion of a report, for example
// "FAIL: 3 MUST checks failed, 5 SHOULD checks warned (96 checks in 4.2s)".
// The word is what conform's exit status says (Passed): FAIL when a result has a status
// the run fails on (FailOn, by default only fail), or, against a baseline, when a check
// regressed; and FAIL when the run was interrupted or aborted. Errors and flaky results
// are counted; they decide the word only when FailOn lists them.
func (r *Report) Verdict() string {
	t := r.Totals
	word := "PASS"
	if !r.Passed() {
		word = "FAIL"
	}
	var parts []string
	if b := r.Baseline; b != nil {
		s := plural(len(b.Regressions), "regression", "regressions") + " against the baseline"
		if len(b.Fixed) > 0 {
			s += fmt.Sprintf(" (%d fixed)", len(b.Fixed))
		}
		parts = append(parts, s)
	}
	if len(r.Desyncs) > 0 {
		parts = append(parts, plural(len(r.Desyncs), "desync", "desyncs")+" between the front and the server")
	}
	parts = append(parts, plural(t.Fail, "MUST check", "MUST checks")+" failed")
	if t.Error > 0 {
		parts = append(parts, plural(t.Error, "check", "checks")+" errored")
	}
	parts = append(parts, plural(t.Warn, "SHOULD check", "SHOULD checks")+" warned")
	if t.Flaky > 0 {
		parts = append(parts, plural(t.Flaky, "check", "checks")+" flaky")
	}
	tail := fmt.Sprintf("%s in %s", plural(len(r.Results), "check", "checks"), humanDuration(time.Duration(r.Duration)))
	if fo := r.failOn(); r.Baseline == nil && !(len(fo) == 1 && fo[0] == string(spec.Fail)) {
		tail += ", failing on " + strings.Join(fo, ",")
	}
	if r.Interrupted {
		tail += ", interrupted"
	}
	if r.Aborted != "" {
		tail += ", aborted: " + clean(r.Aborted, false)
	}
	return fmt.Sprintf("%s: %s (%s)", word, strings.Join(parts, ", "), tail)
}

// DefaultFailOn is the statuses that fail a run unless --fail-on says otherwise.
var DefaultFailOn = []string{string(spec.Fail)}

func (r *Report) failOn() []string {
	if len(r.FailOn) == 0 {
		return DefaultFailOn
	}
	return r.FailOn
}

// Passed reports whether the run passes, as conform's exit status does: it was neither
// interrupted nor aborted, and, against a baseline, no check regressed; without one, no
// result has a status in FailOn.
func (r *Report) Passed() bool {
	if r.Interrupted || r.Aborted != "" || len(r.Desyncs) > 0 {
		return false
	}
	if r.Baseline != nil {
		return len(r.Baseline.Regressions) == 0
	}
	for _, s := range r.failOn() {
		if r.Totals.Count(s) > 0 {
			return false
		}
	}
	return true
}

// shownStatuses is Statuses without flaky when no result is flaky, for the text and
// Markdown tables, which stay as narrow as they were for runs without timing trouble.
func shownStatuses(t Totals) []string {
	if t.Flaky > 0 {
		return Statuses
	}
	out := make([]string, 0, len(Statuses))
	for _, s := range Statuses {
		if s != string(spec.Flaky) {
			out = append(out, s)
		}
	}
	return out
}

// passed reports whether Verdict says PASS.
func (r *Report) passed() bool { return r.Passed() }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// humanDuration prints a run or check duration the way people read it: 350ms, 4.2s, 2m05s.
func humanDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Round(time.Microsecond)/time.Microsecond)
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Round(time.Millisecond)/time.Millisecond)
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
}

// RTTSeconds is a round trip as Environment.RTT records it: seconds, to the microsecond.
func RTTSeconds(d time.Duration) float64 {
	return float64(d.Round(time.Microsecond).Microseconds()) / 1e6
}

func rttDuration(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Microsecond)
}

// serverName is how a report names its server: "gunicorn 21.2.0", or the address when the
// server is unknown.
func serverName(t Target) string {
	behind := ""
	if f := t.Front; f != nil {
		behind = " behind " + strings.TrimSpace(f.Name+" "+f.Version)
	}
	switch {
	case t.Server != "" && t.ServerVersion != "":
		return t.Server + " " + t.ServerVersion + behind
	case t.Server != "":
		return t.Server + behind
	case t.Addr != "":
		return t.Addr + behind
	}
	return "unknown server"
}

// stackName is the server's short name, with its front's when it ran behind one
// ("gunicorn-sync+nginx").
func stackName(t Target) string {
	if t.Front != nil && t.Server != "" {
		return t.Server + "+" + t.Front.Name
	}
	return t.Server
}

// areaGroup is one area's results, in report order.
type areaGroup struct {
	Area    string
	Totals  Totals
	Results []Result
}

// areaOrder returns the areas present in results: catalog areas first in spec.Areas order,
// then any others in the order they first appear.
func areaOrder(results []Result) []string {
	seen := map[string]bool{}
	for _, res := range results {
		seen[res.Area] = true
	}
	var out []string
	for _, a := range spec.Areas {
		if seen[a] {
			out = append(out, a)
			delete(seen, a)
		}
	}
	for _, res := range results {
		if seen[res.Area] {
			out = append(out, res.Area)
			delete(seen, res.Area)
		}
	}
	return out
}

func groupByArea(results []Result) []areaGroup {
	idx := map[string]int{}
	var groups []areaGroup
	for i, a := range areaOrder(results) {
		idx[a] = i
		groups = append(groups, areaGroup{Area: a})
	}
	for _, res := range results {
		g := &groups[idx[res.Area]]
		g.Results = append(g.Results, res)
		g.Totals.add(res.Status)
	}
	return groups
}

// areaLabel names an area for display; results without one are "other".
func areaLabel(a string) string {
	if a == "" {
		return "other"
	}
	return a
}

// clean makes untrusted text safe to print on a terminal, in XML or in Markdown
// (safetext): newlines and tabs are kept when keepSpace is set.
func clean(s string, keepSpace bool) string {
	if keepSpace {
		return safetext.Block(s)
	}
	return safetext.Line(s)
}

// splitAddr turns "host:port" into the two arguments nc takes.
func splitAddr(addr string) []string {
	if h, p, err := net.SplitHostPort(addr); err == nil {
		return []string{h, p}
	}
	return []string{addr}
}

// statusLetter is the one-letter code the matrix uses.
func statusLetter(status string) string {
	switch spec.Status(status) {
	case "":
		return "–"
	case spec.Flaky:
		return "~" // F is fail
	case spec.Pass, spec.Fail, spec.Warn, spec.Info, spec.Error, spec.Skip:
		return strings.ToUpper(status[:1])
	}
	return "?"
}

// WriteFormat writes r in a named format: text, json, junit, markdown (or md) or html.
func WriteFormat(w io.Writer, r *Report, format string, opt TextOptions) error {
	switch format {
	case "text", "":
		return WriteText(w, r, opt)
	case "json":
		return WriteJSON(w, r)
	case "junit", "xml":
		return WriteJUnit(w, r)
	case "markdown", "md":
		return WriteMarkdown(w, r)
	case "html":
		return WriteHTML(w, r)
	}
	return fmt.Errorf("unknown report format %q (want text, json, junit, markdown or html)", format)
}
