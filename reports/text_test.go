package reports

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestVerdict(t *testing.T) {
	for _, c := range []struct {
		t    Totals
		n    int
		d    time.Duration
		want string
	}{
		{Totals{Pass: 90, Fail: 3, Warn: 5}, 96, 4200 * time.Millisecond, "FAIL: 3 MUST checks failed, 5 SHOULD checks warned (96 checks in 4.2s)"},
		{Totals{Pass: 10, Warn: 1}, 11, 350 * time.Millisecond, "PASS: 0 MUST checks failed, 1 SHOULD check warned (11 checks in 350ms)"},
		{Totals{Pass: 10, Error: 2}, 12, 65 * time.Second, "PASS: 0 MUST checks failed, 2 checks errored, 0 SHOULD checks warned (12 checks in 1m05s)"},
		{Totals{Fail: 1, Error: 1}, 2, time.Second, "FAIL: 1 MUST check failed, 1 check errored, 0 SHOULD checks warned (2 checks in 1.0s)"},
	} {
		r := &Report{Totals: c.t, Results: make([]Result, c.n), Duration: Duration(c.d)}
		if got := r.Verdict(); got != c.want {
			t.Errorf("Verdict() = %q, want %q", got, c.want)
		}
	}
	r := &Report{Totals: Totals{Pass: 3, Skip: 7}, Results: make([]Result, 10), Duration: Duration(time.Second), Interrupted: true}
	if got, want := r.Verdict(), "FAIL: 0 MUST checks failed, 0 SHOULD checks warned (10 checks in 1.0s, interrupted)"; got != want {
		t.Errorf("interrupted: Verdict() = %q, want %q", got, want)
	}
}

func TestWriteText(t *testing.T) {
	r := sampleReport("gunicorn", "23.0.0", 0)
	var buf bytes.Buffer
	if err := WriteText(&buf, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "\x1b") {
		t.Error("uncoloured output contains an escape character (from the target or from colour)")
	}
	if !utf8.ValidString(out) {
		t.Error("output is not valid UTF-8")
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if want := fmt.Sprintf("conform 0.4.0: gunicorn 23.0.0 at 127.0.0.1:8000, %d checks in ", len(r.Results)); !strings.HasPrefix(lines[0], want) {
		t.Errorf("header line %q, want it to start %q", lines[0], want)
	}
	if last := lines[len(lines)-1]; last != r.Verdict() || !strings.HasPrefix(last, fmt.Sprintf("FAIL: %d MUST checks failed", r.Totals.Fail)) {
		t.Errorf("last line %q, want the verdict %q", last, r.Verdict())
	}
	row := func(name string, t Totals) string {
		return fmt.Sprintf("  %-14s  %4d  %4d  %4d  %4d  %5d  %4d  %5d\n", name, t.Pass, t.Fail, t.Warn, t.Info, t.Error, t.Skip, t.Total())
	}
	want := []string{
		"  AREA            PASS  FAIL  WARN  INFO  ERROR  SKIP  TOTAL\n",
		row("total", r.Totals),
		fmt.Sprintf("Failures (MUST): %d", r.Totals.Fail),
		fmt.Sprintf("Errors (no verdict): %d", r.Totals.Error),
		fmt.Sprintf("Warnings (SHOULD): %d", r.Totals.Warn),
		fmt.Sprintf("  × FAIL %s  MUST  %s\n", hostileResult(r).ID, hostileResult(r).Spec),
		`-> the server answered 400 with <img src=x onerror=alert(1)> | and a pipe`,
		`second line \x1b[2J\u{202e}evil`, // terminal control from the target is made visible
		"       \"" + strings.Fields(hostileResult(r).Quote)[0] + " ",
	}
	for _, g := range groupByArea(r.Results) {
		want = append(want, row(g.Area, g.Totals))
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
	if strings.Contains(out, "Info (MAY") {
		t.Error("info results listed without Verbose")
	}
	for _, l := range lines[1:] {
		if n := utf8.RuneCountInString(l); n > textWidth && strings.Contains(l, " ") && !strings.Contains(l, "  × ") && !strings.Contains(l, "  E ") && !strings.Contains(l, "  ! ") {
			t.Errorf("line of %d runes is not wrapped: %q", n, l)
		}
	}

	buf.Reset()
	if err := WriteText(&buf, r, TextOptions{Color: true, Verbose: true}); err != nil {
		t.Fatal(err)
	}
	col := buf.String()
	for _, want := range []string{"\x1b[31m× FAIL\x1b[0m", "\x1b[33m! WARN\x1b[0m", "\x1b[35mE ERROR\x1b[0m", "\x1b[36mi INFO\x1b[0m", fmt.Sprintf("Info (MAY, observed behaviour): %d", r.Totals.Info), "command: gunicorn -b 127.0.0.1:8000 probe:app", fmt.Sprintf("\x1b[32m%4d\x1b[0m", r.Totals.Pass)} {
		if !strings.Contains(col, want) {
			t.Errorf("colour/verbose output lacks %q", want)
		}
	}
	if strings.Contains(col, "\x1b[2J") || strings.Contains(col, "\x1b]0;") {
		t.Error("a terminal control sequence from the target reached the output")
	}
}

func TestWriteTextPass(t *testing.T) {
	r := &Report{Target: Target{Addr: "127.0.0.1:9"}, Duration: Duration(time.Second), Results: []Result{
		{ID: "a/b", Area: "environ", Level: "MUST", Status: "pass", Message: "ok"},
		{ID: "a/c", Area: "", Level: "MAY", Status: "info", Message: "observed"},
	}}
	r.Tally()
	var buf bytes.Buffer
	if err := WriteText(&buf, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "conform: 127.0.0.1:9, 2 checks in 1.0s\n") {
		t.Errorf("header: %q", out)
	}
	if !strings.Contains(out, "  other") || !strings.HasSuffix(out, "\nPASS: 0 MUST checks failed, 0 SHOULD checks warned (2 checks in 1.0s)\n") {
		t.Errorf("output:\n%s", out)
	}
}

func TestWrap(t *testing.T) {
	got := wrap("one two three four five\nsix", "> ", "  ", 12)
	want := "> one two\n  three four\n  five\n  six\n"
	if got != want {
		t.Errorf("wrap = %q, want %q", got, want)
	}
	if got := wrap("averyveryverylongword x", "", "", 5); got != "averyveryverylongword\nx\n" {
		t.Errorf("long word: %q", got)
	}
}

func TestWriteMatrixText(t *testing.T) {
	a := &Report{Target: Target{Addr: "127.0.0.1:1", Server: "alpha", ServerVersion: "1.0"}, Results: []Result{
		{ID: "x/1", Area: "environ", Status: "pass"},
		{ID: "x/2", Area: "framing", Status: "fail", Message: "m"},
	}}
	b := &Report{Target: Target{Addr: "127.0.0.1:2", Server: "beta"}, Results: []Result{
		{ID: "x/1", Area: "environ", Status: "pass"},
		{ID: "x/2", Area: "framing", Status: "warn"},
		{ID: "x/3", Area: "framing", Status: "skip"},
	}}
	a.Tally()
	b.Tally()
	var buf bytes.Buffer
	if err := WriteMatrixText(&buf, &Matrix{Reports: []*Report{a, b}}, false); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"           alpha 1.0  beta\n",
		"     fail  1          0\n",
		"  verdict  FAIL       PASS\n",
		"environ\n  x/1      P          P\n",
		"framing\n* x/2      F          W\n  x/3      –          S\n",
		"3 checks, 1 where the servers disagree",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("matrix text lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	WriteMatrixText(&buf, &Matrix{Reports: []*Report{a, b}}, true)
	if !strings.Contains(buf.String(), "\x1b[31mF") {
		t.Error("coloured matrix lacks a red F")
	}
}
