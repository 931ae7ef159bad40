package reference

import (
	"fmt"
	"strings"
)

// Limits bound what the parser accepts and allocates. A zero field means "use the default"
// (see DefaultLimits), so Limits{} is a usable value.
type Limits struct {
	// MaxRequestLine is the longest request-line (without its terminator); longer -> 414.
	MaxRequestLine int
	// MaxHeaderBytes bounds the header section (field lines, terminators and the empty line);
	// larger -> 431. The trailer section of a chunked body has its own budget of the same size.
	MaxHeaderBytes int
	// MaxHeaders bounds the number of field lines in a section; more -> 431.
	MaxHeaders int
	// MaxChunkSize is the largest chunk-size accepted; larger -> 413.
	MaxChunkSize int64
	// MaxBody bounds the (decoded) body of one request; larger -> 413.
	MaxBody int64
}

// Default limits.
const (
	DefaultMaxRequestLine = 8192
	DefaultMaxHeaderBytes = 64 << 10
	DefaultMaxHeaders     = 100
	DefaultMaxChunkSize   = 16 << 20
	DefaultMaxBody        = 32 << 20

	// maxChunkLine bounds a chunk-size line including its chunk extensions (RFC 9112 §7.1.1:
	// "A server ought to limit the total length of chunk extensions ... and generate an
	// appropriate 4xx"); longer -> 400.
	maxChunkLine = 4096
)

// DefaultLimits returns the limits the reference server uses unless told otherwise.
func DefaultLimits() Limits {
	return Limits{
		MaxRequestLine: DefaultMaxRequestLine,
		MaxHeaderBytes: DefaultMaxHeaderBytes,
		MaxHeaders:     DefaultMaxHeaders,
		MaxChunkSize:   DefaultMaxChunkSize,
		MaxBody:        DefaultMaxBody,
	}
}

// normalized fills zero (or negative) fields with their defaults.
func (l Limits) normalized() Limits {
	d := DefaultLimits()
	if l.MaxRequestLine <= 0 {
		l.MaxRequestLine = d.MaxRequestLine
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = d.MaxHeaders
	}
	if l.MaxChunkSize <= 0 {
		l.MaxChunkSize = d.MaxChunkSize
	}
	if l.MaxBody <= 0 {
		l.MaxBody = d.MaxBody
	}
	return l
}

// Interpretation is what a conforming server makes of the bytes a client sent on one
// connection.
type Interpretation struct {
	// Requests are the fully received requests, in order.
	Requests []Request
	// Error is non-nil when the server must reject what follows the last request.
	Error *ParseError
	// Incomplete says the bytes end inside a request (a server would wait for more).
	Incomplete bool
	// Consumed counts the bytes taken by the complete requests (including any empty lines
	// ignored before them).
	Consumed int
}

// ParseError is a reason to reject a request.
type ParseError struct {
	Status int    // 400, 413, 414, 431, 501 or 505
	Reason string // human readable
	Offset int    // byte offset (in the connection's stream) where the fault was found
	Rule   string // the rule broken, e.g. "rfc9112/5.1 whitespace before colon"
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%d %s at byte %d (%s)", e.Status, e.Reason, e.Offset, e.Rule)
}

// Field is one field line: the name as sent, the value with OWS trimmed (and obs-fold
// replaced by SP). Both are byte strings: bytes >= 0x80 are kept as they are.
type Field struct{ Name, Value string }

// Request is one request as a conforming server sees it.
type Request struct {
	Method, Target, Proto string // Proto as sent: "HTTP/1.1", "HTTP/1.0", "HTTP/1.2"...
	Major, Minor          int
	Header                []Field // field lines in order
	Body                  []byte  // decoded body (nil when empty)
	Chunked               bool    // the body was framed by the chunked transfer coding
	Trailers              []Field // trailer section of a chunked body
	// Close says the connection must close after this request's response.
	Close bool
	// ExpectContinue says the request carries "Expect: 100-continue" (HTTP/1.1 or later).
	ExpectContinue bool
	// Start and End are the offsets of the request-line's first byte and of the byte after
	// the request's last byte.
	Start, End int

	// ContentLength is the framing length taken from Content-Length (-1 when the body is not
	// framed by Content-Length).
	ContentLength int64
}

// Get returns the combined field value of name (case-insensitive): the values of all its
// lines joined by ",", and whether it is present.
func (r *Request) Get(name string) (string, bool) {
	return fieldGet(r.Header, name)
}

func fieldGet(fs []Field, name string) (string, bool) {
	var b strings.Builder
	found := false
	for _, f := range fs {
		if strings.EqualFold(f.Name, name) {
			if found {
				b.WriteByte(',')
			}
			b.WriteString(f.Value)
			found = true
		}
	}
	return b.String(), found
}

// Canonical serialises the request in a canonical form: the request-line as received, the
// field lines except Content-Length and Transfer-Encoding, then Content-Length framing of the
// decoded body (always present, so a body of any length round-trips). Trailers are dropped.
func (r *Request) Canonical() []byte {
	var b []byte
	b = append(b, r.Method...)
	b = append(b, ' ')
	b = append(b, r.Target...)
	b = append(b, ' ')
	b = append(b, r.Proto...)
	b = append(b, "\r\n"...)
	for _, f := range r.Header {
		if strings.EqualFold(f.Name, "Content-Length") || strings.EqualFold(f.Name, "Transfer-Encoding") {
			continue
		}
		b = append(b, f.Name...)
		b = append(b, ": "...)
		b = append(b, f.Value...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Content-Length: "...)
	b = fmt.Appendf(b, "%d", len(r.Body))
	b = append(b, "\r\n\r\n"...)
	b = append(b, r.Body...)
	return b
}
