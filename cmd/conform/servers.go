package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/reports"
	"github.com/conform-wsgi/conform/spec"
)

func newServersCommand(stdout io.Writer) *cobra.Command {
	var template string
	c := &cobra.Command{
		Use:   "servers [--template FRONT]",
		Short: "List the WSGI servers and fronts (reverse proxies) conform can start, and which are installed here",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if template != "" {
				f, err := harness.LookupFront(template)
				if err != nil {
					return usageError{err}
				}
				_, err = io.WriteString(stdout, f.Template())
				return err
			}
			tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tVERSION\tDESCRIPTION")
			missing := 0
			for _, s := range harness.Known() {
				v, err := s.Installed()
				if err != nil {
					missing++
					v = "not installed (apt-get install " + s.Package + ")"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, v, s.Description)
			}
			fmt.Fprintln(tw, "\t\t")
			fmt.Fprintln(tw, "FRONT (--front)\tVERSION\tCONFIGURATION")
			for _, f := range harness.KnownFronts() {
				v, err := f.Installed()
				if err != nil {
					missing++
					v = "not installed (apt-get install " + f.Package + ")"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, v, f.Description)
				if d := f.UwsgiDescription(); d != "" {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", "  before uwsgi-socket", "", d)
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if missing > 0 {
				fmt.Fprintf(stdout, "\n%d not installed; scripts/install-servers.sh installs them all from Debian packages\n", missing)
			}
			return nil
		},
	}
	c.Flags().StringVar(&template, "template", "", "print the configuration template conform generates for this front: the start of a --front-config of your own")
	return c
}

// runOnServer starts a known server (or a custom command) hosting the probe, runs the
// catalog against it, and stops it whatever happens, Ctrl-C included.
func runOnServer(ctx context.Context, o *runOptions, name string, argv []string, stdout, stderr io.Writer) error {
	rep, err := collectOnServer(ctx, o, name, argv, stderr)
	if err != nil {
		return err
	}
	return finish(rep, o, stdout, stderr)
}

// collectOnServer starts the server, runs the catalog against it, restarting it if it
// dies mid-run, stops it and returns the report.
func collectOnServer(ctx context.Context, o *runOptions, name string, argv []string, stderr io.Writer) (*reports.Report, error) {
	if err := o.validateFlags(); err != nil {
		return nil, err
	}
	checks, err := selectChecks(o.only, o.skip, warnTo(stderr))
	if err != nil {
		return nil, err
	}
	startCtx, cancel := context.WithTimeout(ctx, time.Duration(60*o.scale)*time.Second)
	defer cancel()
	var in *harness.Instance

	workers := ""
	if o.front != "" {
		if _, ferr := harness.LookupFront(o.front); ferr != nil {
			return nil, usageError{ferr}
		}
	}
	// A stack's upstream connections go through a recording relay: a desync is judged
	// on what the front forwarded.
	hopt := harness.Options{TLS: o.tls, Front: o.front, Relay: o.front != "", FrontConfig: o.frontText}
	if argv != nil {
		in, err = harness.StartCommand(startCtx, argv, hopt)
	} else {
		s, lerr := harness.Lookup(name)
		if lerr != nil {
			return nil, usageError{lerr}
		}
		if _, ierr := s.Installed(); ierr != nil {
			return nil, fmt.Errorf("server %s is not installed: %w", name, ierr)
		}
		workers = s.Description
		in, err = harness.Start(startCtx, s, hopt)
	}
	if err != nil {
		return nil, err
	}
	defer in.Stop()
	if !o.quiet {
		fmt.Fprintf(stderr, "conform: started %s %s on %s (pid %d)\n", in.Server, in.Version, in.OriginAddr, in.PID)
		if f := in.Front; f != nil {
			fmt.Fprintf(stderr, "conform: started front %s %s on %s (pid %d), forwarding to %s\n", f.Server, f.Version, f.Addr, f.PID, in.OriginAddr)
		}
	}
	o.target = in.Addr
	if err := o.validate(); err != nil {
		return nil, err
	}
	t := targetOf(in, o.scale)
	echo, err := spec.Preflight(ctx, t)
	if err != nil {
		frontLog := ""
		if in.Front != nil {
			frontLog = fmt.Sprintf("\nfront %s log:\n%s", in.Front.Server, tail(in.Front.Log(), 20))
		}
		return nil, fmt.Errorf("%s started but %w\nserver log:\n%s%s", in.Server, err, tail(in.Log(), 20), frontLog)
	}
	rep := runAndReport(ctx, t, checks, startedInfo(in, echo, workers), o, reviver(in, o.quiet, stderr), stderr)
	judgeStack(in, rep)
	attachLogs(rep, in)
	return rep, nil
}

// reviver restarts a server conform started when it dies mid-run.
func reviver(in *harness.Instance, quiet bool, stderr io.Writer) func(context.Context) error {
	var mu sync.Mutex
	return func(ctx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if !quiet {
			fmt.Fprintf(stderr, "conform: %s stopped answering; restarting it\n", in.Server)
		}
		return in.Restart(ctx)
	}
}

func tail(b []byte, lines int) string {
	s := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(s) > lines {
		s = s[len(s)-lines:]
	}
	return "  " + strings.Join(s, "\n  ")
}

func newRunCommand(stdout, stderr io.Writer) *cobra.Command {
	opts := &runOptions{}
	c := &cobra.Command{
		Use:   "run [flags] -- COMMAND [ARGS...]",
		Short: "Start any server command hosting the probe, run the catalog, stop it",
		Long: `Start COMMAND (your own server, say), wait until it answers, run the catalog, and stop
it by process group. Placeholders in COMMAND and ARGS: {host}, {port}, {probe_dir} (holds
probe.py), {state_dir}; with --tls also {cert_file} and {key_file}, a self-signed certificate
and its key that conform generates. Example:

  conform run -- /usr/bin/python3 -m gunicorn --chdir {probe_dir} -b {host}:{port} probe:app`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("give the server command after --, e.g. conform run -- /usr/bin/python3 -m gunicorn --chdir {probe_dir} -b {host}:{port} probe:app")
			}
			if opts.target != "" {
				return usagef("conform run starts its own server: --target does not apply")
			}
			return runOnServer(cmd.Context(), opts, "", args, stdout, stderr)
		},
	}
	opts.bind(c)
	return c
}

// targetOf is the target of a server conform started: its front, when it has one.
func targetOf(in *harness.Instance, scale float64) *spec.Target {
	t := spec.NewTarget(in.Addr)
	t.Scale = scale
	t.TLS = in.TLS
	// A server speaking uwsgi is reached over uwsgi alone, or over HTTP through its front.
	t.Uwsgi = in.Uwsgi && in.Front == nil
	if in.Front != nil {
		// Through a front, the Host header names the server's own port, as the front
		// passes the client's Host on: SERVER_PORT is judged against the server's.
		t.Front, t.FrontFields = in.Front.Server, in.Front.Adds
		if !in.Uwsgi {
			// A uwsgi front makes SERVER_PORT of its own listener, the port connected to.
			t.ServerPort = portOf(in.OriginAddr)
		}
	}
	return t
}

// startedInfo is the report's record of a server conform started, and of its front.
func startedInfo(in *harness.Instance, echo *probes.Echo, workers string) reports.Target {
	info := reports.Target{Addr: in.Addr, Server: in.Server, ServerVersion: in.Version, Command: in.Command, Python: echo.Python, ProbeVersion: echo.Version, WorkerModel: workers, TLS: in.TLS}
	if in.Uwsgi {
		info.Protocol = "uwsgi"
	}
	if f := in.Front; f != nil {
		info.Front = &reports.Front{Name: f.Server, Version: f.Version, Command: f.Command, Config: f.Config}
	}
	return info
}

// attachLogs puts the output of the server, and of its front, into its report.
func attachLogs(rep *reports.Report, in *harness.Instance) {
	rep.Target.Log = string(in.Log())
	if f := in.Front; f != nil && rep.Target.Front != nil {
		rep.Target.Front.Log = string(f.Log())
	}
}

// portOf is addr's port, 0 when it has none.
func portOf(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}
