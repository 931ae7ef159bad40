package reference

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
)

// probeApp is probes/probe.py written in Go against the gateway of gateway.go: the same
// scenarios (PROTOCOL.md), the same parameter checks, the same calls in the same order, the
// same echo document. Comments name the probe.py function each part mirrors.

// Caps of probe.py.
const (
	probeMaxBody     = 16 << 20
	probeMaxB64      = 65536
	probeMaxChunks   = 1000
	probeMaxSize     = 1 << 20
	probeMaxDelayMS  = 60000
	probeExcRoom     = 256
	probeUnknownText = "Unknown"
)

// badRequest is probe.py's BadRequest: a parameter the probe cannot honour, answered with
// 400 and one line of text.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

// probeRequest is probe.py's Request.
type probeRequest struct {
	x        *exchange
	path     string
	query    string
	params   map[string]string // parse_qsl(query, keep_blank_values=True, encoding="latin-1"), first value
	scenario string
	input    probes.Input
}

var jsonScenarios = map[string]func(*probeRequest) (*appIter, error){
	"echo":                    (*probeRequest).echo,
	"start-response-twice":    (*probeRequest).startResponseTwice,
	"exc-info-before-headers": (*probeRequest).excInfoBeforeHeaders,
	"header-value":            (*probeRequest).headerValue,
	"hop-by-hop":              (*probeRequest).hopByHop,
	"sleep":                   (*probeRequest).sleep,
	"close-status":            (*probeRequest).closeStatus,
	"errors":                  (*probeRequest).errors,
}

var otherScenarios = map[string]func(*probeRequest) (*appIter, error){
	"exc-info-after-headers": (*probeRequest).excInfoAfterHeaders,
	"empty-then-error":       (*probeRequest).emptyThenError,
	"lazy-start":             (*probeRequest).lazyStart,
	"no-start-response":      (*probeRequest).noStartResponse,
	"write-then-iterable":    (*probeRequest).writeThenIterable,
	"stream":                 (*probeRequest).stream,
	"content-length":         (*probeRequest).contentLength,
	"close":                  (*probeRequest).close,
	"status":                 (*probeRequest).status,
	"no-content-length":      (*probeRequest).noContentLength,
	"file-wrapper":           (*probeRequest).fileWrapper,
}

// probeApp is app(environ, start_response).
func probeApp(x *exchange) (*appIter, error) {
	req := &probeRequest{x: x}
	req.path, _ = x.env.text("PATH_INFO")
	req.query, _ = x.env.text("QUERY_STRING")
	req.params = parseQuery(req.query)
	req.scenario = "echo"
	if strings.HasPrefix(req.path, probes.Prefix) {
		req.scenario, _, _ = strings.Cut(req.path[len(probes.Prefix):], "/")
	}
	handler, isJSON := jsonScenarios[req.scenario]
	if !isJSON {
		var ok bool
		if handler, ok = otherScenarios[req.scenario]; !ok {
			return req.textAnswer("404 Not Found", "unknown conform scenario: "+req.scenario+"\n")
		}
	}
	var it *appIter
	var err error
	if isJSON {
		err = req.prepareInput()
	}
	if err == nil {
		it, err = handler(req)
	}
	var br *badRequest
	if errors.As(err, &br) {
		return req.textAnswer("400 Bad Request", br.msg+"\n")
	}
	return it, err
}

// parseQuery is parse_qsl(qs, keep_blank_values=True, encoding="latin-1") keeping the first
// value of each name. Values are byte strings (the latin-1 encoding of probe.py's str).
func parseQuery(qs string) map[string]string {
	q := map[string]string{}
	raw, _ := latin1Bytes(qs)
	for _, part := range strings.Split(string(raw), "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k = percentDecode(strings.ReplaceAll(k, "+", " "))
		v = percentDecode(strings.ReplaceAll(v, "+", " "))
		if _, ok := q[k]; !ok {
			q[k] = v
		}
	}
	return q
}

// pyASCII is Python's ascii() of a latin-1 string.
func pyASCII(s string) string {
	r := pyBytesRepr([]byte(s))
	return r[1:]
}

// text is Request.text.
func (r *probeRequest) text(name string, def *string) (string, error) {
	if v, ok := r.params[name]; ok {
		return v, nil
	}
	if def == nil {
		return "", &badRequest{"missing parameter " + name}
	}
	return *def, nil
}

// rawText is Request.raw_text: percent-decoding alone, so a literal "+" stays "+".
func (r *probeRequest) rawText(name string) (string, error) {
	raw, _ := latin1Bytes(r.query)
	for _, part := range strings.Split(string(raw), "&") {
		k, v, _ := strings.Cut(part, "=")
		if percentDecode(k) == name {
			return percentDecode(v), nil
		}
	}
	return "", &badRequest{"missing parameter " + name}
}

// integer is Request.integer.
func (r *probeRequest) integer(name string, low, high int, def ...int) (int, error) {
	var d *string
	if len(def) > 0 {
		s := strconv.Itoa(def[0])
		d = &s
	}
	v, err := r.text(name, d)
	if err != nil {
		return 0, err
	}
	n, perr := strconv.Atoi(v)
	if !isDecimal(v) || perr != nil || n < low || n > high {
		return 0, &badRequest{fmt.Sprintf("bad parameter %s=%s: want an integer from %d to %d", name, pyASCII(v), low, high)}
	}
	return n, nil
}

// token is Request.token: [A-Za-z0-9_-]{1,64}.
func (r *probeRequest) token() (string, error) {
	v, err := r.text("token", nil)
	if err != nil {
		return "", err
	}
	ok := len(v) >= 1 && len(v) <= 64
	for i := 0; ok && i < len(v); i++ {
		c := v[i]
		ok = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || isDigit(c) || c == '_' || c == '-'
	}
	if !ok {
		return "", &badRequest{"bad parameter token=" + pyASCII(v) + ": want 1 to 64 of A-Z a-z 0-9 _ -"}
	}
	return v, nil
}

// prepareInput is Request.prepare_input: validate read/eof, then read wsgi.input.
func (r *probeRequest) prepareInput() error {
	auto := "auto"
	spec, err := r.text("read", &auto)
	if err != nil {
		return err
	}
	mode, size, err := parseReadMode(spec)
	if err != nil {
		return err
	}
	zero := "0"
	eof, err := r.text("eof", &zero)
	if err != nil {
		return err
	}
	if eof != "0" && eof != "1" {
		return &badRequest{"bad parameter eof=" + pyASCII(eof) + ": want 0 or 1"}
	}
	r.input, err = readInput(r.x, spec, mode, size, eof == "1")
	return err
}

// parseReadMode is parse_read_mode: (auto|readn|readlines|readline|read|iter|none)(:N)?.
func parseReadMode(spec string) (mode string, size int, err error) {
	mode, digits, hasDigits := strings.Cut(spec, ":")
	switch mode {
	case "auto", "readn", "readlines", "readline", "read", "iter", "none":
	default:
		return "", 0, &badRequest{"bad parameter read=" + pyASCII(spec) + ": want auto, read, readn:N, readline, readline:N, readlines, iter or none"}
	}
	if hasDigits && !isDecimal(digits) {
		return "", 0, &badRequest{"bad parameter read=" + pyASCII(spec) + ": want auto, read, readn:N, readline, readline:N, readlines, iter or none"}
	}
	if !hasDigits && mode == "readn" || hasDigits && mode != "readn" && mode != "readline" {
		return "", 0, &badRequest{"bad parameter read=" + pyASCII(spec) + ": readn needs :N, readline may take it, other modes take none"}
	}
	if !hasDigits {
		return mode, -1, nil
	}
	size, perr := strconv.Atoi(digits)
	if perr != nil || size < 1 || size > probeMaxBody {
		return "", 0, &badRequest{fmt.Sprintf("bad parameter read=%s: N must be from 1 to %d", pyASCII(spec), probeMaxBody)}
	}
	return mode, size, nil
}

// document is Request.document.
func (r *probeRequest) document(result map[string]any) probes.Echo {
	x := r.x
	if result == nil {
		result = map[string]any{}
	}
	id, _ := x.env.text("HTTP_X_CONFORM_ID")
	_, hasErrors := x.env.m["wsgi.errors"]
	pid := os.Getpid()
	if x.dev.DenyMultiprocess && x.c.id%2 == 0 {
		pid++ // the emulated second worker process serves every other connection
	}
	return probes.Echo{
		Probe:    "conform-probe",
		Version:  probes.Version,
		Python:   "conform-reference (" + runtime.Version() + ")",
		ID:       id,
		Scenario: r.scenario,
		PID:      pid,
		Thread:   x.thread,
		TStart:   unixSeconds(x.tStart),
		Environ:  x.env.echo(),
		Input:    r.input,
		InputMethods: map[string]bool{"read": x.inputHas("read"), "readline": x.inputHas("readline"),
			"readlines": x.inputHas("readlines"), "__iter__": x.inputHas("__iter__")},
		ErrorsMethods: map[string]bool{"write": hasErrors, "writelines": hasErrors, "flush": hasErrors},
		Result:        result,
		TEnd:          unixSeconds(time.Now()),
		Invocation:    r.appCall(),
	}
}

// dumps is json.dumps(doc, sort_keys=True) (compact: the reference's own separators).
func dumps(e probes.Echo) []byte {
	if e.Result == nil {
		e.Result = map[string]any{}
	}
	if e.Input.Calls == nil {
		e.Input.Calls = []probes.InputCall{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		panic(err) // the document holds only strings, numbers, booleans and maps of them
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func withResult(e probes.Echo, result map[string]any) probes.Echo {
	e.Result = result
	return e
}

// fixedLengthBody is fixed_length_body: the body for result padded with spaces to length,
// the exception text cut if it does not fit.
func fixedLengthBody(doc probes.Echo, result map[string]any, length int) []byte {
	body := dumps(withResult(doc, result))
	if exc, _ := result["exception"].(string); len(body) > length && exc != "" {
		cut := []rune(exc)
		for len(cut) > 0 {
			cut = cut[:len(cut)-1]
			r2 := map[string]any{}
			for k, v := range result {
				r2[k] = v
			}
			r2["exception"] = string(cut)
			if body = dumps(withResult(doc, r2)); len(body) <= length {
				break
			}
		}
	}
	return append(body, bytes.Repeat([]byte(" "), max(0, length-len(body)))...)
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }

func (r *probeRequest) start(status string, h *headerList, exc error) (func([]byte) error, error) {
	return r.x.startResponse(status, h, exc)
}

func headers(fs ...Field) *headerList { return &headerList{f: fs} }

var (
	jsonType = Field{"Content-Type", "application/json"}
	textType = Field{"Content-Type", "text/plain"}
)

func contentLength(n int) Field { return Field{"Content-Length", strconv.Itoa(n)} }

// textAnswer is text_answer: the text encoded as latin-1 ("?" for other characters).
func (r *probeRequest) textAnswer(status, text string) (*appIter, error) {
	b := make([]byte, 0, len(text))
	for _, c := range text {
		if c > 0xff {
			c = '?'
		}
		b = append(b, byte(c))
	}
	if _, err := r.start(status, headers(textType, contentLength(len(b))), nil); err != nil {
		return nil, err
	}
	return listIter(b), nil
}

// jsonAnswer is json_answer.
func (r *probeRequest) jsonAnswer(doc probes.Echo, status string) (*appIter, error) {
	body := dumps(doc)
	if _, err := r.start(status, headers(jsonType, contentLength(len(body))), nil); err != nil {
		return nil, err
	}
	return listIter(body), nil
}

// pyException returns the "TypeName: message" text of an exception raised by the gateway,
// and whether it is one the application can catch (not a broken connection or a body that
// could not be received).
func pyException(err error) (string, bool) {
	var pe *pyError
	if errors.As(err, &pe) {
		return pe.Error(), true
	}
	return "", false
}

// ---- scenarios answering with the echo document ----

func (r *probeRequest) echo() (*appIter, error) { return r.jsonAnswer(r.document(nil), "200 OK") }

func (r *probeRequest) startResponseTwice() (*appIter, error) {
	doc := r.document(nil)
	worst := map[string]any{"second_call": "returned", "exception": strings.Repeat("x", probeExcRoom)}
	length := len(dumps(withResult(doc, worst)))
	hdrs := func(call string) *headerList {
		return headers(jsonType, contentLength(length), Field{"X-Conform-Call", call})
	}
	if _, err := r.start("200 OK", hdrs("first"), nil); err != nil {
		return nil, err
	}
	result := map[string]any{"second_call": "returned", "exception": ""}
	if _, err := r.start("299 Second", hdrs("second"), nil); err != nil {
		text, ok := pyException(err)
		if !ok {
			return nil, err
		}
		result = map[string]any{"second_call": "raised", "exception": text}
	}
	return listIter(fixedLengthBody(doc, result, length)), nil
}

func (r *probeRequest) excInfoBeforeHeaders() (*appIter, error) {
	doc := r.document(nil)
	length := 0
	for _, outcome := range []string{"raised", "returned"} {
		length = max(length, len(dumps(withResult(doc, map[string]any{"exc_info_call": outcome}))))
	}
	hdrs := func(call string) *headerList {
		return headers(jsonType, contentLength(length), Field{"X-Conform-Call", call})
	}
	if _, err := r.start("200 OK", hdrs("first"), nil); err != nil {
		return nil, err
	}
	exc := &pyError{"ValueError", "conform probe: deliberate error before headers were sent"}
	outcome := "returned"
	if _, err := r.start("500 Internal Server Error", hdrs("second"), exc); err != nil {
		if _, ok := pyException(err); !ok {
			return nil, err
		}
		outcome = "raised"
	}
	return listIter(fixedLengthBody(doc, map[string]any{"exc_info_call": outcome}, length)), nil
}

// header is scenario_header: offer one header, report the server's verdict.
func (r *probeRequest) header(name, value string) (*appIter, error) {
	body := dumps(r.document(map[string]any{"start_response": "returned"}))
	if _, err := r.start("200 OK", headers(jsonType, contentLength(len(body)), Field{name, value}), nil); err != nil {
		text, ok := pyException(err)
		if !ok {
			return nil, err
		}
		body = dumps(r.document(map[string]any{"start_response": "raised", "exception": text}))
		// exc_info lets a server that already stored the first headers replace them.
		if _, err := r.start("500 Internal Server Error", headers(jsonType, contentLength(len(body))), err); err != nil {
			return nil, err
		}
	}
	return listIter(body), nil
}

func (r *probeRequest) headerValue() (*appIter, error) {
	v, err := r.rawText("value")
	if err != nil {
		return nil, err
	}
	return r.header("X-Conform-Value", v)
}

func (r *probeRequest) hopByHop() (*appIter, error) {
	name, err := r.rawText("name")
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, &badRequest{"bad parameter name: must not be empty"}
	}
	value, err := r.rawText("value")
	if err != nil {
		return nil, err
	}
	return r.header(name, value)
}

func (r *probeRequest) sleep() (*appIter, error) {
	ms, err := r.integer("ms", 0, probeMaxDelayMS)
	if err != nil {
		return nil, err
	}
	if !r.x.c.s.sleep(time.Duration(ms) * time.Millisecond) {
		return nil, errAbort
	}
	return r.jsonAnswer(r.document(map[string]any{"slept_ms": ms}), "200 OK")
}

func (r *probeRequest) marker() (string, error) {
	tok, err := r.token()
	if err != nil {
		return "", err
	}
	dir, err := r.x.c.s.StateDir()
	if err != nil {
		return "", &pyError{"OSError", err.Error()}
	}
	return filepath.Join(dir, tok+".closed"), nil
}

func (r *probeRequest) closeStatus() (*appIter, error) {
	path, err := r.marker()
	if err != nil {
		return nil, err
	}
	result := map[string]any{"closed": false, "closed_at": nil}
	if fi, err := os.Stat(path); err == nil {
		result["closed"], result["closed_at"] = true, unixSeconds(fi.ModTime())
	}
	return r.jsonAnswer(r.document(result), "200 OK")
}

func (r *probeRequest) errors() (*appIter, error) {
	x := r.x
	_, present := x.env.m["wsgi.errors"]
	attempt := func(op string, text ...string) string {
		switch {
		case !present:
			return "AttributeError: 'NoneType' object has no attribute '" + op + "'"
		case x.dev.ErrorsStreamRejectsUnicode && op != "flush":
			return "TypeError: a bytes-like object is required, not 'str'"
		}
		for _, t := range text {
			x.c.s.logf("conn %d: wsgi.errors: %s", x.c.id, strings.TrimSuffix(t, "\n"))
		}
		return "ok"
	}
	result := map[string]any{
		"write": attempt("write", "conform probe: wsgi.errors test \u00e9\u2603\n"),
		"writelines": attempt("writelines", "conform probe: wsgi.errors writelines 1\n",
			"conform probe: wsgi.errors writelines 2\n"),
		"flush": attempt("flush"),
	}
	return r.jsonAnswer(r.document(result), "200 OK")
}

// ---- scenarios that shape the response itself ----

// generator returns an iterable yielding what step returns for i = 0, 1, ... until io.EOF.
func generator(step func(i int) ([]byte, error)) *appIter {
	i := 0
	return &appIter{next: func() ([]byte, error) {
		i++
		return step(i - 1)
	}}
}

func (r *probeRequest) excInfoAfterHeaders() (*appIter, error) {
	if _, err := r.start("200 OK", headers(textType), nil); err != nil {
		return nil, err
	}
	return generator(func(i int) ([]byte, error) {
		switch i {
		case 0:
			return []byte("first\n"), nil
		case 1:
			original := &pyError{"ValueError", "conform-original"}
			_, err := r.start("500 Internal Server Error", headers(textType), original)
			if err == nil {
				return []byte("returned\n"), nil
			}
			var pe *pyError
			if !errors.As(err, &pe) {
				return nil, err
			}
			return fmt.Appendf(nil, "raised %s same=%s\n", pe.Type, pyBoolText(pe == original)), nil
		}
		return nil, io.EOF
	}), nil
}

func pyBoolText(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func (r *probeRequest) emptyThenError() (*appIter, error) {
	if _, err := r.start("200 OK", headers(textType), nil); err != nil {
		return nil, err
	}
	return generator(func(i int) ([]byte, error) {
		if i == 0 {
			return []byte{}, nil
		}
		return nil, &pyError{"RuntimeError", "conform probe: deliberate error after empty body"}
	}), nil
}

// lazyStart is a generator application: start_response runs on the first iteration.
func (r *probeRequest) lazyStart() (*appIter, error) {
	return generator(func(i int) ([]byte, error) {
		if i > 0 {
			return nil, io.EOF
		}
		if _, err := r.start("200 OK", headers(textType), nil); err != nil {
			return nil, err
		}
		return []byte("lazy-start\n"), nil
	}), nil
}

func (r *probeRequest) noStartResponse() (*appIter, error) {
	return listIter([]byte("no start_response was called\n")), nil
}

func (r *probeRequest) writeThenIterable() (*appIter, error) {
	write, err := r.start("200 OK", headers(textType), nil)
	if err != nil {
		return nil, err
	}
	if err := write([]byte("write-part;")); err != nil {
		return nil, err
	}
	return listIter([]byte("iterable-part")), nil
}

// block is probe.py's block: b"<i>:" padded with dots to size, ending in a newline.
func block(i, size int) []byte {
	b := []byte(strconv.Itoa(i) + ":")
	for len(b) < size-1 {
		b = append(b, '.')
	}
	return append(b, '\n')
}

// streamParams are the stream and write-stream scenarios' chunks, delay_ms and size.
func (r *probeRequest) streamParams() (chunks, delay, size int, err error) {
	if chunks, err = r.integer("chunks", 0, probeMaxChunks, 3); err != nil {
		return
	}
	if delay, err = r.integer("delay_ms", 0, probeMaxDelayMS, 300); err != nil {
		return
	}
	if size, err = r.integer("size", 1, probeMaxSize, 16); err != nil {
		return
	}
	if chunks > 0 && size < len(strconv.Itoa(chunks-1))+2 {
		err = &badRequest{fmt.Sprintf("bad parameter size=%d: too small for the block prefix of %d chunks", size, chunks)}
	}
	return
}

func (r *probeRequest) stream() (*appIter, error) {
	chunks, delay, size, err := r.streamParams()
	if err != nil {
		return nil, err
	}
	if _, err := r.start("200 OK", headers(textType), nil); err != nil {
		return nil, err
	}
	return generator(func(i int) ([]byte, error) {
		if i >= chunks {
			return nil, io.EOF
		}
		if i > 0 && !r.x.c.s.sleep(time.Duration(delay)*time.Millisecond) {
			return nil, errAbort
		}
		return block(i, size), nil
	}), nil
}

func (r *probeRequest) contentLength() (*appIter, error) {
	declared, err := r.integer("declared", 0, probeMaxSize)
	if err != nil {
		return nil, err
	}
	actual, err := r.integer("actual", 0, probeMaxSize)
	if err != nil {
		return nil, err
	}
	if _, err := r.start("200 OK", headers(textType, contentLength(declared)), nil); err != nil {
		return nil, err
	}
	blocks := [][]byte{bytes.Repeat([]byte("x"), actual)}
	if actual > declared {
		blocks = append(blocks, []byte("yyyyyyyy"))
	}
	return listIter(blocks...), nil
}

// close is scenario_close with its ClosingIterable.
func (r *probeRequest) close() (*appIter, error) {
	path, err := r.marker()
	if err != nil {
		return nil, err
	}
	list := "list"
	mode, err := r.text("mode", &list)
	if err != nil {
		return nil, err
	}
	if mode != "list" && mode != "error" && mode != "slow" {
		return nil, &badRequest{"bad parameter mode=" + pyASCII(mode) + ": want list, error or slow"}
	}
	if _, err := r.start("200 OK", headers(textType), nil); err != nil {
		return nil, err
	}
	s := r.x.c.s
	it := generator(func(i int) ([]byte, error) {
		switch {
		case mode == "error":
			return nil, &pyError{"RuntimeError", "conform probe: deliberate error from the close iterable"}
		case mode == "list" && i == 0:
			return []byte("close-probe\n"), nil
		case mode == "list" || i >= 200:
			return nil, io.EOF
		}
		if i > 0 && !s.sleep(20*time.Millisecond) {
			return nil, errAbort
		}
		return block(i, 1024), nil
	})
	it.close = func() {
		// close() leaves the marker, holding repr(time.time()).
		stamp := strconv.FormatFloat(unixSeconds(time.Now()), 'f', -1, 64) + "\n"
		if err := os.WriteFile(path, []byte(stamp), 0o644); err != nil {
			s.logf("close(): %v", err)
		}
	}
	return it, nil
}

func (r *probeRequest) status() (*appIter, error) {
	code, err := r.integer("code", 100, 999)
	if err != nil {
		return nil, err
	}
	empty := ""
	body, err := r.text("body", &empty)
	if err != nil {
		return nil, err
	}
	// status_line: probe.py's reason table matches net/http's StatusText.
	reason := http.StatusText(code)
	if reason == "" {
		reason = probeUnknownText
	}
	if _, err := r.start(strconv.Itoa(code)+" "+reason, headers(textType), nil); err != nil {
		return nil, err
	}
	return listIter([]byte(body)), nil
}

func (r *probeRequest) noContentLength() (*appIter, error) {
	chunks, err := r.integer("chunks", 0, probeMaxChunks, 2)
	if err != nil {
		return nil, err
	}
	if _, err := r.start("200 OK", headers(textType), nil); err != nil {
		return nil, err
	}
	return generator(func(i int) ([]byte, error) {
		if i >= chunks {
			return nil, io.EOF
		}
		return fmt.Appendf(nil, "block-%d\n", i), nil
	}), nil
}

func (r *probeRequest) fileWrapper() (*appIter, error) {
	size, err := r.integer("size", 0, probeMaxSize, 4096)
	if err != nil {
		return nil, err
	}
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i)
	}
	_, wrapper := r.x.env.m["wsgi.file_wrapper"]
	used := "absent"
	if wrapper {
		used = "used"
	}
	h := headers(Field{"Content-Type", "application/octet-stream"}, contentLength(size), Field{"X-Conform-File-Wrapper", used})
	if _, err := r.start("200 OK", h, nil); err != nil {
		return nil, err
	}
	if !wrapper {
		return listIter(data), nil
	}
	if r.x.dev.TranslateNewlines {
		data = universalNewlines(data)
	}
	// wsgi.file_wrapper(filelike, 8192): blocks read from the file; close() closes it.
	return generator(func(i int) ([]byte, error) {
		off := i * 8192
		if off >= len(data) {
			return nil, io.EOF
		}
		return data[off:min(off+8192, len(data))], nil
	}), nil
}

// universalNewlines is what reading a file in text mode with universal newlines does to its
// bytes: CRLF and CR become LF (Deviations.TranslateNewlines).
func universalNewlines(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
}
