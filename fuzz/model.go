package fuzz

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/conform-wsgi/conform/probes"
)

// The generator works on a structured request rather than on bytes, so a mutator can say
// "spell this chunk-size with a 0x prefix" and another can still find the chunk-size
// afterwards; every part keeps its exact spelling (separators and terminators included), so
// serialising an unmutated request gives back the bytes it was parsed from.

// field is one field line as it will be sent.
type field struct {
	Name  string
	Sep   string // between name and value, normally ": "
	Value string
	Term  string // normally "\r\n"
	// Lock marks the correlation id: mutators leave it alone so that every request the
	// oracle must account for stays identifiable.
	Lock bool
}

// chunk is one chunk of a chunked body. The last chunk has Size "0" (or a spelling of zero)
// and no data.
type chunk struct {
	Size     string // chunk-size as sent
	Ext      string // everything between chunk-size and the line terminator
	Term     string // terminator of the size line
	Data     string
	DataTerm string // the CRLF after chunk-data
}

// role says what a request in a case is for; it is encoded in its correlation id so the
// oracle can tell from the bytes alone (a minimized or replayed finding has no other record).
type role byte

const (
	roleMain     role = 'm' // the mutated request
	roleFollow   role = 'f' // a well-formed pipelined follow-up
	roleSentinel role = 's' // the final well-formed GET of the echo
	roleSmuggled role = 'x' // a request hidden inside another request's body
)

// request is one HTTP/1.x request as the generator builds it.
type request struct {
	Pre      string // bytes before the request-line (e.g. empty lines)
	Method   string
	SP1      string
	Target   string
	SP2      string // "" together with Proto "" gives an HTTP/0.9-style line
	Proto    string
	LineTerm string
	Fields   []field
	HeadTerm string // the empty line ending the header section
	Chunked  bool   // the body is Chunks + Trailers + TrailerTerm; otherwise Body
	Body     string
	Chunks   []chunk
	Trailers []field
	TrailerT string
	Role     role
}

const crlf = "\r\n"

// newRequest builds a well-formed request head with Host and the correlation id.
func newRequest(method, target, proto, id string, r role) *request {
	return &request{
		Method: method, SP1: " ", Target: target, SP2: " ", Proto: proto, LineTerm: crlf,
		Fields: []field{
			{Name: "Host", Sep: ": ", Value: "localhost", Term: crlf},
			{Name: probes.IDHeader, Sep: ": ", Value: id, Term: crlf, Lock: true},
		},
		HeadTerm: crlf,
		Role:     r,
	}
}

func (r *request) add(name, value string) {
	r.Fields = append(r.Fields, field{Name: name, Sep: ": ", Value: value, Term: crlf})
}

// withLength gives the request a Content-Length body.
func (r *request) withLength(body string) *request {
	r.add("Content-Length", strconv.Itoa(len(body)))
	r.Body = body
	return r
}

// withChunks gives the request a chunked body made of the given parts.
func (r *request) withChunks(parts ...string) *request {
	r.add("Transfer-Encoding", "chunked")
	r.Chunked = true
	for _, p := range parts {
		r.Chunks = append(r.Chunks, chunk{Size: strconv.FormatInt(int64(len(p)), 16), Term: crlf, Data: p, DataTerm: crlf})
	}
	r.Chunks = append(r.Chunks, chunk{Size: "0", Term: crlf})
	r.TrailerT = crlf
	return r
}

// clone copies the request deeply enough that mutating the copy leaves r alone.
func (r *request) clone() *request {
	c := *r
	c.Fields = append([]field(nil), r.Fields...)
	c.Chunks = append([]chunk(nil), r.Chunks...)
	c.Trailers = append([]field(nil), r.Trailers...)
	return &c
}

// fieldIndex returns the indexes of the fields named name (case-insensitive, trimmed).
func (r *request) fieldIndex(name string) []int {
	var out []int
	for i, f := range r.Fields {
		if strings.EqualFold(strings.TrimSpace(f.Name), name) {
			out = append(out, i)
		}
	}
	return out
}

// appendTo serialises the request.
func (r *request) appendTo(b []byte) []byte {
	b = append(b, r.Pre...)
	b = append(b, r.Method...)
	b = append(b, r.SP1...)
	b = append(b, r.Target...)
	b = append(b, r.SP2...)
	b = append(b, r.Proto...)
	b = append(b, r.LineTerm...)
	b = appendFields(b, r.Fields)
	b = append(b, r.HeadTerm...)
	if !r.Chunked {
		return append(b, r.Body...)
	}
	for _, c := range r.Chunks {
		b = append(b, c.Size...)
		b = append(b, c.Ext...)
		b = append(b, c.Term...)
		b = append(b, c.Data...)
		b = append(b, c.DataTerm...)
	}
	b = appendFields(b, r.Trailers)
	return append(b, r.TrailerT...)
}

func appendFields(b []byte, fs []field) []byte {
	for _, f := range fs {
		b = append(b, f.Name...)
		b = append(b, f.Sep...)
		b = append(b, f.Value...)
		b = append(b, f.Term...)
	}
	return b
}

// bodyLength is the length of the body as sent on the wire (for Content-Length).
func (r *request) wireBodyLength() int {
	if !r.Chunked {
		return len(r.Body)
	}
	var b []byte
	for _, c := range r.Chunks {
		b = append(b, c.Size...)
		b = append(b, c.Ext...)
		b = append(b, c.Term...)
		b = append(b, c.Data...)
		b = append(b, c.DataTerm...)
	}
	b = appendFields(b, r.Trailers)
	return len(b) + len(r.TrailerT)
}

// ---- lenient parsing of seed bytes ----

// parseLenient splits bytes recorded from a client into requests without judging them: it
// keeps every byte (so serialising the result gives the input back) and resynchronises on
// the next plausible request-line when a body's framing cannot be followed.
func parseLenient(raw []byte) []*request {
	var out []*request
	s := string(raw)
	for len(s) > 0 {
		r, rest := parseOne(s)
		out = append(out, r)
		s = rest
	}
	return out
}

// nextLine returns the line at the start of s without its terminator, the terminator ("\n",
// "\r\n" or "" at the end of s) and the rest.
func nextLine(s string) (line, term, rest string) {
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		return s, "", ""
	}
	line, rest = s[:i], s[i+1:]
	if strings.HasSuffix(line, "\r") {
		return line[:len(line)-1], crlf, rest
	}
	return line, "\n", rest
}

func parseOne(s string) (*request, string) {
	r := &request{Role: roleMain}
	for strings.HasPrefix(s, crlf) || strings.HasPrefix(s, "\n") {
		n := 1
		if s[0] == '\r' {
			n = 2
		}
		r.Pre += s[:n]
		s = s[n:]
	}
	line, term, rest := nextLine(s)
	r.LineTerm = term
	// method SP target SP proto, split at the first and the last space.
	if i := strings.IndexByte(line, ' '); i >= 0 {
		r.Method, r.SP1 = line[:i], " "
		tail := line[i+1:]
		if j := strings.LastIndexByte(tail, ' '); j >= 0 {
			r.Target, r.SP2, r.Proto = tail[:j], " ", tail[j+1:]
		} else {
			r.Target = tail
		}
	} else {
		r.Method = line
	}
	s = rest
	for len(s) > 0 {
		line, term, rest := nextLine(s)
		if line == "" {
			r.HeadTerm = term
			s = rest
			break
		}
		if term == "" { // unterminated head: keep it as the value of a nameless field
			r.Fields = append(r.Fields, field{Value: line})
			return r, ""
		}
		r.Fields = append(r.Fields, splitField(line, term))
		s = rest
	}
	// Body: chunked when Transfer-Encoding mentions chunked, else the leading digits of
	// Content-Length, else none; then, unless what follows looks like a request, extend the
	// body to the next plausible request-line.
	te, cl := "", ""
	for _, f := range r.Fields {
		switch strings.ToLower(strings.TrimSpace(f.Name)) {
		case "transfer-encoding":
			te += f.Value
		case "content-length":
			if cl == "" {
				cl = f.Value
			}
		}
	}
	if strings.Contains(strings.ToLower(te), "chunked") {
		// Keep the chunked parse only when a request (or nothing) follows it.
		if chunks, trailers, tterm, rest, ok := parseChunks(s); ok && (rest == "" || plausibleStart(rest)) {
			r.Chunked, r.Chunks, r.Trailers, r.TrailerT = true, chunks, trailers, tterm
			return r, rest
		}
	}
	n := leadingDigits(strings.TrimSpace(cl))
	if n > len(s) {
		n = len(s)
	}
	body := s[:n]
	s = s[n:]
	if s != "" && !plausibleStart(s) {
		k := nextPlausible(s)
		body += s[:k]
		s = s[k:]
	}
	r.Body = body
	return r, s
}

func splitField(line, term string) field {
	i := strings.IndexByte(line, ':')
	if i < 0 {
		return field{Name: line, Term: term}
	}
	j := i + 1
	for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
		j++
	}
	f := field{Name: line[:i], Sep: line[i:j], Value: line[j:], Term: term}
	if strings.EqualFold(strings.TrimSpace(f.Name), probes.IDHeader) {
		f.Lock = true
	}
	return f
}

func parseChunks(s string) (chunks []chunk, trailers []field, tterm, rest string, ok bool) {
	for len(chunks) < 1000 {
		line, term, r := nextLine(s)
		if term == "" {
			return nil, nil, "", "", false
		}
		k := 0
		for k < len(line) && isHex(line[k]) {
			k++
		}
		if k == 0 {
			return nil, nil, "", "", false
		}
		size, err := strconv.ParseInt(line[:k], 16, 32)
		if err != nil || int(size) > len(r) {
			return nil, nil, "", "", false
		}
		c := chunk{Size: line[:k], Ext: line[k:], Term: term}
		if size == 0 {
			chunks = append(chunks, c)
			s = r
			break
		}
		c.Data = r[:size]
		r = r[size:]
		switch {
		case strings.HasPrefix(r, crlf):
			c.DataTerm, r = crlf, r[2:]
		case strings.HasPrefix(r, "\n"):
			c.DataTerm, r = "\n", r[1:]
		default:
			return nil, nil, "", "", false
		}
		chunks = append(chunks, c)
		s = r
	}
	for {
		line, term, r := nextLine(s)
		if term == "" {
			return nil, nil, "", "", false
		}
		if line == "" {
			return chunks, trailers, term, r, true
		}
		trailers = append(trailers, splitField(line, term))
		s = r
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func leadingDigits(s string) int {
	n := 0
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1<<20; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// plausibleStart says s begins with something shaped like a request-line: an upper-case
// token, a space, a target, a space and "HTTP/".
func plausibleStart(s string) bool {
	line, _, _ := nextLine(s)
	i := 0
	for i < len(line) && line[i] >= 'A' && line[i] <= 'Z' {
		i++
	}
	if i < 3 || i >= len(line) || line[i] != ' ' {
		return false
	}
	j := strings.LastIndexByte(line, ' ')
	return j > i && strings.HasPrefix(line[j+1:], "HTTP/")
}

// nextPlausible is the offset of the next line of s (after the first byte) that looks like
// a request-line, or len(s).
func nextPlausible(s string) int {
	off := 0
	for {
		i := strings.IndexByte(s[off:], '\n')
		if i < 0 {
			return len(s)
		}
		off += i + 1
		if plausibleStart(s[off:]) {
			return off
		}
	}
}

// ---- correlation ids ----

// caseID is the correlation id of request k of case n with role r, e.g. "f12-m0".
func caseID(n int64, r role, k int) string {
	return "f" + strconv.FormatInt(n, 10) + "-" + string(r) + strconv.Itoa(k)
}

// CaseOfID reads the case number back from an id made by caseID: "f12-m0" is case 12.
func CaseOfID(id string) (int64, bool) {
	num, _, ok := strings.Cut(id, "-")
	if !ok || len(num) < 2 || num[0] != 'f' {
		return 0, false
	}
	n, err := strconv.ParseInt(num[1:], 10, 64)
	return n, err == nil && n >= 0
}

// idRole reads the role back from an id made by caseID ("" and foreign ids: 0).
func idRole(id string) role {
	i := strings.LastIndexByte(id, '-')
	if i < 0 || i+1 >= len(id) || id[0] != 'f' {
		return 0
	}
	switch r := role(id[i+1]); r {
	case roleMain, roleFollow, roleSentinel, roleSmuggled:
		return r
	}
	return 0
}

// idOccurrence is where a correlation id appears in a case's bytes.
type idOccurrence struct {
	ID  string
	Pos int // offset of the value
}

// findIDs lists the "X-Conform-Id:" field values in raw, in order, wherever they appear
// (head or body).
func findIDs(raw []byte) []idOccurrence {
	var out []idOccurrence
	lower := asciiLower(raw)
	key := []byte(strings.ToLower(probes.IDHeader))
	for off := 0; ; {
		i := bytes.Index(lower[off:], key)
		if i < 0 {
			return out
		}
		p := off + i + len(key)
		off = p
		for p < len(raw) && (raw[p] == ' ' || raw[p] == '\t' || raw[p] == ':') {
			p++
		}
		q := p
		for q < len(raw) && raw[q] > ' ' && raw[q] < 0x7f && raw[q] != ',' {
			q++
		}
		if q > p {
			out = append(out, idOccurrence{ID: string(raw[p:q]), Pos: p})
		}
	}
}

// asciiLower lower-cases A-Z only and keeps every other byte where it was: bytes.ToLower
// reads UTF-8, and turns each invalid byte (a \xa0 in a value) into the three of U+FFFD,
// which moved every later offset.
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
