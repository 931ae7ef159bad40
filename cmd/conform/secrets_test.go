package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/probes"
)

// secretOnly picks checks whose evidence carries whole echo documents, plus one that
// wsgiref fails (missing Host) so that --repro writes a file for it.
const secretOnly = "pep3333/environ/wsgi-variables,pep3333/environ/cgi-values-native-str,pep3333/environ/absent-header-absent-variable,rfc9112/3.2/missing-host"

// setSecret puts a fresh secret into conform's own environment, where the servers it
// starts and a probe started by hand would inherit it.
func setSecret(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	secret := "hunter2-" + hex.EncodeToString(b)
	t.Setenv("CONFORM_TEST_SECRET_TOKEN", secret)
	return secret
}

// runEveryReport runs conform with args, secretOnly and every report format, and returns each
// output by name: the summary, stderr, the report files and the repro files.
func runEveryReport(t *testing.T, args ...string) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	repro := filepath.Join(dir, "repro")
	flags := []string{"--only", secretOnly, "--repro", repro}
	for _, f := range []string{"json", "junit", "html", "markdown"} {
		flags = append(flags, "--"+f, filepath.Join(dir, "report."+f))
	}
	// Flags go before a server command's "--".
	cut := len(args)
	for i, a := range args {
		if a == "--" {
			cut = i
			break
		}
	}
	args = append(append(append([]string(nil), args[:cut]...), flags...), args[cut:]...)
	code, stdout, stderr := run(t, args...)
	if code != exitOK && code != exitFail {
		t.Fatalf("exit %d:\n%s\n%s", code, stdout, stderr)
	}
	out := map[string][]byte{"summary": []byte(stdout), "stderr": []byte(stderr)}
	for _, f := range []string{"json", "junit", "html", "markdown"} {
		b, err := os.ReadFile(filepath.Join(dir, "report."+f))
		if err != nil {
			t.Fatalf("%s report: %v", f, err)
		}
		out[f] = b
	}
	files, _ := filepath.Glob(filepath.Join(repro, "*"))
	if len(files) == 0 {
		t.Fatalf("--repro wrote nothing; the summary:\n%s", stdout)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out["repro "+filepath.Base(p)] = b
	}
	return out
}

// jsonText is every string of a JSON document, and the bytes of each one that is base64
// (the JSON report keeps raw requests and responses in base64).
func jsonText(t *testing.T, doc []byte) []byte {
	t.Helper()
	var v interface{}
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("JSON report: %v", err)
	}
	var out bytes.Buffer
	var walk func(interface{})
	walk = func(v interface{}) {
		switch v := v.(type) {
		case string:
			out.WriteString(v + "\n")
			if b, err := base64.StdEncoding.DecodeString(v); err == nil {
				out.Write(append(b, '\n'))
			}
		case []interface{}:
			for _, x := range v {
				walk(x)
			}
		case map[string]interface{}:
			for k, x := range v {
				out.WriteString(k + "\n")
				walk(x)
			}
		}
	}
	walk(v)
	return out.Bytes()
}

// assertNoSecret fails for every output holding the secret. The JSON report must hold
// echoed environs, or the secret's absence would prove nothing.
func assertNoSecret(t *testing.T, secret string, outputs map[string][]byte) {
	t.Helper()
	outputs["json (decoded)"] = jsonText(t, outputs["json"])
	for name, b := range outputs {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the secret is in the %s output", name)
		}
	}
	if !bytes.Contains(outputs["json (decoded)"], []byte(`"wsgi.url_scheme"`)) {
		t.Errorf("the JSON report holds no echo document, so it cannot show a leak")
	}
}

func TestSecretsNeverReachReports(t *testing.T) {
	secret := setSecret(t)
	// wsgiref copies os.environ into every environ; gunicorn and waitress are a
	// pre-fork master and a threaded single process.
	for _, name := range []string{"wsgiref", "gunicorn-sync", "waitress"} {
		t.Run(name, func(t *testing.T) {
			requireServer(t, name)
			assertNoSecret(t, secret, runEveryReport(t, "--server", name))
		})
	}
	// A server of the user's own that logs its environment: the log goes into the reports.
	t.Run("run, logging its environment", func(t *testing.T) {
		requireServer(t, "wsgiref")
		outputs := runEveryReport(t, "run", "--", "/bin/sh", "-c", "env >&2; exec "+harness.Python+" {probe_dir}/probe.py --host {host} --port {port}")
		assertNoSecret(t, secret, outputs)
		if !bytes.Contains(outputs["json (decoded)"], []byte("CONFORM_PROBE_STATE=")) {
			t.Errorf("the server's log, with its environment, is not in the JSON report")
		}
	})
}

// TestSecretsNeverReachReportsFromHandStartedProbe runs the probe under wsgiref started by
// hand with the secret in its environment, as a user would: the probe alone must keep it
// out of the reports.
func TestSecretsNeverReachReportsFromHandStartedProbe(t *testing.T) {
	requireServer(t, "wsgiref")
	secret := setSecret(t)
	dir := t.TempDir()
	script, err := probes.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(harness.Python, script, "--host", "127.0.0.1", "--port", port)
	cmd.Env = append(os.Environ(), "CONFORM_PROBE_STATE="+filepath.Join(dir, "state"))
	if !strings.Contains(strings.Join(cmd.Env, "\n"), secret) {
		t.Fatal("the secret is not in the probe's environment")
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() }()
	waitListening(t, addr)
	outputs := runEveryReport(t, "--target", addr)
	assertNoSecret(t, secret, outputs)
	// The key itself is reported, so a server copying os.environ stays visible.
	if !bytes.Contains(outputs["json (decoded)"], []byte(`"CONFORM_TEST_SECRET_TOKEN"`)) {
		t.Errorf("the JSON report does not name the inherited key")
	}
}
