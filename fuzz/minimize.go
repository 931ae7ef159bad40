package fuzz

import (
	"bytes"
	"context"
)

// minimize shrinks raw by delta debugging (Zeller's ddmin) while keep still holds: first over
// lines, which removes whole field lines and requests quickly, then over single bytes. The
// lines that make a finding readable (request-lines and correlation ids) are kept whole: a
// reader must still see which request is which. keep is called at most budget times; the
// smallest input seen to hold is returned, so stopping early (budget, cancellation) still
// gives a valid, smaller finding.
func minimize(ctx context.Context, raw []byte, budget int, keep func([]byte) bool) (best []byte, tries int) {
	test := func(b []byte) bool {
		if tries >= budget || ctx.Err() != nil {
			return false
		}
		tries++
		return keep(b)
	}
	best = ddmin(splitLines(raw, false), test)
	if tries < budget && ctx.Err() == nil {
		best = ddmin(splitLines(best, true), test)
	}
	return best, tries
}

// unit is a piece of the input ddmin may remove, unless it is protected.
type unit struct {
	b         []byte
	protected bool
}

// splitLines cuts b into lines (or, with bytewise, into single bytes except for the
// protected lines).
func splitLines(b []byte, bytewise bool) []unit {
	var out []unit
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line = b[:i+1]
		}
		b = b[len(line):]
		p := protectedLine(line)
		if !bytewise || p {
			// Protected lines stay whole in both passes.
			out = append(out, unit{line, p})
			continue
		}
		for k := range line {
			out = append(out, unit{line[k : k+1], false})
		}
	}
	return out
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
func ddmin(units []unit, test func([]byte) bool) []byte {
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
			if test(join(cand)) {
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
	return join(units)
}
