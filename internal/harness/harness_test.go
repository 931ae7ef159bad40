package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/conform-wsgi/conform/internal/uwsgiproto"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/probes"
)

func testOptions(t *testing.T) Options {
	return Options{StartTimeout: 30 * time.Second}
}

// get sends a raw HTTP/1.0 request and returns the status line and the whole response.
func get(t *testing.T, addr, path string) (string, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Conform-Id: harness-test\r\n\r\n", path)
	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("read status line from %s: %v (got %q)", addr, err, status)
	}
	rest, _ := io.ReadAll(br)
	return strings.TrimRight(status, "\r\n"), status + string(rest)
}

// echo asks a started server for the probe's echo (ask).
func echo(t *testing.T, in *Instance) (string, string) {
	t.Helper()
	return ask(t, in, "/__conform__/echo")
}

// ask sends a started server a GET of target, as an HTTP/1.0 request or, to a server
// speaking uwsgi, as the uwsgi packet a front would send for it.
func ask(t *testing.T, in *Instance, target string) (string, string) {
	t.Helper()
	if !in.Uwsgi {
		return get(t, in.Addr, target)
	}
	path, query, _ := strings.Cut(target, "?")
	conn, err := net.DialTimeout("tcp", in.Addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", in.Addr, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	host, port, _ := net.SplitHostPort(in.Addr)
	packet, err := uwsgiproto.Packet([]uwsgiproto.Var{
		{Key: "REQUEST_METHOD", Value: "GET"}, {Key: "REQUEST_URI", Value: target},
		{Key: "PATH_INFO", Value: path}, {Key: "QUERY_STRING", Value: query},
		{Key: "SERVER_PROTOCOL", Value: "HTTP/1.0"}, {Key: "SERVER_NAME", Value: host},
		{Key: "SERVER_PORT", Value: port}, {Key: "REMOTE_ADDR", Value: host}, {Key: "REMOTE_PORT", Value: "0"},
		{Key: "HTTP_HOST", Value: "127.0.0.1"}, {Key: "HTTP_X_CONFORM_ID", Value: "harness-test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	conn.Write(packet)
	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("read status line from %s: %v (got %q)", in.Addr, err, status)
	}
	rest, _ := io.ReadAll(br)
	return strings.TrimRight(status, "\r\n"), status + string(rest)
}

// assertGone checks that the process and its whole group have disappeared.
func assertGone(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process group %d still exists after Stop (kill -0: %v)", pid, err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process %d still exists after Stop (kill -0: %v)", pid, err)
	}
}

func TestServers(t *testing.T) {
	ci := os.Getenv("CI") == "true"
	for _, s := range Known() {
		t.Run(s.Name, func(t *testing.T) {
			version, err := s.Installed()
			if err != nil {
				if ci {
					t.Fatalf("%s is not installed (Debian package %s): %v", s.Name, s.Package, err)
				}
				t.Skipf("not installed: %v", err)
			}
			if version == "" {
				t.Errorf("Installed returned an empty version")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
			defer cancel()
			began := time.Now()
			in, err := Start(ctx, s, testOptions(t))
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			defer in.Stop()
			t.Logf("%s %s on %s, pid %d, up in %s", in.Server, in.Version, in.Addr, in.PID, time.Since(began).Round(time.Millisecond))
			t.Logf("command: %s", shellJoin(in.Command))
			if host, _, _ := net.SplitHostPort(in.Addr); host != "127.0.0.1" {
				t.Errorf("Addr = %s, want 127.0.0.1:port", in.Addr)
			}
			if !in.Alive() {
				t.Fatalf("not alive after Start; log:\n%s", in.Log())
			}
			status, resp := echo(t, in)
			if !strings.HasPrefix(status, "HTTP/1.") {
				t.Fatalf("status line %q is not HTTP/1.x", status)
			}
			if !strings.Contains(status, " 200") {
				t.Errorf("status line %q, want 200; response:\n%s\nlog:\n%s", status, resp, in.Log())
			}
			checkProbe(t, in, resp)

			// Restart (used by fuzzing): same port, new process group, old one gone.
			addr, oldPID := in.Addr, in.PID
			restartBegan := time.Now()
			if err := in.Restart(ctx); err != nil {
				t.Fatalf("Restart: %v", err)
			}
			t.Logf("restarted in %s", time.Since(restartBegan).Round(time.Millisecond))
			if in.Addr != addr || in.PID == oldPID {
				t.Errorf("after Restart: Addr %s (was %s), PID %d (was %d)", in.Addr, addr, in.PID, oldPID)
			}
			assertGone(t, oldPID)
			if status, resp := echo(t, in); !strings.Contains(status, " 200") {
				t.Errorf("after Restart: status line %q\n%s", status, resp)
			}

			pid, probeDir := in.PID, in.ProbeDir
			stopBegan := time.Now()
			if err := in.Stop(); err != nil {
				t.Errorf("Stop: %v", err)
			}
			t.Logf("stopped in %s", time.Since(stopBegan).Round(time.Millisecond))
			if in.Alive() {
				t.Errorf("Alive after Stop")
			}
			assertGone(t, pid)
			if _, err := os.Stat(filepath.Dir(probeDir)); !os.IsNotExist(err) {
				t.Errorf("temporary directory %s left behind (%v)", filepath.Dir(probeDir), err)
			}
			checkNoWorkerDeaths(t, s, in)
		})
	}
}

// minimalEnv is every variable a known server gets from the harness (twisted's
// PYTHONPATH, and LC_CTYPE from Python's locale coercion, included).
var minimalEnv = map[string]bool{"PATH": true, "HOME": true, "LANG": true, "LC_CTYPE": true,
	"PYTHONUNBUFFERED": true, "PYTHONDONTWRITEBYTECODE": true, "TMPDIR": true,
	"CONFORM_PROBE_STATE": true, "PYTHONPATH": true}

// checkProbe checks the real probe's echo document and that the app sees the state
// directory (CONFORM_PROBE_STATE) and can write into it.
func checkProbe(t *testing.T, in *Instance, resp string) {
	t.Helper()
	_, body, _ := strings.Cut(resp, "\r\n\r\n")
	var doc struct {
		Probe string `json:"probe"`
		ID    string `json:"id"`
		PID   int    `json:"pid"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Errorf("echo body is not JSON: %v\n%s", err, resp)
	} else if doc.Probe != "conform-probe" || doc.ID != "harness-test" || doc.PID == 0 {
		t.Errorf("unexpected echo document: %+v", doc)
	}
	// A server copying os.environ into environ shows its environment's keys; they must be
	// the minimal environment's.
	if e, err := probes.Decode([]byte(body)); err == nil {
		t.Logf("inherited environ keys: %q", e.InheritedKeys())
		for _, k := range e.InheritedKeys() {
			if !minimalEnv[k] {
				t.Errorf("environ has %s from the server's environment, which conform did not give it", k)
			}
		}
	}
	status, resp := ask(t, in, "/__conform__/close?token=harness")
	if !strings.Contains(status, " 200") {
		t.Errorf("close scenario: %q\n%s", status, resp)
	}
	marker := filepath.Join(in.StateDir, "harness.closed")
	deadline := time.Now().Add(3 * time.Second)
	for {
		if _, err := os.Stat(marker); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Errorf("close marker %s not written (is CONFORM_PROBE_STATE passed through?): %v\nlog:\n%s", marker, err, in.Log())
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLookup(t *testing.T) {
	s, err := Lookup("gunicorn-gthread")
	if err != nil || s.Name != "gunicorn-gthread" || s.Package == "" || s.Description == "" {
		t.Fatalf("Lookup(gunicorn-gthread) = %+v, %v", s, err)
	}
	_, err = Lookup("no-such-server")
	if err == nil {
		t.Fatal("Lookup of an unknown name succeeded")
	}
	for _, k := range Known() {
		if !strings.Contains(err.Error(), k.Name) {
			t.Errorf("error %q does not list %s", err, k.Name)
		}
	}
	seen := map[string]bool{}
	for _, k := range Known() {
		if seen[k.Name] {
			t.Errorf("duplicate server %s", k.Name)
		}
		seen[k.Name] = true
		if k.build == nil || k.Package == "" || k.Description == "" {
			t.Errorf("incomplete server entry %+v", k)
		}
	}
}

func TestStartCommandExitsImmediately(t *testing.T) {
	ctx := context.Background()
	in, err := StartCommand(ctx, []string{"/bin/sh", "-c", "echo conform-marker-1 on {port}; echo conform-marker-2 >&2; exit 3"}, testOptions(t))
	if err == nil {
		in.Stop()
		t.Fatal("StartCommand of an exiting command succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"conform-marker-1 on ", "conform-marker-2", "exit status 3", "/bin/sh -c"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not contain %q:\n%s", want, msg)
		}
	}
	var se *StartError
	if !errors.As(err, &se) {
		t.Errorf("error is %T, want *StartError", err)
	}
}

func TestStartCommandPlaceholders(t *testing.T) {
	l := &launch{host: "127.0.0.1", port: 4242, probeDir: "/p", stateDir: "/s"}
	got := substitute([]string{"x", "--bind={host}:{port}", "{probe_dir}/probe.py", "{state_dir}", "{port}{port}"}, l)
	want := []string{"x", "--bind=127.0.0.1:4242", "/p/probe.py", "/s", "42424242"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("substitute = %q, want %q", got, want)
	}

	in, err := StartCommand(context.Background(),
		[]string{Python, "{probe_dir}/probe.py", "--host", "{host}", "--port", "{port}"}, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	_, port, _ := net.SplitHostPort(in.Addr)
	wantCmd := []string{Python, in.ProbeDir + "/probe.py", "--host", "127.0.0.1", "--port", port}
	if strings.Join(in.Command, " ") != strings.Join(wantCmd, " ") {
		t.Errorf("Command = %q, want %q", in.Command, wantCmd)
	}
	if status, _ := get(t, in.Addr, "/__conform__/echo"); !strings.HasPrefix(status, "HTTP/1.") {
		t.Errorf("status line %q", status)
	}
	pid := in.PID
	if err := in.Stop(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, pid)
}

func TestFixedPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	opt := testOptions(t)
	opt.Port = ln.Addr().(*net.TCPAddr).Port
	s, _ := Lookup("wsgiref")
	in, err := Start(context.Background(), s, opt)
	if err == nil {
		in.Stop()
		t.Fatal("Start on a port in use succeeded")
	}
	if !errors.Is(err, ErrPortInUse) || !strings.Contains(err.Error(), "in use") {
		t.Errorf("error does not say the port is in use: %v", err)
	}
}

func TestRestartAndConcurrentStop(t *testing.T) {
	s, _ := Lookup("wsgiref")
	in, err := Start(context.Background(), s, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	addr, pid1 := in.Addr, in.PID
	if err := in.Restart(context.Background()); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if in.Addr != addr {
		t.Errorf("Restart moved from %s to %s", addr, in.Addr)
	}
	if in.PID == pid1 {
		t.Errorf("Restart kept pid %d", pid1)
	}
	assertGone(t, pid1)
	if status, _ := get(t, in.Addr, "/__conform__/echo"); !strings.HasPrefix(status, "HTTP/1.") {
		t.Errorf("after restart: status line %q", status)
	}
	if !bytes.Contains(in.Log(), []byte("--- conform: restarting")) {
		t.Errorf("log has no restart marker:\n%s", in.Log())
	}

	pid2 := in.PID
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = in.Stop()
			_ = in.Alive()
			_ = in.Log()
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Stop #%d: %v", i, err)
		}
	}
	assertGone(t, pid2)
	if err := in.Restart(context.Background()); err == nil {
		t.Errorf("Restart after Stop succeeded")
	}
}

func TestStopKillsStubbornGroup(t *testing.T) {
	// A server whose child ignores SIGTERM: Stop must SIGKILL the whole group.
	script := `trap '' TERM; (trap '' TERM; sleep 60) & exec ` + Python + ` {probe_dir}/probe.py --host {host} --port {port}`
	in, err := StartCommand(context.Background(), []string{"/bin/sh", "-c", script}, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	pid := in.PID
	if err := in.Stop(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, pid)
}

func TestRingBuffer(t *testing.T) {
	r := newRingBuffer(10)
	for i := 0; i < 100; i++ {
		fmt.Fprintf(r, "%d\n", i)
	}
	if got := string(r.Bytes()); got != "\n97\n98\n99\n" {
		t.Errorf("Bytes = %q", got)
	}
	if got := r.Tail(2); got != "98\n99" {
		t.Errorf("Tail(2) = %q", got)
	}
	r.Write([]byte("0123456789abcdef"))
	if got := string(r.Bytes()); got != "6789abcdef" {
		t.Errorf("Bytes after a big write = %q", got)
	}
}

// The install script must install every package a known server needs.
func TestInstallScriptCoversKnownServers(t *testing.T) {
	script, err := os.ReadFile("../../scripts/install-servers.sh")
	if err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{}
	for _, w := range strings.Fields(string(script)) {
		words[w] = true
	}
	for _, s := range Known() {
		for _, p := range strings.Fields(s.Package) {
			if !words[p] {
				t.Errorf("scripts/install-servers.sh does not install %s (needed by %s)", p, s.Name)
			}
		}
	}
}

// envProbe answers every request with the server process's environment and temporary
// directory, under wsgiref (its __main__, as the real probe).
const envProbe = `import json, os, sys, tempfile

def app(environ, start_response):
    body = json.dumps({"env": dict(os.environ), "tmp": tempfile.gettempdir()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]

if __name__ == "__main__":
    import argparse
    from wsgiref.simple_server import make_server
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    a = p.parse_args()
    make_server(a.host, a.port, app).serve_forever()
`

// TestServerEnvironmentIsMinimal: a server gets none of conform's environment beyond
// PATH and HOME, so neither a secret nor a PYTHONPATH reaches it.
func TestServerEnvironmentIsMinimal(t *testing.T) {
	secret := fmt.Sprintf("hunter2-%d", time.Now().UnixNano())
	t.Setenv("CONFORM_TEST_SECRET_TOKEN", secret)
	// A wsgiref on PYTHONPATH that cannot be imported: found, it breaks Installed and Start.
	shadow := t.TempDir()
	if err := os.MkdirAll(filepath.Join(shadow, "wsgiref"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shadow, "wsgiref", "__init__.py"), []byte("raise ImportError('conform test: PYTHONPATH leaked')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PYTHONPATH", shadow)
	t.Setenv("LC_ALL", "C")

	s, _ := Lookup("wsgiref")
	if _, err := s.Installed(); err != nil {
		t.Fatalf("Installed: %v", err)
	}
	opt := testOptions(t)
	opt.ProbeSource = []byte(envProbe)
	opt.Env = []string{"CONFORM_EXTRA=1"}
	in, err := Start(context.Background(), s, opt)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer in.Stop()
	_, resp := get(t, in.Addr, "/")
	_, body, _ := strings.Cut(resp, "\r\n\r\n")
	var got struct {
		Env map[string]string `json:"env"`
		Tmp string            `json:"tmp"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("answer %q: %v", resp, err)
	}
	want := map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME"), "LANG": "C.UTF-8",
		"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
		"CONFORM_PROBE_STATE": in.StateDir, "TMPDIR": got.Tmp, "CONFORM_EXTRA": "1",
	}
	for k, v := range got.Env {
		// Python's locale coercion may set LC_CTYPE in its own environment.
		if w, ok := want[k]; (!ok && k != "LC_CTYPE") || (ok && v != w) {
			t.Errorf("the server's environment has %s=%q", k, v)
		}
	}
	for k, w := range want {
		if v, ok := got.Env[k]; !ok || v != w {
			t.Errorf("the server's environment lacks %s=%q (has %q)", k, w, v)
		}
	}
	if filepath.Dir(got.Tmp) != filepath.Dir(in.ProbeDir) {
		t.Errorf("the server's temporary directory %s is not inside %s", got.Tmp, filepath.Dir(in.ProbeDir))
	}
}

// TestTemporaryDirectoriesRemoved: every start makes its own directory, named after the
// server, and nothing of it is left after Stop or after a start that failed.
func TestTemporaryDirectoriesRemoved(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	left := func() []string {
		entries, err := os.ReadDir(tmp)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	s, _ := Lookup("wsgiref")
	a, err := Start(context.Background(), s, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	b, err := Start(context.Background(), s, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop()
	names := left()
	if len(names) != 2 || names[0] == names[1] {
		t.Fatalf("two servers made %q, want a directory each", names)
	}
	for _, n := range names {
		if !strings.HasPrefix(n, "conform-wsgiref-") {
			t.Errorf("directory %s is not named after the server", n)
		}
	}
	for _, in := range []*Instance{a, b} {
		root := filepath.Dir(in.ProbeDir)
		if filepath.Dir(in.StateDir) != root || filepath.Dir(root) != tmp {
			t.Errorf("probe %s and state %s are not in one directory under %s", in.ProbeDir, in.StateDir, tmp)
		}
	}
	if err := a.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.Stop()
	b.Stop()
	if names := left(); len(names) != 0 {
		t.Errorf("left behind after Stop: %q", names)
	}

	// Failed starts: a command that exits, and a known server whose port is taken.
	if in, err := StartCommand(context.Background(), []string{"/bin/sh", "-c", "exit 3"}, testOptions(t)); err == nil {
		in.Stop()
		t.Fatal("StartCommand of an exiting command succeeded")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	opt := testOptions(t)
	opt.Port = ln.Addr().(*net.TCPAddr).Port
	if in, err := Start(context.Background(), s, opt); err == nil {
		in.Stop()
		t.Fatal("Start on a port in use succeeded")
	}
	if names := left(); len(names) != 0 {
		t.Errorf("left behind after failed starts: %q", names)
	}
}
