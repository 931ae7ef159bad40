package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/reports"
)

// countingServer accepts connections, counts them and closes each at once.
func countingServer(t *testing.T) (addr string, accepted *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	accepted = &atomic.Int64{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return l.Addr().String(), accepted
}

// TestOutputsAreCheckedBeforeAnyRequest: a report that could not be written fails the run
// before conform talks to the target, not after the whole catalog.
func TestOutputsAreCheckedBeforeAnyRequest(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.txt")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	under := filepath.Join(file, "x") // not writable even by root
	for _, args := range [][]string{
		{"--html", filepath.Join(under, "r.html")},
		{"--json", filepath.Join(under, "r.json")},
		{"--junit", dir}, // a directory
		{"--markdown", filepath.Join(dir, "missing", "r.md")},
		{"--repro", under},
		{"--json", "-", "--junit", "-"},
	} {
		addr, accepted := countingServer(t)
		code, _, stderr := run(t, append([]string{"--target", addr}, args...)...)
		if code != exitUsage || !strings.HasPrefix(stderr, "conform: ") {
			t.Errorf("%v: exit %d, stderr %q; want 2 with a one-line reason", args, code, stderr)
		}
		if n := accepted.Load(); n != 0 {
			t.Errorf("%v: the target got %d connections before the outputs were checked", args, n)
		}
	}
	// The same for matrix and baseline write, which run long before they write.
	code, _, stderr := run(t, "matrix", "--servers", "wsgiref", "--html", filepath.Join(under, "m.html"))
	if code != exitUsage || !strings.Contains(stderr, "--html") {
		t.Errorf("matrix with an unwritable --html: exit %d, %q", code, stderr)
	}
}

func TestJSONReportOnStandardOutput(t *testing.T) {
	ref, err := reference.Start(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	code, stdout, stderr := run(t, "--target", ref.Addr, "--only", "pep3333/environ/wsgi-version", "--json", "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rep, err := reports.ReadJSON(strings.NewReader(stdout))
	if err != nil {
		t.Fatalf("stdout is not the JSON report alone: %v\n%s", err, stdout)
	}
	if len(rep.Results) != 1 || rep.Results[0].ID != "pep3333/environ/wsgi-version" {
		t.Errorf("JSON on stdout has %d results", len(rep.Results))
	}
	if !strings.Contains(stderr, "PASS") {
		t.Errorf("the summary did not move to stderr: %q", stderr)
	}
}

func TestEveryOnlyPatternMustMatch(t *testing.T) {
	addr, accepted := countingServer(t)
	code, _, stderr := run(t, "--target", addr, "--only", "framing,framming")
	if code != exitUsage || !strings.Contains(stderr, `"framming"`) {
		t.Errorf("a misspelt --only beside a good one: exit %d, %q", code, stderr)
	}
	if accepted.Load() != 0 {
		t.Error("the run started despite the bad pattern")
	}
	code, stdout, stderr := run(t, "list", "--only", "framing", "--skip", "rfc9999/1")
	if code != exitOK || !strings.Contains(stderr, `--skip "rfc9999/1" matches no check`) || !strings.Contains(stdout, "rfc9112/") {
		t.Errorf("an unmatched --skip is a warning: exit %d, stderr %q", code, stderr)
	}
}

func TestTargetFromTheEnvironment(t *testing.T) {
	ref, err := reference.Start(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	t.Setenv(targetEnv, ref.Addr)
	code, stdout, stderr := run(t, "--only", "pep3333/environ/wsgi-version")
	if code != exitOK || !strings.Contains(stdout, ref.Addr) {
		t.Errorf("CONFORM_TARGET: exit %d\n%s%s", code, stdout, stderr)
	}
	// --target wins over the environment.
	closed, _ := countingServer(t)
	code, _, stderr = run(t, "--target", closed, "--only", "pep3333/environ/wsgi-version")
	if code != exitUsage || !strings.Contains(stderr, closed) {
		t.Errorf("--target did not win over CONFORM_TARGET: exit %d, %q", code, stderr)
	}
}

func TestProbeWriteKeepsAnEditedProbe(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "probe.py")
	if code, _, stderr := run(t, "probe", "--write", dir); code != exitOK {
		t.Fatalf("first write: exit %d %s", code, stderr)
	}
	if code, stdout, _ := run(t, "probe", "--write", dir); code != exitOK || !strings.Contains(stdout, "up to date") {
		t.Errorf("rewriting the same probe: exit %d %q", code, stdout)
	}
	edited := []byte("# my changes\n")
	os.WriteFile(path, edited, 0o644)
	code, _, stderr := run(t, "probe", "--write", dir)
	if b, _ := os.ReadFile(path); code != exitUsage || !bytes.Equal(b, edited) || !strings.Contains(stderr, "--force") {
		t.Errorf("an edited probe.py was not kept: exit %d, %q", code, stderr)
	}
	if code, _, _ := run(t, "probe", "--write", dir, "--force"); code != exitOK {
		t.Errorf("--force: exit %d", code)
	}
	if b, _ := os.ReadFile(path); bytes.Equal(b, edited) {
		t.Error("--force did not replace the edited probe.py")
	}
}

func TestCompletionOffersServersChecksAndAreas(t *testing.T) {
	complete := func(args ...string) []string {
		code, stdout, stderr := run(t, append([]string{"__complete"}, args...)...)
		if code != exitOK {
			t.Fatalf("__complete %v: exit %d %s", args, code, stderr)
		}
		var out []string
		for _, line := range strings.Split(stdout, "\n") {
			if line != "" && !strings.HasPrefix(line, ":") {
				out = append(out, strings.SplitN(line, "\t", 2)[0])
			}
		}
		return out
	}
	has := func(list []string, want string) bool {
		for _, v := range list {
			if v == want {
				return true
			}
		}
		return false
	}
	if got := complete("--server", "gun"); !has(got, "gunicorn-sync") || has(got, "waitress") {
		t.Errorf("--server gun: %q", got)
	}
	if got := complete("fuzz", "--server", ""); !has(got, "waitress") {
		t.Errorf("fuzz --server: %q", got)
	}
	if got := complete("matrix", "--servers", "waitress,uw"); !has(got, "waitress,uwsgi") {
		t.Errorf("matrix --servers waitress,uw: %q", got)
	}
	if got := complete("--only", "fram"); !has(got, "framing") {
		t.Errorf("--only fram: %q", got)
	}
	if got := complete("--skip", "rfc9112/5"); !has(got, "rfc9112/5.1/") || !has(got, "rfc9112/5.1/whitespace-before-colon") {
		t.Errorf("--skip rfc9112/5: %q", got)
	}
}

var _ = time.Second
var _ = json.Marshal

func TestListCoverage(t *testing.T) {
	code, stdout, stderr := run(t, "list", "--coverage")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"PEP 3333", "RFC 9112", "RFC 9110", "TESTED %", "tested by a check"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("list --coverage lacks %q:\n%s", want, stdout)
		}
	}
	if code, _, _ := run(t, "list", "--coverage", "--only", "framing"); code != exitUsage {
		t.Errorf("--coverage with --only: exit %d, want 2", code)
	}
}

func TestFuzzAndReplayTakeTheTargetFromTheEnvironment(t *testing.T) {
	ref, err := reference.Start(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	t.Setenv(targetEnv, ref.Addr)
	dir := t.TempDir()
	code, stdout, stderr := run(t, "fuzz", "--cases", "20", "--dir", filepath.Join(dir, "f"), "--quiet")
	if code != exitOK {
		t.Errorf("fuzz with CONFORM_TARGET: exit %d\n%s%s", code, stdout, stderr)
	}
	req := filepath.Join(dir, "req.http")
	os.WriteFile(req, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 0o644)
	code, stdout, stderr = run(t, "replay", req)
	if code != exitOK || !strings.Contains(stdout, ref.Addr) {
		t.Errorf("replay with CONFORM_TARGET: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestBaselineWriteChecksItsFileFirst(t *testing.T) {
	addr, accepted := countingServer(t)
	dir := t.TempDir()
	code, _, stderr := run(t, "baseline", "write", filepath.Join(dir, "missing", "conform.baseline"), "--target", addr)
	if code != exitUsage || !strings.Contains(stderr, "cannot be written") {
		t.Errorf("exit %d, %q", code, stderr)
	}
	if accepted.Load() != 0 {
		t.Error("the run started before the baseline file was checked")
	}
}
