package fuzz

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/reference"
)

// finFeature is a case's fin feature ("" when it has none).
func TestFinCasesEndInsideTheMainRequest(t *testing.T) {
	g := NewGenerator(7, nil)
	seen := map[string]int{}
	for n := int64(0); n < 3000; n++ {
		c := g.Case(n)
		fin := finFeature(c)
		if fin == "" {
			if halfCloses(c.Writes) {
				t.Fatalf("case %d half-closes without a fin feature: %v", n, c.Features)
			}
			continue
		}
		seen[fin]++
		if !halfCloses(c.Writes) {
			t.Fatalf("case %d (%v): its writes do not end with a FIN: %+v", n, c.Features, c.Writes)
		}
		if sentinelOf(c.Bytes) != "" || bytes.Contains(c.Bytes, []byte(caseID(n, roleSentinel, 0))) {
			t.Fatalf("case %d (%v) still carries its sentinel: %q", n, c.Features, c.Bytes)
		}
		total := 0
		for _, w := range c.Writes {
			total += w.Len
		}
		if total != len(c.Bytes) {
			t.Fatalf("case %d: writes cover %d of %d bytes", n, total, len(c.Bytes))
		}
		if e := expectCase(c.Bytes, c.Writes, reference.Limits{}, reference.Deviations{}); !e.Fin {
			t.Fatalf("case %d: the expectation does not know the FIN", n)
		}
		// Ablation: without the FIN the case is the ordinary one again.
		keep := make([]bool, len(c.Features))
		for i, f := range c.Features {
			keep[i] = f != fin
		}
		r := g.Rebuild(c, keep)
		if halfCloses(r.Writes) || !bytes.HasSuffix(r.Bytes, sentinel(n).appendTo(nil)) {
			t.Fatalf("case %d without %s: still ends with a FIN, or no sentinel: %q", n, fin, r.Bytes)
		}
	}
	for _, p := range []string{"fin:chunk-data", "fin:chunk-size-line", "fin:last-chunk", "fin:length-body"} {
		if seen[p] == 0 {
			t.Errorf("no case ended at %s in 3000 cases: %v", p, seen)
		}
	}
}

func randFor(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 3)) }

func TestFinCutsWhereItSays(t *testing.T) {
	head := func(r *request) string {
		c := r.clone()
		c.Chunked, c.Body = false, ""
		return string(c.appendTo(nil))
	}
	chunked := neutralRequest("chunked", "f1-m0")
	for _, c := range []struct {
		r    *request
		want string
		tail string
	}{
		{chunked, "chunk-data", "5\r\nhello"},
		{chunked, "chunk-size-line", "5\r\n"},
		{chunked, "last-chunk", "5\r\nhello\r\n0\r\n"},
	} {
		found := false
		for seed := uint64(1); seed < 200 && !found; seed++ {
			out, where := cutForFin(randFor(seed), c.r)
			if where != c.want {
				continue
			}
			found = true
			if got := strings.TrimPrefix(string(out), head(c.r)); got != c.tail {
				t.Errorf("%s: the body part is %q, want %q", c.want, got, c.tail)
			}
		}
		if !found {
			t.Errorf("cutForFin never chose %s", c.want)
		}
	}
	length := neutralRequest("length", "f1-m0")
	out, where := cutForFin(randFor(1), length)
	if body := strings.TrimPrefix(string(out), head(length)); where != "length-body" || len(body) >= len("hello") || !strings.HasPrefix("hello", body) {
		t.Errorf("length: %s, body %q: want length-body and a strict prefix of %q", where, body, "hello")
	}
	if _, where := cutForFin(randFor(1), neutralRequest("get", "f1-m0")); where != "" {
		t.Errorf("a request without a body was cut at %s", where)
	}
	// The minimizer keeps the FIN.
	w := withHalfClose(nil, 10)
	if got := remap([]unit{{b: []byte("abcd"), off: 0}}, w); !halfCloses(got) || got[0].Len != 4 {
		t.Errorf("remap of a FIN case: %+v", got)
	}
}

// TestFinServedIncompleteIsLenient: a reference that runs the application on what came
// before the FIN is found by a session, and conform replay of the finding half-closes too
// (the finding file's writes say so), giving the same verdict.
func TestFinServedIncompleteIsLenient(t *testing.T) {
	for _, c := range []struct{ dev, rule string }{
		{"ShortBodyComplete", "rfc9112/6.3 body shorter than Content-Length at the FIN"},
		{"ChunkedEOFComplete", "rfc9112/7.1 trailer section cut by the FIN"},
		{"ChunkedEOFComplete", "rfc9112/7.1 chunked body cut by the FIN before the last chunk"},
	} {
		t.Run(c.dev+"/"+c.rule, func(t *testing.T) {
			var d reference.Deviations
			if err := d.Set(c.dev, ""); err != nil {
				t.Fatal(err)
			}
			ref, err := reference.Start(reference.Options{Deviations: d})
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close()
			dir := t.TempDir()
			core := "leniency/served-incomplete/" + c.rule
			sum := session1(t, Options{Addr: ref.Addr, Seed: 5, Duration: 20 * time.Second, MinimizeBudget: -1, NoCatalog: true, Dir: dir},
				want{name: core, match: func(f *Finding) bool { return f.Signature == core }})
			var f *Finding
			for _, x := range sum.Findings {
				if x.Signature == core {
					f = x
				}
			}
			if f == nil {
				return // session1 said so
			}
			if !halfCloses(f.Writes) {
				t.Fatalf("the finding's writes do not end with a FIN: %+v", f.Writes)
			}
			raw, writes, err := ReadCase(filepath.Join(dir, f.ID+".http"))
			if err != nil {
				t.Fatal(err)
			}
			if !halfCloses(writes) {
				t.Fatalf("ReadCase of %s.http lost the FIN: %+v", f.ID, writes)
			}
			if _, _, v := Replay(context.Background(), ref.Addr, raw, writes, ReplayOptions{}); v.Core() != core {
				t.Errorf("replayed: %q, want %q", v.Core(), core)
			}
			// Without the FIN the same bytes are only incomplete: nothing to say.
			if _, _, v := Replay(context.Background(), ref.Addr, raw, nil, ReplayOptions{Timing: Timing{Idle: 300 * time.Millisecond}}); v.Class != "" {
				t.Errorf("the bytes without the FIN: %s, want agreement", v.Core())
			}
		})
	}
}

// restartableReference is an in-process reference on a fixed address that a session can
// restart (Options.Restart), as the harness restarts a real server.
type restartableReference struct {
	mu   sync.Mutex
	opt  reference.Options
	addr string
	srv  *reference.Server
	done chan error
}

func startRestartable(t *testing.T, opt reference.Options) *restartableReference {
	t.Helper()
	r := &restartableReference{opt: opt, addr: "127.0.0.1:0"}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.stop() })
	return r
}

func (r *restartableReference) start() error {
	l, err := net.Listen("tcp", r.addr)
	if err != nil {
		return err
	}
	r.addr = l.Addr().String()
	r.srv, r.done = reference.New(r.opt), make(chan error, 1)
	go func(s *reference.Server, done chan error) { done <- s.Serve(l) }(r.srv, r.done)
	return nil
}

func (r *restartableReference) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.srv.Close()
	<-r.done
}

func (r *restartableReference) restart(context.Context) error {
	r.stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.start()
}

// processCPU is this process's CPU time: the in-process reference's spin shows there.
func processCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// TestSpinWatchFindsASpinAfterFin: a reference that spins after a FIN inside a body, while
// it goes on serving other connections, is found by the spin watch and the FIN case that
// makes it spin is the finding; the conforming reference, watched the same way, spins never.
func TestSpinWatchFindsASpinAfterFin(t *testing.T) {
	if testing.Short() {
		t.Skip("spin watch: seconds of CPU")
	}
	t.Run("spins", func(t *testing.T) {
		ref := startRestartable(t, reference.Options{Deviations: reference.Deviations{SpinAfterClientClose: true}})
		core := "crash/" + KindSpinsAfterFin + "/"
		sum := session1(t, Options{Addr: ref.addr, Seed: 5, Duration: 25 * time.Second, NoCatalog: true, Workers: 2, CPU: processCPU, Restart: ref.restart},
			want{name: core, match: func(f *Finding) bool { return f.Signature == core }})
		for _, f := range sum.Findings {
			if f.Signature != core {
				continue
			}
			if !halfCloses(f.Writes) {
				t.Errorf("the spin finding's writes do not end with a FIN: %+v", f.Writes)
			}
			if !strings.Contains(strings.Join(f.AllFeatures, " "), "fin:") {
				t.Errorf("the spin finding's case has no fin feature: %v", f.AllFeatures)
			}
			t.Logf("spin finding: %s, %d bytes, minimization %s: %q", f.ID, len(f.Bytes), f.Minimization, f.Bytes)
		}
	})
	t.Run("conforming", func(t *testing.T) {
		ref := startRestartable(t, reference.Options{})
		sum, err := Run(context.Background(), Options{Addr: ref.addr, Seed: 5, Duration: 8 * time.Second, NoCatalog: true, Workers: 2, CPU: processCPU, Restart: ref.restart})
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Findings) > 0 || sum.UnattributedSpins > 0 || sum.Restarts > 0 {
			t.Errorf("against the conforming reference: %d findings (%v), %d unattributed spins, %d restarts", len(sum.Findings), sum.ByClass, sum.UnattributedSpins, sum.Restarts)
		}
	})
}
