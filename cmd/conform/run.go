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

	"github.com/conform-wsgi/conform/baseline"
	"github.com/conform-wsgi/conform/internal/safetext"
	"github.com/conform-wsgi/conform/reports"
	"github.com/conform-wsgi/conform/spec"
	"github.com/conform-wsgi/conform/wire"
)

// Version is conform's version, set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

// targetEnv names the target when --target is not given, as it does for the Ginkgo suite.
const targetEnv = "CONFORM_TARGET"

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
	failOn       []string
	strict       bool
	baselinePath string
	reproDir     string
	trials       int
	serverPort   int
	jobs         int
	tls          bool
	front        string
	frontConfig  string // --front-config: the file's path, then (validated) its text
	frontText    string

	baseline *baseline.File // parsed --baseline, set by validate
}

func (o *runOptions) bind(c *cobra.Command) {
	f := c.Flags()
	f.StringVarP(&o.target, "target", "t", "", "HOST:PORT of a running server hosting probe.py, or uwsgi://HOST:PORT for a uWSGI --socket reached over its own protocol (default $"+targetEnv+")")
	if c.Name() != "run" {
		f.StringVarP(&o.server, "server", "s", "", "start this known server with the probe and test it ('conform servers' lists them)")
	}
	f.StringSliceVar(&o.only, "only", nil, "run only checks matching these ID globs, ID prefixes or areas (comma-separated or repeated)")
	f.StringSliceVar(&o.skip, "skip", nil, "skip checks matching these ID globs, ID prefixes or areas")
	f.StringVar(&o.jsonPath, "json", "", "write the JSON report to this file ('-': standard output, the summary going to standard error)")
	f.StringVar(&o.junitPath, "junit", "", "write a JUnit XML report to this file ('-': standard output)")
	f.StringVar(&o.htmlPath, "html", "", "write a self-contained HTML report to this file ('-': standard output)")
	f.StringVar(&o.markdownPath, "markdown", "", "write a Markdown summary to this file, for CI job summaries ('-': standard output)")
	f.DurationVar(&o.checkTimeout, "timeout", 30*time.Second, fmt.Sprintf("time limit for one check, at least %v (a check it cuts short is an error, never a verdict on the server)", spec.MinCheckTimeout))
	f.Float64Var(&o.scale, "timeout-scale", 1, "stretch every delay, threshold and timeout by this factor (slow CI machines)")
	if c.Name() != "run" {
		f.IntVar(&o.serverPort, "server-port", 0, "the port the server listens on when --target reaches it through a mapped port (a container's published port): SERVER_PORT must name it, and the Host header does")
	}
	f.StringVar(&o.frontConfig, "front-config", "", "with --front: your own configuration template for the front, instead of the one conform generates ({{hostport}} is where it must listen, {{upstream}} the server's host:port, {{dir}} a private directory; 'conform servers --template FRONT' prints each front's own)")
	f.StringVar(&o.front, "front", "", "put this reverse proxy (nginx, haproxy, apache, varnish, squid: 'conform servers' lists them) before the server conform starts, with a private production-like configuration, and run the catalog through the stack")
	f.BoolVar(&o.tls, "tls", false, "speak HTTPS: every connection is made over TLS, without verifying the server's certificate (servers under test use self-signed ones); with --server, conform starts the server with a self-signed certificate it generates")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "also list info results, and print each check as it finishes")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the final verdict line")
	f.BoolVar(&o.noColor, "no-color", false, "disable ANSI colours")
	f.IntVar(&o.trials, "trials", spec.DefaultTrials, "measure a timing-sensitive check up to this many times when it does not pass; trials that disagree report 'flaky'")
	f.IntVar(&o.jobs, "jobs", 0, fmt.Sprintf("run up to N checks at once, each on its own connections (1: one at a time; 0: measure how many requests the target serves at once and await no more answers than that, with up to %d checks in flight here). Timing and concurrency checks always run alone", spec.JobsCeiling(runtime.NumCPU())))
	if c.Name() == "write" {
		return // baseline write records verdicts; it fails on nothing
	}
	f.StringSliceVar(&o.failOn, "fail-on", nil, "statuses that fail the run, comma-separated: fail (always), warn, error, flaky, info (default fail; fail,warn,error with --baseline)")
	f.BoolVar(&o.strict, "strict", false, "shorthand for --fail-on fail,warn,error: anything but pass, info, skip and flaky fails the run")
	f.StringVar(&o.baselinePath, "baseline", "", "fail only on regressions against this baseline file ('conform baseline write' makes one)")
	f.StringVar(&o.reproDir, "repro", "", "write the request of every fail, warn, error and flaky check to DIR/<ID>.http, for 'nc HOST PORT < FILE'")
}

// failOnStatuses is the set of statuses that fail the run, in report order: fail, plus
// what --fail-on and --strict add; with --baseline and neither, fail, warn and error.
func (o *runOptions) failOnStatuses() ([]string, error) {
	set := map[string]bool{string(spec.Fail): true}
	given := o.failOn
	if len(given) == 0 && !o.strict && o.baselinePath != "" {
		given = baseline.DefaultFailOn
	}
	if o.strict {
		set[string(spec.Warn)], set[string(spec.Error)] = true, true
	}
	for _, s := range given {
		s = strings.ToLower(strings.TrimSpace(s))
		switch spec.Status(s) {
		case spec.Fail, spec.Warn, spec.Error, spec.Flaky, spec.Info:
			set[s] = true
		default:
			return nil, usagef("--fail-on: %q is not a status that can fail a run (fail, warn, error, flaky, info)", s)
		}
	}
	var out []string
	for _, s := range reports.Statuses {
		if set[s] {
			out = append(out, s)
		}
	}
	return out, nil
}

func (o *runOptions) validate() error {
	if o.target == "" {
		return usagef("no target: give --target HOST:PORT (a running server hosting probe.py), set %s, or give --server NAME", targetEnv)
	}
	addr, uwsgi := targetAddr(o.target)
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return usagef("--target %q is not HOST:PORT or uwsgi://HOST:PORT: %v", o.target, err)
	}
	if uwsgi && o.tls {
		return usagef("--target uwsgi:// with --tls: conform speaks the uwsgi protocol over plain TCP only")
	}
	return o.validateFlags()
}

// uwsgiScheme prefixes a --target reached over uWSGI's own protocol (a uWSGI --socket).
const uwsgiScheme = "uwsgi://"

// targetAddr splits a --target into its HOST:PORT and whether it speaks uWSGI's protocol
// (uwsgi://HOST:PORT, with or without a final slash).
func targetAddr(target string) (addr string, uwsgi bool) {
	if len(target) > len(uwsgiScheme) && strings.EqualFold(target[:len(uwsgiScheme)], uwsgiScheme) {
		return strings.TrimSuffix(target[len(uwsgiScheme):], "/"), true
	}
	return target, false
}

// validateFlags checks every flag but --target, and reads --baseline.
func (o *runOptions) validateFlags() error {
	if o.scale <= 0 || o.scale > 100 {
		return usagef("--timeout-scale must be in (0, 100], got %g", o.scale)
	}
	if o.checkTimeout < spec.MinCheckTimeout {
		return usagef("--timeout %v is shorter than the %v a check may wait on its own for a slow server (both stretch with --timeout-scale): cut short, it would say nothing about the server; give --timeout %v or more", o.checkTimeout, spec.MinCheckTimeout, spec.MinCheckTimeout)
	}
	if o.serverPort < 0 || o.serverPort > 65535 {
		return usagef("--server-port must be a TCP port (1 to 65535), got %d", o.serverPort)
	}
	if o.front != "" && o.tls {
		return usagef("--front with --tls: conform does not yet start a front serving TLS")
	}
	if o.frontConfig != "" {
		text, err := readFrontConfig(o.front, o.frontConfig)
		if err != nil {
			return err
		}
		o.frontText = text
	}
	if o.serverPort != 0 && o.server != "" {
		return usagef("--server-port is for a --target reached through a mapped port; conform knows the port of a server it starts")
	}
	if o.verbose && o.quiet {
		return usagef("--verbose and --quiet contradict each other")
	}
	if o.trials < 1 || o.trials > 10 {
		return usagef("--trials must be 1 to 10, got %d", o.trials)
	}
	if o.jobs < 0 || o.jobs > spec.MaxJobs {
		return usagef("--jobs must be 0 (as many as the target serves at once) to %d, got %d", spec.MaxJobs, o.jobs)
	}
	if _, err := o.failOnStatuses(); err != nil {
		return err
	}
	if err := o.checkOutputs(); err != nil {
		return err
	}
	if o.baselinePath != "" && o.baseline == nil {
		b, err := baseline.Read(o.baselinePath)
		if err != nil {
			return usagef("--baseline: %v", err)
		}
		o.baseline = b
	}
	return nil
}

func runCatalog(ctx context.Context, o *runOptions, stdout, stderr io.Writer) error {
	rep, err := collectCatalog(ctx, o, stderr)
	if err != nil {
		return err
	}
	return finish(rep, o, stdout, stderr)
}

// collectCatalog runs the catalog against --target and returns the report.
func collectCatalog(ctx context.Context, o *runOptions, stderr io.Writer) (*reports.Report, error) {
	if o.target == "" {
		o.target = os.Getenv(targetEnv)
	}
	if o.front != "" {
		return nil, usagef("--front starts a front before a server conform starts (--server, or 'conform run'); to test a stack of your own, point --target at its front")
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	checks, err := selectChecks(o.only, o.skip, warnTo(stderr))
	if err != nil {
		return nil, err
	}
	addr, uwsgi := targetAddr(o.target)
	t := spec.NewTarget(addr)
	t.Scale = o.scale
	t.ServerPort = o.serverPort
	t.TLS = o.tls
	t.Uwsgi = uwsgi
	pctx, cancel := context.WithTimeout(ctx, t.ScaleDuration(15*time.Second))
	echo, err := spec.Preflight(pctx, t)
	cancel()
	if err != nil {
		if errors.Is(err, wire.ErrUnreachable) {
			return nil, fmt.Errorf("%v (is the server running?)", err)
		}
		if errors.Is(err, wire.ErrHandshake) {
			return nil, fmt.Errorf("%v (does it serve TLS? without --tls conform speaks plain HTTP)", err)
		}
		if errors.Is(err, spec.ErrNotProbe) && !o.tls && !uwsgi {
			return nil, fmt.Errorf("%v (if it serves HTTPS, give --tls; if it is a uWSGI --socket, give --target uwsgi://%s)", err, addr)
		}
		return nil, err
	}
	info := reports.Target{Addr: addr, Python: echo.Python, ProbeVersion: echo.Version, TLS: o.tls}
	if uwsgi {
		info.Protocol = "uwsgi"
	}
	return runAndReport(ctx, t, checks, info, o, nil, stderr), nil
}

// runAndReport runs the checks with progress on stderr and returns the report, complete or,
// when interrupted, partial. revive restarts the target when conform started it (nil
// otherwise): a target that dies mid-run is then restarted instead of ending the run.
func runAndReport(ctx context.Context, t *spec.Target, checks []*spec.Check, info reports.Target, o *runOptions, revive func(context.Context) error, stderr io.Writer) *reports.Report {
	started := time.Now()
	p := newProgress(stderr, len(checks), o.verbose, o.quiet)
	trials := o.trials
	if trials <= 0 {
		trials = spec.DefaultTrials
	}
	jobs, requests := chooseJobs(ctx, t, o, stderr)
	results := spec.Run(ctx, t, checks, spec.RunOptions{CheckTimeout: o.checkTimeout, Progress: p.update, Trials: trials, Revive: revive, Jobs: jobs, Requests: requests})
	p.done()
	rep := reports.New(info, started, results)
	rep.ToolVersion = Version
	rep.CatalogVersion = spec.CatalogVersion
	rep.Duration = reports.Duration(time.Since(started))
	rep.Interrupted = ctx.Err() != nil
	host, _ := os.Hostname()
	rep.Environment = reports.Environment{Host: host, GoVersion: runtime.Version(), Scale: o.scale, RTT: reports.RTTSeconds(t.RTT), Trials: trials}
	for _, r := range results {
		if r.Facts.TargetDiedDuring != "" {
			rep.Aborted = "the target died during " + r.Facts.TargetDiedDuring
			break
		}
	}
	return rep
}

// chooseJobs is --jobs (checks in flight and requests awaiting answers alike), or when it
// is 0 what the target serves at once (measured now) and the machine allow. A target that
// cannot be measured runs one check at a time.
func chooseJobs(ctx context.Context, t *spec.Target, o *runOptions, stderr io.Writer) (jobs, requests int) {
	if o.jobs > 0 {
		return o.jobs, o.jobs
	}
	cpus := runtime.NumCPU()
	mctx, cancel := context.WithTimeout(ctx, t.ScaleDuration(30*time.Second))
	defer cancel()
	c, err := spec.MeasureCapacity(mctx, t, spec.JobsCeiling(cpus))
	if err != nil {
		if !o.quiet {
			fmt.Fprintf(stderr, "conform: %s; running the checks one at a time\n", safetext.Line(err.Error()))
		}
		return 1, 1
	}
	jobs, requests = spec.DefaultJobs(c, cpus)
	if o.verbose {
		fmt.Fprintf(stderr, "conform: the target serves %s: up to %d checks at once, %d of them awaiting answers\n", c, jobs, requests)
	}
	return jobs, requests
}

// finish applies the run policy (--fail-on, --baseline), writes the repro files and every
// requested report (all of them, even when one fails), and decides the exit status.
func finish(rep *reports.Report, o *runOptions, stdout, stderr io.Writer) error {
	failOn, err := o.failOnStatuses()
	if err != nil {
		return err
	}
	rep.FailOn = failOn
	if o.baseline != nil {
		rep.Baseline = baseline.Compare(o.baseline, o.baselinePath, rep, failOn)
		for _, w := range rep.Baseline.Warnings {
			fmt.Fprintf(stderr, "conform: baseline %s: %s\n", o.baselinePath, w)
		}
	}
	if errs := writeOutputs(rep, o, stdout, stderr); len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	if rep.Interrupted {
		fmt.Fprintln(stdout, "conform: interrupted; the report covers the checks that ran")
		return exitError{exitFail}
	}
	if !rep.Passed() {
		return exitError{exitFail}
	}
	return nil
}

// writeOutputs writes the repro files, every requested report and the summary on stdout
// (all of them, even when one fails), and returns what went wrong.
func writeOutputs(rep *reports.Report, o *runOptions, stdout, stderr io.Writer) []string {
	var errs []string
	if o.reproDir != "" {
		if _, err := reports.WriteRepro(o.reproDir, rep); err != nil {
			errs = append(errs, fmt.Sprintf("--repro: %v", err))
		}
	}
	summary := stdout
	if o.summaryToStderr() {
		summary = stderr
	}
	write := func(path string, render func(io.Writer) error) {
		if path == "" {
			return
		}
		if path == stdoutPath {
			if err := render(stdout); err != nil {
				errs = append(errs, fmt.Sprintf("write to standard output: %v", err))
			}
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
		fmt.Fprintln(summary, rep.Verdict())
	} else if err := reports.WriteText(summary, rep, reports.TextOptions{Color: useColor(summary, o.noColor), Verbose: o.verbose, ReproDir: o.reproDir}); err != nil {
		errs = append(errs, fmt.Sprintf("write summary: %v", err))
	}
	return errs
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
