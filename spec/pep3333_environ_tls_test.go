package spec

import "crypto/tls"

// Recorded cases of pep3333/environ/https-when-ssl and of pep3333/environ/url-scheme over
// TLS (pep3333_environ_tls.go).

func init() { moreJudgeCases = append(moreJudgeCases, tlsEnvironCases) }

func tlsEnvironCases() []judgeCase {
	const (
		https  = "pep3333/environ/https-when-ssl"
		scheme = "pep3333/environ/url-scheme"
	)
	// over: the echo of req, answered on a connection that ran over TLS version v (0: TCP).
	over := func(v uint16, req []byte, path string, opts ...echoOpt) func() *Observation {
		return func() *Observation {
			c := exch(req, okEcho("GET", path, "", opts...), false)
			c.TLSVersion = v
			return obs(c)
		}
	}
	reqHTTPS, reqRoot := reqGet("/https"), reqGet("/")
	secure := func(opts ...echoOpt) func() *Observation {
		return over(tls.VersionTLS13, reqHTTPS, "/https", append([]echoOpt{env("wsgi.url_scheme", "https")}, opts...)...)
	}
	// mod_ssl with SSLOptions +StdEnvVars (mod_wsgi passes them on).
	modSSL := env("HTTPS", "on", "SSL_PROTOCOL", "TLSv1.3", "SSL_CIPHER", "TLS_AES_256_GCM_SHA384", "SSL_VERSION_LIBRARY", "OpenSSL/3.0.17",
		"SSL_SERVER_S_DN_CN", "127.0.0.1", "SSL_SESSION_RESUMED", "Initial", "SSL_SECURE_RENEG", "false", "SSL_COMPRESS_METHOD", "NULL",
		"SSL_CIPHER_USEKEYSIZE", "256", "SSL_CLIENT_VERIFY", "NONE")
	return []judgeCase{
		passes(https, "HTTPS=on and mod_ssl's variables (mod_wsgi)", secure(modSSL), "TLS 1.3", "HTTPS='on'", "SSL_PROTOCOL='TLSv1.3'", "9 (", "..."),
		// gunicorn: HTTPS=on from its own TLS socket, nothing of mod_ssl's.
		passes(https, "HTTPS=on only (gunicorn)", secure(env("HTTPS", "on")), "HTTPS='on'", "none (no SSL_PROTOCOL)"),
		passes(https, "SSL variables without SSL_PROTOCOL", secure(env("HTTPS", "on", "SSL_CIPHER", "AES")), "no SSL_PROTOCOL; SSL_CIPHER"),
		// werkzeug, cheroot...: only wsgi.url_scheme says TLS.
		fails(https, "no HTTPS over TLS", secure(), "came over TLS 1.3", "HTTPS absent", "none (no SSL_PROTOCOL)"),
		fails(https, "HTTPS=1", secure(env("HTTPS", "1")), "HTTPS=\"1\"", "'on'"),
		gives(NotApplicable, https, "plain TCP", over(0, reqHTTPS, "/https"), "served over plain TCP: SSL is not in use"),
		gives(Inconclusive, https, "no echo over TLS", func() *Observation {
			c := exch(reqHTTPS, textResp("404 Not Found", "Not Found"), false)
			c.TLSVersion = tls.VersionTLS12
			return obs(c)
		}, "404"),

		passes(scheme, "https over TLS", over(tls.VersionTLS13, reqRoot, "/", env("wsgi.url_scheme", "https")), "'https'"),
		fails(scheme, "http over TLS", over(tls.VersionTLS13, reqRoot, "/"), "came over TLS 1.3", "wsgi.url_scheme='http'"),
	}
}
