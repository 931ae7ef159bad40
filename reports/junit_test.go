package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// Parsed the way a CI system reads JUnit, independently of the writer's types.
type jSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     float64  `xml:"time,attr"`
	Suites   []struct {
		Name     string  `xml:"name,attr"`
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Errors   int     `xml:"errors,attr"`
		Skipped  int     `xml:"skipped,attr"`
		Time     float64 `xml:"time,attr"`
		Cases    []struct {
			ClassName string  `xml:"classname,attr"`
			Name      string  `xml:"name,attr"`
			Time      float64 `xml:"time,attr"`
			Props     []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestWriteJUnit(t *testing.T) {
	r := sampleReport("gunicorn", "23.0.0", 0)
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	if !bytes.HasPrefix(out, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Error("no XML declaration")
	}
	if !utf8.Valid(out) {
		t.Error("output is not UTF-8")
	}
	for _, c := range out {
		if c < 0x20 && c != '\n' && c != '\t' && c != '\r' {
			t.Fatalf("output holds byte %#x, which XML 1.0 forbids", c)
		}
	}
	for _, raw := range []string{"<script>", "<img", "</pre>"} {
		if bytes.Contains(out, []byte(raw)) {
			t.Errorf("output holds unescaped %q", raw)
		}
	}

	var j jSuites
	if err := xml.Unmarshal(out, &j); err != nil {
		t.Fatalf("encoding/xml cannot parse the output: %v", err)
	}
	// The run fails on "fail" only: its errors are skipped tests, not broken ones.
	tt := r.Totals
	if tt.Error == 0 {
		t.Fatal("the sample has no error result")
	}
	if j.Tests != tt.Total() || j.Failures != tt.Fail || j.Errors != 0 || j.Skipped != tt.Skip+tt.Error {
		t.Errorf("testsuites counts tests=%d failures=%d errors=%d skipped=%d, want %d %d 0 %d", j.Tests, j.Failures, j.Errors, j.Skipped, tt.Total(), tt.Fail, tt.Skip+tt.Error)
	}
	groups := groupByArea(r.Results)
	if len(j.Suites) != len(groups) {
		t.Fatalf("%d suites, want one per area (%d)", len(j.Suites), len(groups))
	}
	var fails, errs, skips, warns, infos, cases int
	var hostile string
	for i, s := range j.Suites {
		g := groups[i]
		if s.Name != "conform."+g.Area || s.Tests != len(g.Results) || s.Failures != g.Totals.Fail || s.Errors != 0 || s.Skipped != g.Totals.Skip+g.Totals.Error {
			t.Errorf("suite %q: tests=%d failures=%d errors=%d skipped=%d; want %q %+v", s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, "conform."+g.Area, g.Totals)
		}
		if s.Time <= 0 {
			t.Errorf("suite %q has no time", s.Name)
		}
		for k, c := range s.Cases {
			cases++
			res := g.Results[k]
			// The name is the stable ID alone, so CI history survives a new title.
			if c.ClassName != s.Name || c.Name != res.ID {
				t.Errorf("testcase classname=%q name=%q", c.ClassName, c.Name)
			}
			props := map[string]string{}
			for _, p := range c.Props {
				props[p.Name] = p.Value
			}
			if props["title"] != res.Title || props["level"] != res.Level || props["status"] != res.Status {
				t.Errorf("%s: properties %v", res.ID, props)
			}
			if c.Failure != nil {
				fails++
				if c.Failure.Type != "MUST" || !strings.Contains(c.Failure.Text, res.Quote) || !strings.Contains(c.Failure.Text, res.Spec) {
					t.Errorf("%s: failure type=%q text lacks the spec reference or quote", res.ID, c.Failure.Type)
				}
				if res.Message == hostileMessage {
					hostile = c.Failure.Message + "\n" + c.Failure.Text
				}
			}
			if c.Error != nil {
				t.Errorf("%s: an <error> in a run that does not fail on errors", res.ID)
			}
			if c.Skipped != nil && res.Status == "error" {
				errs++
				if !strings.HasPrefix(c.Skipped.Message, "error (no verdict") || !strings.HasSuffix(c.Skipped.Message, res.Message) || !strings.HasPrefix(c.SystemOut, "ERROR (no verdict") {
					t.Errorf("%s: an error that does not fail the run reads %q / %q", res.ID, c.Skipped.Message, c.SystemOut)
				}
			} else if c.Skipped != nil {
				skips++
				if c.Skipped.Message != res.Message {
					t.Errorf("%s: skipped message %q", res.ID, c.Skipped.Message)
				}
			}
			if strings.HasPrefix(c.SystemOut, "WARN: ") {
				warns++
			}
			if strings.HasPrefix(c.SystemOut, "INFO: ") {
				infos++
			}
		}
	}
	if cases != tt.Total() || fails != tt.Fail || errs != tt.Error || skips != tt.Skip || warns != tt.Warn || infos != tt.Info {
		t.Errorf("elements: %d cases %d failure %d error %d skipped %d WARN %d INFO; totals %+v", cases, fails, errs, skips, warns, infos, tt)
	}

	// The hostile failure reads as text: markup intact after XML decoding, control bytes
	// as escapes, the evidence bytes made visible with > and < prefixes.
	for _, want := range []string{
		"<img src=x onerror=alert(1)> | and a pipe\nsecond line \\x1b[2J\\u{202e}evil",
		"  < </pre><script>alert(1)</script>\\x00\\xff\\x1b[31mred\\x1b[0m\\t'%s\\\\x00",
		"  > GET /a HTTP/1.1\\r\\n\n  > Host: x\\r\\n\n",
		"    HTTP_X_EVIL = str '</td><script>alert(3)</script>'",
		`replay: printf 'GET /a HTTP/1.1\r\nHost: x\r\nX-Quote: it\047s 100%%\r\n\r\n' | ` + TCPSend("127.0.0.1:8000"),
	} {
		if !strings.Contains(hostile, want) {
			t.Errorf("hostile failure lacks %q; it reads:\n%s", want, hostile)
		}
	}
}

// An error is a broken test (<error>) exactly when the run fails on it: with --fail-on
// error or --strict, or as a regression against a baseline; otherwise a skipped test.
func TestJUnitErrorsFollowTheFailOnPolicy(t *testing.T) {
	r := &Report{Results: []Result{
		{ID: "x/a/cut", Title: "a check cut short", Area: "framing", Level: "MUST", Status: "error", Message: "check timed out after 100ms"},
		{ID: "x/a/ok", Title: "fine", Area: "framing", Level: "MUST", Status: "pass"},
	}}
	r.Tally()
	element := func() string {
		var buf bytes.Buffer
		if err := WriteJUnit(&buf, r); err != nil {
			t.Fatal(err)
		}
		var j jSuites
		if err := xml.Unmarshal(buf.Bytes(), &j); err != nil {
			t.Fatal(err)
		}
		c := j.Suites[0].Cases[0]
		counts := fmt.Sprintf(" errors=%d/%d skipped=%d/%d", j.Errors, j.Suites[0].Errors, j.Skipped, j.Suites[0].Skipped)
		switch {
		case c.Error != nil:
			return "error " + c.Error.Message + counts
		case c.Skipped != nil:
			return "skipped " + c.Skipped.Message + counts
		}
		return "passed" + counts
	}
	if !r.Passed() {
		t.Fatal("the run should pass under the default policy")
	}
	if got, want := element(), "skipped error (no verdict; the run does not fail on errors): check timed out after 100ms errors=0/0 skipped=1/1"; got != want {
		t.Errorf("default policy: %s\nwant %s", got, want)
	}
	r.FailOn = []string{"fail", "error"}
	if r.Passed() {
		t.Fatal("the run should fail on its error")
	}
	if got, want := element(), "error check timed out after 100ms errors=1/1 skipped=0/0"; got != want {
		t.Errorf("--fail-on error: %s\nwant %s", got, want)
	}
	r.FailOn = []string{"fail"}
	r.Baseline = &BaselineComparison{Regressions: []Change{{ID: "x/a/cut", Was: "pass", Now: "error"}}}
	if got := element(); !strings.HasPrefix(got, "error ") {
		t.Errorf("a regression to error: %s", got)
	}
	r.Baseline = &BaselineComparison{}
	if got := element(); !strings.HasPrefix(got, "skipped error (no verdict") {
		t.Errorf("an error that is no regression: %s", got)
	}
}

func TestXMLSafe(t *testing.T) {
	for in, want := range map[string]string{
		"plain":            "plain",
		"tab\tnl\n":        "tab\tnl\n",
		"nul\x00":          `nul\x00`,
		"bad\xffutf8":      `bad\xffutf8`,
		"esc\x1b[0m":       `esc\x1b[0m`,
		"nonchar\uffff":    `nonchar\u{ffff}`,
		"é and 💥":          "é and 💥",
		"cr\r":             `cr\x0d`,
		"bidi\u202e":       `bidi\u{202e}`,
		"del\x7f c1\u0085": `del\x7f c1\x85`,
	} {
		if got := xs(in); got != want {
			t.Errorf("xs(%q) = %q, want %q", in, got, want)
		}
	}
}
