package harness

import (
	"bytes"
	"regexp"
	"sync"
	"sync/atomic"
)

// Worker-death detection. Servers with a master process (gunicorn, uWSGI, Apache with
// mod_wsgi daemon processes) respawn a worker that crashed, so the port keeps answering
// and the crash is invisible from outside. Each of them logs a line when it reaps a worker
// it did not ask to stop; the patterns below match those lines and nothing the servers
// write on a normal stop or restart. Every pattern's alternatives capture the dead
// process's pid in exactly one group, so that a death reported by two lines (uWSGI
// harakiri then "killed by signal 9", Apache's and mod_wsgi's notes on one SIGSEGV)
// counts once.

// gunicornDeath matches gunicorn 20.1.0 (Debian python3-gunicorn 20.1.0-6+deb12u1) as
// logged with the harness's --error-logfile - (format "[time] [pid] [LEVEL] message",
// gunicorn/glogging.py:177):
//
//   - arbiter.py:501 self.log.critical("WORKER TIMEOUT (pid:%s)", pid) — the worker
//     missed its heartbeat and is sent SIGABRT (then SIGKILL).
//   - arbiter.py:530-534 self.log.warning("Worker with pid %s was terminated due to
//     signal %s", wpid, os.WTERMSIG(status)) — except signals 2, 3 and 15: SIGTERM and
//     SIGQUIT are how the arbiter itself stops workers (arbiter.py:385-390 stop(),
//     arbiter.py:557 manage_workers) and SIGINT/SIGQUIT/SIGTERM are the workers' own stop
//     signals (workers/base.py:172-174). A worker that handled SIGTERM and is finalizing
//     Python (which restores SIG_DFL) dies of the arbiter's second SIGTERM, so every
//     normal stop logs "... terminated due to signal 15" for each worker.
//   - arbiter.py:600 self.log.exception("Exception in worker process") — logged by the
//     worker itself (its pid is the bracketed one) before it exits with status 255 or
//     WORKER_BOOT_ERROR; 20.1.0 logs nothing else for a worker exiting non-zero (the
//     "Worker (pid:%s) exited with code %s" line exists only from gunicorn 21).
//
// Not matched: arbiter.py:605 "Worker exiting (pid: %s)", logged by every worker that
// leaves, crashed or not.
var gunicornDeath = regexp.MustCompile(
	`WORKER TIMEOUT \(pid:(\d+)\)$` +
		`|Worker with pid (\d+) was terminated due to signal (?:[014-9]|1[0-46-9]|[2-9][0-9]|[0-9]{3,})$` +
		`|\[(\d+)\] \[ERROR\] Exception in worker process$`)

// uwsgiDeath matches uWSGI 2.0.21 (Debian uwsgi-core 2.0.21-5.1; the strings are in
// /usr/bin/uwsgi, the lines below are in upstream tag 2.0.21):
//
//   - core/master.c:1040 "DAMN ! worker %d (pid: %d) died, killed by signal %d :( trying
//     respawn ..." (seen for kill -9 of a worker),
//   - core/master.c:1043 "DAMN ! worker %d (pid: %d) died :( trying respawn ..." (seen for
//     kill -SEGV: uWSGI's handler, core/uwsgi.c:1863-1877 uwsgi_segfault, logs a
//     backtrace and ends in exit(1); also a worker that exits by itself, e.g. os._exit in
//     the app, or one sent SIGTERM on its own),
//   - core/master.c:1051 "DAMN ! worker %d (pid: %d) MISTERIOUSLY killed by signal %d :(
//     trying respawn ...",
//   - core/master_utils.c:1564 "*** HARAKIRI ON WORKER %d (pid: %d, try: %d) ***" (only
//     with --harakiri, which the harness does not set).
//
// Not matched: core/master.c:1014 "worker %d buried after %d seconds" (every worker on a
// stop or reload), core/master.c:1047 "worker %d killed successfully (pid: %d)" (a worker
// the master cursed, e.g. reload-mercy), core/uwsgi.c:1865 "!!! uWSGI process %d got
// Segmentation Fault !!!" (the worker's own note; the DAMN line follows).
var uwsgiDeath = regexp.MustCompile(
	`DAMN ! worker \d+ \(pid: (\d+)\) (?:died|MISTERIOUSLY killed)` +
		`|\*\*\* HARAKIRI ON WORKER \d+ \(pid: (\d+), try: \d+\) \*\*\*`)

// apacheDeath matches Apache 2.4 (Debian apache2 2.4.71) with mod_wsgi 4.9.4 (Debian
// libapache2-mod-wsgi-py3 4.9.4-1+b2) in daemon mode, in the error log that the harness's
// configuration sends to stderr:
//
//   - httpd server/mpm_unix.c:386-445 ap_process_child_status (tag 2.4.62; strings
//     "AH00051: child pid %ld exit signal %s (%d), possible coredump in %s" and "AH00052:
//     child pid %ld exit signal %s (%d)" in /usr/sbin/apache2), at notice level, for any
//     child the MPM reaps (event MPM children and mod_wsgi daemon processes alike) that
//     died of a signal other than SIGTERM, SIGHUP, SIGUSR1 (graceful) and SIGKILL — so
//     nothing on a stop, but nothing for kill -9 either.
//   - mod_wsgi src/server/mod_wsgi.c (tag 4.9.4; the strings are in mod_wsgi.so) lines
//     8241 "mod_wsgi (pid=%d): Process '%s' has died, deregister and restart it.", then
//     8248 "... terminated normally, exit code %d" or 8255 "... terminated by signal %d",
//     logged by the Apache parent, with the dead daemon process's pid, only when Apache
//     is not stopping (8238 if (!stopping)); and 8303 "Process '%s' appears to have been
//     lost, deregister and restart it.". They are at info level, hence "LogLevel notice
//     wsgi:info" in apacheConfig; kill -9 of a daemon process shows only these.
//
// Not matched: mod_wsgi.c:8263 "Process '%s' has died but server is being stopped,
// deregister it.", 8286 "Process '%s' to be deregistered, as server is restarting or
// being shutdown." and 8326 "Process '%s' has been deregistered and will no longer be
// monitored." (every stop).
var apacheDeath = regexp.MustCompile(
	`AH0005[12]: child pid (\d+) exit signal ` +
		`|mod_wsgi \(pid=(\d+)\): Process '[^']*' (?:has died, deregister and restart it|terminated by signal|terminated normally, exit code|appears to have been lost)`)

// deathCounter counts worker deaths over an Instance's whole life (across restarts).
// Each process feeds it through its own lineWriter.
type deathCounter struct {
	re *regexp.Regexp // nil: the server has no master that respawns workers

	mu   sync.Mutex
	n    int
	last string
}

// add records a death line; counted is false for a further line about a death already
// counted.
func (d *deathCounter) add(line string, counted bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.last = line
	if counted {
		d.n++
	}
}

func (d *deathCounter) get() (int, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n, d.last
}

// maxLine bounds the part of a line kept while waiting for its newline; death lines are
// short and begin within the first few dozen bytes.
const maxLine = 4096

// lineWriter splits one process's output into lines and matches them against the
// death pattern. Each process has its own, so a partial line at the end of one run is
// never joined to the next run's output, and pids are only compared within a run. Lines
// arriving once the harness began stopping the process are ignored: a worker dying while
// its master shuts down is not a crash.
type lineWriter struct {
	d        *deathCounter
	stopping *atomic.Bool
	partial  []byte
	pids     [8]string // pids of this run's latest deaths, to count a death reported twice once
	next     int
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	if w.d.re == nil {
		return n, nil
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.append(p)
			break
		}
		w.append(p[:i])
		w.emit()
		p = p[i+1:]
	}
	return n, nil
}

func (w *lineWriter) append(b []byte) {
	if room := maxLine - len(w.partial); room > 0 {
		w.partial = append(w.partial, b[:min(len(b), room)]...)
	}
}

// flush handles a last line that had no newline.
func (w *lineWriter) flush() {
	if len(w.partial) > 0 {
		w.emit()
	}
}

func (w *lineWriter) emit() {
	line := string(bytes.TrimRight(w.partial, "\r"))
	w.partial = w.partial[:0]
	if w.stopping.Load() {
		return
	}
	m := w.d.re.FindStringSubmatch(line)
	if m == nil {
		return
	}
	pid := ""
	for _, g := range m[1:] {
		if g != "" {
			pid = g
			break
		}
	}
	if pid != "" {
		for _, p := range w.pids {
			if p == pid {
				w.d.add(line, false)
				return
			}
		}
		w.pids[w.next] = pid
		w.next = (w.next + 1) % len(w.pids)
	}
	w.d.add(line, true)
}

// WorkerDeaths reports how many worker processes died abnormally according to the
// server's own log (a crash, a signal, a timeout kill; see the patterns in deaths.go),
// and the most recent death line (possibly a second line about the last death, such as
// mod_wsgi's "terminated by signal 9" after its "has died"). A death logged by two lines
// counts once. The count is monotonic over the Instance's life, Restart included, so
// callers compare values taken before and after an operation. Lines the server writes
// after the harness began a Stop or Restart are ignored. It is always 0 for servers
// without a master process that respawns workers (see DetectsWorkerDeaths).
func (in *Instance) WorkerDeaths() (n int, last string) { return in.deaths.get() }

// DetectsWorkerDeaths reports whether WorkerDeaths can see anything for this server
// (gunicorn, uWSGI, mod_wsgi).
func (in *Instance) DetectsWorkerDeaths() bool { return in.deaths.re != nil }
