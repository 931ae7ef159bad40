package spec

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// PEP 3333, "environ Variables" and "Unicode Issues": what the server hands the application.

var pepEnviron = Ref{"PEP 3333", "environ Variables"}

func init() {
	register(&Check{
		ID:    "pep3333/environ/required-cgi-variables",
		Title: "REQUEST_METHOD, SERVER_NAME, SERVER_PORT, SERVER_PROTOCOL and the non-empty path variables are present",
		Ref:   pepEnviron, Level: Must, Area: "environ",
		Quote:   "The following variables must be present, unless their value would be an empty string, in which case they may be omitted, except as otherwise noted below.",
		Observe: exchange(func(t *Target) []byte { return t.get("/required/path?q=1", "Content-Type: text/plain") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			var missing []string
			for _, k := range []string{"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL"} {
				if _, ok := e.Env(k); !ok {
					missing = append(missing, k)
				}
			}
			if len(missing) > 0 {
				return violates("GET /required/path?q=1 with a Content-Type reached the app without %s; each has a non-empty value for this request", joinKeys(missing)).with(missing...)
			}
			return conforms("all required CGI variables present")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/wsgi-variables",
		Title: "every wsgi.* variable is present",
		Ref:   pepEnviron, Level: Must, Area: "environ",
		Quote:   "In addition to the CGI-defined variables, the environ dictionary may also contain arbitrary operating-system \"environment variables\", and must contain the following WSGI-defined variables:",
		Observe: exchange(func(t *Target) []byte { return t.get("/") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			var missing []string
			for _, k := range wsgiKeys {
				if _, ok := e.Env(k); !ok {
					missing = append(missing, k)
				}
			}
			if len(missing) > 0 {
				return violates("environ lacks %s", joinKeys(missing))
			}
			return conforms("all seven wsgi.* variables present")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/cgi-values-native-str",
		Title: "every CGI variable is a native str",
		Ref:   pepEnviron, Level: Must, Area: "environ",
		Quote: "It is a violation of this specification for any CGI variable's value to be of any type other than str.",
		Observe: exchange(func(t *Target) []byte {
			return t.post("/native?x=1", "body", "Content-Type: text/plain", "X-Header: v")
		}),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			var bad []string
			for _, k := range sortedKeys(e) {
				v := e.Environ[k]
				if isCGIKey(k) && !v.Native {
					bad = append(bad, fmt.Sprintf("%s is %s", k, v.Type))
				}
			}
			if len(bad) > 0 {
				return violates("CGI variables of the wrong type: %s", strings.Join(bad, "; "))
			}
			return conforms("every CGI variable is a native str")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/strings-latin1",
		Title: "environ strings hold only code points U+0000..U+00FF, even for UTF-8 request bytes",
		Ref:   Ref{"PEP 3333", "Unicode Issues"}, Level: Must, Area: "environ",
		Quote: "Similarly, servers and gateways must not supply strings to an application containing any other Unicode characters.",
		Observe: exchange(func(t *Target) []byte {
			return t.get("/caf%C3%A9?q=%E2%98%83", "X-Utf8: caf\xc3\xa9 \xe2\x98\x83")
		}),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			var bad []string
			for _, k := range sortedKeys(e) {
				v := e.Environ[k]
				if v.Type == "str" && !v.Latin1 {
					bad = append(bad, describe(e, k))
				}
			}
			if len(bad) > 0 {
				return violates("strings outside latin-1 reached the app (the server decoded request bytes as UTF-8 or similar): %s", strings.Join(bad, "; "))
			}
			return conforms("every str value is latin-1 encodable")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/wsgi-version",
		Title: "wsgi.version is the tuple (1, 0)",
		Ref:   pepEnviron, Level: Must, Area: "environ",
		Quote:   "The tuple (1, 0), representing WSGI version 1.0.",
		Observe: exchange(func(t *Target) []byte { return t.get("/") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			v, ok := e.Env("wsgi.version")
			if !ok {
				return violates("wsgi.version is absent")
			}
			if v.Type != "tuple" || v.Value != "(1, 0)" {
				return violates("wsgi.version is %s %s, not the tuple (1, 0)", v.Type, v.Value).with("wsgi.version")
			}
			return conforms("wsgi.version == (1, 0)")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/url-scheme",
		Title: "wsgi.url_scheme is \"http\" on a plain connection, \"https\" over TLS",
		Ref:   pepEnviron, Level: Must, Area: "environ",
		Quote:   "A string representing the \"scheme\" portion of the URL at which the application is being invoked.",
		Observe: exchange(func(t *Target) []byte { return t.get("/") }),
		Judge: func(o *Observation) Verdict {
			scheme, over := "http", "plain TCP"
			if v := overTLS(o, 0); v != "" {
				scheme, over = "https", v
			}
			return onEcho(func(e *probes.Echo) Verdict {
				s, ok := str(e, "wsgi.url_scheme")
				if !ok || s != scheme {
					return violates("the request came over %s but %s", over, describe(e, "wsgi.url_scheme")).with("wsgi.url_scheme")
				}
				return conforms("wsgi.url_scheme == '%s'", scheme)
			})(o)
		},
	})

	register(&Check{
		ID:    "pep3333/environ/flags-are-bool",
		Title: "wsgi.multithread, wsgi.multiprocess and wsgi.run_once are bools",
		Ref:   pepEnviron, Level: Should, Area: "environ",
		Quote:   "This value should evaluate true if the application object may be simultaneously invoked by another thread in the same process, and should evaluate false otherwise.",
		Observe: exchange(func(t *Target) []byte { return t.get("/") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			var bad []string
			for _, k := range []string{"wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once"} {
				v, ok := e.Env(k)
				if ok && v.Type != "bool" {
					bad = append(bad, describe(e, k))
				}
			}
			if len(bad) > 0 {
				return violates("flags that are not bool (they evaluate, but `is True` tests and JSON dumps break): %s", strings.Join(bad, "; "))
			}
			return conforms("the three flags are bools")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/server-name-port",
		Title: "SERVER_NAME and SERVER_PORT are non-empty strings; SERVER_PORT is the port connected to",
		Ref:   pepEnviron, Level: Must, Area: "environ",
		Quote: "SERVER_NAME and SERVER_PORT are required strings and must never be empty.",
		Observe: func(ctx context.Context, t *Target) (*Observation, error) {
			o, err := exchange(func(t *Target) []byte { return t.get("/") })(ctx, t)
			if err == nil && t.ServerPort > 0 {
				// Reached through a mapped port: the server's own port is the one to expect.
				o.Values = map[string]float64{"server_port": float64(t.ServerPort)}
			}
			return o, err
		},
		Judge: func(o *Observation) Verdict {
			return onEcho(func(e *probes.Echo) Verdict {
				name, nok := str(e, "SERVER_NAME")
				port, pok := str(e, "SERVER_PORT")
				if !nok || name == "" || !pok || port == "" {
					return violates("%s, %s", describe(e, "SERVER_NAME"), describe(e, "SERVER_PORT")).with("SERVER_NAME", "SERVER_PORT")
				}
				if mapped, ok := o.Values["server_port"]; ok {
					if want := fmt.Sprint(int(mapped)); port != want {
						return violates("SERVER_PORT is %q but the server listens on port %s (--server-port)", port, want).with("SERVER_PORT")
					}
				} else if _, want, err := net.SplitHostPort(o.Conns[0].Addr); err == nil && port != want {
					return violates("SERVER_PORT is %q but the request was sent to port %s (if a port mapping lies between, give the server's own port with --server-port)", port, want).with("SERVER_PORT")
				}
				return conforms("SERVER_NAME=%q SERVER_PORT=%q", name, port)
			})(o)
		},
	})

	register(&Check{
		ID:    "pep3333/environ/server-protocol",
		Title: "SERVER_PROTOCOL is the version the client used (HTTP/1.0 and HTTP/1.1 requests)",
		Ref:   pepEnviron, Level: Must, Area: "environ",
		Quote: "The version of the protocol the client used to send the request.",
		Observe: func(ctx context.Context, t *Target) (*Observation, error) {
			o := &Observation{}
			for _, v := range []string{"HTTP/1.0", "HTTP/1.1"} {
				x, err := t.Do(ctx, wire.Script{Steps: []wire.Step{{Data: t.request("GET /proto "+v, "Connection: close")}}, Responses: 1, IdleTimeout: 2 * time.Second})
				if err != nil {
					return nil, err
				}
				o.Conns = append(o.Conns, &Conn{Label: v + " request", Exchange: x})
			}
			return o, nil
		},
		Judge: func(o *Observation) Verdict {
			for i, v := range []string{"HTTP/1.0", "HTTP/1.1"} {
				e, _, err := o.Echo(i, 0)
				if err != nil {
					return inconclusive("the %s request's echo was not received: %v", v, err)
				}
				if s, _ := str(e, "SERVER_PROTOCOL"); s != v {
					return violates("an %s request reached the app with %s", v, describe(e, "SERVER_PROTOCOL")).with("SERVER_PROTOCOL")
				}
			}
			return conforms("SERVER_PROTOCOL matched both HTTP/1.0 and HTTP/1.1 requests")
		},
	})

	register(&Check{
		ID:    "pep3333/environ/request-method",
		Title: "REQUEST_METHOD carries an extension method verbatim",
		Ref:   pepEnviron, Level: Must, Area: "environ",
		Quote:   "The HTTP request method, such as \"GET\" or \"POST\".",
		Observe: exchange(func(t *Target) []byte { return t.request("PROPFIND /method HTTP/1.1") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			if s, _ := str(e, "REQUEST_METHOD"); s != "PROPFIND" {
				return violates("PROPFIND reached the app as %s", describe(e, "REQUEST_METHOD")).with("REQUEST_METHOD")
			}
			return conforms("REQUEST_METHOD == 'PROPFIND'")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/path-info-decoded",
		Title: "PATH_INFO is percent-decoded",
		Ref:   pepEnviron, Level: Must, Area: "environ",
		Quote:   "The remainder of the request URL's \"path\", designating the virtual \"location\" of the request's target within the application.",
		Observe: exchange(func(t *Target) []byte { return t.get("/a%20b/c%3Bd") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			if s, _ := str(e, "PATH_INFO"); s != "/a b/c;d" {
				return violates("GET /a%%20b/c%%3Bd gave %s; CGI PATH_INFO is the decoded path ('/a b/c;d'), as PEP 3333's URL reconstruction (quote(PATH_INFO)) assumes", describe(e, "PATH_INFO")).with("PATH_INFO")
			}
			return conforms("PATH_INFO == '/a b/c;d'")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/path-info-latin1",
		Title: "PATH_INFO carries percent-decoded UTF-8 bytes as latin-1 (\"bytes in a str\")",
		Ref:   Ref{"PEP 3333", "Unicode Issues"}, Level: Must, Area: "environ",
		Quote:   "On Python platforms where the str or StringType type is in fact Unicode-based (e.g. Jython, IronPython, Python 3, etc.), all \"strings\" referred to in this specification must contain only code points representable in ISO-8859-1 encoding (\\u0000 through \\u00FF, inclusive).",
		Observe: exchange(func(t *Target) []byte { return t.get("/caf%C3%A9") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			s, ok := str(e, "PATH_INFO")
			switch {
			case ok && s == "/caf\xc3\xa9":
				return conforms("PATH_INFO == '/caf\\xc3\\xa9'")
			case ok && s == "/caf\xe9":
				return violates("GET /caf%%C3%%A9 gave PATH_INFO '/caf\\xe9': the server decoded the bytes as UTF-8 ('café') instead of carrying them as latin-1 ('/caf\\xc3\\xa9'); apps that do environ['PATH_INFO'].encode('latin-1').decode('utf-8') get mojibake or an error").with("PATH_INFO")
			}
			return violates("GET /caf%%C3%%A9 gave %s; expected '/caf\\xc3\\xa9'", describe(e, "PATH_INFO")).with("PATH_INFO")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/query-string-undecoded",
		Title: "QUERY_STRING is passed undecoded",
		Ref:   pepEnviron, Level: Must, Area: "environ",
		Quote:   "The portion of the request URL that follows the \"?\", if any.",
		Observe: exchange(func(t *Target) []byte { return t.get("/q?a=%20b&c=%C3%A9+d&e") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			if s, _ := str(e, "QUERY_STRING"); s != "a=%20b&c=%C3%A9+d&e" {
				return violates("the query 'a=%%20b&c=%%C3%%A9+d&e' reached the app as %s; it must be the raw portion after '?'", describe(e, "QUERY_STRING")).with("QUERY_STRING")
			}
			return conforms("QUERY_STRING is the raw query")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/content-type-length",
		Title: "Content-Type and Content-Length appear as CONTENT_TYPE and CONTENT_LENGTH",
		Ref:   pepEnviron, Level: Must, Area: "environ",
		Quote:   "The contents of any Content-Type fields in the HTTP request.",
		Observe: exchange(func(t *Target) []byte { return t.post("/content", "0123456789", "Content-Type: text/x-conform") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			ct, _ := str(e, "CONTENT_TYPE")
			cl, _ := str(e, "CONTENT_LENGTH")
			keys := []string{"CONTENT_TYPE", "CONTENT_LENGTH"}
			if ct != "text/x-conform" || cl != "10" {
				return violates("%s, %s; expected 'text/x-conform' and '10'", describe(e, "CONTENT_TYPE"), describe(e, "CONTENT_LENGTH")).with(keys...)
			}
			return conforms("CONTENT_TYPE and CONTENT_LENGTH set")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/content-headers-not-http",
		Title: "Content-Type and Content-Length do not also appear as HTTP_CONTENT_TYPE / HTTP_CONTENT_LENGTH",
		Ref:   Ref{"conform", "cgi-content-headers"}, Level: Should, Area: "environ",
		Requires: []string{"pep3333/environ/content-type-length"},
		Quote:    "The contents of any Content-Length fields in the HTTP request.",
		Observe:  exchange(func(t *Target) []byte { return t.post("/content", "0123456789", "Content-Type: text/x-conform") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			_, dupT := e.Env("HTTP_CONTENT_TYPE")
			_, dupL := e.Env("HTTP_CONTENT_LENGTH")
			if dupT || dupL {
				return violates("the content headers also appear as %s, %s: CGI (RFC 3875 §4.1.18) says the server SHOULD remove them, since they are CONTENT_TYPE and CONTENT_LENGTH; code that reads either gets two sources of truth", describe(e, "HTTP_CONTENT_TYPE"), describe(e, "HTTP_CONTENT_LENGTH")).with("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH")
			}
			return conforms("no HTTP_CONTENT_TYPE or HTTP_CONTENT_LENGTH")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/http-header-mapping",
		Title: "a request header X-Custom-Header becomes HTTP_X_CUSTOM_HEADER with its value",
		Ref:   pepEnviron, Level: Must, Area: "environ",
		Quote:   "Variables corresponding to the client-supplied HTTP request headers (i.e., variables whose names begin with \"HTTP_\").",
		Observe: exchange(func(t *Target) []byte { return t.get("/hdr", "x-CUSTOM-header: Value 1") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			if s, _ := str(e, "HTTP_X_CUSTOM_HEADER"); s != "Value 1" {
				return violates("'x-CUSTOM-header: Value 1' gave %s", describe(e, "HTTP_X_CUSTOM_HEADER")).with("HTTP_X_CUSTOM_HEADER")
			}
			return conforms("HTTP_X_CUSTOM_HEADER == 'Value 1'")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/host-header",
		Title: "HTTP_HOST carries the Host header",
		Ref:   pepEnviron, Level: Must, Area: "environ",
		Quote:   "The presence or absence of these variables should correspond with the presence or absence of the appropriate HTTP header in the request.",
		Observe: exchange(func(t *Target) []byte { return t.get("/host", "Host: conform.test:8080") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			if s, _ := str(e, "HTTP_HOST"); s != "conform.test:8080" {
				return violates("Host: conform.test:8080 gave %s", describe(e, "HTTP_HOST")).with("HTTP_HOST")
			}
			return conforms("HTTP_HOST == 'conform.test:8080'")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/absent-header-absent-variable",
		Title: "a header the client did not send has no HTTP_ variable",
		Ref:   pepEnviron, Level: Should, Area: "environ",
		Quote:   "The presence or absence of these variables should correspond with the presence or absence of the appropriate HTTP header in the request.",
		Observe: exchange(func(t *Target) []byte { return t.get("/absent") }),
		Judge: func(o *Observation) Verdict {
			e, _, err := o.Echo(0, 0)
			if err != nil {
				return inconclusive("the probe's echo was not received: %v", err)
			}
			var extra, front []string
			for _, k := range sortedKeys(e) {
				switch {
				case !strings.HasPrefix(k, "HTTP_") || k == "HTTP_HOST" || k == "HTTP_X_CONFORM_ID":
				case o.frontAdded(k):
					// The front's configuration adds it to every request it forwards.
					front = append(front, k)
				default:
					extra = append(extra, describe(e, k))
				}
			}
			if len(extra) > 0 {
				return violates("the request had only Host and X-Conform-Id, but the app saw %s", strings.Join(extra, "; "))
			}
			if len(front) > 0 {
				return conforms("only HTTP_HOST and HTTP_X_CONFORM_ID present, besides %s, which the front adds", strings.Join(front, ", "))
			}
			return conforms("only HTTP_HOST and HTTP_X_CONFORM_ID present")
		},
	})

	register(&Check{
		ID:    "pep3333/environ/header-value-ows-trimmed",
		Title: "leading and trailing whitespace around a header value is not part of it",
		Ref:   Ref{"RFC 9112", "5"}, Level: Should, Area: "environ",
		Quote:   "A field line value might be preceded and/or followed by optional whitespace (OWS); a single SP preceding the field line value is preferred for consistent readability by humans. The field line value does not include that leading or trailing whitespace: OWS occurring before the first non-whitespace octet of the field line value, or after the last non-whitespace octet of the field line value, is excluded by parsers when extracting the field line value from a field line.",
		Observe: exchange(func(t *Target) []byte { return t.get("/ows", "X-Padded: \t  value with  inner  space \t ") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			if s, _ := str(e, "HTTP_X_PADDED"); s != "value with  inner  space" {
				return violates("'X-Padded: \\t  value with  inner  space \\t ' gave %s; expected 'value with  inner  space'", describe(e, "HTTP_X_PADDED")).with("HTTP_X_PADDED")
			}
			return conforms("surrounding whitespace removed, inner whitespace kept")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/repeated-headers-combined",
		Title: "repeated header lines are combined with commas, none lost",
		Ref:   Ref{"RFC 9110", "5.3"}, Level: Should, Area: "environ",
		Quote:   "A recipient MAY combine multiple field lines within a field section that have the same field name into one field line, without changing the semantics of the message, by appending each subsequent field line value to the initial field line value in order, separated by a comma (\",\") and optional whitespace (OWS, defined in Section 5.6.3).",
		Observe: exchange(func(t *Target) []byte { return t.get("/rep", "X-Rep: one", "X-Rep: two", "X-Rep: three") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			s, _ := str(e, "HTTP_X_REP")
			parts := strings.Split(s, ",")
			for i := range parts {
				parts[i] = strings.TrimSpace(parts[i])
			}
			if strings.Join(parts, ",") != "one,two,three" {
				return violates("three X-Rep lines (one, two, three) gave %s: values were lost or reordered, which changes the semantics (a dict of headers can hide the first of two Authorization or X-Forwarded-For lines)", describe(e, "HTTP_X_REP")).with("HTTP_X_REP")
			}
			return conforms("combined as %q", s)
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/underscore-header-no-collision",
		Title: "a header spelled with underscores cannot pose as its dashed twin",
		Ref:   Ref{"conform", "header-underscores"}, Level: Should, Area: "environ",
		Quote: "Variables corresponding to the client-supplied HTTP request headers (i.e., variables whose names begin with \"HTTP_\").",
		Observe: exchange(func(t *Target) []byte {
			return t.get("/under", "X-Conform-Auth: from-dash", "X_Conform_Auth: from-underscore")
		}),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			s, _ := str(e, "HTTP_X_CONFORM_AUTH")
			if strings.Contains(s, "from-underscore") {
				return violates("'X_Conform_Auth: from-underscore' reached the app inside HTTP_X_CONFORM_AUTH (%s): both spellings map to one CGI name, so a client can forge a header that a front proxy checked or stripped under its dashed name (e.g. X-Forwarded-For, X-Remote-User). Drop header names containing '_'", describe(e, "HTTP_X_CONFORM_AUTH")).with("HTTP_X_CONFORM_AUTH")
			}
			if s != "from-dash" {
				return inconclusive("the dashed header itself gave %s", describe(e, "HTTP_X_CONFORM_AUTH"))
			}
			return conforms("the underscore spelling did not reach HTTP_X_CONFORM_AUTH")
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/absolute-form-target",
		Title: "an absolute-form request target gives PATH_INFO and QUERY_STRING from its path and query",
		Ref:   Ref{"RFC 9112", "3.2.2"}, Level: Must, Area: "environ",
		Quote: "A server MUST accept the absolute-form in requests even though most HTTP/1.1 clients will only send the absolute-form to a proxy.",
		Observe: exchange(func(t *Target) []byte {
			return t.request("GET http://" + t.host() + "/abs/path?q=1 HTTP/1.1")
		}),
		Judge: func(o *Observation) Verdict {
			if rj := classify(o); !rj.accepted && (rj.status >= 400 || rj.closed || rj.garbage) {
				return violates("the absolute-form request was refused: the server %s", rj)
			}
			return onEcho(func(e *probes.Echo) Verdict {
				p, _ := str(e, "PATH_INFO")
				q, _ := str(e, "QUERY_STRING")
				if p != "/abs/path" || q != "q=1" {
					return violates("GET http://host/abs/path?q=1 gave %s, %s; expected '/abs/path' and 'q=1'", describe(e, "PATH_INFO"), describe(e, "QUERY_STRING")).with("PATH_INFO", "QUERY_STRING")
				}
				return conforms("PATH_INFO and QUERY_STRING taken from the absolute URI")
			})(o)
		},
	})

	register(&Check{
		ID:    "pep3333/environ/script-name-root",
		Title: "SCRIPT_NAME + PATH_INFO give back the request path for an application at the root",
		Ref:   pepEnviron, Level: Must, Area: "environ",
		Quote:   "This may be an empty string, if the application corresponds to the \"root\" of the server.",
		Observe: exchange(func(t *Target) []byte { return t.get("/mount/point") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			sn, _ := str(e, "SCRIPT_NAME")
			pi, _ := str(e, "PATH_INFO")
			if sn+pi != "/mount/point" {
				return violates("SCRIPT_NAME + PATH_INFO is %q, not the request path '/mount/point'", sn+pi).with("SCRIPT_NAME", "PATH_INFO")
			}
			return conforms("SCRIPT_NAME=%q PATH_INFO=%q", sn, pi)
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/remote-addr",
		Title: "REMOTE_ADDR names the client",
		Ref:   pepEnviron, Level: Should, Area: "environ",
		Quote:   "A server or gateway should attempt to provide as many other CGI variables as are applicable.",
		Observe: exchange(func(t *Target) []byte { return t.get("/remote") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			s, _ := str(e, "REMOTE_ADDR")
			if net.ParseIP(s) == nil {
				return violates("%s; expected the client's IP address", describe(e, "REMOTE_ADDR")).with("REMOTE_ADDR")
			}
			return conforms("REMOTE_ADDR=%q", s)
		}),
	})
}

var wsgiKeys = []string{"wsgi.version", "wsgi.url_scheme", "wsgi.input", "wsgi.errors", "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once"}

// isCGIKey says whether an environ key is a CGI variable: the meta-variables of RFC 3875
// §4.1 and the HTTP_ family. Extensions such as REMOTE_PORT or REQUEST_URI are not CGI
// variables, so the PEP's str rule does not reach them. Other upper-case keys may be OS environment variables, which the PEP
// allows and does not type.
func isCGIKey(k string) bool {
	switch k {
	case "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH",
		"SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_IDENT", "REMOTE_USER", "AUTH_TYPE", "PATH_TRANSLATED", "GATEWAY_INTERFACE", "SERVER_SOFTWARE":
		return true
	}
	return strings.HasPrefix(k, "HTTP_")
}

func sortedKeys(e *probes.Echo) []string {
	keys := make([]string, 0, len(e.Environ))
	for k := range e.Environ {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
