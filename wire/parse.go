package wire

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Bounds on what one response may spend before the reader calls it garbage.
const (
	maxHeadBytes  = 128 << 10
	maxChunkLine  = 4 << 10
	maxHeaderRows = 1000
)

// cursor reads lines and byte runs from Exchange.Raw, pulling more bytes off the connection
// when it runs dry. ok=false means no more bytes will come.
type cursor struct {
	r   *reader
	ctx context.Context
	pos int
}

func (c *cursor) line(limit int) (line []byte, ok bool) {
	for {
		raw := c.r.x.Raw
		if i := bytes.IndexByte(raw[c.pos:], '\n'); i >= 0 {
			l := raw[c.pos : c.pos+i]
			c.pos += i + 1
			// Lenient: a bare LF ends a line too; the response parser is no judge of servers'
			// line endings, and a check that cares looks at the raw bytes.
			return bytes.TrimSuffix(l, []byte("\r")), true
		}
		if len(raw)-c.pos > limit {
			return nil, false
		}
		if !c.r.fill(c.ctx) {
			return nil, false
		}
	}
}

// take returns up to n bytes, fewer only when the connection ended.
func (c *cursor) take(n int) []byte {
	for len(c.r.x.Raw)-c.pos < n {
		if !c.r.fill(c.ctx) {
			break
		}
	}
	avail := len(c.r.x.Raw) - c.pos
	if avail > n {
		avail = n
	}
	b := c.r.x.Raw[c.pos : c.pos+avail]
	c.pos += avail
	return b
}

func (r *reader) garbage(at int, format string, args ...interface{}) {
	r.x.Garbage = fmt.Sprintf(format, args...)
	r.x.GarbageAt = at
	r.finish(EndGarbage, "")
}

// parse reads one response starting at pos. index is its place among final responses,
// which tells whether it answers a HEAD request.
func (r *reader) parse(ctx context.Context, pos, index int) (*Response, int, bool) {
	c := &cursor{r: r, ctx: ctx, pos: pos}
	resp := &Response{Start: pos, exch: r.x}
	status, ok := c.line(maxHeadBytes)
	if !ok {
		if len(r.x.Raw) > pos {
			if r.x.End == "" || r.x.End == EndCapped {
				r.garbage(pos, "status line longer than %d bytes", maxHeadBytes)
			} else {
				r.garbage(pos, "connection ended inside a status line")
			}
		}
		return nil, pos, false
	}
	if err := parseStatusLine(status, resp); err != nil {
		r.garbage(pos, "%v", err)
		return nil, pos, false
	}
	headStart := pos
	for {
		l, ok := c.line(maxHeadBytes)
		if !ok {
			r.garbage(headStart, "connection ended inside the header section")
			return nil, pos, false
		}
		if len(l) == 0 {
			break
		}
		if c.pos-headStart > maxHeadBytes || len(resp.Header) >= maxHeaderRows {
			r.garbage(headStart, "header section exceeds %d bytes or %d fields", maxHeadBytes, maxHeaderRows)
			return nil, pos, false
		}
		resp.Header = append(resp.Header, parseField(l))
	}
	resp.HeadAt = r.x.arrival(c.pos - 1)
	if r.x.EndAt == 0 && resp.HeadAt == 0 {
		resp.HeadAt = r.lastRead
	}

	isHead := index < len(r.s.Head) && r.s.Head[index]
	switch {
	case resp.Status >= 100 && resp.Status < 200, resp.Status == 204, resp.Status == 304, isHead:
		resp.Framing = FramingNone
	case hasChunked(resp):
		resp.Framing = FramingChunked
		r.readChunked(c, resp)
	default:
		if cl, present, err := contentLength(resp); present {
			if err != nil {
				r.garbage(headStart, "unusable Content-Length: %v", err)
				return nil, pos, false
			}
			resp.Framing = FramingContentLength
			start := c.pos
			b := c.take(int(cl))
			resp.Body = append([]byte(nil), b...)
			resp.segments = []segment{{body: 0, raw: start, n: len(b)}}
			if int64(len(b)) < cl {
				resp.Incomplete = fmt.Sprintf("Content-Length %d but %d bytes arrived before the connection ended (%s)", cl, len(b), r.x.End)
			}
		} else {
			resp.Framing = FramingClose
			start := c.pos
			for r.fill(ctx) {
			}
			b := r.x.Raw[start:]
			resp.Body = append([]byte(nil), b...)
			resp.segments = []segment{{body: 0, raw: start, n: len(b)}}
			c.pos = len(r.x.Raw)
			if r.x.End != EndClosed {
				resp.Incomplete = fmt.Sprintf("close-delimited body ended by %s, not by the server closing", r.x.End)
			}
		}
	}
	resp.End = c.pos
	resp.EndAt = r.x.arrival(c.pos - 1)
	return resp, c.pos, true
}

func parseStatusLine(l []byte, resp *Response) error {
	s := string(l)
	if !strings.HasPrefix(s, "HTTP/") {
		return fmt.Errorf("not an HTTP/1.x status line: %q", clip(s, 60))
	}
	sp := strings.IndexByte(s, ' ')
	if sp < 0 {
		return fmt.Errorf("status line without a status code: %q", clip(s, 60))
	}
	resp.Proto = s[:sp]
	rest := s[sp+1:]
	code := rest
	if i := strings.IndexByte(rest, ' '); i >= 0 {
		code, resp.Reason = rest[:i], rest[i+1:]
	}
	n, err := strconv.Atoi(code)
	if err != nil || len(code) != 3 || n < 100 {
		return fmt.Errorf("status line with an invalid status code %q", clip(code, 20))
	}
	resp.Status = n
	return nil
}

func parseField(l []byte) Field {
	i := bytes.IndexByte(l, ':')
	if i < 0 {
		return Field{Name: string(l)}
	}
	return Field{Name: string(l[:i]), Value: strings.Trim(string(l[i+1:]), " \t")}
}

func hasChunked(resp *Response) bool {
	te := resp.Values("Transfer-Encoding")
	if len(te) == 0 {
		return false
	}
	codings := strings.Split(strings.Join(te, ","), ",")
	return strings.EqualFold(strings.TrimSpace(codings[len(codings)-1]), "chunked")
}

func contentLength(resp *Response) (int64, bool, error) {
	vals := resp.Values("Content-Length")
	if len(vals) == 0 {
		return 0, false, nil
	}
	var n int64 = -1
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			m, err := strconv.ParseInt(p, 10, 64)
			if err != nil || m < 0 || p == "" || p[0] == '+' {
				return 0, true, fmt.Errorf("%q is not a length", v)
			}
			if n >= 0 && m != n {
				return 0, true, fmt.Errorf("conflicting values %v", vals)
			}
			n = m
		}
	}
	return n, true, nil
}

func (r *reader) readChunked(c *cursor, resp *Response) {
	for {
		l, ok := c.line(maxChunkLine)
		if !ok {
			resp.Incomplete = "connection ended inside a chunk-size line"
			return
		}
		sizeText := string(l)
		if i := strings.IndexByte(sizeText, ';'); i >= 0 {
			sizeText = sizeText[:i]
		}
		size, err := strconv.ParseUint(strings.TrimSpace(sizeText), 16, 62)
		if err != nil {
			resp.Incomplete = fmt.Sprintf("invalid chunk-size line %q", clip(string(l), 40))
			return
		}
		if size == 0 {
			break
		}
		start := c.pos
		b := c.take(int(size))
		resp.segments = append(resp.segments, segment{body: len(resp.Body), raw: start, n: len(b)})
		resp.Body = append(resp.Body, b...)
		if uint64(len(b)) < size {
			resp.Incomplete = "connection ended inside chunk data"
			return
		}
		if crlf, ok := c.line(2); !ok || len(crlf) != 0 {
			resp.Incomplete = "chunk data not followed by CRLF"
			return
		}
	}
	for {
		l, ok := c.line(maxHeadBytes)
		if !ok {
			resp.Incomplete = "connection ended inside the trailer section"
			return
		}
		if len(l) == 0 {
			return
		}
		resp.Trailer = append(resp.Trailer, parseField(l))
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
