package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/conform-wsgi/conform/spec"
)

func newListCommand(stdout io.Writer) *cobra.Command {
	var only, skip []string
	var asJSON, quotes, coverage bool
	c := &cobra.Command{
		Use:   "list",
		Short: "Print the check catalog with spec references",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if coverage {
				if len(only) > 0 || len(skip) > 0 || asJSON || quotes {
					return usagef("--coverage takes no other flag")
				}
				return listCoverage(stdout)
			}
			checks, err := selectChecks(only, skip, warnTo(cmd.ErrOrStderr()))
			if err != nil {
				return err
			}
			if asJSON {
				return listJSON(stdout, checks)
			}
			tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
			fmt.Fprintf(tw, "ID\tLEVEL\tSPEC\tTITLE\n")
			for _, c := range checks {
				title := c.Title
				if c.Timing {
					title += " [timing]"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Level, c.Ref, title)
				for _, a := range c.Aliases {
					fmt.Fprintf(tw, "  alias %s\t\t\t(the old ID; still accepted by --only, --skip and baselines)\n", a)
				}
				if quotes {
					fmt.Fprintf(tw, "\t\t\t  %q\n", c.Quote)
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "\n%d checks (catalog %s) in areas: %s\n", len(checks), spec.CatalogVersion, strings.Join(spec.Areas, ", "))
			fmt.Fprintln(stdout, "[timing]: measured again when it does not pass; trials that disagree report 'flaky'")
			return nil
		},
	}
	c.Flags().StringSliceVar(&only, "only", nil, "list only checks matching these ID globs, prefixes or areas")
	c.Flags().StringSliceVar(&skip, "skip", nil, "leave out checks matching these")
	c.Flags().BoolVar(&asJSON, "json", false, "print the catalog as JSON")
	c.Flags().BoolVar(&quotes, "quotes", false, "print the spec sentence each check enforces")
	c.Flags().BoolVar(&coverage, "coverage", false, "print, per document and section, how many of the normative sentences that bind a server the checks test")
	return c
}

func listJSON(w io.Writer, checks []*spec.Check) error {
	type entry struct {
		ID, Title, Area, Level, Spec, URL, Quote string
		Requires                                 []string `json:",omitempty"`
		Aliases                                  []string `json:",omitempty"`
		Timing                                   bool     `json:",omitempty"`
	}
	var out []entry
	for _, c := range checks {
		out = append(out, entry{c.ID, c.Title, c.Area, c.Level.String(), c.Ref.String(), c.Ref.URL(), c.Quote, c.Requires, c.Aliases, c.Timing})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// listCoverage prints the trace's figures: per section, then per document, the sentences
// that bind a server, how many a check tests, how many cannot be tested through a WSGI app
// (with a reason in the trace), and how many are open (testable, no check yet).
func listCoverage(w io.Writer) error {
	trace, _, err := spec.Trace()
	if err != nil {
		return err
	}
	rows := spec.Coverage(trace)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "DOCUMENT\tSECTION\tSENTENCES\tTESTED\tREASONED\tOPEN\tTESTED %%\tOTHER ROLES\t\n")
	totals := map[string]*spec.SectionCoverage{}
	var docs []string
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%d\t\n", r.Doc, r.Section, r.Sentences, r.Tested, r.Reasoned, r.Open, percent(r.Tested, r.Sentences), r.Other)
		t := totals[r.Doc]
		if t == nil {
			t = &spec.SectionCoverage{Doc: r.Doc, Section: "all"}
			totals[r.Doc] = t
			docs = append(docs, r.Doc)
		}
		t.Sentences += r.Sentences
		t.Tested += r.Tested
		t.Reasoned += r.Reasoned
		t.Open += r.Open
		t.Other += r.Other
	}
	fmt.Fprintf(tw, "\t\t\t\t\t\t\t\t\n")
	all := spec.SectionCoverage{Doc: "all", Section: "all"}
	for _, d := range docs {
		t := totals[d]
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%d\t\n", t.Doc, t.Section, t.Sentences, t.Tested, t.Reasoned, t.Open, percent(t.Tested, t.Sentences), t.Other)
		all.Sentences += t.Sentences
		all.Tested += t.Tested
		all.Reasoned += t.Reasoned
		all.Open += t.Open
		all.Other += t.Other
	}
	fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%d\t\n", all.Doc, all.Section, all.Sentences, all.Tested, all.Reasoned, all.Open, percent(all.Tested, all.Sentences), all.Other)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nSentences that bind a server (spec/trace/*.txt): %s tested by a check, %s tested or reasoned untestable through a WSGI app; %d open.\n",
		percent(all.Tested, all.Sentences), percent(all.Tested+all.Reasoned, all.Sentences), all.Open)
	return nil
}

func percent(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}
