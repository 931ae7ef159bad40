package reports

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Matrix compares several reports, typically one per server, run with the same catalog.
type Matrix struct {
	Reports []*Report
}

type matrixServer struct {
	Index   int
	Name    string
	Addr    string
	Anchor  string
	Report  *Report
	Totals  []statusCount
	Verdict string
	Passed  bool
	Checks  []htmlCheck // this server's results, in row order, for the evidence section
}

type matrixCell struct {
	Status  string
	Message string
	Anchor  string // of the evidence for this server and check; "" when not run
}

type matrixRow struct {
	ID       string
	Title    string
	Area     string
	Level    string
	Spec     string
	SpecURL  string
	Search   string
	Cells    []matrixCell
	Disagree bool
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
	names := map[string]int{}
	for _, r := range reports {
		names[clean(serverName(r.Target), false)]++
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
		g.Servers = append(g.Servers, matrixServer{
			Index: i, Name: name, Addr: clean(r.Target.Addr, false), Report: r,
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
		row.Search = strings.ToLower(row.ID + " " + row.Title + " " + row.Spec)
		seen := map[string]bool{}
		for i := range reports {
			res, ok := byServer[i][id]
			if !ok {
				row.Cells = append(row.Cells, matrixCell{})
				continue
			}
			anchor := ids.make(fmt.Sprintf("e-%d-", i+1), id)
			st := clean(res.Status, false)
			msg := clean(res.Message, true)
			row.Cells = append(row.Cells, matrixCell{Status: st, Message: msg, Anchor: anchor})
			seen[st] = true
			g.Servers[i].Checks = append(g.Servers[i].Checks, newHTMLCheck(res, anchor, reports[i].Target.Addr))
		}
		row.Disagree = len(seen) > 1
		if row.Disagree {
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
	Caps      []matrixCapRow
}

// matrixCapRow is one capability across the servers.
type matrixCapRow struct {
	Name  string
	Cells []Capability
}

// matrixData is the machine-readable summary embedded in the matrix page.
type matrixData struct {
	Servers  []matrixServerData `json:"servers"`
	Checks   int                `json:"checks"`
	Disagree []string           `json:"disagree"`
}

type matrixServerData struct {
	Name   string            `json:"name"`
	Target string            `json:"target"`
	Passed bool              `json:"passed"`
	Totals Totals            `json:"totals"`
	Status map[string]string `json:"status"`
}

// WriteMatrixHTML writes the comparison as one self-contained HTML page: totals per server
// at the top, a "Where servers disagree" table, then every check (grouped by area) down
// and the servers across, one coloured cell per verdict. A cell's tooltip is the message
// and it links to that server's evidence for that check, further down the same page.
func WriteMatrixHTML(w io.Writer, m *Matrix) error {
	g := m.grid()
	p := matrixPage{
		Title:    fmt.Sprintf("conform matrix: %d servers", len(g.Servers)),
		Servers:  g.Servers,
		Statuses: Statuses,
		Count:    len(g.Rows),
		Data:     matrixData{Servers: []matrixServerData{}, Checks: len(g.Rows), Disagree: []string{}},
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
			d.Status[res.ID] = res.Status
		}
		p.Data.Servers = append(p.Data.Servers, d)
	}
	if !latest.IsZero() {
		p.Generated = latest.UTC().Format("2006-01-02 15:04 UTC")
	}
	tested := false
	perServer := make([][]Capability, len(g.Servers))
	for i, s := range g.Servers {
		perServer[i] = Capabilities(s.Report)
		tested = tested || anyTested(perServer[i])
	}
	if tested {
		for k, name := range CapabilityNames {
			row := matrixCapRow{Name: name}
			for i := range g.Servers {
				c := perServer[i][k]
				c.Value, c.Short = clean(c.Value, false), clean(c.Short, false)
				row.Cells = append(row.Cells, c)
			}
			p.Caps = append(p.Caps, row)
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
