package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/spec"
)

// buildInfo is what 'conform version' reports: the tool's version (the -ldflags value, else
// the module version go install recorded), the catalog and probe versions, and the commit.
type buildInfo struct {
	Version, Catalog, Commit, GoVersion string
	Probe                               int
	Modified                            bool
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: Version, Catalog: spec.CatalogVersion, Probe: probes.Version, Commit: "unknown", GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if b.Version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

func (b buildInfo) String() string {
	commit := b.Commit
	if b.Modified {
		commit += " (modified)"
	}
	return fmt.Sprintf("conform %s (catalog %s, probe protocol %d, commit %s, %s)", b.Version, b.Catalog, b.Probe, commit, b.GoVersion)
}

func newVersionCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print conform's version, its catalog version and the commit it was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(stdout, readBuildInfo())
			return err
		},
	}
}
