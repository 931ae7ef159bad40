package fuzz

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/wire"
)

// Class is the kind of disagreement between the target and the reference.
type Class string

// The classes, most important first (a case with several disagreements gets the first).
const (
	// Framing: the target and the reference split the bytes into different requests or
	// bodies. A front end that agrees with either one can be used to smuggle a request past
	// it: the class that matters most.
	Framing Class = "framing"
	// Crash: the server stopped accepting connections (or its process died).
	Crash Class = "crash"
	// Status5xx: the target answered a server error.
	Status5xx Class = "5xx"
	// Hang: no response at all before the deadline, the connection left open.
	Hang Class = "hang"
	// Input: what wsgi.input did with a body, which the probe's 200 would hide: it raised on
	// a body the reference accepts, or handed over without raising a body the reference
	// rejects.
	Input Class = "input"
	// Leniency: the target served a request the reference must reject.
	Leniency Class = "leniency"
	// Strictness: the target rejected a request the reference serves.
	Strictness Class = "strictness"
	// Semantic: same requests and bodies, but the application saw another method, path,
	// header set or an unreadable body.
	Semantic Class = "semantic"
)

// Classes lists every class in order of importance.
func Classes() []Class {
	return []Class{Framing, Crash, Status5xx, Hang, Input, Leniency, Strictness, Semantic}
}

func classRank(c Class) int {
	for i, x := range Classes() {
		if x == c {
			return i
		}
	}
	return len(Classes())
}

// Verdict is the oracle's conclusion about one observation.
type Verdict struct {
	Class Class `json:"class,omitempty"` // "" when the target agrees with the reference
	// Kind names what differed, in a few fixed words ("body", "served-smuggled", ...).
	Kind string `json:"kind,omitempty"`
	// Rule is the reference's rule for a request it rejects (leniency, and framing in
	// bytes the reference rejects), or the target's
	// status (strictness, 5xx): with Class and Kind it makes the normalised description.
	Rule   string `json:"rule,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Index is the response where target and reference part.
	Index int `json:"index"`
	// Standalone >= 0 asks for the target's answer to the bytes from that offset on, sent
	// alone, before the verdict is final: a rejection in the middle of a pipeline is a
	// framing disagreement only if the same request is accepted on a fresh connection.
	Standalone int `json:"-"`
	// Otherwise is the verdict when the standalone request is rejected too.
	Otherwise *Verdict `json:"-"`
}

// Core is what a disagreement is known by, without the case's features: what it is
// deduplicated, ablated and minimized by. Every framing kind is one behaviour, a desync:
// which kind shows (a body overrun, a phantom, a stall...) depends on the bytes that follow
// the request the two frame differently, not on the fault; likewise a leniency that waits.
func (v Verdict) Core() string {
	if v.Class == "" {
		return ""
	}
	return string(v.Class) + "/" + v.behaviour() + "/" + v.Rule
}

// behaviour is the kind as Core knows it. A target that waits for more bytes after a
// request the reference rejects accepted that request as one that serves it does: what
// follows (a body it then waits for) is the case's, not the fault's.
func (v Verdict) behaviour() string {
	switch {
	case v.Class == Framing:
		return Desync
	case v.Class == Leniency && v.Kind == "waits":
		return "accepted"
	}
	return v.Kind
}

// Desync is the behaviour of every framing verdict in its Core.
const Desync = "desync"

// Describe is the verdict's class, kind and rule: the words a person reads.
func (v Verdict) Describe() string {
	if v.Class == "" {
		return ""
	}
	return string(v.Class) + "/" + v.Kind + "/" + v.Rule
}

func agree() Verdict { return Verdict{Standalone: -1} }

func (v Verdict) worse(w Verdict) bool {
	if v.Class == "" {
		return false
	}
	if w.Class == "" {
		return true
	}
	return classRank(v.Class) < classRank(w.Class)
}

// Expectation is the reference's view of a case's bytes.
type Expectation struct {
	Raw []byte
	In  reference.Interpretation
	IDs []idOccurrence
	// Added are the environ names of the fields a front before the server adds to every
	// request (Options.FrontFields): the app sees them though no case sent them.
	Added map[string]bool
	// Fin: the client shuts down its sending side after Raw (a FIN case, fin.go).
	Fin bool
}

// Expect interprets raw with the reference (and the given deviations, normally none).
func Expect(raw []byte, lim reference.Limits, dev reference.Deviations) *Expectation {
	return &Expectation{Raw: raw, In: reference.InterpretWith(raw, lim, dev), IDs: findIDs(raw)}
}

// Want is how many final responses a conforming server sends: one per request, plus the
// rejection.
func (e *Expectation) Want() int {
	n := len(e.In.Requests)
	if e.In.Error != nil {
		n++
	}
	return n
}

// Settled says nothing can legitimately follow the expected responses: the last one answers
// the sentinel, whose bytes end the case. Then there is no need to linger after it.
func (e *Expectation) Settled() bool {
	rs := e.In.Requests
	return e.In.Error == nil && !e.In.Incomplete && len(rs) > 0 && idRole(reqID(&rs[len(rs)-1])) == roleSentinel && rs[len(rs)-1].End == len(e.Raw)
}

func reqID(r *reference.Request) string {
	v, _ := r.Get(probes.IDHeader)
	return firstMember(v)
}

// headEnd is the offset just after the empty line that ends r's header section.
func headEnd(raw []byte, r *reference.Request) int {
	p := r.Start
	for first := true; p < r.End; first = false {
		i := bytes.IndexByte(raw[p:r.End], '\n')
		if i < 0 {
			return r.End
		}
		line := raw[p : p+i]
		p += i + 1
		if !first && (len(line) == 0 || len(line) == 1 && line[0] == '\r') {
			return p
		}
	}
	return r.End
}

// idInRange says whether id occurs as an X-Conform-Id value within [from, to).
func (e *Expectation) idInRange(id string, from, to int) bool {
	for _, o := range e.IDs {
		if o.ID == id && o.Pos >= from && o.Pos < to {
			return true
		}
	}
	return false
}

func (e *Expectation) idPos(id string) int {
	for _, o := range e.IDs {
		if o.ID == id {
			return o.Pos
		}
	}
	return -1
}

// requestStart is where the request holding the id occurrence at pos begins: the start of
// the nearest request-line before it. A request-line may follow a body on the same line
// ("helloGET / HTTP/1.1"), so a line is searched for one, not only its start.
func (e *Expectation) requestStart(pos int) int {
	end := bytes.LastIndexByte(e.Raw[:pos], '\n')
	for end > 0 {
		start := bytes.LastIndexByte(e.Raw[:end], '\n') + 1
		line := e.Raw[start : end+1]
		for k := 0; k < len(line); k++ {
			if line[k] >= 'A' && line[k] <= 'Z' && (k == 0 || line[k-1] < 'A' || line[k-1] > 'Z') && plausibleStart(string(line[k:])) {
				return start + k
			}
		}
		end = start - 1
	}
	return -1
}

func isRejection(status int) bool {
	return status >= 400 && status < 500 || status == 501 || status == 505
}

func is5xx(status int) bool { return status >= 500 && !isRejection(status) }

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Compare is the oracle: it judges what the target did with the bytes against what the
// reference sees in them. The rules, and why each avoids false positives, are in README.md
// ("Oracle rules"). The verdict is the most important disagreement found.
//
// A framing verdict in bytes the reference rejects carries the reference's rule: the target
// went on past a request it should have rejected, and a smaller case that the reference
// rejects for another reason (a minimization that drops a Host line) is another finding.
func Compare(e *Expectation, o *Observation) Verdict {
	v := compare(e, o)
	if v.Class == Framing && e.In.Error != nil {
		v.Rule = e.In.Error.Rule
	}
	return v
}

func compare(e *Expectation, o *Observation) Verdict {
	best := agree()
	note := func(v Verdict) {
		if v.worse(best) || best.Class == "" && v.Class != "" {
			best = v
		}
	}
	if o.DialErr != "" {
		return Verdict{Class: Crash, Kind: "connect", Detail: "the target refused the connection: " + o.DialErr, Standalone: -1}
	}
	R := e.In.Requests
	T := o.Answers
	for i := 0; i < len(T); i++ {
		t := T[i]
		if i < len(R) {
			v, stop := e.compareServed(i, t)
			note(v)
			if stop {
				return best
			}
			continue
		}
		note(e.compareBeyond(i, T))
		return best
	}
	note(e.compareMissing(o))
	return best
}

func v(class Class, kind, rule string, i int, format string, args ...any) Verdict {
	return Verdict{Class: class, Kind: kind, Rule: rule, Index: i, Detail: fmt.Sprintf(format, args...), Standalone: -1}
}

// compareServed judges answer i, which the reference says answers its request i.
func (e *Expectation) compareServed(i int, t Answer) (Verdict, bool) {
	r := &e.In.Requests[i]
	rid := reqID(r)
	switch {
	case t.Echo != nil:
	case isRejection(t.Status):
		if i == 0 || idRole(rid) == roleMain {
			return v(Strictness, "rejected", fmt.Sprint(t.Status), i, "the target answered %d %s to request %d (%s %s), which the reference serves", t.Status, t.Reason, i+1, r.Method, clip(r.Target, 60)), true
		}
		// A well-formed request rejected in the middle of a pipeline: either the target is
		// strict about it, or earlier bytes were left on the connection in front of it.
		// Sending it alone tells which.
		w := v(Framing, "rejected-in-pipeline", "", i, "the target answered %d %s to request %d (%s %s) in the pipeline but serves it alone: bytes of an earlier request were left in front of it", t.Status, t.Reason, i+1, r.Method, clip(r.Target, 60))
		w.Standalone = r.Start
		other := v(Strictness, "rejected", fmt.Sprint(t.Status), i, "the target answered %d %s to request %d (%s %s), which the reference serves", t.Status, t.Reason, i+1, r.Method, clip(r.Target, 60))
		w.Otherwise = &other
		return w, true
	case is5xx(t.Status):
		return v(Status5xx, "status", fmt.Sprint(t.Status), i, "the target answered %d %s to request %d, which the reference serves", t.Status, t.Reason, i+1), true
	default:
		return v(Semantic, "not-echo", fmt.Sprint(t.Status), i, "the target answered %d %s, not the probe's echo, to request %d", t.Status, t.Reason, i+1), true
	}
	te := t.Echo
	var semantic Verdict
	if te.ID != rid {
		sameRequest := te.ID != "" && e.idInRange(te.ID, r.Start, headEnd(e.Raw, r)) || te.ID == "" && te.Method == r.Method
		if !sameRequest {
			for j := i + 1; j < len(e.In.Requests); j++ {
				if reqID(&e.In.Requests[j]) == te.ID {
					return v(Framing, "skipped", "", i, "the target answered request %d (id %q) where the reference sees request %d (id %q): it took request %d as part of another one", j+1, te.ID, i+1, rid, i+1), true
				}
			}
			return e.foreign(i, te, fmt.Sprintf("where the reference sees request %d (id %q)", i+1, rid)), true
		}
		semantic = v(Semantic, "id-field", "", i, "the application saw X-Conform-Id %q for the request whose id field the reference reads as %q: the header section was parsed differently", te.ID, rid)
	}
	if te.InputError != "" {
		// What the application read before the exception may still show a framing
		// disagreement; otherwise the exception is the finding, not the body it cut short.
		if w := e.overrun(i, te); w.Class != "" {
			return w, false
		}
		return inputRaised(i, r, te), false
	}
	if w := e.compareBody(i, r, te); w.Class != "" {
		return w, false
	}
	if semantic.Class != "" {
		return semantic, false
	}
	return e.compareMeaning(i, r, e.withoutAdded(te)), false
}

// foreign judges an echo of a request that the reference does not serve at that place.
func (e *Expectation) foreign(i int, te *EchoView, where string) Verdict {
	switch idRole(te.ID) {
	case roleSmuggled:
		return v(Framing, "served-smuggled", "", i, "the target served the request hidden in a body (id %q) %s", te.ID, where)
	case 0:
		return v(Framing, "phantom", "", i, "the target served a request made of other bytes (%s %s, id %q) %s", te.Method, clip(te.Path, 60), te.ID, where)
	}
	return v(Framing, "misaligned", "", i, "the target served request id %q %s: they disagree where a request (or its header section) ends", te.ID, where)
}

// compareBody compares the body the application read with the reference's decoded body.
// The probe reads CONTENT_LENGTH bytes, or everything when wsgi.input_terminated is true,
// or nothing: a body it could not read says nothing about framing, only about the environ.
func (e *Expectation) compareBody(i int, r *reference.Request, te *EchoView) Verdict {
	if te.Mode == "none" {
		return agree() // the application never read: what the server did with the body shows in what follows
	}
	// The other modes read until wsgi.input says the end, whatever the environ announces ("":
	// a record from before read modes).
	if (te.Mode == "auto" || te.Mode == "") && !te.readable() {
		if len(r.Body) > 0 {
			if te.ReadBlocked {
				return v(Semantic, "body-unreadable", "", i, "the reference decodes a %d-byte body for request %d; the application's read of it blocked (CONTENT_LENGTH %q, wsgi.input_terminated false)", len(r.Body), i+1, te.ContentLength)
			}
			return v(Semantic, "body-unreadable", "", i, "the reference decodes a %d-byte body for request %d; the application could not read it (CONTENT_LENGTH %q, wsgi.input_terminated false)", len(r.Body), i+1, te.ContentLength)
		}
		return agree()
	}
	if te.BodyLen == int64(len(r.Body)) && te.BodySHA256 == sha(r.Body) {
		return agree()
	}
	if announced := te.InputTerminated || te.HasCL && isDecimal(te.ContentLength); !announced && te.BodyLen == 0 && len(r.Body) > 0 {
		// Read only because the Transfer-Encoding ends in chunked, and empty: the server
		// neither decoded the body nor said there was one.
		return v(Semantic, "body-unreadable", "", i, "the reference decodes a %d-byte body for request %d; the application read nothing from wsgi.input (CONTENT_LENGTH %q, wsgi.input_terminated false)", len(r.Body), i+1, te.ContentLength)
	}
	if w := e.overrun(i, te); w.Class != "" {
		return w
	}
	return v(Framing, "body", "", i, "request %d: the application read %d bytes %s; the reference's body is %d bytes %s", i+1, te.BodyLen, quoteClip(te.Body), len(r.Body), quoteClip(r.Body))
}

// overrun checks whether a body the target served runs into the bytes of a later request: the
// served bytes of one request held the start of the next.
func (e *Expectation) overrun(i int, te *EchoView) Verdict {
	if len(te.Body) == 0 {
		return agree()
	}
	from := e.idPos(te.ID)
	if from < 0 {
		return agree()
	}
	p := bytes.Index(e.Raw[from:], te.Body)
	if p < 0 {
		return agree()
	}
	p += from
	end := p + len(te.Body)
	if start := e.requestStart(from); start >= 0 && plainLength(e.Raw[start:p]) == int64(len(te.Body)) {
		// The target framed the body by a valid Content-Length, with no Transfer-Encoding:
		// exactly what the RFC says. It runs into the next request because the case's
		// Content-Length says so (a deliberately wrong length), not because the target
		// disagrees about framing.
		return agree()
	}
	for _, o := range e.IDs {
		// Requests hidden in a body are meant to be read as body by a Content-Length reader.
		if o.Pos <= from || o.ID == te.ID || idRole(o.ID) == roleSmuggled {
			continue
		}
		s := e.requestStart(o.Pos)
		if s > p && s < end {
			return v(Framing, "body-overrun", "", i, "the application read %d body bytes %s for request %d: they run %d bytes into the next request (id %q)", te.BodyLen, quoteClip(te.Body), i+1, end-s, o.ID)
		}
	}
	return agree()
}

// plainLength is the Content-Length of a request head when its framing is unambiguous: no
// Transfer-Encoding field, and Content-Length values that are all the same 1*DIGIT. -1
// otherwise.
func plainLength(head []byte) int64 {
	n := int64(-1)
	for first, rest := true, head; len(rest) > 0; first = false {
		line, _, r := nextLine(string(rest))
		rest = []byte(r)
		if first {
			continue
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "transfer-encoding":
			return -1
		case "content-length":
			for _, m := range strings.Split(value, ",") {
				m = strings.Trim(m, " \t")
				if !isDecimal(m) || len(m) > 18 {
					return -1
				}
				var k int64
				fmt.Sscan(m, &k)
				if n >= 0 && k != n {
					return -1
				}
				n = k
			}
		}
	}
	return n
}

// withoutAdded is te without the fields a front added, which the case did not send.
func (e *Expectation) withoutAdded(te *EchoView) *EchoView {
	if len(e.Added) == 0 {
		return te
	}
	c := *te
	c.Headers = make(map[string]string, len(te.Headers))
	for k, v := range te.Headers {
		if !e.Added[k] {
			c.Headers[k] = v
		}
	}
	return &c
}

// compareMeaning compares method, path, query and the set of header names.
func (e *Expectation) compareMeaning(i int, r *reference.Request, te *EchoView) Verdict {
	// First: a gateway variable set by a field also changes PATH_INFO or the method.
	if w := cgiShadow(i, r, te); w.Class != "" {
		return w
	}
	if te.Method != r.Method {
		return v(Semantic, "method", "", i, "request %d: REQUEST_METHOD %q, the reference's method is %q", i+1, te.Method, r.Method)
	}
	// Only origin-form targets without an encoded slash: PATH_INFO of other forms is left
	// to the server by PEP 3333 in practice.
	if strings.HasPrefix(r.Target, "/") && !strings.Contains(strings.ToLower(r.Target), "%2f") && !strings.ContainsAny(r.Target, "#") {
		path, query, _ := strings.Cut(r.Target, "?")
		if dec, err := url.PathUnescape(path); err == nil && te.Path != dec {
			return v(Semantic, "path", "", i, "request %d: PATH_INFO %q, the reference's is %q", i+1, te.Path, dec)
		}
		if te.Query != query {
			return v(Semantic, "query", "", i, "request %d: QUERY_STRING %q, the reference's is %q", i+1, te.Query, query)
		}
	}
	names := map[string]bool{}
	for _, f := range r.Header {
		names[envName(f.Name)] = true
	}
	for _, f := range r.Trailers {
		names[envName(f.Name)] = true
	}
	for k := range te.Headers {
		// Host may come from an absolute-form target's authority (RFC 9112 §3.2.2).
		if !names[k] && k != "HTTP_CONTENT_LENGTH" && k != "HTTP_CONTENT_TYPE" && k != "HTTP_HOST" {
			return v(Semantic, "header-injected", k, i, "request %d: the application saw %q=%q, a field the reference does not see", i+1, k, te.Headers[k])
		}
	}
	if k, want, ok := valueDiffers(r, te); ok {
		// The rule is how the value differs, not which field: one cause whatever the field.
		return v(Semantic, "header-value", valueDifference(want, te.Headers[k]), i, "request %d: the application saw %s=%q; the field's value is %q (RFC 9110 §5.5: only SP and HTAB around it are not part of it)", i+1, k, te.Headers[k], want)
	}
	return agree()
}

// valueDiffers finds a field whose value the application saw otherwise than the reference
// reads it: OWS (SP and HTAB) trimmed, an obs-fold one SP, the lines of one name combined
// with a comma and optional space. A server that strips other bytes (Python's strip()
// takes \x0b, \x0c, \x85, \xa0 too) or keeps the OWS hands the app another value. Fields
// the app did not get, Host, and names that collide as CGI variables (X-A and X_A: each
// server picks its own) are left out; whitespace runs are compared as one SP, as a server
// may replace an obs-fold by more than one (RFC 9112 §5.2).
func valueDiffers(r *reference.Request, te *EchoView) (key, want string, differs bool) {
	vals := map[string][]string{}
	spellings := map[string]map[string]bool{}
	var keys []string
	for _, f := range r.Header {
		k := envName(f.Name)
		if _, seen := vals[k]; !seen {
			keys = append(keys, k)
			spellings[k] = map[string]bool{}
		}
		vals[k] = append(vals[k], f.Value)
		spellings[k][strings.ToLower(f.Name)] = true
	}
	for _, k := range keys {
		got, ok := te.Headers[k]
		if !ok || k == "HTTP_HOST" || k == "HTTP_CONTENT_LENGTH" || k == "HTTP_CONTENT_TYPE" || len(spellings[k]) > 1 {
			continue
		}
		joined := strings.Join(vals[k], ", ")
		if got == joined || got == strings.Join(vals[k], ",") || oneSpace(got) == oneSpace(joined) || oneSpace(got) == oneSpace(strings.Join(vals[k], ",")) {
			continue
		}
		return k, joined, true
	}
	return "", "", false
}

// valueDifference names how the value the app saw differs from the field's value.
func valueDifference(want, got string) string {
	switch {
	case strings.ContainsAny(got, "\r\n") && !strings.ContainsAny(want, "\r\n"):
		return "line break kept in the value"
	case trimElements(got) == trimElements(want):
		return "OWS kept around the value"
	case strings.Contains(want, got) && got != "":
		if strings.Contains(want, ",") {
			return "repeated lines not combined"
		}
		return "bytes other than OWS stripped"
	}
	return "value changed"
}

// trimElements trims SP and HTAB around each comma-separated element of v.
func trimElements(v string) string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		parts[i] = strings.Trim(p, " \t")
	}
	return strings.Join(parts, ",")
}

// oneSpace replaces each run of SP and HTAB with one SP.
func oneSpace(s string) string {
	var b strings.Builder
	space := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ' ' || c == '\t' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteByte(s[i])
	}
	return b.String()
}

func envName(name string) string {
	return "HTTP_" + strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(name), "-", "_"))
}

// compareBeyond judges answers from index i on, where the reference has no request i.
func (e *Expectation) compareBeyond(i int, T []Answer) Verdict {
	t := T[i]
	rs := e.In.Requests
	switch {
	case e.In.Error != nil:
		pe := e.In.Error
		// (A reference deviated to answer a server error, as a diagnosis tries, agrees with a
		// target that answers the same.)
		if isRejection(t.Status) || t.Status == pe.Status {
			return e.afterRejection(i+1, T)
		}
		if is5xx(t.Status) {
			return v(Status5xx, "status", fmt.Sprint(t.Status), i, "the target answered %d %s to a request the reference rejects with %d (%s)", t.Status, t.Reason, pe.Status, pe.Rule)
		}
		if t.Echo == nil {
			return v(Semantic, "not-echo", fmt.Sprint(t.Status), i, "the target answered %d %s to a request the reference rejects with %d (%s)", t.Status, t.Reason, pe.Status, pe.Rule)
		}
		if idRole(t.Echo.ID) == roleSmuggled || idRole(t.Echo.ID) == 0 && t.Echo.ID != "" {
			return e.foreign(i, t.Echo, fmt.Sprintf("where the reference rejects the request (%s)", pe.Rule))
		}
		if w := e.overrun(i, t.Echo); w.Class != "" {
			return w
		}
		lenient := v(Leniency, "accepted", pe.Rule, i, "the target served %q %q (application read %d body bytes %s); the reference answers %d: %s (%s)", t.Echo.Method, clip(t.Echo.Path, 60), t.Echo.BodyLen, quoteClip(t.Echo.Body), pe.Status, pe.Reason, pe.Rule)
		if e.bodyRejected() {
			// A server that streams the body runs the application before it meets the fault:
			// raising from wsgi.input then is its rejection, and an application that never
			// read left the fault to the server's draining (judged by what follows).
			if t.Echo.InputError != "" || t.Echo.Mode == "none" {
				return e.afterRejection(i+1, T)
			}
			lenient = v(Input, "silent", pe.Rule, i, "the target handed the application %d body bytes %s from wsgi.input without raising, for a body the reference rejects with %d: %s (%s)", t.Echo.BodyLen, quoteClip(t.Echo.Body), pe.Status, pe.Reason, pe.Rule)
		}
		if w := e.afterLenient(i, T, lenient); w.Class != "" {
			return w
		}
		return lenient
	case e.In.Incomplete:
		if t.Echo != nil && e.Fin {
			return e.servedAtFin(i, t.Echo)
		}
		if t.Echo != nil {
			return v(Framing, "early-end", "", i, "the target served a request (%s %s, id %q, %d body bytes %s) whose bytes the reference is still receiving: it ended the request earlier", t.Echo.Method, clip(t.Echo.Path, 60), t.Echo.ID, t.Echo.BodyLen, quoteClip(t.Echo.Body))
		}
		if is5xx(t.Status) {
			return v(Status5xx, "status", fmt.Sprint(t.Status), i, "the target answered %d %s to an incomplete request", t.Status, t.Reason)
		}
		return agree()
	case len(rs) > 0 && rs[len(rs)-1].Close:
		if t.Echo == nil {
			return agree()
		}
		if r := idRole(t.Echo.ID); r == roleSmuggled || r == 0 {
			return e.foreign(i, t.Echo, "after a request that closes the connection")
		}
		return v(Leniency, "served-after-close", "rfc9112/9.3 persistence", i, "the target served request id %q after request %d, whose response must close the connection (%s)", t.Echo.ID, len(rs), rs[len(rs)-1].Proto)
	default:
		if t.Echo != nil {
			return e.foreign(i, t.Echo, "after every request the reference sees")
		}
		return v(Framing, "extra-response", "", i, "the target sent response %d (%d %s) after answering every request the reference sees", i+1, t.Status, t.Reason)
	}
}

// afterRejection judges answers after the target's rejection of the request the reference
// rejects too. Serving intended requests after it is the target's choice of where the bad
// request ended; serving a hidden one is a framing disagreement.
func (e *Expectation) afterRejection(from int, T []Answer) Verdict {
	for k := from; k < len(T); k++ {
		if te := T[k].Echo; te != nil {
			if r := idRole(te.ID); r == roleSmuggled || r == 0 {
				return e.foreign(k, te, "after rejecting the request before it")
			}
		}
	}
	return agree()
}

// afterLenient judges answers after the target served a request the reference rejects:
// what follows must be the intended requests, in order.
func (e *Expectation) afterLenient(i int, T []Answer, lenient Verdict) Verdict {
	last := e.idPos(T[i].Echo.ID)
	for k := i + 1; k < len(T); k++ {
		t := T[k]
		if t.Echo != nil {
			r := idRole(t.Echo.ID)
			p := e.idPos(t.Echo.ID)
			if (r == roleSmuggled || r == 0 || p <= last) && !(r == roleSmuggled && p > last && e.followsUndisputed(T[k-1].Echo, p)) {
				return e.foreign(k, t.Echo, "after serving the request the reference rejects")
			}
			last = p
			if w := e.overrun(k, t.Echo); w.Class != "" {
				return w
			}
			continue
		}
		if is5xx(t.Status) {
			return v(Status5xx, "status", fmt.Sprint(t.Status), k, "the target answered %d %s after serving a request the reference rejects", t.Status, t.Reason)
		}
		// A rejection of the next intended request: desync, unless the target rejects that
		// request on its own too.
		next := -1
		for _, o := range e.IDs {
			if o.Pos > last && (idRole(o.ID) == roleFollow || idRole(o.ID) == roleSentinel || idRole(o.ID) == roleMain) {
				next = e.requestStart(o.Pos)
				break
			}
		}
		if next < 0 || e.leftover(T[k-1].Echo, next) {
			return agree()
		}
		w := v(Framing, "rejected-after-lenient", "", k, "after serving a request the reference rejects, the target answered %d %s to the next request, which it serves alone: it did not end the lenient request where the next one begins", t.Status, t.Reason)
		w.Standalone = next
		w.Otherwise = &lenient
		return w
	}
	return agree()
}

// leftover says the request the target served (te) ended, by a framing no reader disputes
// (undisputedEnd), before next, with bytes between them that are not empty lines. The
// target's rejection of what follows is then its reading of the case's own stray bytes (a
// body left behind by a dropped or unrecognised Content-Length, a length one short), not a
// disagreement about where the lenient request ends. In a 30 s waitress session, most
// "rejected after lenient" findings were one leniency paired with such stray bytes.
func (e *Expectation) leftover(te *EchoView, next int) bool {
	end, ok := e.undisputedEnd(te)
	return ok && end < next && len(bytes.Trim(e.Raw[end:next], "\r\n")) > 0
}

// followsUndisputed says the request whose id is at pos begins where the request the target
// served before it (te) ends by a framing no reader disputes, empty lines aside: serving it
// is the only reading there is, even when the case meant it to hide in a body whose
// Content-Length it then dropped.
func (e *Expectation) followsUndisputed(te *EchoView, pos int) bool {
	end, ok := e.undisputedEnd(te)
	start := e.requestStart(pos)
	return ok && start >= end && len(bytes.Trim(e.Raw[end:start], "\r\n")) == 0
}

// undisputedEnd is where the request the target served (te) ends when no reader can end it
// elsewhere: every line of its head ends in CRLF, no line is or could be taken for a
// Transfer-Encoding field, every line that is or could be taken for a Content-Length says
// the length of te.Body, and te.Body is the bytes right after the blank line, as many as
// CONTENT_LENGTH says. ok is false otherwise.
func (e *Expectation) undisputedEnd(te *EchoView) (end int, ok bool) {
	if te == nil || te.InputError != "" || int64(len(te.Body)) != te.BodyLen {
		return 0, false
	}
	from := e.idPos(te.ID)
	if from < 0 {
		return 0, false
	}
	start := e.requestStart(from)
	if start < 0 {
		return 0, false
	}
	n := bytes.Index(e.Raw[start:], []byte("\r\n\r\n"))
	if n < 0 {
		return 0, false
	}
	head := e.Raw[start : start+n+4]
	if !crlfOnly(head) || !lengthAgreed(head, len(te.Body)) {
		return 0, false
	}
	body := start + len(head)
	if len(te.Body) == 0 {
		if te.HasCL && strings.Trim(te.ContentLength, "0") != "" {
			return 0, false
		}
	} else if te.ContentLength != fmt.Sprint(len(te.Body)) || !bytes.HasPrefix(e.Raw[body:], te.Body) {
		return 0, false
	}
	return body + len(te.Body), true
}

// lengthAgreed says every reader of this head frames a body of n bytes: no line is, or could
// be taken for, Transfer-Encoding (or says "chunked" without a field name of its own), and
// every line that is or could be taken for Content-Length says n, with nothing folded onto
// it; one says it when n > 0. A name counts however it is spelled: case, padding, '_' for
// '-', stray bytes, a leading space that makes it a continuation line to some readers.
func lengthAgreed(head []byte, n int) bool {
	lines := bytes.Split(head, []byte("\r\n"))
	stated, framing := false, false
	for _, line := range lines[1:] {
		if len(line) == 0 {
			break
		}
		folded := line[0] == ' ' || line[0] == '\t'
		if folded && framing {
			return false
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		chunked := bytes.Contains(bytes.ToLower(line), []byte("chunked"))
		switch {
		case !ok:
			if chunked {
				return false
			}
			framing = false
		case fieldNameLike(name, "transfer-encoding"):
			return false
		case fieldNameLike(name, "content-length"):
			if string(bytes.Trim(value, " \t")) != fmt.Sprint(n) {
				return false
			}
			stated, framing = true, true
		default:
			if folded && chunked {
				return false
			}
			framing = false
		}
	}
	return stated || n == 0
}

// fieldNameLike says name could be read as want: lower-cased, '_' as '-', and only letters
// and '-' kept.
func fieldNameLike(name []byte, want string) bool {
	var norm []byte
	for _, c := range bytes.ToLower(name) {
		if c == '_' {
			c = '-'
		}
		if c >= 'a' && c <= 'z' || c == '-' {
			norm = append(norm, c)
		}
	}
	return string(norm) == want
}

// crlfOnly says every CR and LF in b is part of a CRLF pair.
func crlfOnly(b []byte) bool {
	for i, c := range b {
		switch {
		case c == '\r' && (i+1 == len(b) || b[i+1] != '\n'):
			return false
		case c == '\n' && (i == 0 || b[i-1] != '\r'):
			return false
		}
	}
	return true
}

// compareMissing judges the end of the connection when the target sent no more answers.
func (e *Expectation) compareMissing(o *Observation) Verdict {
	served := len(o.Answers)
	rs := e.In.Requests
	open := o.End == wire.EndIdle || o.End == wire.EndDeadline || o.End == wire.EndOpen
	switch {
	case o.End == wire.EndGarbage:
		// Not a framing verdict: the request side may well agree; the response stream is broken.
		return v(Semantic, "garbage-response", "", served, "the target sent bytes that are not an HTTP/1.x response after %d responses: %s", served, o.Garbage)
	case e.Fin && !open:
		// A server may take the client's FIN for the end of the connection (RFC 9112 §9.6).
		return agree()
	case served < len(rs) && open:
		if served == 0 {
			return v(Hang, "no-response", "", 0, "no response in time (connection %s); the reference serves %d request(s)", o.End, len(rs))
		}
		return v(Framing, "stalled", "", served, "the target answered %d of the %d requests the reference sees, then waited for more bytes (connection %s): it took what follows as part of a request", served, len(rs), o.End)
	case served == 0 && len(rs) > 0:
		return v(Strictness, "closed", string(o.End), 0, "the target closed the connection (%s) without answering request 1, which the reference serves", o.End)
	case served == len(rs) && e.In.Error != nil && open:
		pe := e.In.Error
		return v(Leniency, "waits", pe.Rule, served, "the target waits for more bytes of a request the reference rejects with %d (%s): it reads the bytes that follow as that request's body", pe.Status, pe.Rule)
	}
	return agree()
}

func quoteClip(b []byte) string {
	if len(b) > 48 {
		return fmt.Sprintf("%q...", b[:48])
	}
	return fmt.Sprintf("%q", b)
}
