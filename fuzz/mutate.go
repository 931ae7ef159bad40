package fuzz

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/conform-wsgi/conform/probes"
)

// ---- grammar: base requests ----

type shape struct {
	name string
	make func(rng *rand.Rand, b *builder) *request
}

// echoTargets are the request-targets the grammar uses. They stay on the echo (PROTOCOL.md:
// any path outside the prefix is the echo scenario).
func echoTargets() []string {
	return []string{probes.Prefix + "echo", "/", "/a/b", "/p?q=1&r=two", "/caf%C3%A9", "/x%20y", "/~user/index.html", "/search?q=a+b"}
}

func bodyMethods() []string { return []string{"POST", "PUT", "PATCH", "DELETE", "OPTIONS", "FOO"} }

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func grammarHead(rng *rand.Rand, b *builder, method string) *request {
	proto := "HTTP/1.1"
	r := newRequest(method, pick(rng, echoTargets()), proto, caseID(b.n, roleMain, 0), roleMain)
	if rng.IntN(6) == 0 {
		r.Proto = "HTTP/1.0"
		r.add("Connection", "keep-alive")
	}
	extra := [][2]string{{"User-Agent", "conform-fuzz"}, {"Accept", "*/*"}, {"X-Fuzz-A", "alpha"}, {"Content-Type", "text/plain"}, {"Connection", "keep-alive"}}
	for i, n := 0, rng.IntN(3); i < n; i++ {
		e := pick(rng, extra)
		r.add(e[0], e[1])
	}
	return r
}

// body makes a short body; some bodies hold bytes that look like HTTP framing.
func body(rng *rand.Rand) string {
	parts := []string{"hello", "world", "0\r\n\r\n", "\r\n", "GET / HTTP/1.1", "a=1&b=2", "xyz", "5\r\nhello"}
	var s strings.Builder
	for i, n := 0, 1+rng.IntN(3); i < n; i++ {
		s.WriteString(pick(rng, parts))
	}
	return s.String()
}

func shapeTable() []shape {
	return []shape{
		{"get", func(rng *rand.Rand, b *builder) *request {
			return grammarHead(rng, b, pick(rng, []string{"GET", "GET", "DELETE", "OPTIONS"}))
		}},
		{"post-length", func(rng *rand.Rand, b *builder) *request {
			return grammarHead(rng, b, pick(rng, bodyMethods())).withLength(body(rng))
		}},
		{"post-chunked", func(rng *rand.Rand, b *builder) *request {
			r := grammarHead(rng, b, pick(rng, bodyMethods()))
			if r.Proto == "HTTP/1.0" { // chunked needs HTTP/1.1; the te-http10 mutator covers 1.0
				r.Proto = "HTTP/1.1"
			}
			parts := make([]string, 1+rng.IntN(3))
			for i := range parts {
				parts[i] = body(rng)
			}
			return r.withChunks(parts...)
		}},
		{"post-smuggle", func(rng *rand.Rand, b *builder) *request {
			// A body that is a whole request: any server that frames this request shorter than
			// the reference serves the hidden request, and says so by its id.
			r := grammarHead(rng, b, "POST")
			r.Proto = "HTTP/1.1"
			if rng.IntN(2) == 0 {
				return r.withChunks(b.smuggled())
			}
			return r.withLength(b.smuggled())
		}},
	}
}

// ---- follow-ups: well-formed pipelined requests before the sentinel ----

type followKind struct {
	name string
	make func(rng *rand.Rand, id string) *request
}

func followTable() []followKind {
	return []followKind{
		{"get", func(rng *rand.Rand, id string) *request {
			return newRequest("GET", pick(rng, echoTargets()), "HTTP/1.1", id, roleFollow)
		}},
		{"post-length", func(rng *rand.Rand, id string) *request {
			return newRequest("POST", probes.Prefix+"echo", "HTTP/1.1", id, roleFollow).withLength("follow-up body")
		}},
		{"post-chunked", func(rng *rand.Rand, id string) *request {
			return newRequest("POST", probes.Prefix+"echo", "HTTP/1.1", id, roleFollow).withChunks("follow", "-up")
		}},
	}
}

// ---- mutators ----

type mutKind int

const (
	structural mutKind = iota // changes what the request carries; applied first
	spelling                  // changes how it is written
)

// mutator changes the main request of a case. apply returns the variant it applied, or ""
// when it does not apply to this request.
type mutator struct {
	name   string
	weight int
	kind   mutKind
	apply  func(rng *rand.Rand, b *builder) string
}

func (m mutator) weightOf() int { return m.weight }

func (f followKind) weightOf() int { return 1 }

// mutableFields lists the indexes of fields a mutator may touch.
func mutableFields(fs []field) []int {
	var out []int
	for i, f := range fs {
		if !f.Lock {
			out = append(out, i)
		}
	}
	return out
}

func pickField(rng *rand.Rand, r *request) int {
	m := mutableFields(r.Fields)
	if len(m) == 0 {
		return -1
	}
	return pick(rng, m)
}

// lengthValue is the Content-Length the request's body needs.
func lengthValue(r *request) string { return strconv.Itoa(r.wireBodyLength()) }

// setLength rewrites every plain decimal Content-Length to the body's length, after a
// structural mutator changed the body.
func setLength(r *request) {
	for _, i := range r.fieldIndex("Content-Length") {
		if _, err := strconv.Atoi(r.Fields[i].Value); err == nil {
			r.Fields[i].Value = lengthValue(r)
		}
	}
}

func clValue(r *request) (int, bool) {
	ix := r.fieldIndex("Content-Length")
	if len(ix) == 0 {
		return -1, false
	}
	return ix[0], true
}

// insertField puts a field at a random place after the Host line.
func insertField(rng *rand.Rand, r *request, f field) {
	at := 1 + rng.IntN(len(r.Fields))
	if at > len(r.Fields) {
		at = len(r.Fields)
	}
	r.Fields = append(r.Fields[:at], append([]field{f}, r.Fields[at:]...)...)
}

func newField(name, value string) field {
	return field{Name: name, Sep: ": ", Value: value, Term: crlf}
}

// pickTerm picks a line terminator a parser may or may not accept, and its name.
func pickTerm(rng *rand.Rand) (string, string) {
	switch rng.IntN(5) {
	case 0, 1:
		return "lf", "\n"
	case 2:
		return "cr", "\r"
	case 3:
		return "crcr", "\r\r\n"
	}
	return "lfcr", "\n\r"
}

func mutatorTable() []mutator {
	return append(append(baseMutators(), wsMutators()...), cgiNameMutator())
}

func baseMutators() []mutator {
	return []mutator{
		// --- structural ---
		{"smuggle-body", 3, structural, func(rng *rand.Rand, b *builder) string {
			r := b.main
			pad := pick(rng, []string{"", "x", "0\r\n\r\n", "hello"})
			payload := pad + b.smuggled()
			if r.Chunked {
				// Before the last chunk; alone when last-chunk:missing left no chunk.
				data := chunk{Size: strconv.FormatInt(int64(len(payload)), 16), Term: crlf, Data: payload, DataTerm: crlf}
				if n := len(r.Chunks); n > 0 {
					r.Chunks = append(r.Chunks[:n-1], data, r.Chunks[n-1])
				} else {
					r.Chunks = []chunk{data}
				}
				setLength(r)
				return "chunk"
			}
			if _, ok := clValue(r); !ok {
				r.add("Content-Length", "0")
			}
			r.Body = payload
			setLength(r)
			return "length"
		}},
		{"smuggle-after", 2, structural, func(rng *rand.Rand, b *builder) string {
			// TE.CL: the chunked body ends early; Content-Length covers the hidden request.
			r := b.main
			if !r.Chunked {
				return ""
			}
			r.Trailers = nil
			r.TrailerT = crlf + b.smuggled()
			if _, ok := clValue(r); !ok {
				insertField(rng, r, newField("Content-Length", "0"))
			}
			setLength(r)
			return "te-cl"
		}},
		{"te-cl", 5, structural, func(rng *rand.Rand, b *builder) string {
			r := b.main
			if !r.Chunked {
				if _, ok := clValue(r); !ok {
					return ""
				}
				// Content-Length body, plus a Transfer-Encoding a parser may or may not honour.
				insertField(rng, r, newField("Transfer-Encoding", pick(rng, []string{"chunked", "chunked", "identity"})))
				return "add-te"
			}
			if _, ok := clValue(r); ok {
				return ""
			}
			v := pick(rng, []string{"0", "3", "full", "short"})
			cl := v
			switch v {
			case "full":
				cl = lengthValue(r)
			case "short":
				cl = "0"
				if len(r.Chunks) > 0 {
					cl = strconv.Itoa(len(r.Chunks[0].Size) + len(r.Chunks[0].Term))
				}
			}
			insertField(rng, r, newField("Content-Length", cl))
			return "add-cl-" + v
		}},
		{"drop-framing", 1, structural, func(rng *rand.Rand, b *builder) string {
			r := b.main
			name := "Content-Length"
			if r.Chunked {
				name = "Transfer-Encoding"
			}
			ix := r.fieldIndex(name)
			if len(ix) == 0 {
				return ""
			}
			r.Fields = append(r.Fields[:ix[0]], r.Fields[ix[0]+1:]...)
			return strings.ToLower(name)
		}},
		{"cl-offset", 3, structural, func(rng *rand.Rand, b *builder) string {
			r := b.main
			i, ok := clValue(r)
			if !ok || r.Chunked {
				return ""
			}
			d := pick(rng, []int{-3, -1, 1, 2, 10})
			n := r.wireBodyLength() + d
			if n < 0 {
				n = 0
			}
			r.Fields[i].Value = strconv.Itoa(n)
			return strconv.Itoa(d)
		}},

		// --- Content-Length spellings ---
		{"cl", 8, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			i, ok := clValue(r)
			if !ok {
				return ""
			}
			v := strings.TrimSpace(r.Fields[i].Value)
			type sp struct{ name, val string }
			n, _ := strconv.Atoi(v)
			opts := []sp{
				{"plus", "+" + v}, {"minus", "-" + v}, {"zeros", "000" + v}, {"hex", "0x" + strconv.FormatInt(int64(n), 16)},
				{"underscore", underscore(v)}, {"underscore-x10", v + "_0"}, {"suffix", v + "a"}, {"inner-space", v + " 0"},
				{"overflow", "1844674407370955161" + strconv.Itoa(6+n)}, {"huge", "99999999999999999999"}, {"empty", ""},
				{"list-same", v + ", " + v}, {"list-diff", v + ", " + strconv.Itoa(n+1)}, {"list-empty-member", v + ","},
				{"pad", " \t" + v + " "}, {"decimal", v + ".0"}, {"sci", v + "e0"}, {"vt", v + "\x0b"}, {"nul", v + "\x00"},
				{"unicode-digit", "\xd9\xa5"}, {"quoted", "\"" + v + "\""},
			}
			o := pick(rng, opts)
			r.Fields[i].Value = o.val
			return o.name
		}},
		{"cl-dup", 4, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			i, ok := clValue(r)
			if !ok {
				return ""
			}
			v := strings.TrimSpace(r.Fields[i].Value)
			n, _ := strconv.Atoi(v)
			switch rng.IntN(3) {
			case 0:
				insertField(rng, r, newField("Content-Length", v))
				return "same"
			case 1:
				insertField(rng, r, newField("Content-Length", strconv.Itoa(n+1+rng.IntN(5))))
				return "larger"
			default:
				insertField(rng, r, newField("Content-Length", "0"))
				return "zero"
			}
		}},

		// --- Transfer-Encoding spellings ---
		{"te", 8, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			ix := r.fieldIndex("Transfer-Encoding")
			if len(ix) == 0 {
				return ""
			}
			i := ix[0]
			type sp struct{ name, val string }
			opts := []sp{
				{"upper", "CHUNKED"}, {"mixed", "Chunked"}, {"pad", " chunked "}, {"tab", "\tchunked"},
				{"identity-chunked", "identity, chunked"}, {"chunked-identity", "chunked, identity"},
				{"gzip-chunked", "gzip, chunked"}, {"chunked-twice", "chunked, chunked"}, {"param", "chunked;q=1"},
				{"xchunked", "xchunked"}, {"chunked-x", "chunked-x"}, {"quoted", "\"chunked\""}, {"vt", "chunked\x0b"},
				{"comma", ",chunked"}, {"empty-member", "chunked,"}, {"ff", "\x0cchunked"}, {"nul", "chunked\x00"},
				{"unknown", "x-conform"}, {"lf-inside", "chun\nked"}, {"high-byte", "chunked\xff"},
			}
			o := pick(rng, opts)
			r.Fields[i].Value = o.val
			return o.name
		}},
		{"te-dup", 3, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			if len(r.fieldIndex("Transfer-Encoding")) == 0 {
				return ""
			}
			v := pick(rng, []string{"chunked", "identity", "gzip", ""})
			insertField(rng, r, newField("Transfer-Encoding", v))
			if v == "" {
				return "empty"
			}
			return v
		}},
		{"te-http10", 3, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			if len(r.fieldIndex("Transfer-Encoding")) == 0 {
				return ""
			}
			r.Proto = "HTTP/1.0"
			if rng.IntN(2) == 0 {
				r.add("Connection", "keep-alive")
				return "keep-alive"
			}
			return "plain"
		}},
		{"framing-name", 5, spelling, func(rng *rand.Rand, b *builder) string {
			// The spelling of the name of a framing field: case, whitespace, odd bytes.
			r := b.main
			var ix []int
			ix = append(ix, r.fieldIndex("Transfer-Encoding")...)
			ix = append(ix, r.fieldIndex("Content-Length")...)
			if len(ix) == 0 {
				return ""
			}
			i := pick(rng, ix)
			name := strings.TrimSpace(r.Fields[i].Name)
			short := "te"
			if strings.EqualFold(name, "Content-Length") {
				short = "cl"
			}
			type sp struct{ name, val string }
			opts := []sp{
				{"lower", strings.ToLower(name)}, {"upper", strings.ToUpper(name)},
				{"space-before-colon", name + " "}, {"tab-before-colon", name + "\t"}, {"leading-space", " " + name},
				{"underscore", strings.ReplaceAll(name, "-", "_")}, {"nul", name + "\x00"}, {"high-byte", name + "\xff"},
				{"prefix", "X-" + name}, {"vt", name + "\x0b"},
			}
			o := pick(rng, opts)
			r.Fields[i].Name = o.val
			return short + "-" + o.name
		}},

		// --- chunked framing ---
		{"chunk-size", 8, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			if !r.Chunked || len(r.Chunks) < 2 {
				return ""
			}
			i := rng.IntN(len(r.Chunks) - 1)
			c := &r.Chunks[i]
			n, _ := strconv.ParseInt(c.Size, 16, 64)
			h := strconv.FormatInt(n, 16)
			type sp struct{ name, val string }
			opts := []sp{
				{"plus", "+" + h}, {"minus", "-" + h}, {"0x", "0x" + h}, {"underscore", underscore(h)}, {"zeros", "0000" + h},
				{"upper", strings.ToUpper(h)}, {"overflow", "1000000000000000" + pad16(h)}, {"huge", "fffffffffffffffff" + h},
				{"space-before", " " + h}, {"space-after", h + " "}, {"tab-after", h + "\t"}, {"non-hex-suffix", h + "g"},
				{"smaller", strconv.FormatInt(max(n-1, 0), 16)}, {"larger", strconv.FormatInt(n+1, 16)}, {"empty", ""},
				{"decimal", strconv.FormatInt(n, 10)}, {"nul", h + "\x00"},
			}
			o := pick(rng, opts)
			c.Size = o.val
			return o.name
		}},
		{"chunk-ext", 4, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			if !r.Chunked || len(r.Chunks) == 0 { // (last-chunk:missing may have left none)
				return ""
			}
			c := &r.Chunks[rng.IntN(len(r.Chunks))]
			type sp struct{ name, val string }
			opts := []sp{
				{"valid", ";a=b"}, {"flag", ";flag"}, {"quoted", ";q=\"x;y\""}, {"bws", " ; a = b"}, {"bare-semicolon", ";"},
				{"unterminated-quote", ";q=\"abc"}, {"space-inside", "; a b"}, {"lf-inside", ";a=\nb"}, {"cr-inside", ";a=\rb"},
				{"long", ";a=" + strings.Repeat("x", 5000)}, {"nul", ";a=\x00"},
			}
			o := pick(rng, opts)
			c.Ext = o.val
			return o.name
		}},
		{"chunk-term", 5, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			if !r.Chunked || len(r.Chunks) == 0 { // (last-chunk:missing may have left none)
				return ""
			}
			i := rng.IntN(len(r.Chunks))
			c := &r.Chunks[i]
			if c.Data != "" && rng.IntN(2) == 0 {
				v := pick(rng, []string{"lf", "bad", "missing", "cr"})
				c.DataTerm = map[string]string{"lf": "\n", "bad": "XX", "missing": "", "cr": "\r"}[v]
				return "data-" + v
			}
			v, t := pickTerm(rng)
			c.Term = t
			return "size-line-" + v
		}},
		{"last-chunk", 3, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			if !r.Chunked || len(r.Chunks) == 0 { // (last-chunk:missing may have left none)
				return ""
			}
			c := &r.Chunks[len(r.Chunks)-1]
			v := pick(rng, []string{"zeros", "ext", "missing", "space", "data"})
			switch v {
			case "zeros":
				c.Size = "000"
			case "ext":
				c.Ext = ";end=1"
			case "missing":
				r.Chunks = r.Chunks[:len(r.Chunks)-1]
				r.TrailerT = ""
			case "space":
				c.Size = "0 "
			case "data":
				c.Data, c.DataTerm = "x", crlf
			}
			return v
		}},
		{"trailer", 4, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			if !r.Chunked || r.TrailerT == "" {
				return ""
			}
			type sp struct {
				name string
				f    field
			}
			opts := []sp{
				{"plain", newField("X-Trailer", "t")}, {"content-length", newField("Content-Length", "99")},
				{"transfer-encoding", newField("Transfer-Encoding", "chunked")}, {"no-colon", field{Name: "X-Broken", Term: crlf}},
				{"space-before-colon", field{Name: "X-T ", Sep: ": ", Value: "v", Term: crlf}},
				{"lf", field{Name: "X-T", Sep: ": ", Value: "v", Term: "\n"}}, {"obs-fold", field{Name: "X-T", Sep: ": ", Value: "a\r\n b", Term: crlf}},
				{"request-line", field{Name: "GET / HTTP/1.1", Term: crlf}},
			}
			o := pick(rng, opts)
			r.Trailers = append(r.Trailers, o.f)
			return o.name
		}},
		{"trailer-end", 2, spelling, func(rng *rand.Rand, b *builder) string {
			// The line that ends the chunked body (after the trailer fields, if any), its own
			// feature so that ablation can tell it from the trailer fields: waitress ends a
			// trailer section only at CRLFCRLF (receiver.py), and that one cause had come
			// back as a finding per trailer field it was drawn with.
			r := b.main
			if !r.Chunked || !strings.HasPrefix(r.TrailerT, crlf) {
				return ""
			}
			v, t := pickTerm(rng)
			r.TrailerT = t + r.TrailerT[len(crlf):] // (a request smuggled after the body stays)
			return v
		}},

		// --- field lines ---
		{"eol", 6, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			v, t := pickTerm(rng)
			switch rng.IntN(4) {
			case 0:
				r.LineTerm = t
				return v + "@request-line"
			case 1:
				r.HeadTerm = t
				return v + "@head-end"
			default:
				i := pickField(rng, r)
				if i < 0 {
					return ""
				}
				r.Fields[i].Term = t
				if v == "lf" {
					// A field line ended by LF alone: make it every line, as a client would.
					for j := range r.Fields {
						r.Fields[j].Term = "\n"
					}
					r.LineTerm, r.HeadTerm = "\n", "\n"
					return "lf@all"
				}
				return v + "@field"
			}
		}},
		{"ws", 5, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			i := pickField(rng, r)
			if i < 0 {
				return ""
			}
			f := &r.Fields[i]
			v := pick(rng, []string{"before-colon", "tab-before-colon", "no-space", "value-pad", "value-tabs", "vt-ff", "leading", "nbsp"})
			switch v {
			case "before-colon":
				f.Name += " "
			case "tab-before-colon":
				f.Name += "\t"
			case "no-space":
				f.Sep = ":"
			case "value-pad":
				f.Sep, f.Value = ":   ", f.Value+"   "
			case "value-tabs":
				f.Sep, f.Value = ":\t", f.Value+"\t"
			case "vt-ff":
				f.Value = "\x0b" + f.Value + "\x0c"
			case "leading":
				f.Name = " " + f.Name
			case "nbsp":
				f.Value = "\xa0" + f.Value
			}
			return v
		}},
		{"obs-fold", 4, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			var ix []int
			ix = append(ix, r.fieldIndex("Transfer-Encoding")...)
			ix = append(ix, r.fieldIndex("Content-Length")...)
			where := "framing"
			if len(ix) == 0 || rng.IntN(2) == 0 {
				ix = mutableFields(r.Fields)
				where = "field"
			}
			if len(ix) == 0 {
				return ""
			}
			f := &r.Fields[pick(rng, ix)]
			fold := pick(rng, []string{"\r\n ", "\r\n\t", "\n "})
			if rng.IntN(2) == 0 {
				f.Value = fold + f.Value // the whole value on the continuation line
				return where + "-value-on-next-line"
			}
			f.Value += fold + "x"
			return where + "-continued"
		}},
		{"name-byte", 4, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			i := pickField(rng, r)
			if i < 0 {
				return ""
			}
			type sp struct{ name, val string }
			o := pick(rng, []sp{{"nul", "\x00"}, {"ctl", "\x01"}, {"space", " "}, {"del", "\x7f"}, {"high", "\xe9"}, {"at", "@"}, {"slash", "/"}, {"colon", ":"}, {"quote", "\""}, {"cr", "\r"}, {"lf", "\n"}})
			f := &r.Fields[i]
			at := rng.IntN(len(f.Name) + 1)
			f.Name = f.Name[:at] + o.val + f.Name[at:]
			return o.name
		}},
		{"value-byte", 3, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			i := pickField(rng, r)
			if i < 0 {
				return ""
			}
			type sp struct{ name, val string }
			o := pick(rng, []sp{{"nul", "\x00"}, {"cr", "\r"}, {"lf", "\n"}, {"ctl", "\x01"}, {"del", "\x7f"}, {"high", "\xff"}, {"cr-header", "\rX-Injected: 1"}, {"lf-header", "\nX-Injected: 1"}})
			f := &r.Fields[i]
			at := rng.IntN(len(f.Value) + 1)
			f.Value = f.Value[:at] + o.val + f.Value[at:]
			return o.name
		}},
		{"host", 2, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			ix := r.fieldIndex("Host")
			v := pick(rng, []string{"dup", "missing", "bad", "empty", "userinfo"})
			switch v {
			case "dup":
				insertField(rng, r, newField("Host", "other.example"))
			case "missing":
				if len(ix) == 0 {
					return ""
				}
				r.Fields = append(r.Fields[:ix[0]], r.Fields[ix[0]+1:]...)
			case "bad", "empty", "userinfo":
				if len(ix) == 0 {
					return ""
				}
				r.Fields[ix[0]].Value = map[string]string{"bad": "a b/c", "empty": "", "userinfo": "u@localhost"}[v]
			}
			return v
		}},
		{"header-count", 1, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			n := pick(rng, []int{50, 101, 200})
			for i := 0; i < n; i++ {
				r.add("X-Many-"+strconv.Itoa(i), "v")
			}
			return strconv.Itoa(n)
		}},

		// --- request-line ---
		{"request-line", 6, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			if strings.HasPrefix(r.Target, probes.Prefix) {
				// A changed path under the scenario prefix would name another scenario, whose
				// answer is not an echo: change a path outside it.
				r.Target = "/fuzz" + r.Target[len(probes.Prefix)-1:]
			}
			v := pick(rng, []string{"double-sp", "tab", "trailing-sp", "leading-crlf", "leading-lf", "leading-sp", "lower-proto",
				"http10", "http12", "http20", "http09", "proto-garbage", "proto-leading-zero", "method-lower", "method-odd",
				"absolute-form", "absolute-form-other-host", "asterisk", "target-space", "target-high", "target-fragment", "target-ctl", "long-target"})
			switch v {
			case "double-sp":
				r.SP1 = "  "
			case "tab":
				r.SP1 = "\t"
			case "trailing-sp":
				r.Proto += " "
			case "leading-crlf":
				r.Pre = "\r\n"
			case "leading-lf":
				r.Pre = "\n"
			case "leading-sp":
				r.Pre = " "
			case "lower-proto":
				r.Proto = strings.ToLower(r.Proto)
			case "http10":
				r.Proto = "HTTP/1.0"
			case "http12":
				r.Proto = "HTTP/1.2"
			case "http20":
				r.Proto = "HTTP/2.0"
			case "http09":
				r.SP2, r.Proto = "", ""
			case "proto-garbage":
				r.Proto = "HTTP/1.1x"
			case "proto-leading-zero":
				r.Proto = "HTTP/01.1"
			case "method-lower":
				r.Method = strings.ToLower(r.Method)
			case "method-odd":
				r.Method = pick(rng, []string{"G(T", "GE T", "M-SEARCH", "GET\x00", "\xc7ET"})
			case "absolute-form":
				r.Target = "http://localhost" + r.Target
			case "absolute-form-other-host":
				r.Target = "http://other.example" + r.Target
			case "asterisk":
				r.Method, r.Target = "OPTIONS", "*"
			case "target-space":
				r.Target += " x"
			case "target-high":
				r.Target += "\xe9"
			case "target-fragment":
				r.Target += "#frag"
			case "target-ctl":
				r.Target += "\x01"
			case "long-target":
				r.Target = "/" + strings.Repeat("a", 9000)
			}
			return v
		}},
		{"expect", 1, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			v := pick(rng, []string{"100-continue", "100-Continue", "nonsense"})
			r.add("Expect", v)
			return v
		}},
		{"connection", 2, spelling, func(rng *rand.Rand, b *builder) string {
			r := b.main
			v := pick(rng, []string{"close", "Close", "keep-alive", "close, keep-alive", "upgrade"})
			r.add("Connection", v)
			return v
		}},
		{"head-byte", 2, spelling, func(rng *rand.Rand, b *builder) string {
			// One byte put anywhere in a field line: the generic mutation.
			r := b.main
			i := pickField(rng, r)
			if i < 0 {
				return ""
			}
			f := &r.Fields[i]
			line := f.Name + f.Sep + f.Value
			c := pick(rng, []string{"\x00", "\r", "\n", "\x0b", " ", "\t", "\x80", "\xff", ":", ","})
			at := rng.IntN(len(line) + 1)
			line = line[:at] + c + line[at:]
			f.Name, f.Sep, f.Value = line, "", ""
			return strconv.Quote(c)
		}},
	}
}

// underscore writes a number with an underscore, as Python's int() accepts: "1_0" for "10",
// "0_5" for "5".
func underscore(v string) string {
	if len(v) >= 2 {
		return v[:1] + "_" + v[1:]
	}
	return "0_" + v
}

// pad16 left-pads a hex number to 16 digits, so "1" followed by it overflows 64 bits to it.
func pad16(h string) string {
	if len(h) >= 16 {
		return h
	}
	return strings.Repeat("0", 16-len(h)) + h
}
