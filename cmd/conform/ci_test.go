package main

// End-to-end tests of the CI contract: --fail-on and --strict, baselines (write, compare,
// hand edits, aliases, --from), --repro, a target that dies mid-run, list's aliases. The
// reference's deviations make the failures, regressions and fixes real.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/baseline"
	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/reports"
	"github.com/conform-wsgi/conform/spec"
)

func startRef(t *testing.T, dev reference.Deviations) string {
	t.Helper()
	ref, err := reference.Start(reference.Options{Deviations: dev})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })
	return ref.Addr
}

func readJSONReport(t *testing.T, path string) *reports.Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestFailOnAndStrict(t *testing.T) {
	const only = "pep3333/environ/underscore-header-no-collision" // a SHOULD: warn
	warns := startRef(t, reference.Deviations{KeepUnderscoreHeaders: true})
	clean := startRef(t, reference.Deviations{})
	for _, c := range []struct {
		addr string
		args []string
		code int
		has  string
	}{
		{warns, nil, exitOK, "PASS: 0 MUST checks failed, 1 SHOULD check warned"},
		{warns, []string{"--fail-on", "warn"}, exitFail, "failing on fail,warn)"},
		{warns, []string{"--fail-on", "error,flaky"}, exitOK, "failing on fail,flaky,error)"},
		{warns, []string{"--strict"}, exitFail, "failing on fail,warn,error)"},
		{clean, []string{"--strict"}, exitOK, "PASS"},
	} {
		code, stdout, stderr := run(t, append([]string{"--target", c.addr, "--only", only}, c.args...)...)
		if code != c.code || !strings.Contains(stdout, c.has) {
			t.Errorf("%v: exit %d (want %d), output lacks %q?\n%s%s", c.args, code, c.code, c.has, stdout, stderr)
		}
	}
	if code, _, stderr := run(t, "--target", clean, "--fail-on", "pass"); code != exitUsage || !strings.Contains(stderr, `--fail-on: "pass" is not a status that can fail a run`) {
		t.Errorf("--fail-on pass: exit %d %q", code, stderr)
	}
}

func TestBaselineEndToEnd(t *testing.T) {
	only := strings.Join([]string{
		"pep3333/start-response/second-call-without-exc-info", // MUST: fails with SecondStartResponseAllowed
		"pep3333/environ/underscore-header-no-collision",      // SHOULD: warns with KeepUnderscoreHeaders
		"rfc9110/5.1/invalid-field-name",                      // by its old ID: warns with AcceptInvalidFieldNames
		"rfc9112/5.1/whitespace-before-colon",                 // MUST: fails with AcceptWhitespaceBeforeColon
		"pep3333/environ/wsgi-version",
	}, ",")
	known := reference.Deviations{SecondStartResponseAllowed: true, KeepUnderscoreHeaders: true, AcceptInvalidFieldNames: true}
	worse := known
	worse.AcceptWhitespaceBeforeColon = true
	knownAddr, worseAddr, cleanAddr := startRef(t, known), startRef(t, worse), startRef(t, reference.Deviations{})
	dir := t.TempDir()
	file := filepath.Join(dir, "conform.baseline")

	// Record the known failures.
	code, stdout, stderr := run(t, "baseline", "write", file, "--target", knownAddr, "--only", only, "--quiet")
	if code != exitOK || !strings.Contains(stdout, "wrote baseline "+file+": 3 checks listed (2 warn, 1 fail)") {
		t.Fatalf("baseline write: exit %d\n%s%s", code, stdout, stderr)
	}
	b, _ := os.ReadFile(file)
	text := string(b)
	for _, want := range []string{
		"# catalog: " + spec.CatalogVersion + "\n",
		"# target: " + knownAddr + "\n",
		"# One line per check that does not pass",
		"\npep3333/environ/underscore-header-no-collision            warn   # ",
		"\npep3333/start-response/second-call-without-exc-info       fail   # ",
		"\nrfc9112/5/invalid-field-name                              warn   # ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("baseline file lacks %q:\n%s", want, text)
		}
	}
	if !strings.HasPrefix(text, baseline.Header) || entryLines(text) != 3 {
		t.Errorf("baseline file has unexpected lines:\n%s", text)
	}

	// The same target against it: nothing regressed.
	code, stdout, stderr = run(t, "--target", knownAddr, "--only", only, "--baseline", file)
	if code != exitOK || !strings.Contains(stdout, "PASS: 0 regressions against the baseline, 1 MUST check failed, 2 SHOULD checks warned") {
		t.Fatalf("against its own baseline: exit %d\n%s%s", code, stdout, stderr)
	}

	// Edit it by hand: a reason, the old ID of a renamed check, a check that no longer exists.
	text = strings.Replace(text, "rfc9112/5/invalid-field-name ", "rfc9110/5.1/invalid-field-name", 1)
	text = strings.Replace(text, "pep3333/start-response/second-call-without-exc-info       fail   # ", "pep3333/start-response/second-call-without-exc-info  fail  # https://example.org/issues/42 ", 1)
	text += "rfc9999/1/removed-check  warn  # gone\n"
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run(t, "--target", knownAddr, "--only", only, "--baseline", file)
	if code != exitOK {
		t.Fatalf("after the hand edit: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"rfc9110/5.1/invalid-field-name is now called rfc9112/5/invalid-field-name", "unknown check ID rfc9999/1/removed-check"} {
		if !strings.Contains(stderr, want) || !strings.Contains(stdout, want) {
			t.Errorf("the warning %q is not on stderr and in the summary:\n%s\n%s", want, stderr, stdout)
		}
	}

	// A new failure is a regression: exit 1, named, and in the JSON report.
	jsonPath := filepath.Join(dir, "worse.json")
	code, stdout, stderr = run(t, "--target", worseAddr, "--only", only, "--baseline", file, "--json", jsonPath)
	if code != exitFail || !strings.Contains(stdout, "regression  rfc9112/5.1/whitespace-before-colon  pass -> fail") || !strings.Contains(stdout, "FAIL: 1 regression against the baseline") {
		t.Fatalf("a regression: exit %d\n%s%s", code, stdout, stderr)
	}
	rep := readJSONReport(t, jsonPath)
	if rep.Baseline == nil || len(rep.Baseline.Regressions) != 1 || rep.Baseline.Regressions[0].ID != "rfc9112/5.1/whitespace-before-colon" || rep.Baseline.Known != 3 {
		t.Fatalf("JSON baseline %+v", rep.Baseline)
	}
	for _, r := range rep.Results {
		if r.ID == "pep3333/start-response/second-call-without-exc-info" && r.Baseline != "fail" {
			t.Errorf("result not annotated with its baseline: %+v", r)
		}
	}
	if strings.Join(rep.FailOn, ",") != "fail,warn,error" {
		t.Errorf("fail_on %q", rep.FailOn)
	}

	// --fail-on narrows what counts: a new warning can be let through.
	code, stdout, _ = run(t, "--target", knownAddr, "--only", only, "--skip", "pep3333/environ/underscore-header-no-collision", "--baseline", file)
	if code != exitOK {
		t.Errorf("a check left out by --skip counted: exit %d\n%s", code, stdout)
	}

	// The same comparison offline, from the JSON report.
	code, stdout, _ = run(t, "baseline", "check", file, "--from", jsonPath)
	if code != exitFail || !strings.Contains(stdout, "regression  rfc9112/5.1/whitespace-before-colon") {
		t.Errorf("baseline check --from: exit %d\n%s", code, stdout)
	}

	// Fixed: a clean target passes, and each check is reported as one to remove.
	code, stdout, _ = run(t, "--target", cleanAddr, "--only", only, "--baseline", file)
	if code != exitOK || strings.Count(stdout, "now passes: remove it from the baseline") != 3 {
		t.Errorf("fixed checks: exit %d\n%s", code, stdout)
	}

	// Rewriting keeps the reasons written by hand, and follows the renamed ID.
	if code, stdout, stderr = run(t, "baseline", "write", file, "--target", worseAddr, "--only", only, "--quiet"); code != exitOK {
		t.Fatalf("rewrite: exit %d\n%s%s", code, stdout, stderr)
	}
	b, _ = os.ReadFile(file)
	if !strings.Contains(string(b), "pep3333/start-response/second-call-without-exc-info       fail   # https://example.org/issues/42 a second") ||
		!strings.Contains(string(b), "\nrfc9112/5/invalid-field-name ") || strings.Contains(string(b), "removed-check") || !strings.Contains(string(b), "\nrfc9112/5.1/whitespace-before-colon ") {
		t.Errorf("rewritten baseline:\n%s", b)
	}

	// --from a JSON report writes the same file as a run would.
	fromFile := filepath.Join(dir, "from.baseline")
	if code, stdout, _ = run(t, "baseline", "write", fromFile, "--from", jsonPath); code != exitOK || !strings.Contains(stdout, "4 checks listed") {
		t.Errorf("write --from: exit %d %s", code, stdout)
	}

	// A file that is not a baseline is refused before anything runs, and not overwritten.
	bad := filepath.Join(dir, "bad.baseline")
	os.WriteFile(bad, []byte("rfc9112/3.2/missing-host  broken\n"), 0o644)
	if code, _, stderr = run(t, "--target", knownAddr, "--baseline", bad); code != exitUsage || !strings.Contains(stderr, `line 1: rfc9112/3.2/missing-host: status "broken" is not one of`) {
		t.Errorf("bad baseline: exit %d %q", code, stderr)
	}
	if code, _, _ = run(t, "baseline", "write", bad, "--from", jsonPath); code != exitUsage {
		t.Errorf("overwrote a file that is not a baseline: exit %d", code)
	}
	if code, _, _ = run(t, "baseline"); code != exitUsage {
		t.Errorf("baseline without a subcommand: exit %d", code)
	}
}

// entryLines counts the lines of a baseline that are neither blank nor comments.
func entryLines(text string) int {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			n++
		}
	}
	return n
}

func TestReproDirectory(t *testing.T) {
	addr := startRef(t, reference.Deviations{AcceptWhitespaceBeforeColon: true})
	dir := t.TempDir()
	repro := filepath.Join(dir, "repro")
	jsonPath := filepath.Join(dir, "r.json")
	code, stdout, stderr := run(t, "--target", addr, "--only", "rfc9112/5.1,pep3333/environ/wsgi-version", "--repro", repro, "--json", jsonPath)
	if code != exitFail {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(repro, "*.http"))
	want := filepath.Join(repro, "rfc9112_5.1_whitespace-before-colon.http")
	if len(files) != 1 || files[0] != want {
		t.Fatalf("repro files %q, want only %s", files, want)
	}
	got, _ := os.ReadFile(want)
	rep := readJSONReport(t, jsonPath)
	for _, r := range rep.Results {
		if r.ID != "rfc9112/5.1/whitespace-before-colon" {
			if r.Repro != "" {
				t.Errorf("%s (%s) has a repro", r.ID, r.Status)
			}
			continue
		}
		if !bytes.Equal(got, r.Evidence[0].Request) || !bytes.Contains(got, []byte(" :")) {
			t.Errorf("repro file %q, evidence %q", got, r.Evidence[0].Request)
		}
		if r.Repro != reports.ShellReplay(got, addr) {
			t.Errorf("JSON repro %q", r.Repro)
		}
		if !strings.Contains(stdout, "\n    repro: "+r.Repro+"\n") {
			t.Errorf("the summary does not show the one-liner under the failure:\n%s", stdout)
		}
		// Replaying it by hand reproduces the failure: no 400, as on a conforming server.
		for target, want400 := range map[string]bool{addr: false, startRef(t, reference.Deviations{}): true} {
			c, err := net.Dial("tcp", target)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(time.Second))
			c.Write(got)
			buf := make([]byte, 64)
			n, _ := c.Read(buf)
			c.Close()
			if got400 := strings.HasPrefix(string(buf[:n]), "HTTP/1.1 400"); got400 != want400 {
				t.Errorf("the replayed request was answered %q by %s", buf[:n], target)
			}
		}
	}
}

// dyingServer is a probe server (wsgiref) whose application exits the process when it
// is asked for path: a server that a check kills.
const dyingServer = `import os, sys
sys.path.insert(0, sys.argv[1])
import probe
inner = probe.app
def app(environ, start_response):
    if environ.get("PATH_INFO") == sys.argv[2]:
        os._exit(3)
    return inner(environ, start_response)
probe.app = app
sys.exit(probe.main(sys.argv[3:]))
`

func writeDyingServer(t *testing.T) (script, probeDir string) {
	t.Helper()
	requireServer(t, "wsgiref")
	dir := t.TempDir()
	if _, err := probes.Write(dir); err != nil {
		t.Fatal(err)
	}
	script = filepath.Join(dir, "dying.py")
	if err := os.WriteFile(script, []byte(dyingServer), 0o644); err != nil {
		t.Fatal(err)
	}
	return script, dir
}

// TestTargetDiesMidRun: the duplicate-host check kills the server. Given by --target, the
// rest of the run is skipped and the partial report says why; started by conform, the
// server is restarted and the run goes on.
func TestTargetDiesMidRun(t *testing.T) {
	script, probeDir := writeDyingServer(t)
	const killerPath, killer = "/twohosts", "rfc9112/3.2/duplicate-host"

	t.Run("--target: the rest is skipped", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		_, port, _ := net.SplitHostPort(addr)
		cmd := exec.Command(harness.Python, script, probeDir, killerPath, "--port", port)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() }()
		waitListening(t, addr)
		jsonPath := filepath.Join(t.TempDir(), "r.json")
		code, stdout, stderr := run(t, "--target", addr, "--only", "rfc9112/3.2,pep3333/environ/wsgi-version", "--json", jsonPath)
		if code != exitFail || !strings.Contains(stdout, "aborted: the target died during "+killer) {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		rep := readJSONReport(t, jsonPath)
		if rep.Aborted != "the target died during "+killer {
			t.Errorf("aborted %q", rep.Aborted)
		}
		after := false
		for _, r := range rep.Results {
			switch {
			case r.ID == killer:
				if r.Status != "error" || !strings.HasPrefix(r.Message, "target died") {
					t.Errorf("%s: %s %q", r.ID, r.Status, r.Message)
				}
				after = true
			case after:
				if r.Status != "skip" || r.Message != "not run: the target died during "+killer {
					t.Errorf("%s after the death: %s %q", r.ID, r.Status, r.Message)
				}
			}
		}
		if !after {
			t.Error("the killer check did not run")
		}
		// A partial run is not recorded as a baseline.
		if code, _, stderr := run(t, "baseline", "write", filepath.Join(t.TempDir(), "b"), "--from", jsonPath); code != exitFail || !strings.Contains(stderr, "cut short") {
			t.Errorf("baseline write of a partial run: exit %d %q", code, stderr)
		}
	})

	t.Run("conform run: restarted", func(t *testing.T) {
		jsonPath := filepath.Join(t.TempDir(), "r.json")
		code, stdout, stderr := run(t, "run", "--only", "rfc9112/3.2,pep3333/environ/wsgi-version", "--json", jsonPath, "--", harness.Python, script, probeDir, killerPath, "--host", "{host}", "--port", "{port}")
		if !strings.Contains(stderr, "stopped answering; restarting it") {
			t.Errorf("no restart message on stderr:\n%s", stderr)
		}
		rep := readJSONReport(t, jsonPath)
		if rep.Aborted != "" {
			t.Errorf("aborted %q although the server was restarted", rep.Aborted)
		}
		ran := 0
		for _, r := range rep.Results {
			switch {
			case r.ID == killer:
				if r.Status != "error" || !strings.HasPrefix(r.Message, "target died") || !strings.Contains(r.Message, "conform restarted it") {
					t.Errorf("%s: %s %q", r.ID, r.Status, r.Message)
				}
			case r.Status == "skip" || r.Status == "error":
				t.Errorf("%s: %s %q", r.ID, r.Status, r.Message)
			default:
				ran++
			}
		}
		if ran != 3 || !strings.Contains(rep.Target.Log, "restarting custom") {
			t.Errorf("%d checks ran after the restart; log:\n%s", ran, rep.Target.Log)
		}
		// wsgiref serves requests without Host: a MUST failure, so exit 1.
		if code != exitFail {
			t.Errorf("exit %d\n%s", code, stdout)
		}
	})
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never listened", addr)
}

func TestListShowsAliasesAndOldIDsSelect(t *testing.T) {
	code, stdout, _ := run(t, "list", "--only", "rfc9112/9.3")
	if code != exitOK || !strings.Contains(stdout, "  alias rfc9112/9.6/close-announced") {
		t.Errorf("list does not show the alias:\n%s", stdout)
	}
	code, stdout, _ = run(t, "list", "--json", "--only", "rfc9112/6.3/content-length-overflow")
	var entries []struct {
		ID      string
		Aliases []string
	}
	if code != exitOK || json.Unmarshal([]byte(stdout), &entries) != nil || len(entries) != 1 || entries[0].ID != "rfc9110/8.6/content-length-overflow" || fmt.Sprint(entries[0].Aliases) != "[rfc9112/6.3/content-length-overflow]" {
		t.Errorf("list --json by old ID: %s", stdout)
	}
	code, stdout, _ = run(t, "list", "--only", "concurrency")
	if code != exitOK || strings.Count(stdout, "[timing]") < 6 {
		t.Errorf("timing checks not marked:\n%s", stdout)
	}
}

func TestRunRecordsRoundTripAndTrials(t *testing.T) {
	addr := startRef(t, reference.Deviations{})
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := run(t, "--target", addr, "--only", "pep3333/environ/wsgi-version", "--json", jsonPath, "--trials", "2")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	rep := readJSONReport(t, jsonPath)
	if rep.Environment.RTT <= 0 || rep.Environment.Trials != 2 || rep.Schema != reports.SchemaVersion {
		t.Errorf("environment %+v schema %d", rep.Environment, rep.Schema)
	}
	if code, _, stderr := run(t, "--target", addr, "--trials", "0"); code != exitUsage || !strings.Contains(stderr, "--trials must be 1 to 10") {
		t.Errorf("--trials 0: exit %d %q", code, stderr)
	}
}
