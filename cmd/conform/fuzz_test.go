package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/conform-wsgi/conform/fuzz"
	"github.com/conform-wsgi/conform/reference"
)

// runSub runs one of the fuzz commands the way Main runs the root command (same exit codes),
// without needing it wired into the root.
func runSub(t *testing.T, make func(stdout, stderr *bytes.Buffer) *cobra.Command, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := make(&out, &errb)
	c.SilenceUsage, c.SilenceErrors = true, true
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	c.SetArgs(args)
	c.SetOut(&out)
	c.SetErr(&errb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := c.ExecuteContext(ctx)
	var ee exitError
	switch {
	case err == nil:
		return exitOK, out.String(), errb.String()
	case errors.As(err, &ee):
		return ee.code, out.String(), errb.String()
	}
	errb.WriteString(err.Error())
	return exitUsage, out.String(), errb.String()
}

func fuzzCmd(o, e *bytes.Buffer) *cobra.Command   { return newFuzzCommand(o, e) }
func replayCmd(o, e *bytes.Buffer) *cobra.Command { return newReplayCommand(o, e) }

func TestFuzzUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--target", "no-port"},
		{"--target", "127.0.0.1:1", "--server", "wsgiref"},
		{"--target", "127.0.0.1:1", "--workers", "0"},
		{"--target", "127.0.0.1:1", "--resume"},
		{"--server", "no-such-server"},
	} {
		if code, _, stderr := runSub(t, fuzzCmd, args...); code != exitUsage {
			t.Errorf("fuzz %q: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr)
		}
	}
	if code, _, _ := runSub(t, replayCmd, "--target", "127.0.0.1:1"); code != exitUsage {
		t.Errorf("replay without a file: exit %d", code)
	}
}

func TestCausesUsage(t *testing.T) {
	causes := func(o, _ *bytes.Buffer) *cobra.Command { return newCausesCommand(o) }
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	for _, args := range [][]string{{}, {"a", "b"}, {filepath.Join(t.TempDir(), "none")}, {file}} {
		if code, _, stderr := runSub(t, causes, args...); code != exitUsage {
			t.Errorf("causes %q: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr)
		}
	}
	if code, stdout, _ := runSub(t, causes, t.TempDir()); code != exitOK || !strings.Contains(stdout, "no findings") {
		t.Errorf("an empty directory: exit %d\n%s", code, stdout)
	}
}

func TestFuzzReferenceFindsNothing(t *testing.T) {
	ref, err := reference.Start(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	dir := t.TempDir()
	code, stdout, stderr := runSub(t, fuzzCmd, "--target", ref.Addr, "--cases", "300", "--seed", "7", "--dir", dir, "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "300 cases") || !strings.Contains(stdout, "new findings: 0") {
		t.Errorf("summary:\n%s", stdout)
	}
	// Resume continues the case counter.
	code, stdout, _ = runSub(t, fuzzCmd, "--target", ref.Addr, "--cases", "50", "--dir", dir, "--resume", "--quiet")
	if code != exitOK || !strings.Contains(stdout, "from case 300; --resume starts at case 350") {
		t.Errorf("resume: exit %d\n%s", code, stdout)
	}
}

func TestFuzzDeviatedReferenceAndReplay(t *testing.T) {
	ref, err := reference.Start(reference.Options{Deviations: reference.Deviations{PreferContentLength: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	dir := t.TempDir()
	page := filepath.Join(t.TempDir(), "findings.html")
	code, stdout, stderr := runSub(t, fuzzCmd, "--target", ref.Addr, "--duration", "4s", "--dir", dir, "--minimize-budget", "-1", "--html", page)
	if code != exitFail {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFail, stdout, stderr)
	}
	if !strings.Contains(stderr, "new leniency finding") {
		t.Errorf("no finding announced on stderr:\n%s", stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "leniency-*.http"))
	if len(files) == 0 {
		t.Fatalf("no leniency finding written in %s:\n%s", dir, stdout)
	}
	if _, err := os.Stat(strings.TrimSuffix(files[0], ".http") + ".json"); err != nil {
		t.Error(err)
	}
	// The HTML report lists every finding written, with its replay command.
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := filepath.Glob(filepath.Join(dir, "*.http"))
	if n := strings.Count(string(html), `<details class="evi`); n != len(all) {
		t.Errorf("HTML report shows %d findings, %d written", n, len(all))
	}
	if id := strings.TrimSuffix(filepath.Base(files[0]), ".http"); !strings.Contains(string(html), "conform replay "+filepath.Join(dir, id+".http")+" --target "+ref.Addr) {
		t.Errorf("HTML report lacks the replay command of %s", id)
	}
	// The causes come first in the summary, in DIR/causes.json and in the page, each with
	// the replay command of its example.
	cs, err := fuzz.ReadCauses(dir)
	if err != nil || len(cs.Causes) == 0 || cs.Findings != len(all) {
		t.Fatalf("causes.json: %+v (%v), %d findings written", cs, err, len(all))
	}
	if i, j := strings.Index(stdout, "  causes: "), strings.Index(stdout, "  new findings: "); i < 0 || i > j || !strings.Contains(stdout, cs.Causes[0].Replay) {
		t.Errorf("the summary does not list the causes first, with %q:\n%s", cs.Causes[0].Replay, stdout)
	}
	if n := strings.Count(string(html), `<details class="cause`); n != len(cs.Causes) {
		t.Errorf("HTML report shows %d causes, causes.json %d", n, len(cs.Causes))
	}
	// conform causes groups the directory again: the same causes, the same exit status.
	code, out, errOut := runSub(t, func(o, _ *bytes.Buffer) *cobra.Command { return newCausesCommand(o) }, dir)
	if code != exitFail || !strings.Contains(out, fmt.Sprintf("causes: %d behind %d finding(s)", len(cs.Causes), cs.Findings)) || !strings.Contains(out, cs.Causes[0].Replay) {
		t.Errorf("conform causes %s: exit %d\n%s%s", dir, code, out, errOut)
	}
	if again, err := fuzz.ReadCauses(dir); err != nil || !reflect.DeepEqual(again, cs) {
		t.Errorf("conform causes rewrote causes.json otherwise: %v", err)
	}
	code, stdout, _ = runSub(t, replayCmd, files[0], "--target", ref.Addr)
	if code != exitFail || !strings.Contains(stdout, "REFERENCE") || strings.Contains(stdout, "verdict: the target agrees") {
		t.Errorf("replay: exit %d\n%s", code, stdout)
	}
	// Against the conforming reference the same bytes are agreed on.
	good, err := reference.Start(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	if code, stdout, _ = runSub(t, replayCmd, files[0], "--target", good.Addr); code != exitOK {
		t.Errorf("replay against the reference: exit %d\n%s", code, stdout)
	}
}

// A server that does not take a bare LF for a line terminator makes a choice RFC 9112 §2.2
// leaves to it: its rejections are shown as an observed choice, and they are no finding.
func TestFuzzBareLFChoiceIsNoFinding(t *testing.T) {
	ref, err := reference.Start(reference.Options{Deviations: reference.Deviations{CRLFLineEndsOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	code, stdout, stderr := runSub(t, fuzzCmd, "--target", ref.Addr, "--cases", "3000", "--seed", "1", "--no-catalog", "--dir", t.TempDir())
	if code != exitOK || !strings.Contains(stdout, "observed choice (not a finding") || !strings.Contains(stdout, "bare LF") {
		t.Errorf("exit %d, want 0 with the bare LF as an observed choice\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// hostileText is what a target can put in a reason phrase, a header or a body to take over
// the terminal of whoever runs conform: a window title (OSC 0, ended by BEL), a screen
// clear, an OSC 8 link, the 8-bit CSI as a raw byte and as UTF-8, and a bidi override.
const hostileText = "\x1b]0;pwned\x07\x1b[2J\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\ \x9b31m \u009b1m \u202eexe.txt"

// hostileAnswer is a whole response made of hostileText: status, header and body.
func hostileAnswer(status string) string {
	body := "body " + hostileText
	return "HTTP/1.1 " + status + " " + hostileText + "\r\nX-Evil: " + hostileText + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n" + body
}

// terminalSafe fails when out holds a byte or character a terminal acts on: ESC, BEL or any
// other C0 control but newline and tab, DEL, a C1 control (a raw byte or UTF-8), a bidi
// override, or bytes that are not UTF-8.
func terminalSafe(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s: output is not UTF-8: %q", what, out)
		return
	}
	for i, r := range out {
		if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r < 0xa0 || r == '\u202e' {
			t.Errorf("%s: %U at byte %d reaches the terminal: %q", what, r, i, out[max(0, i-40):min(len(out), i+40)])
			return
		}
	}
}

// TestHostileTargetCannotReachTheTerminal runs every command that talks to a target against
// one whose answers are terminal escapes: nothing it sent may reach stdout or stderr raw.
func TestHostileTargetCannotReachTheTerminal(t *testing.T) {
	addr := fakeServer(t, hostileAnswer("404"))
	dir := t.TempDir()
	finding := filepath.Join(dir, "case.http")
	if err := os.WriteFile(finding, []byte("GET /__conform__/echo HTTP/1.1\r\nHost: x\r\nX-Conform-Id: f1-m0\r\n\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"catalog", []string{"--target", addr}, exitUsage},
		{"fuzz", []string{"fuzz", "--target", addr, "--cases", "5", "--no-catalog", "--dir", filepath.Join(dir, "findings")}, exitUsage},
		{"replay", []string{"replay", finding, "--target", addr, "--idle", "500ms"}, exitFail},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := run(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout %q\nstderr %q", code, c.code, stdout, stderr)
			}
			// The target's words are there, escaped: the user still sees what it sent.
			if !strings.Contains(stdout+stderr, `\x1b]0;pwned\x07`) {
				t.Errorf("the target's reason phrase is not shown escaped:\nstdout %q\nstderr %q", stdout, stderr)
			}
			terminalSafe(t, "stdout", stdout)
			terminalSafe(t, "stderr", stderr)
		})
	}
}

// proxy forwards each connection to upstream, except that answer, when it returns true for
// the connection's first bytes, answers instead, and every response from upstream goes
// through rewrite. It counts the connections.
func proxy(t *testing.T, upstream string, answer func(first []byte) ([]byte, bool), rewrite func([]byte) []byte) (string, *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var conns atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				buf := make([]byte, 64<<10)
				n, _ := c.Read(buf)
				if a, ok := answer(buf[:n]); ok {
					c.Write(a)
					return
				}
				u, err := net.DialTimeout("tcp", upstream, time.Second)
				if err != nil {
					return
				}
				defer u.Close()
				u.SetDeadline(time.Now().Add(5 * time.Second))
				u.Write(buf[:n])
				go func() {
					io.Copy(u, c)
					u.(*net.TCPConn).CloseWrite()
				}()
				for {
					k, err := u.Read(buf)
					if k > 0 {
						if _, werr := c.Write(rewrite(buf[:k])); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String(), &conns
}

// TestHostileTargetBehindAWorkingProbe runs the catalog and a fuzzing session against the
// reference seen through a proxy that answers every POST with a 400 whose reason phrase,
// header and body are terminal escapes (check errors and strictness findings quote them),
// and gives every 200 such a reason phrase: the summaries, the live output and the HTML
// report carry them escaped.
func TestHostileTargetBehindAWorkingProbe(t *testing.T) {
	ref, err := reference.Start(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	addr, _ := proxy(t, ref.Addr, func(first []byte) ([]byte, bool) {
		return []byte(hostileAnswer("400")), bytes.HasPrefix(first, []byte("POST "))
	}, func(b []byte) []byte {
		return bytes.ReplaceAll(b, []byte(" 200 OK\r\n"), []byte(" 200 "+hostileText+"\r\n"))
	})
	t.Run("catalog", func(t *testing.T) {
		code, stdout, stderr := run(t, "--target", addr, "--only", "input", "--verbose")
		if code == exitUsage || !strings.Contains(stdout, `response was 400`) {
			t.Fatalf("exit %d, want a report quoting the 400\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		terminalSafe(t, "stdout", stdout)
		terminalSafe(t, "stderr", stderr)
	})
	t.Run("fuzz", func(t *testing.T) {
		dir := t.TempDir()
		page := filepath.Join(dir, "findings.html")
		code, stdout, stderr := run(t, "fuzz", "--target", addr, "--cases", "300", "--seed", "5", "--no-catalog", "--minimize-budget", "-1", "--dir", filepath.Join(dir, "findings"), "--html", page)
		if code != exitFail || !strings.Contains(stdout, "strictness") {
			t.Fatalf("exit %d, want 1 with strictness findings\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		if !strings.Contains(stdout, `400 \x1b]0;pwned\x07`) {
			t.Errorf("the summary does not quote the target's reason phrase, escaped:\n%s", stdout)
		}
		terminalSafe(t, "stdout", stdout)
		terminalSafe(t, "stderr", stderr)
		html, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		terminalSafe(t, "HTML report", string(html))
	})
}

// TestFuzzChecksOutputsBeforeSending: an unwritable --dir or --html stops the session with
// exit 2 and one line before any connection reaches the target. (A path under a regular
// file cannot be created even by root.)
func TestFuzzChecksOutputsBeforeSending(t *testing.T) {
	ref, err := reference.Start(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	addr, conns := proxy(t, ref.Addr, func([]byte) ([]byte, bool) { return nil, false }, func(b []byte) []byte { return b })
	dir := t.TempDir()
	file := filepath.Join(dir, "file.txt")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"dir", []string{"--dir", filepath.Join(file, "sub")}, "--dir"},
		{"html", []string{"--dir", filepath.Join(dir, "findings"), "--html", filepath.Join(file, "sub", "page.html")}, "--html"},
		{"html is a directory", []string{"--dir", filepath.Join(dir, "findings"), "--html", dir}, "--html"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := conns.Load()
			code, stdout, stderr := run(t, append([]string{"fuzz", "--target", addr, "--duration", "3s", "--quiet"}, c.args...)...)
			if code != exitUsage || !strings.HasPrefix(stderr, "conform: "+c.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line about %s", code, stderr, c.want)
			}
			if n := conns.Load() - before; n != 0 || stdout != "" {
				t.Errorf("%d connections reached the target, stdout %q: the outputs were not checked first", n, stdout)
			}
		})
	}
}

// TestFuzzResumeRefusesAnotherTarget: a findings directory recorded against one target is
// not continued against another (its known findings would hide the new target's) unless
// --retarget says so.
func TestFuzzResumeRefusesAnotherTarget(t *testing.T) {
	var addrs []string
	for i := 0; i < 2; i++ {
		ref, err := reference.Start(reference.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer ref.Close()
		addrs = append(addrs, ref.Addr)
	}
	dir := t.TempDir()
	if code, stdout, stderr := runSub(t, fuzzCmd, "--target", addrs[0], "--cases", "20", "--no-catalog", "--dir", dir, "--quiet"); code != exitOK {
		t.Fatalf("first session: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr := run(t, "fuzz", "--target", addrs[1], "--cases", "20", "--no-catalog", "--dir", dir, "--resume", "--quiet")
	if code != exitUsage || !strings.Contains(stderr, addrs[0]) || !strings.Contains(stderr, "--retarget") || stdout != "" {
		t.Errorf("resume against another target: exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	if code, stdout, stderr = run(t, "fuzz", "--target", addrs[1], "--cases", "20", "--no-catalog", "--dir", dir, "--resume", "--retarget", "--quiet"); code != exitOK || !strings.Contains(stdout, "from case 20") {
		t.Errorf("--retarget: exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	// Against the target it was recorded with (now the second), it goes on without asking.
	if code, stdout, stderr = run(t, "fuzz", "--target", addrs[1], "--cases", "20", "--no-catalog", "--dir", dir, "--resume", "--quiet"); code != exitOK || !strings.Contains(stdout, "from case 40") {
		t.Errorf("resume against the recorded target: exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
}

// TestReplayOfTheJSONSendsTheRecordedBytes: 'conform replay <id>.json' sends the bytes the
// finding recorded, in its writes, not the JSON text.
func TestReplayOfTheJSONSendsTheRecordedBytes(t *testing.T) {
	ref, err := reference.Start(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	req := []byte("POST /__conform__/echo HTTP/1.1\r\nHost: x\r\nX-Conform-Id: f7-m0\r\nContent-Length: 5\r\n\r\nhello")
	js, err := json.Marshal(fuzz.Finding{ID: "framing-1", Class: fuzz.Framing, Bytes: req, Writes: []fuzz.Write{{Len: 20}, {Len: len(req) - 20, Delay: time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "framing-1.json")
	if err := os.WriteFile(path, js, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "replay", path, "--target", ref.Addr, "--idle", "300ms")
	if code != exitOK || !strings.HasPrefix(stdout, fmt.Sprintf("%d bytes from %s", len(req), path)) || !strings.Contains(stdout, `id "f7-m0", CONTENT_LENGTH "5"`) {
		t.Errorf("replay of the JSON: exit %d\nstdout:\n%s\nstderr: %s", code, stdout, stderr)
	}
	// A JSON file that is not a finding is refused.
	state := filepath.Join(dir, "session.json")
	os.WriteFile(state, []byte(`{"seed": 1, "next_case": 5}`), 0o644)
	if code, _, stderr := run(t, "replay", state, "--target", ref.Addr); code != exitUsage || !strings.Contains(stderr, "not a finding") {
		t.Errorf("replay of session.json: exit %d, stderr %q", code, stderr)
	}
}
