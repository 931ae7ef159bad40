package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/conform-wsgi/conform/internal/relay"
	"github.com/conform-wsgi/conform/internal/tlscert"
	"github.com/conform-wsgi/conform/internal/uwsgiproto"
	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// writeCert generates the self-signed certificate of a TLS instance into root/tls.
func writeCert(root, host string) (certFile, keyFile string, err error) {
	p, err := tlscert.Generate(host)
	if err != nil {
		return "", "", err
	}
	dir := filepath.Join(root, "tls")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("create certificate directory: %w", err)
	}
	return p.Write(dir)
}

// Options control how a server is started.
type Options struct {
	Host         string        // address to listen on; default 127.0.0.1
	Port         int           // fixed port; 0 picks a free one
	StartTimeout time.Duration // how long to wait for the first HTTP answer; default 20s
	Env          []string      // environment ("KEY=value") added last to the minimal one (baseEnv)
	LogLimit     int           // bytes of server output kept (the most recent); default 1 MiB

	// ProbeSource replaces the embedded probe.py (nil: probes.Source). Tests use it for a
	// probe that misbehaves on purpose.
	ProbeSource []byte

	// TLS starts the server serving HTTPS with a self-signed certificate generated for
	// Host (in the instance's private directory). Start fails, naming why, for a server
	// that cannot serve TLS; a StartCommand command finds the files as {cert_file} and
	// {key_file}.
	TLS bool

	// Front names a front (KnownFronts) to start before the server: the Instance's Addr
	// is then the front's, which forwards to the server at OriginAddr.
	Front string
	// Relay, with a Front, puts a recording relay between the front and the server
	// (Instance.Relay): what the front forwarded on each upstream connection.
	Relay bool
	// FrontConfig, with a Front, is a configuration template of the user's that replaces
	// the one conform generates for it; its placeholders ({{hostport}}, {{upstream}},
	// {{dir}}, ...) are those of the front's own template (KnownFronts).
	FrontConfig string
}

const (
	defaultHost         = "127.0.0.1"
	defaultStartTimeout = 20 * time.Second
	defaultLogLimit     = 1 << 20
	stopGrace           = 5 * time.Second
	termRepeat          = time.Second
	logTailLines        = 20
)

func (o Options) withDefaults() Options {
	if o.Host == "" {
		o.Host = defaultHost
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = defaultStartTimeout
	}
	if o.LogLimit <= 0 {
		o.LogLimit = defaultLogLimit
	}
	return o
}

// Instance is one running server. Its exported fields describe the current process; they
// change only in Restart, which callers must not run concurrently with reading them.
type Instance struct {
	Server   string
	Version  string
	Addr     string   // host:port
	PID      int      // process (and process group) id of the server's main process
	Command  []string // command line of the current process
	ProbeDir string   // holds probe.py; removed by Stop
	StateDir string   // CONFORM_PROBE_STATE; removed by Stop
	TLS      bool     // serves HTTPS (Options.TLS)
	// Uwsgi: the server itself speaks uWSGI's own protocol, not HTTP (Server.Uwsgi); its
	// front, when it has one, forwards to it with uwsgi_pass or ProxyPass uwsgi://.
	Uwsgi bool
	// OriginAddr is where the server itself listens: Addr, unless a front stands before it.
	OriginAddr string
	// Front is the front before the server (Options.Front), nil for a server tested naked.
	// Stop and Restart act on both; the server's Log is its own.
	Front *Instance
	// Relay records what the front forwarded to the server (Options.Relay), else nil.
	Relay *relay.Relay
	// Config is the configuration conform generated for a front, and Adds the request
	// fields it adds to every request it forwards (Front.Adds). Template is the user's
	// template Config came from (Options.FrontConfig), "" for conform's own.
	Config   string
	Adds     []string
	Template string

	opt      Options
	host     string
	port     int
	rootDir  string // temporary directory holding ProbeDir, StateDir and config files
	certFile string // Options.TLS: the certificate and key, in rootDir
	keyFile  string
	tmpDir   string                // the server's TMPDIR, inside rootDir
	build    func(l *launch) error // fills in the command line for a launch
	log      *ringBuffer           // server output (bounded)
	deaths   *deathCounter         // worker-death lines seen in the output (deaths.go)
	opMu     sync.Mutex            // serializes Stop and Restart
	mu       sync.Mutex            // guards proc and stopped
	proc     *process              // current process
	stopped  bool                  // Stop was called: the instance is finished
	stopErr  error                 // result of the final Stop
}

// process is one started server process and its process group.
type process struct {
	cmd     *exec.Cmd
	pgid    int
	done    chan struct{} // closed when the main process has exited
	waitErr error         // cmd.Wait result, valid after done
	logDone chan struct{} // closed when the output pipe reached EOF (or was closed)
	logR    *os.File

	// stopping is set when the harness begins stopping the process: worker deaths
	// logged from then on are part of the shutdown.
	stopping atomic.Bool
}

// Start writes the probe into a fresh temporary directory named after the server, starts
// the server on a free port of opt.Host (or opt.Port) in its own process group, with a
// minimal environment, and waits until it answers HTTP. ctx bounds only the start; the
// server runs until Stop, which removes the directory (a failed start removes it too).
func Start(ctx context.Context, s Server, opt Options) (*Instance, error) {
	if s.build == nil {
		if k, err := Lookup(s.Name); err == nil {
			s = k
		} else {
			return nil, err
		}
	}
	build := s.build
	if opt.TLS {
		// A server that cannot serve TLS says so before anything is started.
		if err := s.CanServeTLS(); err != nil {
			return nil, err
		}
		build = s.tls.build
	}
	version, err := s.Installed()
	if err != nil {
		return nil, err
	}
	var front Front
	if opt.Front != "" {
		if front, err = LookupFront(opt.Front); err != nil {
			return nil, err
		}
	}
	if opt.Front != "" && opt.TLS {
		return nil, fmt.Errorf("front %s: conform does not yet start a front serving TLS", opt.Front)
	}
	if opt.Front != "" && s.Uwsgi {
		// Said before the server is started for nothing.
		if err := front.CanForwardUwsgi(); err != nil {
			return nil, err
		}
	}
	in, err := start(ctx, s.Name, version, build, s.workerDeath, s.Uwsgi, opt)
	if err != nil || opt.Front == "" {
		return in, err
	}
	return withFront(ctx, in, front, opt)
}

// withFront starts front before the started server in, which it stops when the front
// does not come up.
func withFront(ctx context.Context, in *Instance, front Front, opt Options) (*Instance, error) {
	upstream := in.OriginAddr
	if opt.Relay {
		r, err := relay.Start(net.JoinHostPort(opt.withDefaults().Host, "0"), in.OriginAddr, relay.Limits{})
		if err != nil {
			in.Stop()
			return nil, err
		}
		in.Relay, upstream = r, r.Addr()
	}
	fin, err := startFront(ctx, front, upstream, in.Uwsgi, opt)
	if err != nil {
		in.Stop()
		return nil, err
	}
	in.Front, in.Addr = fin, fin.Addr
	return in, nil
}

// ErrNoTLS is wrapped by Start's error for a server that cannot serve TLS.
var ErrNoTLS = errors.New("cannot serve TLS")

// tlsVariant is a server's TLS configuration: the build of a launch serving TLS with
// launch.certFile and launch.keyFile, or why the server cannot.
type tlsVariant struct {
	build  func(*launch) error
	cannot string
}

// servesTLS is the tls field of a server that can serve TLS, built by build.
func servesTLS(build func(*launch) error) tlsVariant { return tlsVariant{build: build} }

// noTLS is the tls field of a server that cannot serve TLS, saying why.
func noTLS(why string) tlsVariant { return tlsVariant{cannot: why} }

// CanServeTLS reports whether Start with Options.TLS can start the server, and why not.
func (s Server) CanServeTLS() error {
	switch {
	case s.tls.build != nil:
		return nil
	case s.tls.cannot != "":
		return fmt.Errorf("%s %w: %s", s.Name, ErrNoTLS, s.tls.cannot)
	}
	return fmt.Errorf("%s %w", s.Name, ErrNoTLS)
}

// StartCommand starts an arbitrary server command hosting the probe. The placeholders
// {host}, {port}, {probe_dir} and {state_dir} are substituted anywhere in argv; the
// command runs in the probe directory.
func StartCommand(ctx context.Context, argv []string, opt Options) (*Instance, error) {
	if len(argv) == 0 {
		return nil, errors.New("custom: empty command")
	}
	tmpl := append([]string(nil), argv...)
	build := func(l *launch) error {
		l.argv = substitute(tmpl, l)
		return nil
	}
	var front Front
	if opt.Front != "" {
		var err error
		if front, err = LookupFront(opt.Front); err != nil {
			return nil, err
		}
	}
	in, err := start(ctx, "custom", "", build, nil, false, opt)
	if err != nil || opt.Front == "" {
		return in, err
	}
	return withFront(ctx, in, front, opt)
}

// substitute replaces the StartCommand placeholders in every argument.
func substitute(argv []string, l *launch) []string {
	r := strings.NewReplacer(
		"{host}", l.host,
		"{port}", strconv.Itoa(l.port),
		"{probe_dir}", l.probeDir,
		"{state_dir}", l.stateDir,
		"{cert_file}", l.certFile,
		"{key_file}", l.keyFile,
	)
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = r.Replace(a)
	}
	return out
}

func start(ctx context.Context, name, version string, build func(*launch) error, workerDeath *regexp.Regexp, uwsgi bool, opt Options) (in *Instance, err error) {
	opt = opt.withDefaults()
	root, err := os.MkdirTemp("", "conform-"+name+"-")
	if err != nil {
		return nil, fmt.Errorf("%s: create temporary directory: %w", name, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(root)
		}
	}()
	src := probes.Source
	if opt.ProbeSource != nil {
		src = opt.ProbeSource
	}
	probeDir := filepath.Join(root, "probe")
	if err := writeProbe(probeDir, src, opt.ProbeSource != nil); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	stateDir := filepath.Join(root, "state")
	if err := os.Mkdir(stateDir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: create state directory: %w", name, err)
	}
	// The server's TMPDIR: whatever temporary files it or the probe make go when Stop
	// removes root. Sticky and world-writable, as Apache's children may run as www-data.
	tmpDir := filepath.Join(root, "tmp")
	if err := os.Mkdir(tmpDir, 0o700); err != nil {
		return nil, fmt.Errorf("%s: create temporary directory: %w", name, err)
	}
	if err := os.Chmod(tmpDir, 0o1777); err != nil {
		return nil, fmt.Errorf("%s: create temporary directory: %w", name, err)
	}
	var certFile, keyFile string
	if opt.TLS {
		if certFile, keyFile, err = writeCert(root, opt.Host); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	in = &Instance{
		Server:   name,
		Version:  version,
		ProbeDir: probeDir,
		StateDir: stateDir,
		TLS:      opt.TLS,
		Uwsgi:    uwsgi,
		certFile: certFile,
		keyFile:  keyFile,
		opt:      opt,
		host:     opt.Host,
		rootDir:  root,
		tmpDir:   tmpDir,
		build:    build,
		log:      newRingBuffer(opt.LogLimit),
		deaths:   &deathCounter{re: workerDeath},
	}
	fixed := opt.Port != 0
	for attempt := 0; ; attempt++ {
		port := opt.Port
		if !fixed {
			if port, err = freePort(opt.Host); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		err = in.launch(ctx, port)
		if err == nil {
			return in, nil
		}
		// A free port picked by us can be taken by someone else before the server
		// binds it; try another one.
		if fixed || attempt >= 2 || !errors.Is(err, ErrPortInUse) {
			return nil, err
		}
		in.log.Write([]byte("--- conform: port " + strconv.Itoa(port) + " was taken; retrying on another port ---\n"))
	}
}

func writeProbe(dir string, src []byte, custom bool) error {
	if !custom {
		_, err := probes.Write(dir)
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create probe directory: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, "probe.py"), src, 0o644)
}

// freePort asks the kernel for a free TCP port on host.
func freePort(host string) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("pick a free port on %s: %w", host, err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port, nil
}

// checkPortFree fails with ErrPortInUse when something listens on host:port.
func checkPortFree(host string, port int) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%s:%d: %w", host, port, ErrPortInUse)
		}
		return fmt.Errorf("cannot listen on %s:%d: %w", host, port, err)
	}
	ln.Close()
	return nil
}

// launch starts one server process on port and waits until it answers. On failure the
// process group is killed and a *StartError is returned.
func (in *Instance) launch(ctx context.Context, port int) error {
	l := &launch{
		host:     in.host,
		port:     port,
		probeDir: in.ProbeDir,
		stateDir: in.StateDir,
		tmpDir:   in.tmpDir,
		workDir:  in.rootDir,
		certFile: in.certFile,
		keyFile:  in.keyFile,
	}
	if err := in.build(l); err != nil {
		return &StartError{Server: in.Server, Reason: "prepare command: " + err.Error(), Err: err}
	}
	fail := func(reason string, err error) error {
		return &StartError{Server: in.Server, Command: l.argv, Reason: reason, LogTail: in.log.Tail(logTailLines), Err: err}
	}
	if len(l.argv) == 0 {
		return fail("empty command", nil)
	}
	if err := checkPortFree(in.host, port); err != nil {
		return fail(err.Error(), err)
	}

	addr := net.JoinHostPort(in.host, strconv.Itoa(port))
	in.OriginAddr = addr
	if in.Front == nil {
		in.Addr = addr
	}
	in.port = port
	in.Command = l.argv

	p, err := spawn(l, in.opt, in.log, in.deaths)
	if err != nil {
		return fail("start: "+err.Error(), err)
	}
	in.mu.Lock()
	in.proc = p
	in.mu.Unlock()
	in.PID = p.cmd.Process.Pid

	timeout := in.opt.StartTimeout
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	werr := waitReady(wctx, addr, in.TLS, in.Uwsgi, p.done)
	if werr == nil {
		return nil
	}
	exited := false
	select {
	case <-p.done:
		exited = true
	default:
	}
	p.kill()
	var reason string
	switch {
	case exited:
		reason = fmt.Sprintf("server exited before answering HTTP on %s (%s)", addr, exitDescription(p.waitErr))
		werr = p.waitErr
	case errors.Is(werr, context.DeadlineExceeded) && ctx.Err() == nil:
		reason = fmt.Sprintf("server did not answer HTTP on %s within %s", addr, timeout)
	default:
		reason = fmt.Sprintf("start interrupted: %v", werr)
	}
	if portInUseLog(in.log.Bytes()) {
		reason += "; its log says the port is already in use"
		werr = fmt.Errorf("%s: %w", addr, ErrPortInUse)
	}
	return fail(reason, werr)
}

// spawn starts argv in its own process group with output going into log and, line by
// line, into deaths.
func spawn(l *launch, opt Options, log *ringBuffer, deaths *deathCounter) (*process, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(l.argv[0], l.argv[1:]...)
	cmd.Dir = l.dir
	if cmd.Dir == "" {
		cmd.Dir = l.probeDir
	}
	env := append(baseEnv(), "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1",
		"TMPDIR="+l.tmpDir, "CONFORM_PROBE_STATE="+l.stateDir)
	env = append(env, l.env...)
	cmd.Env = append(env, opt.Env...)
	cmd.Stdin = nil
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	w.Close()
	p := &process{
		cmd:     cmd,
		pgid:    cmd.Process.Pid,
		done:    make(chan struct{}),
		logDone: make(chan struct{}),
		logR:    r,
	}
	lines := &lineWriter{d: deaths, stopping: &p.stopping}
	go func() {
		io.Copy(io.MultiWriter(log, lines), r)
		lines.flush()
		close(p.logDone)
	}()
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// groupExists reports whether any process of the group is left (zombies included).
func groupExists(pgid int) bool {
	err := syscall.Kill(-pgid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// stop sends SIGTERM to the process group, waits up to stopGrace for the main process and
// the whole group to go, then SIGKILLs what is left. SIGTERM is repeated every second:
// a worker still booting can lose the first one (gunicorn's gevent and eventlet workers
// inherit the arbiter's handler until they install their own). It returns an error only
// if processes survive SIGKILL.
func (p *process) stop() error {
	p.stopping.Store(true)
	deadline := time.Now().Add(stopGrace)
	for !p.waitGone(0) && time.Now().Before(deadline) {
		syscall.Kill(-p.pgid, syscall.SIGTERM)
		p.waitGone(min(termRepeat, time.Until(deadline)))
	}
	if p.waitGone(0) {
		p.closeLog()
		return nil
	}
	return p.kill()
}

// kill SIGKILLs the process group and waits for it to go.
func (p *process) kill() error {
	p.stopping.Store(true)
	syscall.Kill(-p.pgid, syscall.SIGKILL)
	gone := p.waitGone(5 * time.Second)
	p.closeLog()
	if !gone {
		return fmt.Errorf("process group %d survived SIGKILL", p.pgid)
	}
	return nil
}

// waitGone waits up to d until the main process is reaped and no process of the group is
// left.
func (p *process) waitGone(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		select {
		case <-p.done:
			if !groupExists(p.pgid) {
				return true
			}
		default:
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		if left > 10*time.Millisecond {
			left = 10 * time.Millisecond
		}
		time.Sleep(left)
	}
}

// closeLog lets the output copier drain, then closes the pipe so it cannot leak (a
// process that left the group could still hold the write end).
func (p *process) closeLog() {
	select {
	case <-p.logDone:
	case <-time.After(500 * time.Millisecond):
	}
	p.logR.Close()
}

// readyRequest is the request waitReady sends: an HTTP/1.0 echo.
const readyRequest = "GET /__conform__/echo HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Conform-Id: harness-ready\r\n\r\n"

// readyPacket is readyRequest as a uwsgi packet, for a server speaking uwsgi.
func readyPacket(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := uwsgiproto.Packet([]uwsgiproto.Var{
		{Key: "REQUEST_METHOD", Value: "GET"}, {Key: "REQUEST_URI", Value: "/__conform__/echo"},
		{Key: "PATH_INFO", Value: "/__conform__/echo"}, {Key: "QUERY_STRING", Value: ""},
		{Key: "SERVER_PROTOCOL", Value: "HTTP/1.0"}, {Key: "SERVER_NAME", Value: host},
		{Key: "SERVER_PORT", Value: port}, {Key: "REMOTE_ADDR", Value: host}, {Key: "REMOTE_PORT", Value: "0"},
		{Key: "HTTP_HOST", Value: "127.0.0.1"}, {Key: "HTTP_X_CONFORM_ID", Value: "harness-ready"},
	})
	return string(p)
}

// waitReady polls addr with a raw HTTP/1.0 request (a uwsgi packet when the server speaks
// uwsgi: it answers with an HTTP response all the same) until any status line comes back,
// the process exits or ctx ends.
func waitReady(ctx context.Context, addr string, useTLS, uwsgi bool, exited <-chan struct{}) error {
	req := readyRequest
	if uwsgi {
		req = readyPacket(addr)
	}
	delay := 20 * time.Millisecond
	for {
		select {
		case <-exited:
			return errors.New("process exited")
		default:
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if ok := tryHTTP(ctx, addr, useTLS, req); ok {
			// The answer could come from another process that owns the port while
			// ours failed to bind it; make sure ours is still running.
			select {
			case <-exited:
				return errors.New("process exited")
			default:
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("process exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		if delay < 200*time.Millisecond {
			delay *= 2
		}
	}
}

func tryHTTP(ctx context.Context, addr string, useTLS bool, req string) bool {
	var conn net.Conn
	var err error
	if useTLS {
		conn, err = wire.DialTLS(ctx, addr, time.Second)
	} else {
		d := net.Dialer{Timeout: time.Second}
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return false
	}
	defer conn.Close()
	deadline := time.Now().Add(3 * time.Second)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	conn.SetDeadline(deadline)
	if _, err := io.WriteString(conn, req); err != nil {
		return false
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil && line == "" {
		return false
	}
	return strings.HasPrefix(line, "HTTP/")
}

func exitDescription(err error) string {
	if err == nil {
		return "exit status 0"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "killed by " + ws.Signal().String()
		}
	}
	return err.Error()
}

func portInUseLog(log []byte) bool {
	s := string(log)
	return strings.Contains(s, "Address already in use") || strings.Contains(s, "Connection in use") ||
		strings.Contains(s, "EADDRINUSE")
}

// Log returns the server's combined stdout and stderr so far (at most Options.LogLimit
// bytes, the most recent).
func (in *Instance) Log() []byte { return in.log.Bytes() }

// Alive reports whether the server's main process is running.
func (in *Instance) Alive() bool {
	in.mu.Lock()
	p, stopped := in.proc, in.stopped
	in.mu.Unlock()
	if p == nil || stopped {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
	}
	return in.Front == nil || in.Front.Alive()
}

// Stop terminates the server: SIGTERM to its process group, up to 5 s to exit, then
// SIGKILL. It removes the probe and state directories. Stop is idempotent and safe to
// call from several goroutines; later calls return the first call's result.
func (in *Instance) Stop() error {
	in.opMu.Lock()
	defer in.opMu.Unlock()
	in.mu.Lock()
	if in.stopped {
		err := in.stopErr
		in.mu.Unlock()
		return err
	}
	p := in.proc
	in.mu.Unlock()
	var err error
	if in.Front != nil {
		err = in.Front.Stop()
	}
	if in.Relay != nil {
		if rerr := in.Relay.Close(); rerr != nil && err == nil {
			err = rerr
		}
	}
	if p != nil {
		if perr := p.stop(); perr != nil && err == nil {
			err = perr
		}
	}
	if rerr := os.RemoveAll(in.rootDir); rerr != nil && err == nil {
		err = fmt.Errorf("%s: remove temporary directory: %w", in.Server, rerr)
	}
	in.mu.Lock()
	in.stopped, in.stopErr = true, err
	in.mu.Unlock()
	return err
}

// Restart stops the server (if it is still running) and starts it again on the same
// port, with the same probe and state directories. The log keeps accumulating, with a
// marker line between runs. Restart after Stop is an error.
func (in *Instance) Restart(ctx context.Context) error { return in.restart(ctx, false) }

// RestartKilled is Restart with the old processes killed at once (SIGKILL to the group), not
// stopped gracefully: a server that spins does not stop on SIGTERM (gunicorn's sync worker
// finishes its request first, and that request never ends), so the graceful stop would only
// wait out its 5 s.
func (in *Instance) RestartKilled(ctx context.Context) error { return in.restart(ctx, true) }

func (in *Instance) restart(ctx context.Context, kill bool) error {
	in.opMu.Lock()
	defer in.opMu.Unlock()
	in.mu.Lock()
	stopped, p := in.stopped, in.proc
	in.mu.Unlock()
	if stopped {
		return fmt.Errorf("%s: restart after Stop", in.Server)
	}
	if p != nil {
		stop := p.stop
		if kill {
			stop = p.kill
		}
		if err := stop(); err != nil {
			return fmt.Errorf("%s: restart: %w", in.Server, err)
		}
	}
	in.log.Write([]byte("--- conform: restarting " + in.Server + " ---\n"))
	deadline := time.Now().Add(in.opt.StartTimeout)
	for {
		err := in.launch(ctx, in.port)
		if err == nil && in.Front != nil && !in.Front.Alive() {
			err = in.Front.Restart(ctx)
		}
		// The old process's socket can linger briefly; retry a port-in-use failure
		// until the start timeout.
		if err == nil || !errors.Is(err, ErrPortInUse) || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ringBuffer keeps the last limit bytes written to it.
type ringBuffer struct {
	mu    sync.Mutex
	limit int
	buf   []byte
}

func newRingBuffer(limit int) *ringBuffer { return &ringBuffer{limit: limit} }

func (r *ringBuffer) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(p)
	if len(p) > r.limit {
		p = p[len(p)-r.limit:]
	}
	// Let the buffer grow to twice the limit before dropping old bytes, so that
	// trimming is amortized.
	if len(r.buf)+len(p) > 2*r.limit {
		keep := r.limit - len(p)
		r.buf = append(r.buf[:0], r.buf[len(r.buf)-keep:]...)
	}
	r.buf = append(r.buf, p...)
	return n, nil
}

// Bytes returns a copy of the last limit bytes.
func (r *ringBuffer) Bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.buf
	if len(b) > r.limit {
		b = b[len(b)-r.limit:]
	}
	return append([]byte(nil), b...)
}

// Tail returns the last n lines.
func (r *ringBuffer) Tail(n int) string {
	s := strings.TrimRight(string(r.Bytes()), "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
