package main

import (
	"fmt"
	"io"
	"time"

	"github.com/conform-wsgi/conform/spec"
)

// progress shows a long run moving: one rewritten line on a terminal, a line every few
// seconds in a CI log, a line per check with --verbose.
type progress struct {
	w        io.Writer
	total    int
	tty      bool
	verbose  bool
	quiet    bool
	last     time.Time
	start    time.Time
	counts   map[spec.Status]int
	lastLine int
}

func newProgress(w io.Writer, total int, verbose, quiet bool) *progress {
	return &progress{w: w, total: total, tty: isTerminal(w), verbose: verbose, quiet: quiet, start: time.Now(), last: time.Now(), counts: map[spec.Status]int{}}
}

func (p *progress) update(done, total int, r *spec.Result) {
	p.counts[r.Status]++
	if p.quiet {
		return
	}
	switch {
	case p.verbose:
		fmt.Fprintf(p.w, "[%3d/%d] %-5s %s (%v)\n", done, total, r.Status, r.Check.ID, r.Duration.Round(time.Millisecond))
	case p.tty:
		line := fmt.Sprintf("\r[%d/%d] %s  fail %d  warn %d%s  %s", done, total, time.Since(p.start).Round(100*time.Millisecond), p.counts[spec.Fail], p.counts[spec.Warn], p.flaky(), clip(r.Check.ID, 50))
		pad := p.lastLine - len(line)
		p.lastLine = len(line)
		if pad > 0 {
			line += fmt.Sprintf("%*s", pad, "")
		}
		fmt.Fprint(p.w, line)
	case time.Since(p.last) > 5*time.Second:
		p.last = time.Now()
		fmt.Fprintf(p.w, "conform: %d/%d checks done (%d fail, %d warn%s) after %s\n", done, total, p.counts[spec.Fail], p.counts[spec.Warn], p.flakyCount(), time.Since(p.start).Round(time.Second))
	}
}

// flakyCount is ", N flaky" once a check was flaky, else "".
func (p *progress) flakyCount() string {
	if n := p.counts[spec.Flaky]; n > 0 {
		return fmt.Sprintf(", %d flaky", n)
	}
	return ""
}

// flaky is "  flaky N" once a check was flaky, else "".
func (p *progress) flaky() string {
	if n := p.counts[spec.Flaky]; n > 0 {
		return fmt.Sprintf("  flaky %d", n)
	}
	return ""
}

func (p *progress) done() {
	if p.tty && !p.verbose && !p.quiet {
		fmt.Fprintf(p.w, "\r%*s\r", p.lastLine, "")
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}
