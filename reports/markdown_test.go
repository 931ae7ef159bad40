package reports

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// cells splits a Markdown table row on pipes that are not backslash-escaped.
func cells(row string) []string {
	var out []string
	cur := ""
	for i := 0; i < len(row); i++ {
		if row[i] == '\\' && i+1 < len(row) {
			cur += row[i : i+2]
			i++
			continue
		}
		if row[i] == '|' {
			out = append(out, cur)
			cur = ""
			continue
		}
		cur += string(row[i])
	}
	return append(out, cur)
}

func TestWriteMarkdown(t *testing.T) {
	r := sampleReport("gunicorn", "23.0.0", 0)
	r.Results[0].SpecURL = "javascript:alert(1)"
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"<img", "<script", "\x1b", "\x00", "javascript:"} {
		if strings.Contains(out, bad) {
			t.Errorf("output holds %q", bad)
		}
	}
	tt := r.Totals
	problems := tt.Fail + tt.Error + tt.Warn
	wants := []string{
		"## ❌ conform: gunicorn 23.0.0\n",
		"**" + r.Verdict() + "**",
		fmt.Sprintf("| **total** | %d | %d | %d | %d | %d | %d | %d |\n", tt.Pass, tt.Fail, tt.Warn, tt.Info, tt.Error, tt.Skip, tt.Total()),
		fmt.Sprintf("### Failures, errors and warnings (%d)", problems),
		`the server answered 400 with &lt;img src=x onerror=alert(1)&gt; \| and a pipe<br>second line \\x1b\[2J\\u{202e}evil`,
		"[" + mdEscape(hostileResult(r).Spec) + "](" + hostileResult(r).SpecURL + ")",
	}
	for _, g := range groupByArea(r.Results) {
		a := g.Totals
		wants = append(wants, fmt.Sprintf("| %s | %d | %d | %d | %d | %d | %d | %d |\n", mdEscape(g.Area), a.Pass, a.Fail, a.Warn, a.Info, a.Error, a.Skip, a.Total()))
	}
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// Every row of each table has as many cells as its header.
	var width int
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			width = 0
			continue
		}
		n := len(cells(line))
		if width == 0 {
			width = n
			continue
		}
		rows++
		if n != width {
			t.Errorf("row has %d cells, header %d: %s", n, width, line)
		}
	}
	if want := 1 + len(CapabilityNames) + 1 + len(groupByArea(r.Results)) + 1 + 1 + problems; rows != want { // separator, capabilities; separator, areas, total; separator, problems
		t.Errorf("%d table rows after headers, want %d", rows, want)
	}

	// A clean run says so.
	ok := &Report{Target: Target{Addr: "x:1"}, Results: []Result{{ID: "a", Area: "environ", Status: "pass"}}}
	ok.Tally()
	buf.Reset()
	WriteMarkdown(&buf, ok)
	if !strings.Contains(buf.String(), "## ✅ conform") || !strings.Contains(buf.String(), "No failures, errors or warnings.") {
		t.Errorf("clean run:\n%s", buf.String())
	}
}

func TestMarkdownEscape(t *testing.T) {
	for in, want := range map[string]string{
		"a|b":                     `a\|b`,
		"line\nbreak":             "line<br>break",
		"<b>&":                    "&lt;b&gt;&amp;",
		"[x](http://e/)":          `\[x\](http://e/)`,
		"![i](http://e/i.png)":    `!\[i\](http://e/i.png)`,
		"*em* _u_ `c` ~s~ $x$ \\": "\\*em\\* \\_u\\_ \\`c\\` \\~s\\~ \\$x\\$ \\\\",
	} {
		if got := mdEscape(in); got != want {
			t.Errorf("mdEscape(%q) = %q, want %q", in, got, want)
		}
	}
	if got := mdCode("a`b|c"); got != `a'b\|c` {
		t.Errorf("mdCode: %q", got)
	}
	if mdURL("https://x/a b") != "" || mdURL("javascript:x") != "" || mdURL("https://x/y#z") != "https://x/y#z" {
		t.Error("mdURL accepts a URL it should not, or rejects a good one")
	}
}
