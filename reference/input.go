package reference

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"strconv"
	"strings"

	"github.com/conform-wsgi/conform/probes"
)

// wsgiInput emulates wsgi.input over the decoded request body. The body is fetched on first
// use: for a request with "Expect: 100-continue" that is when the server sends 100 Continue
// and reads the body from the socket (RFC 9110 §10.1.1).
type wsgiInput struct {
	fetch  func() ([]byte, error)
	body   []byte
	off    int
	loaded bool
	err    error
	junk   bool // NoEOFSimulation: the one byte past the end was handed out
	dev    *Deviations
}

func (in *wsgiInput) load() error {
	if !in.loaded {
		in.loaded = true
		in.body, in.err = in.fetch()
		if in.dev.InputTextMode {
			in.body = bytes.ReplaceAll(in.body, []byte("\r\n"), []byte("\n"))
		}
	}
	return in.err
}

// read is read(n); n < 0 is read() (everything up to the end of the body).
func (in *wsgiInput) read(n int) ([]byte, error) {
	if n < 0 && in.dev.ReadRequiresSize {
		return nil, &errStop{"TypeError: read() missing 1 required positional argument: 'size'"}
	}
	if err := in.load(); err != nil {
		return nil, err
	}
	rest := in.body[in.off:]
	if len(rest) == 0 {
		if in.dev.NoEOFSimulation && !in.junk && n != 0 {
			// A server that hands the application the raw socket lets it read past the body.
			in.junk = true
			return []byte{'\n'}, nil
		}
		return nil, nil
	}
	if n < 0 || n > len(rest) || in.dev.ReadIgnoresSize {
		n = len(rest)
	}
	in.off += n
	return rest[:n], nil
}

// readline is readline(n); n < 0 is readline().
func (in *wsgiInput) readline(n int) ([]byte, error) {
	if err := in.load(); err != nil {
		return nil, err
	}
	rest := in.body[in.off:]
	end := len(rest)
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		end = i + 1
	}
	if n >= 0 && n < end {
		end = n
	}
	in.off += end
	return rest[:end], nil
}

// nextLine is one step of iteration (and of readlines()): readline(), or with
// InputLinesUnsplit an 8192-byte block, as an __iter__ built on read(8192) gives.
func (in *wsgiInput) nextLine() ([]byte, error) {
	if in.dev.InputLinesUnsplit {
		return in.read(8192)
	}
	return in.readline(-1)
}

// inputHas is hasattr(environ["wsgi.input"], method) for the methods PEP 3333 requires:
// read, readline, readlines and __iter__.
func (x *exchange) inputHas(method string) bool {
	if _, ok := x.env.m["wsgi.input"]; !ok {
		return false
	}
	switch method {
	case "readline":
		return !x.dev.InputNoReadline
	case "readlines":
		return !x.dev.InputNoReadlines
	case "__iter__":
		return !x.dev.InputNotIterable
	}
	return true
}

// inputReader is probe.py's InputReader: it calls wsgi.input as asked and keeps the
// evidence (calls, size, hash, first bytes).
type inputReader struct {
	x      *exchange
	calls  []probes.InputCall
	length int64
	h      hash.Hash
	head   []byte
	capped bool
}

// errStop is an exception raised by wsgi.input, recorded in input.error.
type errStop struct{ text string }

func (e *errStop) Error() string { return e.text }

// call is InputReader.call: op(arg) on wsgi.input (arg < 0: no argument).
func (r *inputReader) call(op string, arg int, add bool) ([]byte, error) {
	in := r.x.input
	if _, ok := r.x.env.m["wsgi.input"]; !ok {
		return nil, &errStop{"AttributeError: 'NoneType' object has no attribute '" + op + "'"}
	}
	var data []byte
	var err error
	switch op {
	case "read":
		data, err = in.read(arg)
	case "readline":
		if !r.x.inputHas(op) {
			return nil, &errStop{"AttributeError: 'ReferenceInput' object has no attribute 'readline'"}
		}
		data, err = in.readline(arg)
	}
	if err != nil {
		return nil, err
	}
	r.note(op, arg, len(data))
	if add {
		r.add(data)
	}
	return data, nil
}

func (r *inputReader) note(op string, arg, got int) {
	if len(r.calls) < maxCalls {
		var a *int
		if arg >= 0 {
			a = intp(arg)
		}
		r.calls = append(r.calls, probes.InputCall{Op: op, Arg: a, Got: got})
	}
}

func (r *inputReader) add(data []byte) {
	r.length += int64(len(data))
	r.h.Write(data)
	if room := probeMaxB64 - len(r.head); room > 0 {
		r.head = append(r.head, data[:min(room, len(data))]...)
	}
}

const maxCalls = 1000

func intp(n int) *int { return &n }

// declaredLength is content_length(environ): CONTENT_LENGTH as a number when it is a
// non-empty decimal str, else -1.
func declaredLength(env *environ) int64 {
	v, ok := env.m["CONTENT_LENGTH"]
	if !ok || v.typ != "str" || !isDecimal(v.str) {
		return -1
	}
	n, err := strconv.ParseInt(v.str, 10, 64)
	if err != nil {
		return 1 << 62 // a decimal beyond int64 is, for the probe, larger than any cap
	}
	return n
}

// readInput is read_input: it reads wsgi.input per mode (and size, -1 for none) and, with
// wantEOF, probes the end. A non-nil error is a failure to receive the body: the request is
// then answered by the server, not by the application.
func readInput(x *exchange, spec, mode string, size int, wantEOF bool) (probes.Input, error) {
	r := &inputReader{x: x, calls: []probes.InputCall{}, h: sha256.New()}
	declared := declaredLength(x.env)
	limit := int64(probeMaxBody)
	if declared >= 0 {
		limit = min(declared, probeMaxBody)
	}
	err := func() error {
		switch mode {
		case "auto":
			if declared >= 0 {
				for r.length < limit {
					data, err := r.call("read", int(limit-r.length), true)
					if err != nil || len(data) == 0 {
						return err
					}
				}
				r.capped = declared > probeMaxBody && r.length >= probeMaxBody
			} else if x.env.truthy("wsgi.input_terminated") || finalCodingChunked(x.env) {
				// The second case is probe.py's read_bounded; the reference's body is in
				// memory, so its read never blocks.
				_, err := r.call("read", -1, true)
				return err
			}
		case "read":
			_, err := r.call("read", -1, true)
			return err
		case "readn":
			// Never ask past CONTENT_LENGTH (a server without EOF simulation would block).
			for r.length < limit {
				data, err := r.call("read", int(min(int64(size), limit-r.length)), true)
				if err != nil || len(data) == 0 {
					return err
				}
			}
			r.capped = r.length >= probeMaxBody && (declared < 0 || declared > probeMaxBody)
		case "readline":
			for r.length < limit {
				ask := size
				if size >= 0 && declared >= 0 {
					ask = int(min(int64(size), limit-r.length))
				}
				data, err := r.call("readline", ask, true)
				if err != nil || len(data) == 0 {
					return err
				}
			}
			r.capped = r.length >= probeMaxBody
		case "readlines":
			// One call, one entry: its "got" counts the bytes of all the lines it returned.
			if _, ok := x.env.m["wsgi.input"]; !ok {
				return &errStop{"AttributeError: 'NoneType' object has no attribute 'readlines'"}
			}
			if !x.inputHas("readlines") {
				return &errStop{"AttributeError: 'ReferenceInput' object has no attribute 'readlines'"}
			}
			var lines [][]byte
			total := 0
			for {
				line, err := x.input.nextLine()
				if err != nil {
					return err
				}
				if len(line) == 0 {
					break
				}
				lines = append(lines, line)
				total += len(line)
			}
			r.note("readlines", -1, total)
			// probe.py records the length of each line readlines() returned.
			r.calls[len(r.calls)-1].Lines = []int{}
			for _, l := range lines[:min(len(lines), maxCalls)] {
				r.calls[len(r.calls)-1].Lines = append(r.calls[len(r.calls)-1].Lines, len(l))
			}
			for _, l := range lines {
				r.add(l)
			}
		case "iter":
			if _, ok := x.env.m["wsgi.input"]; !ok {
				return &errStop{"TypeError: 'NoneType' object is not iterable"}
			}
			if !x.inputHas("__iter__") {
				return &errStop{"TypeError: 'ReferenceInput' object is not iterable"}
			}
			for {
				line, err := x.input.nextLine()
				if err != nil || len(line) == 0 {
					return err
				}
				r.note("iter", -1, len(line))
				r.add(line)
				if r.length >= probeMaxBody {
					r.capped = true
					return nil
				}
			}
		}
		return nil
	}()
	var afterEOF *int
	if err == nil && wantEOF && mode != "none" && !r.capped {
		// An unfinished or capped body leaves no end to probe, so eof is skipped then.
		var data []byte
		if data, err = r.call("read", 1, false); err == nil {
			afterEOF = intp(len(data))
		}
	}
	errText := ""
	var stop *errStop
	if errors.As(err, &stop) {
		errText, err = stop.text, nil
	}
	if err != nil {
		return probes.Input{}, err
	}
	return probes.Input{
		Mode:      spec,
		Length:    r.length,
		SHA256:    hex.EncodeToString(r.h.Sum(nil)),
		B64:       base64.StdEncoding.EncodeToString(r.head),
		Truncated: r.capped || r.length > probeMaxB64,
		Error:     errText,
		Calls:     r.calls,
		AfterEOF:  afterEOF,
	}, nil
}

// finalCodingChunked is final_coding_chunked: the last member of HTTP_TRANSFER_ENCODING is
// chunked (case-insensitively, empty members and SP/HTAB around them ignored).
func finalCodingChunked(env *environ) bool {
	v, ok := env.m["HTTP_TRANSFER_ENCODING"]
	if !ok || v.typ != "str" {
		return false
	}
	last := ""
	for _, c := range strings.Split(v.str, ",") {
		if c = strings.Trim(c, " \t"); c != "" {
			last = c
		}
	}
	return strings.EqualFold(last, "chunked")
}

func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
