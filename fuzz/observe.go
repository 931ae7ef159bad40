package fuzz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// Observation is what the target did with a case's bytes on one connection.
type Observation struct {
	Answers  []Answer `json:"answers"`
	End      wire.End `json:"end"`
	Garbage  string   `json:"garbage,omitempty"`
	DialErr  string   `json:"dial_error,omitempty"`
	WriteErr string   `json:"write_error,omitempty"`
	// Raw is what the target sent (capped by wire).
	Raw     []byte        `json:"raw"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Answer is one response, and what the probe reported when it is an echo document.
type Answer struct {
	Status int       `json:"status"`
	Reason string    `json:"reason"`
	Echo   *EchoView `json:"echo,omitempty"`
	// Text is the start of a body that is not an echo document.
	Text string `json:"text,omitempty"`
}

// EchoView is the part of the probe's echo document the oracle compares.
type EchoView struct {
	ID     string `json:"id"`
	Method string `json:"method"`
	Path   string `json:"path_info"` // latin-1 bytes as a Go string
	Query  string `json:"query_string"`
	// ContentLength is CONTENT_LENGTH as the app saw it; HasCL says it was present.
	ContentLength   string `json:"content_length,omitempty"`
	HasCL           bool   `json:"has_content_length"`
	InputTerminated bool   `json:"input_terminated"`
	BodyLen         int64  `json:"body_length"`
	BodySHA256      string `json:"body_sha256"`
	Body            []byte `json:"body"`
	InputError      string `json:"input_error,omitempty"`
	// ReadBlocked: the probe's bounded read of an unannounced chunked body never returned.
	ReadBlocked bool `json:"read_blocked,omitempty"`
	// Headers are the HTTP_* environ entries.
	Headers map[string]string `json:"headers"`
	// Mode is the probe's read mode ("auto" unless the request asked otherwise).
	Mode string `json:"mode,omitempty"`
	// CGI holds the gatewayVariables the application saw.
	CGI map[string]string `json:"cgi,omitempty"`
}

// readable says whether the probe's "auto" read mode could read a body at all: it reads
// CONTENT_LENGTH bytes when that is a decimal, everything when wsgi.input_terminated is true
// or the Transfer-Encoding ends in chunked (unless that read blocked), and nothing otherwise
// (PROTOCOL.md).
func (e *EchoView) readable() bool {
	if e.InputTerminated || e.HasCL && isDecimal(e.ContentLength) {
		return true
	}
	return finalCodingChunked(e.Headers["HTTP_TRANSFER_ENCODING"]) && !e.ReadBlocked
}

// finalCodingChunked is probe.py's final_coding_chunked: the last non-empty member of the
// comma list, stripped of SP and HTAB, is "chunked" in any case.
func finalCodingChunked(te string) bool {
	last := ""
	for _, c := range strings.Split(te, ",") {
		if c = strings.Trim(c, " \t"); c != "" {
			last = c
		}
	}
	return strings.EqualFold(last, "chunked")
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

func envBytes(e *probes.Echo, key string) (string, bool) {
	v, ok := e.Env(key)
	if !ok {
		return "", false
	}
	if b, ok := v.Bytes(); ok {
		return string(b), true
	}
	return v.Value, true
}

func echoView(e *probes.Echo) *EchoView {
	v := &EchoView{ID: firstMember(latin1Bytes(e.ID)), Headers: map[string]string{}}
	v.Method, _ = envBytes(e, "REQUEST_METHOD")
	v.Path, _ = envBytes(e, "PATH_INFO")
	v.Query, _ = envBytes(e, "QUERY_STRING")
	v.ContentLength, v.HasCL = envBytes(e, "CONTENT_LENGTH")
	if t, ok := e.Env("wsgi.input_terminated"); ok && t.Value == "True" {
		v.InputTerminated = true
	}
	v.BodyLen, v.BodySHA256, v.Body, v.InputError = e.Input.Length, e.Input.SHA256, e.Input.Body(), e.Input.Error
	v.ReadBlocked = e.Input.Blocked
	v.Mode, v.CGI = readModeOf(e.Input.Mode), gatewayEnv(e)
	for k := range e.Environ {
		if strings.HasPrefix(k, "HTTP_") {
			v.Headers[k], _ = envBytes(e, k)
		}
	}
	return v
}

// firstMember is the first token of an id value: a server may join repeated fields with ","
// or ", ", or keep a folded line in the value, and only the first id names the request. It
// matches what findIDs reads off the wire.
func firstMember(s string) string {
	s = strings.TrimLeft(s, " \t")
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == ',' {
			return s[:i]
		}
	}
	return s
}

// latin1Bytes turns text the probe decoded as latin-1 back into its bytes (runes above U+00FF
// cannot come from latin-1 and are kept as UTF-8).
func latin1Bytes(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 0x100 {
			b = append(b, byte(r))
		} else {
			b = append(b, string(r)...)
		}
	}
	return string(b)
}

// Timing bounds one exchange.
type Timing struct {
	// Idle is how long to wait for the next byte while a response is still expected.
	Idle time.Duration
	// Linger is how long to keep listening after the expected responses, to see an extra
	// one (a request the reference does not see) or the connection closing.
	Linger time.Duration
	// Deadline bounds the whole exchange.
	Deadline time.Duration
	// hold: the exchange is likely to hold a worker of the target for the idle timeout
	// (see session.long).
	hold bool
}

// send writes a case's bytes (in its writes) and reads responses. want > 0 stops after that
// many final responses (then lingers); want == 0 reads until the target closes or goes idle.
func send(ctx context.Context, addr string, raw []byte, writes []Write, want int, tm Timing) *Observation {
	s := wire.Script{Responses: want, IdleTimeout: tm.Idle, Deadline: tm.Deadline, Linger: tm.Linger, MaxBytes: 1 << 20}
	if want == 0 {
		s.Linger = 0
	}
	if id := sentinelOf(raw); id != "" {
		s.LingerDone = answered(id)
	}
	s.Steps = steps(raw, writes)
	s.HalfClose = halfCloses(writes)
	start := time.Now()
	x, err := wire.Do(ctx, addr, s)
	o := &Observation{Elapsed: time.Since(start)}
	if err != nil {
		o.DialErr = err.Error()
		if !errors.Is(err, wire.ErrUnreachable) {
			o.DialErr = fmt.Sprintf("%v", err)
		}
		return o
	}
	// Bytes after the expected responses (read while lingering, or in the same read as the
	// last expected one) were kept raw: read them as responses too, through the same
	// parser, so an extra response is seen as one.
	if n := len(x.Responses); n > 0 && len(x.Raw) > x.Responses[n-1].End {
		if y := wire.Replay(x.Raw, wire.Script{Steps: []wire.Step{{Data: raw}}, IdleTimeout: 50 * time.Millisecond}, x.Closed()); len(y.Responses) > len(x.Responses) {
			x.Responses, x.Garbage = y.Responses, y.Garbage
		}
	}
	o.End, o.Garbage, o.WriteErr, o.Raw = x.End, x.Garbage, x.WriteErr, x.Raw
	for _, r := range x.Responses {
		a := Answer{Status: r.Status, Reason: r.Reason}
		if r.Status == 200 {
			if e, err := probes.Decode(r.Body); err == nil {
				a.Echo = echoView(e)
			}
		}
		if a.Echo == nil {
			a.Text = clip(string(r.Body), 200)
		}
		o.Answers = append(o.Answers, a)
	}
	return o
}

// steps is raw cut into its writes, each after its pause; bytes the writes do not cover
// go in one last write.
func steps(raw []byte, writes []Write) []wire.Step {
	var out []wire.Step
	off := 0
	for _, w := range writes {
		if off+w.Len > len(raw) {
			break
		}
		out = append(out, wire.Step{Data: raw[off : off+w.Len], Delay: w.Delay})
		off += w.Len
	}
	if off < len(raw) {
		out = append(out, wire.Step{Data: raw[off:]})
	}
	return out
}

// sentinelOf is the id of the sentinel request that ends raw, or "".
func sentinelOf(raw []byte) string {
	ids := findIDs(raw)
	if len(ids) == 0 || idRole(ids[len(ids)-1].ID) != roleSentinel || !bytes.HasSuffix(raw, []byte("\r\n\r\n")) {
		return ""
	}
	return ids[len(ids)-1].ID
}

// answered says whether bytes that followed the expected responses end with a complete
// echo of the request carrying id. That request ends the case's bytes, so once its answer
// is in, nothing more can come: lingering on a connection the target keeps open only
// waited out the linger (most of a keep-alive server's screening time).
func answered(id string) func(extra []byte) bool {
	quoted := []byte(`"` + id + `"`)
	return func(extra []byte) bool {
		if !bytes.Contains(extra, quoted) {
			return false
		}
		y := wire.Replay(extra, wire.Script{}, false)
		n := len(y.Responses)
		return n > 0 && y.Garbage == "" && y.Responses[n-1].Incomplete == "" && bytes.Contains(y.Responses[n-1].Body, quoted)
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
