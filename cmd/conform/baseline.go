package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conform-wsgi/conform/baseline"
	"github.com/conform-wsgi/conform/reports"
	"github.com/conform-wsgi/conform/spec"
)

func newBaselineCommand(stdout, stderr io.Writer) *cobra.Command {
	c := &cobra.Command{
		Use:   "baseline write|check FILE",
		Short: "Record the checks a target is known to fail, so CI fails only on regressions",
		Long: `A baseline lists, one line each, the checks that do not pass on a target ("ID  STATUS
# reason"); a check that is not listed is expected to pass. 'conform --baseline FILE'
then fails only on regressions: a check worse than its line (pass -> warn/fail,
warn -> fail, anything -> error unless the line says error). Checks listed that now pass
are reported, to be removed. The file is sorted, diff-friendly and meant to be edited.

  conform baseline write conform.baseline --server gunicorn-sync   run, then record
  conform baseline write conform.baseline --from report.json       record a JSON report
  conform --server gunicorn-sync --baseline conform.baseline       CI: fail on regressions
  conform baseline check conform.baseline --from report.json       compare a report offline`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usagef("give a subcommand: 'conform baseline write FILE' or 'conform baseline check FILE --from REPORT'")
		},
	}
	c.AddCommand(newBaselineWriteCommand(stdout, stderr), newBaselineCheckCommand(stdout, stderr))
	return c
}

func newBaselineWriteCommand(stdout, stderr io.Writer) *cobra.Command {
	opts := &runOptions{}
	var from string
	c := &cobra.Command{
		Use:   "write FILE [--target HOST:PORT | --server NAME | --from REPORT.json]",
		Short: "Run the catalog (or read a JSON report) and record every check that does not pass",
		Long: `Run the catalog against --target or --server, as the root command does, or read the
JSON report --from names, and write FILE: one line per warn, fail, error or flaky check,
sorted by ID. When FILE already exists, the reasons written in it are kept; new lines get
the check's title as their reason. A run that was interrupted, or whose target died and
could not be restarted, is not recorded.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeBaseline(cmd.Context(), opts, args[0], from, stdout, stderr)
		},
	}
	opts.bind(c)
	c.Flags().StringVar(&from, "from", "", "record this JSON report instead of running the catalog")
	return c
}

func writeBaseline(ctx context.Context, o *runOptions, path, from string, stdout, stderr io.Writer) error {
	keep, err := baseline.Read(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return usagef("%v (not overwriting a file that is not a baseline)", err)
	}
	if err := checkOutputFile("baseline", path); err != nil {
		return err
	}
	var rep *reports.Report
	switch {
	case from != "" && (o.target != "" || o.server != ""):
		return usagef("give --from, or --target/--server, not both")
	case from != "":
		if rep, err = readReport(from); err != nil {
			return err
		}
	case o.server != "" && o.target != "":
		return usagef("give --target or --server, not both")
	case o.server != "":
		rep, err = collectOnServer(ctx, o, o.server, nil, stderr)
	default:
		rep, err = collectCatalog(ctx, o, stderr)
	}
	if err != nil {
		return err
	}
	if from == "" {
		// Show what is being recorded, and write the reports asked for.
		if errs := writeOutputs(rep, o, stdout, stderr); len(errs) > 0 {
			return errors.New(strings.Join(errs, "; "))
		}
	}
	f, err := baseline.FromReport(rep, keep)
	if err != nil {
		fmt.Fprintf(stderr, "conform: not writing %s: %v\n", path, err)
		return exitError{exitFail}
	}
	if err := reports.WriteFileAtomic(path, f.Write); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	counts := map[string]int{}
	for _, e := range f.Entries {
		counts[e.Status]++
	}
	var parts []string
	for _, s := range baseline.Statuses {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	summary := "every check passes"
	if len(parts) > 0 {
		summary = strings.Join(parts, ", ")
	}
	fmt.Fprintf(stdout, "conform: wrote baseline %s: %d checks listed (%s)\n", path, len(f.Entries), summary)
	return nil
}

func newBaselineCheckCommand(stdout, stderr io.Writer) *cobra.Command {
	opts := &runOptions{}
	var from string
	c := &cobra.Command{
		Use:   "check FILE --from REPORT.json",
		Short: "Compare a JSON report with a baseline; exit 1 on regressions",
		Long: `Compare the JSON report --from names with the baseline FILE, as 'conform --baseline FILE'
does after a run: print the summary with the regressions and the fixed checks, and exit
1 when a check regressed. --fail-on and --strict choose which statuses count (default:
fail, warn and error); --json writes the report annotated with the comparison.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" {
				return usagef("give the report to check with --from REPORT.json")
			}
			opts.baselinePath = args[0]
			if err := opts.validateFlags(); err != nil {
				return err
			}
			rep, err := readReport(from)
			if err != nil {
				return err
			}
			return finish(rep, opts, stdout, stderr)
		},
	}
	f := c.Flags()
	f.StringVar(&from, "from", "", "the JSON report to check")
	f.StringSliceVar(&opts.failOn, "fail-on", nil, "statuses that count as regressions: fail (always), warn, error, flaky, info (default fail,warn,error)")
	f.BoolVar(&opts.strict, "strict", false, "shorthand for --fail-on fail,warn,error")
	f.StringVar(&opts.jsonPath, "json", "", "write the report, annotated with the comparison, to this file")
	f.StringVar(&opts.reproDir, "repro", "", "write the request of every fail, warn, error and flaky check to DIR/<ID>.http")
	f.BoolVarP(&opts.quiet, "quiet", "q", false, "print only the final verdict line")
	f.BoolVar(&opts.noColor, "no-color", false, "disable ANSI colours")
	opts.scale, opts.checkTimeout, opts.trials = 1, spec.MinCheckTimeout, spec.DefaultTrials // unused: nothing runs
	return c
}

func readReport(path string) (*reports.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rep, err := reports.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rep.SetRepro()
	return rep, nil
}
