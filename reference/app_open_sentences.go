package reference

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The probe scenarios of the trace's open sentences (spec/open_sentences.go), and the
// gateway behaviour they exercise: the environ's type, errors raised by the application,
// headers the gateway must refuse, wsgi.file_wrapper, and the deviations of that family.
// They are registered here so that app.go's scenario tables stay as they are.

func init() {
	jsonScenarios["environ-type"] = (*probeRequest).environType
	jsonScenarios["header-not-latin1"] = (*probeRequest).headerNotLatin1
	otherScenarios["app-error"] = (*probeRequest).appError
	otherScenarios["self-chunked"] = (*probeRequest).selfChunked
	otherScenarios["file-wrapper-at"] = (*probeRequest).fileWrapperAt
	otherScenarios["file-wrapper-unreturned"] = (*probeRequest).fileWrapperUnreturned
}

// environType is scenario_environ_type: the reference's environ is a dict the application
// may modify (PEP 3333 "Specification Details").
func (r *probeRequest) environType() (*appIter, error) {
	typ, isDict := "builtins.dict", true
	if r.x.dev.EnvironSubclass {
		typ, isDict = "reference.WSGIEnviron", false
	}
	return r.jsonAnswer(r.document(map[string]any{"type": typ, "is_dict": isDict, "mutable": "ok"}), "200 OK")
}

// headerNotLatin1 is scenario_header_not_latin1: scenario_header with a value holding U+2603.
func (r *probeRequest) headerNotLatin1() (*appIter, error) {
	body := dumps(r.document(map[string]any{"start_response": "returned"}))
	h := headers(jsonType, contentLength(len(body)), Field{"X-Conform-Value", "snow\u2603"})
	h.text = true
	if _, err := r.start("200 OK", h, nil); err != nil {
		text, ok := pyException(err)
		if !ok {
			return nil, err
		}
		body = dumps(r.document(map[string]any{"start_response": "raised", "exception": text}))
		if _, err := r.start("500 Internal Server Error", headers(jsonType, contentLength(len(body))), err); err != nil {
			return nil, err
		}
	}
	return listIter(body), nil
}

// encodeHeaderText encodes the values of a text header list to latin-1 bytes (PEP 3333
// "Unicode Issues": "It is a fatal error for an application to supply strings containing
// any other Unicode character or code point").
func (x *exchange) encodeHeaderText(h *headerList) error {
	if !h.text {
		return nil
	}
	for i, f := range h.f {
		b, ok := latin1Bytes(f.Value)
		if !ok {
			if x.dev.NonLatin1HeadersUTF8 {
				continue // the UTF-8 bytes of the Go string go out as they are
			}
			return &pyError{"UnicodeEncodeError", fmt.Sprintf("'latin-1' codec can't encode the value of header %s: %+q", f.Name, f.Value)}
		}
		h.f[i].Value = string(b)
	}
	h.text = false
	return nil
}

// appError is scenario_app_error.
func (r *probeRequest) appError() (*appIter, error) {
	call := "call"
	at, err := r.text("at", &call)
	if err != nil {
		return nil, err
	}
	if at != "call" && at != "block" {
		return nil, &badRequest{"bad parameter at=" + pyASCII(at) + ": want call or block"}
	}
	if at == "call" {
		return nil, &pyError{"RuntimeError", "conform probe: deliberate error before start_response"}
	}
	if _, err := r.start("200 OK", headers(Field{"Content-Type", "application/octet-stream"}), nil); err != nil {
		return nil, err
	}
	return generator(func(i int) ([]byte, error) {
		if i == 0 {
			return []byte("first-block\n"), nil
		}
		return nil, &pyError{"RuntimeError", "conform probe: deliberate error after the first block"}
	}), nil
}

// openSentencesAppError applies the deviations of an application error; it reports whether
// it handled the error.
func (x *exchange) openSentencesAppError() bool {
	switch {
	case !x.headersSent && x.dev.AppErrorDropsConnection:
		x.headersSent = true
		x.closeAfter = true
		return true
	case x.headersSent && x.dev.AppErrorCompletesResponse:
		x.emit([]byte("\n500 Internal Server Error\n"))
		x.finish()
		return true
	}
	return false
}

// selfChunked is scenario_self_chunked: the application sets Transfer-Encoding itself (a
// hop-by-hop header the gateway refuses) over a body it chunked.
func (r *probeRequest) selfChunked() (*appIter, error) {
	if _, err := r.start("200 OK", headers(textType, Field{"Transfer-Encoding", "Chunked"}), nil); err != nil {
		text, ok := pyException(err)
		if !ok {
			return nil, err
		}
		b := []byte("start_response raised " + text + "\n")
		if _, err := r.start("500 Internal Server Error", headers(textType, contentLength(len(b))), err); err != nil {
			return nil, err
		}
		return listIter(b), nil
	}
	return listIter([]byte("5\r\nhello\r\n"), []byte("0\r\n\r\n")), nil
}

// fileBytes is file_bytes: bytes(range(256)) repeated to size.
func fileBytes(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// fileWrapperAt is scenario_file_wrapper_at.
func (r *probeRequest) fileWrapperAt() (*appIter, error) {
	size, err := r.integer("size", 0, probeMaxSize, 4096)
	if err != nil {
		return nil, err
	}
	offset, err := r.integer("offset", 0, size, 0)
	if err != nil {
		return nil, err
	}
	length := -1
	empty := ""
	if v, err := r.text("length", &empty); err != nil {
		return nil, err
	} else if v != "" {
		if length, err = r.integer("length", 0, size-offset); err != nil {
			return nil, err
		}
	}
	data := fileBytes(size)
	_, wrapper := r.x.env.m["wsgi.file_wrapper"]
	used := "absent"
	if wrapper {
		used = "used"
	}
	h := headers(Field{"Content-Type", "application/octet-stream"}, Field{"X-Conform-File-Wrapper", used})
	if length >= 0 {
		h.add("Content-Length", strconv.Itoa(length))
	}
	if _, err := r.start("200 OK", h, nil); err != nil {
		return nil, err
	}
	if !wrapper {
		end := size
		if length >= 0 {
			end = offset + length
		}
		return listIter(data[offset:end]), nil
	}
	return r.x.fileWrapper(data, offset), nil
}

// fileWrapperUnreturned is scenario_file_wrapper_unreturned.
func (r *probeRequest) fileWrapperUnreturned() (*appIter, error) {
	_, wrapper := r.x.env.m["wsgi.file_wrapper"]
	used := "absent"
	if wrapper {
		// Made and dropped.
		r.x.fileWrapper([]byte("wrapped-file-the-app-did-not-return\n"), 0)
		used = "used"
	}
	if _, err := r.start("200 OK", headers(textType, contentLength(6), Field{"X-Conform-File-Wrapper", used}), nil); err != nil {
		return nil, err
	}
	return listIter([]byte("other\n")), nil
}

// fileWrapper is wsgi.file_wrapper(f, 8192) over a file holding data, positioned at pos: its
// blocks run from the current position to the end (PEP 3333 "Optional Platform-Specific
// File Handling"); the gateway stops at the application's Content-Length as for any body.
func (x *exchange) fileWrapper(data []byte, pos int) *appIter {
	if x.dev.FileWrapperSendsEagerly {
		// Transmitted on creation, whatever the application goes on to do.
		x.c.bw.Write(data)
		x.flush()
	}
	if x.dev.FileWrapperFromStart {
		pos = 0
		if x.headers != nil && !x.headersSent {
			if _, ok := headerValue(x.headers, "Content-Length"); !ok {
				x.headers.add("Content-Length", strconv.Itoa(len(data)))
			}
		}
	}
	return generator(func(i int) ([]byte, error) {
		off := pos + i*8192
		if off >= len(data) {
			return nil, io.EOF
		}
		return data[off:min(off+8192, len(data))], nil
	})
}

func headerValue(h *headerList, name string) (string, bool) {
	for _, f := range h.f {
		if strings.EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// trailersMerged is the request the environ is built from: the request itself, or under
// Deviations.MergeTrailers a copy whose header fields take in the trailer fields, a trailer
// replacing a header of the same name.
func trailersMerged(r *Request, dev *Deviations) *Request {
	if !dev.MergeTrailers || len(r.Trailers) == 0 {
		return r
	}
	m := *r
	m.Header = nil
	for _, f := range r.Header {
		replaced := false
		for _, t := range r.Trailers {
			replaced = replaced || strings.EqualFold(f.Name, t.Name)
		}
		if !replaced {
			m.Header = append(m.Header, f)
		}
	}
	m.Header = append(m.Header, r.Trailers...)
	return &m
}

// silentFieldLimit and silentFieldCount are the limits of Deviations.SilentFieldLimits.
const (
	silentFieldLimit = 8190
	silentFieldCount = 100
)

// openSentencesEnviron applies the environ deviations of this family.
func (x *exchange) openSentencesEnviron() {
	dev, e := x.dev, x.env
	if dev.EmptyAuthVariables {
		e.set("REMOTE_USER", pyStr(""))
		e.set("AUTH_TYPE", pyStr(""))
	}
	if dev.SilentFieldLimits {
		n := 0
		seen := map[string]bool{}
		for _, f := range x.req.Header {
			key := "HTTP_" + cgiName(f.Name)
			v, ok := e.m[key]
			if !ok || seen[key] {
				continue
			}
			seen[key] = true
			if n++; n > silentFieldCount {
				delete(e.m, key)
				continue
			}
			if r := []rune(v.str); len(r) > silentFieldLimit {
				e.set(key, pyStr(string(r[:silentFieldLimit])))
			}
		}
	}
}

// ---- the connection deviations of this family (server.go calls these) ----

// leaveUnreadBody (Deviations.LeaveUnreadBody): when the application never touched
// wsgi.input, the body's bytes are parsed again as the next request. bodyAt is the stream
// offset where the body began.
func (c *conn) leaveUnreadBody(bodyAt int) bool {
	if !c.s.opt.Deviations.LeaveUnreadBody || c.last == nil || c.last.input.loaded {
		return false
	}
	at := bodyAt - c.p.base
	if at < 0 || at > len(c.p.buf) {
		return false // compacted away: nothing left to misread
	}
	c.p.pos = at
	c.p.reset()
	return true
}

// shortBodyComplete (Deviations.ShortBodyComplete): the client closed its side inside a
// Content-Length body; the application runs on what came, and the connection then closes.
func (c *conn) shortBodyComplete(err error) bool {
	if !c.s.opt.Deviations.ShortBodyComplete || !errors.Is(err, io.EOF) || c.p.st != psBody {
		return false
	}
	c.p.st = psDone
	c.handle(false)
	return true
}

// serveAfterOwnClose (Deviations.ServeAfterOwnClose): after the 400 (with "Connection:
// close") already written for a field line without a colon, skip to the end of the rejected
// request's header section and go on.
func (c *conn) serveAfterOwnClose() bool {
	if !c.s.opt.Deviations.ServeAfterOwnClose || c.p.err == nil || c.p.err.Rule != "rfc9112/5 field line without colon" {
		return false
	}
	from := max(c.p.req.Start-c.p.base, 0)
	if from > len(c.p.buf) {
		return false
	}
	i := bytes.Index(c.p.buf[from:], []byte("\r\n\r\n"))
	if i < 0 || from+i+4 < c.p.pos {
		return false // no end in sight, or behind the parser: no progress to make
	}
	c.p.pos = from + i + 4
	c.p.reset()
	return true
}
