package reports

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// TextOptions tune the terminal summary.
type TextOptions struct {
	// Color adds ANSI colours: green pass, red fail, yellow warn, cyan info, magenta error,
	// dim skip.
	Color bool
	// Verbose also lists info results and the target's command line.
	Verbose bool
	// ReproDir is where --repro wrote the request files; a request too long to show as a
	// one-liner is then replayed from its file.
	ReproDir string
}

// textWidth is where the terminal summary wraps messages and quotes.
const textWidth = 100

// palette colours text when enabled.
type palette bool

var statusColor = map[string]string{
	"pass": "32", "fail": "31", "warn": "33", "info": "36", "error": "35", "skip": "2", "flaky": "34",
}

func (p palette) paint(code, s string) string {
	if !p || code == "" || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) status(status, s string) string { return p.paint(statusColor[status], s) }
func (p palette) bold(s string) string           { return p.paint("1", s) }
func (p palette) dim(s string) string            { return p.paint("2", s) }

var statusMark = map[string]string{
	"pass": "✓", "fail": "×", "warn": "!", "info": "i", "error": "E", "skip": "-", "flaky": "~",
}

// WriteText writes the terminal summary: a header, totals per area, every failure, error
// and warning (and info result, when verbose) with its spec sentence, and a verdict line.
func WriteText(w io.Writer, r *Report, opt TextOptions) error {
	bw := bufio.NewWriter(w)
	p := palette(opt.Color)

	// Header.
	tool := "conform"
	if r.ToolVersion != "" {
		tool += " " + r.ToolVersion
	}
	head := fmt.Sprintf("%s: %s", tool, p.bold(clean(serverName(r.Target), false)))
	if r.Target.Server != "" && r.Target.Addr != "" {
		head += " at " + clean(r.Target.Addr, false)
	}
	head += fmt.Sprintf(", %s in %s", plural(len(r.Results), "check", "checks"), humanDuration(time.Duration(r.Duration)))
	if !r.Started.IsZero() {
		head += p.dim(" (started " + r.Started.UTC().Format("2006-01-02 15:04:05 UTC") + ")")
	}
	fmt.Fprintln(bw, head)
	if r.Target.WorkerModel != "" {
		fmt.Fprintln(bw, p.dim("worker model: "+clean(r.Target.WorkerModel, false)))
	}
	if opt.Verbose {
		if len(r.Target.Command) > 0 {
			fmt.Fprintln(bw, p.dim("command: "+clean(strings.Join(r.Target.Command, " "), false)))
		}
		if r.Target.Python != "" {
			fmt.Fprintln(bw, p.dim("python: "+clean(r.Target.Python, false)))
		}
		if r.CatalogVersion != "" {
			fmt.Fprintln(bw, p.dim("catalog: "+clean(r.CatalogVersion, false)))
		}
		if r.Environment.RTT > 0 {
			fmt.Fprintln(bw, p.dim("round trip: "+humanDuration(rttDuration(r.Environment.RTT))))
		}
	}
	if r.Interrupted {
		fmt.Fprintln(bw, p.status("error", "the run was interrupted: checks not run are reported as skipped"))
	}
	if r.Aborted != "" {
		fmt.Fprintln(bw, p.status("error", "the run was cut short: "+clean(r.Aborted, false)+"; checks not run are reported as skipped"))
	}
	if note := rttNote(r); note != "" {
		fmt.Fprintln(bw, p.status("warn", note))
	}
	fmt.Fprintln(bw)

	// Capabilities.
	if caps := Capabilities(r); anyTested(caps) {
		writeCapabilities(bw, p, caps)
		fmt.Fprintln(bw)
	}

	// Totals per area.
	groups := groupByArea(r.Results)
	writeTotalsTable(bw, p, groups, r.Totals)

	// Problems, worst first.
	sections := []struct{ status, title string }{
		{"fail", "Failures (MUST)"},
		{"error", "Errors (no verdict)"},
		{"warn", "Warnings (SHOULD)"},
		{"flaky", "Flaky (timing trials disagree; not a failure)"},
		{"info", "Info (MAY, observed behaviour)"},
	}
	listed := false
	for _, sec := range sections {
		if sec.status == "info" && !opt.Verbose {
			continue
		}
		var rows []Result
		for _, g := range groups {
			for _, res := range g.Results {
				if res.Status == sec.status {
					rows = append(rows, res)
				}
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n%s\n\n", p.bold(p.status(sec.status, fmt.Sprintf("%s: %d", sec.title, len(rows)))))
		for _, res := range rows {
			writeTextResult(bw, p, r, res, opt)
		}
		listed = true
	}

	// Baseline.
	if r.Baseline != nil {
		writeBaseline(bw, p, r.Baseline)
		listed = true
	}
	if len(r.Desyncs) > 0 || r.DesyncsNotJudged != "" {
		writeDesyncs(bw, p, r)
		listed = true
	}
	if len(r.Attacks) > 0 {
		writeAttacks(bw, p, r)
	}

	// Verdict.
	verdict := r.Verdict()
	if r.passed() {
		verdict = p.bold(p.status("pass", verdict))
	} else {
		verdict = p.bold(p.status("fail", verdict))
	}
	if !listed {
		fmt.Fprintln(bw)
	}
	fmt.Fprintln(bw, verdict)
	return bw.Flush()
}

func writeTotalsTable(w io.Writer, p palette, groups []areaGroup, total Totals) {
	nameW := len("total")
	for _, g := range groups {
		if n := utf8.RuneCountInString(clean(areaLabel(g.Area), false)); n > nameW {
			nameW = n
		}
	}
	cols := append(append([]string{}, shownStatuses(total)...), "total")
	line := "  " + pad("AREA", nameW, false)
	for _, c := range cols {
		line += "  " + pad(strings.ToUpper(c), len(c), true)
	}
	fmt.Fprintln(w, p.dim(line))
	row := func(name string, t Totals, bold bool) {
		line := "  " + pad(name, nameW, false)
		if bold {
			line = p.bold(line)
		}
		for _, c := range cols {
			n := t.Total()
			if c != "total" {
				n = t.Count(c)
			}
			cell := pad(fmt.Sprint(n), len(c), true)
			switch {
			case c == "total":
				cell = p.bold(cell)
			case n == 0:
				cell = p.dim(cell)
			default:
				cell = p.status(c, cell)
			}
			line += "  " + cell
		}
		fmt.Fprintln(w, line)
	}
	for _, g := range groups {
		row(clean(areaLabel(g.Area), false), g.Totals, false)
	}
	row("total", total, true)
}

// pad pads s with spaces to width runes, on the left when right is set.
func pad(s string, width int, right bool) string {
	n := utf8.RuneCountInString(s)
	if n >= width {
		return s
	}
	if right {
		return strings.Repeat(" ", width-n) + s
	}
	return s + strings.Repeat(" ", width-n)
}

func writeTextResult(w io.Writer, p palette, r *Report, res Result, opt TextOptions) {
	mark := statusMark[res.Status]
	if mark == "" {
		mark = "?"
	}
	first := fmt.Sprintf("  %s %s  %s  %s",
		p.status(res.Status, mark+" "+strings.ToUpper(clean(res.Status, false))),
		p.bold(clean(res.ID, false)), clean(res.Level, false), clean(res.Spec, false))
	switch {
	case r.Baseline != nil && isRegression(r.Baseline, res.ID):
		first += "  " + p.bold(p.status("fail", "REGRESSION"))
	case res.Baseline != "":
		first += "  " + p.dim("(in baseline: "+clean(res.Baseline, false)+")")
	}
	fmt.Fprintln(w, first)
	if res.Title != "" {
		fmt.Fprint(w, wrap(clean(res.Title, true), "    ", "    ", textWidth))
	}
	if res.Message != "" {
		fmt.Fprint(w, wrap(clean(res.Message, true), "    -> ", "       ", textWidth))
	}
	if res.Quote != "" {
		fmt.Fprint(w, p.dim(strings.TrimSuffix(wrap(`"`+clean(res.Quote, true)+`"`, "       ", "        ", textWidth), "\n"))+"\n")
	}
	if line := reproLine(r, res, opt.ReproDir); line != "" {
		fmt.Fprintln(w, "    "+p.dim("repro: ")+line)
	}
	fmt.Fprintln(w)
}

// reproMax is the longest replay one-liner the summary prints; longer requests are
// replayed from the --repro file, or from the JSON report's "repro".
const reproMax = 400

// reproLine is the one-line replay command shown under a problem, or "".
func reproLine(r *Report, res Result, dir string) string {
	if res.Repro == "" {
		return ""
	}
	if len(res.Repro) <= reproMax {
		return clean(res.Repro, false)
	}
	if dir != "" && r.Target.Addr != "" {
		return clean(r.Target.SendCommand()+" < "+shellQuote(filepath.Join(dir, ReproFileName(res.ID))), false)
	}
	return fmt.Sprintf("%d-byte request: its one-liner is \"repro\" in the JSON report; --repro DIR writes it to a file", len(res.Request()))
}

// rttNote warns when the round trip to the target is long enough to disturb the timing
// checks, whose thresholds assume a nearby server.
func rttNote(r *Report) string {
	rtt := rttDuration(r.Environment.RTT)
	if rtt < 25*time.Millisecond {
		return ""
	}
	scale := r.Environment.Scale
	if scale <= 0 {
		scale = 1
	}
	return fmt.Sprintf("the round trip to the target is %s: timing checks assume a nearby server (try --timeout-scale %g)", humanDuration(rtt), scale*2)
}

func anyTested(caps []Capability) bool {
	for _, c := range caps {
		if c.Value != notTested {
			return true
		}
	}
	return false
}

// writeCapabilities writes the capability summary: a feature per line, its value coloured
// by what it means.
func writeCapabilities(w io.Writer, p palette, caps []Capability) {
	width := 0
	for _, c := range caps {
		if n := utf8.RuneCountInString(c.Name); n > width {
			width = n
		}
	}
	fmt.Fprintln(w, p.bold("Capabilities"))
	for _, c := range caps {
		v := clean(c.Value, false)
		if c.Status == "" {
			v = p.dim(v)
		} else {
			v = p.status(c.Status, v)
		}
		fmt.Fprintf(w, "  %s  %s\n", pad(c.Name, width, false), v)
	}
}

func isRegression(b *BaselineComparison, id string) bool {
	for _, c := range b.Regressions {
		if c.ID == id {
			return true
		}
	}
	return false
}

// writeBaseline writes how the run compares with the baseline: regressions (which fail
// the run), fixed checks to remove from it, and checks that got better.
func writeBaseline(w io.Writer, p palette, b *BaselineComparison) {
	title := fmt.Sprintf("Baseline %s: %s, %d fixed, %d known", clean(b.File, false), plural(len(b.Regressions), "regression", "regressions"), len(b.Fixed), b.Known)
	st := "pass"
	if len(b.Regressions) > 0 {
		st = "fail"
	}
	fmt.Fprintf(w, "\n%s\n\n", p.bold(p.status(st, title)))
	for _, warning := range b.Warnings {
		fmt.Fprintf(w, "  %s %s\n", p.status("warn", "warning:"), clean(warning, false))
	}
	list := func(label, status string, cs []Change, note string) {
		for _, c := range cs {
			line := fmt.Sprintf("  %s  %s  %s -> %s", p.status(status, label), p.bold(clean(c.ID, false)), clean(c.Was, false), clean(c.Now, false))
			if note != "" {
				line += ": " + note
			}
			if c.Reason != "" {
				line += p.dim("  # " + clean(c.Reason, false))
			}
			fmt.Fprintln(w, line)
		}
	}
	list("regression", "fail", b.Regressions, "")
	list("fixed     ", "pass", b.Fixed, "now passes: remove it from the baseline")
	list("improved  ", "info", b.Improved, "better than the baseline: update it")
	if len(b.Regressions)+len(b.Fixed)+len(b.Improved)+len(b.Warnings) == 0 {
		fmt.Fprintln(w, "  every check is as the baseline expects")
	}
	fmt.Fprintln(w)
}

// wrap breaks s into lines of at most width runes (words longer than a line are kept
// whole), the first prefixed by first and the rest by rest. Newlines in s are kept.
func wrap(s, first, rest string, width int) string {
	var b strings.Builder
	prefix := first
	for _, para := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		line := prefix
		col := utf8.RuneCountInString(prefix)
		empty := true
		for _, word := range strings.Fields(strings.ReplaceAll(para, "\t", " ")) {
			n := utf8.RuneCountInString(word)
			if !empty && col+1+n > width {
				b.WriteString(line + "\n")
				line, col, empty = rest, utf8.RuneCountInString(rest), true
			}
			if !empty {
				line += " "
				col++
			}
			line += word
			col += n
			empty = false
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
		prefix = rest
	}
	return b.String()
}

// WriteMatrixText writes the comparison of several reports as a terminal grid: totals per
// server, then one row per check with a status letter per server; rows where the servers
// disagree are marked with '*'.
func WriteMatrixText(w io.Writer, m *Matrix, color bool) error {
	bw := bufio.NewWriter(w)
	p := palette(color)
	g := m.grid()
	if len(g.Servers) == 0 {
		fmt.Fprintln(bw, "no reports to compare")
		return bw.Flush()
	}
	// Column widths: each server column is as wide as its name.
	idW := len("verdict")
	for _, row := range g.Rows {
		if n := utf8.RuneCountInString(clean(row.ID, false)); n > idW {
			idW = n
		}
	}
	colW := make([]int, len(g.Servers))
	caps := make([][]Capability, len(g.Servers))
	tested := false
	for i, s := range g.Servers {
		colW[i] = utf8.RuneCountInString(clean(s.Name, false))
		if colW[i] < 5 {
			colW[i] = 5
		}
		caps[i] = Capabilities(s.Report)
		tested = tested || anyTested(caps[i])
		for _, c := range caps[i] {
			if n := utf8.RuneCountInString(c.Short); n > colW[i] {
				colW[i] = n
			}
		}
	}
	for _, n := range CapabilityNames {
		if l := utf8.RuneCountInString(n); tested && l > idW {
			idW = l
		}
	}
	header := "  " + pad("", idW, false)
	for i, s := range g.Servers {
		header += "  " + pad(clean(s.Name, false), colW[i], false)
	}
	fmt.Fprintln(bw, p.bold(strings.TrimRight(header, " ")))

	// Totals per server.
	var all Totals
	for _, s := range g.Servers {
		all.Flaky += s.Report.Totals.Flaky
	}
	for _, st := range shownStatuses(all) {
		line := "  " + pad(st, idW, true)
		for i, s := range g.Servers {
			n := s.Report.Totals.Count(st)
			cell := pad(fmt.Sprint(n), colW[i], false)
			if n == 0 {
				cell = p.dim(cell)
			} else {
				cell = p.status(st, cell)
			}
			line += "  " + cell
		}
		fmt.Fprintln(bw, strings.TrimRight(line, " "))
	}
	verdicts := "  " + pad("verdict", idW, true)
	for i, s := range g.Servers {
		word, st := "FAIL", "fail"
		if s.Report.passed() {
			word, st = "PASS", "pass"
		}
		verdicts += "  " + p.bold(p.status(st, pad(word, colW[i], false)))
	}
	fmt.Fprintln(bw, strings.TrimRight(verdicts, " "))

	// Capabilities, one row each.
	if tested {
		fmt.Fprintf(bw, "\n%s\n", p.bold("capabilities"))
		for k, name := range CapabilityNames {
			line := "  " + pad(name, idW, false)
			for i := range g.Servers {
				c := caps[i][k]
				cell := pad(clean(c.Short, false), colW[i], false)
				if c.Status == "" {
					cell = p.dim(cell)
				} else {
					cell = p.status(c.Status, cell)
				}
				line += "  " + cell
			}
			fmt.Fprintln(bw, strings.TrimRight(line, " "))
		}
	}

	area := "\x00"
	for _, row := range g.Rows {
		if row.Area != area {
			area = row.Area
			fmt.Fprintf(bw, "\n%s\n", p.bold(clean(areaLabel(area), false)))
		}
		mark := " "
		if row.Disagree {
			mark = p.bold("*")
		}
		line := mark + " " + pad(clean(row.ID, false), idW, false)
		for i, c := range row.Cells {
			letter := statusLetter(c.Status)
			cell := pad(letter, colW[i], false)
			if c.Status == "" {
				cell = p.dim(cell)
			} else {
				cell = p.status(c.Status, cell)
			}
			line += "  " + cell
		}
		fmt.Fprintln(bw, strings.TrimRight(line, " "))
	}
	fmt.Fprintf(bw, "\n%s\n", p.dim("P pass  F fail  W warn  ~ flaky  I info  E error  S skip  – not run   * servers disagree"))
	fmt.Fprintf(bw, "%d checks, %d where the servers disagree\n", len(g.Rows), g.Disagreements)
	writeFrontEffects(bw, m, p)
	return bw.Flush()
}
