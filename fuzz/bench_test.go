package fuzz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/wire"
)

// benchSession runs a session of b.N cases (no minimization) and reports cases/s. Then it
// runs b.N more cases resumed from the first session's findings directory and reports them
// as warm-cases/s: a long campaign spends most of its time there, where the disagreements a
// server shows are known and only new ones are confirmed and ablated.
//
// With a meter (a real server), it also reports how busy the server's CPUs were during the
// resumed session, and the responses per second the server sent.
func benchSession(b *testing.B, opt Options, meter *busyMeter, report ...func(cold, warm float64)) {
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
	if meter != nil {
		meter.start()
	}
	warm, err := Run(context.Background(), opt)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(cold.Rate(), "cases/s")
	b.ReportMetric(warm.Rate(), "warm-cases/s")
	if meter != nil {
		fuzzer := meter.selfBusy()
		if busy, err := meter.stop(); err != nil {
			b.Logf("no server CPU figure: %v", err)
		} else {
			b.ReportMetric(busy, "warm-server-busy-%")
		}
		b.ReportMetric(fuzzer, "warm-fuzzer-cpu-%")
		b.ReportMetric(float64(warm.Responses)/warm.Elapsed.Seconds(), "warm-responses/s")
	}
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
	benchSession(b, Options{Addr: ref.Addr}, nil)
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
func BenchmarkSessionGunicorn(b *testing.B) { benchReal(b, "gunicorn-sync", 1, 2, 4, 8, 16) }

// BenchmarkSessionWaitress is the same against waitress (4 threads, connections kept open):
// there a case ends at its last expected response plus a linger, not at a close.
func BenchmarkSessionWaitress(b *testing.B) { benchReal(b, "waitress", 1, 2, 4, 8, 16) }

// BenchmarkSessionEveryServer is the same for every installed server, at the 4 workers a
// session uses by default: one run gives each server's ratio to its own wrk capacity
// (go test -run '^$' -bench SessionEveryServer -benchtime 500x ./fuzz/).
func BenchmarkSessionEveryServer(b *testing.B) {
	for _, s := range harness.Known() {
		if _, err := s.Installed(); err != nil || s.Uwsgi {
			continue
		}
		b.Run(s.Name, func(b *testing.B) { benchReal(b, s.Name, 4) })
	}
}

// BenchmarkFirstMinuteEveryServer measures what a user meets first: a fresh session with
// the default options (4 workers, minimization on) for CONFORM_BENCH_SESSION (default 1m)
// of wall time, against each installed server, and the server's capacity for wrk's GET at
// the same 4 connections, one new connection per request, in the same run, the server on
// its own CPUs (pinApart). It reports cases/s and their ratio to wrk's requests/s:
// go test -run '^$' -bench FirstMinuteEveryServer -benchtime 1x -timeout 40m ./fuzz/
func BenchmarkFirstMinuteEveryServer(b *testing.B) {
	d := time.Minute
	if v := os.Getenv("CONFORM_BENCH_SESSION"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			b.Fatalf("CONFORM_BENCH_SESSION: %v", err)
		}
	}
	for _, s := range harness.Known() {
		if _, err := s.Installed(); err != nil || s.Uwsgi {
			continue
		}
		b.Run(s.Name, func(b *testing.B) {
			in, err := harness.Start(context.Background(), s, harness.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer in.Stop()
			if release, _, err := pinApart(in.PID); err != nil {
				b.Logf("server and load generators share the CPUs: %v", err)
			} else {
				defer release()
			}
			capacity, werr := wrkRate(in.Addr, 4)
			b.ResetTimer()
			var cases, elapsed float64
			for i := 0; i < b.N; i++ {
				sum, err := Run(context.Background(), Options{Instance: in, Duration: d, Dir: b.TempDir(), Timing: DefaultTiming()})
				if err != nil {
					b.Fatal(err)
				}
				cases += float64(sum.Cases)
				elapsed += sum.Elapsed.Seconds()
			}
			rate := cases / elapsed
			b.ReportMetric(rate, "cases/s")
			if werr != nil {
				b.Logf("no wrk figure: %v", werr)
				return
			}
			b.ReportMetric(capacity, "wrk-req/s")
			b.ReportMetric(100*rate/capacity, "%-of-wrk")
		})
	}
}

func benchReal(b *testing.B, name string, workerCounts ...int) {
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
	serverCPUs := runtime.NumCPU()
	if release, cpus, err := pinApart(in.PID); err != nil {
		b.Logf("server and load generators share the CPUs: %v", err)
	} else {
		serverCPUs = cpus
		defer release()
	}
	meter := &busyMeter{pgid: in.PID, cpus: serverCPUs}
	for _, workers := range workerCounts {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			meter.start()
			capacity, werr := wrkRate(in.Addr, workers)
			wrkBusy, berr := meter.stop()
			same, serr := sameBytesRate(in.Addr, workers, int64(b.N))
			benchSession(b, Options{Instance: in, Workers: workers, Timing: DefaultTiming()}, meter, func(cold, warm float64) {
				if werr != nil {
					b.Logf("no wrk figure: %v", werr)
				} else {
					b.ReportMetric(capacity, "wrk-req/s")
					if berr == nil {
						b.ReportMetric(wrkBusy, "wrk-server-busy-%")
					}
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
func pinApart(pid int) (release func(), serverCPUs int, err error) {
	n := runtime.NumCPU()
	if os.Getenv("CONFORM_BENCH_SHARED_CPUS") != "" {
		return nil, 0, fmt.Errorf("CONFORM_BENCH_SHARED_CPUS is set")
	}
	if n < 2 {
		return nil, 0, fmt.Errorf("%d CPU", n)
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return nil, 0, err
	}
	pids, _, err := processGroup(pid)
	if err != nil {
		return nil, 0, err
	}
	pin := func(cpus string, pid string) error {
		if out, err := exec.Command(taskset, "-a", "-p", "-c", cpus, pid).CombinedOutput(); err != nil {
			return fmt.Errorf("taskset %s %s: %w: %s", cpus, pid, err, out)
		}
		return nil
	}
	all := fmt.Sprintf("0-%d", n-1)
	unpin := func() {
		for _, p := range pids {
			_ = pin(all, p)
		}
	}
	for _, p := range pids {
		if err := pin(fmt.Sprintf("%d-%d", n/2, n-1), p); err != nil {
			unpin() // "shared" must mean shared, not a server left on half the CPUs
			return nil, 0, err
		}
	}
	self := strconv.Itoa(os.Getpid())
	if err := pin(fmt.Sprintf("0-%d", n/2-1), self); err != nil {
		unpin()
		return nil, 0, err
	}
	return func() { _ = pin(all, self) }, n - n/2, nil
}

// busyMeter measures how busy a server's CPUs were between start and stop: the CPU time of
// the processes in its process group (/proc/PID/stat, user and system) over the wall time
// and the CPUs it may run on. A load generator that keeps the server's CPUs as busy as wrk
// does is not what limits the rate, whatever its cases cost the server.
type busyMeter struct {
	pgid, cpus int
	t0         time.Time
	c0, self0  time.Duration
	err        error
}

func (m *busyMeter) start() {
	m.t0, m.self0 = time.Now(), selfCPU()
	_, m.c0, m.err = processGroup(m.pgid)
}

// stop returns the busy share of the server's CPUs since start, in percent.
func (m *busyMeter) stop() (float64, error) {
	_, c1, err := processGroup(m.pgid)
	if m.err != nil || err != nil {
		return 0, errors.Join(m.err, err)
	}
	return 100 * (c1 - m.c0).Seconds() / time.Since(m.t0).Seconds() / float64(m.cpus), nil
}

// selfBusy is the CPU time this process (the fuzzer, not the programs it started) took
// since start, in percent of one CPU.
func (m *busyMeter) selfBusy() float64 {
	return 100 * (selfCPU() - m.self0).Seconds() / time.Since(m.t0).Seconds()
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processGroup lists the live processes in process group pgid (from /proc/PID/stat) and the
// user and system CPU time they have taken. (A process that exited takes its time with it:
// the servers here keep theirs.)
func processGroup(pgid int) (pids []string, cpu time.Duration, err error) {
	procs, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return nil, 0, err
	}
	var ticks int64
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // gone since the glob
		}
		// The command name, in parentheses, may hold spaces: fields count from after it.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 13 || f[2] != strconv.Itoa(pgid) {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + s
		pids = append(pids, filepath.Base(filepath.Dir(p)))
	}
	if len(pids) == 0 {
		return nil, 0, fmt.Errorf("no process in group %d", pgid)
	}
	// USER_HZ, the unit of /proc/PID/stat, is 100 on every Linux ABI Go supports.
	return pids, time.Duration(ticks) * 10 * time.Millisecond, nil
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
// writes and pauses) over conns connections at once, one new connection per case, and
// returns the cases per second. Like the session's screen, it reads until the responses the
// reference expects have come, the server closes, or it is idle for 10ms; nothing is
// decoded, interpreted or compared during the run (each case's expected count is worked
// out before the clock starts). Against a server that keeps connections open, reading to
// an idle timeout instead had cost every case 10ms and made this no upper bound.
func sameBytesRate(addr string, conns int, n int64) (float64, error) {
	seeds, err := CatalogSeeds(context.Background())
	if err != nil {
		return 0, err
	}
	g := NewGenerator(1, seeds)
	scripts := make([]wire.Script, n)
	for i := range scripts {
		c := g.Case(int64(i))
		want := Expect(c.Bytes, reference.Limits{}, reference.Deviations{}).Want()
		scripts[i] = wire.Script{Steps: steps(c.Bytes, c.Writes), Responses: want,
			IdleTimeout: 10 * time.Millisecond, Deadline: time.Second, MaxBytes: 1 << 20}
	}
	var next atomic.Int64
	errs := make(chan error, conns)
	start := time.Now()
	for range conns {
		go func() {
			for {
				k := next.Add(1) - 1
				if k >= n {
					errs <- nil
					return
				}
				if _, err := wire.Do(context.Background(), addr, scripts[k]); err != nil {
					errs <- fmt.Errorf("case %d: %w", k, err)
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
