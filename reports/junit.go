package reports

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// JUnit XML, in the dialect Jenkins, GitLab, GitHub test reporters, Azure DevOps and
// CircleCI all read: <testsuites> with one <testsuite> per area.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Hostname   string          `xml:"hostname,attr,omitempty"`
	Properties *junitProps     `xml:"properties"`
	Cases      []junitTestCase `xml:"testcase"`
}

type junitProps struct {
	Props []junitProp `xml:"property"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitTestCase struct {
	ClassName  string        `xml:"classname,attr"`
	Name       string        `xml:"name,attr"`
	Time       string        `xml:"time,attr"`
	Properties *junitProps   `xml:"properties"`
	Failure    *junitProblem `xml:"failure"`
	Error      *junitProblem `xml:"error"`
	Skipped    *junitSkipped `xml:"skipped"`
	SystemOut  junitText     `xml:"system-out,omitempty"`
}

// junitText is element text. Like the ",chardata" fields it is XML-escaped, but newlines
// stay newlines rather than &#xA;, so the file reads well too.
type junitText string

func (t junitText) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if err := e.EncodeToken(xml.CharData(t)); err != nil {
		return err
	}
	return e.EncodeToken(start.End())
}

type junitProblem struct {
	Message string
	Type    string
	Text    string
}

func (p *junitProblem) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	start.Attr = []xml.Attr{{Name: xml.Name{Local: "message"}, Value: p.Message}, {Name: xml.Name{Local: "type"}, Value: p.Type}}
	return junitText(p.Text).MarshalXML(e, start)
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func seconds(d Duration) string { return formatSeconds(time.Duration(d)) }

// WriteJUnit writes r as JUnit XML: a <testsuite name="conform.<area>"> per area and a
// <testcase> per check, named by the check's stable ID (its title is the "title" property)
// so a CI system's history of a check survives a change of title.
//
// The elements follow the run's policy, so CI shows broken tests exactly when conform's
// exit status fails: a fail is a <failure type="MUST">; warn, flaky and info results pass
// but say so in <system-out> and in their level and status properties, unless the run
// fails on their status (--fail-on warn makes a warn a <failure type="SHOULD">). An error
// (no verdict) is an <error> only when the run fails on errors (--fail-on error, --strict,
// a baseline regression); otherwise it is a <skipped message="error (no verdict; ...)">,
// a test that could not run. A skip is a <skipped>. Against a baseline, a problem the
// baseline lists is a <skipped message="known (baseline: fail): ..."> (an expected
// failure, as pytest writes xfail) and only regressions are failures or errors. Every
// string from the target is XML-escaped, and characters XML 1.0 cannot carry are written
// as \xNN.
func WriteJUnit(w io.Writer, r *Report) error {
	out := junitSuites{Name: "conform", Time: seconds(r.Duration)}
	stamp := ""
	if !r.Started.IsZero() {
		stamp = r.Started.UTC().Format("2006-01-02T15:04:05")
	}
	for _, g := range groupByArea(r.Results) {
		area := xs(areaLabel(g.Area))
		suite := junitSuite{
			Name:      "conform." + area,
			Tests:     len(g.Results),
			Timestamp: stamp,
			Hostname:  xs(r.Environment.Host),
		}
		suite.Properties = suiteProps(r)
		var total time.Duration
		for _, res := range g.Results {
			total += time.Duration(res.Duration)
			tc := junitCase(r, area, res)
			switch {
			case tc.Failure != nil:
				suite.Failures++
			case tc.Error != nil:
				suite.Errors++
			case tc.Skipped != nil:
				suite.Skipped++
			}
			suite.Cases = append(suite.Cases, tc)
		}
		suite.Time = formatSeconds(total)
		out.Tests += suite.Tests
		out.Failures += suite.Failures
		out.Errors += suite.Errors
		out.Skipped += suite.Skipped
		out.Suites = append(out.Suites, suite)
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	bw.WriteString("\n")
	return bw.Flush()
}

func suiteProps(r *Report) *junitProps {
	var ps []junitProp
	add := func(k, v string) {
		if v != "" {
			ps = append(ps, junitProp{k, xs(v)})
		}
	}
	add("target", r.Target.Addr)
	add("server", r.Target.Server)
	add("server_version", r.Target.ServerVersion)
	add("python", r.Target.Python)
	add("tool_version", r.ToolVersion)
	add("catalog_version", r.CatalogVersion)
	add("worker_model", r.Target.WorkerModel)
	if len(r.FailOn) > 0 {
		add("fail_on", strings.Join(r.FailOn, ","))
	}
	if len(ps) == 0 {
		return nil
	}
	return &junitProps{ps}
}

func junitCase(r *Report, area string, res Result) junitTestCase {
	tc := junitTestCase{
		ClassName: "conform." + area,
		Name:      xs(res.ID),
		Time:      seconds(res.Duration),
		Properties: &junitProps{[]junitProp{
			{"title", xs(res.Title)},
			{"level", xs(res.Level)},
			{"status", xs(res.Status)},
			{"spec", xs(res.Spec)},
		}},
	}
	if res.SpecURL != "" {
		tc.Properties.Props = append(tc.Properties.Props, junitProp{"spec_url", xs(res.SpecURL)})
	}
	if len(res.Trials) > 0 {
		tc.Properties.Props = append(tc.Properties.Props, junitProp{"trials", xs(strings.Join(res.Trials, ","))})
	}
	regression := r.Baseline != nil && isRegression(r.Baseline, res.ID)
	if res.Baseline != "" {
		tc.Properties.Props = append(tc.Properties.Props, junitProp{"baseline", xs(res.Baseline)})
	}
	if regression {
		tc.Properties.Props = append(tc.Properties.Props, junitProp{"regression", "true"})
	}
	detail := xs(resultDetail(r, res))
	failsRun := res.Status == "fail" || regression
	if r.Baseline == nil {
		for _, s := range r.failOn() {
			failsRun = failsRun || s == res.Status
		}
	}
	switch {
	case r.Baseline != nil && !regression && res.Baseline != "" && NeedsRepro(res.Status):
		tc.Skipped = &junitSkipped{Message: xs(fmt.Sprintf("known (baseline: %s): %s", res.Baseline, res.Message))}
		tc.SystemOut = junitText(strings.ToUpper(xs(res.Status)) + " (known, in the baseline): " + detail)
	case res.Status == "error" && failsRun:
		tc.Error = &junitProblem{Message: xs(res.Message), Type: "error", Text: detail}
	case res.Status == "error":
		tc.Skipped = &junitSkipped{Message: xs("error (no verdict; the run does not fail on errors): " + res.Message)}
		tc.SystemOut = junitText("ERROR (no verdict; not a failure of this run, see --fail-on): " + detail)
	case failsRun && res.Status != "skip" && res.Status != "pass":
		typ := xs(res.Level)
		if res.Status == "flaky" {
			typ = "flaky"
		}
		tc.Failure = &junitProblem{Message: xs(res.Message), Type: typ, Text: detail}
	case res.Status == "skip":
		tc.Skipped = &junitSkipped{Message: xs(res.Message)}
	case res.Status == "warn":
		tc.SystemOut = junitText("WARN: " + detail)
	case res.Status == "flaky":
		tc.SystemOut = junitText("FLAKY (timing trials disagree; not a failure): " + detail)
	case res.Status == "info":
		tc.SystemOut = junitText("INFO: " + detail)
	}
	return tc
}

// resultDetail is the plain-text account of a result used by JUnit: the message, the spec
// reference and sentence, and the evidence with its bytes made visible. Request lines are
// prefixed "> " and response lines "< ", as curl -v does.
func resultDetail(r *Report, res Result) string {
	var b strings.Builder
	b.WriteString(res.Message)
	b.WriteString("\n\n")
	if res.Repro != "" {
		fmt.Fprintf(&b, "repro: %s\n\n", res.Repro)
	}
	fmt.Fprintf(&b, "%s %s (%s)", res.Level, res.ID, res.Spec)
	if res.SpecURL != "" {
		fmt.Fprintf(&b, " %s", res.SpecURL)
	}
	b.WriteString("\n")
	if res.Quote != "" {
		fmt.Fprintf(&b, "  \"%s\"\n", res.Quote)
	}
	for i, e := range res.Evidence {
		fmt.Fprintf(&b, "\nEvidence %d/%d: %s", i+1, len(res.Evidence), e.Label)
		if e.End != "" {
			fmt.Fprintf(&b, " (%s)", e.End)
		}
		b.WriteString("\n")
		for _, t := range e.Timings {
			fmt.Fprintf(&b, "  %s\n", t)
		}
		if len(e.Environ) > 0 {
			keys := make([]string, 0, len(e.Environ))
			for k := range e.Environ {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			b.WriteString("  environ:\n")
			for _, k := range keys {
				fmt.Fprintf(&b, "    %s = %s\n", k, e.Environ[k])
			}
		}
		if len(e.Request) > 0 {
			fmt.Fprintf(&b, "  request (%d bytes):\n", len(e.Request))
			b.WriteString(prefixLines(VisibleBytes(e.Request), "  > "))
			fmt.Fprintf(&b, "  replay: %s\n", r.Target.Replay(e.Request))
		}
		if len(e.Response) > 0 {
			fmt.Fprintf(&b, "  response (%d bytes):\n", len(e.Response))
			b.WriteString(prefixLines(VisibleBytes(e.Response), "  < "))
		} else {
			b.WriteString("  no response bytes\n")
		}
	}
	return b.String()
}

func prefixLines(s, prefix string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if line == "" {
			continue
		}
		b.WriteString(prefix)
		b.WriteString(line)
	}
	if !strings.HasSuffix(s, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}

// xs makes s safe to carry in XML 1.0: characters XML cannot hold (controls other than
// TAB and LF; U+FFFE and U+FFFF; bytes that are not UTF-8) are written as \xNN or
// \u{NNNN}, and so are CR, DEL, C1 controls and invisible format characters such as bidi
// overrides, which XML allows but a CI log viewer should not interpret. encoding/xml then
// escapes markup characters.
func xs(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\t' && c != '\n' || c >= 0x7f {
			return clean(s, true)
		}
	}
	return s
}
