package fuzz

import (
	"context"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/reference"
)

// benchSession runs b.N cases (no minimization, no findings directory) and reports cases/s.
func benchSession(b *testing.B, opt Options) {
	seeds, err := CatalogSeeds(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	opt.Catalog, opt.Cases, opt.Seed, opt.MinimizeBudget = seeds, int64(b.N), 1, -1
	b.ResetTimer()
	sum, err := Run(context.Background(), opt)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(sum.Rate(), "cases/s")
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
// each response): compare with the server's own capacity for one new connection per request,
// e.g. wrk -c1 -t1 -d10s -H 'Connection: close' http://ADDR/__conform__/echo.
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
	benchSession(b, Options{Instance: in, Timing: Timing{Idle: time.Second, Linger: 100 * time.Millisecond, Deadline: 5 * time.Second}})
}
