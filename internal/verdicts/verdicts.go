// Package verdicts reads and writes the verdict files of the real servers: for one server
// version, every check that does not simply pass, with the server source line that
// explains it. The root package's suite compares a run with them; 'conform matrix
// --write-verdicts' writes them from a run, keeping the reasons already written.
//
// The format is the baseline's line format:
//
//	# server: gunicorn-sync
//	# version: 20.1.0
//	# notes about the installed package (kept on rewrite)
//
//	rfc9112/6.3/content-length-plus  fail  # gunicorn/http/message.py:182-183 (...) parses with int()
//
// Any status but pass may stand on a line. A skip that follows from a prerequisite's line
// (spec.Check.Requires) is implied, not written.
package verdicts

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/conform-wsgi/conform/spec"
)

// Line is one check's expected verdict and why.
type Line struct {
	ID     string
	Status spec.Status
	Reason string
	N      int // line number in the file read; 0 when built
}

// File is one server's verdicts.
type File struct {
	Server, Version string
	Notes           []string // the header's other comment lines, without "# "
	Lines           []Line
}

// Read parses the file at path.
func Read(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// Parse reads a verdict file; errors name the line.
func Parse(r io.Reader) (*File, error) {
	f := &File{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	seen := map[string]int{}
	header := true
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			header = false
			continue
		case strings.HasPrefix(line, "#"):
			text := strings.TrimSpace(strings.TrimPrefix(line, "#"))
			if v, ok := strings.CutPrefix(text, "server:"); ok {
				f.Server = strings.TrimSpace(v)
			} else if v, ok := strings.CutPrefix(text, "version:"); ok {
				f.Version = strings.TrimSpace(v)
			} else if header {
				f.Notes = append(f.Notes, text)
			}
			continue
		}
		header = false
		body, reason, _ := strings.Cut(line, "#")
		fields := strings.Fields(body)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want \"ID STATUS # reason\", got %q", n, line)
		}
		st := spec.Status(fields[1])
		if !validStatus(st) {
			return nil, fmt.Errorf("line %d: status %q is not one of fail, warn, error, flaky, info, skip", n, fields[1])
		}
		if prev, dup := seen[fields[0]]; dup {
			return nil, fmt.Errorf("line %d: %s is listed again (first on line %d)", n, fields[0], prev)
		}
		seen[fields[0]] = n
		f.Lines = append(f.Lines, Line{ID: fields[0], Status: st, Reason: strings.TrimSpace(reason), N: n})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if f.Server == "" {
		return nil, fmt.Errorf("no \"# server:\" line")
	}
	return f, nil
}

func validStatus(s spec.Status) bool {
	switch s {
	case spec.Fail, spec.Warn, spec.Error, spec.Flaky, spec.Info, spec.Skip:
		return true
	}
	return false
}

// Expected returns every check's expected status: its line's, else a skip when a
// prerequisite is expected not to pass (as spec.Run skips it), else pass.
func (f *File) Expected(checks []*spec.Check) map[string]spec.Status {
	listed := map[string]spec.Status{}
	for _, l := range f.Lines {
		listed[l.ID] = l.Status
	}
	out := map[string]spec.Status{}
	for _, c := range spec.Ordered(checks) {
		if st, ok := listed[c.ID]; ok {
			out[c.ID] = st
			continue
		}
		out[c.ID] = spec.Pass
		if implied(c, out) {
			out[c.ID] = spec.Skip
		}
	}
	return out
}

// implied reports whether spec.Run skips c when its prerequisites end as in done.
func implied(c *spec.Check, done map[string]spec.Status) bool {
	for _, id := range c.Requires {
		if st, ok := done[id]; ok && st != spec.Pass {
			return true
		}
	}
	return false
}

// Reason returns the line's reason for id, if listed.
func (f *File) Reason(id string) (Line, bool) {
	for _, l := range f.Lines {
		if l.ID == id {
			return l, true
		}
	}
	return Line{}, false
}

// sourceLine is what a reason must point at: a file of the server and a line in it.
var sourceLine = regexp.MustCompile(`[A-Za-z0-9_./-]+\.(py|c|h|conf|pyx):[0-9]+`)

// HasSourceLine reports whether a reason names a source file and line.
func HasSourceLine(reason string) bool { return sourceLine.MatchString(reason) }

// FromRun builds the file for a run's statuses: a line for each check that does not pass
// and whose skip is not implied, with the reason keep gives it when keep lists the same
// status. Checks whose line would have no reason are returned as missing, and no file.
func FromRun(server, version string, statuses map[string]spec.Status, checks []*spec.Check, keep *File) (*File, []Line) {
	f := &File{Server: server, Version: version}
	if keep != nil {
		f.Notes = keep.Notes
	}
	var missing []Line
	done := map[string]spec.Status{}
	for _, c := range spec.Ordered(checks) {
		st, ok := statuses[c.ID]
		if !ok {
			continue
		}
		done[c.ID] = st
		if st == spec.Pass || (st == spec.Skip && implied(c, done)) {
			continue
		}
		l := Line{ID: c.ID, Status: st}
		if keep != nil {
			if old, ok := keep.Reason(c.ID); ok && old.Status == st {
				l.Reason = old.Reason
			}
		}
		if l.Reason == "" {
			missing = append(missing, l)
			continue
		}
		f.Lines = append(f.Lines, l)
	}
	sort.Slice(f.Lines, func(i, j int) bool { return f.Lines[i].ID < f.Lines[j].ID })
	if len(missing) > 0 {
		return nil, missing
	}
	return f, nil
}

// idWidth keeps the status column still as lines come and go.
const idWidth = 56

// Write writes f in the file format, lines sorted by ID.
func (f *File) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# server: %s\n# version: %s\n", f.Server, f.Version)
	for _, n := range f.Notes {
		fmt.Fprintf(bw, "# %s\n", n)
	}
	fmt.Fprintln(bw)
	lines := append([]Line(nil), f.Lines...)
	sort.Slice(lines, func(i, j int) bool { return lines[i].ID < lines[j].ID })
	for _, l := range lines {
		fmt.Fprintf(bw, "%-*s  %-5s  # %s\n", idWidth, l.ID, l.Status, l.Reason)
	}
	return bw.Flush()
}
