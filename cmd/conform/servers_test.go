package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/reports"
)

func requireServer(t *testing.T, name string) {
	t.Helper()
	s, err := harness.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	requireInstalled(t, name, s.Installed)
}

func requireFront(t *testing.T, name string) {
	t.Helper()
	f, err := harness.LookupFront(name)
	if err != nil {
		t.Fatal(err)
	}
	requireInstalled(t, "front "+name, f.Installed)
}

// requireInstalled skips the test when what is not installed here, and fails it in CI,
// where scripts/install-servers.sh installed everything.
func requireInstalled(t *testing.T, what string, installed func() (string, error)) {
	t.Helper()
	if _, err := installed(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed in CI: %v", what, err)
		}
		t.Skipf("%s not installed: %v", what, err)
	}
}

func TestServerFlagStartsTestsAndStops(t *testing.T) {
	requireServer(t, "wsgiref")
	path := filepath.Join(t.TempDir(), "w.json")
	code, stdout, stderr := run(t, "--server", "wsgiref", "--only", "rfc9112/3.2", "--json", path)
	// wsgiref serves requests without Host: a MUST failure, so exit 1.
	if code != exitFail || !strings.Contains(stdout, "rfc9112/3.2/missing-host") {
		t.Fatalf("exit %d:\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "started wsgiref") {
		t.Errorf("no start message on stderr: %q", stderr)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Target.Server != "wsgiref" || rep.Target.ServerVersion == "" || len(rep.Target.Command) == 0 || rep.Target.Log == "" || !strings.Contains(rep.Target.WorkerModel, "one thread") {
		t.Errorf("the report does not record how the server was run: %+v", rep.Target)
	}
}

func TestRunCommandWithPlaceholders(t *testing.T) {
	requireServer(t, "wsgiref")
	code, stdout, stderr := run(t, "run", "--only", "pep3333/environ/wsgi-version", "--", harness.Python, "{probe_dir}/probe.py", "--host", "{host}", "--port", "{port}")
	if code != exitOK || !strings.Contains(stdout, "PASS") {
		t.Fatalf("exit %d:\n%s\n%s", code, stdout, stderr)
	}
	code, _, stderr = run(t, "run", "--", "/bin/sh", "-c", "echo cannot start >&2; exit 3")
	if code != exitUsage || !strings.Contains(stderr, "cannot start") {
		t.Fatalf("a server that does not come up: exit %d, stderr %q (want its log tail)", code, stderr)
	}
}

func TestMatrixComparesServers(t *testing.T) {
	requireServer(t, "wsgiref")
	requireServer(t, "waitress")
	dir := t.TempDir()
	code, stdout, stderr := run(t, "matrix", "--servers", "wsgiref,waitress", "--only", "rfc9112/3.2,rfc9110/9.3.2", "--html", filepath.Join(dir, "m.html"), "--json", filepath.Join(dir, "m.json"))
	if code != exitOK {
		t.Fatalf("exit %d:\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"wsgiref", "waitress", "rfc9112/3.2/missing-host"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("matrix output lacks %q:\n%s", want, stdout)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "m.html"))
	if err != nil || !strings.Contains(string(b), "waitress") {
		t.Errorf("matrix HTML not written: %v", err)
	}
	code, _, stderr = run(t, "matrix", "--servers", "wsgiref,bogus")
	if code != exitUsage || !strings.Contains(stderr, "unknown server") {
		t.Errorf("unknown server in --servers: exit %d %q", code, stderr)
	}
}

// TestFrontFlagRunsTheCatalogThroughTheStack: gunicorn accepts Content-Length: 1_0 (its
// verdict file says so); behind nginx, which refuses it, the stack passes, and the report
// records the front, its generated configuration and its log.
func TestFrontFlagRunsTheCatalogThroughTheStack(t *testing.T) {
	requireServer(t, "gunicorn-sync")
	requireFront(t, "nginx")
	const check = "rfc9112/6.3/content-length-underscore"
	naked := filepath.Join(t.TempDir(), "naked.json")
	if code, stdout, stderr := run(t, "--server", "gunicorn-sync", "--only", check, "--json", naked); code != exitFail {
		t.Fatalf("gunicorn-sync alone: exit %d, want its failure of %s\n%s\n%s", code, check, stdout, stderr)
	}
	path := filepath.Join(t.TempDir(), "stack.json")
	code, stdout, stderr := run(t, "--server", "gunicorn-sync", "--front", "nginx", "--only", check, "--json", path)
	if code != exitOK {
		t.Fatalf("behind nginx: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "started front nginx") {
		t.Errorf("no front start message: %q", stderr)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	fr := rep.Target.Front
	if fr == nil || fr.Name != "nginx" || fr.Version == "" || !strings.Contains(fr.Config, "keepalive 16") || len(fr.Command) == 0 {
		t.Fatalf("the report does not record the front: %+v", fr)
	}
	if rep.Results[0].ID != check || rep.Results[0].Status != "pass" || rep.Results[0].Facts.Status != 400 {
		t.Errorf("behind nginx %s: %s (status %d) %s", check, rep.Results[0].Status, rep.Results[0].Facts.Status, rep.Results[0].Message)
	}

	code, _, stderr = run(t, "--target", "127.0.0.1:1", "--front", "nginx")
	if code != exitUsage || !strings.Contains(stderr, "point --target at its front") {
		t.Errorf("--front with --target: exit %d %q", code, stderr)
	}
	code, _, stderr = run(t, "--server", "gunicorn-sync", "--front", "bogus")
	if code != exitUsage || !strings.Contains(stderr, "known fronts: apache, haproxy, nginx") {
		t.Errorf("unknown front: exit %d %q", code, stderr)
	}
	code, stdout, _ = run(t, "servers")
	if code != exitOK || !strings.Contains(stdout, "FRONT (--front)") || !strings.Contains(stdout, "haproxy") {
		t.Errorf("servers lists no fronts: exit %d\n%s", code, stdout)
	}
}

// TestMatrixFrontsAddStacks: --fronts runs each server alone and behind each front, and
// says what the front changed; gunicorn's Content-Length: 1_0 never reaches it behind
// haproxy, which refuses the request.
func TestMatrixFrontsAddStacks(t *testing.T) {
	requireServer(t, "gunicorn-sync")
	requireFront(t, "haproxy")
	path := filepath.Join(t.TempDir(), "m.json")
	code, stdout, stderr := run(t, "matrix", "--servers", "gunicorn-sync", "--fronts", "haproxy", "--only", "rfc9112/6.3/content-length-underscore,pep3333/environ/absent-header-absent-variable", "--json", path)
	if code != exitOK && code != exitFail {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "behind haproxy, gunicorn-sync: 1 failures and warnings removed, 0 introduced") || !strings.Contains(stdout, "removed: rfc9112/6.3/content-length-underscore") {
		t.Errorf("the matrix does not say what haproxy changed:\n%s", stdout)
	}
	statuses, _ := matrixStatuses(t, path)
	if statuses["gunicorn-sync rfc9112/6.3/content-length-underscore"] != "fail" || statuses["gunicorn-sync+haproxy rfc9112/6.3/content-length-underscore"] != "pass" || len(statuses) != 4 {
		t.Errorf("the JSON keys each stack apart: %v", statuses)
	}
	if code, _, stderr := run(t, "matrix", "--fronts", "bogus"); code != exitUsage || !strings.Contains(stderr, "known fronts") {
		t.Errorf("unknown front: exit %d %q", code, stderr)
	}
	if code, _, stderr := run(t, "matrix", "--fronts", "nginx", "--write-verdicts", t.TempDir()); code != exitUsage || !strings.Contains(stderr, "no --fronts") {
		t.Errorf("--write-verdicts with --fronts: exit %d %q", code, stderr)
	}
}

// TestFrontConfigOfYourOwn: 'conform servers --template nginx' prints the template conform
// fills in; an edited copy given as --front-config is the one the stack runs (the report
// records it, placeholders filled in), and a template that says nowhere where to forward
// is refused before anything starts.
func TestFrontConfigOfYourOwn(t *testing.T) {
	requireServer(t, "gunicorn-sync")
	requireFront(t, "nginx")
	code, tmpl, stderr := run(t, "servers", "--template", "nginx")
	if code != exitOK || !strings.Contains(tmpl, "{{upstream}}") || !strings.Contains(tmpl, "{{hostport}}") {
		t.Fatalf("servers --template nginx: exit %d\n%s\n%s", code, tmpl, stderr)
	}
	// An operator's change: nginx refuses request bodies over 1 KiB.
	mine := strings.Replace(tmpl, "access_log off;", "access_log off;\n    client_max_body_size 1k; # mine", 1)
	if mine == tmpl {
		t.Fatal("the template has no access_log line to edit")
	}
	conf := filepath.Join(t.TempDir(), "nginx.conf.tmpl")
	if err := os.WriteFile(conf, []byte(mine), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "stack.json")
	const check = "rfc9112/6.3/content-length-underscore"
	code, stdout, stderr := run(t, "--server", "gunicorn-sync", "--front", "nginx", "--front-config", conf, "--only", check, "--json", path)
	if code != exitOK {
		t.Fatalf("behind my nginx: exit %d\n%s\n%s", code, stdout, stderr)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if fr := rep.Target.Front; fr == nil || !strings.Contains(fr.Config, "client_max_body_size 1k; # mine") || strings.Contains(fr.Config, "{{") {
		t.Fatalf("the report does not record my configuration: %+v", fr)
	}
	bad := filepath.Join(t.TempDir(), "bad.conf")
	os.WriteFile(bad, []byte("events {}\n"), 0o644)
	code, _, stderr = run(t, "--server", "gunicorn-sync", "--front", "nginx", "--front-config", bad)
	if code != exitUsage || !strings.Contains(stderr, "has no {{upstream}}") {
		t.Errorf("a template without {{upstream}}: exit %d %q", code, stderr)
	}
	code, _, stderr = run(t, "--server", "gunicorn-sync", "--front-config", conf)
	if code != exitUsage || !strings.Contains(stderr, "goes with --front") {
		t.Errorf("--front-config without --front: exit %d %q", code, stderr)
	}
}
