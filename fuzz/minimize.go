package fuzz

import (
	"bytes"
	"context"
	"time"
)

// minimize shrinks raw by delta debugging (Zeller's ddmin) while keep still holds: first over
// lines, which removes whole field lines and requests quickly, then over single bytes. The
// lines that make a finding readable (request-lines and correlation ids) are kept whole: a
// reader must still see which request is which. keep is called at most budget times; the
// smallest input seen to hold is returned, so stopping early (budget, cancellation) still
// gives a valid, smaller finding.
//
// A fragmented case keeps its fragmentation: each write boundary stays between the same two
// original bytes (or where they were, once removed), with its pause, so a finding that
// needs a field split across reads keeps the split.
func minimize(ctx context.Context, raw []byte, writes []Write, budget int, keep func([]byte, []Write) bool) (best []byte, bestWrites []Write, tries int) {
	test := func(us []unit) bool {
		if tries >= budget || ctx.Err() != nil {
			return false
		}
		tries++
		return keep(join(us), remap(us, writes))
	}
	units := ddmin(splitLines(raw), test)
	if tries < budget && ctx.Err() == nil {
		units = ddmin(explode(units), test)
	}
	return join(units), remap(units, writes), tries
}

// unit is a piece of the input ddmin may remove, unless it is protected; off is where it
// starts in the original input.
type unit struct {
	b         []byte
	off       int
	protected bool
}

// splitLines cuts b into lines.
func splitLines(b []byte) []unit {
	var out []unit
	off := 0
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line = b[:i+1]
		}
		out = append(out, unit{line, off, protectedLine(line)})
		b, off = b[len(line):], off+len(line)
	}
	return out
}

// explode cuts every unprotected unit into single bytes; protected lines stay whole.
func explode(us []unit) []unit {
	var out []unit
	for _, u := range us {
		if u.protected {
			out = append(out, u)
			continue
		}
		for k := range u.b {
			out = append(out, unit{u.b[k : k+1], u.off + k, false})
		}
	}
	return out
}

// remap places the original writes' boundaries in what the units keep: a boundary at
// original offset p goes after every kept byte that was before p. Boundaries that meet,
// or fall at either end, merge (keeping the longer pause). A FIN after the last write stays.
func remap(us []unit, writes []Write) []Write {
	out := remapCuts(us, writes)
	if !halfCloses(writes) {
		return out
	}
	total := 0
	for _, u := range us {
		total += len(u.b)
	}
	return withHalfClose(out, total)
}

func remapCuts(us []unit, writes []Write) []Write {
	if len(writes) < 2 {
		return nil
	}
	total := 0
	for _, u := range us {
		total += len(u.b)
	}
	var cuts []Write // Len holds the new position here
	p := 0
	for _, w := range writes[:len(writes)-1] {
		p += w.Len
		pos := 0
		for _, u := range us {
			pos += max(0, min(len(u.b), p-u.off))
		}
		if pos <= 0 || pos >= total {
			continue
		}
		if n := len(cuts); n > 0 && cuts[n-1].Len == pos {
			cuts[n-1].Delay = max(cuts[n-1].Delay, delayAfter(writes, p))
			continue
		}
		cuts = append(cuts, Write{Len: pos, Delay: delayAfter(writes, p)})
	}
	if len(cuts) == 0 {
		return nil
	}
	out := make([]Write, 0, len(cuts)+1)
	prev := 0
	var delay time.Duration
	for _, c := range cuts {
		out = append(out, Write{Len: c.Len - prev, Delay: delay})
		prev, delay = c.Len, c.Delay
	}
	return append(out, Write{Len: total - prev, Delay: delay})
}

// delayAfter is the pause before the write that starts at original offset p.
func delayAfter(writes []Write, p int) time.Duration {
	off := 0
	for _, w := range writes {
		if off == p {
			return w.Delay
		}
		off += w.Len
	}
	return 0
}

func protectedLine(line []byte) bool {
	return plausibleStart(string(line)) || bytes.HasPrefix(bytes.ToLower(line), []byte("x-conform-id:"))
}

func join(units []unit) []byte {
	var out []byte
	for _, u := range units {
		out = append(out, u.b...)
	}
	return out
}

// ddmin removes subsets of units (complements of n-way partitions, then single partitions)
// while test holds, doubling the granularity when nothing can be removed.
func ddmin(units []unit, test func([]unit) bool) []unit {
	n := 2
	for len(units) >= 2 {
		chunk := (len(units) + n - 1) / n
		reduced := false
		// Try removing one part at a time (the complement keeps the rest).
		for start := 0; start < len(units); start += chunk {
			end := min(start+chunk, len(units))
			cand := append([]unit{}, units[:start]...)
			for _, u := range units[start:end] {
				if u.protected {
					cand = append(cand, u)
				}
			}
			cand = append(cand, units[end:]...)
			if len(cand) == len(units) || len(cand) == 0 {
				continue
			}
			if test(cand) {
				units = cand
				n = max(n-1, 2)
				reduced = true
				break
			}
		}
		if reduced {
			continue
		}
		if n >= len(units) {
			break
		}
		n = min(2*n, len(units))
	}
	return units
}
