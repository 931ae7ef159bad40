package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/conform-wsgi/conform/fuzz"
	"github.com/spf13/cobra"
)

// newCausesCommand groups a findings directory again with this version's rules: a campaign
// that outlived an upgrade, or a directory copied from CI, gets the causes a new session
// would list.
func newCausesCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "causes DIR",
		Short: "Group the findings of a conform fuzz directory into causes again, and list them",
		Long: `conform causes reads every finding in DIR (written by conform fuzz --dir), groups them into
causes as this version of conform does, rewrites DIR/causes.json and lists the causes, worst
first, with their counts and the example to replay.

Exit status: 0 no cause (observed choices only, or no finding), 1 causes, 2 DIR could not be
read.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("give one findings directory")
			}
			dir := args[0]
			if st, err := os.Stat(dir); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return usagef("%s: no such directory", dir)
				}
				return usagef("%v", err)
			} else if !st.IsDir() {
				return usagef("%s is not a directory", dir)
			}
			found, err := fuzz.LoadFindings(dir)
			if err != nil {
				return usagef("%v", err)
			}
			for _, f := range found {
				f.Diagnosed = false // named again with this version's deviations
			}
			cs := fuzz.GroupCauses(found, dir)
			if err := fuzz.WriteCauses(dir, cs); err != nil {
				return err
			}
			if len(cs.Causes)+len(cs.Choices) == 0 {
				fmt.Fprintf(stdout, "no findings in %s\n", dir)
				return nil
			}
			cs.WriteText(stdout)
			if len(cs.Causes) > 0 {
				return exitError{exitFail}
			}
			return nil
		},
	}
}
