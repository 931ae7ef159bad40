package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

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
