package reports

import (
	"bytes"
	"encoding/json"
	"html"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

const wantCSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline';`

var (
	tagRE     = regexp.MustCompile(`(?is)<([a-z][a-z0-9-]*)((?:\s[^>]*)?)>`)
	attrRE    = regexp.MustCompile(`(?is)\s([a-z:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`)
	idRE      = regexp.MustCompile(`\sid="([^"]*)"`)
	hrefRE    = regexp.MustCompile(`\shref="#([^"]*)"`)
	dataRE    = regexp.MustCompile(`(?s)<script type="application/json" id="conform-data">(.*?)</script>`)
	rawPreRE  = regexp.MustCompile(`(?s)<pre class="raw"[^>]*>(.*?)</pre>`)
	spanTagRE = regexp.MustCompile(`</?span[^>]*>`)
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
		"&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;<span class=\"e\">\\x00\\xff\\x1b</span>[31mred",
		"<td>str &#39;&lt;/td&gt;&lt;script&gt;alert(3)&lt;/script&gt;&#39;</td>",
		"&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;<span class=\"e\">\\x1b</span>]0;owned<span class=\"e\">\\x07\\n</span>",
		html.EscapeString(ShellReplay([]byte("GET /a HTTP/1.1\r\nHost: x\r\nX-Quote: it's 100%\r\n\r\n"), "127.0.0.1:8000")),
		`<span class="e">\r\n</span>` + "\nHost: 127.0.0.1:8000",
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
		`<th class="srv" scope="row"><a href="#s-1">gunicorn 23.0.0</a><small>127.0.0.1:8000</small></th>`,
		`<th class="srv" scope="row"><a href="#s-3">wsgiref</a><small>127.0.0.1:8000</small></th>`,
		`title="FAIL: the server answered 400 with &lt;img src=x onerror=alert(1)&gt; | and a pipe` + "\n" + `second line \x1b[2J\u{202e}evil">F</a>`,
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
	}
	// A cell per server and check; a problem's cell links to its entry in the evidence,
	// which lists every result that did not pass and nothing else.
	if cells, want := strings.Count(page, `<td class="cell st-`), len(g.Rows)*3; cells != want {
		t.Errorf("%d cells, want %d", cells, want)
	}
	notPass := 0
	for _, r := range m.Reports {
		notPass += len(r.Results) - r.Totals.Pass
	}
	if n := strings.Count(page, `<details class="evi st-`); n != notPass {
		t.Errorf("%d evidence entries, want %d (the results that did not pass)", n, notPass)
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

func TestMatrixEntry(t *testing.T) {
	long := "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + strings.Repeat("x", 2000)
	res := Result{ID: "a/b", Status: "fail", Message: "m", Repro: "printf 'GET / HTTP/1.1\\r\\n\\r\\n' | nc h 1",
		Evidence: []Evidence{{Request: []byte("GET / HTTP/1.1\r\n\r\n"), Response: []byte(long), End: "closed"}, {Response: []byte("second")}}}
	e := newMatrixEntry(res, "e-1-a.b")
	if !e.Bytes || e.RespLen != len(long) || e.Shown() != matrixRespBytes || e.Conns != 2 || e.Repro == "" || e.End != "closed" {
		t.Errorf("a failure: %+v", e)
	}
	var shown strings.Builder
	for _, s := range e.Response {
		shown.WriteString(s.Text)
	}
	if want := VisibleBytes([]byte(long[:matrixRespBytes])); shown.String() != want {
		t.Errorf("shown %q, want the first %d bytes", shown.String(), matrixRespBytes)
	}
	// An observation keeps its message, not its bytes.
	res.Status = "info"
	if e := newMatrixEntry(res, "x"); e.Bytes || e.Response != nil || e.Conns != 2 || e.Message != "m" {
		t.Errorf("info: %+v", e)
	}
	res.Repro = strings.Repeat("x", matrixReproMax+1)
	if e := newMatrixEntry(res, "x"); e.Repro != "" || !strings.Contains(e.ReproNote, "JSON report") {
		t.Errorf("a long repro line: %+v", e)
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
