package reference

import (
	"encoding/base64"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/conform-wsgi/conform/probes"
)

// pyValue is a Python object in the WSGI environ, as the probe would describe it.
type pyValue struct {
	typ  string // type(v).__name__
	str  string // for "str": the text (Go UTF-8; latin-1 text has runes <= U+00FF)
	raw  []byte // for "bytes"
	repr string // for other types: repr(v)
}

// latin1 decodes a byte string as latin-1: each byte becomes the rune of the same value
// (PEP 3333 "Unicode Issues": native strings holding bytes "as if decoded with latin-1").
func latin1(b string) string {
	ascii := true
	for i := 0; i < len(b); i++ {
		if b[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return b
	}
	r := make([]rune, len(b))
	for i := 0; i < len(b); i++ {
		r[i] = rune(b[i])
	}
	return string(r)
}

// latin1Bytes encodes text as latin-1; ok is false when a rune is above U+00FF.
func latin1Bytes(s string) ([]byte, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, false
		}
		b = append(b, byte(r))
	}
	return b, true
}

func pyStr(latin1Text string) pyValue { return pyValue{typ: "str", str: latin1Text} }
func pyObj(typ, repr string) pyValue  { return pyValue{typ: typ, repr: repr} }
func pyBool(b bool) pyValue {
	if b {
		return pyObj("bool", "True")
	}
	return pyObj("bool", "False")
}

// pyBytesRepr is Python's repr() of a bytes object.
func pyBytesRepr(b []byte) string {
	q := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		q = '"'
	}
	var sb strings.Builder
	sb.WriteString("b")
	sb.WriteByte(q)
	for _, c := range b {
		switch {
		case c == q || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			sb.WriteString(`\x`)
			sb.WriteByte("0123456789abcdef"[c>>4])
			sb.WriteByte("0123456789abcdef"[c&15])
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte(q)
	return sb.String()
}

// echo describes the value as probe.py does (PROTOCOL.md "The echo document").
func (v pyValue) echo() probes.EnvValue {
	switch v.typ {
	case "str":
		ev := probes.EnvValue{Type: "str", Native: true, Value: v.str}
		if b, ok := latin1Bytes(v.str); ok {
			ev.Latin1 = true
			ev.B64 = base64.StdEncoding.EncodeToString(b)
		}
		return ev
	case "bytes":
		return probes.EnvValue{Type: "bytes", Value: truncRepr(pyBytesRepr(v.raw)), B64: base64.StdEncoding.EncodeToString(v.raw)}
	}
	return probes.EnvValue{Type: v.typ, Value: truncRepr(v.repr)}
}

func truncRepr(s string) string {
	if utf8.RuneCountInString(s) <= 200 {
		return s
	}
	r := []rune(s)
	return string(r[:200])
}

// environ is the WSGI environ dictionary.
type environ struct {
	m map[string]pyValue
}

func (e *environ) set(k string, v pyValue) { e.m[k] = v }

// text returns the value of k as text: a str as it is, bytes decoded as latin-1 (as a
// defensive application would), anything else as absent.
func (e *environ) text(k string) (string, bool) {
	v, ok := e.m[k]
	if !ok {
		return "", false
	}
	switch v.typ {
	case "str":
		return v.str, true
	case "bytes":
		return latin1(string(v.raw)), true
	}
	return "", false
}

func (e *environ) truthy(k string) bool {
	v, ok := e.m[k]
	return ok && (v.repr == "True" || v.typ == "int" && v.repr != "0")
}

func (e *environ) echo() map[string]probes.EnvValue {
	out := make(map[string]probes.EnvValue, len(e.m))
	for k, v := range e.m {
		out[k] = v.echo()
	}
	return out
}

// connInfo is what the server knows about the connection.
type connInfo struct {
	serverName, serverPort string
	remoteAddr, remotePort string
	// sslProtocol and sslCipher are mod_ssl's SSL_PROTOCOL and SSL_CIPHER of a TLS
	// connection; sslProtocol is "" on plain TCP.
	sslProtocol, sslCipher string
}

// splitTarget returns the path and query of the request-target and, for absolute-form, its
// authority (RFC 9112 §3.2).
func splitTarget(r *Request) (path, query, authority string, absolute bool) {
	t := r.Target
	switch {
	case r.Method == "CONNECT":
		return "", "", t, false
	case t == "*":
		return "*", "", "", false
	case strings.HasPrefix(t, "/"):
		if i := strings.IndexByte(t, '?'); i >= 0 {
			return t[:i], t[i+1:], "", false
		}
		return t, "", "", false
	}
	authority, path, query, _ = splitAbsolute(t)
	if path == "" {
		path = "/"
	}
	return path, query, authority, true
}

// percentDecode decodes %XX escapes into bytes; malformed escapes are kept as they are (like
// urllib.parse.unquote). %2F decodes to "/" too: PATH_INFO cannot tell "a%2Fb" from "a/b".
func percentDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			h, ok1 := hexVal(s[i+1])
			l, ok2 := hexVal(s[i+2])
			if ok1 && ok2 {
				b = append(b, byte(h<<4|l))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}

// buildEnviron builds the environ of PEP 3333 ("environ Variables") and CGI (RFC 3875 §4.1).
func buildEnviron(r *Request, ci connInfo, dev *Deviations, multithread bool) *environ {
	e := &environ{m: make(map[string]pyValue, 32)}
	path, query, authority, absolute := splitTarget(r)

	if dev.UnknownMethodAsGET && !knownMethods[r.Method] {
		e.set("REQUEST_METHOD", pyStr("GET"))
	} else {
		e.set("REQUEST_METHOD", pyStr(r.Method))
	}
	// The reference hosts the application at the root: SCRIPT_NAME is empty and PATH_INFO is
	// the whole path.
	if dev.ScriptNameSlash {
		e.set("SCRIPT_NAME", pyStr("/"))
	} else {
		e.set("SCRIPT_NAME", pyStr(""))
	}
	pathBytes := percentDecode(path)
	switch {
	case absolute && dev.AbsoluteFormRaw:
		e.set("PATH_INFO", pyStr(r.Target))
	case dev.PathInfoUndecoded:
		e.set("PATH_INFO", pyStr(path))
	case dev.PathInfoUTF8:
		e.set("PATH_INFO", pyStr(strings.ToValidUTF8(pathBytes, "\uFFFD")))
	default:
		// PATH_INFO: the percent-decoded path bytes, as latin-1 text.
		e.set("PATH_INFO", pyStr(latin1(pathBytes)))
	}
	// QUERY_STRING: the query as sent, not decoded (CGI), its bytes as latin-1 text.
	if dev.QueryStringDecoded {
		query = percentDecode(query)
	}
	e.set("QUERY_STRING", pyStr(latin1(query)))
	if v, ok := r.Get("Content-Type"); ok {
		e.set("CONTENT_TYPE", pyStr(latin1(v)))
	}
	if received, ok := r.Get("Content-Length"); ok && r.ContentLength >= 0 {
		// The framing value (a list of identical values "5, 5" becomes "5").
		if dev.ContentLengthListVerbatim {
			e.set("CONTENT_LENGTH", pyStr(latin1(received)))
		} else {
			e.set("CONTENT_LENGTH", pyStr(strconv.FormatInt(r.ContentLength, 10)))
		}
	}
	e.set("SERVER_NAME", pyStr(ci.serverName))
	if dev.EmptyServerPort {
		e.set("SERVER_PORT", pyStr(""))
	} else {
		e.set("SERVER_PORT", pyStr(ci.serverPort))
	}
	if dev.ServerProtocolFixed {
		e.set("SERVER_PROTOCOL", pyStr("HTTP/1.1"))
	} else {
		e.set("SERVER_PROTOCOL", pyStr(r.Proto))
	}
	e.set("REMOTE_ADDR", pyStr(ci.remoteAddr))
	e.set("REMOTE_PORT", pyStr(ci.remotePort))

	// HTTP_ variables: one per header name, upper-cased with "-" -> "_". Repeated names are
	// combined with "," (RFC 9110 §5.3; as CGI does). Names containing "_" are dropped: a
	// client could otherwise forge "X-Foo" by sending "X_Foo".
	seen := map[string]bool{}
	for _, f := range r.Header {
		if strings.EqualFold(f.Name, "Content-Type") || strings.EqualFold(f.Name, "Content-Length") {
			if !dev.HTTPContentHeaders {
				continue
			}
		}
		if strings.IndexByte(f.Name, '_') >= 0 && !dev.KeepUnderscoreHeaders {
			continue
		}
		key := "HTTP_" + cgiName(f.Name)
		if absolute && key == "HTTP_HOST" && !dev.AbsoluteFormKeepsHost {
			// RFC 9112 §3.2.2: "When an origin server receives a request with an
			// absolute-form of request-target, the origin server MUST ignore the received
			// Host header field (if any) and instead use the host information of the
			// request-target."
			continue
		}
		v := latin1(f.Value)
		if dev.HeaderValuesUTF8 {
			v = strings.ToValidUTF8(f.Value, "\uFFFD")
		}
		if seen[key] && !dev.RepeatedHeaderKeepLast {
			old := e.m[key]
			v = old.str + "," + v
		}
		seen[key] = true
		e.set(key, pyStr(v))
	}
	if absolute && !dev.AbsoluteFormKeepsHost {
		e.set("HTTP_HOST", pyStr(authority))
	}
	if _, ok := e.m["HTTP_ACCEPT"]; !ok && dev.AddDefaultHeaders {
		e.set("HTTP_ACCEPT", pyStr("*/*"))
	}

	if dev.WSGIVersionList {
		e.set("wsgi.version", pyObj("list", "[1, 0]"))
	} else {
		e.set("wsgi.version", pyObj("tuple", "(1, 0)"))
	}
	scheme, wrong := "http", "https"
	if ci.sslProtocol != "" {
		scheme, wrong = "https", "http"
		// PEP 3333: "as many of the Apache SSL environment variables as are applicable".
		if !dev.NoHTTPSVariable {
			e.set("HTTPS", pyStr("on"))
			e.set("SSL_PROTOCOL", pyStr(ci.sslProtocol))
			e.set("SSL_CIPHER", pyStr(ci.sslCipher))
		}
	}
	if dev.WrongURLScheme {
		scheme = wrong
	}
	e.set("wsgi.url_scheme", pyStr(scheme))
	e.set("wsgi.input", pyObj("ReferenceInput", "<ReferenceInput object>"))
	e.set("wsgi.errors", pyObj("ReferenceErrors", "<ReferenceErrors object>"))
	flag := func(b bool) pyValue {
		if dev.FlagsAsInt {
			if b {
				return pyObj("int", "1")
			}
			return pyObj("int", "0")
		}
		return pyBool(b)
	}
	// Each connection is served by its own goroutine: multithread, one process, many
	// requests.
	e.set("wsgi.multithread", flag(multithread && !dev.DenyMultithread))
	e.set("wsgi.multiprocess", flag(false))
	e.set("wsgi.run_once", flag(dev.RunOnceTrue))
	if dev.UnprefixedServerVariable {
		e.set("socket", pyObj("socket", "<socket.socket fd=7, family=2, type=1, proto=0>"))
	}
	if !dev.NoInputTerminated {
		// wsgi.input_terminated (adopted from mod_wsgi/uWSGI): read() returns b"" at the end
		// of the body even without CONTENT_LENGTH (chunked requests).
		e.set("wsgi.input_terminated", pyBool(true))
	}
	if !dev.NoFileWrapper {
		e.set("wsgi.file_wrapper", pyObj("type", "<class 'ReferenceFileWrapper'>"))
	}

	if k := dev.BytesEnviron; k != "" {
		if v, ok := e.m[k]; ok && v.typ == "str" {
			b, ok := latin1Bytes(v.str)
			if !ok {
				b = []byte(v.str)
			}
			e.set(k, pyValue{typ: "bytes", raw: b})
		}
	}
	for _, k := range dev.DropEnviron {
		delete(e.m, k)
	}
	return e
}

// knownMethods are the methods of RFC 9110 §9 and PATCH (RFC 5789), for
// Deviations.UnknownMethodAsGET.
var knownMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "DELETE": true, "CONNECT": true,
	"OPTIONS": true, "TRACE": true, "PATCH": true,
}

// cgiName maps a field name to its CGI form: ASCII letters upper-cased, "-" -> "_", other
// bytes kept (as latin-1 text).
func cgiName(n string) string {
	b := []byte(n)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c == '-':
			b[i] = '_'
		}
	}
	return latin1(string(b))
}
