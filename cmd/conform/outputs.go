package main

import (
	"fmt"

	"github.com/conform-wsgi/conform/reports"
	"github.com/conform-wsgi/conform/spec"
)

// stdoutPath is the report path that means standard output.
const stdoutPath = "-"

// reportFlags are a catalog run's report outputs, by flag name.
func (o *runOptions) reportFlags() []struct{ flag, path string } {
	return []struct{ flag, path string }{
		{"--json", o.jsonPath}, {"--junit", o.junitPath}, {"--html", o.htmlPath}, {"--markdown", o.markdownPath},
	}
}

// summaryToStderr is true when a report goes to standard output, which the text summary
// then leaves to it.
func (o *runOptions) summaryToStderr() bool {
	for _, r := range o.reportFlags() {
		if r.path == stdoutPath {
			return true
		}
	}
	return false
}

// checkOutputs fails before any request is sent when a report could not be written after
// the run: at most one report on standard output, every file's directory writable.
func (o *runOptions) checkOutputs() error {
	toStdout := ""
	for _, r := range o.reportFlags() {
		if r.path == "" {
			continue
		}
		if r.path == stdoutPath {
			if toStdout != "" {
				return usagef("%s and %s both write to standard output ('-'); give one of them a file", toStdout, r.flag)
			}
			toStdout = r.flag
			continue
		}
		if err := reports.CheckWritable(r.path); err != nil {
			return usagef("%s %s cannot be written: %v", r.flag, r.path, err)
		}
	}
	if o.reproDir != "" {
		if err := reports.CheckWritableDir(o.reproDir); err != nil {
			return usagef("--repro %s cannot be written: %v", o.reproDir, err)
		}
	}
	return nil
}

// checkOutputFile is checkOutputs for one file flag of another command.
func checkOutputFile(flag, path string) error {
	if path == "" {
		return nil
	}
	if err := reports.CheckWritable(path); err != nil {
		return usagef("%s %s cannot be written: %v", flag, path, err)
	}
	return nil
}

// selectChecks is spec.Select, plus what a typo in a list would hide: an --only pattern
// that selects nothing is an error even when another selects checks, and an unmatched
// --skip pattern is a warning (a baseline or CI line may outlive a check).
func selectChecks(only, skip []string, warn func(string)) ([]*spec.Check, error) {
	checks, err := spec.Select(spec.All(), only, skip)
	if err != nil {
		return nil, usageError{err}
	}
	for _, p := range spec.Unmatched(spec.All(), only) {
		return nil, usagef("--only %q matches no check (see 'conform list')", p)
	}
	for _, p := range spec.Unmatched(spec.All(), skip) {
		warn(fmt.Sprintf("--skip %q matches no check (see 'conform list')", p))
	}
	return checks, nil
}

func warnTo(w interface{ Write([]byte) (int, error) }) func(string) {
	return func(s string) { fmt.Fprintf(w, "conform: %s\n", s) }
}
