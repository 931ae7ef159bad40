package reference

import "bytes"

// Interpret reads the bytes a client sent on one connection and returns what a conforming
// server sees: the requests in order, and where it stops (an error status it must answer, or
// the need for more bytes). It never panics, allocates at most what the limits allow for the
// requests it returns, and runs in time linear in len(raw).
//
// Interpretation stops at the first error (requests after it are not interpreted) and after a
// request whose response closes the connection (what follows it is not served).
func Interpret(raw []byte, lim Limits) Interpretation {
	return InterpretWith(raw, lim, Deviations{})
}

// InterpretWith is Interpret for a reference server with deviations: the parsing deviations
// change what is seen, the others do not matter here.
func InterpretWith(raw []byte, lim Limits, dev Deviations) Interpretation {
	if dev.CTLReplaced {
		// It rewrites values where they lie: the caller's bytes are not the parser's to change.
		raw = bytes.Clone(raw)
	}
	p := newParser(lim, &dev)
	p.buf = raw
	var out Interpretation
	for {
		switch p.advance() {
		case stepHead:
		case stepDone:
			r := p.req
			out.Requests = append(out.Requests, r)
			out.Consumed = r.End
			if r.Close {
				return out
			}
			p.reset()
		case stepMore:
			out.Incomplete = p.midRequest()
			return out
		case stepError:
			out.Error = p.err
			return out
		}
	}
}
