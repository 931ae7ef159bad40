package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/spec"
)

// Matrix compares several reports, typically one per server, run with the same catalog.
type Matrix struct {
	Reports []*Report
}

type matrixServer struct {
	Index   int
	Name    string
	Short   string // the name without the version, for the grid's narrow columns
	Addr    string
	Anchor  string
	Report  *Report
	Totals  []statusCount
	Verdict string
	Passed  bool
	Caps    []matrixCapCell
}

type matrixCell struct {
	Status string
	Tip    string // the start of the message, for the tooltip; the evidence has all of it
	Anchor string // of this server's name in the entry for this check in the evidence section; "" when it passed or did not run
}

type matrixRow struct {
	ID       string
	Title    string
	Area     string
	Level    string
	Spec     string
	SpecURL  string
	Cells    []matrixCell
	Disagree bool
	Groups   []matrixGroup // for the "where servers disagree" table
	Evidence []matrixEntry // the servers that did not pass, those that said the same in one entry
}

// matrixGroup is the servers that reached one status on a check; Others counts them
// instead when they are the many that agree.
type matrixGroup struct {
	Status  string
	Servers []matrixRef
	Others  int
}

type matrixRef struct{ Name, Anchor string }

// splitRow groups a row's servers by status (statuses in report order, unknown ones
// next, "" for not run last), the most common status named last as "the other N" when
// that is shorter.
func splitRow(row matrixRow, servers []matrixServer) []matrixGroup {
	order := append([]string{}, Statuses...)
	byStatus := map[string][]matrixRef{}
	for i, c := range row.Cells {
		if _, seen := byStatus[c.Status]; !seen && c.Status != "" && !slices.Contains(Statuses, c.Status) {
			order = append(order, c.Status)
		}
		byStatus[c.Status] = append(byStatus[c.Status], matrixRef{Name: servers[i].Short, Anchor: c.Anchor})
	}
	order = append(order, "")
	most := ""
	for _, st := range order {
		if len(byStatus[st]) > len(byStatus[most]) {
			most = st
		}
	}
	var out []matrixGroup
	for _, st := range order {
		if refs := byStatus[st]; len(refs) > 0 && !(st == most && len(refs) >= 3) {
			out = append(out, matrixGroup{Status: st, Servers: refs})
		}
	}
	if n := len(byStatus[most]); n >= 3 {
		out = append(out, matrixGroup{Status: most, Others: n})
	}
	return out
}

type matrixGrid struct {
	Servers       []matrixServer
	Rows          []matrixRow
	Disagreements int
}

// grid lines up the reports' results by check ID: a row per check (areas in catalog
// order), a column per report.
func (m *Matrix) grid() matrixGrid {
	var g matrixGrid
	var reports []*Report
	for _, r := range m.Reports {
		if r != nil {
			reports = append(reports, r)
		}
	}
	// Column names, made unique.
	names, servers := map[string]int{}, map[string]int{}
	for _, r := range reports {
		names[clean(serverName(r.Target), false)]++
		servers[clean(stackName(r.Target), false)]++
	}
	used := map[string]bool{}
	ids := anchors{}
	for i, r := range reports {
		name := clean(serverName(r.Target), false)
		if names[name] > 1 && r.Target.Server != "" && r.Target.Addr != "" {
			name += " (" + clean(r.Target.Addr, false) + ")"
		}
		for base, n := name, 2; used[name]; n++ {
			name = fmt.Sprintf("%s #%d", base, n)
		}
		used[name] = true
		short := name
		if s := clean(stackName(r.Target), false); s != "" && servers[s] == 1 {
			short = s
		}
		g.Servers = append(g.Servers, matrixServer{
			Index: i, Name: name, Short: short, Addr: clean(r.Target.Addr, false), Report: r,
			Anchor: ids.make("s-", fmt.Sprint(i+1)), Totals: statusCounts(r.Totals),
			Verdict: r.Verdict(), Passed: r.passed(),
		})
	}

	// Rows: every check ID any report has, areas in catalog order.
	var all []Result
	first := map[string]Result{}
	var order []string
	for _, r := range reports {
		for _, res := range r.Results {
			all = append(all, res)
			if _, ok := first[res.ID]; !ok {
				first[res.ID] = res
				order = append(order, res.ID)
			}
		}
	}
	areaIdx := map[string]int{}
	for i, a := range areaOrder(all) {
		areaIdx[a] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		return areaIdx[first[order[i]].Area] < areaIdx[first[order[j]].Area]
	})
	byServer := make([]map[string]Result, len(reports))
	for i, r := range reports {
		byServer[i] = map[string]Result{}
		for _, res := range r.Results {
			if _, dup := byServer[i][res.ID]; !dup {
				byServer[i][res.ID] = res
			}
		}
	}
	for _, id := range order {
		f := first[id]
		row := matrixRow{
			ID: clean(id, false), Title: clean(f.Title, true), Area: areaLabel(clean(f.Area, false)),
			Level: clean(f.Level, false), Spec: clean(f.Spec, false), SpecURL: linkURL(f.SpecURL),
		}
		seen := map[string]bool{}
		var problems []matrixProblem
		for i := range reports {
			res, ok := byServer[i][id]
			if !ok {
				row.Cells = append(row.Cells, matrixCell{})
				continue
			}
			st := clean(res.Status, false)
			cell := matrixCell{Status: st, Tip: tooltip(clean(res.Message, true))}
			if res.Status != string(spec.Pass) {
				// Short: it is written three times (cell, entry, disagreement table) for
				// each of some 1,300 problems.
				cell.Anchor = ids.make(fmt.Sprintf("e%d-", i+1), fmt.Sprint(len(g.Rows)+1))
				problems = append(problems, matrixProblem{Server: g.Servers[i], Result: res, Anchor: cell.Anchor})
			}
			row.Cells = append(row.Cells, cell)
			seen[st] = true
		}
		row.Evidence = matrixEntries(problems)
		row.Disagree = len(seen) > 1
		if row.Disagree {
			row.Groups = splitRow(row, g.Servers)
			g.Disagreements++
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

type matrixArea struct {
	Area string
	Rows []matrixRow
}

type matrixPage struct {
	Title     string
	Generated string
	Catalog   string
	Servers   []matrixServer
	Statuses  []string
	Disagree  []matrixRow
	Areas     []matrixArea
	Count     int
	Data      matrixData
	CapNames  [][]string // each capability's name, split where a header may wrap
	RespBytes int
	BodyBytes int
	// Fronts is what each front changed in each server's verdicts, when the matrix ran
	// stacks (--fronts).
	Fronts []htmlFrontEffect
}

// htmlFrontEffect is a FrontEffect for the page, with the stack's desync count.
type htmlFrontEffect struct {
	Server, Front       string
	Removed, Introduced []string
	Desyncs             int
}

// matrixData is the machine-readable summary embedded in the matrix page.
type matrixData struct {
	Servers  []matrixServerData `json:"servers"`
	Checks   int                `json:"checks"`
	Disagree []string           `json:"disagree"`
}

type matrixServerData struct {
	Name   string `json:"name"`
	Target string `json:"target"`
	Passed bool   `json:"passed"`
	Totals Totals `json:"totals"`
	// Status is the status of every check the server ran and did not pass: the grid
	// has the passes, and the JSON report every result.
	Status map[string]string `json:"status"`
}

// matrixCapCell is one server's capability: the value's first words, with the rest (the
// part in parentheses) as Detail.
type matrixCapCell struct {
	Main, Detail, Status, Title string
}

func newMatrixCapCell(c Capability) matrixCapCell {
	v := clean(c.Value, false)
	cell := matrixCapCell{Main: v, Status: c.Status, Title: v + " · " + clean(c.Check, false)}
	if main, detail, ok := strings.Cut(v, " ("); ok && strings.HasSuffix(detail, ")") {
		cell.Main, cell.Detail = main, strings.TrimSuffix(detail, ")")
	}
	return cell
}

// wrapPoints splits a name after each '.' and '_', where a narrow column header may break
// an identifier such as wsgi.input_terminated.
func wrapPoints(s string) []string {
	var out []string
	for {
		i := strings.IndexAny(s, "._")
		if i < 0 || i == len(s)-1 {
			return append(out, s)
		}
		out, s = append(out, s[:i+1]), s[i+1:]
	}
}

// matrixEntry is, for one check, the servers that did not pass it with the same status
// and message, in the matrix's evidence section. Every byte of fifteen servers' evidence
// is megabytes, which a browser takes seconds to open, and servers of one family often
// fail alike: an entry names every server it stands for (each server's cell links to its
// name there) and shows the message once, one repro line for the servers sent the same
// request, and the start of each server's first response; the JSON report has the rest.
type matrixEntry struct {
	Status, Message, Trials string

	Servers []matrixWho

	Repro     string // one server's one-liner, shown once
	ReproBy   string // whose it is, when the entry stands for more than one server
	SameRepro []string
	shape     string // Repro without its server's address: what every server in SameRepro was sent

	Cut bool // whether any response is shown in part
}

// matrixWho is one server in a matrixEntry.
type matrixWho struct {
	Name   string
	Anchor string // the id the server's cell links to

	Repro     string // its own one-liner, when its request differs from the entry's
	ReproNote string // why no repro line is shown

	Bytes    bool      // whether the page shows its first response
	Response []segment // the start of it
	Shown    int       // how many bytes of it the page shows
	RespLen  int       // of the whole first response
	End      string    // how the first connection ended
	Conns    int       // connections the check made
	SameAs   string    // the server in this entry whose shown bytes are the same
}

// matrixProblem is one server's result that did not pass, with its cell's anchor.
type matrixProblem struct {
	Server matrixServer
	Result Result
	Anchor string
}

const (
	// matrixRespBytes is the most of a problem's first response the matrix shows: the
	// status line, the header section and the first matrixBodyBytes of the body.
	matrixRespBytes = 384
	matrixBodyBytes = 96
	// matrixReproMax is the longest repro line the matrix shows.
	matrixReproMax = 2048
	// matrixTipRunes is the longest message a grid cell's tooltip shows.
	matrixTipRunes = 64
)

// matrixEntries groups one check's problems, in column order, by status, message and
// trials.
func matrixEntries(ps []matrixProblem) []matrixEntry {
	var out []matrixEntry
	at := map[string]int{}
	for _, p := range ps {
		res := p.Result
		key := res.Status + "\x00" + res.Message + "\x00" + strings.Join(res.Trials, ",")
		k, ok := at[key]
		if !ok {
			k = len(out)
			at[key] = k
			out = append(out, matrixEntry{
				Status: clean(res.Status, false), Message: clean(res.Message, true),
				Trials: clean(strings.Join(res.Trials, ", "), false),
			})
		}
		out[k].add(p)
	}
	for i := range out {
		if e := &out[i]; len(e.Servers) == 1 {
			e.ReproBy = ""
		}
	}
	return out
}

func (e *matrixEntry) add(p matrixProblem) {
	res, addr := p.Result, p.Server.Report.Target.Addr
	w := matrixWho{Name: p.Server.Short, Anchor: p.Anchor, Conns: len(res.Evidence)}
	switch repro := clean(res.Repro, false); {
	case repro == "":
	case len(repro) > matrixReproMax:
		w.ReproNote = fmt.Sprintf("the %d-byte request's one-liner is \"repro\" in the JSON report", len(res.Request()))
	case e.Repro == "":
		e.Repro, e.ReproBy, e.shape = repro, w.Name, reproShape(res.Repro, addr)
	case reproShape(res.Repro, addr) == e.shape:
		e.SameRepro = append(e.SameRepro, w.Name)
	default:
		w.Repro = repro
	}
	if NeedsRepro(res.Status) && len(res.Evidence) > 0 {
		first := res.Evidence[0]
		shown := first.Response[:headAnd(first.Response, matrixBodyBytes, matrixRespBytes)]
		w.Bytes, w.End, w.RespLen, w.Shown = true, clean(first.End, true), len(first.Response), len(shown)
		for _, o := range e.Servers {
			if len(shown) > 0 && o.Bytes && o.SameAs == "" && sameSegments(o.Response, shown) {
				w.SameAs = o.Name
				break
			}
		}
		if w.SameAs == "" {
			w.Response = visibleSegments(shown)
		}
		e.Cut = e.Cut || len(shown) < w.RespLen || w.Conns > 1
	}
	e.Servers = append(e.Servers, w)
}

// sameSegments reports whether segs are b made visible.
func sameSegments(segs []segment, b []byte) bool {
	var s strings.Builder
	for _, g := range segs {
		s.WriteString(g.Text)
	}
	return s.String() == VisibleBytes(b)
}

// reproShape is a one-liner with its target's address and the run's correlation id taken
// out: what is left is the request, the same for every server a check sent it to.
func reproShape(repro, addr string) string {
	s := strings.TrimSuffix(strings.TrimSuffix(repro, TCPSend(addr)), TLSSend(addr))
	if addr != "" {
		s = strings.ReplaceAll(s, addr, "\x00")
	}
	// The correlation id counts the requests of one run.
	return probes.MaskIDs(s)
}

// headAnd is how much of a message a page shows: the start line, the header section and
// the first body bytes of the body, max bytes at most.
func headAnd(msg []byte, body, max int) int {
	n := len(msg)
	if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		n = min(n, i+4+body)
	}
	return min(n, max)
}

// tooltip is the start of a message, cut at a word, for a grid cell's title: fifteen
// servers' full messages would weigh more than the grid.
func tooltip(msg string) string {
	r := []rune(msg)
	if len(r) <= matrixTipRunes {
		return msg
	}
	cut := string(r[:matrixTipRunes])
	if i := strings.LastIndexAny(cut, " \n"); i > matrixTipRunes/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}

// WriteMatrixHTML writes the comparison as one self-contained HTML page: totals and
// capabilities per server at the top, a "Where servers disagree" table, then every check
// (grouped by area) down and the servers across, one coloured cell per verdict. A cell's
// tooltip is the start of the message; a problem's cell links to that server's evidence
// for that check, further down the same page: the message, a repro line and the first
// bytes of its response (WriteMatrixJSON keeps every byte).
func WriteMatrixHTML(w io.Writer, m *Matrix) error {
	g := m.grid()
	p := matrixPage{
		Title:     fmt.Sprintf("conform matrix: %d servers", len(g.Servers)),
		Servers:   g.Servers,
		Statuses:  Statuses,
		Count:     len(g.Rows),
		RespBytes: matrixRespBytes,
		BodyBytes: matrixBodyBytes,
		Data:      matrixData{Servers: []matrixServerData{}, Checks: len(g.Rows), Disagree: []string{}},
	}
	desyncs := map[string]int{}
	for _, r := range m.Reports {
		if r != nil && r.Target.Front != nil {
			desyncs[r.Target.Server+"+"+r.Target.Front.Name] = len(r.Desyncs)
		}
	}
	for _, e := range FrontEffects(m) {
		ids := func(in []string) []string {
			out := make([]string, len(in))
			for i, id := range in {
				out[i] = clean(id, false)
			}
			return out
		}
		p.Fronts = append(p.Fronts, htmlFrontEffect{Server: clean(e.Server, false), Front: clean(e.Front, false),
			Removed: ids(e.Removed), Introduced: ids(e.Introduced), Desyncs: desyncs[e.Server+"+"+e.Front]})
	}
	var latest time.Time
	for _, s := range g.Servers {
		if s.Report.Started.After(latest) {
			latest = s.Report.Started
		}
		if p.Catalog == "" {
			p.Catalog = clean(s.Report.CatalogVersion, false)
		}
		d := matrixServerData{Name: s.Name, Target: s.Report.Target.Addr, Passed: s.Passed, Totals: s.Report.Totals, Status: map[string]string{}}
		for _, res := range s.Report.Results {
			if res.Status != string(spec.Pass) {
				d.Status[res.ID] = res.Status
			}
		}
		p.Data.Servers = append(p.Data.Servers, d)
	}
	if !latest.IsZero() {
		p.Generated = latest.UTC().Format("2006-01-02 15:04 UTC")
	}
	tested := false
	perServer := make([][]Capability, len(g.Servers))
	for i, srv := range g.Servers {
		perServer[i] = Capabilities(srv.Report)
		tested = tested || anyTested(perServer[i])
	}
	if tested {
		for _, name := range CapabilityNames {
			p.CapNames = append(p.CapNames, wrapPoints(name))
		}
		for i := range p.Servers {
			for _, c := range perServer[i] {
				p.Servers[i].Caps = append(p.Servers[i].Caps, newMatrixCapCell(c))
			}
		}
	}
	for _, row := range g.Rows {
		if row.Disagree {
			p.Disagree = append(p.Disagree, row)
			p.Data.Disagree = append(p.Data.Disagree, row.ID)
		}
		if n := len(p.Areas); n == 0 || p.Areas[n-1].Area != row.Area {
			p.Areas = append(p.Areas, matrixArea{Area: row.Area})
		}
		a := &p.Areas[len(p.Areas)-1]
		a.Rows = append(a.Rows, row)
	}
	bw := bufio.NewWriter(w)
	if err := htmlTemplates.ExecuteTemplate(bw, "matrix.tmpl", p); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteMatrixJSON writes every server's report as a JSON array of reports in the format
// SCHEMA.md documents, evidence and all: the matrix page shows only the start of it.
func WriteMatrixJSON(w io.Writer, m *Matrix) error {
	out := make([]*Report, 0, len(m.Reports))
	for _, r := range m.Reports {
		if r == nil {
			continue
		}
		c := *r
		if c.Schema == 0 {
			c.Schema = SchemaVersion
		}
		if c.Results == nil {
			c.Results = []Result{}
		}
		out = append(out, &c)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return err
	}
	return bw.Flush()
}
