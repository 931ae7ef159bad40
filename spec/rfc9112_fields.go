package spec

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// RFC 9112 §2–5 and RFC 9110 §5: the request line and field syntax. Lenient parsing here
// is how one request becomes two, or a header checked by a proxy becomes another.

// rejectOrEcho judges a request the server may either refuse or accept after repairing it:
// when accepted, ok(e) decides whether the repair was a permitted one.
func rejectOrEcho(ok func(e *probes.Echo) (bool, string)) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		rj := classify(o)
		if !rj.accepted {
			if rj.status >= 400 || rj.closed {
				return conforms("rejected: the server %s", rj)
			}
			return inconclusive("the server %s", rj)
		}
		e, _, err := o.Echo(0, 0)
		if err != nil {
			return inconclusive("accepted, but the probe's echo was not received: %v", err)
		}
		good, msg := ok(e)
		if good {
			return conforms("accepted and repaired: %s", msg)
		}
		return violates("accepted without a permitted repair: %s", msg)
	}
}

var foldedValue = regexp.MustCompile(`^a +b$`)

// bareLF accepts a bare-LF request only when every header arrived as sent.
var bareLF = rejectOrEcho(func(e *probes.Echo) (bool, string) {
	a, _ := str(e, "HTTP_X_LF")
	b, _ := str(e, "HTTP_X_LF_TWO")
	return a == "one" && b == "two", describe(e, "HTTP_X_LF") + ", " + describe(e, "HTTP_X_LF_TWO")
})

func init() {
	register(&Check{
		ID:    "rfc9112/5.1/whitespace-before-colon",
		Title: "whitespace between a field name and the colon is rejected with 400",
		Ref:   Ref{"RFC 9112", "5.1"}, Level: Must, Area: "fields",
		Quote:   "A server MUST reject, with a response status code of 400 (Bad Request), any received request message that contains whitespace between a header field name and colon.",
		Observe: exchange(func(t *Target) []byte { return t.get("/ws", "Transfer-Encoding : chunked", "X-Ws : v") }),
		Judge:   mustReject400("'Transfer-Encoding : chunked' is read as Transfer-Encoding by some parsers and as an unknown field by others: a classic smuggling vector."),
	})

	register(&Check{
		ID:    "rfc9112/5.2/obs-fold",
		Title: "an obs-fold line continuation is rejected with 400 or replaced by SP",
		Ref:   Ref{"RFC 9112", "5.2"}, Level: Must, Area: "fields",
		Quote:   "A server that receives an obs-fold in a request message that is not within a \"message/http\" container MUST either reject the message by sending a 400 (Bad Request), preferably with a representation explaining that obsolete line folding is unacceptable, or replace each received obs-fold with one or more SP octets prior to interpreting the field value or forwarding the message downstream.",
		Observe: exchange(func(t *Target) []byte { return t.get("/fold", "X-Fold: a", " b") }),
		Judge: func(o *Observation) Verdict {
			rj := classify(o)
			if rj.status == 400 {
				return conforms("rejected with 400")
			}
			if !rj.accepted {
				if rj.status >= 400 || rj.closed {
					return violates("the server %s; the RFC allows only 400 or replacing the fold with SP", rj)
				}
				return inconclusive("the server %s", rj)
			}
			e, _, err := o.Echo(0, 0)
			if err != nil {
				return inconclusive("accepted, but the probe's echo was not received: %v", err)
			}
			v, _ := str(e, "HTTP_X_FOLD")
			if foldedValue.MatchString(v) {
				return conforms("the fold was replaced by SP: %s", quoteBytes(v))
			}
			return violates("'X-Fold: a' CRLF ' b' was accepted and gave %s; the value must be 'a b' (fold replaced by SP) or the request refused with 400", describe(e, "HTTP_X_FOLD")).with("HTTP_X_FOLD")
		},
	})

	register(&Check{
		ID:    "rfc9110/5.5/nul-in-field-value",
		Title: "a NUL in a field value is rejected or replaced by SP",
		Ref:   Ref{"RFC 9110", "5.5"}, Level: Must, Area: "fields",
		Quote:   "Field values containing CR, LF, or NUL characters are invalid and dangerous, due to the varying ways that implementations might parse and interpret those characters; a recipient of CR, LF, or NUL within a field value MUST either reject the message or replace each of those characters with SP before further processing or forwarding of that message.",
		Observe: exchange(func(t *Target) []byte { return t.get("/nul", "X-Nul: a\x00b") }),
		Judge: rejectOrEcho(func(e *probes.Echo) (bool, string) {
			v, _ := str(e, "HTTP_X_NUL")
			return v == "a b", describe(e, "HTTP_X_NUL")
		}),
	})

	register(&Check{
		ID:    "rfc9112/2.2/bare-cr-in-field",
		Title: "a bare CR in the header section is rejected or replaced by SP",
		Ref:   Ref{"RFC 9112", "2.2"}, Level: Must, Area: "fields",
		Quote:   "A recipient of such a bare CR MUST consider that element to be invalid or replace each bare CR with SP before processing the element or forwarding the message.",
		Observe: exchange(func(t *Target) []byte { return t.get("/cr", "X-Cr: a\rb") }),
		Judge: rejectOrEcho(func(e *probes.Echo) (bool, string) {
			v, _ := str(e, "HTTP_X_CR")
			return v == "a b", describe(e, "HTTP_X_CR")
		}),
	})

	register(&Check{
		ID:    "rfc9112/2.2/whitespace-after-start-line",
		Title: "a whitespace-preceded line after the request line is rejected or ignored",
		Ref:   Ref{"RFC 9112", "2.2"}, Level: Must, Area: "fields",
		Quote: "A recipient that receives whitespace between the start-line and the first header field MUST either reject the message as invalid or consume each whitespace-preceded line without further processing of it (i.e., ignore the entire line, along with any subsequent lines preceded by whitespace, until a properly formed header field is received or the header section is terminated).",
		Observe: exchange(func(t *Target) []byte {
			return []byte("GET /sp HTTP/1.1\r\n X-Sneaky: yes\r\nHost: " + t.host() + "\r\n" + probes.IDHeader + ": " + t.nextID() + "\r\n\r\n")
		}),
		Judge: rejectOrEcho(func(e *probes.Echo) (bool, string) {
			_, sneaky := e.Env("HTTP_X_SNEAKY")
			_, spaced := e.Env("HTTP__X_SNEAKY")
			return !sneaky && !spaced, describe(e, "HTTP_X_SNEAKY")
		}),
	})

	register(&Check{
		ID:    "rfc9112/2.2/bare-lf-line-ending",
		Title: "a request with bare LF line endings is rejected or parsed exactly as with CRLF",
		Ref:   Ref{"RFC 9112", "2.2"}, Level: Must, Area: "fields",
		Quote: "Although the line terminator for the start-line and fields is the sequence CRLF, a recipient MAY recognize a single LF as a line terminator and ignore any preceding CR.",
		Observe: exchange(func(t *Target) []byte {
			return []byte("GET /lf HTTP/1.1\nHost: " + t.host() + "\n" + probes.IDHeader + ": " + t.nextID() + "\nX-Lf: one\nX-Lf-Two: two\n\n")
		}),
		Judge: func(o *Observation) Verdict {
			// A server that does not take LF as a line end sees an unterminated header
			// section and waits: no misreading, so no harm.
			if rj := classify(o); rj.resp == nil && rj.x.End == wire.EndIdle {
				return conforms("the server does not end lines at a bare LF: it waited for the rest of the header section")
			}
			return bareLF(o)
		},
	})

	register(&Check{
		ID:    "rfc9112/5/invalid-field-name",
		Title: "a field name with a control character is rejected",
		Ref:   Ref{"RFC 9112", "5"}, Level: Should, Area: "fields", Aliases: []string{"rfc9110/5.1/invalid-field-name"},
		Quote:   "Each field line consists of a case-insensitive field name followed by a colon (\":\"), optional leading whitespace, the field line value, and optional trailing whitespace.",
		Observe: exchange(func(t *Target) []byte { return t.get("/name", "X-Bad\x01Name: v") }),
		Judge:   shouldReject("A field name is a token; a parser that accepts control bytes in it disagrees with every proxy that refuses them."),
	})

	register(&Check{
		ID:    "rfc9112/3/invalid-request-line",
		Title: "a request line with a space inside the target is rejected",
		Ref:   Ref{"RFC 9112", "3"}, Level: Should, Area: "fields",
		Quote:   "Recipients of an invalid request-line SHOULD respond with either a 400 (Bad Request) error or a 301 (Moved Permanently) redirect with the request-target properly encoded.",
		Observe: exchange(func(t *Target) []byte { return t.request("GET /a b HTTP/1.1") }),
		Judge:   orRedirectEncoded("/a%20b", shouldReject("'GET /a b HTTP/1.1' has four words; a server that serves it anyway has guessed or dropped its parts, so a filter in front of it and the app can see different targets.")),
	})

	hostQuote := "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request message that lacks a Host header field and to any request message that contains more than one Host header field line or a Host header field with an invalid field value."
	register(&Check{
		ID:    "rfc9112/3.2/missing-host",
		Title: "an HTTP/1.1 request without Host is rejected with 400",
		Ref:   Ref{"RFC 9112", "3.2"}, Level: Must, Area: "fields",
		Quote:   hostQuote,
		Observe: exchange(func(t *Target) []byte { return t.get("/nohost", noHost) }),
		Judge:   mustReject400("Without Host, the app builds URLs from SERVER_NAME, and virtual hosting in front of it may route differently."),
	})
	register(&Check{
		ID:    "rfc9112/3.2/duplicate-host",
		Title: "a request with two Host lines is rejected with 400",
		Ref:   Ref{"RFC 9112", "3.2"}, Level: Must, Area: "fields",
		Quote:   hostQuote,
		Observe: exchange(func(t *Target) []byte { return t.get("/twohosts", "Host: "+t.host(), "Host: evil.example") }),
		Judge:   mustReject400("A proxy that routes on the first Host and an app that reads the second (or 'a,b') see different sites: host-header injection."),
	})
	register(&Check{
		ID:    "rfc9112/3.2/invalid-host",
		Title: "a Host value that is not uri-host[:port] is rejected with 400",
		Ref:   Ref{"RFC 9112", "3.2"}, Level: Must, Area: "fields",
		Quote:   hostQuote,
		Observe: exchange(func(t *Target) []byte { return t.get("/badhost", "Host: bad host/path") }),
		Judge:   mustReject400("'bad host/path' is no uri-host; apps that build links or cache keys from HTTP_HOST are poisoned by it."),
	})
}

// orRedirectEncoded lets an invalid request-line be answered, as the sentence allows, with
// a 301 to the request-target properly encoded (a Location whose path is encoded); any
// other answer is judged by reject.
func orRedirectEncoded(encoded string, reject func(o *Observation) Verdict) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		r := o.Response(0, 0)
		if r == nil || r.Status != 301 {
			return reject(o)
		}
		loc, _ := r.Get("Location")
		if u, err := url.Parse(loc); err == nil && !strings.ContainsAny(loc, " \t") && u.EscapedPath() == encoded {
			return conforms("redirected with 301 to the request-target properly encoded (Location: %s)", quoteBytes(loc))
		}
		return violates("answered 301 with Location: %s, which is not the request-target properly encoded (%s)", quoteBytes(loc), encoded)
	}
}
