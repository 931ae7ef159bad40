package harness

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Python runners for servers that have no command-line entry point taking a WSGI
// callable. Each is run as `python3 -c <runner> HOST PORT` with the probe directory as
// the working directory (so `import probe` finds probe.py).

const runnerWerkzeug = `import os, sys
sys.path.insert(0, os.getcwd())
from werkzeug.serving import run_simple
from probe import app
run_simple(sys.argv[1], int(sys.argv[2]), app, threaded=True)
`

const runnerCheroot = `import os, sys
sys.path.insert(0, os.getcwd())
from cheroot import wsgi
from probe import app
server = wsgi.Server((sys.argv[1], int(sys.argv[2])), app)
print("conform: cheroot %s listening on %s:%s" % (server.version, sys.argv[1], sys.argv[2]), file=sys.stderr)
try:
    server.start()
except KeyboardInterrupt:
    server.stop()
`

const runnerGevent = `from gevent import monkey
monkey.patch_all()
import os, sys
sys.path.insert(0, os.getcwd())
from gevent.pywsgi import WSGIServer
from probe import app
print("conform: gevent.pywsgi listening on %s:%s" % (sys.argv[1], sys.argv[2]), file=sys.stderr)
WSGIServer((sys.argv[1], int(sys.argv[2])), app).serve_forever()
`

const runnerEventlet = `import eventlet
eventlet.monkey_patch()
import os, sys
sys.path.insert(0, os.getcwd())
import eventlet.wsgi
from probe import app
eventlet.wsgi.server(eventlet.listen((sys.argv[1], int(sys.argv[2]))), app)
`

const runnerPaste = `import os, sys
sys.path.insert(0, os.getcwd())
from paste import httpserver
from probe import app
httpserver.serve(app, host=sys.argv[1], port=int(sys.argv[2]))
`

const runnerTornado = `import asyncio, logging, os, sys
sys.path.insert(0, os.getcwd())
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
import tornado.httpserver, tornado.wsgi
from probe import app
async def main():
    server = tornado.httpserver.HTTPServer(tornado.wsgi.WSGIContainer(app))
    server.listen(int(sys.argv[2]), address=sys.argv[1])
    logging.info("conform: tornado WSGIContainer listening on %s:%s", sys.argv[1], sys.argv[2])
    await asyncio.Event().wait()
asyncio.run(main())
`

// The TLS variants of the runners: the same server, serving TLS with the certificate and
// key given as argv[3] and argv[4] (pythonRunnerTLS), each through the server's own API.

const runnerWerkzeugTLS = `import os, sys
sys.path.insert(0, os.getcwd())
from werkzeug.serving import run_simple
from probe import app
run_simple(sys.argv[1], int(sys.argv[2]), app, threaded=True, ssl_context=(sys.argv[3], sys.argv[4]))
`

const runnerCherootTLS = `import os, sys
sys.path.insert(0, os.getcwd())
from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from probe import app
server = wsgi.Server((sys.argv[1], int(sys.argv[2])), app)
server.ssl_adapter = BuiltinSSLAdapter(sys.argv[3], sys.argv[4])
print("conform: cheroot %s listening (TLS) on %s:%s" % (server.version, sys.argv[1], sys.argv[2]), file=sys.stderr)
try:
    server.start()
except KeyboardInterrupt:
    server.stop()
`

const runnerGeventTLS = `from gevent import monkey
monkey.patch_all()
import os, sys
sys.path.insert(0, os.getcwd())
from gevent.pywsgi import WSGIServer
from probe import app
print("conform: gevent.pywsgi listening (TLS) on %s:%s" % (sys.argv[1], sys.argv[2]), file=sys.stderr)
WSGIServer((sys.argv[1], int(sys.argv[2])), app, certfile=sys.argv[3], keyfile=sys.argv[4]).serve_forever()
`

const runnerEventletTLS = `import eventlet
eventlet.monkey_patch()
import os, sys
sys.path.insert(0, os.getcwd())
import eventlet.wsgi
from probe import app
sock = eventlet.wrap_ssl(eventlet.listen((sys.argv[1], int(sys.argv[2]))), certfile=sys.argv[3], keyfile=sys.argv[4], server_side=True)
eventlet.wsgi.server(sock, app)
`

const runnerTornadoTLS = `import asyncio, logging, os, sys
sys.path.insert(0, os.getcwd())
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
import tornado.httpserver, tornado.wsgi
from probe import app
async def main():
    server = tornado.httpserver.HTTPServer(tornado.wsgi.WSGIContainer(app), ssl_options={"certfile": sys.argv[3], "keyfile": sys.argv[4]})
    server.listen(int(sys.argv[2]), address=sys.argv[1])
    logging.info("conform: tornado WSGIContainer listening (TLS) on %s:%s", sys.argv[1], sys.argv[2])
    await asyncio.Event().wait()
asyncio.run(main())
`

// pythonRunnerTLS builds `python3 -c <script> HOST PORT CERT KEY`.
func pythonRunnerTLS(script string) tlsVariant {
	return servesTLS(func(l *launch) error {
		l.argv = []string{Python, "-c", script, l.host, strconv.Itoa(l.port), l.certFile, l.keyFile}
		return nil
	})
}

// gunicornTLS is gunicorn's build with --certfile and --keyfile: every worker class
// wraps its sockets with the same ssl context.
func gunicornTLS(workerClass string, extra ...string) tlsVariant {
	return servesTLS(func(l *launch) error {
		return gunicorn(workerClass, append(append([]string(nil), extra...), "--certfile", l.certFile, "--keyfile", l.keyFile)...)(l)
	})
}

func hostPort(l *launch) string { return net.JoinHostPort(l.host, strconv.Itoa(l.port)) }

// pythonRunner builds `python3 -c <script> HOST PORT`.
func pythonRunner(script string) func(*launch) error {
	return func(l *launch) error {
		l.argv = []string{Python, "-c", script, l.host, strconv.Itoa(l.port)}
		return nil
	}
}

func gunicorn(workerClass string, extra ...string) func(*launch) error {
	return func(l *launch) error {
		l.argv = []string{Python, "-m", "gunicorn",
			"--chdir", l.probeDir,
			"--bind", hostPort(l),
			"--workers", "2",
			"--worker-class", workerClass}
		l.argv = append(l.argv, extra...)
		l.argv = append(l.argv, "--access-logfile", "-", "--error-logfile", "-", "probe:app")
		return nil
	}
}

// uwsgiArgv is the uWSGI command line with its listener given as socket (the option,
// --http-socket, --https-socket, or --socket for the uwsgi protocol) and value.
func uwsgiArgv(l *launch, socket, value string) error {
	l.argv = []string{uwsgiBinary, "--strict",
		"--plugin", "python3",
		socket, value,
		"--chdir", l.probeDir,
		"--wsgi-file", filepath.Join(l.probeDir, "probe.py"),
		"--callable", "app",
		"--need-app",
		"--master", "--processes", "2", "--threads", "2",
		"--die-on-term"}
	return nil
}

const (
	uwsgiBinary      = "/usr/bin/uwsgi"
	uwsgiPlugin      = "/usr/lib/uwsgi/plugins/python3_plugin.so"
	apacheBinary     = "/usr/sbin/apache2"
	apacheModules    = "/usr/lib/apache2/modules"
	modWSGIPackage   = "libapache2-mod-wsgi-py3"
	apacheConfigName = "apache2.conf"
)

func knownServers() []Server {
	return []Server{
		{
			Name:        "wsgiref",
			Description: "stdlib wsgiref.simple_server (probe.py __main__): one process, one thread, HTTP/1.0",
			Package:     "python3",
			imports:     []string{"wsgiref.simple_server"},
			version:     pythonVersion,
			build: func(l *launch) error {
				l.argv = []string{Python, filepath.Join(l.probeDir, "probe.py"), "--host", l.host, "--port", strconv.Itoa(l.port)}
				return nil
			},
			tls: noTLS("wsgiref.simple_server serves plain HTTP only"),
		},
		{
			Name:        "gunicorn-sync",
			Description: "gunicorn, sync workers: 2 pre-forked processes, one request at a time each",
			Package:     "python3-gunicorn",
			Module:      "gunicorn",
			build:       gunicorn("sync"),
			tls:         gunicornTLS("sync"),
			workerDeath: gunicornDeath,
		},
		{
			Name:        "gunicorn-gthread",
			Description: "gunicorn, gthread workers: 2 processes x 4 threads, keep-alive",
			Package:     "python3-gunicorn",
			Module:      "gunicorn",
			build:       gunicorn("gthread", "--threads", "4"),
			tls:         gunicornTLS("gthread", "--threads", "4"),
			workerDeath: gunicornDeath,
		},
		{
			Name:        "gunicorn-gevent",
			Description: "gunicorn, gevent workers: 2 processes, a greenlet per connection (monkey-patched)",
			Package:     "python3-gunicorn python3-gevent",
			Module:      "gunicorn",
			imports:     []string{"gevent", "gunicorn.workers.ggevent"},
			build:       gunicorn("gevent"),
			tls:         gunicornTLS("gevent"),
			workerDeath: gunicornDeath,
		},
		{
			Name:        "gunicorn-eventlet",
			Description: "gunicorn, eventlet workers: 2 processes, a green thread per connection (monkey-patched)",
			Package:     "python3-gunicorn python3-eventlet",
			Module:      "gunicorn",
			imports:     []string{"eventlet", "gunicorn.workers.geventlet"},
			build:       gunicorn("eventlet"),
			tls:         gunicornTLS("eventlet"),
			workerDeath: gunicornDeath,
		},
		{
			Name:        "waitress",
			Description: "waitress (waitress-serve): one process, asyncore I/O loop + 4 worker threads",
			Package:     "python3-waitress",
			Module:      "waitress",
			build: func(l *launch) error {
				l.argv = []string{Python, "-m", "waitress", "--host=" + l.host, "--port=" + strconv.Itoa(l.port), "probe:app"}
				return nil
			},
			tls: noTLS("waitress serves plain HTTP only (its documentation: put a TLS-terminating proxy in front)"),
		},
		{
			Name:        "uwsgi",
			Description: "uWSGI native --http-socket, python3 plugin: master + 2 processes x 2 threads",
			Package:     "uwsgi-core uwsgi-plugin-python3",
			files:       []string{uwsgiBinary, uwsgiPlugin},
			version:     uwsgiVersion,
			build:       func(l *launch) error { return uwsgiArgv(l, "--http-socket", hostPort(l)) },
			tls: servesTLS(func(l *launch) error {
				return uwsgiArgv(l, "--https-socket", hostPort(l)+","+l.certFile+","+l.keyFile)
			}),
			workerDeath: uwsgiDeath,
		},
		{
			Name:        "uwsgi-socket",
			Description: "uWSGI --socket (its own uwsgi protocol, as nginx's uwsgi_pass reaches it), python3 plugin: master + 2 processes x 2 threads",
			Package:     "uwsgi-core uwsgi-plugin-python3",
			Uwsgi:       true,
			files:       []string{uwsgiBinary, uwsgiPlugin},
			version:     uwsgiVersion,
			build:       func(l *launch) error { return uwsgiArgv(l, "--socket", hostPort(l)) },
			tls:         noTLS("conform speaks the uwsgi protocol over plain TCP only (uWSGI's --ssl-socket, nginx's suwsgi://, is not supported)"),
			workerDeath: uwsgiDeath,
		},
		{
			Name:        "werkzeug",
			Description: "werkzeug.serving.run_simple development server, threaded=True (a thread per request)",
			Package:     "python3-werkzeug",
			Module:      "werkzeug",
			build:       pythonRunner(runnerWerkzeug),
			tls:         pythonRunnerTLS(runnerWerkzeugTLS),
		},
		{
			Name:        "cheroot",
			Description: "cheroot.wsgi.Server (CherryPy's server): one process, pool of 10 threads",
			Package:     "python3-cheroot",
			Module:      "cheroot",
			build:       pythonRunner(runnerCheroot),
			tls:         pythonRunnerTLS(runnerCherootTLS),
		},
		{
			Name:        "gevent",
			Description: "gevent.pywsgi.WSGIServer: one process, a greenlet per connection (monkey-patched)",
			Package:     "python3-gevent",
			Module:      "gevent",
			build:       pythonRunner(runnerGevent),
			tls:         pythonRunnerTLS(runnerGeventTLS),
		},
		{
			Name:        "eventlet",
			Description: "eventlet.wsgi.server: one process, a green thread per connection (monkey-patched)",
			Package:     "python3-eventlet",
			Module:      "eventlet",
			build:       pythonRunner(runnerEventlet),
			tls:         pythonRunnerTLS(runnerEventletTLS),
		},
		{
			Name:        "twisted",
			Description: "twisted.web WSGIResource (python3 -m twisted web --wsgi): reactor + thread pool",
			Package:     "python3-twisted",
			Module:      "twisted",
			build: func(l *launch) error {
				l.argv = []string{Python, "-m", "twisted", "web",
					"--listen", fmt.Sprintf("tcp:%d:interface=%s", l.port, l.host),
					"--wsgi", "probe.app"}
				l.env = append(l.env, "PYTHONPATH="+l.probeDir)
				return nil
			},
			// The ssl: endpoint (twisted.internet.endpoints) wraps pyOpenSSL, which Debian's
			// python3-openssl provides.
			tls: servesTLS(func(l *launch) error {
				l.argv = []string{Python, "-m", "twisted", "web",
					"--listen", fmt.Sprintf("ssl:%d:interface=%s:privateKey=%s:certKey=%s", l.port, l.host, l.keyFile, l.certFile),
					"--wsgi", "probe.app"}
				l.env = append(l.env, "PYTHONPATH="+l.probeDir)
				return nil
			}),
		},
		{
			Name:        "mod_wsgi",
			Description: "Apache 2.4 mpm_event + mod_wsgi daemon mode: 2 daemon processes x 4 threads",
			Package:     "apache2 " + modWSGIPackage,
			files: []string{apacheBinary,
				filepath.Join(apacheModules, "mod_wsgi.so"),
				filepath.Join(apacheModules, "mod_mpm_event.so"),
				filepath.Join(apacheModules, "mod_authz_core.so")},
			version:     modWSGIVersion,
			build:       buildModWSGI,
			tls:         servesTLS(buildModWSGITLS),
			workerDeath: apacheDeath,
		},
		{
			Name:        "paste",
			Description: "paste.httpserver.serve: one process, pool of 10 threads",
			Package:     "python3-paste",
			Module:      "paste",
			build:       pythonRunner(runnerPaste),
			tls:         noTLS("paste.httpserver's TLS imports OpenSSL.tsafe, which pyOpenSSL no longer has, and then refuses an ssl_context (paste/httpserver.py:335-345: \"pyOpenSSL not installed\")"),
		},
		{
			Name:        "tornado",
			Description: "tornado.wsgi.WSGIContainer on tornado HTTPServer: one thread, the app blocks the IOLoop",
			Package:     "python3-tornado",
			Module:      "tornado",
			build:       pythonRunner(runnerTornado),
			tls:         pythonRunnerTLS(runnerTornadoTLS),
		},
	}
}

func pythonVersion(ctx context.Context) string {
	out, _, err := runQuiet(ctx, Python, "-c", "import platform; print(platform.python_version())")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

func uwsgiVersion(ctx context.Context) string {
	out, _, err := runQuiet(ctx, uwsgiBinary, "--version")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

var apacheVersionRE = regexp.MustCompile(`Apache/(\S+)`)

// modWSGIVersion is the Debian package version of mod_wsgi plus the Apache version, e.g.
// "4.9.4-1+b2 (Apache/2.4.71)".
func modWSGIVersion(ctx context.Context) string {
	v := ""
	if out, _, err := runQuiet(ctx, "dpkg-query", "-W", "-f", "${Version}", modWSGIPackage); err == nil {
		v = strings.TrimSpace(out)
	}
	if v == "" {
		v = "unknown"
	}
	if a := firstMatch(ctx, apacheVersionRE, apacheBinary, "-v"); a != "" {
		v += " (Apache/" + a + ")"
	}
	return v
}

// apacheBase is what every private Apache configuration starts with: the mod_wsgi server
// and the apache front add their modules and directives after it.
const apacheBase = `# Generated by conform (internal/harness) for one test run.
ServerRoot "{{dir}}"
PidFile "{{dir}}/apache2.pid"
DefaultRuntimeDir "{{dir}}/run"
Mutex file:{{dir}}/run default
Listen {{hostport}}
ServerName {{host}}
{{user}}
LoadModule mpm_event_module {{modules}}/mod_mpm_event.so
LoadModule authz_core_module {{modules}}/mod_authz_core.so

StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
KeepAlive On
Timeout 60

ErrorLog /dev/stderr
LogFormat "%h %l %u %t \"%r\" %>s %b" common
CustomLog /dev/stderr common
`

const apacheConfig = apacheBase + `
LoadModule wsgi_module {{modules}}/mod_wsgi.so
# wsgi:info for the Apache parent's "Process 'conform' has died, deregister and restart
# it." (worker-death detection, deaths.go); Apache itself logs nothing for a SIGKILLed child.
LogLevel notice wsgi:info

WSGISocketPrefix {{dir}}/run/wsgi
WSGIDaemonProcess conform processes=2 threads=4 home={{probe}} python-path={{probe}} display-name=conform-wsgi
WSGIProcessGroup conform
WSGIApplicationGroup %{GLOBAL}
WSGICallableObject app
WSGIScriptAlias / {{probe}}/probe.py

<Directory />
    Require all denied
</Directory>
<Directory {{probe}}>
    Require all granted
</Directory>
`

// apacheSSLConfig makes the main server serve TLS (buildModWSGITLS). SSLOptions
// +StdEnvVars is what an operator wanting the SSL_* variables sets (mod_ssl exports only
// HTTPS without it); with it, the environ shows what mod_wsgi passes on of them.
const apacheSSLConfig = `
LoadModule socache_shmcb_module {{modules}}/mod_socache_shmcb.so
LoadModule ssl_module {{modules}}/mod_ssl.so
SSLSessionCache shmcb:{{dir}}/run/ssl_scache(512000)
SSLEngine on
SSLCertificateFile {{cert}}
SSLCertificateKeyFile {{key}}
SSLOptions +StdEnvVars
`

// buildModWSGITLS is buildModWSGI serving TLS through mod_ssl.
func buildModWSGITLS(l *launch) error { return writeApacheConfig(l, apacheSSLConfig) }

// buildModWSGI writes a private Apache configuration into the work directory and runs
// apache2 in the foreground on it. As root, Apache's children run as www-data, so the
// probe and state directories are made readable and writable for it.
func buildModWSGI(l *launch) error { return writeApacheConfig(l, "") }

// writeApacheConfig is buildModWSGI with extra configuration appended.
func writeApacheConfig(l *launch, extra string) error {
	dir := filepath.Join(l.workDir, "apache")
	if err := os.MkdirAll(filepath.Join(dir, "run"), 0o755); err != nil {
		return err
	}
	userLine := ""
	if os.Geteuid() == 0 {
		u, g := "www-data", "www-data"
		if _, err := user.Lookup(u); err != nil {
			u, g = "nobody", "nogroup"
		}
		userLine = "User " + u + "\nGroup " + g
		for _, d := range []string{l.workDir, dir, filepath.Join(dir, "run"), l.probeDir, filepath.Dir(l.probeDir)} {
			if err := os.Chmod(d, 0o755); err != nil {
				return err
			}
		}
		if err := os.Chmod(l.stateDir, 0o1777); err != nil {
			return err
		}
	}
	conf := strings.NewReplacer(
		"{{dir}}", dir,
		"{{hostport}}", hostPort(l),
		"{{host}}", l.host,
		"{{user}}", userLine,
		"{{modules}}", apacheModules,
		"{{probe}}", l.probeDir,
		"{{cert}}", l.certFile,
		"{{key}}", l.keyFile,
	).Replace(apacheConfig + extra)
	path := filepath.Join(dir, apacheConfigName)
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return err
	}
	l.argv = []string{apacheBinary, "-DFOREGROUND", "-d", dir, "-f", path}
	return nil
}
