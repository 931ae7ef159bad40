package fuzz

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Whitespace beyond SP and HTAB. Python's str.strip(), split() and isspace() take VT, FF,
// and, on text decoded as latin-1, NEL (0x85) and NBSP (0xa0) for whitespace; C's isspace()
// takes VT and FF. RFC 9110 §5.6.3 (OWS) and RFC 9112 §5.2 (obs-fold) allow SP and HTAB
// only, and chunk-size is 1*HEXDIG (§7.1). Each place is its own mutator, and the variant
// names the byte, so a finding's label says which byte where.

// oddSpaces are the bytes some parsers strip as whitespace and RFC 9110 does not.
var oddSpaces = []struct{ name, b string }{{"vt", "\x0b"}, {"ff", "\x0c"}, {"nel", "\x85"}, {"nbsp", "\xa0"}}

func wsMutators() []mutator {
	return []mutator{
		{"fold-ws", 2, spelling, func(rng *rand.Rand, b *builder) string {
			// An obs-fold whose continuation line starts with an odd space: no fold at all to
			// the RFC (the line is a field line whose name starts with that byte).
			r := b.main
			i := pickField(rng, r)
			if i < 0 {
				return ""
			}
			sp := pick(rng, oddSpaces)
			f := &r.Fields[i]
			if rng.IntN(2) == 0 {
				f.Value += crlf + sp.b + "x"
				return sp.name + "-continued"
			}
			f.Value = crlf + sp.b + f.Value
			return sp.name + "-value-on-next-line"
		}},
		{"colon-ws", 2, spelling, func(rng *rand.Rand, b *builder) string {
			// An odd space between the field name and the colon (RFC 9112 §5.1: no
			// whitespace is allowed there; a server must reject), on a framing field half
			// the time.
			r := b.main
			var ix []int
			ix = append(ix, r.fieldIndex("Transfer-Encoding")...)
			ix = append(ix, r.fieldIndex("Content-Length")...)
			where := "framing"
			if len(ix) == 0 || rng.IntN(2) == 0 {
				ix, where = mutableFields(r.Fields), "field"
			}
			if len(ix) == 0 {
				return ""
			}
			sp := pick(rng, oddSpaces)
			r.Fields[pick(rng, ix)].Name += sp.b
			return where + "-" + sp.name
		}},
		{"chunk-ws", 3, spelling, func(rng *rand.Rand, b *builder) string {
			// An odd space before or after a chunk-size, or before the last chunk's line end.
			r := b.main
			if !r.Chunked || len(r.Chunks) == 0 {
				return ""
			}
			c := &r.Chunks[rng.IntN(len(r.Chunks))]
			sp := pick(rng, oddSpaces)
			if rng.IntN(2) == 0 {
				c.Size = sp.b + c.Size
				return sp.name + "-before-size"
			}
			c.Size += sp.b
			return sp.name + "-after-size"
		}},
		{"chunk-data-end", 3, spelling, func(rng *rand.Rand, b *builder) string {
			// chunk-data ended by a bare CR or a bare LF, followed by a well-formed next line:
			// another data chunk, or the last chunk. A reader that takes the bare byte for
			// the line end stays in step; one that skips two bytes, or wants CRLF, does not.
			r := b.main
			if !r.Chunked {
				return ""
			}
			var data []int
			for i, c := range r.Chunks {
				if c.Data != "" && i+1 < len(r.Chunks) {
					data = append(data, i)
				}
			}
			if len(data) == 0 {
				return ""
			}
			i := pick(rng, data)
			term := pick(rng, []string{"cr", "lf"})
			r.Chunks[i].DataTerm = map[string]string{"cr": "\r", "lf": "\n"}[term]
			next := "last"
			if rng.IntN(2) == 0 {
				// A data chunk follows whatever came after: the next line is a chunk-size.
				extra := pick(rng, []string{"abc", "0\r\n", "GET"})
				nc := chunk{Size: strconv.FormatInt(int64(len(extra)), 16), Term: crlf, Data: extra, DataTerm: crlf}
				r.Chunks = append(r.Chunks[:i+1], append([]chunk{nc}, r.Chunks[i+1:]...)...)
				next = "chunk"
			} else if !zeroSize(r.Chunks[i+1].Size) {
				next = "chunk"
			}
			return term + "-then-" + next
		}},
	}
}

// zeroSize says a chunk-size spells zero: the last chunk.
func zeroSize(size string) bool {
	return size != "" && strings.Trim(size, "0") == ""
}
