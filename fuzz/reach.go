package fuzz

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// What the generator varies beyond the bytes (issue 18): how the application reads its body,
// and field names that collide with the variables a gateway sets.

// ---- how the application reads wsgi.input ----

// readMode is one way of reading wsgi.input, as the probe's `read` parameter names it.
type readMode struct {
	name  string // the feature's variant: a finding's label names it
	param string // the parameter value; "%d" takes a small size
}

// readModes are the probe's modes other than its default (auto). read(), readlines() and
// iteration read to the end of the input, so a server that does not simulate an end of file
// at the body's end hands the application the next request or blocks; readline() without a
// size asks past the body when the body does not end in LF; none leaves the body for the
// server to drain or to close the connection on.
func readModes() []readMode {
	return []readMode{
		{"read", "read"}, {"readn", "readn:%d"}, {"readline", "readline"}, {"readline-sized", "readline:%d"},
		{"readlines", "readlines"}, {"iter", "iter"}, {"none", "none"},
	}
}

// applyReadMode asks the main request's application to read its body in one of readModes,
// by the `read` parameter of its query. Targets that the parameter cannot be added to
// unambiguously (asterisk-form, bytes outside the visible ASCII, a fragment) are left alone.
func applyReadMode(rng *rand.Rand, r *request) string {
	m := pick(rng, readModes())
	if !plainTarget(r.Target) {
		return ""
	}
	// PEP 3333: "the application should not attempt to read more data than is specified by
	// the CONTENT_LENGTH variable". Without a Content-Length (a chunked body a server need not
	// announce), a read that blocks could be the application's fault: the probe's auto mode
	// reads such a body on a thread it stops waiting for, these modes do not.
	if m.name != "none" && (len(r.fieldIndex("Content-Length")) == 0 || len(r.fieldIndex("Transfer-Encoding")) > 0) {
		return ""
	}
	param := m.param
	if strings.Contains(param, "%d") {
		param = strings.Replace(param, "%d", strconv.Itoa(pick(rng, []int{1, 2, 3, 7})), 1)
	}
	sep := "?"
	if strings.Contains(r.Target, "?") {
		sep = "&"
	}
	r.Target += sep + "read=" + param
	return m.name
}

// plainTarget says t is an origin-form or http absolute-form target of visible ASCII with no
// fragment and no read parameter yet.
func plainTarget(t string) bool {
	if !strings.HasPrefix(t, "/") && !strings.HasPrefix(t, "http://") || strings.ContainsAny(t, "#") || strings.Contains(t, "read=") {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] >= 0x7f {
			return false
		}
	}
	return true
}

// ---- field names that become CGI variables ----

// gatewayVariables are the CGI meta-variables (RFC 3875 §4.1) a field of the same name must
// not set, with the values the oracle can tell from the request alone.
var gatewayVariables = []string{"SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "REQUEST_METHOD", "CONTENT_LENGTH", "CONTENT_TYPE", "REMOTE_ADDR", "SERVER_PROTOCOL"}

// cgiNameMutator adds a field whose name, mapped as a gateway maps names (upper case, "-" to
// "_"), is a variable the gateway sets itself, or the underscore twin of a field the request
// has. The values are ones no gateway would set on its own (TEST-NET-1 addresses, a path
// prefix), so the oracle can tell where the application's variable came from.
func cgiNameMutator() mutator {
	return mutator{"cgi-name", 4, spelling, func(rng *rand.Rand, b *builder) string {
		r := b.main
		type sp struct{ name, field, val string }
		cl := "5"
		if i, ok := clValue(r); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(r.Fields[i].Value))
			cl = strconv.Itoa(n + 2)
		}
		opts := []sp{
			{"content-length", "Content_Length", cl}, {"content-length-upper", "CONTENT_LENGTH", cl},
			{"transfer-encoding", "Transfer_Encoding", "chunked"}, {"content-type", "Content_Type", "application/x-conform-cgi"},
			{"script-name", "SCRIPT_NAME", scriptPrefix(r.Target)}, {"script-name-foreign", "SCRIPT_NAME", "/conform-cgi"},
			{"path-info", "PATH_INFO", "/conform-cgi"},
			{"query-string", "QUERY_STRING", "conform=cgi"}, {"request-method", "REQUEST_METHOD", "CONFORMCGI"},
			{"remote-addr", "REMOTE_ADDR", "192.0.2.66"}, {"server-protocol", "SERVER_PROTOCOL", "HTTP/9.9"},
			{"twin", "", ""},
		}
		o := pick(rng, opts)
		if o.name == "twin" {
			// The underscore twin of a field the request has (or of one added for it).
			var ix []int
			for _, i := range mutableFields(r.Fields) {
				n := strings.TrimSpace(r.Fields[i].Name)
				if strings.Contains(n, "-") && !strings.EqualFold(n, "Content-Length") && !strings.EqualFold(n, "Transfer-Encoding") && tokenName(n) {
					ix = append(ix, i)
				}
			}
			name := "X-Forwarded-For"
			if len(ix) > 0 && rng.IntN(2) == 0 {
				name = strings.TrimSpace(r.Fields[pick(rng, ix)].Name)
			} else {
				insertField(rng, r, newField(name, "198.51.100.7"))
			}
			o.field, o.val = strings.ReplaceAll(name, "-", "_"), "192.0.2.66"
		}
		insertField(rng, r, newField(o.field, o.val))
		return o.name
	}}
}

// scriptPrefix is the first segment of the target's path ("/a" for "/a/b", "/" for "/"), which
// a gateway taking SCRIPT_NAME from a field cuts off PATH_INFO; "/conform-cgi" when the target
// has no path.
func scriptPrefix(target string) string {
	if i := strings.Index(target, "://"); i >= 0 {
		j := strings.IndexByte(target[i+3:], '/')
		if j < 0 {
			return "/conform-cgi"
		}
		target = target[i+3+j:]
	}
	path, _, _ := strings.Cut(target, "?")
	if !strings.HasPrefix(path, "/") {
		return "/conform-cgi"
	}
	if i := strings.IndexByte(path[1:], '/'); i > 0 {
		return path[:i+1]
	}
	return path
}

// tokenName says n is made of letters, digits and "-" only.
func tokenName(n string) bool {
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return n != ""
}
