// Package desync judges what passed between a front and the server behind it on one
// upstream connection (a relay's record): whether the server read the forwarded bytes as
// the requests the front meant. The front's meaning is where RFC 9112 ends each message it
// forwarded; the server's is how many responses it returned. A server that answers more requests than the front sent has read one out of
// another's body (a smuggled request); one that answers fewer has swallowed one.
package desync

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/conform-wsgi/conform/internal/relay"
	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// Verdict is the judgement of one upstream connection.
type Verdict struct {
	Conn int // the relay's connection ID
	// Meant is how many whole messages the front forwarded; Served is how many final
	// responses the server returned.
	Meant, Served int
	// Desync: Served differs from Meant on a connection judged whole.
	Desync bool
	// Why says, in words, what the front sent and what the server did.
	Why string
	// Unsolicited: after every answer owed, the server sent bytes that are not an HTTP
	// response. Not called a desync: they may answer a request the front never sent, or be
	// a response body the server should not have sent.
	Unsolicited bool
	// Judged is false when the record cannot be judged (truncated, or still mid-request).
	Judged bool
}

// Judge reads one closed upstream connection. An open connection may still be owed
// responses, so it is judged only once closed.
func Judge(c relay.Conn) Verdict {
	v := Verdict{Conn: c.ID}
	if !c.Closed || c.Truncated {
		v.Why = "not judged: the connection is still open or was recorded only in part"
		return v
	}
	msgs, rest := split(c.Forwarded)
	heads := make([]bool, len(msgs))
	for i, m := range msgs {
		heads[i] = m.method == "HEAD"
	}
	v.Meant = len(msgs)
	x := wire.Replay(c.Returned, wire.Script{Steps: []wire.Step{{Data: c.Forwarded}}, Head: heads}, true)
	v.Served = len(x.Responses)
	v.Judged = true
	// Bytes after the last whole message (a request cut short, or not framed) may be
	// answered once with an error before the close (RFC 9112 §8): owed to nothing, but
	// smuggling nothing either.
	allowed := v.Meant
	if rest > 0 {
		allowed++
	}
	sent := describe(msgs, rest)
	if i, got, ok := boundaryMismatch(msgs, x.Responses); ok {
		// As many answers as requests, but not to the requests the front sent: a smuggled
		// request took another's place (its prefix completed by the next request).
		v.Desync = true
		v.Why = fmt.Sprintf("the front forwarded %s, and the server's answer %d is the probe's echo of request %q where the front sent %q there: it read the requests at other boundaries than the front (a smuggled one)", sent, i+1, got, msgs[i].id)
		return v
	}
	switch {
	case v.Served > allowed:
		v.Desync = true
		v.Why = fmt.Sprintf("the front forwarded %s, and the server answered %d: it read a request the front never sent (a smuggled one)", sent, v.Served)
	case x.Garbage != "" && v.Served >= allowed:
		// Bytes after every answer owed: an answer to bytes the server read as a request
		// (an HTTP/0.9-style bare error page), or body bytes it should not have sent (after
		// a HEAD, a 204, a Content-Length). Only the server's source tells which; either
		// way a front that keeps the connection hands them to the next client.
		v.Unsolicited = true
		v.Why = fmt.Sprintf("the front forwarded %s, and the server answered each and then sent bytes that are not an HTTP response (%s): a front that keeps the connection hands them to the next client", sent, x.Garbage)
	case x.Garbage != "":
		v.Why = fmt.Sprintf("the server's answer is not HTTP after %d responses: %s", v.Served, x.Garbage)
	case v.Served < v.Meant:
		// A server may refuse a message and close, time out or crash: only an answer
		// count above the front's is proof.
		v.Why = fmt.Sprintf("the front forwarded %s, and the server answered %d before the connection closed", sent, v.Served)
	default:
		v.Why = fmt.Sprintf("the front forwarded %s; the server answered each", sent)
	}
	return v
}

// message is one request as the front framed it, with its X-Conform-Id ("" for none).
type message struct{ method, id string }

// leadingID is the run of id characters (those probes.RequestIDs takes) that starts s.
func leadingID(s string) string {
	end := strings.IndexFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '.' || r == '-')
	})
	if end < 0 {
		return s
	}
	return s[:end]
}

// boundaryMismatch finds the first answer that is the probe's echo of another request than
// the one the front forwarded at its place, told by their X-Conform-Id; answers that are no
// echo (a HEAD's, an error page) and messages without an id are not compared.
func boundaryMismatch(msgs []message, answers []*wire.Response) (int, string, bool) {
	for i, r := range answers {
		if i >= len(msgs) || msgs[i].id == "" {
			continue
		}
		e, err := probes.Decode(r.Body)
		if err != nil || e.Scenario != "echo" {
			continue
		}
		// A line folded onto the id's field (replaced by SP) extends the value the app sees:
		// the id is its first word.
		if got := leadingID(e.ID); got != msgs[i].id {
			return i, e.ID, true
		}
	}
	return 0, "", false
}

// split frames the forwarded bytes the way RFC 9112 §6.3 frames a request, and nothing
// more: each message is a header section, then a body by Transfer-Encoding chunked or by
// Content-Length. Whether a server should accept a message is not asked (the front decided
// to forward it; a strict server may refuse it and close): only where one ends. rest counts
// the bytes after the last whole message.
func split(b []byte) (msgs []message, rest int) {
	for len(b) > 0 {
		n, m, ok := frame(b)
		if !ok {
			return msgs, len(b)
		}
		msgs = append(msgs, m)
		b = b[n:]
	}
	return msgs, 0
}

// frame reads one message at the start of b: its length and method, or false when b holds
// no whole message.
func frame(b []byte) (int, message, bool) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		return 0, message{}, false
	}
	head := string(b[:end])
	n := end + 4
	lines := strings.Split(head, "\r\n")
	m := message{method: strings.SplitN(lines[0], " ", 2)[0]}
	chunked, length := false, -1
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		value = strings.Trim(value, " \t")
		switch strings.ToLower(name) {
		case strings.ToLower(probes.IDHeader):
			// A field line of its own: a front may have joined it into another's value.
			if m.id == "" {
				m.id = leadingID(value)
			}
		case "transfer-encoding":
			// The final coding of all the lines' list, empty elements ignored (RFC 9110
			// §5.6.1.2); a parameter does not change the coding's name.
			for _, c := range strings.Split(value, ",") {
				c, _, _ = strings.Cut(c, ";")
				if c = strings.Trim(c, " \t"); c != "" {
					chunked = strings.EqualFold(c, "chunked")
				}
			}
		case "content-length":
			// A list of one value repeated is that value (RFC 9112 §6.3 lets a recipient
			// take it).
			length = -1
			for i, m := range strings.Split(value, ",") {
				v, err := strconv.ParseUint(strings.Trim(m, " \t"), 10, 62)
				if err != nil || i > 0 && int(v) != length {
					length = -1
					break
				}
				length = int(v)
			}
		}
	}
	switch {
	case chunked:
		body, ok := chunkedLength(b[n:])
		if !ok {
			return 0, m, false
		}
		return n + body, m, true
	case length >= 0:
		if len(b)-n < length {
			return 0, m, false
		}
		return n + length, m, true
	}
	return n, m, true
}

// chunkedLength is the length of the chunked body at the start of b, trailer section
// included, or false when b does not hold all of it.
func chunkedLength(b []byte) (int, bool) {
	pos := 0
	for {
		eol := bytes.Index(b[pos:], []byte("\r\n"))
		if eol < 0 {
			return 0, false
		}
		line := string(b[pos : pos+eol])
		if i := strings.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		size, err := strconv.ParseUint(strings.TrimRight(line, " \t"), 16, 62)
		if err != nil {
			return 0, false
		}
		pos += eol + 2
		if size == 0 {
			end := bytes.Index(b[pos:], []byte("\r\n"))
			for end > 0 { // trailer fields until the empty line
				pos += end + 2
				end = bytes.Index(b[pos:], []byte("\r\n"))
			}
			if end < 0 {
				return 0, false
			}
			return pos + 2, true
		}
		if uint64(len(b)-pos) < size+2 {
			return 0, false
		}
		pos += int(size) + 2
	}
}

// describe says what the front forwarded: "2 requests", "1 request and 5 more bytes".
func describe(msgs []message, rest int) string {
	s := fmt.Sprintf("%d request", len(msgs))
	if len(msgs) != 1 {
		s += "s"
	}
	if rest > 0 {
		s += fmt.Sprintf(" and %d bytes that end no request", rest)
	}
	return s
}
