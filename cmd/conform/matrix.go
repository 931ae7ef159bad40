package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/internal/safetext"
	"github.com/conform-wsgi/conform/internal/verdicts"
	"github.com/conform-wsgi/conform/reports"
	"github.com/conform-wsgi/conform/spec"
)

type matrixOptions struct {
	servers  []string
	fronts   []string
	html     string
	jsonPath string
	parallel int
	verdicts string // --write-verdicts DIR
	run      runOptions
}

func newMatrixCommand(stdout, stderr io.Writer) *cobra.Command {
	o := &matrixOptions{}
	c := &cobra.Command{
		Use:   "matrix [--servers a,b,c]",
		Short: "Run the catalog against every installed known server and compare them",
		Long: `Start each known server that is installed here (or those named with --servers), run the
catalog against it, stop it, and write one comparison: servers across, checks down.
Several servers run at once (--parallel; by default four per core, eight at most), the next
one starting while others run; within each, checks run concurrently as 'conform --jobs'
chooses. --parallel 1 runs the servers one by one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMatrix(cmd.Context(), o, stdout, stderr)
		},
	}
	f := c.Flags()
	f.StringSliceVar(&o.servers, "servers", nil, "servers to compare (default: every installed known server)")
	f.StringSliceVar(&o.fronts, "fronts", nil, "also test each server behind each of these fronts (nginx, haproxy, apache, varnish, squid), and say which of its failures each front removes and which it introduces")
	f.StringVar(&o.html, "html", "", "write the comparison as a self-contained HTML file")
	f.StringVar(&o.jsonPath, "json", "", "write every server's report as a JSON array")
	f.IntVar(&o.parallel, "parallel", 0, "how many servers to test at once (0: four per core, eight at most)")
	f.StringVar(&o.verdicts, "write-verdicts", "", "rewrite DIR/<server>.txt, the verdict files the real-server tests compare with, from this run, keeping the reasons written there (refused for a non-pass verdict that has none)")
	f.StringSliceVar(&o.run.only, "only", nil, "run only checks matching these ID globs, prefixes or areas")
	f.StringSliceVar(&o.run.skip, "skip", nil, "skip checks matching these")
	f.DurationVar(&o.run.checkTimeout, "timeout", 30*time.Second, "time limit for one check")
	f.Float64Var(&o.run.scale, "timeout-scale", 1, "stretch every delay, threshold and timeout by this factor")
	f.BoolVar(&o.run.noColor, "no-color", false, "disable ANSI colours")
	f.IntVar(&o.run.trials, "trials", spec.DefaultTrials, "measure a timing-sensitive check up to this many times when it does not pass")
	f.IntVar(&o.run.jobs, "jobs", 0, "checks at once against each server (0: as many as it serves at once; 1: one at a time)")
	return c
}

func runMatrix(ctx context.Context, o *matrixOptions, stdout, stderr io.Writer) error {
	if o.parallel < 0 || o.parallel > 8 {
		return usagef("--parallel must be 0 (four per core, eight at most) to 8, got %d", o.parallel)
	}
	if o.parallel == 0 {
		o.parallel = matrixParallel(runtime.NumCPU())
	}
	if o.run.jobs < 0 || o.run.jobs > spec.MaxJobs {
		return usagef("--jobs must be 0 (as many as each server serves at once) to %d, got %d", spec.MaxJobs, o.run.jobs)
	}
	if o.run.scale <= 0 || o.run.scale > 100 {
		return usagef("--timeout-scale must be in (0, 100], got %g", o.run.scale)
	}
	checks, err := selectChecks(o.run.only, o.run.skip, warnTo(stderr))
	if err != nil {
		return err
	}
	if err := checkOutputFile("--html", o.html); err != nil {
		return err
	}
	if err := checkOutputFile("--json", o.jsonPath); err != nil {
		return err
	}
	fronts, err := matrixFronts(o.fronts)
	if err != nil {
		return err
	}
	if o.verdicts != "" {
		if len(fronts) > 0 {
			return usagef("--write-verdicts records the servers' own verdicts; it takes no --fronts")
		}
		if len(o.run.only) > 0 || len(o.run.skip) > 0 {
			return usagef("--write-verdicts records the whole catalog; it takes no --only or --skip")
		}
		if err := reports.CheckWritableDir(o.verdicts); err != nil {
			return usagef("--write-verdicts %s cannot be written: %v", o.verdicts, err)
		}
	}
	servers, skipped, err := matrixServers(o.servers)
	if err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintf(stderr, "conform: %s\n", s)
	}
	if len(servers) == 0 {
		return fmt.Errorf("no installed server to compare (scripts/install-servers.sh installs them)")
	}
	var stacks []matrixStack
	for _, s := range servers {
		stacks = append(stacks, matrixStack{server: s})
		for _, f := range fronts {
			stacks = append(stacks, matrixStack{server: s, front: f})
		}
	}
	if len(fronts) > 0 {
		fmt.Fprintf(stderr, "conform: comparing %d servers, alone and behind %s, on %d checks\n", len(servers), strings.Join(fronts, ", "), len(checks))
	} else {
		fmt.Fprintf(stderr, "conform: comparing %d servers on %d checks\n", len(servers), len(checks))
	}

	reps := make([]*reports.Report, len(stacks))
	errs := make([]error, len(stacks))
	// A server is started (and made sure to answer) while the ones before it run, so the
	// next run begins as soon as one ends; started holds the servers up and not yet
	// stopped, running those running the catalog.
	started := make(chan struct{}, o.parallel+1)
	running := make(chan struct{}, o.parallel)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, st := range stacks {
		select {
		case started <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(i int, st matrixStack) {
			defer wg.Done()
			defer func() { <-started }()
			begin := time.Now()
			reps[i], errs[i] = matrixOne(ctx, st, checks, &o.run, running)
			mu.Lock()
			defer mu.Unlock()
			if errs[i] != nil {
				fmt.Fprintf(stderr, "conform: %s: %s\n", st.name(), safetext.Block(errs[i].Error()))
				return
			}
			fmt.Fprintf(stderr, "conform: %-18s %s (%s)\n", st.name(), reps[i].Verdict(), time.Since(begin).Round(100*time.Millisecond))
		}(i, st)
	}
	wg.Wait()

	m := &reports.Matrix{}
	var failed []string
	for i, r := range reps {
		if r != nil {
			m.Reports = append(m.Reports, r)
		} else {
			failed = append(failed, stacks[i].name())
		}
	}
	if len(m.Reports) == 0 {
		return fmt.Errorf("no server could be tested")
	}
	if err := reports.WriteMatrixText(stdout, m, useColor(stdout, o.run.noColor)); err != nil {
		return err
	}
	if o.html != "" {
		if err := reports.WriteFileAtomic(o.html, func(w io.Writer) error { return reports.WriteMatrixHTML(w, m) }); err != nil {
			return fmt.Errorf("write %s: %w", o.html, err)
		}
	}
	if o.jsonPath != "" {
		if err := reports.WriteFileAtomic(o.jsonPath, func(w io.Writer) error { return reports.WriteMatrixJSON(w, m) }); err != nil {
			return fmt.Errorf("write %s: %w", o.jsonPath, err)
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stdout, "conform: interrupted; the comparison covers the servers that finished")
		return exitError{exitFail}
	}
	if o.verdicts != "" {
		if err := writeVerdicts(o.verdicts, m.Reports, checks, stdout, stderr); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("could not test %s (see above)", strings.Join(failed, ", "))
	}
	return nil
}

// matrixStack is one column of the matrix: a server, alone or behind a front.
type matrixStack struct {
	server harness.Server
	front  string
}

func (st matrixStack) name() string {
	if st.front == "" {
		return st.server.Name
	}
	return st.server.Name + "+" + st.front
}

// matrixFronts resolves --fronts: every one must be known and installed.
func matrixFronts(names []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		f, err := harness.LookupFront(n)
		if err != nil {
			return nil, usageError{err}
		}
		if _, err := f.Installed(); err != nil {
			return nil, err
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

// matrixServers resolves the servers to compare: the named ones (all must be known and
// installed) or every installed known server.
func matrixServers(names []string) (servers []harness.Server, skipped []string, err error) {
	if len(names) == 0 {
		for _, s := range harness.Known() {
			if _, err := s.Installed(); err != nil {
				skipped = append(skipped, fmt.Sprintf("skipping %s: %v", s.Name, err))
				continue
			}
			servers = append(servers, s)
		}
		return servers, skipped, nil
	}
	for _, n := range names {
		s, err := harness.Lookup(n)
		if err != nil {
			return nil, nil, usageError{err}
		}
		if _, err := s.Installed(); err != nil {
			return nil, nil, fmt.Errorf("server %s is not installed: %w", n, err)
		}
		servers = append(servers, s)
	}
	return servers, nil, nil
}

// matrixParallel is how many servers the matrix tests at once on a machine with cpus
// cores. A server's run spends nearly all its time waiting (on its own timeouts, and on the
// answers its checks await), so servers side by side do not slow each other: on two cores
// eight at once took each as long as alone, used under one core between conform and the
// servers, and gave the verdicts of one at a time.
func matrixParallel(cpus int) int { return min(8, 4*max(cpus, 1)) }

// matrixOne starts one server (behind its front, if any), waits for a turn in running,
// runs the checks, and stops it.
func matrixOne(ctx context.Context, st matrixStack, checks []*spec.Check, o *runOptions, running chan struct{}) (*reports.Report, error) {
	s := st.server
	sctx, cancel := context.WithTimeout(ctx, time.Duration(60*o.scale)*time.Second)
	in, err := harness.Start(sctx, s, harness.Options{Front: st.front, Relay: st.front != ""})
	cancel()
	if err != nil {
		return nil, err
	}
	defer in.Stop()
	t := targetOf(in, o.scale)
	echo, err := spec.Preflight(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("started but %w", err)
	}
	select {
	case running <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-running }()
	quiet := *o
	quiet.quiet = true
	rep := runAndReport(ctx, t, checks, startedInfo(in, echo, s.Description), &quiet, reviver(in, true, io.Discard), io.Discard)
	judgeStack(in, rep)
	attachLogs(rep, in)
	return rep, nil
}

// writeVerdicts rewrites DIR/<server>.txt for every server that ran to the end, keeping the
// reasons of the file it replaces. A server with a non-pass verdict that has no reason
// keeps its old file, and the lines to explain are printed in the file's format.
func writeVerdicts(dir string, reps []*reports.Report, checks []*spec.Check, stdout, stderr io.Writer) error {
	var refused []string
	for _, r := range reps {
		if r.Aborted != "" || r.Interrupted {
			fmt.Fprintf(stderr, "conform: not writing verdicts of %s: the run did not finish (%s)\n", r.Target.Server, r.Aborted)
			refused = append(refused, r.Target.Server)
			continue
		}
		path := filepath.Join(dir, r.Target.Server+".txt")
		keep, err := verdicts.Read(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("--write-verdicts: %w", err)
		}
		statuses := map[string]spec.Status{}
		for _, res := range r.Results {
			statuses[res.ID] = spec.Status(res.Status)
		}
		f, missing := verdicts.FromRun(r.Target.Server, r.Target.ServerVersion, statuses, checks, keep)
		if len(missing) > 0 {
			fmt.Fprintf(stderr, "conform: not writing %s: %d verdicts need a reason (the server source line behind each); add these lines with one, then run again:\n", path, len(missing))
			for _, l := range missing {
				fmt.Fprintf(stderr, "  %s  %s  # %s:LINE ...\n", l.ID, l.Status, r.Target.Server)
			}
			refused = append(refused, r.Target.Server)
			continue
		}
		if err := reports.WriteFileAtomic(path, f.Write); err != nil {
			return fmt.Errorf("--write-verdicts: %w", err)
		}
		fmt.Fprintf(stdout, "conform: wrote %s (%d verdicts that are not a plain pass)\n", path, len(f.Lines))
	}
	if len(refused) > 0 {
		return fmt.Errorf("verdicts not written for %s (see above)", strings.Join(refused, ", "))
	}
	return nil
}
