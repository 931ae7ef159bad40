package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/conform-wsgi/conform/reference"
)

func TestJobsFlagIsChecked(t *testing.T) {
	addr := startRef(t, reference.Deviations{})
	for _, args := range [][]string{
		{"--target", addr, "--jobs", "-1"},
		{"--target", addr, "--jobs", "33"},
		{"matrix", "--jobs", "33"},
		{"matrix", "--parallel", "9"},
	} {
		code, _, stderr := run(t, args...)
		first, _, _ := strings.Cut(stderr, "\n")
		if code != exitUsage || !strings.HasPrefix(first, "conform: "+args[len(args)-2]+" must be") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message naming the flag", args, code, stderr)
		}
	}
}

// TestJobsByDefaultComeFromTheTarget: without --jobs the run measures the target first
// (and says so with -v); --jobs 1 runs one check at a time; both reach the same verdicts.
func TestJobsByDefaultComeFromTheTarget(t *testing.T) {
	addr := startRef(t, reference.Deviations{})
	dir := t.TempDir()
	statuses := map[string]map[string]string{}
	for _, jobs := range []string{"0", "1"} {
		path := filepath.Join(dir, jobs+".json")
		code, stdout, stderr := run(t, "--target", addr, "--only", "environ,connection", "--jobs", jobs, "-v", "--json", path)
		if code != 0 {
			t.Fatalf("--jobs %s: exit %d\n%s%s", jobs, code, stdout, stderr)
		}
		measured := strings.Contains(stderr, "the target serves at least 32 at once") && strings.Contains(stderr, "up to 32 checks at once")
		if measured != (jobs == "0") {
			t.Errorf("--jobs %s: measured %v:\n%s", jobs, measured, stderr)
		}
		statuses[jobs] = map[string]string{}
		for _, r := range readJSONReport(t, path).Results {
			statuses[jobs][r.ID] = r.Status
		}
	}
	if len(statuses["0"]) == 0 || len(statuses["0"]) != len(statuses["1"]) {
		t.Fatalf("%d and %d results", len(statuses["0"]), len(statuses["1"]))
	}
	for id, s := range statuses["1"] {
		if statuses["0"][id] != s {
			t.Errorf("%s: %s one at a time, %s concurrently", id, s, statuses["0"][id])
		}
	}
}
