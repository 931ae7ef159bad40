package fuzz

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/internal/wire"
	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/reference"
)

// benchSession runs a session of b.N cases (no minimization) and reports cases/s. Then it
// runs b.N more cases resumed from the first session's findings directory and reports them
// as warm-cases/s: a long campaign spends most of its time there, where the disagreements a
// server shows are known and only new ones are confirmed and ablated.
func benchSession(b *testing.B, opt Options, report ...func(cold, warm float64)) {
	seeds, err := CatalogSeeds(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	opt.Catalog, opt.Cases, opt.Seed, opt.MinimizeBudget, opt.Dir = seeds, int64(b.N), 1, -1, b.TempDir()
	b.ResetTimer()
	cold, err := Run(context.Background(), opt)
	if err != nil {
		b.Fatal(err)
	}
	opt.Resume = true
	warm, err := Run(context.Background(), opt)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(cold.Rate(), "cases/s")
	b.ReportMetric(warm.Rate(), "warm-cases/s")
	for _, r := range report {
		r(cold.Rate(), warm.Rate())
	}
}

func BenchmarkSessionReference(b *testing.B) {
	ref, err := reference.Start(reference.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ref.Close()
	benchSession(b, Options{Addr: ref.Addr})
}

// BenchmarkSessionGunicorn fuzzes gunicorn-sync (2 sync workers, a connection closed after
// each response) with 1, 2, 4, 8 and 16 workers, and measures the server's own capacity for
// one new connection per request with wrk (Debian package) at the same concurrency in the
// same run: wrk -t1 -cN -d3s -H 'Connection: close' http://ADDR/__conform__/echo. It reports
// both and their ratio, for a fresh session and for one resumed from it (see benchSession).
// The server runs on its own CPUs, apart from the fuzzer and wrk (pinApart).
//
// A fuzz case costs the server otherwise than wrk's GET does (a case is larger, its answer
// is often an error path, some cases are waited on, one in ten is fragmented). So it also
// reports sameBytesRate: the same cases, with their writes and pauses, sent by a client that
// does nothing else. The fuzzer's share of that figure is what its own work (generation,
// the reference's interpretation, parsing and comparing answers) costs.
func BenchmarkSessionGunicorn(b *testing.B) { benchReal(b, "gunicorn-sync") }

// BenchmarkSessionWaitress is the same against waitress (4 threads, connections kept open):
// there a case ends at its last expected response plus a linger, not at a close.
func BenchmarkSessionWaitress(b *testing.B) { benchReal(b, "waitress") }

func benchReal(b *testing.B, name string) {
	s, err := harness.Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Installed(); err != nil {
		b.Skipf("%s not installed: %v", name, err)
	}
	in, err := harness.Start(context.Background(), s, harness.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer in.Stop()
	if release, err := pinApart(in.PID); err != nil {
		b.Logf("server and load generators share the CPUs: %v", err)
	} else {
		defer release()
	}
	for _, workers := range []int{1, 2, 4, 8, 16} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			capacity, werr := wrkRate(in.Addr, workers)
			same, serr := sameBytesRate(in.Addr, workers, int64(b.N))
			benchSession(b, Options{Instance: in, Workers: workers, Timing: DefaultTiming()}, func(cold, warm float64) {
				if werr != nil {
					b.Logf("no wrk figure: %v", werr)
				} else {
					b.ReportMetric(capacity, "wrk-req/s")
					b.ReportMetric(100*cold/capacity, "%-of-wrk")
					b.ReportMetric(100*warm/capacity, "warm-%-of-wrk")
				}
				if serr != nil {
					b.Logf("no same-bytes figure: %v", serr)
					return
				}
				b.ReportMetric(same, "same-bytes-cases/s")
				b.ReportMetric(100*warm/same, "warm-%-of-same-bytes")
			})
		})
	}
}

// pinApart puts the server's processes (its process group) on the upper half of the CPUs
// and this process, with the wrk and bare clients it starts, on the lower half, as a
// capacity measurement must: a load generator that shares the server's CPUs takes its own
// CPU time out of the server's. wrk spends little per request; the fuzzer, which interprets
// every case with the reference and decodes every answer, spends more, and on a 2-core VM
// sharing the CPUs had made its own cost look like the server's (gunicorn-sync, 4 workers:
// 54 % of wrk shared, 79 % apart, in one run). CONFORM_BENCH_SHARED_CPUS=1 skips it. release
// gives this process all the CPUs again. (A server restarted mid-benchmark is not pinned.)
func pinApart(pid int) (release func(), err error) {
	n := runtime.NumCPU()
	if os.Getenv("CONFORM_BENCH_SHARED_CPUS") != "" {
		return nil, fmt.Errorf("CONFORM_BENCH_SHARED_CPUS is set")
	}
	if n < 2 {
		return nil, fmt.Errorf("%d CPU", n)
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return nil, err
	}
	pgrep, err := exec.LookPath("pgrep")
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(pgrep, "-g", strconv.Itoa(pid)).Output()
	if err != nil {
		return nil, fmt.Errorf("pgrep -g %d: %w", pid, err)
	}
	pin := func(cpus string, pid string) error {
		if out, err := exec.Command(taskset, "-a", "-p", "-c", cpus, pid).CombinedOutput(); err != nil {
			return fmt.Errorf("taskset %s %s: %w: %s", cpus, pid, err, out)
		}
		return nil
	}
	server := fmt.Sprintf("%d-%d", n/2, n-1)
	for _, p := range strings.Fields(string(out)) {
		if err := pin(server, p); err != nil {
			return nil, err
		}
	}
	self := strconv.Itoa(os.Getpid())
	if err := pin(fmt.Sprintf("0-%d", n/2-1), self); err != nil {
		return nil, err
	}
	return func() { _ = pin(fmt.Sprintf("0-%d", n-1), self) }, nil
}

// wrkRate is the server's rate for one new connection per request with conns connections.
func wrkRate(addr string, conns int) (float64, error) {
	path, err := exec.LookPath("wrk")
	if err != nil {
		return 0, err
	}
	out, err := exec.Command(path, "-t1", fmt.Sprintf("-c%d", conns), "-d3s", "-H", "Connection: close",
		"http://"+addr+probes.Prefix+"echo").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk: %w: %s", err, out)
	}
	m := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("wrk printed no rate: %s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// sameBytesRate sends the first n cases of seed 1 (what the session sends, with the same
// writes and pauses) over conns connections at once, one new connection per case, reading
// until the server closes or is idle for 10ms (about the session's screening wait), and
// returns the cases per second. Nothing is parsed or compared.
func sameBytesRate(addr string, conns int, n int64) (float64, error) {
	seeds, err := CatalogSeeds(context.Background())
	if err != nil {
		return 0, err
	}
	g := NewGenerator(1, seeds)
	cases := make([]*Case, n)
	for i := range cases {
		cases[i] = g.Case(int64(i))
	}
	var next atomic.Int64
	errs := make(chan error, conns)
	start := time.Now()
	for range conns {
		go func() {
			buf := make([]byte, 64<<10)
			for {
				k := next.Add(1) - 1
				if k >= n {
					errs <- nil
					return
				}
				if err := sendBare(addr, cases[k], buf); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range conns {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	return float64(n) / time.Since(start).Seconds(), err
}

func sendBare(addr string, c *Case, buf []byte) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	raw := c.Bytes
	for _, w := range c.Writes {
		if w.Len > len(raw) {
			break
		}
		if w.Delay > 0 {
			wire.PreciseSleep(w.Delay)
		}
		if _, err := conn.Write(raw[:w.Len]); err != nil {
			return nil // the server closed early: the case is done
		}
		raw = raw[w.Len:]
	}
	if len(raw) > 0 {
		if _, err := conn.Write(raw); err != nil {
			return nil
		}
	}
	for {
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		if _, err := conn.Read(buf); err != nil {
			return nil
		}
	}
}
