package conform_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/internal/verdicts"
	"github.com/conform-wsgi/conform/spec"
)

// TestVerdictFilesAreComplete: every harness server has a verdict file and no other file
// lies there; every line names a check, carries a reason pointing at a source line, and is
// not a skip its prerequisites already imply.
func TestVerdictFilesAreComplete(t *testing.T) {
	known := map[string]bool{}
	for _, s := range harness.Known() {
		known[s.Name+".txt"] = true
		f, err := verdicts.Read(filepath.Join(verdictsDir, s.Name+".txt"))
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		if f.Server != s.Name || f.Version == "" {
			t.Errorf("%s: the file says server %q, version %q", s.Name, f.Server, f.Version)
		}
		statuses := map[string]spec.Status{}
		for _, l := range f.Lines {
			c, ok := spec.Lookup(l.ID)
			if !ok {
				t.Errorf("%s line %d: no check %s", s.Name, l.N, l.ID)
				continue
			}
			if c.ID != l.ID {
				t.Errorf("%s line %d: %s is an old ID of %s", s.Name, l.N, l.ID, c.ID)
			}
			if !verdicts.HasSourceLine(l.Reason) {
				t.Errorf("%s line %d: %s %s has no source-line reason: %q", s.Name, l.N, l.ID, l.Status, l.Reason)
			}
			if l.Status == spec.Skip && !strings.HasPrefix(l.Reason, "not applicable:") {
				t.Errorf("%s line %d: a skip is written only when the check itself finds it does not apply (\"not applicable: ...\"); others follow from prerequisites", s.Name, l.N)
			}
			statuses[l.ID] = l.Status
		}
		// Written back, the file is unchanged: no implied skip is written by hand.
		exp := f.Expected(spec.All())
		again, missing := verdicts.FromRun(f.Server, f.Version, exp, spec.All(), f)
		if len(missing) > 0 || len(again.Lines) != len(f.Lines) {
			t.Errorf("%s: rewriting the file from its own verdicts gives %d lines (%d without a reason), not %d: an implied skip is written by hand", s.Name, len(again.Lines), len(missing), len(f.Lines))
		}
	}
	entries, err := os.ReadDir(verdictsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !known[e.Name()] {
			t.Errorf("%s/%s belongs to no harness server", verdictsDir, e.Name())
		}
	}
}
