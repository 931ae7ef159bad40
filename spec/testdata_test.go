package spec

// Builders for recorded observations: echo documents as probe.py writes them, HTTP/1.x
// responses as servers send them, and exchanges replayed through the real wire reader.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// ---------------------------------------------------------------------------------------
// environ values, as describe_value in probe.py reports them

// envStr is a native str holding the Python text s (a Go UTF-8 string of code points):
// latin1 and b64 are set only when every code point is below U+0100.
func envStr(s string) probes.EnvValue {
	v := probes.EnvValue{Type: "str", Native: true, Value: s}
	raw := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return v
		}
		raw = append(raw, byte(r))
	}
	v.Latin1 = true
	if len(raw) > 0 {
		v.B64 = base64.StdEncoding.EncodeToString(raw)
	}
	return v
}

// envBytes is a native str carrying the bytes b one code point per byte: the "bytes in a
// str" PEP 3333 asks for.
func envBytes(b string) probes.EnvValue {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		sb.WriteRune(rune(b[i]))
	}
	return envStr(sb.String())
}

// envObj is a non-str value shown by its repr.
func envObj(typ, repr string) probes.EnvValue {
	return probes.EnvValue{Type: typ, Value: repr}
}

func envBool(b bool) probes.EnvValue {
	if b {
		return envObj("bool", "True")
	}
	return envObj("bool", "False")
}

// ---------------------------------------------------------------------------------------
// echo documents

// echoOpt changes a conforming echo document into the one a case needs.
type echoOpt func(e *probes.Echo)

// echoFor is the echo a conforming threaded server (waitress-like) gives the probe for a
// request: every CGI key, the wsgi.* keys with their Python types, the two headers conform
// always sends, an OS environment variable (allowed, untyped), and no body read.
func echoFor(method, path, query string, opts ...echoOpt) *probes.Echo {
	e := &probes.Echo{
		Probe: "conform-probe", Version: probes.Version, Python: "3.11.2", ID: "c1",
		Scenario: "echo", PID: 4242, Thread: 140230412576448,
		TStart: 1767225600.125, TEnd: 1767225600.127,
		Environ: map[string]probes.EnvValue{
			"REQUEST_METHOD":        envStr(method),
			"SCRIPT_NAME":           envStr(""),
			"PATH_INFO":             envBytes(path),
			"QUERY_STRING":          envBytes(query),
			"SERVER_NAME":           envStr("localhost"),
			"SERVER_PORT":           envStr("8000"),
			"SERVER_PROTOCOL":       envStr("HTTP/1.1"),
			"SERVER_SOFTWARE":       envStr("waitress"),
			"REMOTE_ADDR":           envStr("127.0.0.1"),
			"REMOTE_HOST":           envStr("127.0.0.1"),
			"REMOTE_PORT":           envStr("51734"),
			"HTTP_HOST":             envStr("127.0.0.1:8000"),
			"HTTP_X_CONFORM_ID":     envStr("c1"),
			"PATH":                  envStr("/usr/local/bin:/usr/bin:/bin"),
			"wsgi.version":          envObj("tuple", "(1, 0)"),
			"wsgi.url_scheme":       envStr("http"),
			"wsgi.input":            envObj("ReadOnlyFileBasedBuffer", "<waitress.buffers.ReadOnlyFileBasedBuffer object at 0x7f5c3a1e2d10>"),
			"wsgi.errors":           envObj("TextIOWrapper", "<_io.TextIOWrapper name='<stderr>' mode='w' encoding='utf-8'>"),
			"wsgi.multithread":      envBool(true),
			"wsgi.multiprocess":     envBool(false),
			"wsgi.run_once":         envBool(false),
			"wsgi.file_wrapper":     envObj("type", "<class 'waitress.buffers.ReadOnlyFileBasedBuffer'>"),
			"wsgi.input_terminated": envBool(true),
		},
		Input:         probes.Input{Mode: "auto", SHA256: sha256Hex("")},
		InputMethods:  map[string]bool{"read": true, "readline": true, "readlines": true, "__iter__": true},
		ErrorsMethods: map[string]bool{"write": true, "writelines": true, "flush": true},
		Result:        map[string]interface{}{},
	}
	uri := path
	if query != "" {
		uri += "?" + query
	}
	e.Environ["REQUEST_URI"] = envBytes(uri)
	if strings.HasPrefix(path, probes.Prefix) {
		e.Scenario = strings.SplitN(strings.TrimPrefix(path, probes.Prefix), "/", 2)[0]
	}
	for _, o := range opts {
		o(e)
	}
	return e
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// echoJSON serialises an echo document as probe.py does: sorted keys, ensure_ascii.
func echoJSON(e *probes.Echo) []byte {
	b, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	// Through a generic value, so every object's keys come out sorted.
	var generic interface{}
	if err := json.Unmarshal(b, &generic); err != nil {
		panic(err)
	}
	if b, err = json.Marshal(generic); err != nil {
		panic(err)
	}
	var out bytes.Buffer
	for _, r := range string(b) {
		switch {
		case r < utf8.RuneSelf:
			out.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&out, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
	}
	return out.Bytes()
}

// echoBody is the JSON of echoFor(...).
func echoBody(method, path, query string, opts ...echoOpt) []byte {
	return echoJSON(echoFor(method, path, query, opts...))
}

// env sets environ entries: key, value, key, value...
func env(kv ...interface{}) echoOpt {
	return func(e *probes.Echo) {
		for i := 0; i+1 < len(kv); i += 2 {
			k := kv[i].(string)
			switch v := kv[i+1].(type) {
			case probes.EnvValue:
				e.Environ[k] = v
			case string:
				e.Environ[k] = envBytes(v)
			default:
				panic(fmt.Sprintf("env %s: %T", k, v))
			}
		}
	}
}

// drop removes environ keys.
func drop(keys ...string) echoOpt {
	return func(e *probes.Echo) {
		for _, k := range keys {
			delete(e.Environ, k)
		}
	}
}

// input records how the probe read the body: the mode, what it read, and the calls made
// (one read(n) per call size given, or a single read of everything when none are).
func input(mode, data string, calls ...probes.InputCall) echoOpt {
	return func(e *probes.Echo) {
		e.Input.Mode = mode
		e.Input.Length = int64(len(data))
		e.Input.SHA256 = sha256Hex(data)
		e.Input.B64 = base64.StdEncoding.EncodeToString([]byte(data))
		if calls == nil {
			n := len(data)
			calls = []probes.InputCall{{Op: "read", Arg: &n, Got: len(data)}}
		}
		e.Input.Calls = calls
	}
}

func call(op string, arg int, got int) probes.InputCall {
	if arg < 0 {
		return probes.InputCall{Op: op, Got: got}
	}
	return probes.InputCall{Op: op, Arg: &arg, Got: got}
}

func inputError(msg string) echoOpt { return func(e *probes.Echo) { e.Input.Error = msg } }

func afterEOF(n int) echoOpt { return func(e *probes.Echo) { e.Input.AfterEOF = &n } }

// result sets the scenario outcome: key, value, key, value...
func result(kv ...interface{}) echoOpt {
	return func(e *probes.Echo) {
		for i := 0; i+1 < len(kv); i += 2 {
			e.Result[kv[i].(string)] = kv[i+1]
		}
	}
}

// ranOn says which process and thread ran the request, and when (Unix seconds).
func ranOn(pid int, thread int64, from, to float64) echoOpt {
	return func(e *probes.Echo) { e.PID, e.Thread, e.TStart, e.TEnd = pid, thread, from, to }
}

func flags(multithread, multiprocess bool) echoOpt {
	return env("wsgi.multithread", envBool(multithread), "wsgi.multiprocess", envBool(multiprocess))
}

// ---------------------------------------------------------------------------------------
// responses

const dateLine = "Date: Thu, 01 Jan 2026 00:00:00 GMT"

// httpResp is a response as a server writes it: status line (HTTP/1.1 unless status gives
// the protocol), Server and Date, the given header lines, the empty line and the body bytes
// exactly.
func httpResp(status string, headers []string, body string) string {
	var b strings.Builder
	if !strings.HasPrefix(status, "HTTP/") {
		status = "HTTP/1.1 " + status
	}
	b.WriteString(status + "\r\n")
	b.WriteString("Server: waitress\r\n" + dateLine + "\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return b.String()
}

// withLength is httpResp with a Content-Length for the body.
func withLength(status string, headers []string, body string) string {
	return httpResp(status, append(headers, fmt.Sprintf("Content-Length: %d", len(body))), body)
}

// okJSON wraps a JSON body in an HTTP/1.1 200 OK with Content-Length.
func okJSON(body []byte, headers ...string) string {
	return jsonResp("200 OK", body, headers...)
}

func jsonResp(status string, body []byte, headers ...string) string {
	return withLength(status, append([]string{"Content-Type: application/json"}, headers...), string(body))
}

// okEcho is the 200 answer carrying echoBody(...).
func okEcho(method, path, query string, opts ...echoOpt) string {
	return okJSON(echoBody(method, path, query, opts...))
}

func textResp(status, body string, headers ...string) string {
	return withLength(status, append([]string{"Content-Type: text/plain"}, headers...), body)
}

// badRequest is a typical 400 refusal, closing the connection.
func badRequest() string {
	return textResp("400 Bad Request", "Bad Request\n\n(generated by waitress)", "Connection: close")
}

// chunked encodes blocks in the chunked coding, with the last chunk and no trailers.
func chunked(blocks ...string) string {
	var b strings.Builder
	for _, s := range blocks {
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(s), s)
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

// ---------------------------------------------------------------------------------------
// requests (what the check sends, for realistic evidence)

var recTarget = &Target{Addr: "127.0.0.1:8000"}

func reqGet(target string, fields ...string) []byte { return recTarget.get(target, fields...) }

// ---------------------------------------------------------------------------------------
// exchanges and observations

// script is a check's script: the request in one write, n responses awaited, lingering
// after them (as exchange and pipeline do) when linger is set.
func script(req []byte, n int, linger bool, head ...bool) wire.Script {
	s := wire.Script{Steps: []wire.Step{{Data: req}}, Responses: n, Head: head, IdleTimeout: 2 * time.Second}
	if linger {
		s.Linger = 150 * time.Millisecond
	}
	return s
}

// replayed parses what a server sent through the real reader.
func replayed(label string, s wire.Script, received string, closed bool) *Conn {
	return &Conn{Label: label, Exchange: wire.Replay([]byte(received), s, closed)}
}

// exch is the common shape: one request (exchange), one response awaited, linger.
func exch(req []byte, received string, closed bool) *Conn {
	return replayed("request", script(req, 1, true), received, closed)
}

// pipe is pipeline(n): requests back to back, n responses awaited, linger.
func pipe(n int, req []byte, received string, closed bool) *Conn {
	return replayed("request", script(req, n, true), received, closed)
}

// once awaits one response without lingering.
func once(req []byte, received string, closed bool) *Conn {
	return replayed("request", script(req, 1, false), received, closed)
}

func obs(conns ...*Conn) *Observation {
	return &Observation{Conns: conns, Values: map[string]float64{}}
}

// withValues sets Observation.Values: key, value, key, value...
func withValues(o *Observation, kv ...interface{}) *Observation {
	for i := 0; i+1 < len(kv); i += 2 {
		o.Values[kv[i].(string)] = kv[i+1].(float64)
	}
	return o
}

// part is a run of received bytes and when it arrived.
type part struct {
	data string
	at   time.Duration
}

// replayTimed replays the parts as one stream, then rewrites the arrival times the replay
// measured (all near zero) to the recorded ones: Reads, each response's HeadAt and EndAt,
// and the exchange's EndAt. It is how a recorded timing is given back to a Judge.
func replayTimed(label string, s wire.Script, closed bool, parts ...part) *Conn {
	var all strings.Builder
	for _, p := range parts {
		all.WriteString(p.data)
	}
	c := replayed(label, s, all.String(), closed)
	x := c.Exchange
	x.Reads = nil
	off := 0
	for _, p := range parts {
		if len(p.data) > 0 {
			x.Reads = append(x.Reads, wire.Read{Off: off, N: len(p.data), At: p.at})
		}
		off += len(p.data)
	}
	at := func(o int) time.Duration {
		for _, rd := range x.Reads {
			if o >= rd.Off && o < rd.Off+rd.N {
				return rd.At
			}
		}
		return parts[len(parts)-1].at
	}
	for _, r := range x.Responses {
		head := bytes.Index(x.Raw[r.Start:], []byte("\r\n\r\n"))
		r.HeadAt = at(r.Start + head + 3)
		r.EndAt = at(r.End - 1)
	}
	x.EndAt = parts[len(parts)-1].at + time.Millisecond
	return c
}

// timedEcho is one connection of a concurrency observation: started at `at` from the start
// of the observation, its whole response arriving `after` later.
func timedEcho(label string, req []byte, at, after time.Duration, received string) *Conn {
	s := script(req, 1, false)
	c := replayTimed(label, s, true, part{received, after})
	c.At = at
	return c
}

// sec converts a duration from a common origin to a probe timestamp.
func sec(d time.Duration) float64 { return 1767225600 + d.Seconds() }
