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
	if _, err := s.Installed(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed in CI: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
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
