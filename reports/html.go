package reports

import (
	"bufio"
	"embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/internal/htmlpage"
	"github.com/conform-wsgi/conform/spec"
)

// The HTML reports are single self-contained files: inline CSS and JS, no fonts, images
// or scripts by URL, and a Content-Security-Policy that forbids the page any network
// access. Everything that came from the target (bytes, messages, environ values, the
// server log) reaches the page only through html/template, which escapes it for the
// context it lands in; no markup is built from strings in Go.

//go:embed templates/*.tmpl
var templateFS embed.FS

// The page's head, CSS, evidence block and script are internal/htmlpage's, shared with
// the fuzzer's findings page.
var htmlTemplates = template.Must(htmlpage.New("reports", template.FuncMap{
	"letter": statusLetter,
	"add":    func(a, b int) int { return a + b },
}).ParseFS(templateFS, "templates/*.tmpl"))

// statusCount is one status's total, for chips and headings.
type statusCount struct {
	Status string
	N      int
}

func statusCounts(t Totals) []statusCount {
	out := make([]statusCount, 0, len(Statuses))
	for _, s := range Statuses {
		out = append(out, statusCount{s, t.Count(s)})
	}
	return out
}

// htmlCheck is one result prepared for the page.
type htmlCheck struct {
	Anchor   string
	ID       string
	Title    string
	Area     string
	Level    string
	Spec     string
	SpecURL  string
	Quote    string
	Status   string
	Message  string
	Duration string
	Evidence []htmlEvidence
	Trials   string // "fail, pass" when measured more than once
	Baseline string // the status the baseline lists for it
	Repro    string
	// Regression: the check is worse than the baseline says.
	Regression bool
}

type htmlEvidence = htmlpage.Evidence

// A report shows every connection of every check, passes included; a few checks send or
// receive tens of kilobytes, and the probe's answers are kilobytes of JSON each: the page
// shows each request's and response's head and the start of its body (more of a
// problem's), and the JSON report has every byte.
const (
	htmlPassBody    = 64   // body bytes shown of a check that passed
	htmlPassMax     = 1024 // and bytes in all
	htmlProblemBody = 768  // of any other check
	htmlProblemMax  = 2048
	htmlReplayMax   = matrixReproMax
)

// htmlCapability is one line of the capability summary, linked to its check.
type htmlCapability struct {
	Name, Value, Status, Check, Anchor string
}

// htmlDesync is one upstream connection on which the server read a request the front never
// sent, for the page: the start of its bytes each way, escaped.
type htmlDesync struct {
	Conn, Meant, Served int
	Why                 string
	Checks              []htmlChange // ID and Anchor only
	Forwarded, Returned []segment
	// Attack is set for a desync a second client's answer confirmed.
	Attack       string
	Sent, Victim []segment
}

// reportAttack is one smuggling attack through the front, for the page.
type reportAttack struct {
	Name, Why string
	Confirmed bool
}

// desyncShown is how much of each direction of a desync's connection the page shows.
const desyncShown = 2 << 10

// htmlBaseline is the comparison with a baseline file, for the page.
type htmlBaseline struct {
	File        string
	Known       int
	Regressions []htmlChange
	Fixed       []htmlChange
	Improved    []htmlChange
	Warnings    []string
}

type htmlChange struct {
	ID, Was, Now, Reason, Anchor string
}

type keyValue = htmlpage.KeyValue

func newHTMLCheck(res Result, anchor string, target Target) htmlCheck {
	addr := target.Addr
	c := htmlCheck{
		Anchor:   anchor,
		ID:       clean(res.ID, false),
		Title:    clean(res.Title, true),
		Area:     areaLabel(clean(res.Area, false)),
		Level:    clean(res.Level, false),
		Spec:     clean(res.Spec, false),
		SpecURL:  linkURL(res.SpecURL),
		Quote:    clean(res.Quote, true),
		Status:   clean(res.Status, false),
		Message:  clean(res.Message, true),
		Duration: humanDuration(time.Duration(res.Duration)),
	}
	c.Trials = clean(strings.Join(res.Trials, ", "), false)
	c.Baseline = clean(res.Baseline, false)
	c.Repro = clean(res.Repro, false)
	body, limit := htmlProblemBody, htmlProblemMax
	if res.Status == string(spec.Pass) {
		body, limit = htmlPassBody, htmlPassMax
	}
	for i, e := range res.Evidence {
		req, resp := e.Request[:headAnd(e.Request, body, limit)], e.Response[:headAnd(e.Response, body, limit)]
		he := htmlEvidence{
			Anchor:   fmt.Sprintf("%s~conn%d", anchor, i+1), // '~' + letters: no check anchor looks like this
			Label:    clean(e.Label, false),
			End:      clean(e.End, true),
			Request:  visibleSegments(req),
			ReqLen:   len(e.Request),
			Response: visibleSegments(resp),
			RespLen:  len(e.Response),
		}
		if len(req) < len(e.Request) {
			he.ReqShown = len(req)
		}
		if len(resp) < len(e.Response) {
			he.RespShown = len(resp)
		}
		for _, t := range e.Timings {
			he.Timings = append(he.Timings, clean(t, true))
		}
		keys := make([]string, 0, len(e.Environ))
		for k := range e.Environ {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			he.Environ = append(he.Environ, keyValue{Key: clean(k, false), Value: clean(e.Environ[k], true)})
		}
		switch {
		case len(e.Request) == 0 || addr == "":
		case len(e.Request) > htmlReplayMax:
			he.ReplayNote = "no one-liner for a request this long: the JSON report has its bytes, and --repro DIR writes a problem's to a file"
		default:
			he.Replay = target.Replay(e.Request)
		}
		c.Evidence = append(c.Evidence, he)
	}
	return c
}

// linkURL keeps a spec link only when it is a plain http(s) URL; anything else (from a
// hand-edited JSON report, say) is shown as text rather than left to the template's
// sanitizer, which would turn it into a dead "#ZgotmplZ" link.
func linkURL(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}

// anchors hands out unique, URL-friendly element ids.
type anchors map[string]bool

func (a anchors) make(prefix, s string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			b.WriteByte(c)
		} else if c == '/' {
			b.WriteByte('.') // html/template would percent-encode a slash in href="#..."
		} else {
			b.WriteByte('_')
		}
	}
	base := b.String()
	id := base
	for n := 2; a[id]; n++ {
		id = fmt.Sprintf("%s~%d", base, n)
	}
	a[id] = true
	return id
}

type htmlArea struct {
	Area   string
	Anchor string
	Totals []statusCount
	Checks []htmlCheck
}

type reportPage struct {
	Title       string
	Server      string
	Target      Target
	Command     string
	Started     string
	Duration    string
	Tool        string
	Catalog     string
	Host        string
	Verdict     string
	Passed      bool
	Interrupted bool
	Aborted     string
	Count       int
	WorkerModel string
	RTT         string
	RTTNote     string
	Caps        []htmlCapability
	Baseline    *htmlBaseline
	Desyncs     []htmlDesync
	Attacks     []reportAttack

	VerdictWord, VerdictDetail string
	Totals                     []statusCount
	Areas                      []htmlArea
	Log                        []segment
	LogLines                   int
	LogTail                    []segment // the end of a long log, after LogSkipped bytes left out
	LogSkipped                 int
	Data                       reportData
}

// reportData is the machine-readable summary embedded in the page as
// <script type="application/json" id="conform-data">.
type reportData struct {
	Schema        int           `json:"schema"`
	Target        string        `json:"target"`
	Server        string        `json:"server"`
	ServerVersion string        `json:"server_version"`
	Verdict       string        `json:"verdict"`
	Passed        bool          `json:"passed"`
	Checks        int           `json:"checks"`
	Totals        Totals        `json:"totals"`
	Areas         []areaData    `json:"areas"`
	Results       []resultBrief `json:"results"`
}

type areaData struct {
	Area   string `json:"area"`
	Totals Totals `json:"totals"`
}

type resultBrief struct {
	ID     string `json:"id"`
	Area   string `json:"area"`
	Level  string `json:"level"`
	Status string `json:"status"`
}

func newReportPage(r *Report) reportPage {
	p := reportPage{
		Server:      clean(serverName(r.Target), false),
		Target:      r.Target,
		Command:     clean(strings.Join(r.Target.Command, " "), false),
		Duration:    humanDuration(time.Duration(r.Duration)),
		Tool:        clean(strings.TrimSpace("conform "+r.ToolVersion), false),
		Catalog:     clean(r.CatalogVersion, false),
		Host:        clean(r.Environment.Host, false),
		Verdict:     r.Verdict(),
		Passed:      r.passed(),
		Interrupted: r.Interrupted,
		Aborted:     clean(r.Aborted, false),
		Count:       len(r.Results),
		Totals:      statusCounts(r.Totals),
		WorkerModel: clean(r.Target.WorkerModel, false),
		RTTNote:     rttNote(r),
	}
	if r.Environment.RTT > 0 {
		p.RTT = humanDuration(rttDuration(r.Environment.RTT))
	}
	p.Target.Addr = clean(p.Target.Addr, false)
	p.Target.Python = clean(p.Target.Python, false)
	p.Title = "conform: " + p.Server
	p.VerdictWord, p.VerdictDetail, _ = strings.Cut(p.Verdict, ": ")
	if !r.Started.IsZero() {
		p.Started = r.Started.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	p.Data = reportData{
		Schema: SchemaVersion, Target: r.Target.Addr, Server: r.Target.Server, ServerVersion: r.Target.ServerVersion,
		Verdict: p.Verdict, Passed: p.Passed, Checks: len(r.Results), Totals: r.Totals,
		Areas: []areaData{}, Results: []resultBrief{},
	}
	ids := anchors{}
	anchorOf := map[string]string{}
	for _, g := range groupByArea(r.Results) {
		a := htmlArea{Area: areaLabel(clean(g.Area, false)), Totals: statusCounts(g.Totals)}
		a.Anchor = ids.make("area-", a.Area)
		for _, res := range g.Results {
			anchor := ids.make("c-", res.ID)
			if _, ok := anchorOf[res.ID]; !ok {
				anchorOf[res.ID] = anchor
			}
			hc := newHTMLCheck(res, anchor, r.Target)
			hc.Regression = r.Baseline != nil && isRegression(r.Baseline, res.ID)
			a.Checks = append(a.Checks, hc)
			p.Data.Results = append(p.Data.Results, resultBrief{res.ID, res.Area, res.Level, res.Status})
		}
		p.Areas = append(p.Areas, a)
		p.Data.Areas = append(p.Data.Areas, areaData{g.Area, g.Totals})
	}
	if caps := Capabilities(r); anyTested(caps) {
		for _, c := range caps {
			p.Caps = append(p.Caps, htmlCapability{Name: c.Name, Value: clean(c.Value, false), Status: c.Status, Check: clean(c.Check, false), Anchor: anchorOf[c.Check]})
		}
	}
	if b := r.Baseline; b != nil {
		hb := &htmlBaseline{File: clean(b.File, false), Known: b.Known}
		conv := func(cs []Change) []htmlChange {
			var out []htmlChange
			for _, c := range cs {
				out = append(out, htmlChange{ID: clean(c.ID, false), Was: clean(c.Was, false), Now: clean(c.Now, false), Reason: clean(c.Reason, false), Anchor: anchorOf[c.ID]})
			}
			return out
		}
		hb.Regressions, hb.Fixed, hb.Improved = conv(b.Regressions), conv(b.Fixed), conv(b.Improved)
		for _, w := range b.Warnings {
			hb.Warnings = append(hb.Warnings, clean(w, false))
		}
		p.Baseline = hb
	}
	for _, a := range r.Attacks {
		p.Attacks = append(p.Attacks, reportAttack{Name: clean(a.Name, false), Confirmed: a.Confirmed, Why: clean(a.Why, false)})
	}
	for _, d := range r.Desyncs {
		hd := htmlDesync{Conn: d.Conn, Meant: d.Meant, Served: d.Served, Why: clean(d.Why, false),
			Forwarded: visibleSegments(d.Forwarded[:min(len(d.Forwarded), desyncShown)]),
			Returned:  visibleSegments(d.Returned[:min(len(d.Returned), desyncShown)])}
		if d.Confirmed {
			hd.Attack = clean(d.Attack, false)
			hd.Sent = visibleSegments(d.Sent[:min(len(d.Sent), desyncShown)])
			hd.Victim = visibleSegments(d.Victim[:min(len(d.Victim), desyncShown)])
		}
		for _, id := range d.Checks {
			hd.Checks = append(hd.Checks, htmlChange{ID: clean(id, false), Anchor: anchorOf[id]})
		}
		p.Desyncs = append(p.Desyncs, hd)
	}
	if log := r.Target.Log; log != "" {
		p.LogLines = strings.Count(strings.TrimRight(log, "\n"), "\n") + 1
		head, tail, skipped := logExcerpt(log)
		p.Log, p.LogSkipped = visibleSegments([]byte(head)), skipped
		if skipped > 0 {
			p.LogTail = visibleSegments([]byte(tail))
		}
	}
	return p
}

// A server that logs every request in JSON (twisted) writes hundreds of kilobytes in one
// run: the page shows the start of a long log, where a server that did not come up says
// why, and its end, where the last check's trouble is; the JSON report has all of it.
const (
	htmlLogHead = 8 << 10
	htmlLogTail = 24 << 10
)

// logExcerpt is log cut, at line ends, to its first htmlLogHead and last htmlLogTail
// bytes, and how many bytes lie between.
func logExcerpt(log string) (head, tail string, skipped int) {
	if len(log) <= htmlLogHead+htmlLogTail {
		return log, "", 0
	}
	head = log[:htmlLogHead]
	if i := strings.LastIndexByte(head, '\n'); i > 0 {
		head = head[:i+1]
	}
	tail = log[len(log)-htmlLogTail:]
	if i := strings.IndexByte(tail, '\n'); i >= 0 && i < len(tail)-1 {
		tail = tail[i+1:]
	}
	return head, tail, len(log) - len(head) - len(tail)
}

// WriteHTML writes r as one self-contained HTML page: a header with the target, server,
// date, duration and totals (the totals are filter chips), filters by status and area and
// a search box, a section per area with a compact row per check, and the evidence of
// each check collapsed under it: the raw bytes made visible (each message's head and the
// start of its body; the JSON report has every byte) and a shell one-liner to replay each
// request. The URL fragment holds the filter state (#status=fail,warn&area=framing&q=
// chunk), so a filtered view can be linked.
func WriteHTML(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	if err := htmlTemplates.ExecuteTemplate(bw, "report.tmpl", newReportPage(r)); err != nil {
		return err
	}
	return bw.Flush()
}
