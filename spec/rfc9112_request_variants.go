package spec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/conform-wsgi/conform/probes"
)

// Variants of the request-line and field-line syntax (RFC 9112 §2.2, §2.3, §3, §5; RFC 9110
// §5.5): the spellings Python parsers mishandle. str.upper() on the method, int() on the
// digits of HTTP-version, str.strip() on values and names, email's feedparser splitting
// lines at a bare CR and ending the header section at the first line it does not like.
// spec/VARIANTS.md says, variant by variant, which parser goes wrong and how.

// afterField is sent after the line under test: whether it reaches the app shows whether
// the server ended its header section at that line and served the request without the rest.
const afterField = "X-After: yes"

// headerKeys lists the HTTP_ variables the request's own fields produced, other than the
// Host and X-Conform-Id every request carries and the X-After sentinel, sorted, each
// described with its value.
func headerKeys(e *probes.Echo) []string {
	var keys []string
	for k, v := range e.Environ {
		if !strings.HasPrefix(k, "HTTP_") || v.Inherited || k == "HTTP_HOST" || k == "HTTP_X_CONFORM_ID" || k == "HTTP_X_AFTER" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = keyRepr(k) + "=" + pyRepr(e.Environ[k])
	}
	return out
}

// keyRepr shows an environ key as Python shows it: HTTP_\x0bX_HIDDEN is a key a server
// built from a name holding a VT.
func keyRepr(k string) string { return pyRepr(probes.EnvValue{Type: "str", Value: k}) }

// sawAfter says whether the sentinel field after the line under test reached the app.
func sawAfter(e *probes.Echo) bool {
	v, _ := str(e, "HTTP_X_AFTER")
	return v == "yes"
}

// whatAppSaw sums up the fields an accepted request handed the app, for a message.
func whatAppSaw(e *probes.Echo) string {
	seen := "no field of its own"
	if own := headerKeys(e); len(own) > 0 {
		seen = strings.Join(own, ", ")
	}
	if !sawAfter(e) {
		return "the app saw " + seen + ", and not the X-After field sent after that line: the server ended the header section there and served the request without the fields that followed"
	}
	return "the app saw " + seen
}

// judgeRefused judges a request a server must (level Must: with 400) or should refuse;
// anything accepted is described by the fields the app saw. A server that waits has taken
// the request as valid and expects more of it.
func judgeRefused(level Level, sent, why string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		if !rj.accepted {
			if level == Must {
				return mustReject400(why)(o)
			}
			return shouldReject(why)(o)
		}
		e, _, err := o.Echo(0, 0)
		if err != nil {
			return violates("the request with %s was accepted (%s) though it is invalid; expected 400 Bad Request. %s", sent, rj, why)
		}
		return violates("the request with %s was accepted (%s): %s; expected 400 Bad Request. %s", sent, rj, whatAppSaw(e), why).with("HTTP_X_AFTER")
	}
}

// ---- the method (RFC 9112 §3, RFC 9110 §9.1) ----

// judgeMethodCase: the method is case-sensitive, so "get" is not GET: it reaches the app as
// sent or is refused (a server that implements no method "get" may say 501, 405 or 400).
// Serving it as GET is the server choosing a handler for the app.
func judgeMethodCase(method string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		if !rj.accepted {
			if rj.status >= 400 || rj.closed {
				return conforms("refused: the server %s (a method it does not implement may be refused; RFC 9110 §9.1 suggests 501)", rj)
			}
			return inconclusive("the server %s", rj)
		}
		e, _, err := o.Echo(0, 0)
		if err != nil {
			return inconclusive("the probe's echo was not received: %v", err)
		}
		got, _ := str(e, "REQUEST_METHOD")
		if got == method {
			return conforms("REQUEST_METHOD=%q, exactly as sent", got)
		}
		return violates("the method %q reached the app as %s: the method is case-sensitive (RFC 9112 §3), so %q is not %q; a front end that routes, authorises or caches by method treats it as an unknown method while the app runs its %s handler", method, describe(e, "REQUEST_METHOD"), method, strings.ToUpper(method), got).with("REQUEST_METHOD")
	}
}

// ---- HTTP-version (RFC 9112 §2.3: HTTP-version = HTTP-name "/" DIGIT "." DIGIT) ----

// judgeBadVersion: an HTTP-version outside the grammar makes the request-line invalid:
// refused with a real status line (400; 505 names the version as the problem), never
// served, and never answered HTTP/0.9-style.
func judgeBadVersion(version string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		switch {
		case rj.status == 400:
			return conforms("rejected with 400 Bad Request")
		case rj.status == 505:
			return conforms("refused with 505 HTTP Version Not Supported")
		case rj.garbage:
			return violates("the server %s to a request-line ending in %q: no client or proxy can read that answer; expected 400 Bad Request", rj, version)
		case rj.accepted:
			e, _, err := o.Echo(0, 0)
			app := "the probe's echo was not received"
			if err == nil {
				app = "the app saw " + describe(e, "SERVER_PROTOCOL")
			}
			return violates("HTTP-version %q was served as a valid request (status line %q %d; %s): HTTP-version = \"HTTP\" \"/\" DIGIT \".\" DIGIT, case-sensitive, so this request-line is invalid, and a front end that refuses it or reads the version differently disagrees with the server on what was sent; expected 400 Bad Request", version, rj.resp.Proto, rj.status, app).with("SERVER_PROTOCOL")
		case rj.waiting():
			return violates("%s; expected 400 Bad Request for the HTTP-version %q", waitingMsg, version)
		case rj.status >= 400:
			return violates("refused, but the server %s; the RFC recommends 400 Bad Request for an invalid request-line (505 for a major version it does not support)", rj)
		case rj.closed:
			return violates("the server %s: the request was refused, but the client is not told why; the RFC recommends 400 Bad Request", rj)
		}
		return inconclusive("the server %s", rj)
	}
}

// judgeMajorVersion: "HTTP/2.0" in an HTTP/1.1 request-line. RFC 9110 §6.2 lets the server
// refuse the major version (505) or answer in the highest version it conforms to with a
// major version no higher; what it must not do is claim HTTP/2.0 in its status line.
func judgeMajorVersion(version string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		switch {
		case rj.status == 505:
			return conforms("refused with 505 HTTP Version Not Supported")
		case rj.garbage:
			// An HTTP/0.9-style answer (no status line) claims no version the server does
			// not conform to; it is the SHOULD of §6.2 (answer in the highest version it
			// conforms to) it misses, and the version-invalid checks report that shape.
			return observed("the server %s: an answer without a status line claims no version, so the MUST NOT is kept, but a client gets no status at all; RFC 9110 §6.2 asks for the highest version the server conforms to (505 in HTTP/1.1 would say why)", rj)
		case rj.resp != nil && rj.resp.Proto != "HTTP/1.1" && rj.resp.Proto != "HTTP/1.0":
			return violates("the server answered %q in the version of the request (status line %q %d %s): it does not conform to %s and speaks HTTP/1.x syntax on this connection, so a client that believes the status line misreads everything after it", version, rj.resp.Proto, rj.status, rj.resp.Reason, version)
		case rj.accepted:
			e, _, err := o.Echo(0, 0)
			app := ""
			if err == nil {
				app = "; the app saw " + describe(e, "SERVER_PROTOCOL")
			}
			return conforms("served with an %s status line, a version the server conforms to and no higher than the request's (RFC 9110 §6.2 allows it)%s", rj.resp.Proto, app).with("SERVER_PROTOCOL")
		case rj.status >= 400 || rj.closed:
			return conforms("refused: the server %s (505 says why)", rj)
		}
		return inconclusive("the server %s", rj)
	}
}

// ---- bare CR (RFC 9112 §2.2) ----

// judgeBareCR: the element holding a bare CR is invalid, or the CR becomes SP. A CR that
// reaches the app, a line split at it, or a header section ended at it all break that.
func judgeBareCR(o *Observation) Verdict {
	rj := classify(o)
	if !rj.accepted {
		switch {
		case rj.status >= 400 || rj.closed:
			return conforms("rejected: the server %s", rj)
		case rj.garbage:
			return violates("the server %s: the bare CR was not refused with an HTTP/1.x response", rj)
		case rj.waiting():
			return violates("%s: the bare CR was not treated as invalid", waitingMsg)
		}
		return inconclusive("the server %s", rj)
	}
	e, _, err := o.Echo(0, 0)
	if err != nil {
		return inconclusive("accepted (%s), but the probe's echo was not received: %v", rj, err)
	}
	var bad []string
	for k, v := range e.Environ {
		if v.Inherited {
			continue
		}
		if strings.ContainsRune(k, '\r') || v.Type == "str" && strings.ContainsRune(v.Value, '\r') {
			bad = append(bad, keyRepr(k)+"="+pyRepr(v))
		}
	}
	sort.Strings(bad)
	switch {
	case len(bad) > 0:
		return violates("the bare CR reached the app: %s; the element holding it must be treated as invalid or the CR replaced by SP, since the next parser may end a line there", strings.Join(bad, ", "))
	case !sawAfter(e):
		return violates("the request was served, but the X-After field sent after the bare CR never reached the app: the server took the CR for the end of a line (or of the header section), which a front end that reads the same bytes does not")
	}
	if v, ok := e.Env("HTTP_CR"); ok {
		return violates("the line was split at the bare CR: the app saw HTTP_CR=%s, a field no front end saw", pyRepr(v)).with("HTTP_CR")
	}
	return conforms("accepted without the CR: REQUEST_METHOD=%s, PATH_INFO=%s (the CR was replaced or the element set aside)", pyRepr(e.Environ["REQUEST_METHOD"]), pyRepr(e.Environ["PATH_INFO"]))
}

// ---- bare LF (RFC 9112 §2.2: a recipient MAY take a single LF as a line terminator) ----

// judgeBareLF reports which choice the server made: both conform, so a refusal or a wait
// is only observed; what is reported as a deviation is taking the LF as a terminator and
// then reading the request differently than with CRLF.
func judgeBareLF(where string, ok func(e *probes.Echo) (bool, string)) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		if rj.waiting() {
			return observed("the server does not end a line at a bare LF %s: it waited for the rest of the header section (%s), a choice RFC 9112 §2.2 leaves to it", where, rj.x.End)
		}
		if !rj.accepted {
			switch {
			case rj.status >= 400 || rj.closed:
				return observed("the server refuses a bare LF %s: it %s (RFC 9112 §2.2 permits this choice)", where, rj)
			case rj.garbage:
				return violates("the server %s to a request with a bare LF %s", rj, where)
			}
			return inconclusive("the server %s", rj)
		}
		e, _, err := o.Echo(0, 0)
		if err != nil {
			return inconclusive("accepted (%s), but the probe's echo was not received: %v", rj, err)
		}
		good, msg := ok(e)
		if good {
			return conforms("the server takes a bare LF %s as a line terminator, as RFC 9112 §2.2 permits: %s", where, msg)
		}
		return violates("the request with a bare LF %s was served, but not as if the LF ended the line: %s", where, msg)
	}
}

// judgeBareLFInValue: a bare LF ending a field line either ends it (RFC 9112 §2.2 permits
// that) or is an LF within the field value, which RFC 9110 §5.5 says must be rejected or
// replaced by SP. Keeping it hands the app, and whatever it forwards the header to, a line
// break that the next parser ends a line at.
func judgeBareLFInValue(o *Observation) Verdict {
	rj := classify(o)
	if !rj.accepted {
		switch {
		case rj.status >= 400 || rj.closed:
			return conforms("refused: the server %s (it does not take a bare LF as a line end here, and rejecting the LF is allowed)", rj)
		case rj.garbage:
			return violates("the server %s", rj)
		}
		return inconclusive("the server %s", rj)
	}
	e, _, err := o.Echo(0, 0)
	if err != nil {
		return inconclusive("accepted (%s), but the probe's echo was not received: %v", rj, err)
	}
	lf, _ := str(e, "HTTP_X_LF")
	switch {
	case lf == "one" && sawAfter(e):
		return conforms("the bare LF ended the field line (RFC 9112 §2.2 permits it): HTTP_X_LF='one', HTTP_X_AFTER='yes'")
	case lf == "one X-After: yes":
		return conforms("the bare LF was kept inside the line and replaced by SP, as RFC 9110 §5.5 allows: HTTP_X_LF='one X-After: yes'")
	case strings.ContainsRune(lf, '\n'):
		return violates("'X-Lf: one' LF 'X-After: yes' reached the app as %s: the server took the bare LF for part of the field value and kept it, where it must either end the line (RFC 9112 §2.2) or be rejected or replaced by SP (RFC 9110 §5.5); the app, and any server it passes the value to, sees a line break a front end read as the start of a field X-After", describe(e, "HTTP_X_LF")).with("HTTP_X_LF", "HTTP_X_AFTER")
	}
	return violates("'X-Lf: one' LF 'X-After: yes' reached the app as %s, %s: neither the line split at the LF nor the LF replaced by SP", describe(e, "HTTP_X_LF"), describe(e, "HTTP_X_AFTER")).with("HTTP_X_LF", "HTTP_X_AFTER")
}

// judgeBareLFLength: whichever way a server reads a bare LF, the Content-Length on that line
// frames the body or the request is refused. A server whose framing disagrees with the line
// it accepted reads the body as the next request (the pipelined GET after it shows it), or
// hands the app a length it did not frame by.
func judgeBareLFLength(o *Observation) Verdict {
	rj := classify(o)
	x := rj.x
	if !rj.accepted {
		switch {
		case rj.status >= 400 || rj.closed:
			return conforms("rejected: the server %s", rj)
		case rj.waiting():
			return violates("no response while the connection stayed open: the server expects more body than the 5 bytes 'Content-Length: 5' (on a line ended by a bare LF) frames")
		case rj.garbage:
			return violates("the server %s", rj)
		}
		return inconclusive("the server %s", rj)
	}
	body, e, ok := bodyOf(o, 0, 0)
	if !ok {
		return inconclusive("accepted (%s), but the probe's echo was not received", rj)
	}
	cl, _ := str(e, "CONTENT_LENGTH")
	switch {
	case cl == "5" && body != "hello":
		return violates("'Content-Length: 5' on a line ended by a bare LF gave the app CONTENT_LENGTH '5', but it read %s instead of 'hello': the server framed the body otherwise", quoteBytes(body)).with("CONTENT_LENGTH")
	case cl != "5" && isDecimal(cl):
		return violates("'Content-Length: 5' on a line ended by a bare LF reached the app as %s: the server framed the body by another length than the one sent", describe(e, "CONTENT_LENGTH")).with("CONTENT_LENGTH")
	}
	note := ""
	if cl != "5" {
		note = fmt.Sprintf(" (the app saw %s, which bare-lf/field-line judges)", describe(e, "CONTENT_LENGTH"))
	}
	if len(x.Responses) >= 2 {
		next, r, err := o.Echo(0, 1)
		switch {
		case err != nil && r != nil:
			return violates("the pipelined request after the 5-byte body was answered %d %s: the server did not frame the body by 'Content-Length: 5' on the bare-LF line, and read body bytes as the next request%s", r.Status, r.Reason, note)
		case err != nil:
			return inconclusive("the pipelined request's answer was not read: %v", err)
		}
		if m, _ := str(next, "REQUEST_METHOD"); m != "GET" || !strings.HasPrefix(pathOf(next), "/after-bare-lf") {
			return violates("the pipelined GET /after-bare-lf reached the app as %s %s: the 5-byte body was read as the start of the next request, so the server did not frame it by 'Content-Length: 5' on the bare-LF line%s", describe(next, "REQUEST_METHOD"), describe(next, "PATH_INFO"), note).with("REQUEST_METHOD", "PATH_INFO")
		}
		return conforms("the body was framed by 'Content-Length: 5' and the pipelined request after it served%s", note)
	}
	if x.Closed() {
		return conforms("the server closed the connection after the response, so no byte after the header section was read as a request%s", note)
	}
	return violates("the pipelined request after the 5-byte body was never answered (%s): the server is still reading the first request's body%s", o.ending(0), note)
}

func pathOf(e *probes.Echo) string {
	p, _ := str(e, "PATH_INFO")
	return p
}

func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ---- field values (RFC 9110 §5.5, §5.6.3: OWS is SP and HTAB only) ----

// judgeValueBytes: a field value that begins and ends with a byte that is not OWS keeps it;
// refusing the request also conforms (the CTLs make the value invalid). Python's
// str.strip() removes the byte, and bytes.strip() some of them: that is the deviation.
func judgeValueBytes(b byte) func(o *Observation) Verdict {
	want := string([]byte{b}) + "v" + string([]byte{b})
	return func(o *Observation) Verdict {
		rj := classify(o)
		if !rj.accepted {
			switch {
			case rj.status >= 400 || rj.closed:
				return conforms("refused: the server %s", rj)
			case rj.waiting():
				return violates("%s", waitingMsg)
			case rj.garbage:
				return violates("the server %s", rj)
			}
			return inconclusive("the server %s", rj)
		}
		e, _, err := o.Echo(0, 0)
		if err != nil {
			return inconclusive("accepted (%s), but the probe's echo was not received: %v", rj, err)
		}
		v, _ := e.Env("HTTP_X_WS")
		got, _ := str(e, "HTTP_X_WS")
		switch {
		case got == want:
			return conforms("kept: HTTP_X_WS=%s (only SP and HTAB are whitespace around a field value)", pyRepr(v))
		case got == "v":
			return violates("'X-Ws: \\x%02xv\\x%02x' reached the app as HTTP_X_WS='v': the server stripped \\x%02x, which is not OWS (OWS = *( SP / HTAB )) but which Python's str.strip() removes; a front end that keeps it (or refuses it) and this server read a different value, and on Transfer-Encoding or Content-Length a different framing", b, b, b).with("HTTP_X_WS")
		}
		return violates("'X-Ws: \\x%02xv\\x%02x' reached the app as %s; expected the value as sent, %s", b, b, describe(e, "HTTP_X_WS"), pyRepr(envValue(want))).with("HTTP_X_WS")
	}
}

// envValue is a latin-1 str holding the bytes s, for messages.
func envValue(s string) probes.EnvValue {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return probes.EnvValue{Type: "str", Value: b.String()}
}

func init() {
	// The method: as sent, or refused.
	for _, c := range []struct{ slug, method, title string }{
		{"lower", "get", "the method 'get' reaches REQUEST_METHOD as sent, not as GET, or is refused"},
	} {
		c := c
		register(&Check{
			ID:    "rfc9112/3/method-case/" + c.slug,
			Title: c.title,
			Ref:   Ref{"PEP 3333", "environ Variables"}, Level: Must, Area: "fields",
			Quote:   "The HTTP request method, such as \"GET\" or \"POST\".",
			Observe: exchange(func(t *Target) []byte { return t.request(c.method + " /method-case HTTP/1.1") }),
			Judge:   judgeMethodCase(c.method),
		})
	}

	// HTTP-version spellings outside the grammar.
	invalidLine := "Recipients of an invalid request-line SHOULD respond with either a 400 (Bad Request) error or a 301 (Moved Permanently) redirect with the request-target properly encoded."
	for _, c := range []struct{ slug, version, title string }{
		{"two-digit-minor", "HTTP/1.10", "HTTP-version 'HTTP/1.10' (two minor digits) is refused with 400"},
		{"leading-zero", "HTTP/01.1", "HTTP-version 'HTTP/01.1' (a leading zero) is refused with 400"},
		{"lowercase-name", "http/1.1", "HTTP-version 'http/1.1' (HTTP-name is case-sensitive) is refused with 400"},
		{"three-parts", "HTTP/1.1.1", "HTTP-version 'HTTP/1.1.1' (a third number) is refused with 400"},
		{"space-after-slash", "HTTP/ 1.1", "HTTP-version 'HTTP/ 1.1' (a space after the slash) is refused with 400"},
	} {
		c := c
		register(&Check{
			ID:    "rfc9112/2.3/version-invalid/" + c.slug,
			Title: c.title,
			Ref:   Ref{"RFC 9112", "3"}, Level: Should, Area: "fields",
			Quote:   invalidLine,
			Observe: exchange(func(t *Target) []byte { return t.request("GET /version " + c.version) }),
			Judge:   judgeBadVersion(c.version),
		})
	}
	register(&Check{
		ID:    "rfc9112/2.3/version-invalid/http2",
		Title: "a request-line claiming HTTP/2.0 is refused (505) or answered in HTTP/1.x, never in an HTTP/2.0 status line",
		Ref:   Ref{"RFC 9110", "6.2"}, Level: Must, Area: "fields",
		Quote:   "A server MUST NOT send a version to which it is not conformant.",
		Observe: exchange(func(t *Target) []byte { return t.request("GET /version HTTP/2.0") }),
		Judge:   judgeMajorVersion("HTTP/2.0"),
	})

	// A bare CR in the request-line and in a field name (bare-cr-in-field covers a value).
	bareCR := "A recipient of such a bare CR MUST consider that element to be invalid or replace each bare CR with SP before processing the element or forwarding the message."
	for _, c := range []struct {
		slug, title string
		build       func(t *Target) []byte
	}{
		{"method", "a bare CR inside the method is rejected or replaced by SP", func(t *Target) []byte {
			return t.request("GE\rT /bare-cr HTTP/1.1", afterField)
		}},
		{"target", "a bare CR inside the request-target is rejected or replaced by SP", func(t *Target) []byte {
			return t.request("GET /bare\rcr HTTP/1.1", afterField)
		}},
		{"field-name", "a bare CR inside a field name is rejected or replaced by SP", func(t *Target) []byte {
			return t.get("/bare-cr", "X-Bare\rCr: v", afterField)
		}},
	} {
		register(&Check{
			ID:    "rfc9112/2.2/bare-cr/" + c.slug,
			Title: c.title,
			Ref:   Ref{"RFC 9112", "2.2"}, Level: Must, Area: "fields",
			Quote:   bareCR,
			Observe: exchange(c.build),
			Judge:   judgeBareCR,
		})
	}

	// A bare LF at one line of the head at a time. Where it ends the request-line or the
	// header section, taking it as a line end or not are both permitted: the choice is
	// reported. Ending a field line it is either a line end or an LF inside a value, which
	// must not reach the app; and whichever it is, a Content-Length on that line frames the
	// body.
	bareLFQuote := "Although the line terminator for the start-line and fields is the sequence CRLF, a recipient MAY recognize a single LF as a line terminator and ignore any preceding CR."
	head := func(t *Target, afterStart, afterLF, end string) []byte {
		return []byte("GET /bare-lf HTTP/1.1" + afterStart + "Host: " + t.host() + "\r\n" + probes.IDHeader + ": " + t.nextID() + "\r\nX-Lf: one" + afterLF + afterField + "\r\n" + end)
	}
	wholeRequest := func(e *probes.Echo) (bool, string) {
		p, _ := str(e, "PATH_INFO")
		v, _ := str(e, "SERVER_PROTOCOL")
		lf, _ := str(e, "HTTP_X_LF")
		// SERVER_PROTOCOL is only checked for what a misread line would leave in it: some
		// servers report HTTP/1.0 whatever was sent (pep3333/environ/server-protocol).
		version := len(v) == len("HTTP/1.1") && strings.HasPrefix(v, "HTTP/1.")
		return p == "/bare-lf" && version && lf == "one" && sawAfter(e),
			describe(e, "PATH_INFO") + ", " + describe(e, "SERVER_PROTOCOL") + ", " + describe(e, "HTTP_X_LF") + ", " + describe(e, "HTTP_X_AFTER")
	}
	for _, c := range []struct {
		slug, where, title       string
		afterStart, afterLF, end string
	}{
		{"request-line", "ending the request-line", "a bare LF ending the request-line: taken as its end or refused (the choice is reported)", "\n", "\r\n", "\r\n"},
		{"header-end", "as the empty line ending the header section", "a bare LF as the empty line ending the header section: taken as its end or refused (the choice is reported)", "\r\n", "\r\n", "\n"},
	} {
		c := c
		register(&Check{
			ID:    "rfc9112/2.2/bare-lf/" + c.slug,
			Title: c.title,
			Ref:   Ref{"RFC 9112", "2.2"}, Level: May, Area: "fields",
			Quote:   bareLFQuote,
			Observe: exchange(func(t *Target) []byte { return head(t, c.afterStart, c.afterLF, c.end) }),
			Judge:   judgeBareLF(c.where, wholeRequest),
		})
	}
	register(&Check{
		ID:    "rfc9112/2.2/bare-lf/field-line",
		Title: "a bare LF ending a field line ends the line, or the request is refused; it never stays in the value",
		Ref:   Ref{"RFC 9110", "5.5"}, Level: Must, Area: "fields",
		Quote:   "Field values containing CR, LF, or NUL characters are invalid and dangerous, due to the varying ways that implementations might parse and interpret those characters; a recipient of CR, LF, or NUL within a field value MUST either reject the message or replace each of those characters with SP before further processing or forwarding of that message.",
		Observe: exchange(func(t *Target) []byte { return head(t, "\r\n", "\n", "\r\n") }),
		Judge:   judgeBareLFInValue,
	})
	register(&Check{
		ID:    "rfc9112/2.2/bare-lf/content-length",
		Title: "a Content-Length on a line ended by a bare LF frames the body, or the request is refused",
		Ref:   Ref{"RFC 9112", "2.2"}, Level: Must, Area: "fields",
		Quote: bareLFQuote,
		Observe: pipeline(2, func(t *Target) []byte {
			req := "POST " + probes.Prefix + "echo HTTP/1.1\r\nHost: " + t.host() + "\r\n" + probes.IDHeader + ": " + t.nextID() + "\r\nContent-Length: 5\n" + afterField + "\r\n\r\nhello"
			return append([]byte(req), t.get("/after-bare-lf")...)
		}),
		Judge: judgeBareLFLength,
	})

	// Bytes around a field value that are not OWS.
	owsQuote := "A field line value might be preceded and/or followed by optional whitespace (OWS); a single SP preceding the field line value is preferred for consistent readability by humans. The field line value does not include that leading or trailing whitespace: OWS occurring before the first non-whitespace octet of the field line value, or after the last non-whitespace octet of the field line value, is excluded by parsers when extracting the field line value from a field line."
	obsText := "A recipient SHOULD treat other allowed octets in field content (i.e., obs-text) as opaque data."
	for _, c := range []struct {
		slug  string
		b     byte
		ref   Ref
		quote string
	}{
		{"vt", 0x0b, Ref{"RFC 9112", "5"}, owsQuote},
		{"fs", 0x1c, Ref{"RFC 9112", "5"}, owsQuote},
		{"nel", 0x85, Ref{"RFC 9110", "5.5"}, obsText},
		{"nbsp", 0xa0, Ref{"RFC 9110", "5.5"}, obsText},
	} {
		c := c
		register(&Check{
			ID:    "rfc9110/5.5/field-value-whitespace/" + c.slug,
			Title: fmt.Sprintf("\\x%02x around a field value is kept (or the request refused), not stripped as whitespace", c.b),
			Ref:   c.ref, Level: Should, Area: "fields",
			Quote: c.quote,
			Observe: exchange(func(t *Target) []byte {
				b := string([]byte{c.b})
				return t.get("/value-ws", "X-Ws: "+b+"v"+b)
			}),
			Judge: judgeValueBytes(c.b),
		})
	}

	// Field names that are not tokens.
	register(&Check{
		ID:    "rfc9112/5.1/field-name-invalid/vt-before-colon",
		Title: "a VT (\\x0b) between a field name and the colon is rejected with 400",
		Ref:   Ref{"RFC 9112", "5.1"}, Level: Must, Area: "fields",
		Quote:   "A server MUST reject, with a response status code of 400 (Bad Request), any received request message that contains whitespace between a header field name and colon.",
		Observe: exchange(func(t *Target) []byte { return t.get("/name-vt", "X-Vt\x0b: v", afterField) }),
		Judge:   judgeRefused(Must, "'X-Vt\\x0b: v'", "VT is whitespace to str.strip() and to RFC 9112 (§3 lists it); a parser that strips it reads 'Transfer-Encoding\\x0b' as Transfer-Encoding while a front end sees an unknown field."),
	})
	nameQuote := "Each field line consists of a case-insensitive field name followed by a colon (\":\"), optional leading whitespace, the field line value, and optional trailing whitespace."
	for _, c := range []struct{ slug, line, shown, title, why string }{
		{"space", "X Space: v", "'X Space: v'", "a field name with a space inside is rejected", "CGI maps 'X Space' and 'X-Space' alike (HTTP_X_SPACE) or keeps the space in the variable name; either way the app sees a field no front end forwarded by that name."},
		{"nul", "X-Nul\x00Name: v", "'X-Nul\\x00Name: v'", "a field name with a NUL is rejected", "a C parser ends the name at the NUL, a Python one keeps it: two readings of one line."},
		{"non-ascii", "X-Caf\xe9: v", "'X-Caf\\xe9: v'", "a field name with a non-ASCII byte is rejected", "a name is a token of ASCII letters, digits and marks; a server that accepts 0xE9 hands the app a variable no proxy filter matches."},
		{"empty", ": v", "': v' (an empty name)", "a field line with an empty name is rejected", "field-name = token, at least one character; a server that accepts ': v' hands the app an 'HTTP_' variable or silently drops the line."},
	} {
		c := c
		register(&Check{
			ID:    "rfc9112/5.1/field-name-invalid/" + c.slug,
			Title: c.title,
			Ref:   Ref{"RFC 9112", "5"}, Level: Should, Area: "fields",
			Quote:   nameQuote,
			Observe: exchange(func(t *Target) []byte { return t.get("/name", c.line, afterField) }),
			Judge:   judgeRefused(Should, c.shown, c.why),
		})
	}

	// Lines that look like a fold but are not: obs-fold continues a line with SP or HTAB.
	grammar := "When a server listening only for HTTP request messages, or processing what appears from the start-line to be an HTTP request message, receives a sequence of octets that does not match the HTTP-message grammar aside from the robustness exceptions listed above, the server SHOULD respond with a 400 (Bad Request) response and close the connection."
	for _, c := range []struct {
		slug, title, shown, why string
		b                       byte
	}{
		{"vt", "a line starting with VT (\\x0b) after a field line is not a fold: rejected", "a line '\\x0bX-Hidden: b' after 'X-Fold: a'", "obs-fold continues a line with SP or HTAB only; a parser that also takes VT folds the line into X-Fold, one that strips it makes X-Hidden a field, and a front end sees neither.", 0x0b},
		{"nbsp", "a line starting with NBSP (\\xa0) after a field line is not a fold: rejected", "a line '\\xa0X-Hidden: b' after 'X-Fold: a'", "0xA0 is whitespace to Python's str methods once the line is decoded as latin-1, never to HTTP: folding at it or stripping it gives the app a field no front end saw.", 0xa0},
	} {
		c := c
		register(&Check{
			ID:    "rfc9112/5.2/obs-fold/" + c.slug,
			Title: c.title,
			Ref:   Ref{"RFC 9112", "2.2"}, Level: Should, Area: "fields",
			Quote: grammar,
			Observe: exchange(func(t *Target) []byte {
				return t.get("/not-a-fold", "X-Fold: a", string([]byte{c.b})+"X-Hidden: b", afterField)
			}),
			Judge: judgeRefused(Should, c.shown, c.why),
		})
	}
}
