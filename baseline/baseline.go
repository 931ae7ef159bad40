// Package baseline reads, writes and applies baseline files: the checks known not to pass
// on one target, so that CI fails only on what changed.
//
// A baseline is a text file, one line per check that does not pass, sorted by ID:
//
//	# conform baseline ... (a header of comments, see Header)
//	# catalog: 2026.11.1
//	# target: gunicorn-sync 23.0.0 (sync workers)
//
//	pep3333/start-response/second-call-without-exc-info     fail   # upstream issue #123
//	rfc9112/7.1/chunk-size-sign                              warn   # a chunk size with a sign (+5) is rejected
//
// Each line is "ID STATUS" and an optional "# reason or link"; STATUS is warn, fail, error
// or flaky. Blank lines and lines starting with # are comments. A check that is not listed
// is expected to pass. The file is meant to be diffed and edited by hand: the columns do
// not depend on what else is listed, and a rewrite keeps the reasons already written.
package baseline

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/conform-wsgi/conform/reports"
	"github.com/conform-wsgi/conform/spec"
)

// Statuses a baseline line can give, in the order of the file format's documentation.
var Statuses = []string{string(spec.Warn), string(spec.Fail), string(spec.Error), string(spec.Flaky)}

// Entry is one line of a baseline.
type Entry struct {
	ID     string // as written: possibly an old ID (an alias) of a renamed check
	Status string
	Reason string
	Line   int // 1-based line number in the file it was read from; 0 when built
}

// File is a baseline.
type File struct {
	// Catalog and Target come from the "# catalog:" and "# target:" header lines.
	Catalog string
	Target  string
	Entries []Entry
}

// Header explains the format at the top of every written file.
const Header = `# conform baseline: the checks known not to pass on one target.
#
# One line per check that does not pass, sorted by ID:
#     ID  STATUS  # reason or link
# STATUS is warn, fail, error or flaky. A check that is not listed is expected to pass.
# 'conform --baseline FILE' fails only on regressions, checks worse than their line:
# pass -> warn or fail, warn -> fail, anything -> error unless the line says error.
# A check listed here that now passes is reported, to be removed. Edit by hand (blank
# lines and # comments are ignored) or rewrite with 'conform baseline write FILE', which
# keeps the reasons written here.
#
`

// idWidth is the column the status starts at: wide enough for every ID in the catalog,
// and fixed, so adding a line never re-indents the others.
const idWidth = 56

// Parse reads a baseline. Errors name the line.
func Parse(r io.Reader) (*File, error) {
	f := &File{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	seen := map[string]int{}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			body := strings.TrimSpace(strings.TrimPrefix(line, "#"))
			if v, ok := strings.CutPrefix(body, "catalog:"); ok && f.Catalog == "" {
				f.Catalog = strings.TrimSpace(v)
			} else if v, ok := strings.CutPrefix(body, "target:"); ok && f.Target == "" {
				f.Target = strings.TrimSpace(v)
			}
			continue
		}
		fields, reason, _ := strings.Cut(line, "#")
		parts := strings.Fields(fields)
		switch {
		case len(parts) == 1:
			return nil, fmt.Errorf("line %d: %q has no status (want \"ID STATUS  # reason\", STATUS one of %s)", n, parts[0], strings.Join(Statuses, ", "))
		case len(parts) > 2:
			return nil, fmt.Errorf("line %d: %q: want \"ID STATUS  # reason\" (start the reason with #)", n, strings.TrimSpace(fields))
		}
		id, status := parts[0], strings.ToLower(parts[1])
		if !valid(status) {
			return nil, fmt.Errorf("line %d: %s: status %q is not one of %s", n, id, parts[1], strings.Join(Statuses, ", "))
		}
		if prev, dup := seen[id]; dup {
			return nil, fmt.Errorf("line %d: %s is already listed on line %d", n, id, prev)
		}
		seen[id] = n
		f.Entries = append(f.Entries, Entry{ID: id, Status: status, Reason: strings.TrimSpace(reason), Line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return f, nil
}

func valid(status string) bool {
	for _, s := range Statuses {
		if s == status {
			return true
		}
	}
	return false
}

// Read parses the baseline file at path.
func Read(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Write writes the file: Header, the catalog and target lines, and one line per entry
// sorted by ID.
func (f *File) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(Header)
	fmt.Fprintf(bw, "# catalog: %s\n", oneLine(f.Catalog))
	fmt.Fprintf(bw, "# target: %s\n", oneLine(f.Target))
	entries := append([]Entry(nil), f.Entries...)
	sort.Slice(entries, func(i, j int) bool { return entries[i].ID < entries[j].ID })
	if len(entries) > 0 {
		bw.WriteString("\n")
	}
	for _, e := range entries {
		line := fmt.Sprintf("%-*s  %-5s", idWidth, e.ID, e.Status)
		if r := oneLine(e.Reason); r != "" {
			line += "  # " + r
		}
		bw.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return bw.Flush()
}

// oneLine keeps text on one line of the file.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)), " ")
}

// canonical resolves an ID or alias to the check's current ID; ok is false for an ID the
// catalog does not know.
func canonical(id string) (string, bool) {
	if c, ok := spec.Lookup(id); ok {
		return c.ID, true
	}
	return id, false
}

// FromReport builds the baseline of a report: one entry per warn, fail, error or flaky
// result. An entry keeps the reason that keep (the file being rewritten, or nil) gives
// the same check; a new one gets the check's title.
func FromReport(r *reports.Report, keep *File) (*File, error) {
	if r.Interrupted {
		return nil, fmt.Errorf("the run was interrupted: a baseline of a partial run would expect every check it did not run to pass")
	}
	if r.Aborted != "" {
		return nil, fmt.Errorf("the run was cut short (%s): a baseline of a partial run would expect every check it did not run to pass", r.Aborted)
	}
	reasons := map[string]string{}
	if keep != nil {
		for _, e := range keep.Entries {
			id, _ := canonical(e.ID)
			reasons[id] = e.Reason
		}
	}
	f := &File{Catalog: r.CatalogVersion, Target: describeTarget(r.Target)}
	seen := map[string]bool{}
	for _, res := range r.Results {
		if !valid(res.Status) {
			continue
		}
		id, _ := canonical(res.ID)
		if seen[id] {
			continue
		}
		seen[id] = true
		reason, ok := reasons[id]
		if !ok {
			reason = res.Title
		}
		f.Entries = append(f.Entries, Entry{ID: id, Status: res.Status, Reason: reason})
	}
	return f, nil
}

// describeTarget names the target for the header: the known server and its version and
// worker model (not its address, a free port that changes every run), or the address the
// user gave.
func describeTarget(t reports.Target) string {
	if t.Server == "" {
		return t.Addr
	}
	s := strings.TrimSpace(t.Server + " " + t.ServerVersion)
	if t.WorkerModel != "" {
		s += " (" + t.WorkerModel + ")"
	}
	return s
}

// rank orders the statuses a check can get worse through.
var rank = map[string]int{"pass": 0, "info": 0, "skip": 0, "warn": 1, "fail": 2}

// covered says whether a check now at status now is accounted for by a baseline that
// lists it as was ("" when it is not listed: expected to pass).
func covered(now, was string) bool {
	switch {
	case now == string(spec.Error):
		return was == string(spec.Error) // an error is new unless the baseline expects one
	case was == string(spec.Flaky):
		return true // a check whose timing is unreliable here: any verdict is expected
	case now == string(spec.Flaky):
		return was != ""
	case was == string(spec.Error):
		return rank[now] == 0
	}
	return rank[now] <= rank[was]
}

// DefaultFailOn is what a run against a baseline fails on unless --fail-on says
// otherwise: any new failure, warning or error, since the baseline absorbs the known ones.
var DefaultFailOn = []string{string(spec.Fail), string(spec.Warn), string(spec.Error)}

// Compare compares a report with the baseline read from path, sets every result's
// Baseline field to the status its line gives, and returns the comparison (which the
// caller stores in r.Baseline). A check regresses when its status is one of failOn
// (DefaultFailOn when empty) and its line, or its absence, does not account for it.
// Lines naming a check the catalog does not know are warned about and ignored; lines
// naming a renamed check by its old ID apply to it.
func Compare(f *File, path string, r *reports.Report, failOn []string) *reports.BaselineComparison {
	if len(failOn) == 0 {
		failOn = DefaultFailOn
	}
	counts := map[string]bool{}
	for _, s := range failOn {
		counts[s] = true
	}
	cmp := &reports.BaselineComparison{File: path, Catalog: f.Catalog, Regressions: []reports.Change{}, Fixed: []reports.Change{}}
	if f.Catalog != "" && r.CatalogVersion != "" && f.Catalog != r.CatalogVersion {
		cmp.Warnings = append(cmp.Warnings, fmt.Sprintf("the baseline was written for catalog %s; this run uses catalog %s (renamed checks are followed by their old IDs)", f.Catalog, r.CatalogVersion))
	}
	listed := map[string]Entry{}
	for _, e := range f.Entries {
		id, known := canonical(e.ID)
		switch {
		case !known:
			cmp.Warnings = append(cmp.Warnings, fmt.Sprintf("line %d: unknown check ID %s (removed from the catalog?); ignored", e.Line, e.ID))
			continue
		case id != e.ID:
			cmp.Warnings = append(cmp.Warnings, fmt.Sprintf("line %d: %s is now called %s; the line applies to it ('conform baseline write' updates the ID)", e.Line, e.ID, id))
		}
		if prev, dup := listed[id]; dup {
			cmp.Warnings = append(cmp.Warnings, fmt.Sprintf("line %d: %s is listed again (as %s on line %d); the first line applies", e.Line, id, prev.ID, prev.Line))
			continue
		}
		listed[id] = e
	}
	for i := range r.Results {
		res := &r.Results[i]
		id, _ := canonical(res.ID)
		e, isListed := listed[id]
		was, now := "", res.Status
		if isListed {
			was = e.Status
			res.Baseline = was
		}
		ch := reports.Change{ID: res.ID, Was: orPass(was), Now: now, Reason: e.Reason}
		switch {
		case counts[now] && !covered(now, was):
			cmp.Regressions = append(cmp.Regressions, ch)
		case was != "" && now == string(spec.Pass):
			cmp.Fixed = append(cmp.Fixed, ch)
		case was != "" && was != string(spec.Flaky) && now != was && now != string(spec.Skip) && now != string(spec.Error) && covered(now, was):
			cmp.Improved = append(cmp.Improved, ch)
		}
		if was != "" && reports.NeedsRepro(now) && covered(now, was) {
			cmp.Known++
		}
	}
	for _, l := range [][]reports.Change{cmp.Regressions, cmp.Fixed, cmp.Improved} {
		sort.Slice(l, func(i, j int) bool { return l[i].ID < l[j].ID })
	}
	return cmp
}

func orPass(s string) string {
	if s == "" {
		return string(spec.Pass)
	}
	return s
}
