package fuzz

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/reference"
)

// The oracle's judgement of what the generator's reach features show: gateway variables a
// field set (cgiShadow), exceptions from wsgi.input (inputRaised) and bodies the reference
// rejects that wsgi.input handed over (bodyRejected, used by compareBeyond).

// readModeOf is the mode part of the probe's input.mode ("readn" for "readn:3"); "auto" when
// the echo does not say.
func readModeOf(spec string) string {
	m, _, _ := strings.Cut(spec, ":")
	if m == "" {
		return "auto"
	}
	return m
}

// gatewayEnv is the gatewayVariables the application saw.
func gatewayEnv(e *probes.Echo) map[string]string {
	out := map[string]string{}
	for _, k := range gatewayVariables {
		if v, ok := envBytes(e, k); ok {
			out[k] = v
		}
	}
	return out
}

// gatewayValue is what a conforming gateway sets the variable to for r, as far as the
// request tells; ok is false when it is absent. REMOTE_ADDR is the client's address, which
// the bytes do not hold: only TEST-NET-1 values (RFC 5737), which no client here has, are
// taken for the field's.
func gatewayValue(name string, r *reference.Request) (val string, ok bool) {
	path, query, _ := strings.Cut(r.Target, "?")
	switch name {
	case "SCRIPT_NAME":
		return "", true // the probe is mounted at the root
	case "PATH_INFO":
		if !strings.HasPrefix(r.Target, "/") {
			return "", false
		}
		dec, err := url.PathUnescape(path)
		return dec, err == nil
	case "QUERY_STRING":
		return query, true
	case "REQUEST_METHOD":
		return r.Method, true
	case "CONTENT_LENGTH":
		if r.ContentLength < 0 {
			// A server may give the length of the body it decoded (waitress does for chunked).
			return strconv.Itoa(len(r.Body)), true
		}
		return strconv.FormatInt(r.ContentLength, 10), true
	case "CONTENT_TYPE":
		ct, _ := r.Get("Content-Type")
		return ct, true
	case "SERVER_PROTOCOL":
		return r.Proto, true
	}
	return "", false
}

// cgiShadow judges field names that collide with what a gateway sets. A field whose name is
// a CGI meta-variable spelled with "_" (SCRIPT_NAME, Content_Length) must not set that
// variable (RFC 3875 §4.1.18: protocol-specific variables are HTTP_ + the field name; PEP
// 3333 takes CGI's variables); a field spelled with "_" may be dropped, or kept as HTTP_ +
// its name when no field spelled with "-" maps to the same variable, but must not take the
// place of, or be joined to, the value of one that does (X_Forwarded_For beside
// X-Forwarded-For, Content_Length beside Content-Length). Dropping or keeping it is the
// gateway's choice; shadowing is not.
func cgiShadow(i int, r *reference.Request, te *EchoView) Verdict {
	for _, f := range r.Header {
		name := strings.TrimSpace(f.Name)
		if !strings.Contains(name, "_") || f.Value == "" {
			continue
		}
		key := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		got, ok := te.CGI[key]
		if !ok || got != f.Value {
			continue
		}
		if key == "REMOTE_ADDR" && !strings.HasPrefix(f.Value, "192.0.2.") {
			continue
		}
		if want, known := gatewayValue(key, r); !known && key != "REMOTE_ADDR" || known && want == got {
			continue
		}
		return v(Semantic, "cgi-shadowed", key+" set by a field", i, "request %d: the application's %s is %q, the value of the field %q (RFC 3875 §4.1.18: a field is HTTP_ + its name; the gateway sets %s itself)", i+1, key, got, name, key)
	}
	// Underscore twins of fields spelled with "-".
	plain, under := map[string][]string{}, map[string][]string{}
	for _, f := range r.Header {
		k := envName(f.Name)
		if strings.Contains(strings.TrimSpace(f.Name), "_") {
			under[k] = append(under[k], f.Value)
		} else {
			plain[k] = append(plain[k], f.Value)
		}
	}
	for k, us := range under {
		ps, ok := plain[k]
		got, seen := te.Headers[k]
		if !ok || !seen || sameJoined(got, ps) {
			continue
		}
		joined := strings.Join(ps, ",")
		for _, u := range us {
			if u != "" && !strings.Contains(joined, u) && strings.Contains(got, u) {
				return v(Semantic, "cgi-shadowed", twinRule(k), i, "request %d: the application's %s is %q, with the value %q of a field spelled with \"_\"; the field spelled with \"-\" says %q", i+1, k, got, u, strings.Join(ps, ", "))
			}
		}
	}
	return agree()
}

// sameJoined says got is the values joined as a server may join them (valueDiffers).
func sameJoined(got string, vals []string) bool {
	for _, sep := range []string{", ", ","} {
		j := strings.Join(vals, sep)
		if got == j || oneSpace(got) == oneSpace(j) {
			return true
		}
	}
	return false
}

// twinRule names the variable a twin shadowed: the framing fields by name, any other as one
// cause, whichever field the generator doubled.
func twinRule(k string) string {
	switch k {
	case "HTTP_CONTENT_LENGTH", "HTTP_CONTENT_TYPE", "HTTP_TRANSFER_ENCODING":
		return k + " from a field spelled with _"
	}
	return "HTTP_* from a field spelled with _"
}

// inputRaised is the verdict on an exception wsgi.input raised while the application read a
// request the reference serves; the rule is the exception's type.
func inputRaised(i int, r *reference.Request, te *EchoView) Verdict {
	typ, _, _ := strings.Cut(te.InputError, ":")
	return v(Input, "raised", strings.TrimSpace(typ), i, "request %d: wsgi.input raised %s (read mode %s, after %d bytes) on a %d-byte body the reference reads", i+1, clip(te.InputError, 120), te.Mode, te.BodyLen, len(r.Body))
}

// bodyRejected says the reference rejects the request after its header section: a fault in
// its body (chunk-size, chunk data, trailers), which a server that streams the body meets
// only when the application reads it.
func (e *Expectation) bodyRejected() bool {
	pe := e.In.Error
	if pe == nil {
		return false
	}
	p := e.In.Consumed
	for p < len(e.Raw) && (e.Raw[p] == '\r' || e.Raw[p] == '\n') {
		p++ // empty lines before a request-line
	}
	for first := true; p < len(e.Raw); first = false {
		n := bytes.IndexByte(e.Raw[p:], '\n')
		if n < 0 {
			return false
		}
		line := e.Raw[p : p+n]
		p += n + 1
		if !first && (len(line) == 0 || len(line) == 1 && line[0] == '\r') {
			return pe.Offset >= p
		}
	}
	return false
}
