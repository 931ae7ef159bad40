package fuzz

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
)

// Case is one generated test: the bytes of one connection and how they are written.
type Case struct {
	Seed uint64
	N    int64
	// Base says where the mutated request came from: "catalog:<check id>" or "grammar:<shape>".
	Base string
	// Features are the generator decisions that shaped the case, in order: the mutators that
	// applied (as "name:variant"), the pipelined follow-ups and the fragmentation. Ablation
	// removes them one at a time to find the ones a finding needs.
	Features []string
	Bytes    []byte
	// Writes split Bytes into separate writes (fragmentation); nil is one write.
	Writes []Write
	// items are the plan entries that produced Features (same order), for ablation.
	items []int
}

// Write is one write of a fragmented case.
type Write struct {
	Len   int           `json:"len"`
	Delay time.Duration `json:"delay_ns"`
	// HalfClose, on the last write, shuts down the sending side after it (a FIN case).
	HalfClose bool `json:"half_close,omitempty"`
}

// Generator makes cases. It is deterministic: the case numbered n for a given seed is always
// the same bytes, whatever order cases are made in and whichever goroutine makes them.
type Generator struct {
	seed    uint64
	seeds   []catalogSeed
	muts    []mutator
	shapes  []shape
	follows []followKind
}

// catalogSeed is one connection's requests recorded from the check catalog.
type catalogSeed struct {
	Check string
	Reqs  []*request
}

// NewGenerator returns a generator for seed; catalog holds the byte strings of the check
// catalog's connections (see CatalogSeeds), each labelled by its check id. Without a
// catalog the grammar alone makes the base requests.
func NewGenerator(seed uint64, catalog []Seed) *Generator {
	g := &Generator{seed: seed, muts: mutatorTable(), shapes: shapeTable(), follows: followTable()}
	for _, s := range catalog {
		reqs := parseLenient(s.Bytes)
		if len(reqs) == 0 || len(s.Bytes) > 8<<10 {
			continue
		}
		g.seeds = append(g.seeds, catalogSeed{Check: s.Check, Reqs: reqs})
	}
	return g
}

// Seed is a base request taken from somewhere else (the check catalog, a corpus).
type Seed struct {
	Check string `json:"check"`
	Bytes []byte `json:"bytes"`
}

// plan is every random decision of a case, drawn up front so that dropping one of them
// (ablation) leaves the others as they were.
type plan struct {
	base     int // < len(seeds): a catalog seed; else a grammar shape
	baseSeed uint64
	steps    []planStep
	follows  []planStep // m indexes followKinds
	frag     uint64     // 0: no fragmentation
	read     uint64     // 0: the probe's default read mode
	fin      uint64     // 0: the case ends with the sentinel; else it ends inside the main request, with a FIN
}

type planStep struct {
	m    int
	seed uint64
}

// Case returns case n with every planned feature.
func (g *Generator) Case(n int64) *Case { return g.build(n, nil, "") }

// plan draws the decisions of case n.
func (g *Generator) plan(n int64) plan {
	rng := rand.New(rand.NewPCG(g.seed, uint64(n)))
	var p plan
	// Half the cases start from the catalog's own requests (when there is a catalog).
	if len(g.seeds) > 0 && rng.IntN(2) == 0 {
		p.base = rng.IntN(len(g.seeds))
	} else {
		p.base = len(g.seeds) + rng.IntN(len(g.shapes))
	}
	p.baseSeed = rng.Uint64()
	k := 1 + rng.IntN(3)
	if rng.IntN(8) == 0 {
		k = 0 // the base request alone, as a control
	}
	for i := 0; i < k; i++ {
		p.steps = append(p.steps, planStep{m: pickWeighted(rng, g.muts), seed: rng.Uint64()})
	}
	// Structural mutators (which change what the body holds) go first, so that the spelling
	// mutators act on the final structure.
	slices.SortStableFunc(p.steps, func(a, b planStep) int { return int(g.muts[a.m].kind) - int(g.muts[b.m].kind) })
	for i, nf := 0, rng.IntN(3); i < nf; i++ {
		p.follows = append(p.follows, planStep{m: rng.IntN(len(g.follows)), seed: rng.Uint64()})
	}
	// 1 in 10: fragmentation holds a worker of a one-connection-at-a-time server during its
	// pauses, and the Python servers here buffer until a line or head is complete, so it
	// rarely changes an answer; it stays for the servers that do parse per read.
	if rng.IntN(10) == 0 {
		p.frag = rng.Uint64() | 1
	}
	// 1 in 3: the application reads its body another way (readModes). Drawn last, so the
	// decisions above stay those of earlier sessions' cases.
	if rng.IntN(3) == 0 {
		p.read = rng.Uint64() | 1
	}
	// The FIN place, drawn after the read mode for the same reason.
	planFin(rng, &p)
	return p
}

// Rebuild makes case n again with only the features whose indexes (into Case.Features) keep
// says; the others are left out as if never planned.
func (g *Generator) Rebuild(c *Case, keep []bool) *Case {
	allowed := map[int]bool{}
	for i, it := range c.items {
		if i < len(keep) && keep[i] {
			allowed[it] = true
		}
	}
	return g.build(c.N, func(item int) bool { return allowed[item] }, "")
}

// rebuildNeutral is Rebuild on the plainest base request of the given shape (see
// neutralRequest): when a finding survives it, the base request it was found on does not
// matter beyond its shape.
func (g *Generator) rebuildNeutral(c *Case, keep []bool, shape string) *Case {
	allowed := map[int]bool{}
	for i, it := range c.items {
		if i < len(keep) && keep[i] {
			allowed[it] = true
		}
	}
	return g.build(c.N, func(item int) bool { return allowed[item] }, shape)
}

// builder is the state mutators work on.
type builder struct {
	n       int64
	main    *request
	extra   []*request // requests of a catalog seed after the first one
	follows []*request
	smuggle int // smuggled requests made so far
}

// smuggled returns a complete, well-formed request with a fresh smuggled-role id, for a
// mutator to hide in a body.
func (b *builder) smuggled() string {
	r := newRequest("GET", probes.Prefix+"echo", "HTTP/1.1", caseID(b.n, roleSmuggled, b.smuggle), roleSmuggled)
	b.smuggle++
	return string(r.appendTo(nil))
}

// Item numbering: mutation steps are 0.., follow-ups 100.., fragmentation 200, the read
// mode 300, the FIN 400.
const (
	itemFollow = 100
	itemFrag   = 200
	itemRead   = 300
	itemFin    = 400
)

func (g *Generator) build(n int64, allow func(item int) bool, neutral string) *Case {
	p := g.plan(n)
	if allow == nil {
		allow = func(int) bool { return true }
	}
	c := &Case{Seed: g.seed, N: n}
	b := &builder{n: n}
	brng := rand.New(rand.NewPCG(p.baseSeed, 1))
	switch {
	case neutral != "":
		c.Base = "neutral:" + neutral
		b.main = neutralRequest(neutral, caseID(n, roleMain, 0))
	case p.base < len(g.seeds):
		s := g.seeds[p.base]
		c.Base = "catalog:" + s.Check
		b.main = s.Reqs[0].clone()
		for _, r := range s.Reqs[1:] {
			b.extra = append(b.extra, r.clone())
		}
		adoptSeed(b)
	default:
		shape := g.shapes[p.base-len(g.seeds)]
		c.Base = "grammar:" + shape.name
		b.main = shape.make(brng, b)
	}
	for i, st := range p.steps {
		if !allow(i) {
			continue
		}
		rng := rand.New(rand.NewPCG(st.seed, uint64(i)))
		// A mutator that does not apply to this request hands over to another one drawn from
		// the same stream, so the step still mutates something.
		for try := 0; try < 4; try++ {
			m := &g.muts[st.m]
			if try > 0 {
				m = &g.muts[pickWeighted(rng, g.muts)]
			}
			if v := m.apply(rng, b); v != "" {
				c.Features = append(c.Features, m.name+":"+v)
				c.items = append(c.items, i)
				break
			}
		}
	}
	for i, f := range p.follows {
		if !allow(itemFollow + i) {
			continue
		}
		fk := g.follows[f.m]
		rng := rand.New(rand.NewPCG(f.seed, uint64(i)))
		// Follow-up ids continue after the ids of a catalog seed's own later requests.
		b.follows = append(b.follows, fk.make(rng, caseID(n, roleFollow, 1+len(b.extra)+len(b.follows))))
		c.Features = append(c.Features, "follow:"+fk.name)
		c.items = append(c.items, itemFollow+i)
	}
	if p.read != 0 && allow(itemRead) {
		// After the mutators, so that a request-line mutator cannot take the parameter away.
		if m := applyReadMode(rand.New(rand.NewPCG(p.read, 3)), b.main); m != "" {
			c.Features = append(c.Features, "read:"+m)
			c.items = append(c.items, itemRead)
		}
	}
	var out []byte
	fin := ""
	if p.fin != 0 && allow(itemFin) {
		out, fin = cutForFin(rand.New(rand.NewPCG(p.fin, 3)), b.main)
	}
	if fin == "" {
		out = b.main.appendTo(out)
		for _, r := range b.extra {
			out = r.appendTo(out)
		}
		for _, r := range b.follows {
			out = r.appendTo(out)
		}
		out = sentinel(n).appendTo(out)
	}
	c.Bytes = out
	if p.frag != 0 && allow(itemFrag) {
		rng := rand.New(rand.NewPCG(p.frag, 2))
		c.Writes = fragment(rng, len(out))
		c.Features = append(c.Features, fmt.Sprintf("frag:%d", len(c.Writes)))
		c.items = append(c.items, itemFrag)
	}
	if fin != "" {
		c.Writes = withHalfClose(c.Writes, len(out))
		c.Features = append(c.Features, "fin:"+fin)
		c.items = append(c.items, itemFin)
	}
	return c
}

// neutralRequest is the plainest request of a shape: "get", "length" (a Content-Length body)
// or "chunked".
func neutralRequest(shape, id string) *request {
	switch shape {
	case "length":
		return newRequest("POST", probes.Prefix+"echo", "HTTP/1.1", id, roleMain).withLength("hello")
	case "chunked":
		return newRequest("POST", probes.Prefix+"echo", "HTTP/1.1", id, roleMain).withChunks("hello")
	}
	return newRequest("GET", probes.Prefix+"echo", "HTTP/1.1", id, roleMain)
}

// shapeOf names the neutral shape closest to a case's base request.
func (g *Generator) shapeOf(n int64) string {
	p := g.plan(n)
	var r *request
	if p.base < len(g.seeds) {
		r = g.seeds[p.base].Reqs[0]
	} else {
		r = g.shapes[p.base-len(g.seeds)].make(rand.New(rand.NewPCG(p.baseSeed, 1)), &builder{n: n})
	}
	switch {
	case r.Chunked || len(r.fieldIndex("Transfer-Encoding")) > 0:
		return "chunked"
	case len(r.fieldIndex("Content-Length")) > 0:
		return "length"
	}
	return "get"
}

// sentinel is the request every case ends with: a well-formed GET of the echo whose id says
// whether the server got back in step after the mutated request.
func sentinel(n int64) *request {
	return newRequest("GET", probes.Prefix+"echo", "HTTP/1.1", caseID(n, roleSentinel, 0), roleSentinel)
}

// adoptSeed gives a catalog request this case's ids and keeps it on the echo scenario: other
// scenarios (sleep, stream, close...) would answer something the oracle cannot compare.
func adoptSeed(b *builder) {
	all := append([]*request{b.main}, b.extra...)
	for k, r := range all {
		ro := roleMain
		if k > 0 {
			ro = roleFollow
		}
		r.Role = ro
		id := caseID(b.n, ro, k)
		found := false
		for i := range r.Fields {
			if r.Fields[i].Lock {
				r.Fields[i].Value = id
				found = true
			}
		}
		if !found {
			r.Fields = append([]field{{Name: probes.IDHeader, Sep: ": ", Value: id, Term: crlf, Lock: true}}, r.Fields...)
		}
		r.Target = safeTarget(r.Target)
		// Ids inside a body belong to requests hidden there.
		if strings.Contains(strings.ToLower(r.Body), strings.ToLower(probes.IDHeader)) {
			var nb []byte
			last := 0
			for _, o := range findIDs([]byte(r.Body)) {
				nb = append(nb, r.Body[last:o.Pos]...)
				nb = append(nb, caseID(b.n, roleSmuggled, b.smuggle)...)
				b.smuggle++
				last = o.Pos + len(o.ID)
			}
			r.Body = string(append(nb, r.Body[last:]...))
		}
	}
}

// safeTarget maps a request-target under the probe's scenario prefix to the echo scenario
// with its default read mode, the only scenario whose answer the oracle compares.
func safeTarget(t string) string {
	path := t
	if i := strings.Index(t, "://"); i >= 0 {
		if j := strings.IndexByte(t[i+3:], '/'); j >= 0 {
			path = t[i+3+j:]
		}
	}
	if strings.HasPrefix(path, probes.Prefix) || strings.HasPrefix(strings.ToLower(path), "/%5f") {
		return probes.Prefix + "echo"
	}
	return t
}

// fragment splits n bytes into 2-4 writes with short pauses, so a server that parses each
// read on its own (rather than the stream) shows it.
func fragment(rng *rand.Rand, n int) []Write {
	if n < 4 {
		return nil
	}
	k := 1 + rng.IntN(3)
	cuts := map[int]bool{}
	for len(cuts) < k && len(cuts) < n-1 {
		cuts[1+rng.IntN(n-1)] = true
	}
	pos := make([]int, 0, len(cuts))
	for c := range cuts {
		pos = append(pos, c)
	}
	slices.Sort(pos)
	var out []Write
	prev := 0
	for _, p := range pos {
		out = append(out, Write{Len: p - prev})
		prev = p
	}
	out = append(out, Write{Len: n - prev})
	for i := 1; i < len(out); i++ {
		// 0.2-1ms: long enough for a server blocked in recv to take the first part alone
		// (seen under strace with gunicorn's sync worker at 200µs), short enough not to
		// hold a worker of a server that serves one connection at a time.
		out[i].Delay = time.Duration(1+rng.IntN(5)) * 200 * time.Microsecond
	}
	return out
}

// weighted is anything pickWeighted can choose from.
type weighted interface{ weightOf() int }

func pickWeighted[T weighted](rng *rand.Rand, xs []T) int {
	total := 0
	for _, x := range xs {
		total += x.weightOf()
	}
	r := rng.IntN(total)
	for i, x := range xs {
		r -= x.weightOf()
		if r < 0 {
			return i
		}
	}
	return len(xs) - 1
}
