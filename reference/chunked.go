package reference

import "bytes"

// The chunked transfer coding, RFC 9112 §7.1:
//
//	chunked-body   = *chunk last-chunk trailer-section CRLF
//	chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	chunk-size     = 1*HEXDIG
//	last-chunk     = 1*("0") [ chunk-ext ] CRLF
//
// Chunk lines and the CRLF after chunk-data must be CRLF: the bare-LF tolerance of RFC 9112
// §2.2 is for "the start-line and fields", and a lenient chunk parser is a classic request
// smuggling vector. The trailer section is field lines, so it follows the header rules.

func (p *parser) stepChunkSize() step {
	line, next, crlf, ok := p.chunkLine()
	if !ok {
		if p.pending() > maxChunkLine {
			return p.fail(400, p.pos, "rfc9112/7.1.1 chunk extensions too long", "chunk-size line longer than the limit")
		}
		return stepMore
	}
	at := p.pos
	if len(line) > maxChunkLine {
		return p.fail(400, at, "rfc9112/7.1.1 chunk extensions too long", "chunk-size line longer than the limit")
	}
	if len(line) == 0 && p.dev.SkipEmptyChunkLines {
		p.pos = next
		return stepAgain
	}
	if _, neg, _, ok := pyInt(line, 16); ok && neg && p.dev.ChunkSizeNegativeStalls {
		return stepMore // a size that never counts down: the rest of the body never comes
	}
	if !crlf {
		return p.fail(400, next-1, "rfc9112/7.1 chunk line ends in CRLF", "chunk-size line ends in a bare LF")
	}
	size, e := p.chunkSizeLine(line, at)
	if e != nil {
		return p.failErr(e)
	}
	// Limits: RFC 9110 §15.5.14 (413 Content Too Large).
	if size > uint64(p.lim.MaxChunkSize) {
		return p.fail(413, at, "rfc9110/15.5.14 chunk too large", "chunk-size larger than the limit")
	}
	if p.total+int64(size) > p.lim.MaxBody {
		return p.fail(413, at, "rfc9110/15.5.14 content too large", "chunked body larger than the limit")
	}
	p.pos = next
	if size == 0 && !(p.dev.LastChunkLiteralZero && string(line) != "0") {
		// last-chunk: the trailer section follows (RFC 9112 §7.1.2).
		if p.dev.MishandleTrailers {
			p.st = psDone
			return stepAgain
		}
		p.secBytes, p.nfields, p.lastTerm, p.folding = 0, 0, "", false
		p.st = psTrailers
		return stepAgain
	}
	p.remaining = int64(size)
	p.st = psChunkData
	return stepAgain
}

// chunkLine is line() for the lines of the chunked coding, which the deviations
// ChunkLinesEndAtCR and ChunkLinesReadline end otherwise.
func (p *parser) chunkLine() (line []byte, next int, crlf, ok bool) {
	if p.dev.ChunkLinesEndAtCR {
		rest := p.buf[p.pos:]
		if i := bytes.IndexByte(rest, '\r'); i >= 0 && i+1 < len(rest) && rest[i+1] != '\n' && bytes.IndexByte(rest[:i], '\n') < 0 {
			p.lineScan = 0
			return rest[:i], p.pos + i + 1, true, true
		}
	}
	line, next, crlf, ok = p.line()
	if ok && p.dev.ChunkLinesReadline {
		crlf = true // readline(): the LF alone ends the line
	}
	return line, next, crlf, ok
}

// chunkSizeLine parses chunk-size [ chunk-ext ] (the line without its CRLF).
func (p *parser) chunkSizeLine(line []byte, at int) (uint64, *ParseError) {
	if p.dev.ChunkLinesReadline {
		line, _, _ = bytes.Cut(line, []byte(";")) // the extensions, dropped unread
	}
	if p.dev.ChunkSizeStrInt {
		// int(line.decode("latin-1").split(";", 1)[0], 16)
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, neg, big, ok := pyInt(pyStrip(size), 16)
		if !ok || neg || big {
			return 0, p.perr(400, at, "rfc9112/7.1 chunk-size = 1*HEXDIG", "chunk-size is not hexadecimal")
		}
		return n, nil
	}
	if p.dev.ChunkSizePythonInt {
		// int(line.split(b";", 1)[0], 16); the extensions are ignored unread.
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, neg, big, ok := pyInt(size, 16)
		if !ok || neg || big {
			return 0, p.perr(400, at, "rfc9112/7.1 chunk-size = 1*HEXDIG", "chunk-size is not hexadecimal")
		}
		return n, nil
	}
	c := cursor{b: line}
	if p.dev.AcceptChunkSizePrefix {
		c.ows()
		if c.peek() == '+' {
			c.i++
		}
		if c.i+1 < len(line) && line[c.i] == '0' && (line[c.i+1] == 'x' || line[c.i+1] == 'X') {
			c.i += 2
		}
	}
	var size uint64
	digits := 0
	for ; c.i < len(line); c.i++ {
		d, ok := hexVal(line[c.i])
		if !ok || p.dev.ChunkSizeLowerHexOnly && 'A' <= line[c.i] && line[c.i] <= 'F' {
			break
		}
		digits++
		// RFC 9112 §7.1: "recipients MUST anticipate potentially large hexadecimal numerals
		// and prevent parsing errors due to integer conversion overflows".
		if size>>60 != 0 && !p.dev.ChunkSizeOverflowWraps {
			return 0, p.perr(400, at, "rfc9112/7.1 chunk-size overflow", "chunk-size does not fit in 64 bits")
		}
		size = size<<4 | d
	}
	if digits == 0 {
		return 0, p.perr(400, at, "rfc9112/7.1 chunk-size = 1*HEXDIG", "chunk-size is not hexadecimal")
	}
	if p.dev.ChunkSizeHexPrefix {
		return size, nil // whatever follows the hex digits is ignored
	}
	if p.dev.AcceptChunkSizePrefix {
		if c.ows(); c.done() {
			return size, nil
		}
	}
	// RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ),
	// chunk-ext-name = token, chunk-ext-val = token / quoted-string. "A recipient MUST ignore
	// unrecognized chunk extensions": they are checked for syntax and dropped.
	for !c.done() {
		if c.ows() && p.dev.RejectChunkExtensionBWS {
			return 0, p.perr(400, at+c.i, "deviation RejectChunkExtensionBWS", "whitespace before a chunk extension")
		}
		if c.peek() != ';' {
			return 0, p.perr(400, at+c.i, "rfc9112/7.1.1 chunk-ext syntax", "unexpected bytes after chunk-size")
		}
		if p.dev.RejectChunkExtensions {
			return 0, p.perr(400, at+c.i, "deviation RejectChunkExtensions", "chunk extension rejected")
		}
		c.i++
		c.ows()
		if _, ok := c.token(); !ok {
			return 0, p.perr(400, at+c.i, "rfc9112/7.1.1 chunk-ext syntax", "chunk-ext-name is not a token")
		}
		save := c.i
		c.ows()
		if c.peek() == '=' {
			c.i++
			c.ows()
			if !c.tokenOrQuoted() {
				return 0, p.perr(400, at+c.i, "rfc9112/7.1.1 chunk-ext syntax", "chunk-ext-val is neither token nor quoted-string")
			}
		} else {
			c.i = save
		}
		if rest := c.b[c.i:]; len(trimOWS(rest)) == 0 && len(rest) > 0 {
			// BWS is only allowed before ";" or "=": trailing whitespace is not chunk-ext.
			return 0, p.perr(400, at+c.i, "rfc9112/7.1.1 chunk-ext syntax", "whitespace at the end of the chunk line")
		}
	}
	return size, nil
}

func (p *parser) stepChunkData() step {
	n := int64(len(p.buf) - p.pos)
	if n > p.remaining {
		n = p.remaining
	}
	p.req.Body = append(p.req.Body, p.buf[p.pos:p.pos+int(n)]...)
	p.pos += int(n)
	p.remaining -= n
	p.total += n
	if p.remaining > 0 {
		return stepMore
	}
	p.st = psChunkEnd
	return stepAgain
}

// stepChunkEnd reads the CRLF that ends chunk-data.
func (p *parser) stepChunkEnd() step {
	avail := len(p.buf) - p.pos
	if p.dev.ChunkLinesReadline {
		// readline(): whatever the line after the data holds.
		i := bytes.IndexByte(p.buf[p.pos:], '\n')
		if i < 0 {
			if avail > maxChunkLine {
				return p.fail(400, p.pos, "rfc9112/7.1 chunk-data followed by CRLF", "chunk-data not followed by CRLF")
			}
			return stepMore
		}
		p.pos += i + 1
		p.st = psChunkSize
		return stepAgain
	}
	if p.dev.ChunkLinesEndAtCR && avail >= 2 && p.buf[p.pos] == '\r' && p.buf[p.pos+1] != '\n' {
		p.pos++
		p.st = psChunkSize
		return stepAgain
	}
	if p.dev.IgnoreChunkCRLF {
		if avail < 2 {
			return stepMore
		}
		p.pos += 2
		p.st = psChunkSize
		return stepAgain
	}
	if avail >= 1 && p.buf[p.pos] != '\r' {
		return p.fail(400, p.pos, "rfc9112/7.1 chunk-data followed by CRLF", "chunk-data not followed by CRLF")
	}
	if avail >= 2 && p.buf[p.pos+1] != '\n' {
		return p.fail(400, p.pos+1, "rfc9112/7.1 chunk-data followed by CRLF", "chunk-data not followed by CRLF")
	}
	if avail < 2 {
		return stepMore
	}
	p.pos += 2
	p.st = psChunkSize
	return stepAgain
}

// stepTrailers reads the trailer section (RFC 9112 §7.1.2): field lines, as the header
// section's, unless a deviation reads it otherwise.
func (p *parser) stepTrailers() step {
	rest := p.buf[p.pos:]
	if p.dev.ChunkLinesEndAtCR && len(rest) >= 2 && rest[0] == '\r' && rest[1] != '\n' {
		p.pos++
		p.lineScan = 0
		p.st = psDone
		return stepAgain
	}
	if p.dev.TrailerLinesUnchecked {
		end := 2
		if !bytes.HasPrefix(rest, []byte("\r\n")) {
			i := bytes.Index(rest, []byte("\r\n\r\n"))
			if i < 0 {
				if len(rest) > p.lim.MaxHeaderBytes {
					return p.fail(431, p.pos, "rfc6585/5 header section too large", "trailer section larger than the limit")
				}
				return stepMore
			}
			end = i + 4
		}
		p.pos += end
		p.lineScan = 0
		p.st = psDone
		return stepAgain
	}
	return p.stepFields(true)
}
