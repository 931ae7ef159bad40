package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/conform-wsgi/conform/internal/wire"
	"github.com/conform-wsgi/conform/reports"
	"github.com/conform-wsgi/conform/spec"
)

// Version is conform's version, set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

type runOptions struct {
	target       string
	server       string
	only, skip   []string
	jsonPath     string
	junitPath    string
	htmlPath     string
	markdownPath string
	checkTimeout time.Duration
	scale        float64
	verbose      bool
	quiet        bool
	noColor      bool
}

func (o *runOptions) bind(c *cobra.Command) {
	f := c.Flags()
	f.StringVarP(&o.target, "target", "t", "", "HOST:PORT of a running server hosting probe.py")
	if c.Name() != "run" {
		f.StringVarP(&o.server, "server", "s", "", "start this known server with the probe and test it ('conform servers' lists them)")
	}
	f.StringSliceVar(&o.only, "only", nil, "run only checks matching these ID globs, ID prefixes or areas (comma-separated or repeated)")
	f.StringSliceVar(&o.skip, "skip", nil, "skip checks matching these ID globs, ID prefixes or areas")
	f.StringVar(&o.jsonPath, "json", "", "write the JSON report to this file")
	f.StringVar(&o.junitPath, "junit", "", "write a JUnit XML report to this file")
	f.StringVar(&o.htmlPath, "html", "", "write a self-contained HTML report to this file")
	f.StringVar(&o.markdownPath, "markdown", "", "write a Markdown summary to this file (for CI job summaries)")
	f.DurationVar(&o.checkTimeout, "timeout", 30*time.Second, "time limit for one check")
	f.Float64Var(&o.scale, "timeout-scale", 1, "stretch every delay, threshold and timeout by this factor (slow CI machines)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "also list info results, and print each check as it finishes")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the final verdict line")
	f.BoolVar(&o.noColor, "no-color", false, "disable ANSI colours")
}

func (o *runOptions) validate() error {
	if o.target == "" {
		return usagef("no target: give --target HOST:PORT (a running server hosting probe.py) or --server NAME")
	}
	if _, _, err := net.SplitHostPort(o.target); err != nil {
		return usagef("--target %q is not HOST:PORT: %v", o.target, err)
	}
	if o.scale <= 0 || o.scale > 100 {
		return usagef("--timeout-scale must be in (0, 100], got %g", o.scale)
	}
	if o.checkTimeout <= 0 {
		return usagef("--timeout must be positive, got %v", o.checkTimeout)
	}
	if o.verbose && o.quiet {
		return usagef("--verbose and --quiet contradict each other")
	}
	return nil
}

func runCatalog(ctx context.Context, o *runOptions, stdout, stderr io.Writer) error {
	if err := o.validate(); err != nil {
		return err
	}
	checks, err := spec.Select(spec.All(), o.only, o.skip)
	if err != nil {
		return usageError{err}
	}
	t := spec.NewTarget(o.target)
	t.Scale = o.scale
	pctx, cancel := context.WithTimeout(ctx, t.ScaleDuration(15*time.Second))
	echo, err := spec.Preflight(pctx, t)
	cancel()
	if err != nil {
		if errors.Is(err, wire.ErrUnreachable) {
			return fmt.Errorf("%v (is the server running?)", err)
		}
		return err
	}
	info := reports.Target{Addr: o.target, Python: echo.Python, ProbeVersion: echo.Version}
	rep := runAndReport(ctx, t, checks, info, o, stderr)
	return finish(rep, o, stdout)
}

// runAndReport runs the checks with progress on stderr and returns the report, complete or,
// when interrupted, partial.
func runAndReport(ctx context.Context, t *spec.Target, checks []*spec.Check, info reports.Target, o *runOptions, stderr io.Writer) *reports.Report {
	started := time.Now()
	p := newProgress(stderr, len(checks), o.verbose, o.quiet)
	results := spec.Run(ctx, t, checks, spec.RunOptions{CheckTimeout: o.checkTimeout, Progress: p.update})
	p.done()
	rep := reports.New(info, started, results)
	rep.ToolVersion = Version
	rep.CatalogVersion = spec.CatalogVersion
	rep.Duration = reports.Duration(time.Since(started))
	rep.Interrupted = ctx.Err() != nil
	host, _ := os.Hostname()
	rep.Environment = reports.Environment{Host: host, GoVersion: runtime.Version(), Scale: o.scale}
	return rep
}

// finish writes every requested report (all of them, even when one fails) and decides the
// exit status.
func finish(rep *reports.Report, o *runOptions, stdout io.Writer) error {
	var errs []string
	write := func(path string, render func(io.Writer) error) {
		if path == "" {
			return
		}
		if err := reports.WriteFileAtomic(path, render); err != nil {
			errs = append(errs, fmt.Sprintf("write %s: %v", path, err))
		}
	}
	write(o.jsonPath, func(w io.Writer) error { return reports.WriteJSON(w, rep) })
	write(o.junitPath, func(w io.Writer) error { return reports.WriteJUnit(w, rep) })
	write(o.htmlPath, func(w io.Writer) error { return reports.WriteHTML(w, rep) })
	write(o.markdownPath, func(w io.Writer) error { return reports.WriteMarkdown(w, rep) })
	if o.quiet {
		fmt.Fprintln(stdout, rep.Verdict())
	} else if err := reports.WriteText(stdout, rep, reports.TextOptions{Color: useColor(stdout, o.noColor), Verbose: o.verbose}); err != nil {
		errs = append(errs, fmt.Sprintf("write summary: %v", err))
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	if rep.Interrupted {
		fmt.Fprintln(stdout, "conform: interrupted; the report covers the checks that ran")
		return exitError{exitFail}
	}
	if rep.Totals.Fail > 0 {
		return exitError{exitFail}
	}
	return nil
}

func useColor(w io.Writer, disabled bool) bool {
	if disabled || os.Getenv("NO_COLOR") != "" {
		return false
	}
	return isTerminal(w)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
