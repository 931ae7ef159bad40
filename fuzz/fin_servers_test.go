package fuzz

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// askedFor says CONFORM_SERVERS asks for server: "1", "all", "true" or "yes", or a comma
// list naming it. These tests start real servers, so they run only when asked.
func askedFor(t *testing.T, server string) {
	t.Helper()
	v := os.Getenv("CONFORM_SERVERS")
	if !slices.Contains([]string{"1", "all", "true", "yes"}, v) && !slices.Contains(strings.Split(v, ","), server) {
		t.Skipf("%s: set CONFORM_SERVERS=%s (or 1) to run", server, server)
	}
}

// TestFinFindsCherootShortBody: cheroot hands the application a Content-Length body cut short
// by the client's FIN as if it were whole: KnownLengthRFile.read returns what rfile.read
// gave and counts it off `remaining` (cheroot/server.py:376-378), with no error when the
// stream ended first. The session's FIN case finds it, and the finding replays with its FIN.
func TestFinFindsCherootShortBody(t *testing.T) {
	askedFor(t, "cheroot")
	in := realServer(t, "cheroot")
	const core = "leniency/served-incomplete/rfc9112/6.3 body shorter than Content-Length at the FIN"
	sum := session1(t, Options{Instance: in, Seed: 1, Duration: 20 * time.Second, MinimizeBudget: -1},
		want{name: core, match: func(f *Finding) bool { return f.Signature == core }})
	for _, f := range sum.Findings {
		if f.Signature != core {
			continue
		}
		if !halfCloses(f.Writes) {
			t.Fatalf("the finding's writes do not end with a FIN: %+v", f.Writes)
		}
		if _, o, v := Replay(context.Background(), in.Addr, f.Bytes, f.Writes, ReplayOptions{}); v.Core() != core {
			t.Errorf("replayed alone: %q (%d answers, %s), want %q", v.Core(), len(o.Answers), o.End, core)
		}
	}
}

// TestOddFoldAgainstTornado: tornado takes a line that starts with any character str.isspace()
// knows for an obs-fold continuation (`if line[0].isspace()`, tornado/httputil.py:173, on
// the latin-1 text): VT, FF, NEL and NBSP too, where RFC 9112 §5.2 allows SP and HTAB.
func TestOddFoldAgainstTornado(t *testing.T) {
	askedFor(t, "tornado")
	in := realServer(t, "tornado")
	// The fold continues a field no framing depends on, so that tornado, taking it, serves
	// the request the reference rejects (a fold onto Content-Length may make both reject).
	for sp, b := range map[string]string{"vt": "\v", "ff": "\f", "nel": "\x85", "nbsp": "\xa0"} {
		raw := []byte("POST /__conform__/echo HTTP/1.1\r\nHost: localhost\r\nX-Conform-Id: f1-m0\r\nX-Fold: one\r\n" + b +
			"two\r\nContent-Length: 5\r\n\r\nhello" + string(sentinel(1).appendTo(nil)))
		_, _, v := Replay(context.Background(), in.Addr, raw, nil, ReplayOptions{})
		if v.Class != Leniency && v.Class != Framing {
			t.Errorf("%s: %q: verdict %q (%s), want tornado to take the line for a fold", sp, raw, v.Core(), v.Detail)
		} else {
			t.Logf("%s: %s", sp, v.Core())
		}
	}
	// The mutator makes such lines: each variant is there.
	g := NewGenerator(11, nil)
	for _, sp := range []string{"vt", "ff", "nel", "nbsp"} {
		if c := caseWithOnly(t, g, "fold-ws:"+sp+"-continued"); !bytes.Contains(c.Bytes, []byte("\r\n"+map[string]string{"vt": "\v", "ff": "\f", "nel": "\x85", "nbsp": "\xa0"}[sp])) {
			t.Errorf("fold-ws:%s-continued: no line starts with it: %q", sp, c.Bytes)
		}
	}
}

// TestFinSpinsGunicornSyncWorker: gunicorn 20.1's ChunkedReader, after a chunk's data, reads
// until it has the two bytes of the CRLF that must follow (`while len(rest) < 2: rest +=
// unreader.read()`, gunicorn/http/body.py:69-70); after the client's FIN, read() returns b""
// for ever, and the sync worker spins on one core while the other worker serves. The spin
// watch finds it from a FIN case that ends right after chunk-data.
func TestFinSpinsGunicornSyncWorker(t *testing.T) {
	askedFor(t, "gunicorn-sync")
	in := realServer(t, "gunicorn-sync")
	spins := func(f *Finding) bool {
		return f.Class == Crash && (f.Kind == KindSpinsAfterFin || f.Kind == KindSpins) && halfCloses(f.Writes)
	}
	sum := session1(t, Options{Instance: in, Seed: 1, Duration: 40 * time.Second, MinimizeBudget: -1}, want{name: "spin after a FIN", match: spins})
	for _, f := range sum.Findings {
		if !spins(f) {
			continue
		}
		if !slices.Contains(f.AllFeatures, "fin:chunk-data") {
			t.Errorf("the spin finding (%s) ends elsewhere than after chunk-data: %v, %q", f.Signature, f.AllFeatures, f.Bytes)
		}
		t.Logf("%s: %q", f.Signature, f.Bytes)
	}
}

// TestFinSpinsWerkzeug: werkzeug 2.2's DechunkedInput.readinto counts the n bytes it asked
// for as read whatever `self._rfile.read(n)` returned (werkzeug/serving.py:134-136, and
// 130-132): after the client's FIN read() gives b"", the chunk's length left is never used
// up, and an application reading to the end of a chunk announced far longer than what came
// loops for ever (on a thread of its own: the server goes on answering). The session starts
// from a chunked request with such a chunk-size, as the chunk-size mutator's "huge" spelling
// writes it. (A seed's body is not rebuilt as chunks, so the FIN comes at fin:length-body,
// anywhere in the chunk line or its data: a cut chunk-size line is still a huge length.)
func TestFinSpinsWerkzeug(t *testing.T) {
	askedFor(t, "werkzeug")
	in := realServer(t, "werkzeug")
	seed := Seed{Check: "huge-chunk", Bytes: []byte("POST /__conform__/echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff5\r\nhello\r\n0\r\n\r\n")}
	spins := func(f *Finding) bool { return f.Class == Crash && f.Kind == KindSpinsAfterFin }
	sum := session1(t, Options{Instance: in, Seed: 1, Duration: 40 * time.Second, MinimizeBudget: -1, Catalog: []Seed{seed}}, want{name: "spin after a FIN", match: spins})
	for _, f := range sum.Findings {
		if spins(f) {
			// (The head may end in another spelling the server takes, such as a bare LF.)
			if !halfCloses(f.Writes) || !bytes.Contains(f.Bytes, []byte("\nfff")) {
				t.Errorf("the spin finding does not end inside the huge chunk with a FIN: %v, %+v, %q", f.AllFeatures, f.Writes, f.Bytes)
			}
			t.Logf("%s: %q", f.Signature, f.Bytes)
		}
	}
}
