package fuzz

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/reference"
)

// caseWithOnly finds a case of g whose features include one starting with prefix, and
// rebuilds it with that feature alone (no other mutator, follow-up, fragmentation or FIN).
func caseWithOnly(t *testing.T, g *Generator, prefix string) *Case {
	t.Helper()
	for n := int64(0); n < 50000; n++ {
		c := g.Case(n)
		keep := make([]bool, len(c.Features))
		found := false
		for i, f := range c.Features {
			if strings.HasPrefix(f, prefix) && !found {
				keep[i], found = true, true
			}
		}
		if !found {
			continue
		}
		r := g.Rebuild(c, keep)
		if len(r.Features) == 1 && strings.HasPrefix(r.Features[0], prefix) {
			return r
		}
	}
	t.Fatalf("no case with %s in 50000", prefix)
	return nil
}

// TestOddWhitespaceMutatorsFindDeviations: each new mutator, alone on a case, makes a
// reference deviated the way some server parses disagree with the conforming reference,
// which agrees with itself on the same bytes; the finding's label names the mutator.
func TestOddWhitespaceMutatorsFindDeviations(t *testing.T) {
	g := NewGenerator(11, nil)
	for _, c := range []struct {
		feature, dev string
		class        Class
	}{
		// Python's str.strip() (werkzeug's int() of the latin-1 text) takes NBSP and NEL.
		{"chunk-ws:nbsp", "ChunkSizeStrInt", Leniency},
		{"chunk-ws:nel", "ChunkSizeStrInt", Leniency},
		// int(bytes, 16) strips VT and FF.
		{"chunk-ws:vt", "ChunkSizePythonInt", Leniency},
		{"chunk-ws:ff", "ChunkSizePythonInt", Leniency},
		// A name that is no token, its odd space kept in it: Content-Length is then no
		// framing field, and the body is read as the next request.
		{"colon-ws:framing-vt", "AcceptInvalidFieldNames", ""},
		{"colon-ws:framing-nbsp", "AcceptInvalidFieldNames", ""},
		// A bare CR after chunk-data, a valid line after it.
		{"chunk-data-end:cr-then-chunk", "ChunkLinesEndAtCR", Leniency},
		{"chunk-data-end:cr-then-last", "ChunkLinesEndAtCR", Leniency},
		// chunk lines read by readline(): a bare LF ends chunk-data.
		{"chunk-data-end:lf-then-chunk", "ChunkLinesReadline", Leniency},
		{"chunk-data-end:lf-then-last", "ChunkLinesReadline", Leniency},
	} {
		t.Run(c.feature+"/"+c.dev, func(t *testing.T) {
			k := caseWithOnly(t, g, c.feature)
			var d reference.Deviations
			if err := d.Set(c.dev, ""); err != nil {
				t.Fatal(err)
			}
			for _, dev := range []reference.Deviations{{}, d} {
				ref, err := reference.Start(reference.Options{Deviations: dev})
				if err != nil {
					t.Fatal(err)
				}
				_, _, v := Replay(context.Background(), ref.Addr, k.Bytes, k.Writes, ReplayOptions{Timing: Timing{Idle: 500 * time.Millisecond}})
				ref.Close()
				switch {
				case !dev.Any() && v.Class != "":
					t.Errorf("%q: the conforming reference disagrees with itself: %s (%s)", k.Bytes, v.Core(), v.Detail)
				// A chunked body taken though the reference rejects it may show as the input
				// class (the application was handed it without an error) as well.
				case dev.Any() && (v.Class == "" || c.class != "" && v.Class != c.class && !(c.class == Leniency && v.Class == Input)):
					t.Errorf("%q against %s: verdict %q (%s), want class %q", k.Bytes, c.dev, v.Core(), v.Detail, c.class)
				}
			}
		})
	}
}
