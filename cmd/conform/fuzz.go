package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/conform-wsgi/conform/fuzz"
	"github.com/conform-wsgi/conform/fuzz/findingshtml"
	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/internal/safetext"
	"github.com/conform-wsgi/conform/reports"
)

type fuzzOptions struct {
	target, server string
	front          string
	frontConfig    string   // --front-config path
	frontText      string   // its text, once read
	command        []string // a server command given after --
	seed           uint64
	duration       time.Duration
	cases          int64
	workers        int
	dir            string
	resume         bool
	retarget       bool
	idle, linger   time.Duration
	caseTimeout    time.Duration
	minimizeBudget int
	minimizeGrace  time.Duration
	noCatalog      bool
	quiet          bool
	html           string
}

// newFuzzCommand is 'conform fuzz': a differential traffic fuzzing session against a server
// hosting the probe. Exit status: 0 when the session found nothing new (or only a choice the
// RFC permits), 1 when it did, 2 when it could not run.
func newFuzzCommand(stdout, stderr io.Writer) *cobra.Command {
	o := &fuzzOptions{}
	c := &cobra.Command{
		Use:   "fuzz --target HOST:PORT | --server NAME [--front NAME] [flags] [-- CMD ARGS...]",
		Short: "Fuzz a server's request parsing against the reference and record the disagreements",
		Long: `conform fuzz sends generated and mutated HTTP/1.1 requests, each case ending with a
pipelined GET of the probe's echo, and compares what the server's application saw with what the
reference parser sees in the same bytes. Disagreements are classified (framing, crash, 5xx, hang,
leniency, strictness, semantic), deduplicated, minimized and written to --dir as <id>.http (the
exact bytes) and <id>.json. 'conform replay DIR/<id>.http --target ...' shows one again.
The summary, DIR/causes.json and --html group the findings into causes (what the target did
and the fewest generator features that make it do so), worst first, each with its count,
shortest example and replay command; a choice RFC 9112 leaves to the server (not taking a
bare LF for a line terminator) is shown as an observed choice, not a finding.

--duration is the wall time of the whole session: new cases wait while the findings still to
be minimized need the time left, and a finding not minimized in time says so (in the summary
and its .json). --dir and --html are checked before anything is sent, and what the target
sent is printed escaped.

--front NAME puts a front (nginx, haproxy, apache, varnish, squid) before the server conform
starts (--server, or a command after --, as 'conform run' takes it), with a recording relay
between them: the cases go through the stack, and every upstream connection is judged as it
closes. One on which the server answered more requests than the front forwarded is a desync;
after the session each desync's cases are sent alone through a fresh front to find the one
that causes it, and each is written to --dir as desync-N.http and desync-N.json.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dash := cmd.ArgsLenAtDash(); dash >= 0 {
				o.command = args[dash:]
				args = args[:dash]
			}
			if len(args) > 0 {
				return usagef("unexpected argument %q (a server command goes after --)", args[0])
			}
			return runFuzz(cmd, o, stdout, stderr)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.target, "target", "t", "", "HOST:PORT of a running server hosting probe.py (default $"+targetEnv+")")
	f.StringVarP(&o.server, "server", "s", "", "start this known server with the probe (restarted when it dies)")
	f.StringVar(&o.frontConfig, "front-config", "", "with --front: your own configuration template for the front ('conform servers --template FRONT' prints conform's own)")
	f.StringVar(&o.front, "front", "", "put this front before the server conform starts, and judge every upstream connection for desyncs (nginx, haproxy, apache, varnish, squid)")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the case generator: the same seed makes the same cases")
	f.DurationVar(&o.duration, "duration", 0, "wall time of the whole session, server start, minimization and writing the findings included (0: until --cases or Ctrl-C)")
	f.Int64Var(&o.cases, "cases", 0, "stop after this many cases (0: until --duration or Ctrl-C)")
	f.IntVar(&o.workers, "workers", 4, "connections screening new cases at once, and as many investigating new disagreements (fastest at about twice the connections the server serves at once; 8-16 for one that buffers kept-open connections, as waitress does)")
	f.StringVar(&o.dir, "dir", "conform-findings", "directory for findings (<id>.http, <id>.json) and the session state")
	f.BoolVar(&o.resume, "resume", false, "continue the session recorded in --dir: its seed, its case counter, its known findings")
	f.BoolVar(&o.retarget, "retarget", false, "with --resume: continue a session recorded against another target (its findings count as known for this one)")
	f.DurationVar(&o.idle, "idle", time.Second, "longest wait for the next byte of an expected response")
	f.DurationVar(&o.linger, "linger", 100*time.Millisecond, "longest wait for an unexpected extra response")
	f.DurationVar(&o.caseTimeout, "case-timeout", 5*time.Second, "deadline of one case")
	f.IntVar(&o.minimizeBudget, "minimize-budget", 100, "re-sends spent minimizing one finding (negative: do not minimize)")
	f.DurationVar(&o.minimizeGrace, "minimize-grace", 30*time.Second, "how long pending minimizations may go on after the last case when --cases ends the session (never past --duration, which includes minimization)")
	f.BoolVar(&o.noCatalog, "no-catalog", false, "do not seed the generator with the check catalog's requests")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no live progress")
	f.StringVar(&o.html, "html", "", "write a self-contained HTML report of the findings to this file (with --dir: every finding in it)")
	return c
}

func runFuzz(cmd *cobra.Command, o *fuzzOptions, stdout, stderr io.Writer) error {
	ctx := cmd.Context()
	began := time.Now() // --duration counts from here: starting the server is part of it
	if o.target == "" && o.server == "" {
		o.target = os.Getenv(targetEnv)
	}
	started := o.server != "" || o.command != nil
	if (o.target == "") == !started || o.server != "" && o.command != nil {
		return usagef("give --target HOST:PORT, --server NAME or a server command after -- (one of them)")
	}
	if o.front != "" {
		if !started {
			return usagef("--front starts a front before a server conform starts (--server or a command after --); to fuzz a stack of your own, point --target at its front")
		}
		if _, err := harness.LookupFront(o.front); err != nil {
			return usageError{err}
		}
	}
	if o.frontConfig != "" {
		text, err := readFrontConfig(o.front, o.frontConfig)
		if err != nil {
			return err
		}
		o.frontText = text
	}
	if o.target != "" {
		if _, _, err := net.SplitHostPort(o.target); err != nil {
			return usagef("--target %q is not HOST:PORT: %v", o.target, err)
		}
	}
	if o.workers <= 0 || o.idle <= 0 || o.linger <= 0 || o.caseTimeout <= 0 || o.duration < 0 || o.cases < 0 {
		return usagef("--workers, --idle, --linger and --case-timeout must be positive; --duration and --cases not negative")
	}
	if o.resume && !cmd.Flags().Changed("dir") {
		return usagef("--resume needs --dir, the directory of the session to continue")
	}
	if o.retarget && !o.resume {
		return usagef("--retarget goes with --resume")
	}
	// Every output is checked before the server starts and any case is sent.
	if err := fuzz.CheckDir(o.dir); err != nil {
		return fmt.Errorf("--dir %s: %w", o.dir, err)
	}
	if o.html != "" {
		if err := reports.CheckWritable(o.html); err != nil {
			return fmt.Errorf("--html %s: %w", o.html, err)
		}
	}
	opt := fuzz.Options{Addr: o.target, Label: o.target, Seed: o.seed, Cases: o.cases, Duration: o.duration, Start: began, Workers: o.workers,
		Dir: o.dir, Resume: o.resume, Retarget: o.retarget, Timing: fuzz.Timing{Idle: o.idle, Linger: o.linger, Deadline: o.caseTimeout},
		NoCatalog: o.noCatalog, MinimizeBudget: o.minimizeBudget, MinimizeGrace: o.minimizeGrace}
	if !o.quiet {
		opt.Progress, opt.TTY = stderr, isTerminal(stderr)
		// A finding is reported again after its minimization: it is announced once.
		var mu sync.Mutex
		announced := map[string]bool{}
		opt.OnFinding = func(f *fuzz.Finding) {
			mu.Lock()
			defer mu.Unlock()
			if announced[f.ID] {
				return
			}
			announced[f.ID] = true
			if opt.TTY {
				fmt.Fprint(stderr, "\r\033[K")
			}
			fmt.Fprintf(stderr, "conform fuzz: new %s finding %s: %s\n", f.Class, safetext.Line(f.ID), safetext.Line(f.Signature))
		}
	}
	if o.resume && cmd.Flags().Changed("seed") {
		fmt.Fprintln(stderr, "conform fuzz: --resume continues with the seed recorded in --dir; --seed is ignored")
	}
	var stack *stackWatch
	if started {
		in, err := startFuzzServer(ctx, o)
		if err != nil {
			return err
		}
		defer in.Stop()
		fmt.Fprintf(stderr, "conform: started %s %s on %s (pid %d)\n", in.Server, in.Version, in.OriginAddr, in.PID)
		opt.Instance, opt.Label = in, in.Server+" "+in.Version
		if in.Front != nil {
			fmt.Fprintf(stderr, "conform: started front %s %s on %s (pid %d), forwarding to %s through a recording relay\n", in.Front.Server, in.Front.Version, in.Front.Addr, in.Front.PID, in.OriginAddr)
			opt.Label = in.Server + " " + in.Version + " behind " + in.Front.Server + " " + in.Front.Version
			if in.Uwsgi {
				fmt.Fprintf(stderr, "conform: upstream connections are not judged for desyncs: %s\n", desyncsOverUwsgi)
			} else {
				stack = watchStack(in)
			}
			if stack != nil && opt.Duration > 0 {
				opt.Duration -= min(aloneTime, opt.Duration/4)
			}
		}
	}
	sum, err := fuzz.Run(ctx, opt)
	var desyncs []stackDesync
	var causes []*desyncCause
	tried := 0
	if stack != nil {
		desyncs = stack.finish(ctx)
		if sum != nil && len(desyncs) > 0 {
			gen := fuzz.NewGenerator(sum.Seed, sum.Catalog)
			cctx, cancel := context.WithTimeout(ctx, aloneTime)
			if o.duration > 0 {
				cctx, cancel = context.WithDeadline(ctx, began.Add(o.duration))
			}
			causes, tried = stack.causes(cctx, gen, desyncs)
			cancel()
		}
	}
	if errors.Is(err, fuzz.ErrOtherTarget) {
		return fmt.Errorf("%w (--retarget continues it against this one)", err)
	}
	if sum != nil {
		sum.WriteText(stdout)
		if o.dir != "" {
			fmt.Fprintf(stdout, "findings are in %s; continue with: conform fuzz --resume --dir %s ...\n", o.dir, o.dir)
		}
		if o.html != "" {
			if herr := writeFindingsHTML(o, sum); herr != nil {
				return herr
			}
			fmt.Fprintf(stdout, "HTML report of the findings: %s\n", o.html)
		}
		if stack != nil {
			stack.mu.Lock()
			more, judged, unsolicited := stack.more, stack.judged, stack.unsolicited
			stack.mu.Unlock()
			if werr := writeDesyncCauses(stdout, o.dir, causes, len(desyncs)+more, unsolicited, judged, tried); werr != nil {
				return werr
			}
		}
	}
	if err != nil {
		return err
	}
	if len(desyncs) > 0 {
		return exitError{exitFail}
	}
	// A target's choice the RFC permits (rejecting a bare LF, a larger limit) is shown, but
	// is no finding.
	for _, f := range sum.Findings {
		if f.Choice() == "" {
			return exitError{exitFail}
		}
	}
	return nil
}

// writeFindingsHTML writes the session's findings (with --dir, every finding in it,
// earlier sessions' too) as a self-contained HTML page.
func writeFindingsHTML(o *fuzzOptions, sum *fuzz.Summary) error {
	r := findingshtml.Report{Summary: sum, Findings: sum.Findings, Dir: o.dir, Addr: o.target}
	if o.dir != "" {
		all, err := fuzz.LoadFindings(o.dir)
		if err != nil {
			return fmt.Errorf("HTML report: %w", err)
		}
		r.Findings = all
	}
	if err := reports.WriteFileAtomic(o.html, func(w io.Writer) error { return findingshtml.Write(w, r) }); err != nil {
		return fmt.Errorf("HTML report: %w", err)
	}
	return nil
}

// startFuzzServer starts the server a fuzzing session runs against: a known one or a
// command, behind --front (with a recording relay) when given.
func startFuzzServer(ctx context.Context, o *fuzzOptions) (*harness.Instance, error) {
	if o.command == nil && o.front == "" {
		return startServer(ctx, o.server)
	}
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	hopt := harness.Options{Front: o.front, Relay: o.front != "", FrontConfig: o.frontText}
	if o.command != nil {
		return harness.StartCommand(startCtx, o.command, hopt)
	}
	s, err := harness.Lookup(o.server)
	if err != nil {
		return nil, usageError{err}
	}
	if _, err := s.Installed(); err != nil {
		return nil, fmt.Errorf("server %s is not installed: %w", o.server, err)
	}
	return harness.Start(startCtx, s, hopt)
}

func startServer(ctx context.Context, name string) (*harness.Instance, error) {
	s, err := harness.Lookup(name)
	if err != nil {
		return nil, usageError{err}
	}
	if _, err := s.Installed(); err != nil {
		return nil, fmt.Errorf("server %s is not installed: %w", name, err)
	}
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	return harness.Start(startCtx, s, harness.Options{})
}

// newReplayCommand is 'conform replay FILE.http': send a finding's bytes again and show what
// the reference and the target make of them, side by side. Exit status: 0 when the target
// now agrees with the reference, 1 when it still disagrees, 2 when it could not run.
func newReplayCommand(stdout, stderr io.Writer) *cobra.Command {
	var target, server, front string
	var idle time.Duration
	c := &cobra.Command{
		Use:   "replay FILE.http|FILE.json --target HOST:PORT | --server NAME [--front NAME] [-- CMD ARGS...]",
		Short: "Re-send a fuzzing finding and show the reference's and the target's view side by side",
		Long: `conform replay sends a finding's bytes again, in the writes they were found in, and shows
what the reference and the target make of them side by side. FILE is a finding's <id>.http (or
<id>.suspect-N.http), or its <id>.json, whose recorded bytes are sent; what the target answers
is shown escaped.

--front NAME sends them through a front before the server conform starts (--server, or a
command after --), with a recording relay between them, and judges each upstream connection:
a desync (the server answered more requests than the front forwarded) is shown with the
bytes each way, and fails the replay.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var command []string
			if dash := cmd.ArgsLenAtDash(); dash >= 0 {
				command, args = args[dash:], args[:dash]
			}
			if len(args) != 1 {
				return usagef("give one finding file (a server command goes after --)")
			}
			if target == "" && server == "" && command == nil {
				target = os.Getenv(targetEnv)
			}
			started := server != "" || command != nil
			if (target == "") == !started || server != "" && command != nil {
				return usagef("give --target HOST:PORT, --server NAME or a server command after -- (one of them)")
			}
			if front != "" && !started {
				return usagef("--front starts a front before a server conform starts (--server or a command after --)")
			}
			raw, writes, err := fuzz.ReadCase(args[0])
			if err != nil {
				return usagef("%v", err)
			}
			ctx := cmd.Context()
			addr := target
			var in *harness.Instance
			if started {
				in, err = startFuzzServer(ctx, &fuzzOptions{server: server, command: command, front: front})
				if err != nil {
					return err
				}
				defer in.Stop()
				addr = in.Addr
			} else if _, _, err := net.SplitHostPort(target); err != nil {
				return usagef("--target %q is not HOST:PORT: %v", target, err)
			}
			e, o, v := fuzz.Replay(ctx, addr, raw, writes, fuzz.ReplayOptions{Timing: fuzz.Timing{Idle: idle}})
			if o.DialErr != "" && errors.Is(ctx.Err(), context.Canceled) {
				return ctx.Err()
			}
			fin := ""
			if n := len(writes); n > 0 && writes[n-1].HalfClose {
				fin = ", then a FIN (the sending side shut down)"
			}
			fmt.Fprintf(stdout, "%d bytes from %s sent to %s%s\n\n", len(raw), args[0], addr, fin)
			fuzz.WriteSideBySide(stdout, e, o, v)
			failed := v.Class != ""
			if in != nil && in.Front != nil {
				failed = writeReplayDesyncs(ctx, stdout, in) || failed
			}
			if failed {
				return exitError{exitFail}
			}
			return nil
		},
	}
	c.Flags().StringVarP(&target, "target", "t", "", "HOST:PORT of a running server hosting probe.py (default $"+targetEnv+")")
	c.Flags().StringVarP(&server, "server", "s", "", "start this known server with the probe")
	c.Flags().StringVar(&front, "front", "", "send the bytes through this front before the server conform starts, and judge the upstream connections for desyncs")
	c.Flags().DurationVar(&idle, "idle", 2*time.Second, "longest wait for the next byte of a response")
	return c
}
