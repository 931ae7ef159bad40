// Package findingshtml renders a fuzzing session's findings as one self-contained HTML
// page. It lives apart from reports so that the conformance reports (and baseline) do not
// pull in the fuzzer; the page's head, CSS and evidence block are internal/htmlpage's.
package findingshtml

import (
	"bufio"
	"embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/fuzz"
	"github.com/conform-wsgi/conform/internal/htmlpage"
	"github.com/conform-wsgi/conform/internal/safetext"
	"github.com/conform-wsgi/conform/reports"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var htmlTemplates = template.Must(htmlpage.New("findings", nil).ParseFS(templateFS, "templates/*.tmpl"))

// clean makes text from the target safe to show (html/template then escapes it).
func clean(s string, keepSpace bool) string {
	if keepSpace {
		return safetext.Block(s)
	}
	return safetext.Line(s)
}

// Report is what the HTML report of a fuzzing session shows: the session's summary
// (nil when the report is made from a directory alone) and its findings.
type Report struct {
	Summary  *fuzz.Summary
	Findings []*fuzz.Finding
	// Dir is where the findings' files are, for the replay commands ("" when not written).
	Dir string
	// Addr is the target's host:port, for the replay commands.
	Addr string
}

type findingsPage struct {
	Title     string
	Target    string
	Generated string
	Summary   string
	Counts    []classCount
	Findings  []htmlFinding
	// Causes group the findings, worst first; Choices are records of a choice the RFC
	// leaves to the target, which are no findings.
	Causes, Choices []htmlCause
	NFindings       int
}

// htmlCause is one cause with its findings, collapsed beneath it.
type htmlCause struct {
	Anchor, Class, Tone, Label, Example, ExampleAnchor, Replay, Choice string
	Count                                                              int
	Findings                                                           []htmlFinding
}

type classCount struct {
	Class, Tone string
	N           int
}

type htmlFinding struct {
	Anchor, ID, Class, Tone, Kind, Signature, Detail, Features, Found, Minimized string
	Case                                                                         int64
	Seed                                                                         uint64
	Reference, Target                                                            []string
	Command                                                                      string
	Evidence                                                                     []htmlpage.Evidence
	Quote                                                                        string // "evbody" reads it; findings quote no spec sentence
}

// classTone colours a finding class with the report's status colours: a framing
// disagreement or a crash is the worst news, a strict or different reading the mildest.
func classTone(c fuzz.Class) string {
	switch c {
	case fuzz.Framing, fuzz.Crash:
		return "fail"
	case fuzz.Status5xx, fuzz.Hang:
		return "error"
	case fuzz.Leniency, fuzz.Input:
		return "warn"
	}
	return "info"
}

// Write writes a self-contained HTML page of a session's findings, the worst
// class first. Like the conformance report it loads nothing and runs no script from
// elsewhere; everything from the target goes through html/template.
func Write(w io.Writer, r Report) error {
	p := findingsPage{Title: "conform fuzz findings", Generated: time.Now().UTC().Format(time.RFC3339)}
	if s := r.Summary; s != nil {
		p.Target = clean(s.Target, true)
		p.Summary = clean(fmt.Sprintf("%d cases in %s (%.0f cases/s), seed %d, from case %d (resume at %d); duplicates %d, not reproduced %d, restarts %d, worker deaths %d",
			s.Cases, s.Elapsed.Round(100*time.Millisecond), s.Rate(), s.Seed, s.FirstCase, s.NextCase, s.Duplicates, s.Flaky, s.Restarts, s.WorkerDeaths), true)
		if s.Wall > 0 {
			p.Summary += fmt.Sprintf("; the session took %s in all", s.Wall.Round(100*time.Millisecond))
		}
	}
	fs := append([]*fuzz.Finding(nil), r.Findings...)
	rank := map[fuzz.Class]int{}
	for i, c := range fuzz.Classes() {
		rank[c] = i
	}
	sort.SliceStable(fs, func(i, j int) bool {
		if rank[fs[i].Class] != rank[fs[j].Class] {
			return rank[fs[i].Class] < rank[fs[j].Class]
		}
		return fs[i].Signature < fs[j].Signature
	})
	n := map[fuzz.Class]int{}
	for _, f := range fs {
		n[f.Class]++
		if p.Target == "" {
			p.Target = clean(f.Target, true)
		}
		p.Findings = append(p.Findings, newHTMLFinding(f, r.Dir, r.Addr))
	}
	for _, c := range fuzz.Classes() {
		p.Counts = append(p.Counts, classCount{string(c), classTone(c), n[c]})
	}
	byID := map[string]htmlFinding{}
	for _, h := range p.Findings {
		byID[h.ID] = h
	}
	cs := fuzz.GroupCauses(fs, r.Dir)
	p.NFindings = cs.Findings
	conv := func(c fuzz.Cause, i int, prefix string) htmlCause {
		h := htmlCause{Anchor: fmt.Sprintf("%s-%d", prefix, i+1), Class: string(c.Class), Tone: classTone(c.Class), Label: clean(c.Label, true),
			Example: clean(c.Example, false), ExampleAnchor: "f-" + clean(c.Example, false), Replay: clean(c.Replay, false), Choice: clean(c.Choice, true), Count: c.Count}
		for _, id := range c.Findings {
			h.Findings = append(h.Findings, byID[clean(id, false)])
		}
		return h
	}
	for i, c := range cs.Causes {
		p.Causes = append(p.Causes, conv(c, i, "cause"))
	}
	for i, c := range cs.Choices {
		p.Choices = append(p.Choices, conv(c, i, "choice"))
	}
	bw := bufio.NewWriter(w)
	if err := htmlTemplates.ExecuteTemplate(bw, "findings.tmpl", p); err != nil {
		return err
	}
	return bw.Flush()
}

func newHTMLFinding(f *fuzz.Finding, dir, addr string) htmlFinding {
	h := htmlFinding{
		Anchor: "f-" + clean(f.ID, false), ID: clean(f.ID, false), Class: string(f.Class), Tone: classTone(f.Class),
		Kind: clean(f.Kind, false), Signature: clean(f.Signature, true), Detail: clean(f.Detail, true),
		Features: clean(strings.Join(f.Features, " + "), true), Case: f.Case, Seed: f.Seed,
		Found: f.FoundAt.UTC().Format(time.RFC3339),
	}
	switch note := f.MinimizationNote(); {
	case f.Minimized:
		h.Minimized = fmt.Sprintf("minimized in %d re-sends, %d of %d bytes", f.MinimizeTries, len(f.Bytes), len(f.Original))
	case note != "" && f.MinimizeTries > 0:
		h.Minimized = fmt.Sprintf("%s (%d re-sends), %d of %d bytes", note, f.MinimizeTries, len(f.Bytes), len(f.Original))
	case note != "":
		h.Minimized = fmt.Sprintf("%s, %d bytes", note, len(f.Bytes))
	case f.MinimizeTries > 0:
		h.Minimized = fmt.Sprintf("partly minimized (%d re-sends), %d of %d bytes", f.MinimizeTries, len(f.Bytes), len(f.Original))
	default:
		h.Minimized = fmt.Sprintf("not minimized, %d bytes", len(f.Bytes))
	}
	if dir != "" {
		target := "--target " + addr
		if addr == "" {
			target = "--target HOST:PORT"
		}
		if f.Server != "" && addr == "" {
			target = "--server " + f.Server
		}
		h.Command = clean(fmt.Sprintf("conform replay %s %s", shellWord(dir+"/"+f.ID+".http"), target), false)
	}
	rv := f.Reference
	for _, q := range rv.Requests {
		h.Reference = append(h.Reference, clean(fmt.Sprintf("request %q: %s %s %s, %d body bytes%s", q.ID, q.Method, q.Target, q.Proto, len(q.Body), when(q.Chunked, " (chunked)")), true))
	}
	switch {
	case rv.Error != nil:
		h.Reference = append(h.Reference, clean(fmt.Sprintf("then rejects: %d %s (%s)", rv.Error.Status, rv.Error.Reason, rv.Error.Rule), true))
	case rv.Incomplete:
		h.Reference = append(h.Reference, "then waits for more bytes")
	}
	if o := f.Observed; o != nil {
		for _, a := range o.Answers {
			if a.Echo != nil {
				h.Target = append(h.Target, clean(fmt.Sprintf("%d: the application saw %q: %s %s, %d body bytes", a.Status, a.Echo.ID, a.Echo.Method, a.Echo.Path, a.Echo.BodyLen), true))
			} else {
				h.Target = append(h.Target, clean(fmt.Sprintf("%d %s", a.Status, a.Reason), true))
			}
		}
		if o.DialErr != "" {
			h.Target = append(h.Target, clean("could not connect: "+o.DialErr, true))
		}
		h.Target = append(h.Target, clean("then the connection: "+string(o.End), true))
	}
	ev := htmlpage.Evidence{Anchor: h.Anchor + "~conn1", Label: "Case", End: clean(writesNote(f.Writes), true),
		Request: safetext.Segments(f.Bytes), ReqLen: len(f.Bytes)}
	if f.Observed != nil {
		ev.Response, ev.RespLen = safetext.Segments(f.Observed.Raw), len(f.Observed.Raw)
	}
	if addr != "" && len(f.Writes) == 0 {
		ev.Replay = reports.ShellReplay(f.Bytes, addr) // a fragmented case needs conform replay
	}
	h.Evidence = append(h.Evidence, ev)
	return h
}

// writesNote describes a fragmented case's writes: the sizes and the pauses before them.
func writesNote(ws []fuzz.Write) string {
	if len(ws) == 0 {
		return ""
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = fmt.Sprintf("%d B", w.Len)
		if w.Delay > 0 {
			parts[i] = fmt.Sprintf("pause %s, %s", w.Delay, parts[i])
		}
	}
	return "sent in " + fmt.Sprint(len(ws)) + " writes: " + strings.Join(parts, "; ")
}

func when(b bool, s string) string {
	if b {
		return s
	}
	return ""
}

// shellWord quotes a path for a shell command line when it needs it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
