package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conform-wsgi/conform/reports"
)

// TestStackDesyncIsReported runs the chunked-body check through haproxy before the
// reference, once deliberately ignoring Transfer-Encoding: that reference answers the
// chunked POST twice, and the run reports the desync with the check that sent it and fails;
// the conforming reference behind the same front gives none. One that reads a GET's body as
// the next request is caught by the CL.0 attack a second client confirms.
func TestStackDesyncIsReported(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	requireFront(t, "haproxy")
	bin := filepath.Join(t.TempDir(), "conform")
	if out, err := exec.Command(filepath.Join(runtimeGOROOT(), "bin", "go"), "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const check = "rfc9112/7.1/chunked-body"
	for _, tc := range []struct {
		name    string
		deviate []string
		code    int
		desyncs bool
		attack  bool // confirmed by an attack, not by the counts
	}{
		{"conforming", nil, exitOK, false, false},
		{"Transfer-Encoding ignored", []string{"--deviate", "NoChunkedSupport"}, exitFail, true, false},
		{"a GET's body read as a request", []string{"--deviate", "NoBodyOnGET"}, exitFail, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"run", "--front", "haproxy", "--only", check, "--json", path, "--", bin, "reference", "--listen", "{host}:{port}"}, tc.deviate...)
			code, stdout, stderr := run(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, stdout, stderr)
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
			if len(rep.Attacks) != 3 || rep.Attacks[0].Name != "CL.0" || rep.Attacks[0].Confirmed != tc.attack || rep.Attacks[2].Confirmed ||
				!strings.Contains(stdout, "Smuggling attacks through the front") {
				t.Errorf("the attacks tried: %+v\n%s", rep.Attacks, stdout)
			}
			if got := len(rep.Desyncs) > 0; got != tc.desyncs {
				t.Fatalf("desyncs %+v, want some: %v", rep.Desyncs, tc.desyncs)
			}
			if !tc.desyncs {
				return
			}
			d := rep.Desyncs[0]
			if tc.attack {
				// The GET's body unread by the app is the same misreading; the POST's is not.
				if len(rep.Desyncs) != 2 || !d.Confirmed || d.Attack != "CL.0" || !strings.Contains(string(d.Victim), "smuggled-CL.0-") ||
					!strings.Contains(string(d.Forwarded), "X-Smuggled-Prefix: ") {
					t.Errorf("the confirmed desyncs: %d, the first %s confirmed %v: %s", len(rep.Desyncs), d.Attack, d.Confirmed, d.Why)
				}
				if !strings.Contains(stdout, "confirmed by the CL.0 attack") {
					t.Errorf("the summary does not show the confirmation:\n%s", stdout)
				}
				return
			}
			if d.Meant != 1 || d.Served != 2 || len(d.Checks) != 1 || d.Checks[0] != check || !strings.Contains(string(d.Forwarded), "hello world") {
				t.Errorf("the desync: %+v", d)
			}
			if !strings.Contains(stdout, "Desyncs: 1 upstream connection on which the server read a request haproxy never sent") {
				t.Errorf("the summary does not list the desync:\n%s", stdout)
			}
		})
	}
}

// TestFuzzThroughAFrontFindsTheDesync fuzzes haproxy before the reference, once ignoring
// Transfer-Encoding: that stack desyncs, the session finds a case that desyncs it alone,
// writes it, and 'conform replay --front' shows the desync again. The conforming reference
// behind the same front gives no desynced connection.
func TestFuzzThroughAFrontFindsTheDesync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	requireFront(t, "haproxy")
	bin := filepath.Join(t.TempDir(), "conform")
	if out, err := exec.Command(filepath.Join(runtimeGOROOT(), "bin", "go"), "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		name    string
		deviate []string
		desyncs bool
	}{
		{"conforming", nil, false},
		{"Transfer-Encoding ignored", []string{"--deviate", "NoChunkedSupport"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "findings")
			server := append([]string{"--", bin, "reference", "--listen", "{host}:{port}"}, tc.deviate...)
			_, stdout, stderr := run(t, append([]string{"fuzz", "--front", "haproxy", "--duration", "12s", "--minimize-budget", "-1", "--dir", dir, "-q"}, server...)...)
			if !strings.Contains(stdout, "upstream connections judged between the front and the server") {
				t.Fatalf("no stack judgement in the summary:\n%s\n%s", stdout, stderr)
			}
			if !tc.desyncs {
				if !strings.Contains(stdout, "desynced: 0;") {
					t.Errorf("the conforming stack desynced:\n%s", stdout)
				}
				return
			}
			if !strings.Contains(stdout, "desync 1: ") {
				t.Fatalf("no desync cause:\n%s", stdout)
			}
			if _, err := os.Stat(filepath.Join(dir, "desync-1.json")); err != nil {
				t.Fatal(err)
			}
			// Whether haproxy forwards a follow-up request on the same upstream connection can
			// depend on timing: the replay gets three tries.
			for try := 1; ; try++ {
				code, out, errOut := run(t, append([]string{"replay", filepath.Join(dir, "desync-1.http"), "--front", "haproxy"}, server...)...)
				if code == exitFail && strings.Contains(out, "DESYNC: the front forwarded") {
					break
				}
				if try == 3 {
					t.Fatalf("replay through the stack: exit %d\n%s\n%s", code, out, errOut)
				}
				t.Logf("replay %d did not desync:\n%s", try, out)
			}
		})
	}
}
