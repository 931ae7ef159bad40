package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/conform-wsgi/conform/probes"
)

func newProbeCommand(stdout io.Writer) *cobra.Command {
	var dir string
	var force bool
	c := &cobra.Command{
		Use:   "probe --write DIR",
		Short: "Write probe.py, the WSGI application your server must host",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return usagef("give --write DIR: the directory to write probe.py into")
			}
			existing, err := os.ReadFile(filepath.Join(dir, "probe.py"))
			switch {
			case err == nil && bytes.Equal(existing, probes.Source):
				fmt.Fprintf(stdout, "%s is up to date (probe protocol %d)\n", filepath.Join(dir, "probe.py"), probes.Version)
				return nil
			case err == nil && !force:
				return usagef("%s exists and differs from this conform's probe; give --force to replace it", filepath.Join(dir, "probe.py"))
			}
			path, err := probes.Write(dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s (probe protocol %d)\nhost it, e.g.: /usr/bin/python3 -m gunicorn --chdir %s probe:app   or   python3 %s --port 8000\n", path, probes.Version, dir, path)
			return nil
		},
	}
	c.Flags().StringVar(&dir, "write", "", "directory to write probe.py into")
	c.Flags().BoolVar(&force, "force", false, "replace a probe.py that differs from this conform's")
	return c
}
