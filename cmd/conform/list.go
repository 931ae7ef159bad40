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
	var asJSON, quotes bool
	c := &cobra.Command{
		Use:   "list",
		Short: "Print the check catalog with spec references",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			checks, err := spec.Select(spec.All(), only, skip)
			if err != nil {
				return usageError{err}
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
