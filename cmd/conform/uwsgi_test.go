package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/reports"
)

// uwsgiChecks: an environ check uWSGI passes over uwsgi alone and through either front
// (SERVER_PORT is the port the client connected to, the front's behind one), a framing
// check only a front's HTTP parser can be judged on, and a response check uWSGI fails
// alone (no Date) and a front mends.
const uwsgiChecks = "pep3333/environ/server-name-port,rfc9112/6.3/content-length-underscore,pep3333/response/date-header"

func TestUwsgiSocketOverItsOwnProtocol(t *testing.T) {
	requireServer(t, "uwsgi-socket")
	path := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := run(t, "--server", "uwsgi-socket", "--only", uwsgiChecks, "--json", path)
	if code != exitFail {
		t.Fatalf("exit %d, want the date-header failure\n%s\n%s", code, stdout, stderr)
	}
	rep := readJSONReport(t, path)
	if rep.Target.Protocol != "uwsgi" {
		t.Errorf("target.protocol %q", rep.Target.Protocol)
	}
	got := map[string]reports.Result{}
	for _, r := range rep.Results {
		got[r.ID] = r
	}
	if r := got["pep3333/environ/server-name-port"]; r.Status != "pass" {
		t.Errorf("server-name-port over uwsgi: %s %s", r.Status, r.Message)
	}
	if r := got["rfc9112/6.3/content-length-underscore"]; r.Status != "skip" || !strings.Contains(r.Message, "uwsgi") {
		t.Errorf("a framing check over uwsgi: %s %s", r.Status, r.Message)
	}
	if r := got["pep3333/response/date-header"]; r.Status != "fail" {
		t.Errorf("date-header over uwsgi: %s %s", r.Status, r.Message)
	}

	// The same server, started by hand, is reached with --target uwsgi://.
	s, _ := harness.Lookup("uwsgi-socket")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in, err := harness.Start(ctx, s, harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	if code, stdout, stderr := run(t, "--target", "uwsgi://"+in.Addr, "--only", "pep3333/environ/server-name-port"); code != exitOK {
		t.Errorf("--target uwsgi://%s: exit %d\n%s\n%s", in.Addr, code, stdout, stderr)
	}
	if code, _, stderr := run(t, "--target", in.Addr, "--only", "pep3333/environ/server-name-port"); code == exitOK || !strings.Contains(stderr, "uwsgi://"+in.Addr) {
		t.Errorf("HTTP to a uwsgi socket: exit %d, and the error must point at uwsgi://: %q", code, stderr)
	}
	if code, _, stderr := run(t, "--target", "uwsgi://"+in.Addr, "--tls"); code != exitUsage {
		t.Errorf("uwsgi:// with --tls: exit %d %q", code, stderr)
	}
	if code, _, stderr := run(t, "--server", "uwsgi-socket", "--front", "haproxy"); code == exitOK || !strings.Contains(stderr, "cannot forward to a server speaking the uwsgi protocol") {
		t.Errorf("uwsgi-socket behind haproxy: exit %d %q", code, stderr)
	}
	if code, stdout, _ := run(t, "servers"); code != exitOK || !strings.Contains(stdout, "uwsgi-socket") {
		t.Errorf("servers does not list uwsgi-socket:\n%s", stdout)
	}
}

// TestMatrixUwsgiSocketBehindFronts: the matrix runs uwsgi-socket alone and behind nginx
// and apache, each front speaking uwsgi to it, and its JSON and HTML show the stacks.
func TestMatrixUwsgiSocketBehindFronts(t *testing.T) {
	requireServer(t, "uwsgi-socket")
	requireFront(t, "nginx")
	requireFront(t, "apache")
	dir := t.TempDir()
	jsonPath, htmlPath := filepath.Join(dir, "m.json"), filepath.Join(dir, "m.html")
	code, stdout, stderr := run(t, "matrix", "--servers", "uwsgi-socket", "--fronts", "nginx,apache", "--only", uwsgiChecks, "--json", jsonPath, "--html", htmlPath)
	if code != exitOK && code != exitFail {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	statuses, _ := matrixStatuses(t, jsonPath)
	want := map[string]string{
		"uwsgi-socket pep3333/environ/server-name-port":             "pass",
		"uwsgi-socket+nginx pep3333/environ/server-name-port":       "pass",
		"uwsgi-socket+apache pep3333/environ/server-name-port":      "pass",
		"uwsgi-socket rfc9112/6.3/content-length-underscore":        "skip",
		"uwsgi-socket+nginx rfc9112/6.3/content-length-underscore":  "pass",
		"uwsgi-socket+apache rfc9112/6.3/content-length-underscore": "pass",
		"uwsgi-socket pep3333/response/date-header":                 "fail",
		"uwsgi-socket+nginx pep3333/response/date-header":           "pass",
		"uwsgi-socket+apache pep3333/response/date-header":          "pass",
	}
	for k, v := range want {
		if statuses[k] != v {
			t.Errorf("%s: %q, want %q", k, statuses[k], v)
		}
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var reps []*reports.Report
	if err := json.Unmarshal(b, &reps); err != nil {
		t.Fatal(err)
	}
	for _, r := range reps {
		if r.Target.Protocol != "uwsgi" {
			t.Errorf("%s: target.protocol %q", r.Target.Server, r.Target.Protocol)
		}
		if f := r.Target.Front; f != nil && (!strings.Contains(r.DesyncsNotJudged, "uwsgi") || !strings.Contains(f.Config, "uwsgi")) {
			t.Errorf("behind %s: desyncs_not_judged %q, config:\n%s", f.Name, r.DesyncsNotJudged, f.Config)
		}
	}
	html, err := os.ReadFile(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, stack := range []string{"nginx", "apache"} {
		if !strings.Contains(string(html), stack) {
			t.Errorf("the HTML matrix does not show the stack behind %s", stack)
		}
	}
}
