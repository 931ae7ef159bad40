package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/conform-wsgi/conform/reports"
)

// TestConsecutiveMatricesAgree runs the whole matrix, as a user runs it (default flags),
// CONFORM_MATRIX_RUNS times in a row and asserts that every server gives every check the
// same status each time, and that no check is flaky: a verdict that changes between runs,
// or under the concurrency the matrix uses, belongs to a check that is not isolated.
//
//	CONFORM_MATRIX_RUNS=3 go test -count=1 -run TestConsecutiveMatricesAgree -timeout 20m ./cmd/conform/
//
// It takes about a minute a run on two cores, so CI leaves it out.
func TestConsecutiveMatricesAgree(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("CONFORM_MATRIX_RUNS"))
	if runs < 2 {
		t.Skip("set CONFORM_MATRIX_RUNS=3 to run the whole matrix three times and compare")
	}
	dir := t.TempDir()
	var first map[string]string
	for i := 1; i <= runs; i++ {
		path := filepath.Join(dir, fmt.Sprintf("m%d.json", i))
		code, stdout, stderr := run(t, "matrix", "--json", path)
		if code != exitOK && code != exitFail {
			t.Fatalf("matrix run %d: exit %d\n%s\n%s", i, code, stdout, stderr)
		}
		statuses, flaky := matrixStatuses(t, path)
		for _, f := range flaky {
			t.Errorf("run %d: %s", i, f)
		}
		t.Logf("run %d: %d verdicts", i, len(statuses))
		if first == nil {
			first = statuses
			continue
		}
		for key, s := range first {
			if statuses[key] != s {
				t.Errorf("run %d: %s is %s, run 1 gave %s", i, key, statuses[key], s)
			}
		}
		for key := range statuses {
			if _, ok := first[key]; !ok {
				t.Errorf("run %d has %s, which run 1 did not", i, key)
			}
		}
	}
}

// matrixStatuses reads a matrix JSON file into "server check" ("server+front check") → status, and names every
// flaky result with its message.
func matrixStatuses(t *testing.T, path string) (map[string]string, []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var reps []*reports.Report
	if err := json.Unmarshal(b, &reps); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]string{}
	var flaky []string
	for _, rep := range reps {
		name := rep.Target.Server
		if f := rep.Target.Front; f != nil {
			name += "+" + f.Name
		}
		if rep.Aborted != "" || rep.Interrupted {
			t.Errorf("%s: the run did not finish: %q", name, rep.Aborted)
		}
		for _, r := range rep.Results {
			out[name+" "+r.ID] = r.Status
			if r.Status == "flaky" {
				flaky = append(flaky, fmt.Sprintf("%s %s is flaky: %s", name, r.ID, r.Message))
			}
		}
	}
	return out, flaky
}
