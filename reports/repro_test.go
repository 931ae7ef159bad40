package reports

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/spec"
)

// TestReproLeavesOnlyThisRunsFiles: a second run into the same directory removes what the
// first wrote and this one does not, and nothing else.
func TestReproLeavesOnlyThisRunsFiles(t *testing.T) {
	req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	check := func(id string) *spec.Check {
		return &spec.Check{ID: id, Title: id, Area: "framing", Level: spec.Must, Ref: spec.Ref{Doc: "RFC 9112", Section: "7.1"}}
	}
	report := func(statuses map[string]spec.Status) *Report {
		var results []*spec.Result
		for _, id := range []string{"rfc9112/7.1/a", "rfc9112/7.1/b", "rfc9112/7.1/c"} {
			if st, ok := statuses[id]; ok {
				results = append(results, &spec.Result{Check: check(id), Status: st, Request: req})
			}
		}
		return New(Target{Addr: "127.0.0.1:8000"}, time.Now(), results)
	}
	dir := t.TempDir()
	mine := filepath.Join(dir, "notes.http") // the user's own file
	if err := os.WriteFile(mine, req, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteRepro(dir, report(map[string]spec.Status{"rfc9112/7.1/a": spec.Fail, "rfc9112/7.1/b": spec.Fail, "rfc9112/7.1/c": spec.Warn})); err != nil {
		t.Fatal(err)
	}
	// b now passes, c was not run this time (--only): neither file may stay.
	if _, err := WriteRepro(dir, report(map[string]spec.Status{"rfc9112/7.1/a": spec.Fail, "rfc9112/7.1/b": spec.Pass})); err != nil {
		t.Fatal(err)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{ReproManifest, "notes.http", "rfc9112_7.1_a.http"}
	if !slices.Equal(names, want) {
		t.Errorf("after the second run the directory holds %q, want %q", names, want)
	}
	// A manifest edited to name another file cannot make a run remove it.
	if err := os.WriteFile(filepath.Join(dir, ReproManifest), []byte("../outside.http\nnotes.http/x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(filepath.Dir(dir), "outside.http")
	os.WriteFile(outside, req, 0o644)
	defer os.Remove(outside)
	if _, err := WriteRepro(dir, report(map[string]spec.Status{"rfc9112/7.1/a": spec.Fail})); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("a file outside the directory was removed: %v", err)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("the user's own file was removed: %v", err)
	}
}
