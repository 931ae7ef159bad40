package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

var statusEmoji = map[string]string{
	"pass": "✅", "fail": "❌", "warn": "⚠️", "info": "ℹ️", "error": "💥", "skip": "⏭️", "flaky": "🎲",
}

// mdCellMax bounds a message in a table cell; the JSON and HTML reports keep it whole.
const mdCellMax = 600

// WriteMarkdown writes a CI job summary (GitHub Actions $GITHUB_STEP_SUMMARY, GitLab, PR
// comments): the verdict, a totals table per area, and a table of failures, errors and
// warnings. Text from the target is escaped so it cannot break the table or inject links,
// images or HTML.
func WriteMarkdown(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	icon := "✅"
	if !r.passed() {
		icon = "❌"
	}
	fmt.Fprintf(bw, "## %s conform: %s\n\n", icon, mdEscape(serverName(r.Target)))
	var meta []string
	if r.Target.Server != "" && r.Target.Addr != "" {
		meta = append(meta, "target `"+mdCode(r.Target.Addr)+"`")
	}
	if r.Target.Python != "" {
		meta = append(meta, "Python "+mdEscape(r.Target.Python))
	}
	if !r.Started.IsZero() {
		meta = append(meta, r.Started.UTC().Format("2006-01-02 15:04 UTC"))
	}
	meta = append(meta, humanDuration(time.Duration(r.Duration)))
	if r.ToolVersion != "" {
		meta = append(meta, "conform "+mdEscape(r.ToolVersion))
	}
	fmt.Fprintf(bw, "%s\n\n", strings.Join(meta, " · "))
	fmt.Fprintf(bw, "**%s**\n\n", mdEscape(r.Verdict()))
	if r.Interrupted {
		fmt.Fprintf(bw, "> [!WARNING]\n> The run was interrupted; checks not run are reported as skipped.\n\n")
	}
	if r.Aborted != "" {
		fmt.Fprintf(bw, "> [!WARNING]\n> The run was cut short: %s; checks not run are reported as skipped.\n\n", mdEscape(r.Aborted))
	}
	if r.Target.WorkerModel != "" {
		fmt.Fprintf(bw, "Worker model: %s\n\n", mdEscape(r.Target.WorkerModel))
	}
	if caps := Capabilities(r); anyTested(caps) {
		bw.WriteString("| Capability | |\n|:--|:--|\n")
		for _, c := range caps {
			fmt.Fprintf(bw, "| %s | %s |\n", mdEscape(c.Name), mdEscape(c.Value))
		}
		bw.WriteString("\n")
	}
	if b := r.Baseline; b != nil {
		writeMarkdownBaseline(bw, b)
	}
	for _, a := range r.Attacks {
		fmt.Fprintf(bw, "- smuggling attack %s through the front: %s\n", mdEscape(a.Name), mdEscape(a.Why))
	}
	if len(r.Attacks) > 0 {
		bw.WriteString("\n")
	}
	if len(r.Desyncs) > 0 {
		fmt.Fprintf(bw, "**Desyncs:** %s on which the server read a request the front never sent\n\n", plural(len(r.Desyncs), "upstream connection", "upstream connections"))
		for _, d := range r.Desyncs {
			fmt.Fprintf(bw, "- connection %d: %s", d.Conn, mdEscape(d.Why))
			if d.Confirmed {
				fmt.Fprintf(bw, " (confirmed by the %s attack: a second client received the smuggled request's answer)", mdEscape(d.Attack))
			}
			if len(d.Checks) > 0 {
				fmt.Fprintf(bw, " (checks: %s)", mdEscape(strings.Join(d.Checks, ", ")))
			}
			bw.WriteString("\n")
		}
		bw.WriteString("\n")
	}

	// Totals.
	shown := shownStatuses(r.Totals)
	bw.WriteString("| Area |")
	for _, st := range shown {
		fmt.Fprintf(bw, " %s %s |", statusEmoji[st], st)
	}
	bw.WriteString(" total |\n|:--|")
	for range shown {
		bw.WriteString("--:|")
	}
	bw.WriteString("--:|\n")
	row := func(name string, t Totals) {
		fmt.Fprintf(bw, "| %s |", name)
		for _, st := range shown {
			fmt.Fprintf(bw, " %d |", t.Count(st))
		}
		fmt.Fprintf(bw, " %d |\n", t.Total())
	}
	groups := groupByArea(r.Results)
	for _, g := range groups {
		row(mdEscape(areaLabel(g.Area)), g.Totals)
	}
	row("**total**", r.Totals)

	// Problems.
	var rows []Result
	for _, st := range []string{"fail", "error", "warn", "flaky"} {
		for _, g := range groups {
			for _, res := range g.Results {
				if res.Status == st {
					rows = append(rows, res)
				}
			}
		}
	}
	if len(rows) == 0 {
		bw.WriteString("\nNo failures, errors or warnings.\n")
		return bw.Flush()
	}
	heading := "Failures, errors and warnings"
	if r.Totals.Flaky > 0 {
		heading = "Failures, errors, warnings and flaky checks"
	}
	fmt.Fprintf(bw, "\n### %s (%d)\n\n", heading, len(rows))
	bw.WriteString("| | Check | Level | Spec | Message |\n|:-:|:--|:-:|:--|:--|\n")
	for _, res := range rows {
		ref := mdEscape(res.Spec)
		if u := mdURL(res.SpecURL); u != "" && ref != "" {
			ref = "[" + ref + "](" + u + ")"
		}
		fmt.Fprintf(bw, "| %s | `%s`<br>%s | %s | %s | %s |\n",
			statusEmoji[res.Status], mdCode(res.ID), mdEscape(res.Title), mdEscape(res.Level), ref, mdEscape(clip(res.Message, mdCellMax)))
	}
	return bw.Flush()
}

// mdEscape escapes text for a Markdown table cell: HTML is written as entities, the
// punctuation that forms emphasis, links, images, code spans and math is backslash-escaped
// (a cell holds inline content only, so line-start syntax such as # or - cannot apply),
// pipes cannot end the cell and newlines become <br>.
func mdEscape(s string) string {
	s = clean(s, true)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\n':
			b.WriteString("<br>")
		case '\t':
			b.WriteString(" ")
		case '\\', '`', '*', '_', '[', ']', '|', '~', '$':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode makes s safe inside a single-backtick code span in a table cell.
func mdCode(s string) string {
	s = clean(s, false)
	s = strings.ReplaceAll(s, "`", "'")
	return strings.ReplaceAll(s, "|", `\|`)
}

// mdURL keeps only http(s) URLs without characters that could end the link.
func mdURL(u string) string {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return ""
	}
	if strings.ContainsAny(u, " ()<>|\"'`\n\r\t[]\\") {
		return ""
	}
	return u
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + " […]"
}

// writeMarkdownBaseline lists regressions and fixed checks against the baseline.
func writeMarkdownBaseline(bw *bufio.Writer, b *BaselineComparison) {
	fmt.Fprintf(bw, "**Baseline** `%s`: %s, %d fixed, %d known\n\n", mdCode(b.File), plural(len(b.Regressions), "regression", "regressions"), len(b.Fixed), b.Known)
	for _, w := range b.Warnings {
		fmt.Fprintf(bw, "- ⚠️ %s\n", mdEscape(w))
	}
	for _, c := range b.Regressions {
		fmt.Fprintf(bw, "- ❌ regression `%s`: %s → %s\n", mdCode(c.ID), mdEscape(c.Was), mdEscape(c.Now))
	}
	for _, c := range b.Fixed {
		fmt.Fprintf(bw, "- ✅ `%s` now passes: remove it from the baseline\n", mdCode(c.ID))
	}
	for _, c := range b.Improved {
		fmt.Fprintf(bw, "- ℹ️ `%s` improved: %s → %s\n", mdCode(c.ID), mdEscape(c.Was), mdEscape(c.Now))
	}
	bw.WriteString("\n")
}
