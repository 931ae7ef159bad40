package reports

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/spec"
)

// Capability is one line of a server's capability summary: what it does with a feature a
// WSGI deployment cares about, read off the results of the check that exercises it.
type Capability struct {
	// Name is the feature: "chunked request bodies", "keep-alive", ...
	Name string
	// Value is what the server does, in a few words: "accepted", "refused (411)",
	// "3.9 (1 process, 4 threads)", or "not tested" when the check did not run or reached
	// no verdict.
	Value string
	// Status colours the value: pass when the server does the recommended thing, warn or
	// fail when it does not, info for a neutral fact, "" when not known.
	Status string
	// Check is the ID of the check the value comes from.
	Check string
	// Short is Value in a word or a number, for the matrix grid: "yes", "411", "3.9",
	// "–" when not tested, "?" for no verdict, "~" when flaky.
	Short string
}

// Capability check IDs.
const (
	capChunked      = "rfc9112/7.1/chunked-body"
	capStreaming    = "pep3333/response/streaming-unbuffered"
	capFileWrapper  = "pep3333/response/body-bytes-unaltered"
	capExpect       = "pep3333/response/expect-continue-interim"
	capExpectBase   = "pep3333/response/expect-continue-transparent"
	capKeepAlive    = "rfc9112/9.3/persistent-by-default"
	capPipelining   = "rfc9112/9.3.2/pipelined-responses-in-order"
	capConcurrency  = "conform/concurrency/blocking-capacity"
	capUnderscores  = "pep3333/environ/underscore-header-no-collision"
	capTerminated   = "wsgi.input_terminated"
	notTested       = "not tested"
	unknownVerdict  = "unknown"
	flakyCapability = "unclear (flaky)"
)

// CapabilityNames lists the summary's lines in order.
var CapabilityNames = []string{
	"chunked request bodies",
	"wsgi.input_terminated",
	"streaming responses",
	"wsgi.file_wrapper",
	"Expect: 100-continue",
	"keep-alive",
	"pipelining",
	"concurrency",
	"header underscores",
}

// behaviour is the result's Facts.Behaviour, "" without facts.
func behaviour(res *Result) string {
	if res.Facts == nil {
		return ""
	}
	return res.Facts.Behaviour
}

// concurrency is the result's measured concurrency, nil without it.
func concurrency(res *Result) *spec.Concurrency {
	if res.Facts == nil {
		return nil
	}
	return res.Facts.Concurrency
}

// Capabilities summarises what the target does, one line per CapabilityNames entry, from
// the report's results alone (so it works on a report read back from JSON). A feature
// whose check did not run, was skipped for another reason or reached no verdict reads
// "not tested".
func Capabilities(r *Report) []Capability {
	byID := map[string]*Result{}
	for i := range r.Results {
		res := &r.Results[i]
		if _, dup := byID[res.ID]; !dup {
			byID[res.ID] = res
		}
	}
	// A report written before a check was renamed names it by its old ID.
	for _, c := range spec.All() {
		for _, a := range c.Aliases {
			if res, ok := byID[a]; ok {
				if _, has := byID[c.ID]; !has {
					byID[c.ID] = res
				}
			}
		}
	}
	out := make([]Capability, 0, len(CapabilityNames))
	add := func(name, id, value, status string) {
		out = append(out, Capability{Name: name, Value: value, Status: status, Check: id, Short: shortValue(value)})
	}
	// verdict reads a check's status: ok is false (and value says why) when the check
	// reached no verdict.
	verdict := func(id string) (res *Result, value string, ok bool) {
		res = byID[id]
		switch {
		case res == nil:
			return nil, notTested, false
		case res.Status == string(spec.Flaky):
			return res, flakyCapability, false
		case res.Status == string(spec.Error):
			return res, unknownVerdict, false
		case res.Status == string(spec.Skip):
			return res, notTested, false
		}
		return res, "", true
	}

	// Chunked request bodies.
	if res, v, ok := verdict(capChunked); !ok {
		add(CapabilityNames[0], capChunked, v, "")
	} else {
		switch behaviour(res) {
		case spec.BehaviourDecoded:
			add(CapabilityNames[0], capChunked, "accepted", "pass")
		case spec.BehaviourRefused411:
			add(CapabilityNames[0], capChunked, "refused (411 Length Required)", "info")
		case spec.BehaviourRefused:
			add(CapabilityNames[0], capChunked, "refused", res.Status)
		case spec.BehaviourNotRead:
			add(CapabilityNames[0], capChunked, "not decoded (the app sees no body)", res.Status)
		case spec.BehaviourMangled:
			add(CapabilityNames[0], capChunked, "mangled (the app reads the wrong body)", res.Status)
		default:
			add(CapabilityNames[0], capChunked, unknownVerdict, "")
		}
	}

	// wsgi.input_terminated, as the probe saw it: in the chunked request's environ
	// (where it matters), else in any echo.
	id, v, st := inputTerminatedSource(r, byID)
	add(CapabilityNames[1], id, v, st)

	// Streaming.
	if res, v, ok := verdict(capStreaming); !ok {
		add(CapabilityNames[2], capStreaming, v, "")
	} else if res.Status == string(spec.Pass) {
		add(CapabilityNames[2], capStreaming, "unbuffered", "pass")
	} else {
		add(CapabilityNames[2], capStreaming, "buffered", res.Status)
	}

	// wsgi.file_wrapper: the probe says in a response header whether it found one.
	if res := byID[capFileWrapper]; res == nil {
		add(CapabilityNames[3], capFileWrapper, notTested, "")
	} else if fw := fileWrapper(res); fw != "" {
		st := "info"
		if fw == "used" {
			st = "pass"
		}
		add(CapabilityNames[3], capFileWrapper, map[string]string{"used": "provided", "absent": "absent"}[fw], st)
	} else {
		add(CapabilityNames[3], capFileWrapper, notTested, "")
	}

	// Expect: 100-continue.
	if res, v, ok := verdict(capExpect); !ok {
		if base := byID[capExpectBase]; res != nil && res.Status == string(spec.Skip) && base != nil && base.Status == string(spec.Fail) {
			add(CapabilityNames[4], capExpectBase, "broken (the request is not served)", "fail")
		} else {
			add(CapabilityNames[4], capExpect, v, "")
		}
	} else if res.Status == string(spec.Pass) {
		add(CapabilityNames[4], capExpect, "100 Continue sent", "pass")
	} else {
		add(CapabilityNames[4], capExpect, "no 100 Continue (the client waits)", res.Status)
	}

	// Keep-alive.
	if res, v, ok := verdict(capKeepAlive); !ok {
		add(CapabilityNames[5], capKeepAlive, v, "")
	} else if res.Status == string(spec.Pass) {
		add(CapabilityNames[5], capKeepAlive, "yes", "pass")
	} else {
		add(CapabilityNames[5], capKeepAlive, "no (a connection per request)", res.Status)
	}

	// Pipelining.
	if res, v, ok := verdict(capPipelining); !ok {
		add(CapabilityNames[6], capPipelining, v, "")
	} else {
		switch {
		case res.Status != string(spec.Pass):
			add(CapabilityNames[6], capPipelining, "broken (responses lost or out of order)", res.Status)
		case behaviour(res) == spec.BehaviourClosesEarly:
			add(CapabilityNames[6], capPipelining, "no (closes after the first; safe)", "info")
		case behaviour(res) == spec.BehaviourInOrder:
			add(CapabilityNames[6], capPipelining, "yes, in order", "pass")
		default:
			add(CapabilityNames[6], capPipelining, unknownVerdict, "")
		}
	}

	// Concurrency.
	if res, v, ok := verdict(capConcurrency); !ok {
		add(CapabilityNames[7], capConcurrency, v, "")
	} else if c := concurrency(res); c != nil {
		st := "pass"
		if res.Status != string(spec.Pass) {
			st = "info"
		}
		add(CapabilityNames[7], capConcurrency, fmt.Sprintf("%.1f (%s, %s)", c.Effective, plural(c.Processes, "process", "processes"), plural(c.Threads, "thread", "threads")), st)
	} else {
		add(CapabilityNames[7], capConcurrency, unknownVerdict, "")
	}

	// Header underscores.
	if res, v, ok := verdict(capUnderscores); !ok {
		add(CapabilityNames[8], capUnderscores, v, "")
	} else if res.Status == string(spec.Pass) {
		add(CapabilityNames[8], capUnderscores, "kept apart (X_A cannot pose as X-A)", "pass")
	} else {
		add(CapabilityNames[8], capUnderscores, "merged (X_A can pose as X-A)", res.Status)
	}
	return out
}

// shortValue is a capability value in a word: its first word, with the words the
// summary uses turned into yes and no.
func shortValue(v string) string {
	switch v {
	case notTested:
		return "–"
	case unknownVerdict:
		return "?"
	case flakyCapability:
		return "~"
	case "accepted", "unbuffered", "provided", "100 Continue sent", "yes, in order", "True":
		return "yes"
	case "refused (411 Length Required)":
		return "411"
	case "not decoded (the app sees no body)":
		return "no"
	}
	w, _, _ := strings.Cut(v, " ")
	switch w {
	case "kept":
		return "apart"
	case "no", "absent":
		return "no"
	}
	return w
}

// inputTerminatedSource reads wsgi.input_terminated from the probe's echo of the chunked
// request, or of any other check.
func inputTerminatedSource(r *Report, byID map[string]*Result) (string, string, string) {
	try := func(res *Result) (string, bool) {
		for _, e := range res.Evidence {
			if echo := echoIn(e.Response); echo != nil {
				v, ok := echo.Env(capTerminated)
				switch {
				case !ok:
					return "absent", true
				case v.Value == "True":
					return "True", true
				default:
					return v.Value, true
				}
			}
		}
		return "", false
	}
	if res := byID[capChunked]; res != nil {
		if v, ok := try(res); ok {
			return capChunked, v, terminatedStatus(v)
		}
	}
	for i := range r.Results {
		if v, ok := try(&r.Results[i]); ok {
			return r.Results[i].ID, v, terminatedStatus(v)
		}
	}
	return capChunked, notTested, ""
}

func terminatedStatus(v string) string {
	if v == "True" {
		return "pass"
	}
	return "info"
}

// fileWrapper reads the probe's X-Conform-File-Wrapper header ("used" or "absent") from a
// check's evidence.
func fileWrapper(res *Result) string {
	for _, e := range res.Evidence {
		if h := headerIn(e.Response, "X-Conform-File-Wrapper"); h == "used" || h == "absent" {
			return h
		}
	}
	return ""
}

// headerIn returns the first value of a header in the first response of raw bytes.
func headerIn(raw []byte, name string) string {
	head, _, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		return ""
	}
	for _, line := range strings.Split(string(head), "\r\n")[1:] {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// echoIn decodes the probe's echo from the first response in raw bytes (Content-Length,
// chunked or close-delimited), or returns nil.
func echoIn(raw []byte) *probes.Echo {
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok || !bytes.HasPrefix(head, []byte("HTTP/1.")) {
		return nil
	}
	if te := headerIn(raw, "Transfer-Encoding"); strings.Contains(strings.ToLower(te), "chunked") {
		body = dechunk(body)
	} else if cl, err := strconv.Atoi(headerIn(raw, "Content-Length")); err == nil && cl >= 0 && cl <= len(body) {
		body = body[:cl]
	}
	e, err := probes.Decode(body)
	if err != nil {
		return nil
	}
	return e
}

// dechunk decodes a chunked body, leniently: it stops at the last chunk or at anything it
// cannot read.
func dechunk(b []byte) []byte {
	var out []byte
	for {
		line, rest, ok := bytes.Cut(b, []byte("\r\n"))
		if !ok {
			return out
		}
		size, err := strconv.ParseInt(strings.TrimSpace(string(bytes.SplitN(line, []byte(";"), 2)[0])), 16, 64)
		if err != nil || size <= 0 || size > int64(len(rest)) {
			return out
		}
		out = append(out, rest[:size]...)
		b = bytes.TrimPrefix(rest[size:], []byte("\r\n"))
	}
}
