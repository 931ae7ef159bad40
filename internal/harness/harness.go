// Package harness starts and stops real Python WSGI servers hosting the conform probe
// (probes/probe.py), each in its own process group on 127.0.0.1, and waits until they
// answer HTTP.
//
// Every server runs under /usr/bin/python3 (the Debian interpreter the server packages are
// built for), or the Debian binary (uwsgi, apache2). Nothing here keeps global state beyond
// the constant server table.
package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Python is the interpreter every Python-based server runs under.
const Python = "/usr/bin/python3"

// Server describes one WSGI server configuration conform knows how to start.
type Server struct {
	Name        string // "gunicorn-sync", "uwsgi", ...
	Description string // one line: worker model and configuration
	Package     string // Debian package(s) providing it, space separated
	Module      string // Python module whose version is reported; "" for wsgiref
	// Uwsgi: the server speaks uWSGI's own protocol (uWSGI --socket), not HTTP: conform
	// reaches it as a uwsgi client (spec.Target.Uwsgi), a front with uwsgi_pass or
	// ProxyPass uwsgi://.
	Uwsgi bool

	imports []string                     // Python modules that must import (Module is added)
	dist    string                       // distribution name for importlib.metadata, when not Module
	files   []string                     // files that must exist (binaries, plugins, Apache modules)
	version func(context.Context) string // non-Python version lookup (uwsgi, mod_wsgi, wsgiref)
	build   func(*launch) error          // fills in the command line of one launch
	// tls is how the server serves TLS (Options.TLS): servesTLS(build), or noTLS(why).
	tls tlsVariant

	// workerDeath matches the log line the server's master writes when a worker dies
	// abnormally (deaths.go); nil for servers without a master that respawns workers.
	workerDeath *regexp.Regexp
}

// launch is what a server's build function gets and fills in.
type launch struct {
	host     string
	port     int
	probeDir string // contains probe.py
	stateDir string // CONFORM_PROBE_STATE
	tmpDir   string // TMPDIR
	workDir  string // private scratch directory (config files, sockets, pid files)
	// certFile and keyFile are the self-signed certificate and its key, PEM, when the
	// server is started with Options.TLS.
	certFile, keyFile string

	// frontConfig, for a front, is the user's configuration template (Options.FrontConfig)
	// that replaces the one conform generates; "" keeps conform's.
	frontConfig string

	argv []string // set by build
	env  []string // extra environment set by build
	dir  string   // working directory; probeDir when empty
}

// template is the user's front configuration when one was given, else conform's own.
func (l *launch) template(own string) string {
	if l.frontConfig != "" {
		return l.frontConfig
	}
	return own
}

// Known lists every server conform knows, in a stable order.
func Known() []Server {
	return knownServers()
}

// Lookup finds a known server by name.
func Lookup(name string) (Server, error) {
	names := make([]string, 0, 16)
	for _, s := range knownServers() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	sort.Strings(names)
	return Server{}, fmt.Errorf("unknown server %q; known servers: %s", name, strings.Join(names, ", "))
}

// installedScript imports every module named in argv[2:] and prints the version of the
// distribution argv[1] (importlib.metadata, falling back to the first module's __version__).
const installedScript = `import importlib, sys
mods = []
for name in sys.argv[2:]:
    try:
        mods.append(importlib.import_module(name))
    except Exception as e:
        print("cannot import %s: %s: %s" % (name, type(e).__name__, e), file=sys.stderr)
        sys.exit(3)
v = None
try:
    import importlib.metadata as md
    v = md.version(sys.argv[1])
except Exception:
    pass
if not v and mods:
    v = getattr(mods[0], "__version__", None)
print(v or "unknown")
`

// Installed reports the server's version, or an error naming the Debian package(s) to
// install when it cannot run here.
func (s Server) Installed() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if s.build == nil {
		return "", fmt.Errorf("%s: not a known server", s.Name)
	}
	for _, f := range append([]string{Python}, s.files...) {
		if _, err := os.Stat(f); err != nil {
			return "", fmt.Errorf("%s: %s is missing (%s)", s.Name, f, s.installHint())
		}
	}
	mods := s.imports
	if s.Module != "" {
		mods = append([]string{s.Module}, mods...)
	}
	version := ""
	if len(mods) > 0 {
		dist := s.dist
		if dist == "" {
			dist = s.Module
		}
		args := append([]string{"-c", installedScript, dist}, mods...)
		out, errb, err := runQuiet(ctx, Python, args...)
		if err != nil {
			msg := strings.TrimSpace(errb)
			if msg == "" {
				msg = err.Error()
			}
			return "", fmt.Errorf("%s: %s (%s)", s.Name, msg, s.installHint())
		}
		version = strings.TrimSpace(out)
	}
	if s.version != nil {
		version = s.version(ctx)
	}
	if version == "" {
		version = "unknown"
	}
	return version, nil
}

// installHint names the Debian package(s) to install.
func (s Server) installHint() string {
	if strings.Contains(s.Package, " ") {
		return "install Debian packages " + s.Package
	}
	return "install Debian package " + s.Package
}

// baseEnv is the environment every command the harness runs starts from. Nothing else of
// conform's environment is passed on: reports quote server logs and the environ, CI
// environments hold secrets, and variables such as PYTHONPATH or UWSGI_* would change
// the server under test. HOME is kept for interpreter shims (pyenv) in a custom command.
func baseEnv() []string {
	env := []string{"LANG=C.UTF-8"}
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	env = append(env, "PATH="+path)
	if home, ok := os.LookupEnv("HOME"); ok {
		env = append(env, "HOME="+home)
	}
	return env
}

// runQuiet runs a short command and returns its stdout and stderr.
func runQuiet(ctx context.Context, name string, args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = baseEnv()
	cmd.Dir = os.TempDir()
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// firstMatch runs a command and returns the first submatch of re in its combined output.
func firstMatch(ctx context.Context, re *regexp.Regexp, name string, args ...string) string {
	out, errb, err := runQuiet(ctx, name, args...)
	if err != nil && out == "" && errb == "" {
		return ""
	}
	if m := re.FindStringSubmatch(out + "\n" + errb); m != nil {
		return m[1]
	}
	return ""
}

// ErrPortInUse is wrapped by Start errors when the server could not bind its port.
var ErrPortInUse = errors.New("port already in use")

// StartError is returned by Start, StartCommand and Restart when the server did not come up.
type StartError struct {
	Server  string
	Command []string
	Reason  string // what went wrong, one line
	LogTail string // last ~20 lines of the server's output
	Err     error  // underlying cause, if any (ErrPortInUse, context errors, exit status)
}

func (e *StartError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\ncommand: %s", e.Server, e.Reason, shellJoin(e.Command))
	if e.Err != nil && !strings.Contains(e.Reason, e.Err.Error()) {
		fmt.Fprintf(&b, "\ncause: %v", e.Err)
	}
	if strings.TrimSpace(e.LogTail) == "" {
		b.WriteString("\nserver log: (empty)")
	} else {
		fmt.Fprintf(&b, "\nserver log (last lines):\n%s", strings.TrimRight(e.LogTail, "\n"))
	}
	return b.String()
}

func (e *StartError) Unwrap() error { return e.Err }

// shellJoin renders argv as a shell command line (for messages and reports).
func shellJoin(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = shellQuote(a)
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,@%+{}", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
