package reports

// Tests of what the CI contract adds to reports: the flaky status in every renderer, the
// run policy (--fail-on, baselines, aborted runs) in the verdict, repro commands and
// files, and the capability summary.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/spec"
)

// withFlaky is the sample report with one check made flaky.
func withFlaky() (*Report, Result) {
	r := sampleReport("gunicorn", "23.0.0", 0)
	for i := range r.Results {
		if r.Results[i].Status == "info" {
			r.Results[i].Status = "flaky"
			r.Results[i].Trials = []string{"info", "pass"}
			r.Results[i].Message = "the 2 trials disagree; trial 1: info: one at a time; trial 2: pass: 4 at once"
			r.Tally()
			return r, r.Results[i]
		}
	}
	panic("no info result in the sample")
}

func TestFlakyInEveryRenderer(t *testing.T) {
	r, flaky := withFlaky()
	if r.Totals.Flaky != 1 || r.Totals.Count("flaky") != 1 || r.Totals.Total() != len(r.Results) {
		t.Fatalf("totals %+v", r.Totals)
	}

	// Text: a column in the totals, a section of its own, the verdict counts it.
	var buf bytes.Buffer
	WriteText(&buf, r, TextOptions{})
	text := buf.String()
	for _, want := range []string{
		"  AREA            PASS  FAIL  WARN  FLAKY  INFO  ERROR  SKIP  TOTAL\n",
		"Flaky (timing trials disagree; not a failure): 1",
		"  ~ FLAKY " + flaky.ID,
		"1 check flaky",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}

	// JSON: totals and trials survive.
	buf.Reset()
	WriteJSON(&buf, r)
	if !strings.Contains(buf.String(), `"flaky": 1`) || !strings.Contains(buf.String(), `"trials": [`) {
		t.Error("JSON lacks the flaky total or the trials")
	}
	back, err := ReadJSON(&buf)
	if err != nil || back.Totals.Flaky != 1 {
		t.Fatalf("read back: %v %+v", err, back)
	}

	// JUnit: visible, not a failure, unless the run fails on flaky.
	junitCaseOf := func(r *Report) string {
		var buf bytes.Buffer
		WriteJUnit(&buf, r)
		var doc struct {
			Suites []struct {
				Failures int `xml:"failures,attr"`
				Cases    []struct {
					Name    string `xml:"name,attr"`
					Failure *struct {
						Type string `xml:"type,attr"`
					} `xml:"failure"`
					Skipped *struct{} `xml:"skipped"`
					Error   *struct{} `xml:"error"`
					Out     string    `xml:"system-out"`
					Props   []struct {
						Name  string `xml:"name,attr"`
						Value string `xml:"value,attr"`
					} `xml:"properties>property"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		for _, s := range doc.Suites {
			for _, c := range s.Cases {
				if c.Name == flaky.ID {
					props := map[string]string{}
					for _, p := range c.Props {
						props[p.Name] = p.Value
					}
					switch {
					case c.Failure != nil:
						return "failure " + c.Failure.Type + " " + props["trials"]
					case c.Skipped != nil || c.Error != nil:
						return "skipped or error"
					case strings.HasPrefix(c.Out, "FLAKY"):
						return "visible " + props["status"] + " " + props["trials"]
					}
					return "silent"
				}
			}
		}
		return "missing"
	}
	if got := junitCaseOf(r); got != "visible flaky info,pass" {
		t.Errorf("JUnit flaky case: %s", got)
	}
	strict := *r
	strict.FailOn = []string{"fail", "flaky"}
	if got := junitCaseOf(&strict); got != "failure flaky info,pass" {
		t.Errorf("JUnit flaky case with --fail-on flaky: %s", got)
	}

	// Markdown: a column and a row in the problems table.
	buf.Reset()
	WriteMarkdown(&buf, r)
	if md := buf.String(); !strings.Contains(md, "🎲 flaky |") || !strings.Contains(md, "| 🎲 | `"+flaky.ID+"`") || !strings.Contains(md, "flaky checks (") {
		t.Errorf("Markdown lacks the flaky column or row:\n%s", md)
	}

	// HTML: its own colour, chip and badge.
	page := renderHTML(t, r)
	for _, want := range []string{"--flaky:", ".st-flaky{", `data-value="flaky"`, `class="check st-flaky"`, `<span class="badge st-flaky">FLAKY</span>`, `trials: info, pass`, `"fail", "error", "warn", "flaky"`} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}

	// Matrix: a letter that is not fail's, in text and HTML.
	m := &Matrix{Reports: []*Report{r, sampleReport("waitress", "3.0", 1)}}
	buf.Reset()
	WriteMatrixText(&buf, m, false)
	if mt := buf.String(); !strings.Contains(mt, "~ flaky") || !strings.Contains(mt, "flaky  1") {
		t.Errorf("matrix text lacks the flaky legend or total:\n%s", mt)
	}
	if statusLetter("flaky") == statusLetter("fail") {
		t.Error("flaky and fail share a letter")
	}
	buf.Reset()
	WriteMatrixHTML(&buf, m)
	if !strings.Contains(buf.String(), `class="cell st-flaky"`) || !strings.Contains(buf.String(), `<span class="l st-flaky">~</span>flaky`) {
		t.Error("matrix HTML lacks the flaky cell or legend")
	}
}

func TestVerdictFollowsTheRunPolicy(t *testing.T) {
	mk := func(statuses ...string) *Report {
		r := &Report{Duration: Duration(time.Second)}
		for i, s := range statuses {
			r.Results = append(r.Results, Result{ID: "x/" + string(rune('a'+i)), Status: s})
		}
		r.Tally()
		return r
	}
	for _, c := range []struct {
		r    *Report
		edit func(*Report)
		want string
	}{
		{mk("pass", "warn", "error", "flaky"), nil, "PASS: 0 MUST checks failed, 1 check errored, 1 SHOULD check warned, 1 check flaky (4 checks in 1.0s)"},
		{mk("pass", "warn"), func(r *Report) { r.FailOn = []string{"fail", "warn"} }, "FAIL: 0 MUST checks failed, 1 SHOULD check warned (2 checks in 1.0s, failing on fail,warn)"},
		{mk("pass", "error"), func(r *Report) { r.FailOn = []string{"fail", "warn", "error"} }, "FAIL: 0 MUST checks failed, 1 check errored, 0 SHOULD checks warned (2 checks in 1.0s, failing on fail,warn,error)"},
		{mk("pass", "pass"), func(r *Report) { r.FailOn = []string{"fail", "warn", "error"} }, "PASS: 0 MUST checks failed, 0 SHOULD checks warned (2 checks in 1.0s, failing on fail,warn,error)"},
		{mk("pass", "flaky"), func(r *Report) { r.FailOn = []string{"fail", "flaky"} }, "FAIL: 0 MUST checks failed, 0 SHOULD checks warned, 1 check flaky (2 checks in 1.0s, failing on fail,flaky)"},
		{mk("pass", "fail"), func(r *Report) { r.FailOn = []string{"fail"} }, "FAIL: 1 MUST check failed, 0 SHOULD checks warned (2 checks in 1.0s)"},
		{mk("error", "skip"), func(r *Report) { r.Aborted = "the target died during x/a" }, "FAIL: 0 MUST checks failed, 1 check errored, 0 SHOULD checks warned (2 checks in 1.0s, aborted: the target died during x/a)"},
		{mk("fail", "warn"), func(r *Report) {
			r.Baseline = &BaselineComparison{Known: 2, Fixed: []Change{{ID: "x/z", Was: "fail", Now: "pass"}}}
		}, "PASS: 0 regressions against the baseline (1 fixed), 1 MUST check failed, 1 SHOULD check warned (2 checks in 1.0s)"},
		{mk("fail", "warn"), func(r *Report) {
			r.Baseline = &BaselineComparison{Known: 1, Regressions: []Change{{ID: "x/b", Was: "pass", Now: "warn"}}}
		}, "FAIL: 1 regression against the baseline, 1 MUST check failed, 1 SHOULD check warned (2 checks in 1.0s)"},
	} {
		if c.edit != nil {
			c.edit(c.r)
		}
		if got := c.r.Verdict(); got != c.want {
			t.Errorf("Verdict()\n  %q\nwant\n  %q", got, c.want)
		}
		if c.r.Passed() != strings.HasPrefix(c.want, "PASS") {
			t.Errorf("Passed() = %v for %q", c.r.Passed(), c.want)
		}
	}
}

func TestReproOneLinersAndFiles(t *testing.T) {
	long := []byte("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n" + strings.Repeat("\x00'%\\\xff", 1000))
	short := []byte("GET /it's%20100%\r\nX: \x01\t-\r\n\r\n")
	mkCheck := func(id string, lvl spec.Level) *spec.Check {
		return &spec.Check{ID: id, Title: id, Area: "framing", Level: lvl, Ref: spec.Ref{Doc: "RFC 9112", Section: "7.1"}}
	}
	results := []*spec.Result{
		{Check: mkCheck("rfc9112/7.1/short-fail", spec.Must), Status: spec.Fail, Message: "broken", Request: short, Evidence: []spec.Evidence{{Label: "request", Request: short}}},
		{Check: mkCheck("rfc9112/7.1/long-warn", spec.Should), Status: spec.Warn, Message: "lenient", Request: long, Evidence: []spec.Evidence{{Label: "request", Request: long[:100]}}},
		{Check: mkCheck("rfc9112/7.1/passes", spec.Must), Status: spec.Pass, Request: short},
		{Check: mkCheck("rfc9112/7.1/flaky", spec.Must), Status: spec.Flaky, Request: short, Trials: []spec.Status{spec.Fail, spec.Pass}},
		{Check: mkCheck("rfc9112/7.1/no-connection", spec.Must), Status: spec.Error, Message: "target stopped accepting connections"},
	}
	r := New(Target{Addr: "127.0.0.1:8000"}, time.Now(), results)
	byID := map[string]Result{}
	for _, res := range r.Results {
		byID[res.ID] = res
	}
	if byID["rfc9112/7.1/passes"].Repro != "" || byID["rfc9112/7.1/no-connection"].Repro != "" {
		t.Error("a pass, or a check without a request, got a repro command")
	}
	if got := byID["rfc9112/7.1/flaky"].Trials; strings.Join(got, ",") != "fail,pass" {
		t.Errorf("trials %q", got)
	}
	// The one-liner is the uncapped request, and the shell turns it back into the exact bytes.
	for _, id := range []string{"rfc9112/7.1/short-fail", "rfc9112/7.1/long-warn", "rfc9112/7.1/flaky"} {
		repro := byID[id].Repro
		printf, ok := strings.CutSuffix(repro, " | "+TCPSend("127.0.0.1:8000"))
		if !ok {
			t.Fatalf("%s: repro %q does not pipe into bash's /dev/tcp", id, repro)
		}
		out, err := exec.Command("/bin/sh", "-c", printf).Output()
		if err != nil {
			t.Fatal(err)
		}
		want := short
		if id == "rfc9112/7.1/long-warn" {
			want = long
		}
		if !bytes.Equal(out, want) {
			t.Errorf("%s: the shell printed %q, want %q", id, out, want)
		}
	}

	// Files: one per non-passing check with a request, the exact bytes.
	dir := filepath.Join(t.TempDir(), "repro")
	paths, err := WriteRepro(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Errorf("wrote %q", paths)
	}
	b, err := os.ReadFile(filepath.Join(dir, "rfc9112_7.1_long-warn.http"))
	if err != nil || !bytes.Equal(b, long) {
		t.Errorf("long-warn file: %v, %d bytes (want %d)", err, len(b), len(long))
	}
	if ReproFileName("a/b/../c d") != "a_b_.._c_d.http" || ReproFileName("../x") != "_x.http" {
		t.Errorf("file names: %q %q", ReproFileName("a/b/../c d"), ReproFileName("../x"))
	}

	// The summary shows one line under each problem: the one-liner, or the file when the
	// request is too long for a line.
	var buf bytes.Buffer
	WriteText(&buf, r, TextOptions{})
	text := buf.String()
	if !strings.Contains(text, "    repro: "+byID["rfc9112/7.1/short-fail"].Repro+"\n") {
		t.Errorf("no repro line under the failure:\n%s", text)
	}
	if !strings.Contains(text, "    repro: "+itoa(len(long))+"-byte request") {
		t.Errorf("the long request is not pointed at the JSON or --repro:\n%s", text)
	}
	buf.Reset()
	WriteText(&buf, r, TextOptions{ReproDir: dir})
	if want := "    repro: " + TCPSend("127.0.0.1:8000") + " < " + filepath.Join(dir, "rfc9112_7.1_long-warn.http") + "\n"; !strings.Contains(buf.String(), want) {
		t.Errorf("no file replay line %q:\n%s", want, buf.String())
	}

	// A report read back from JSON keeps its one-liners; WriteRepro falls back on the
	// evidence for the bytes.
	buf.Reset()
	WriteJSON(&buf, r)
	var raw struct {
		Results []struct{ ID, Repro string }
	}
	json.Unmarshal(buf.Bytes(), &raw)
	for _, res := range raw.Results {
		if res.Repro != byID[res.ID].Repro {
			t.Errorf("%s: JSON repro %q", res.ID, res.Repro)
		}
	}
	back, _ := ReadJSON(&buf)
	if req := back.Results[0].Request(); !bytes.Equal(req, short) {
		t.Errorf("request from evidence: %q", req)
	}
}

func TestTextShowsBaselineAndWorkerModel(t *testing.T) {
	r := sampleReport("gunicorn", "23.0.0", 0)
	r.Target.WorkerModel = "sync workers (2 processes)"
	var failID, warnID string
	for i := range r.Results {
		switch r.Results[i].Status {
		case "fail":
			if failID == "" {
				failID = r.Results[i].ID
				r.Results[i].Baseline = "fail"
			}
		case "warn":
			if warnID == "" {
				warnID = r.Results[i].ID
			}
		}
	}
	r.Baseline = &BaselineComparison{
		File: "conform.baseline", Known: 1,
		Regressions: []Change{{ID: warnID, Was: "pass", Now: "warn"}},
		Fixed:       []Change{{ID: "pep3333/environ/remote-addr", Was: "fail", Now: "pass", Reason: "upstream #7"}},
		Warnings:    []string{"line 9: unknown check ID a/b/c (removed from the catalog?); ignored"},
	}
	var buf bytes.Buffer
	WriteText(&buf, r, TextOptions{})
	text := buf.String()
	for _, want := range []string{
		"worker model: sync workers (2 processes)\n",
		"Baseline conform.baseline: 1 regression, 1 fixed, 1 known",
		"  regression  " + warnID + "  pass -> warn\n",
		"  fixed       pep3333/environ/remote-addr  fail -> pass: now passes: remove it from the baseline  # upstream #7\n",
		"warning: line 9: unknown check ID a/b/c",
		warnID + "  SHOULD",
		failID + "  MUST",
		"(in baseline: fail)",
		"REGRESSION",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if !strings.HasSuffix(text, "FAIL: 1 regression against the baseline (1 fixed), "+strings.SplitN(r.Verdict(), ", ", 2)[1]+"\n") {
		t.Errorf("verdict line: %q", text[strings.LastIndex(strings.TrimRight(text, "\n"), "\n"):])
	}
	page := renderHTML(t, r)
	for _, want := range []string{`id="worker-model"`, "sync workers (2 processes)", `id="baseline"`, "REGRESSION", "baseline: fail", "remove from the baseline"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	buf.Reset()
	WriteMarkdown(&buf, r)
	if md := buf.String(); !strings.Contains(md, "regression `"+warnID+"`: pass → warn") || !strings.Contains(md, "Worker model: sync workers (2 processes)") {
		t.Errorf("Markdown lacks the baseline or worker model:\n%.600s", md)
	}
}

// capabilityChecks are the checks the capability summary reads, with the prerequisite of
// one of them.
var capabilityChecks = []string{capChunked, capStreaming, capFileWrapper, capExpect, capExpectBase, capKeepAlive, capPipelining, capConcurrency, capUnderscores}

func capabilityValues(r *Report) map[string]string {
	out := map[string]string{}
	for _, c := range Capabilities(r) {
		out[c.Name] = c.Value
	}
	return out
}

// TestCapabilitiesOfRealRuns reads the summary off real runs against the reference, clean
// and with deviations that change every line.
func TestCapabilitiesOfRealRuns(t *testing.T) {
	var checks []*spec.Check
	for _, id := range capabilityChecks {
		c, ok := spec.Lookup(id)
		if !ok {
			t.Fatalf("no check %s", id)
		}
		checks = append(checks, c)
	}
	run := func(dev reference.Deviations) *Report {
		ref, err := reference.Start(reference.Options{Deviations: dev})
		if err != nil {
			t.Fatal(err)
		}
		defer ref.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		return New(Target{Addr: ref.Addr}, time.Now(), spec.Run(ctx, spec.NewTarget(ref.Addr), checks, spec.RunOptions{Trials: 1}))
	}
	clean := capabilityValues(run(reference.Deviations{}))
	want := map[string]string{
		"chunked request bodies": "accepted",
		"wsgi.input_terminated":  "True",
		"streaming responses":    "unbuffered",
		"wsgi.file_wrapper":      "provided",
		"Expect: 100-continue":   "100 Continue sent",
		"keep-alive":             "yes",
		"pipelining":             "yes, in order",
		"header underscores":     "kept apart (X_A cannot pose as X-A)",
	}
	for k, v := range want {
		if clean[k] != v {
			t.Errorf("reference: %s = %q, want %q", k, clean[k], v)
		}
	}
	if !strings.HasSuffix(clean["concurrency"], " (1 process, 4 threads)") {
		t.Errorf("reference: concurrency %q", clean["concurrency"])
	}

	dev := capabilityValues(run(reference.Deviations{
		NoInputTerminated: true, NoFileWrapper: true, NoExpectContinue: true,
		KeepUnderscoreHeaders: true, Serialise: true, BufferStreamedBody: true,
	}))
	want = map[string]string{
		"wsgi.input_terminated": "absent",
		"streaming responses":   "buffered",
		"wsgi.file_wrapper":     "absent",
		"Expect: 100-continue":  "no 100 Continue (the client waits)",
		"header underscores":    "merged (X_A can pose as X-A)",
	}
	for k, v := range want {
		if dev[k] != v {
			t.Errorf("deviated reference: %s = %q, want %q", k, dev[k], v)
		}
	}
	if !strings.HasPrefix(dev["concurrency"], "1.0 (") {
		t.Errorf("serialised reference: concurrency %q", dev["concurrency"])
	}
	if nc := capabilityValues(run(reference.Deviations{NoChunkedSupport: true}))["chunked request bodies"]; nc == "accepted" || nc == notTested {
		t.Errorf("reference without chunked support: %q", nc)
	}
}

func TestCapabilitiesFromResults(t *testing.T) {
	// The facts, not the messages, say what the server did: each message here says
	// something else.
	misleading := "answered 411 Length Required, was refused, closed the connection, wsgi.file_wrapper used, effective concurrency 9.0 (9 process(es), 9 thread(s))"
	r := &Report{Results: []Result{
		{ID: capChunked, Status: "info", Message: misleading, Facts: &spec.Facts{Status: 411, Behaviour: spec.BehaviourRefused411}},
		{ID: capStreaming, Status: "flaky"},
		{ID: capFileWrapper, Status: "pass", Message: misleading, Evidence: []Evidence{{Response: []byte("HTTP/1.1 200 OK\r\nX-Conform-File-Wrapper: absent\r\n\r\n")}}},
		{ID: capExpect, Status: "skip", Message: "skipped: depends on " + capExpectBase, Facts: &spec.Facts{SkippedFor: capExpectBase, SkippedForStatus: spec.Fail}},
		{ID: capExpectBase, Status: "fail"},
		{ID: capKeepAlive, Status: "error"},
		{ID: capPipelining, Status: "pass", Message: misleading, Facts: &spec.Facts{Status: 200, Behaviour: spec.BehaviourClosesEarly}},
		{ID: capConcurrency, Status: "info", Message: misleading, Facts: &spec.Facts{Concurrency: &spec.Concurrency{Effective: 1, Processes: 1, Threads: 1}}},
		// capUnderscores not run
	}}
	got := Capabilities(r)
	if len(got) != len(CapabilityNames) {
		t.Fatalf("%d capabilities", len(got))
	}
	want := []struct{ value, short, status string }{
		{"refused (411 Length Required)", "411", "info"},
		{"not tested", "–", ""},
		{"unclear (flaky)", "~", ""},
		{"absent", "no", "info"},
		{"broken (the request is not served)", "broken", "fail"},
		{"unknown", "?", ""},
		{"no (closes after the first; safe)", "no", "info"},
		{"1.0 (1 process, 1 thread)", "1.0", "info"},
		{"not tested", "–", ""},
	}
	for i, w := range want {
		if g := got[i]; g.Name != CapabilityNames[i] || g.Value != w.value || g.Short != w.short || g.Status != w.status {
			t.Errorf("%s: %+v, want %+v", CapabilityNames[i], g, w)
		}
	}
	unread := &Report{Results: []Result{{ID: capChunked, Status: "fail", Message: misleading, Facts: &spec.Facts{Status: 200, Behaviour: spec.BehaviourNotRead}}}}
	if c := Capabilities(unread)[0]; c.Value != "not decoded (the app sees no body)" || c.Short != "no" || c.Status != "fail" {
		t.Errorf("unread chunked body: %+v", c)
	}
	// A report read back from JSON written before results had facts: no verdict to show.
	old := &Report{Results: []Result{{ID: capChunked, Status: "fail", Message: misleading}, {ID: capConcurrency, Status: "info", Message: misleading}}}
	if c := Capabilities(old); c[0].Value != unknownVerdict || c[7].Value != unknownVerdict {
		t.Errorf("results without facts: %+v", c)
	}
	// In the text summary, at the top; not at all when nothing was tested.
	r.Tally()
	var buf bytes.Buffer
	WriteText(&buf, r, TextOptions{})
	if i, j := strings.Index(buf.String(), "Capabilities\n  chunked request bodies  refused (411 Length Required)\n"), strings.Index(buf.String(), "AREA"); i < 0 || j < i {
		t.Errorf("capabilities not at the top of the summary:\n%s", buf.String())
	}
	none := &Report{Results: []Result{{ID: "pep3333/environ/remote-addr", Status: "pass"}}}
	buf.Reset()
	WriteText(&buf, none, TextOptions{})
	if strings.Contains(buf.String(), "Capabilities") {
		t.Error("a capability table of untested lines")
	}
	// Across servers in the matrix.
	m := &Matrix{Reports: []*Report{r, {Target: Target{Server: "other"}, Results: []Result{{ID: capKeepAlive, Status: "pass"}}}}}
	buf.Reset()
	WriteMatrixText(&buf, m, false)
	mt := buf.String()
	rows := map[string]string{}
	for _, line := range strings.Split(mt, "\n") {
		for _, n := range CapabilityNames {
			if rest, ok := strings.CutPrefix(line, "  "+n+" "); ok {
				rows[n] = strings.Join(strings.Fields(rest), " ")
			}
		}
	}
	if !strings.Contains(mt, "\ncapabilities\n") || rows["chunked request bodies"] != "411 –" || rows["keep-alive"] != "? yes" || rows["concurrency"] != "1.0 –" {
		t.Errorf("matrix text capabilities %q:\n%s", rows, mt)
	}
	buf.Reset()
	WriteMatrixHTML(&buf, m)
	if h := buf.String(); !strings.Contains(h, `id="capabilities"`) || !strings.Contains(h, `refused (411 Length Required)`) {
		t.Error("matrix HTML lacks the capability table")
	}
}

func TestJUnitFollowsTheBaselineAndFailOn(t *testing.T) {
	r := &Report{Results: []Result{
		{ID: "x/a/known", Area: "framing", Level: "MUST", Status: "fail", Message: "known bug", Baseline: "fail"},
		{ID: "x/a/new", Area: "framing", Level: "SHOULD", Status: "warn", Message: "new leniency"},
		{ID: "x/a/new-error", Area: "framing", Level: "MUST", Status: "error", Message: "target died: ..."},
		{ID: "x/a/ok", Area: "framing", Level: "MUST", Status: "pass"},
	}}
	r.Tally()
	cases := func() map[string]string {
		var buf bytes.Buffer
		if err := WriteJUnit(&buf, r); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Suites []struct {
				Failures int `xml:"failures,attr"`
				Errors   int `xml:"errors,attr"`
				Skipped  int `xml:"skipped,attr"`
				Cases    []struct {
					Name    string    `xml:"name,attr"`
					Failure *struct{} `xml:"failure"`
					Error   *struct{} `xml:"error"`
					Skipped *struct {
						Message string `xml:"message,attr"`
					} `xml:"skipped"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		s := doc.Suites[0]
		out["counts"] = strings.Join([]string{itoa(s.Failures), itoa(s.Errors), itoa(s.Skipped)}, "/")
		for _, c := range s.Cases {
			id, _, _ := strings.Cut(c.Name, ":")
			switch {
			case c.Failure != nil:
				out[id] = "failure"
			case c.Error != nil:
				out[id] = "error"
			case c.Skipped != nil:
				out[id] = "skipped " + c.Skipped.Message
			default:
				out[id] = "passed"
			}
		}
		return out
	}
	got := cases()
	// The default run does not fail on errors: an error is a skipped test, not a broken one.
	if got["x/a/known"] != "failure" || got["x/a/new"] != "passed" || !strings.HasPrefix(got["x/a/new-error"], "skipped error (no verdict") || got["counts"] != "1/0/1" {
		t.Errorf("default policy: %v", got)
	}
	r.FailOn = []string{"fail", "warn", "error"}
	if got = cases(); got["x/a/new"] != "failure" || got["counts"] != "2/1/0" {
		t.Errorf("--strict: %v", got)
	}
	r.Baseline = &BaselineComparison{Known: 1, Regressions: []Change{{ID: "x/a/new", Was: "pass", Now: "warn"}, {ID: "x/a/new-error", Was: "pass", Now: "error"}}}
	got = cases()
	if got["x/a/known"] != "skipped known (baseline: fail): known bug" || got["x/a/new"] != "failure" || got["x/a/new-error"] != "error" || got["x/a/ok"] != "passed" || got["counts"] != "1/1/1" {
		t.Errorf("against a baseline: %v", got)
	}
}
