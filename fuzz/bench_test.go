package fuzz

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/conform-wsgi/conform/internal/harness"
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
// each response) with 1, 2, 4 and 8 workers, and measures the server's own capacity for one
// new connection per request with wrk (Debian package) at the same concurrency in the same
// run: wrk -t1 -cN -d3s -H 'Connection: close' http://ADDR/__conform__/echo. It reports both
// and their ratio, for a fresh session and for one resumed from it (see benchSession).
func BenchmarkSessionGunicorn(b *testing.B) { benchReal(b, "gunicorn-sync") }

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
	for _, workers := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			capacity, werr := wrkRate(in.Addr, workers)
			benchSession(b, Options{Instance: in, Workers: workers, Timing: DefaultTiming()}, func(cold, warm float64) {
				if werr != nil {
					b.Logf("no wrk figure: %v", werr)
					return
				}
				b.ReportMetric(capacity, "wrk-req/s")
				b.ReportMetric(100*cold/capacity, "%-of-wrk")
				b.ReportMetric(100*warm/capacity, "warm-%-of-wrk")
			})
		})
	}
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
