package spec

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// What the server sends for the application, spelling by spelling: a status or header the
// app got wrong must never reach the wire as it is (RFC 9110 §2.2: the server is the
// sender), a status is sent as the latin-1 bytes it stands for, the status line keeps its
// SP, and an HTTP/1.0 client never gets a 1xx. spec/VARIANTS.md says which server each
// variant is for.

var rfc9110Grammar = Ref{"RFC 9110", "2.2"}

const (
	quoteSenderGrammar = "A sender MUST NOT generate protocol elements that do not match the grammar defined by the corresponding ABNF rules."
	quoteStatusLineSP  = "A server MUST send the space that separates the status-code from the reason-phrase even when the reason-phrase is absent (i.e., the status-line would end with the space)."
	quoteExpectHTTP10  = "A server that receives a 100-continue expectation in an HTTP/1.0 request MUST ignore that expectation."
	// injectedField is the header name the splitting variants try to smuggle onto the wire.
	injectedField = "X-Injected"
)

// appOutputVariant is one thing the application hands start_response that the server must
// refuse, repair or send within the grammar.
type appOutputVariant struct {
	id, title string
	ref       Ref
	quote     string
	what      string // what the app passed, for messages
	path      string // the probe scenario and its query, under the probe prefix
	name      string // for a header name variant: the name as the app gave it
}

// pctAll percent-encodes every byte but the unreserved ones, so the probe's percent-decoding
// (raw_text) gives back exactly these bytes, "+" and spaces included.
func pctAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func rawStatusVariant(family, slug, title, status string) appOutputVariant {
	return appOutputVariant{
		id: "pep3333/start-response/" + family + "/" + slug, title: title,
		ref: rfc9110Grammar, quote: quoteSenderGrammar,
		what: "the status " + quoteWire(status), path: "raw-status?status=" + pctAll(status),
	}
}

func headerNameVariant(slug, title, name, value string) appOutputVariant {
	return appOutputVariant{
		id: "pep3333/start-response/header-name-invalid/" + slug, title: title,
		ref: rfc9110Grammar, quote: quoteSenderGrammar,
		what: fmt.Sprintf("the header (%s, %s)", quoteWire(name), quoteWire(value)),
		path: "hop-by-hop?name=" + pctAll(name) + "&value=" + pctAll(value), name: name,
	}
}

func headerValueVariant(slug, title, value string) appOutputVariant {
	return appOutputVariant{
		id: "pep3333/start-response/header-value-control/" + slug, title: title,
		ref: rfc9110Grammar, quote: quoteSenderGrammar,
		what: "the header X-Conform-Value: " + quoteWire(value), path: "header-value?value=" + pctAll(value),
	}
}

func statusLineVariant(slug, title, status string) appOutputVariant {
	return appOutputVariant{
		id: "rfc9112/4/status-line/" + slug, title: title,
		ref: Ref{"RFC 9112", "4"}, quote: quoteStatusLineSP,
		what: "the status " + quoteWire(status), path: "raw-status?status=" + pctAll(status),
	}
}

var appOutputVariants = []appOutputVariant{
	rawStatusVariant("status-invalid", "crlf", "a status with CR LF and a header line inside is refused or repaired, never sent as two lines", "200 OK\r\n"+injectedField+": yes"),
	rawStatusVariant("status-invalid", "lf", "a status with a bare LF and a header line inside is refused or repaired, never sent as two lines", "200 OK\n"+injectedField+": yes"),
	rawStatusVariant("status-invalid", "trailing-crlf", "a status ending in CR LF is refused or repaired, never ends the header section early", "200 OK\r\n"),
	rawStatusVariant("status-invalid", "two-digit", "a status whose code is not three digits (\"20 OK\") is refused, never sent", "20 OK"),

	headerNameVariant("space", "a header name with a space is refused or dropped, never sent", "X-Bad Name", "v"),
	headerNameVariant("non-ascii", "a header name with a byte above 0x7F is refused or dropped, never sent", "X-Caf\xe9", "v"),
	headerNameVariant("crlf", "a header name with CR LF inside is refused or dropped, never sent as two lines", "X-Ok\r\n"+injectedField, "yes"),

	headerValueVariant("cr", "a header value with a bare CR is refused or repaired, never sent", "ok\r"+injectedField+": yes"),
	headerValueVariant("lf", "a header value with a bare LF is refused or repaired, never sent", "ok\n"+injectedField+": yes"),
	headerValueVariant("nul", "a header value with a NUL is refused or repaired, never sent", "ok\x00yes"),

	statusLineVariant("empty-reason", "an application status with an empty reason (\"200 \") keeps the SP after the code on the wire", "200 "),
	statusLineVariant("no-reason", "an application status without reason or SP (\"200\") gets the SP after the code, or is refused", "200"),
}

func init() {
	for _, v := range appOutputVariants {
		v := v
		area := "start-response"
		if strings.HasPrefix(v.id, "rfc9112/") {
			area = "response"
		}
		register(&Check{
			ID:    v.id,
			Title: v.title,
			Ref:   v.ref, Level: Must, Area: area,
			Quote:   v.quote,
			Observe: exchange(scenario(v.path)),
			Judge:   judgeAppOutput(v.what, v.name),
		})
	}

	register(&Check{
		ID:    "pep3333/start-response/latin1-out/status-reason",
		Title: "a latin-1 reason phrase (\"200 Caf\\xe9\") goes out as the byte 0xE9, not re-encoded",
		Ref:   pepUnicode, Level: Must, Area: "start-response",
		Quote:   quoteAllDecoding,
		Observe: exchange(scenario("raw-status?status=" + pctAll("200 Caf\xe9"))),
		Judge:   judgeLatin1Reason,
	})

	register(&Check{
		ID:    "rfc9110/10.1.1/expect-100-http10",
		Title: "an HTTP/1.0 request with Expect: 100-continue is served as if the field were absent: no 100 (Continue)",
		Ref:   Ref{"RFC 9110", "10.1.1"}, Level: Must, Area: "response",
		Long:  true,
		Quote: quoteExpectHTTP10,
		Observe: one(func(t *Target) wire.Script {
			head := t.request("POST "+probes.Prefix+"echo HTTP/1.0", "Expect: 100-continue", "Content-Length: 7")
			return wire.Script{Steps: []wire.Step{{Data: head}, {Data: []byte("payload"), AwaitResponse: 1500 * time.Millisecond}}, Responses: 1, IdleTimeout: 3 * time.Second}
		}),
		Judge: judgeExpectHTTP10,
	})
}

// headOf splits the first response in raw as a lenient client reads it: the status line and
// the field lines up to the first empty line, each line ending at LF with a CR before it
// dropped; ended says the empty line was found.
func headOf(raw []byte) (status string, fields []string, ended bool) {
	lines := strings.Split(string(raw), "\n")
	status = strings.TrimSuffix(lines[0], "\r")
	for _, l := range lines[1:] {
		l = strings.TrimSuffix(l, "\r")
		if l == "" {
			return status, fields, true
		}
		fields = append(fields, l)
	}
	// The last piece has no LF: it is not a line yet.
	if len(fields) > 0 && !strings.HasSuffix(string(raw), "\n") {
		fields = fields[:len(fields)-1]
	}
	return status, fields, false
}

// statusLineProblem says how a status line breaks RFC 9112 §4 (status-line = HTTP-version SP
// status-code SP [ reason-phrase ]; reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )), or "".
func statusLineProblem(s string) string {
	if len(s) < 9 || !strings.HasPrefix(s, "HTTP/") || !isDigitByte(s[5]) || s[6] != '.' || !isDigitByte(s[7]) || s[8] != ' ' {
		return "it does not start with HTTP-version and SP"
	}
	rest := s[9:]
	code := rest
	if i := strings.IndexByte(rest, ' '); i >= 0 {
		code = rest[:i]
	}
	if len(code) != 3 || !isDigitByte(code[0]) || !isDigitByte(code[1]) || !isDigitByte(code[2]) {
		return fmt.Sprintf("the status-code %s is not three digits (status-code = 3DIGIT), so a client cannot read the response", quoteWire(code))
	}
	if len(rest) == 3 {
		return "there is no SP after the status-code: RFC 9112 §4 requires it even when the reason-phrase is absent, and strict clients refuse the line"
	}
	if c, ok := firstControl(rest[4:]); ok {
		return fmt.Sprintf("the reason-phrase holds the control byte %s, which no reason-phrase may (reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ))", controlName(c))
	}
	return ""
}

// fieldLineProblem says how a field line the server sent breaks the grammar, or shows a field
// made out of what the app passed (name: the app's header name, for name variants), or "".
func fieldLineProblem(line, name string) string {
	if c, ok := firstControl(line); ok {
		why := "a strict client refuses the whole response"
		switch c {
		case '\r':
			why = "a client that ends a line at a bare CR (Python's http.client does) reads what follows as a field of its own"
		case 0:
			why = "a client in C reads the value only up to the NUL, and another one past it"
		}
		return fmt.Sprintf("it holds %s, which no field line may (RFC 9110 §5.5: CR, LF and NUL in a field value are invalid and dangerous): %s", controlName(c), why)
	}
	i := strings.IndexByte(line, ':')
	if i < 0 {
		return "it has no colon: it is not a field line at all, but a piece of the app's header cut at a line break"
	}
	fieldName := line[:i]
	if !isTokenString(fieldName) {
		return fmt.Sprintf("the field name %s is not a token (RFC 9110 §5.1: field-name = token)", quoteWire(fieldName))
	}
	if strings.EqualFold(fieldName, injectedField) {
		return "the text the app put inside its status or header became a header line of its own: response splitting, by which whoever controls that text adds headers (Set-Cookie, Location) or a whole response"
	}
	if name != "" && strings.HasPrefix(line, name+":") {
		return fmt.Sprintf("the app's invalid header name %s went out verbatim: a client reads it as the field %s with the value %s", quoteWire(name), quoteWire(fieldName), quoteWire(strings.TrimSpace(line[i+1:])))
	}
	return ""
}

// judgeAppOutput judges the response to an application that passed start_response a status
// or header outside the grammar: refused (start_response raised, a 5xx, a close) or repaired
// conforms; anything of it on the wire outside the grammar violates.
func judgeAppOutput(what, name string) func(o *Observation) Verdict {
	return func(o *Observation) Verdict {
		x := o.Conns[0].Exchange
		if len(x.Raw) == 0 {
			if x.Closed() {
				return conforms("refused: the server closed the connection without a response (%s)", x.End)
			}
			return inconclusive("no response (%s)", o.ending(0))
		}
		status, fields, ended := headOf(x.Raw)
		if p := statusLineProblem(status); p != "" {
			return violates("the app passed %s and the server sent the status line %s: %s", what, quoteWire(clipStr(status, 80)), p)
		}
		// The injected field first: it is the finding, the broken line before it the means.
		sort.SliceStable(fields, func(i, j int) bool {
			return strings.HasPrefix(strings.ToLower(fields[i]), strings.ToLower(injectedField)+":") && !strings.HasPrefix(strings.ToLower(fields[j]), strings.ToLower(injectedField)+":")
		})
		for _, f := range fields {
			if p := fieldLineProblem(f, name); p != "" {
				return violates("the app passed %s and the server sent the field line %s: %s", what, quoteWire(clipStr(f, 80)), p)
			}
		}
		r := o.Response(0, 0)
		switch {
		case r == nil && !ended:
			return inconclusive("the response head did not arrive whole (%s)", o.ending(0))
		case r == nil && probeSays(o, "start_response", "raised"):
			// The error response the probe then made with exc_info came out malformed (gunicorn
			// appends the new headers to the old ones): exc-info-replaces-headers's finding.
			return conforms("start_response raised; the error response that followed is malformed (%s), but nothing the app passed reached the wire", x.Garbage)
		case r == nil:
			return violates("the app passed %s and the server's answer is not a valid HTTP/1.x response (%s): %s", what, x.Garbage, quoteWire(clipStr(string(x.Raw), 100)))
		case r.Status >= 500:
			if e, err := probes.Decode(r.Body); err == nil && e.ResultString("start_response") == "raised" {
				return conforms("start_response raised %s and the server answered %d %s", e.ResultString("exception"), r.Status, r.Reason)
			}
			return conforms("refused: the server answered %d %s", r.Status, r.Reason)
		}
		if ct, _ := r.Get("Content-Type"); ct != "application/json" {
			return violates("the app passed %s and the header section the server sent ended before the app's own headers (Content-Type: application/json), which arrived as body (%s): the status or header ended the head early, so a client reads the server's headers as content", what, quoteWire(clipStr(string(r.Body), 80)))
		}
		return conforms("the server sent the status line %s and %d field lines, all within the grammar: what the app passed went out valid, repaired or not at all", quoteWire(clipStr(status, 80)), len(fields))
	}
}

// judgeLatin1Reason judges the status line sent for the app's status "200 Caf\xe9": the
// reason-phrase must be the latin-1 bytes of the app's str (obs-text is valid there).
func judgeLatin1Reason(o *Observation) Verdict {
	x := o.Conns[0].Exchange
	if len(x.Raw) == 0 {
		if x.Closed() {
			return conforms("refused: the server closed the connection without a response (%s); no bytes were re-encoded", x.End)
		}
		return inconclusive("no response (%s)", o.ending(0))
	}
	status, _, _ := headOf(x.Raw)
	reason := ""
	if len(status) > 13 {
		reason = status[13:]
	}
	switch {
	case reason == "Caf\xe9":
		return conforms("the status line is %s: the reason went out as the latin-1 byte 0xE9", quoteWire(status))
	case strings.Contains(reason, "\xc3\xa9"):
		return violates("the app's status '200 Caf\\xe9' went out as %s: the server encoded the str as UTF-8 (0xC3 0xA9) instead of latin-1 (0xE9), so the client gets other bytes than the app gave", quoteWire(status))
	case strings.HasPrefix(reason, "Caf"):
		return violates("the app's status '200 Caf\\xe9' went out as %s: the byte 0xE9 was not sent as it is", quoteWire(status))
	case len(status) >= 10 && status[9] == '5':
		return conforms("refused: the server answered %s (strict, since obs-text is valid in a reason-phrase, but no bytes were re-encoded)", quoteWire(status))
	}
	return conforms("the server replaced the reason-phrase: %s; no bytes were re-encoded", quoteWire(status))
}

// judgeExpectHTTP10 judges an HTTP/1.0 POST with Expect: 100-continue whose body follows
// after 1.5 s: any 1xx the server sent (RFC 9110 §15.2: none to an HTTP/1.0 client) or a 417
// means the expectation was not ignored.
func judgeExpectHTTP10(o *Observation) Verdict {
	const what = "an HTTP/1.0 POST with Expect: 100-continue"
	x := o.Conns[0].Exchange
	r := o.Response(0, 0)
	var interim []string
	if r != nil {
		for _, i := range r.Interim {
			interim = append(interim, fmt.Sprintf("%d %s", i.Status, i.Reason))
		}
	}
	if status, _, _ := headOf(x.Raw); len(interim) == 0 && len(status) >= 10 && strings.HasPrefix(status, "HTTP/") && status[9] == '1' {
		interim = append(interim, status[9:])
	}
	switch {
	case len(interim) > 0:
		return violates("%s was answered with %s: the server acted on the expectation it must ignore, and sent a 1xx, which HTTP/1.0 does not define (RFC 9110 §15.2: a server MUST NOT send one to an HTTP/1.0 client), so the client takes it for the final response and the real one for garbage", what, strings.Join(interim, ", "))
	case r == nil:
		return inconclusive("no response (%s)", o.ending(0))
	case r.Status == 417:
		return violates("%s was answered 417 %s: the server refused the expectation it must ignore in an HTTP/1.0 request", what, r.Reason)
	}
	if body, _, ok := bodyOf(o, 0, 0); ok && body == "payload" {
		return conforms("no 100 (Continue): the expectation was ignored and the app read the body")
	}
	return conforms("no 100 (Continue): the server answered %d %s", r.Status, r.Reason)
}

// quoteWire quotes bytes as they are on the wire: printable ASCII as it is, every other byte
// escaped (%q would show the UTF-8 of a re-encoded status as the character it spells).
func quoteWire(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }

// isTokenString: token = 1*tchar (RFC 9110 §5.6.2).
func isTokenString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// firstControl finds the first CTL but HTAB (the controls no field line or reason-phrase
// holds).
func firstControl(s string) (byte, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return c, true
		}
	}
	return 0, false
}

func controlName(c byte) string {
	switch c {
	case '\r':
		return "a bare CR"
	case 0:
		return "a NUL"
	}
	return fmt.Sprintf("the control byte 0x%02X", c)
}
