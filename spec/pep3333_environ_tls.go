package spec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/conform-wsgi/conform/probes"
)

// PEP 3333's one sentence about SSL: what the environ tells the app of a request that came
// over TLS. A target runs over TLS with --tls (Target.TLS); the exchange records the
// negotiated version (wire.Exchange.TLS), which is how a pure judge knows.

func init() {
	register(&Check{
		ID:    "pep3333/environ/https-when-ssl",
		Title: "over TLS, the environ has HTTPS=on (and the Apache SSL variables present are reported)",
		Ref:   pepEnviron, Level: Should, Area: "environ", OverTLS: true,
		Quote:   "In addition, if SSL is in use, the server or gateway should also provide as many of the Apache SSL environment variables [5] as are applicable, such as HTTPS=on and SSL_PROTOCOL.",
		Observe: exchange(func(t *Target) []byte { return t.get("/https") }),
		Judge:   judgeHTTPSWhenSSL,
	})
}

// overTLS is the TLS version connection c of o ran over, "" for plain TCP.
func overTLS(o *Observation, c int) string {
	if c >= len(o.Conns) || o.Conns[c].Exchange == nil {
		return ""
	}
	return o.Conns[c].TLS()
}

func judgeHTTPSWhenSSL(o *Observation) Verdict {
	version := overTLS(o, 0)
	if version == "" {
		return notApplicable("served over plain TCP: SSL is not in use")
	}
	return onEcho(func(e *probes.Echo) Verdict {
		present := apacheSSLVariables(e)
		https, ok := str(e, "HTTPS")
		switch {
		case !ok:
			return violates("the request came over %s but %s; Apache SSL variables present: %s", version, describe(e, "HTTPS"), present).with("HTTPS", "SSL_PROTOCOL")
		case https != "on":
			return violates("the request came over %s but HTTPS=%s, not Apache's 'on' (what apps test for); Apache SSL variables present: %s", version, quoteBytes(https), present).with("HTTPS", "SSL_PROTOCOL")
		}
		return conforms("over %s, HTTPS='on'; Apache SSL variables present: %s", version, present).with("HTTPS", "SSL_PROTOCOL")
	})(o)
}

// apacheSSLVariables lists the SSL_* keys of the environ (mod_ssl's names), for a message.
func apacheSSLVariables(e *probes.Echo) string {
	var keys []string
	for k := range e.Environ {
		if strings.HasPrefix(k, "SSL_") {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return "none (no SSL_PROTOCOL)"
	}
	sort.Strings(keys)
	s := describe(e, "SSL_PROTOCOL")
	if _, ok := e.Env("SSL_PROTOCOL"); !ok {
		s = "no SSL_PROTOCOL"
	}
	const shown = 8
	if len(keys) > shown {
		return fmt.Sprintf("%d (%s; %s, ...)", len(keys), s, strings.Join(keys[:shown], ", "))
	}
	return fmt.Sprintf("%d (%s; %s)", len(keys), s, strings.Join(keys, ", "))
}
