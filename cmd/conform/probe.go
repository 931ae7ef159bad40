package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/conform-wsgi/conform/probes"
)

func newProbeCommand(stdout io.Writer) *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "probe --write DIR",
		Short: "Write probe.py, the WSGI application your server must host",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return usagef("give --write DIR: the directory to write probe.py into")
			}
			path, err := probes.Write(dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s (probe protocol %d)\nhost it, e.g.: gunicorn --chdir %s probe:app   or   python3 %s --port 8000\n", path, probes.Version, dir, path)
			return nil
		},
	}
	c.Flags().StringVar(&dir, "write", "", "directory to write probe.py into")
	return c
}
