package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/spec"
)

func TestVersionNamesCatalogAndProbe(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errOut := run(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		for _, want := range []string{"conform ", "catalog " + spec.CatalogVersion, fmt.Sprintf("probe protocol %d", probes.Version), "commit "} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: %q does not say %q", args, out, want)
			}
		}
		if strings.Count(out, "\n") != 1 {
			t.Errorf("%v: want one line, got %q", args, out)
		}
	}
}

// TestInstalledBinaryKnowsItsCommit builds conform as the README's install command does, in
// this checkout, and asks it for its version: the commit must be the checkout's HEAD.
// -buildvcs=true as in the README: some Go installations default it to false.
func TestInstalledBinaryKnowsItsCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "conform")
	build := exec.Command(filepath.Join(runtimeGOROOT(), "bin", "go"), "build", "-buildvcs=true", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("conform version: %v", err)
	}
	if !strings.Contains(string(out), "commit "+strings.TrimSpace(string(head))) {
		t.Errorf("conform version says %q; HEAD is %s", out, head)
	}
}

func runtimeGOROOT() string {
	if r := os.Getenv("GOROOT"); r != "" {
		return r
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "/usr/local/go"
	}
	return strings.TrimSpace(string(out))
}
