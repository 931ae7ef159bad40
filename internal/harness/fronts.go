package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Front is a reverse proxy conform can put before a server it starts (Options.Front): the
// stack a production deployment runs. Each front gets a private configuration generated
// for the run, with the settings a typical production configuration uses; above all, the
// upstream connections are reused, since a request smuggled to the server needs a
// connection another client's request travels on next.
type Front struct {
	Name        string // "nginx", "haproxy", ...
	Description string // one line: what the generated configuration sets
	Package     string // Debian package providing it
	// Adds names the request fields the generated configuration makes the front add to
	// every request it forwards: the app sees them though no client sent them.
	Adds []string

	binary  string
	files   []string // other files that must exist (Apache modules)
	version func(context.Context) string
	// build writes the configuration for a front listening on l's port and forwarding
	// to upstream (host:port), and sets l.argv; it returns the configuration's text.
	build func(l *launch, upstream string) (string, error)
	// uwsgi is build for an upstream speaking uWSGI's protocol (Server.Uwsgi), and
	// uwsgiDescription what its configuration sets; nil, with noUwsgi saying why, for a
	// front that speaks only HTTP to servers.
	// template is the configuration build fills in (Template).
	template         string
	uwsgi            func(l *launch, upstream string) (string, error)
	uwsgiDescription string
	noUwsgi          string
}

// Template is the configuration conform generates for the front before an HTTP server,
// with its placeholders: the starting point of a --front-config template of one's own.
func (f Front) Template() string { return f.template }

// ErrNoUwsgi is wrapped by the error of a front that cannot forward to a uwsgi server.
var ErrNoUwsgi = errors.New("cannot forward to a server speaking the uwsgi protocol")

// UwsgiDescription says what the configuration the front gets before a server speaking
// uWSGI's protocol sets, "" for a front that cannot stand there (CanForwardUwsgi).
func (f Front) UwsgiDescription() string { return f.uwsgiDescription }

// CanForwardUwsgi reports whether the front can stand before a server speaking uWSGI's
// protocol, and why not.
func (f Front) CanForwardUwsgi() error {
	if f.uwsgi != nil {
		return nil
	}
	return fmt.Errorf("front %s %w: %s", f.Name, ErrNoUwsgi, f.noUwsgi)
}

// KnownFronts lists every front conform can start, in a stable order.
func KnownFronts() []Front {
	return []Front{
		{
			Name:             "nginx",
			Adds:             []string{"X-Forwarded-For", "X-Forwarded-Proto"},
			Description:      "nginx proxy_pass, HTTP/1.1 upstream with keepalive 16 (connections reused), Host passed on, X-Forwarded-For/-Proto set",
			Package:          "nginx",
			binary:           "/usr/sbin/nginx",
			version:          func(ctx context.Context) string { return firstMatch(ctx, nginxVersionRE, "/usr/sbin/nginx", "-v") },
			build:            buildNginx,
			template:         nginxConfig,
			uwsgi:            buildNginxUwsgi,
			uwsgiDescription: "nginx uwsgi_pass with upstream nginx's uwsgi_params (HTTP_HOST from the request's Host), no keepalive (a uwsgi connection carries one request)",
		},
		{
			Name:        "haproxy",
			Adds:        []string{"X-Forwarded-For"},
			Description: "HAProxy mode http, http-reuse safe (connections reused), option forwardfor",
			Package:     "haproxy",
			binary:      "/usr/sbin/haproxy",
			version:     func(ctx context.Context) string { return firstMatch(ctx, haproxyVersionRE, "/usr/sbin/haproxy", "-v") },
			build:       buildHAProxy,
			template:    haproxyConfig,
			noUwsgi:     "HAProxy speaks HTTP and FastCGI to its servers, not the uwsgi protocol",
		},
		{
			Name:             "apache",
			Adds:             []string{"Connection", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Server"},
			Description:      "Apache 2.4 mpm_event, mod_proxy_http ProxyPass with connection reuse, ProxyPreserveHost On",
			Package:          "apache2",
			binary:           apacheBinary,
			files:            []string{apacheModules + "/mod_proxy.so", apacheModules + "/mod_proxy_http.so"},
			version:          func(ctx context.Context) string { return firstMatch(ctx, apacheVersionRE, apacheBinary, "-v") },
			build:            buildApacheFront,
			template:         apacheFrontConfig,
			uwsgi:            buildApacheUwsgiFront,
			uwsgiDescription: "Apache 2.4 mpm_event, mod_proxy_uwsgi ProxyPass uwsgi:// (a connection per request)",
		},
		{
			Name:        "varnish",
			Adds:        []string{"X-Forwarded-For", "X-Varnish"},
			Description: "Varnish, every request passed to the backend uncached (vcl_recv return (pass)), backend connections reused",
			Package:     "varnish",
			binary:      "/usr/sbin/varnishd",
			version:     func(ctx context.Context) string { return firstMatch(ctx, varnishVersionRE, "/usr/sbin/varnishd", "-V") },
			build:       buildVarnish,
			template:    varnishVCL,
			noUwsgi:     "Varnish speaks HTTP only to its backends",
		},
		{
			Name:        "squid",
			Adds:        []string{"Cache-Control", "Connection", "Surrogate-Capability", "Via", "X-Forwarded-For"},
			Description: "Squid reverse proxy (http_port accel, cache_peer originserver), nothing cached, server connections reused",
			Package:     "squid",
			binary:      "/usr/sbin/squid",
			version:     func(ctx context.Context) string { return firstMatch(ctx, squidVersionRE, "/usr/sbin/squid", "-v") },
			build:       buildSquid,
			template:    squidConfig,
			noUwsgi:     "Squid's cache_peer speaks HTTP only",
		},
	}
}

var (
	nginxVersionRE   = regexp.MustCompile(`nginx/(\S+)`)
	haproxyVersionRE = regexp.MustCompile(`HAProxy version (\S+)`)
	varnishVersionRE = regexp.MustCompile(`varnish-(\S+)`)
	squidVersionRE   = regexp.MustCompile(`Squid Cache: Version (\S+)`)
)

// LookupFront finds a known front by name.
func LookupFront(name string) (Front, error) {
	var names []string
	for _, f := range KnownFronts() {
		if f.Name == name {
			return f, nil
		}
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return Front{}, fmt.Errorf("unknown front %q; known fronts: %s", name, strings.Join(names, ", "))
}

// Installed reports the front's version, or an error naming the Debian package to install.
func (f Front) Installed() (string, error) {
	for _, p := range append([]string{f.binary}, f.files...) {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("front %s: %s is missing (install Debian package %s)", f.Name, p, f.Package)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10e9)
	defer cancel()
	v := f.version(ctx)
	if v == "" {
		v = "unknown"
	}
	return v, nil
}

// StartFront starts the named front before a server conform did not start (the reference,
// say), forwarding to upstream; Stop stops the front alone.
func StartFront(ctx context.Context, name, upstream string, opt Options) (*Instance, error) {
	f, err := LookupFront(name)
	if err != nil {
		return nil, err
	}
	return startFront(ctx, f, upstream, false, opt)
}

// startFront starts f on a free port of opt.Host, forwarding to upstream (over the uwsgi
// protocol when uwsgi is set), and waits until it answers HTTP (which, through it, the
// server behind it must do too).
func startFront(ctx context.Context, f Front, upstream string, uwsgi bool, opt Options) (*Instance, error) {
	configure := f.build
	if uwsgi {
		if err := f.CanForwardUwsgi(); err != nil {
			return nil, err
		}
		configure = f.uwsgi
	}
	version, err := f.Installed()
	if err != nil {
		return nil, err
	}
	var config string
	build := func(l *launch) error {
		l.frontConfig = opt.FrontConfig
		c, err := configure(l, upstream)
		config = c
		return err
	}
	fopt := opt
	fopt.Port, fopt.TLS, fopt.Front, fopt.ProbeSource = 0, false, "", nil
	in, err := start(ctx, f.Name, version, build, nil, false, fopt)
	if err != nil {
		return nil, err
	}
	in.Config, in.Template = config, opt.FrontConfig
	if !uwsgi {
		// Over uwsgi the request's fields travel as vars; neither front's generated
		// configuration adds any.
		in.Adds = f.Adds
	}
	return in, nil
}

// workerUser is the unprivileged user a front's workers run as when conform runs as root,
// and makes the directories they need readable (and dirs writable) for it.
func workerUser(l *launch, writable ...string) (string, string, error) {
	if os.Geteuid() != 0 {
		return "", "", nil
	}
	u, g := "www-data", "www-data"
	if _, err := user.Lookup(u); err != nil {
		u, g = "nobody", "nogroup"
	}
	for _, d := range []string{l.workDir, filepath.Dir(l.probeDir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			return "", "", err
		}
	}
	for _, d := range writable {
		if err := os.Chmod(d, 0o1777); err != nil {
			return "", "", err
		}
	}
	return u, g, nil
}

// nginxHead is what both nginx configurations start with: one worker, every file in the
// run's private directory.
const nginxHead = `# Generated by conform (internal/harness) for one test run.
daemon off;
master_process on;
worker_processes 1;
pid {{dir}}/nginx.pid;
error_log stderr notice;
{{user}}
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path {{dir}}/client_body;
    proxy_temp_path {{dir}}/proxy;
    fastcgi_temp_path {{dir}}/fastcgi;
    uwsgi_temp_path {{dir}}/uwsgi;
    scgi_temp_path {{dir}}/scgi;
`

const nginxConfig = nginxHead + `    upstream origin {
        server {{upstream}};
        keepalive 16;
    }
    server {
        listen {{hostport}};
        server_name {{host}};
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }
    }
}
`

func buildNginx(l *launch, upstream string) (string, error) {
	dir := filepath.Join(l.workDir, "nginx")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return writeNginxConfig(l, dir, nginxConfig, upstream)
}

// writeNginxConfig writes the configuration template into dir and sets l.argv.
func writeNginxConfig(l *launch, dir, template, upstream string) (string, error) {
	u, g, err := workerUser(l, dir)
	if err != nil {
		return "", err
	}
	userLine := ""
	if u != "" {
		userLine = "user " + u + " " + g + ";"
	}
	conf := strings.NewReplacer("{{dir}}", dir, "{{user}}", userLine, "{{upstream}}", upstream,
		"{{hostport}}", hostPort(l), "{{host}}", l.host).Replace(l.template(template))
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return "", err
	}
	// -p: nginx opens its compiled-in log path before reading error_log; the prefix
	// keeps that inside the private directory.
	l.argv = []string{"/usr/sbin/nginx", "-p", dir, "-e", "stderr", "-c", path}
	return conf, nil
}

// nginxUwsgiParams are the variables upstream nginx's uwsgi_params sends (Debian's
// /etc/nginx/uwsgi_params adds "uwsgi_param HTTP_HOST $host", which drops the port the
// client sent: the stack would then fail on a choice of the packager, not of nginx or uWSGI).
const nginxUwsgiParams = `uwsgi_param  QUERY_STRING       $query_string;
uwsgi_param  REQUEST_METHOD     $request_method;
uwsgi_param  CONTENT_TYPE       $content_type;
uwsgi_param  CONTENT_LENGTH     $content_length;

uwsgi_param  REQUEST_URI        $request_uri;
uwsgi_param  PATH_INFO          $document_uri;
uwsgi_param  DOCUMENT_ROOT      $document_root;
uwsgi_param  SERVER_PROTOCOL    $server_protocol;
uwsgi_param  REQUEST_SCHEME     $scheme;
uwsgi_param  HTTPS              $https if_not_empty;

uwsgi_param  REMOTE_ADDR        $remote_addr;
uwsgi_param  REMOTE_PORT        $remote_port;
uwsgi_param  SERVER_PORT        $server_port;
uwsgi_param  SERVER_NAME        $server_name;
`

// nginxUwsgiConfig forwards with uwsgi_pass. The upstream has no keepalive: nginx keeps no
// uwsgi connection for another request, as the protocol ends a response by closing.
const nginxUwsgiConfig = nginxHead + `    upstream origin {
        server {{upstream}};
    }
    server {
        listen {{hostport}};
        server_name {{host}};
        location / {
            # upstream nginx's uwsgi_params, written beside this file:
            include {{dir}}/uwsgi_params;
            uwsgi_pass origin;
        }
    }
}
`

func buildNginxUwsgi(l *launch, upstream string) (string, error) {
	dir := filepath.Join(l.workDir, "nginx")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "uwsgi_params"), []byte(nginxUwsgiParams), 0o644); err != nil {
		return "", err
	}
	conf, err := writeNginxConfig(l, dir, nginxUwsgiConfig, upstream)
	if err != nil {
		return "", err
	}
	return conf + "\n# uwsgi_params:\n" + nginxUwsgiParams, nil
}

const haproxyConfig = `# Generated by conform (internal/harness) for one test run.
global
    maxconn 512
    log stderr format short local0 notice

defaults
    mode http
    log global
    option forwardfor
    http-reuse safe
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout http-keep-alive 10s

frontend conform
    bind {{hostport}}
    default_backend origin

backend origin
    server origin {{upstream}}
`

func buildHAProxy(l *launch, upstream string) (string, error) {
	dir := filepath.Join(l.workDir, "haproxy")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	conf := strings.NewReplacer("{{upstream}}", upstream, "{{hostport}}", hostPort(l)).Replace(l.template(haproxyConfig))
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return "", err
	}
	l.argv = []string{"/usr/sbin/haproxy", "-db", "-f", path}
	return conf, nil
}

const apacheFrontConfig = apacheBase + `
LoadModule proxy_module {{modules}}/mod_proxy.so
LoadModule proxy_http_module {{modules}}/mod_proxy_http.so
LogLevel notice

ProxyRequests Off
ProxyPreserveHost On
ProxyPass "/" "http://{{upstream}}/"
ProxyPassReverse "/" "http://{{upstream}}/"
<Location />
    Require all granted
</Location>
`

// apacheUwsgiFrontConfig forwards with mod_proxy_uwsgi, which passes the request's CGI
// variables (HTTP_HOST among them) and opens a connection per request.
const apacheUwsgiFrontConfig = apacheBase + `
LoadModule proxy_module {{modules}}/mod_proxy.so
LoadModule proxy_uwsgi_module {{modules}}/mod_proxy_uwsgi.so
LogLevel notice

ProxyRequests Off
ProxyPass "/" "uwsgi://{{upstream}}/"
<Location />
    Require all granted
</Location>
`

func buildApacheUwsgiFront(l *launch, upstream string) (string, error) {
	if _, err := os.Stat(filepath.Join(apacheModules, "mod_proxy_uwsgi.so")); err != nil {
		return "", fmt.Errorf("front apache before a uwsgi server needs mod_proxy_uwsgi (Debian package apache2): %w", err)
	}
	return writeApacheFront(l, apacheUwsgiFrontConfig, upstream)
}

func buildApacheFront(l *launch, upstream string) (string, error) {
	return writeApacheFront(l, apacheFrontConfig, upstream)
}

// writeApacheFront writes the configuration template for an Apache front and sets l.argv.
func writeApacheFront(l *launch, template, upstream string) (string, error) {
	dir := filepath.Join(l.workDir, "apache")
	if err := os.MkdirAll(filepath.Join(dir, "run"), 0o755); err != nil {
		return "", err
	}
	u, g, err := workerUser(l, filepath.Join(dir, "run"))
	if err != nil {
		return "", err
	}
	userLine := ""
	if u != "" {
		userLine = "User " + u + "\nGroup " + g
	}
	conf := strings.NewReplacer("{{dir}}", dir, "{{hostport}}", hostPort(l), "{{host}}", l.host,
		"{{user}}", userLine, "{{modules}}", apacheModules, "{{upstream}}", upstream).Replace(l.template(template))
	path := filepath.Join(dir, apacheConfigName)
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return "", err
	}
	l.argv = []string{apacheBinary, "-DFOREGROUND", "-d", dir, "-f", path}
	return conf, nil
}

// varnishVCL passes every request: cached answers would hide from the app the requests
// the checks send (and a cache is not what a stack's parsing depends on).
const varnishVCL = `vcl 4.1;
# Generated by conform (internal/harness) for one test run.
backend origin {
    .host = "{{upstream_host}}";
    .port = "{{upstream_port}}";
}
sub vcl_recv {
    return (pass);
}
`

func buildVarnish(l *launch, upstream string) (string, error) {
	dir := filepath.Join(l.workDir, "varnish")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if _, _, err := workerUser(l, dir); err != nil {
		return "", err
	}
	host, port, err := splitHostPort(upstream)
	if err != nil {
		return "", err
	}
	vcl := strings.NewReplacer("{{upstream_host}}", host, "{{upstream_port}}", port).Replace(l.template(varnishVCL))
	path := filepath.Join(dir, "conform.vcl")
	if err := os.WriteFile(path, []byte(vcl), 0o644); err != nil {
		return "", err
	}
	l.argv = []string{"/usr/sbin/varnishd", "-F", "-f", path, "-a", hostPort(l), "-n", filepath.Join(dir, "state"), "-s", "malloc,32m", "-T", "none"}
	return vcl, nil
}

const squidConfig = `# Generated by conform (internal/harness) for one test run.
http_port {{hostport}} accel defaultsite={{upstream}} vhost
cache_peer {{upstream_host}} parent {{upstream_port}} 0 no-query originserver name=origin
cache_peer_access origin allow all
http_access allow all
cache deny all
pid_filename {{dir}}/squid.pid
cache_log stdio:{{dir}}/cache.log
access_log none
logfile_rotate 0
coredump_dir {{dir}}
shutdown_lifetime 1 second
{{user}}
`

func buildSquid(l *launch, upstream string) (string, error) {
	dir := filepath.Join(l.workDir, "squid")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	u, _, err := workerUser(l, dir)
	if err != nil {
		return "", err
	}
	userLine := ""
	if u != "" {
		userLine = "cache_effective_user proxy"
	}
	host, port, err := splitHostPort(upstream)
	if err != nil {
		return "", err
	}
	conf := strings.NewReplacer("{{dir}}", dir, "{{hostport}}", hostPort(l), "{{upstream}}", upstream,
		"{{upstream_host}}", host, "{{upstream_port}}", port, "{{user}}", userLine).Replace(l.template(squidConfig))
	path := filepath.Join(dir, "squid.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return "", err
	}
	l.argv = []string{"/usr/sbin/squid", "-N", "-f", path}
	return conf, nil
}

func splitHostPort(addr string) (string, string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", "", fmt.Errorf("upstream %q: %w", addr, err)
	}
	return host, port, nil
}
