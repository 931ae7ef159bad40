package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/conform-wsgi/conform/desync"
	"github.com/conform-wsgi/conform/fuzz"
	"github.com/conform-wsgi/conform/internal/atomicfile"
	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/internal/relay"
	"github.com/conform-wsgi/conform/internal/safetext"
	"github.com/conform-wsgi/conform/probes"
)

// stackDesyncsKept bounds the desyncs a fuzzing session through a front keeps; the rest
// are counted.
const stackDesyncsKept = 1000

// stackDesync is one upstream connection on which the server answered more requests than
// the front forwarded, during a fuzzing session through a front: the fuzzer's cases whose
// requests travelled on it.
type stackDesync struct {
	Conn                int
	Cases               []int64
	Why                 string
	Forwarded, Returned []byte
}

// desyncCause is a case that desyncs the stack when sent alone through a fresh front, with
// every other such case of the same generator features: what a maintainer fixes once.
type desyncCause struct {
	// Kind is "desync" (the server answered more requests than the front forwarded) or
	// "unsolicited" (after every answer owed it sent bytes that are not HTTP).
	Kind     string   `json:"kind"`
	Features []string `json:"features"`
	// Base is the request the first case started from; with no features, any such request
	// desyncs the stack.
	Base string `json:"base"`
	// Cases are the cases shown to desync alone; Conns counts the session's desynced
	// upstream connections that carried one of them.
	Cases []int64 `json:"cases"`
	Conns int     `json:"conns"`
	Why   string  `json:"why"`
	// Bytes are the shortest of the cases' bytes (for conform replay --front); Forwarded and
	// Returned what passed between front and server when it was sent alone.
	Bytes     []byte `json:"bytes"`
	Forwarded []byte `json:"forwarded"`
	Returned  []byte `json:"returned"`
	Server    string `json:"server"`
	Front     string `json:"front"`
}

// stackWatch judges, while a fuzzing session runs through a front, every upstream
// connection the relay saw close, and keeps the desyncs.
type stackWatch struct {
	in *harness.Instance

	mu      sync.Mutex
	desyncs []stackDesync
	more    int // desyncs beyond stackDesyncsKept
	judged  int
	// unsolicited counts the connections (among desyncs) that only had unsolicited bytes.
	unsolicited int
	stop        chan struct{}
	done        chan struct{}
}

func watchStack(in *harness.Instance) *stackWatch {
	w := &stackWatch{in: in, stop: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

func (w *stackWatch) loop() {
	defer close(w.done)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
			w.judge(w.in.Relay.TakeClosed())
		}
	}
}

func (w *stackWatch) judge(conns []relay.Conn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range conns {
		v := desync.Judge(c)
		if !v.Judged {
			continue
		}
		w.judged++
		if v.Unsolicited {
			w.unsolicited++
		}
		if !v.Desync && !v.Unsolicited {
			continue
		}
		if len(w.desyncs) >= stackDesyncsKept {
			w.more++
			continue
		}
		d := stackDesync{Conn: v.Conn, Why: v.Why}
		for _, id := range probes.RequestIDs(c.Forwarded) {
			if n, ok := fuzz.CaseOfID(id); ok && !slices.Contains(d.Cases, n) {
				d.Cases = append(d.Cases, n)
			}
		}
		w.desyncs = append(w.desyncs, d)
	}
}

// finish stops the front, so every upstream connection ends whole, judges the last ones,
// and returns the desyncs.
func (w *stackWatch) finish(ctx context.Context) []stackDesync {
	close(w.stop)
	<-w.done
	w.in.Front.Stop()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	w.in.Relay.Settle(sctx)
	w.judge(w.in.Relay.TakeClosed())
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.desyncs)
}

// aloneCandidates and aloneTime bound the cases sent alone through a fresh front to find
// the desyncs' causes; aloneTime, at most a quarter of --duration, is taken from the
// session's cases.
const (
	aloneCandidates = 24
	aloneTime       = 45 * time.Second
)

// causes sends the cases found on desynced connections alone through a fresh front of the
// same kind, before the same relay, those on the most desynced connections first: a case
// that desyncs alone is a cause, grouped with the others of the same generator features.
// gen makes the cases' bytes again (the generator is deterministic).
func (w *stackWatch) causes(ctx context.Context, gen *fuzz.Generator, ds []stackDesync) (causes []*desyncCause, tried int) {
	onConns := map[int64]int{}
	var order []int64
	for _, d := range ds {
		for _, n := range d.Cases {
			if onConns[n] == 0 {
				order = append(order, n)
			}
			onConns[n]++
		}
	}
	slices.SortStableFunc(order, func(a, b int64) int { return onConns[b] - onConns[a] })
	byFeatures := map[string]*desyncCause{}
	for _, n := range order {
		if tried >= aloneCandidates || ctx.Err() != nil {
			break
		}
		c := gen.Case(n)
		if dc := byFeatures[strings.Join(c.Features, " ")]; dc != nil {
			// A case of a known cause's features is counted with it, not sent again.
			dc.Cases = append(dc.Cases, n)
			dc.Conns += onConns[n]
			continue
		}
		tried++
		conn, v, ok := w.alone(ctx, c.Bytes)
		if !ok {
			continue
		}
		// The features the desync needs: each dropped in turn, kept when the case no
		// longer desyncs without it.
		orig := c
		keep := make([]bool, len(orig.Features))
		for i := range keep {
			keep[i] = true
		}
		for i := range keep {
			keep[i] = false
			smaller := gen.Rebuild(orig, keep)
			if sc, sv, ok := w.alone(ctx, smaller.Bytes); ok {
				c, conn, v = smaller, sc, sv
				continue
			}
			keep[i] = true
		}
		kind := "desync"
		if !v.Desync {
			kind = "unsolicited"
		}
		key := strings.Join(c.Features, " ")
		if dc := byFeatures[key]; dc != nil {
			dc.Cases = append(dc.Cases, n)
			dc.Conns += onConns[n]
			continue
		}
		dc := &desyncCause{Kind: kind, Features: c.Features, Base: c.Base, Cases: []int64{n}, Conns: onConns[n], Why: v.Why, Bytes: c.Bytes,
			Forwarded: capBytes(conn.Forwarded, desyncBytes), Returned: capBytes(conn.Returned, desyncBytes),
			Server: w.in.Server + " " + w.in.Version, Front: w.in.Front.Server + " " + w.in.Front.Version}
		byFeatures[key] = dc
		causes = append(causes, dc)
	}
	slices.SortStableFunc(causes, func(a, b *desyncCause) int { return b.Conns - a.Conns })
	return causes, tried
}

// alone sends raw through a fresh front and judges the upstream connections it used.
func (w *stackWatch) alone(ctx context.Context, raw []byte) (relay.Conn, desync.Verdict, bool) {
	front, err := harness.StartFront(ctx, w.in.Front.Server, w.in.Relay.Addr(), harness.Options{FrontConfig: w.in.Front.Template})
	if err != nil {
		return relay.Conn{}, desync.Verdict{}, false
	}
	w.in.Relay.TakeClosed()
	fuzz.Replay(ctx, front.Addr, raw, nil, fuzz.ReplayOptions{})
	front.Stop()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	w.in.Relay.Settle(sctx)
	for _, c := range w.in.Relay.TakeClosed() {
		if v := desync.Judge(c); v.Desync || v.Unsolicited {
			return c, v, true
		}
	}
	return relay.Conn{}, desync.Verdict{}, false
}

// writeDesyncCauses says what the session's desyncs came to, and writes each cause as
// DIR/desync-N.http (its shortest case's bytes, for 'conform replay --front') and
// DIR/desync-N.json.
func writeDesyncCauses(stdout io.Writer, dir string, causes []*desyncCause, desyncs, unsolicited, judged, tried int) error {
	fmt.Fprintf(stdout, "\nupstream connections judged between the front and the server: %d; desynced: %d; with bytes after every answer owed: %d\n", judged, desyncs-unsolicited, unsolicited)
	if desyncs > 0 {
		fmt.Fprintf(stdout, "causes (cases that do it alone through a fresh front): %d, from %d cases tried alone\n", len(causes), tried)
	}
	for i, c := range causes {
		needs := "features " + strings.Join(c.Features, " ")
		if len(c.Features) == 0 {
			needs = "the base request alone (" + c.Base + ")"
		}
		fmt.Fprintf(stdout, "  %s %d: %d connections, cases %v; %s: %s\n", c.Kind, i+1, c.Conns, c.Cases, safetext.Line(needs), safetext.Line(c.Why))
		if dir == "" {
			continue
		}
		base := filepath.Join(dir, fmt.Sprintf("desync-%d", i+1))
		if err := atomicfile.Write(base+".http", func(f io.Writer) error { _, err := f.Write(c.Bytes); return err }); err != nil {
			return fmt.Errorf("writing desync %d: %w", i+1, err)
		}
		if err := atomicfile.Write(base+".json", func(f io.Writer) error {
			e := json.NewEncoder(f)
			e.SetIndent("", "  ")
			return e.Encode(c)
		}); err != nil {
			return fmt.Errorf("writing desync %d: %w", i+1, err)
		}
	}
	if len(causes) > 0 && dir != "" {
		fmt.Fprintf(stdout, "the causes are in %s/desync-*.json; send one through the stack again with: conform replay %s/desync-1.http --server NAME --front NAME\n", dir, dir)
	}
	return nil
}

// writeReplayDesyncs stops the front of a replay's stack, judges each upstream connection
// and shows the desyncs; it says whether there was one.
func writeReplayDesyncs(ctx context.Context, stdout io.Writer, in *harness.Instance) bool {
	in.Front.Stop()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	in.Relay.Settle(sctx)
	found := false
	fmt.Fprintf(stdout, "\nbetween %s and %s:\n", in.Front.Server, in.Server)
	for _, c := range in.Relay.TakeClosed() {
		v := desync.Judge(c)
		if !v.Judged || bytes.Contains(c.Forwarded, []byte("harness-ready")) && !v.Desync && !v.Unsolicited {
			continue
		}
		status := "no desync"
		switch {
		case v.Desync:
			status, found = "DESYNC", true
		case v.Unsolicited:
			status, found = "BYTES AFTER EVERY ANSWER", true
		}
		fmt.Fprintf(stdout, "  connection %d: %s: %s\n", c.ID, status, safetext.Line(v.Why))
		if found {
			fmt.Fprintf(stdout, "    forwarded: %s\n    returned:  %s\n", safetext.Line(string(clipBytes(c.Forwarded, 600))), safetext.Line(string(clipBytes(c.Returned, 600))))
		}
	}
	return found
}

func clipBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// frontConfigLimit bounds a front configuration template read from a file.
const frontConfigLimit = 1 << 20

// readFrontConfig reads the --front-config template for front: a usage error when there is
// no front, the file cannot be read, or it does not say where to listen and forward.
func readFrontConfig(front, path string) (string, error) {
	if front == "" {
		return "", usagef("--front-config goes with --front, the front it configures")
	}
	f, err := os.Open(path)
	if err != nil {
		return "", usagef("--front-config: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, frontConfigLimit+1))
	if err != nil {
		return "", usagef("--front-config %s: %v", path, err)
	}
	if len(b) > frontConfigLimit {
		return "", usagef("--front-config %s: larger than %d bytes", path, frontConfigLimit)
	}
	text := string(b)
	need := []string{"{{upstream}}"}
	if front != "varnish" { // varnishd is told where to listen on its command line
		need = append(need, "{{hostport}}")
	}
	if front == "varnish" || front == "squid" {
		need = []string{"{{upstream_host}}", "{{upstream_port}}"}
		if front == "squid" {
			need = append(need, "{{hostport}}")
		}
	}
	for _, p := range need {
		if !strings.Contains(text, p) {
			return "", usagef("--front-config %s: the template has no %s (conform puts there what the %s front needs; 'conform servers --template %s' prints conform's own)", path, p, front, front)
		}
	}
	return text, nil
}
