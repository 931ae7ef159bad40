package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/reports"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code = Main(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// fakeServer accepts connections and answers each with the given bytes, then closes.
func fakeServer(t *testing.T, answer string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(2 * time.Second))
				buf := make([]byte, 4096)
				c.Read(buf)
				c.Write([]byte(answer))
			}()
		}
	}()
	return l.Addr().String()
}

func TestUsageErrorsExitTwoWithOneLine(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--target", "no-port"},
		{"--bogus"},
		{"--target", "127.0.0.1:1", "--timeout-scale", "0"},
		{"--target", "127.0.0.1:1", "--server", "wsgiref"},
		{"--server", "no-such-server"},
		{"--target", "127.0.0.1:1", "--only", "no-such-check"},
		{"--target", "127.0.0.1:1", "--only", "[bad"},
		{"list", "extra-arg"},
		{"probe"},
		{"run"},
	} {
		code, _, stderr := run(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr)
		}
		if !strings.HasPrefix(stderr, "conform: ") || strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
			t.Errorf("%v: stderr is not a one-line message: %q", args, stderr)
		}
	}
}

func TestUntestableTargetsExitTwo(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	for name, tc := range map[string]struct{ addr, want string }{
		"unreachable": {closed, "target unreachable"},
		"not HTTP":    {fakeServer(t, "SSH-2.0-OpenSSH_9.2\r\n"), "not HTTP/1.x"},
		"not a probe": {fakeServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), "not an echo document"},
		"404":         {fakeServer(t, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), "answered 404"},
	} {
		code, _, stderr := run(t, "--target", tc.addr)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 mentioning %q", name, code, stderr, tc.want)
		}
	}
}

func TestRunAgainstReferenceWritesEveryReport(t *testing.T) {
	ref, err := reference.Start(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	dir := t.TempDir()
	paths := map[string]string{}
	args := []string{"--target", ref.Addr, "--only", "environ,framing"}
	for _, f := range []string{"json", "junit", "html", "markdown"} {
		paths[f] = filepath.Join(dir, "report."+f)
		args = append(args, "--"+f, paths[f])
	}
	code, stdout, stderr := run(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d against the reference:\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "PASS") {
		t.Errorf("summary lacks the verdict line:\n%s", stdout)
	}
	f, err := os.Open(paths["json"])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Fail != 0 || rep.Totals.Pass == 0 || rep.CatalogVersion == "" {
		t.Errorf("JSON report totals %+v catalog %q", rep.Totals, rep.CatalogVersion)
	}
	for _, r := range rep.Results {
		if r.Area != "environ" && r.Area != "framing" {
			t.Errorf("--only environ,framing ran %s (%s)", r.ID, r.Area)
		}
	}
	for f, p := range paths {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s report not written: %v", f, err)
		}
	}
}

func TestFailingTargetExitsOne(t *testing.T) {
	// A deviated reference breaks a MUST: the run must say so with exit status 1.
	ref, err := reference.Start(reference.Options{Deviations: reference.Deviations{AcceptWhitespaceBeforeColon: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	code, stdout, _ := run(t, "--target", ref.Addr, "--only", "rfc9112/5.1/*")
	if code != exitFail || !strings.Contains(stdout, "rfc9112/5.1/whitespace-before-colon") {
		t.Fatalf("exit %d, want 1 naming the failed check:\n%s", code, stdout)
	}
}

func TestListAndProbe(t *testing.T) {
	code, stdout, _ := run(t, "list", "--json")
	var entries []map[string]interface{}
	if code != exitOK || json.Unmarshal([]byte(stdout), &entries) != nil || len(entries) < 80 {
		t.Fatalf("list --json: exit %d, %d entries", code, len(entries))
	}
	dir := t.TempDir()
	code, stdout, _ = run(t, "probe", "--write", dir)
	b, err := os.ReadFile(filepath.Join(dir, "probe.py"))
	if code != exitOK || err != nil || !bytes.Contains(b, []byte(fmt.Sprintf("PROTOCOL_VERSION = %d\n", probes.Version))) {
		t.Fatalf("probe --write: exit %d, %v, output %q", code, err, stdout)
	}
}

func TestInterruptedRunWritesPartialReport(t *testing.T) {
	ref, err := reference.Start(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	path := filepath.Join(t.TempDir(), "partial.json")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(3*time.Second, cancel)
	var out, errb bytes.Buffer
	code := Main(ctx, []string{"--target", ref.Addr, "--json", path}, &out, &errb)
	if code != exitFail {
		t.Fatalf("interrupted run exit %d, want 1\n%s%s", code, out.String(), errb.String())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no partial report: %v", err)
	}
	defer f.Close()
	rep, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted || rep.Totals.Skip == 0 || rep.Totals.Pass == 0 {
		t.Fatalf("partial report: interrupted=%v totals %+v", rep.Interrupted, rep.Totals)
	}
}
