// Command conform tests a Python WSGI server for PEP 3333 and HTTP/1.1 conformance.
//
//	conform --target 127.0.0.1:8000      run the catalog against a server hosting probe.py
//	conform --server gunicorn-sync        start a known server with the probe and test it
//	conform run -- CMD {host} {port}      start any server command and test it
//	conform servers                       list known servers and which are installed
//	conform reference --listen ADDR       serve the reference gateway
//	conform list                          print the catalog with spec references
//	conform probe --write DIR             write probe.py for your server to host
//
// Exit status: 0 when no MUST check failed, 1 when one did, 2 for usage errors and targets
// that cannot be tested at all.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/conform-wsgi/conform/internal/safetext"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usageError marks errors in what the user asked for, which exit with status 2.
type usageError struct{ error }

func usagef(format string, args ...interface{}) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitError carries a non-zero exit status decided by a command that already reported why.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Main runs conform with the given arguments and returns the exit status. Errors are one
// line on stderr, never a stack trace.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCommand(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(stderr, "conform: %s\n", safetext.Block(err.Error())) // errors may quote a target
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "Run 'conform --help' for usage.")
	}
	// Anything else that stops a run before a verdict (unreachable target, no probe,
	// unwritable report) is, like a usage error, a run that could not test: status 2.
	return exitUsage
}

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	opts := &runOptions{}
	root := &cobra.Command{
		Use:   "conform --target HOST:PORT | --server NAME [flags]",
		Short: "Test a Python WSGI server for PEP 3333 and HTTP/1.1 conformance",
		Long: `conform drives a WSGI server hosting the conform probe application (probe.py) with
exact request bytes, and reports where the server departs from PEP 3333, RFC 9112 and
RFC 9110: MUST requirements fail, SHOULD requirements warn, observed behaviour is info.

Host the probe with your server ('conform probe --write DIR', then e.g.
'/usr/bin/python3 -m gunicorn --chdir DIR probe:app'), and point conform at it with --target.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.server != "" {
				if opts.target != "" {
					return usagef("give --target or --server, not both")
				}
				return runOnServer(cmd.Context(), opts, opts.server, nil, stdout, stderr)
			}
			return runCatalog(cmd.Context(), opts, stdout, stderr)
		},
	}
	root.Version = readBuildInfo().String()
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	opts.bind(root)
	root.AddCommand(newListCommand(stdout), newProbeCommand(stdout), newServersCommand(stdout), newRunCommand(stdout, stderr), newReferenceCommand(stdout, stderr), newMatrixCommand(stdout, stderr), newFuzzCommand(stdout, stderr), newReplayCommand(stdout, stderr), newCausesCommand(stdout), newBaselineCommand(stdout, stderr), newVersionCommand(stdout))
	registerCompletions(root)
	return root
}
