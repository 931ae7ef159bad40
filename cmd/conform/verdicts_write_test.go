package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/verdicts"
	"github.com/conform-wsgi/conform/reports"
	"github.com/conform-wsgi/conform/spec"
)

// TestWriteVerdictsKeepsReasonsAndRefusesNew: a run whose verdicts match a server's file
// writes it back unchanged; a run with a verdict the file does not explain is refused, and
// the line to explain is printed.
func TestWriteVerdictsKeepsReasonsAndRefusesNew(t *testing.T) {
	src := filepath.Join("..", "..", "testdata", "verdicts", "wsgiref.txt")
	orig, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	f, err := verdicts.Read(src)
	if err != nil {
		t.Fatal(err)
	}
	report := func(statuses map[string]spec.Status) *reports.Report {
		var results []*spec.Result
		for _, c := range spec.All() {
			results = append(results, &spec.Result{Check: c, Status: statuses[c.ID]})
		}
		r := reports.New(reports.Target{Addr: "127.0.0.1:1", Server: f.Server, ServerVersion: f.Version}, time.Now(), results)
		return r
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "wsgiref.txt")
	if err := os.WriteFile(path, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	statuses := f.Expected(spec.All())
	var out, errb bytes.Buffer
	if err := writeVerdicts(dir, []*reports.Report{report(statuses)}, spec.All(), &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, orig) {
		t.Errorf("the same verdicts rewrote the file:\n%s", got)
	}

	// A check that passed on wsgiref now fails: nothing explains it.
	var newFail string
	for _, c := range spec.All() {
		if statuses[c.ID] == spec.Pass {
			newFail = c.ID
			break
		}
	}
	statuses[newFail] = spec.Fail
	out.Reset()
	errb.Reset()
	if err := writeVerdicts(dir, []*reports.Report{report(statuses)}, spec.All(), &out, &errb); err == nil {
		t.Fatal("a verdict without a reason was written")
	}
	if !strings.Contains(errb.String(), newFail+"  fail  # wsgiref:LINE") {
		t.Errorf("the line to explain is not shown:\n%s", errb.String())
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, orig) {
		t.Error("the refused run changed the file")
	}
}
