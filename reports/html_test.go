package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

const wantCSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline';`

var (
	tagRE     = regexp.MustCompile(`(?is)<([a-z][a-z0-9-]*)((?:\s[^>]*)?)>`)
	attrRE    = regexp.MustCompile(`(?is)\s([a-z:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`)
	idRE      = regexp.MustCompile(`\sid="([^"]*)"`)
	hrefRE    = regexp.MustCompile(`\shref="#([^"]*)"`)
	dataRE    = regexp.MustCompile(`(?s)<script type="application/json" id="conform-data">(.*?)</script>`)
	rawPreRE  = regexp.MustCompile(`(?s)<pre class="raw"[^>]*>(.*?)</pre>`)
	spanTagRE = regexp.MustCompile(`</?(?:span|i)\b[^>]*>`)
)

// checkSelfContained fails the test when the page can fetch anything: the CSP must be
// there, and no src/href/... may point to a network URL, except <a href> (spec links,
// followed only when clicked). CSS must not import or reference URLs either.
func checkSelfContained(t *testing.T, page string) {
	t.Helper()
	if !strings.Contains(page, wantCSP) {
		t.Error("no Content-Security-Policy meta forbidding network access")
	}
	urlAttrs := map[string]bool{"src": true, "href": true, "srcset": true, "action": true, "formaction": true, "poster": true, "data": true, "background": true, "ping": true, "xlink:href": true, "manifest": true}
	links := 0
	for _, m := range tagRE.FindAllStringSubmatch(page, -1) {
		tag := strings.ToLower(m[1])
		for _, a := range attrRE.FindAllStringSubmatch(m[2], -1) {
			name := strings.ToLower(a[1])
			if !urlAttrs[name] {
				continue
			}
			v := strings.ToLower(strings.TrimSpace(html.UnescapeString(strings.Trim(a[2], `"'`))))
			network := strings.HasPrefix(v, "//") || strings.Contains(v, "://")
			if !network {
				continue
			}
			if tag != "a" || name != "href" || !strings.HasPrefix(v, "https://") {
				t.Errorf("<%s %s=%q> can make a network request", tag, name, v)
				continue
			}
			links++
			if !strings.Contains(m[2], `rel="noopener noreferrer"`) {
				t.Errorf("<a href=%q> lacks rel=noopener", v)
			}
		}
	}
	if links == 0 {
		t.Error("no spec links found at all: the attribute scan is broken")
	}
	lower := strings.ToLower(page)
	for _, bad := range []string{"url(", "@import", `http-equiv="refresh"`, "<iframe", "<object", "<embed", "<img", "<link rel=\"stylesheet", "fetch(", "xmlhttprequest", "websocket", "<base"} {
		if strings.Contains(lower, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

// checkAnchors fails when an in-page link points to an id the page lacks, or ids repeat.
func checkAnchors(t *testing.T, page string) {
	t.Helper()
	ids := map[string]bool{}
	for _, m := range idRE.FindAllStringSubmatch(page, -1) {
		id := html.UnescapeString(m[1])
		if ids[id] {
			t.Errorf("duplicate id %q", id)
		}
		ids[id] = true
	}
	for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
		if id := html.UnescapeString(m[1]); !ids[id] {
			t.Errorf("link to #%s, which is not in the page", id)
		}
	}
}

func preTexts(page string) []string {
	var out []string
	for _, m := range rawPreRE.FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(spanTagRE.ReplaceAllString(m[1], "")))
	}
	return out
}

func renderHTML(t *testing.T, r *Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestWriteHTML(t *testing.T) {
	r := sampleReport("gunicorn", "23.0.0", 0)
	r.Results[1].SpecURL = "javascript:alert(4)"
	page := renderHTML(t, r)

	checkSelfContained(t, page)
	checkAnchors(t, page)
	if !strings.HasPrefix(page, "<!DOCTYPE html>\n<html lang=\"en\">") {
		t.Error("no doctype")
	}

	// Hostile data never becomes markup.
	if n := strings.Count(page, "<script"); n != 2 {
		t.Errorf("%d <script> elements, want 2 (the data and the page's own)", n)
	}
	for _, bad := range []string{"<img", "alert(1)</script>", "alert(2)</script>", "alert(3)</script>", "javascript:", "ZgotmplZ", "\x00", "\x1b", "\u202e", "</td><script>"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains raw %q", bad)
		}
	}
	for _, want := range []string{
		"the server answered 400 with &lt;img src=x onerror=alert(1)&gt; | and a pipe\nsecond line \\x1b[2J\\u{202e}evil",
		"&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;<i>\\x00\\xff\\x1b</i>[31mred",
		"<td>str &#39;&lt;/td&gt;&lt;script&gt;alert(3)&lt;/script&gt;&#39;</td>",
		"&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;<i>\\x1b</i>]0;owned<i>\\x07\\n</i>",
		html.EscapeString(ShellReplay([]byte("GET /a HTTP/1.1\r\nHost: x\r\nX-Quote: it's 100%\r\n\r\n"), "127.0.0.1:8000")),
		`<i>\r\n</i>` + "\nHost: 127.0.0.1:8000",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	// The bytes in <pre> are exactly VisibleBytes of the evidence.
	pres := preTexts(page)
	found := false
	for _, p := range pres {
		if p == VisibleBytes([]byte(hostileResponse)) {
			found = true
		}
	}
	if !found {
		t.Errorf("no <pre> holds VisibleBytes(hostile response); %d pres", len(pres))
	}

	// One row per result, with its status, area and anchor.
	if n := strings.Count(page, `<article class="check st-`); n != len(r.Results) {
		t.Errorf("%d rows, want %d", n, len(r.Results))
	}
	for _, res := range r.Results[:5] {
		row := `<article class="check st-` + res.Status + `" id="c-` + strings.ReplaceAll(res.ID, "/", ".") + `" data-status="` + res.Status + `" data-area="` + res.Area + `"`
		if !strings.Contains(page, row) {
			t.Errorf("no row %s", row)
		}
	}

	// The machine-readable summary matches the report.
	m := dataRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no conform-data script")
	}
	var data reportData
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("conform-data is not JSON: %v\n%.300s", err, m[1])
	}
	if data.Totals != r.Totals || data.Checks != len(r.Results) || len(data.Results) != len(r.Results) || data.Server != "gunicorn" || data.Passed || data.Verdict != r.Verdict() {
		t.Errorf("conform-data = %+v, want totals %+v", data, r.Totals)
	}
	var sum Totals
	for _, a := range data.Areas {
		sum.Pass += a.Totals.Pass
		sum.Fail += a.Totals.Fail
		sum.Warn += a.Totals.Warn
		sum.Info += a.Totals.Info
		sum.Error += a.Totals.Error
		sum.Skip += a.Totals.Skip
	}
	if sum != r.Totals {
		t.Errorf("area totals add up to %+v, want %+v", sum, r.Totals)
	}

	// The status chips show the totals.
	for _, st := range Statuses {
		chip := `data-value="` + st + `" data-count="` + itoa(r.Totals.Count(st)) + `"`
		if !strings.Contains(page, chip) {
			t.Errorf("no chip %s", chip)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestWriteHTMLAtScale(t *testing.T) {
	r := bigReport(320)
	page := renderHTML(t, r)
	if n := strings.Count(page, `<article class="check st-`); n != 320 {
		t.Errorf("%d rows, want 320", n)
	}
	if n := strings.Count(page, "<details class=\"ev\">"); n != 320 {
		t.Errorf("%d collapsed evidence blocks, want 320 (all closed)", n)
	}
	if strings.Contains(page, "<details class=\"ev\" open") {
		t.Error("evidence is expanded by default")
	}
	checkAnchors(t, page)
	if len(page) > 4<<20 {
		t.Errorf("page is %d bytes for 320 checks", len(page))
	}
}

func TestWriteHTMLMinimal(t *testing.T) {
	// An empty report and one with odd data still render.
	page := renderHTML(t, &Report{})
	checkAnchors(t, page)
	if !strings.Contains(page, "<h1 id=\"server\">unknown server</h1>") {
		t.Error("empty report: no server heading")
	}
	odd := &Report{Target: Target{Addr: "[::1]:8000"}, Results: []Result{
		{ID: "x y/\"quoted\"", Status: "weird", Level: "MUST", Area: "new-area"},
		{ID: "x y/\"quoted\"", Status: "pass"},
	}}
	odd.Tally()
	page = renderHTML(t, odd)
	checkAnchors(t, page)
	if !strings.Contains(page, `id="c-x_y._quoted_~2"`) || !strings.Contains(page, `data-status="weird"`) {
		t.Error("odd IDs or unknown statuses are not handled")
	}
}

func matrixSample() *Matrix {
	return &Matrix{Reports: []*Report{
		sampleReport("gunicorn", "23.0.0", 0),
		sampleReport("waitress", "3.0.2", 1),
		sampleReport("wsgiref", "", 2),
	}}
}

func TestWriteMatrixHTML(t *testing.T) {
	m := matrixSample()
	// The hostile bytes come first, where the page shows them.
	for i, res := range m.Reports[0].Results {
		if res.Message == hostileMessage {
			ev := m.Reports[0].Results[i].Evidence
			ev[0], ev[1] = ev[1], ev[0]
		}
	}
	var buf bytes.Buffer
	if err := WriteMatrixHTML(&buf, m); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	checkSelfContained(t, page)
	checkAnchors(t, page)
	if n := strings.Count(page, "<script"); n != 2 {
		t.Errorf("%d <script> elements, want 2", n)
	}
	for _, bad := range []string{"<img", "alert(1)</script>", "\x00", "\x1b"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains raw %q", bad)
		}
	}
	for _, want := range []string{
		`<tr id="s-1"><th class="srv" scope="row">gunicorn 23.0.0<small>127.0.0.1:8000</small></th>`,
		`<tr id="s-3"><th class="srv" scope="row">wsgiref<small>127.0.0.1:8000</small></th>`,
		// A tooltip is the start of the message; its entry has all of it.
		`title="FAIL: the server answered 400 with &lt;img src=x onerror=alert(1)&gt; | and…">F</a>`,
		`<div class="msg">the server answered 400 with &lt;img src=x onerror=alert(1)&gt; | and a pipe` + "\n" + `second line \x1b[2J\u{202e}evil</div>`,
		"&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
		"Where servers disagree",
		// Grid columns are narrow: the server's name without its version, written upwards.
		`<th class="srvh" scope="col" title="gunicorn 23.0.0"><a class="vt" href="#s-1">gunicorn</a></th>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("matrix lacks %q", want)
		}
	}
	g := m.grid()
	var data matrixData
	if err := json.Unmarshal([]byte(dataRE.FindStringSubmatch(page)[1]), &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Servers) != 3 || data.Checks != len(g.Rows) || len(data.Disagree) != g.Disagreements {
		t.Errorf("matrix data: %d servers, %d checks, %d disagreements", len(data.Servers), data.Checks, len(data.Disagree))
	}
	for i, s := range data.Servers {
		if s.Totals != m.Reports[i].Totals {
			t.Errorf("server %d totals %+v, want %+v", i, s.Totals, m.Reports[i].Totals)
		}
		// The status of every check that did not pass; the grid has the passes.
		want := map[string]string{}
		for _, res := range m.Reports[i].Results {
			if res.Status != "pass" {
				want[res.ID] = res.Status
			}
		}
		if !reflect.DeepEqual(s.Status, want) {
			t.Errorf("server %d statuses %v, want %v", i, s.Status, want)
		}
	}
	// A cell per server and check; a problem's cell links to its server's name in an entry
	// of the evidence, which names every result that did not pass and nothing else.
	if cells, want := strings.Count(page, `<td class="cell st-`), len(g.Rows)*3; cells != want {
		t.Errorf("%d cells, want %d", cells, want)
	}
	notPass := 0
	for _, r := range m.Reports {
		notPass += len(r.Results) - r.Totals.Pass
	}
	if n := len(regexp.MustCompile(`<td class="cell st-[^"]*"><a href="#e`).FindAllString(page, -1)); n != notPass {
		t.Errorf("%d cells link to the evidence, want %d (the results that did not pass)", n, notPass)
	}
	if n := strings.Count(page, `<span id="e`); n != notPass {
		t.Errorf("%d servers named in the evidence, want %d (the results that did not pass)", n, notPass)
	}
	if n := strings.Count(page, `<details class="evi st-`); n == 0 || n > notPass {
		t.Errorf("%d evidence entries for %d results that did not pass", n, notPass)
	}
	if n := strings.Count(page, `<details class="evi st-pass"`); n != 0 {
		t.Errorf("%d evidence entries for passes", n)
	}
	if n := strings.Count(page, `<td class="cell st-pass"><span title="PASS: `); n != m.Reports[0].Totals.Pass+m.Reports[1].Totals.Pass+m.Reports[2].Totals.Pass {
		t.Errorf("%d pass cells with their message, want one per pass", n)
	}
	// "Where servers disagree" lists, per check, the servers by verdict.
	if n := strings.Count(page, `<tr class="dgrow"`); n != g.Disagreements {
		t.Errorf("%d disagreement rows, want %d", n, g.Disagreements)
	}
	for _, row := range g.Rows {
		if !row.Disagree {
			continue
		}
		named := 0
		for _, grp := range row.Groups {
			named += len(grp.Servers) + grp.Others
		}
		if len(row.Groups) < 2 || named != 3 {
			t.Errorf("%s: groups %+v do not account for the 3 servers", row.ID, row.Groups)
		}
	}
	// The capability table has a row per server, a column per capability.
	caps := page[strings.Index(page, `id="capabilities"`):]
	caps = caps[:strings.Index(caps, "</table>")]
	if n := strings.Count(caps, `<th class="srv" scope="row">`); n != 3 {
		t.Errorf("capability table: %d server rows, want 3", n)
	}
	if n := strings.Count(caps, "<td class=\"st-"); n != 3*len(CapabilityNames) {
		t.Errorf("capability table: %d cells, want %d", n, 3*len(CapabilityNames))
	}
	if !strings.Contains(caps, "<th scope=\"col\">wsgi.<wbr>input_<wbr>terminated</th>") {
		t.Error("capability table: wsgi.input_terminated cannot wrap in its header")
	}
}

func TestSplitRow(t *testing.T) {
	servers := []matrixServer{{Short: "a"}, {Short: "b"}, {Short: "c"}, {Short: "d"}, {Short: "e"}}
	row := matrixRow{Cells: []matrixCell{
		{Status: "pass"}, {Status: "fail", Anchor: "e-2-x"}, {Status: "pass"}, {}, {Status: "pass"},
	}}
	got := splitRow(row, servers)
	want := []matrixGroup{
		{Status: "fail", Servers: []matrixRef{{"b", "e-2-x"}}},
		{Status: "", Servers: []matrixRef{{"d", ""}}},
		{Status: "pass", Others: 3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("splitRow = %+v, want %+v", got, want)
	}
	// A status the page does not know still names its server.
	odd := matrixRow{Cells: []matrixCell{{Status: "pass"}, {Status: "weird"}, {Status: "pass"}, {Status: "pass"}}}
	want = []matrixGroup{{Status: "weird", Servers: []matrixRef{{"b", ""}}}, {Status: "pass", Others: 3}}
	if got := splitRow(odd, servers); !reflect.DeepEqual(got, want) {
		t.Errorf("splitRow with an unknown status = %+v, want %+v", got, want)
	}
	// Two servers that differ are both named.
	got = splitRow(matrixRow{Cells: row.Cells[:2]}, servers)
	want = []matrixGroup{{Status: "pass", Servers: []matrixRef{{"a", ""}}}, {Status: "fail", Servers: []matrixRef{{"b", "e-2-x"}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("splitRow of two = %+v, want %+v", got, want)
	}
}

func TestMatrixEntries(t *testing.T) {
	long := "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + strings.Repeat("x", 2000)
	mk := func(i int, status, msg, resp string) matrixProblem {
		addr := fmt.Sprintf("127.0.0.1:%d", 8000+i)
		req := []byte(fmt.Sprintf("GET / HTTP/1.1\r\nHost: %s\r\nX-Conform-Id: c%d\r\n\r\n", addr, 10+i))
		res := Result{ID: "a/b", Status: status, Message: msg, Repro: ShellReplay(req, addr),
			Evidence: []Evidence{{Request: req, Response: []byte(resp), End: "closed"}}}
		srv := matrixServer{Short: fmt.Sprintf("s%d", i), Report: &Report{Target: Target{Addr: addr}}}
		return matrixProblem{Server: srv, Result: res, Anchor: fmt.Sprintf("e-%d-a.b", i)}
	}
	ps := []matrixProblem{
		mk(1, "fail", "m", long),
		mk(2, "fail", "m", long), // the same bytes and request as s1's, at its own address
		mk(3, "fail", "m", "HTTP/1.1 400 Bad Request\r\n\r\n"),
		mk(4, "warn", "m", long),     // another status: another entry
		mk(5, "fail", "other", long), // another message: another entry
		mk(6, "info", "m", long),     // an observation keeps its message, not its bytes
	}
	ps[2].Result.Repro = ShellReplay([]byte("POST / HTTP/1.1\r\n\r\n"), "127.0.0.1:8003")
	ps[4].Result.Repro = strings.Repeat("x", matrixReproMax+1)
	es := matrixEntries(ps)
	if len(es) != 4 {
		t.Fatalf("%d entries, want 4: %+v", len(es), es)
	}
	e := es[0]
	var names []string
	for _, w := range e.Servers {
		names = append(names, w.Name+"#"+w.Anchor)
	}
	if got := strings.Join(names, " "); got != "s1#e-1-a.b s2#e-2-a.b s3#e-3-a.b" {
		t.Errorf("the first entry stands for %s", got)
	}
	if e.Message != "m" || e.Status != "fail" || e.Repro != ps[0].Result.Repro || e.ReproBy != "s1" || !reflect.DeepEqual(e.SameRepro, []string{"s2"}) || !e.Cut {
		t.Errorf("the first entry: %+v", e)
	}
	s1, s2, s3 := e.Servers[0], e.Servers[1], e.Servers[2]
	var shown strings.Builder
	for _, s := range s1.Response {
		shown.WriteString(s.Text)
	}
	// The header section and the start of the body.
	n := strings.Index(long, "\r\n\r\n") + 4 + matrixBodyBytes
	if want := VisibleBytes([]byte(long[:n])); shown.String() != want || !s1.Bytes || s1.RespLen != len(long) || s1.Shown != n || s1.End != "closed" || s1.Repro != "" {
		t.Errorf("s1 shows %q (%+v), want the first %d bytes", shown.String(), s1, n)
	}
	if s2.SameAs != "s1" || s2.Response != nil || s2.Repro != "" || !s2.Bytes {
		t.Errorf("s2, whose bytes are s1's: %+v", s2)
	}
	if s3.SameAs != "" || s3.Response == nil || s3.Repro != ps[2].Result.Repro {
		t.Errorf("s3, with a request and bytes of its own: %+v", s3)
	}
	if w := es[1].Servers[0]; es[1].Status != "warn" || es[1].ReproBy != "" || w.Name != "s4" || w.Response == nil {
		t.Errorf("the warning: %+v", es[1])
	}
	if w := es[2].Servers[0]; es[2].Message != "other" || es[2].Repro != "" || !strings.Contains(w.ReproNote, `one-liner is "repro" in the JSON report`) {
		t.Errorf("a long repro line: %+v", es[2])
	}
	if w := es[3].Servers[0]; es[3].Status != "info" || w.Bytes || w.Response != nil || w.Conns != 1 {
		t.Errorf("info: %+v", es[3])
	}
}

func TestTooltip(t *testing.T) {
	short := "the server answered 400"
	if got := tooltip(short); got != short {
		t.Errorf("tooltip(%q) = %q", short, got)
	}
	long := strings.Repeat("word ", 40)
	got := tooltip(long)
	if !strings.HasSuffix(got, "…") || !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) || len([]rune(got)) > matrixTipRunes+1 {
		t.Errorf("tooltip of %d runes = %q", len(long), got)
	}
	if got := tooltip(strings.Repeat("é", 200)); !utf8.ValidString(got) || len([]rune(got)) != matrixTipRunes+1 {
		t.Errorf("tooltip cuts a rune: %q", got)
	}
}

func TestWrapPoints(t *testing.T) {
	for in, want := range map[string]string{
		"wsgi.input_terminated": "wsgi.|input_|terminated",
		"keep-alive":            "keep-alive",
		"a.":                    "a.",
		"":                      "",
	} {
		if got := strings.Join(wrapPoints(in), "|"); got != want {
			t.Errorf("wrapPoints(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatrixGrid(t *testing.T) {
	mk := func(server, addr string, st ...string) *Report {
		r := &Report{Target: Target{Server: server, Addr: addr}}
		for i, s := range st {
			if s != "" {
				r.Results = append(r.Results, Result{ID: []string{"c/1", "c/2", "c/3", "f/1"}[i], Area: []string{"environ", "environ", "concurrency", "framing"}[i], Status: s})
			}
		}
		r.Tally()
		return r
	}
	g := (&Matrix{Reports: []*Report{
		mk("a", "h:1", "pass", "fail", "info", ""),
		nil,
		mk("a", "h:2", "pass", "pass", "", "skip"),
	}}).grid()
	if len(g.Servers) != 2 || g.Servers[0].Name != "a (h:1)" || g.Servers[1].Name != "a (h:2)" {
		t.Fatalf("servers %+v", g.Servers)
	}
	var ids []string
	for _, row := range g.Rows {
		ids = append(ids, row.ID)
	}
	if strings.Join(ids, " ") != "c/1 c/2 f/1 c/3" {
		t.Errorf("rows in order %v, want areas in catalog order", ids)
	}
	if g.Disagreements != 1 || !g.Rows[1].Disagree || g.Rows[0].Disagree || g.Rows[2].Disagree {
		t.Errorf("disagreements: %d", g.Disagreements)
	}
	if c := g.Rows[2].Cells[0]; c.Status != "" || c.Anchor != "" {
		t.Errorf("a check a server did not run: %+v", c)
	}
}

// A report shows the head and the start of the body of each request and response, more
// of a problem's, and says how much: the JSON report has the rest.
func TestHTMLEvidenceStart(t *testing.T) {
	head := "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"
	resp := head + strings.Repeat("b", 5000)
	req := "POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + strings.Repeat("q", 5000)
	res := Result{ID: "a/b", Status: "pass", Evidence: []Evidence{{Request: []byte(req), Response: []byte(resp)}, {Request: []byte("GET / HTTP/1.1\r\n\r\n"), Response: []byte("HTTP/1.1 204 No Content\r\n\r\n")}}}
	for _, tc := range []struct {
		status    string
		body, max int
	}{{"pass", htmlPassBody, htmlPassMax}, {"fail", htmlProblemBody, htmlProblemMax}} {
		res.Status = tc.status
		c := newHTMLCheck(res, "c-a.b", Target{Addr: "127.0.0.1:8000"})
		e := c.Evidence[0]
		if want := min(len(head)+tc.body, tc.max); e.RespShown != want || e.RespLen != len(resp) || segsText(e.Response) != VisibleBytes([]byte(resp[:want])) {
			t.Errorf("%s: shows %d of %d response bytes, want %d", tc.status, e.RespShown, e.RespLen, want)
		}
		if e.ReqShown == 0 || e.ReqShown >= len(req) || e.Replay != "" || !strings.Contains(e.ReplayNote, "JSON report") {
			t.Errorf("%s: a %d-byte request: %d shown, replay %q, note %q", tc.status, len(req), e.ReqShown, e.Replay, e.ReplayNote)
		}
		if s := c.Evidence[1]; s.ReqShown != 0 || s.RespShown != 0 || s.Replay == "" {
			t.Errorf("%s: a short exchange is cut: %+v", tc.status, s)
		}
	}
	r := &Report{Target: Target{Addr: "127.0.0.1:8000"}, Results: []Result{res}}
	r.Tally()
	page := renderHTML(t, r)
	if want := fmt.Sprintf("the first %d of %d bytes (the JSON report has every byte)", len(head)+htmlProblemBody, len(resp)); !strings.Contains(page, want) {
		t.Errorf("the page lacks %q", want)
	}
}

func segsText(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(s.Text)
	}
	return b.String()
}

// A long server log shows its start and its end, cut at lines, and how much is left out.
func TestLogExcerpt(t *testing.T) {
	if h, tail, n := logExcerpt("short\nlog\n"); h != "short\nlog\n" || tail != "" || n != 0 {
		t.Errorf("a short log: %q %q %d", h, tail, n)
	}
	var b strings.Builder
	for i := 0; b.Len() < 3*(htmlLogHead+htmlLogTail); i++ {
		fmt.Fprintf(&b, "line %d of the server's log\n", i)
	}
	log := b.String()
	h, tail, n := logExcerpt(log)
	if !strings.HasPrefix(log, h) || !strings.HasSuffix(log, tail) || len(h)+n+len(tail) != len(log) {
		t.Fatalf("head %d + %d left out + tail %d != %d", len(h), n, len(tail), len(log))
	}
	if len(h) > htmlLogHead || len(tail) > htmlLogTail || len(h) < htmlLogHead-100 || len(tail) < htmlLogTail-100 || !strings.HasSuffix(h, "\n") || !strings.HasPrefix(tail, "line ") {
		t.Errorf("head %d bytes, tail %d bytes, not cut at lines: %q … %q", len(h), len(tail), h[len(h)-20:], tail[:20])
	}
	r := &Report{Target: Target{Log: log}}
	page := renderHTML(t, r)
	if want := fmt.Sprintf("… %d bytes left out here", n); !strings.Contains(page, want) || strings.Count(page, `<pre class="raw"`) != 2 {
		t.Errorf("the page lacks %q or the log's two parts", want)
	}
}
