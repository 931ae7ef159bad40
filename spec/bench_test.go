package spec

// BenchmarkCatalog runs the whole catalog against real servers and the in-process
// reference, first one check at a time (--jobs 1) and then concurrently with the jobs
// conform chooses by default, and reports both times per server and their ratio:
//
//	go test -run '^$' -bench Catalog -benchtime 1x -timeout 30m ./spec/
//	CONFORM_BENCH_SERVERS=all go test -run '^$' -bench Catalog -benchtime 1x -timeout 90m ./spec/
//	CONFORM_BENCH_SERVERS=reference,uwsgi go test -run '^$' -bench Catalog -benchtime 1x ./spec/
//
// The metrics per server are seq-s and conc-s (seconds per run), ratio (seq-s/conc-s),
// jobs and requests (checks in flight, requests awaiting answers) and checks; a table of
// them follows the benchmark lines. Servers run one at a time and nothing else should run
// on the machine: the figures are times, not verdicts. Time the whole matrix with
// 'time conform matrix'.

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/reference"
)

// benchDefault are the servers the issue sets figures for: the reference, the three named
// ones, and the slowest before the schedule (wsgiref, gunicorn-gthread).
var benchDefault = []string{"reference", "gunicorn-sync", "uwsgi", "waitress", "wsgiref", "gunicorn-gthread"}

func benchServers(asked string) []string {
	switch asked = strings.TrimSpace(asked); asked {
	case "":
		return benchDefault
	case "all":
		out := []string{"reference"}
		for _, s := range harness.Known() {
			out = append(out, s.Name)
		}
		return out
	}
	var out []string
	for _, n := range strings.Split(asked, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

type benchRow struct {
	server    string
	checks    int
	jobs      int
	requests  int
	seq, conc time.Duration
	capacity  string
}

func BenchmarkCatalog(b *testing.B) {
	var rows []benchRow
	for _, name := range benchServers(os.Getenv("CONFORM_BENCH_SERVERS")) {
		b.Run(name, func(b *testing.B) {
			row := benchRow{server: name}
			defer func() { rows = append(rows, row) }()
			var target *Target
			var revive func(context.Context) error
			if name == "reference" {
				ref, err := reference.Start(reference.Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { ref.Close() })
				target = NewTarget(ref.Addr)
				if _, err := Preflight(context.Background(), target); err != nil {
					b.Fatal(err)
				}
			} else {
				var in *harness.Instance
				in, target = startServer(b, name)
				revive = in.Restart
			}
			opt, capacity := defaultOptions(b, target, revive)
			row.jobs, row.requests, row.capacity = opt.Jobs, opt.Requests, capacity.String()
			checks := All()
			row.checks = len(checks)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				Run(context.Background(), target, checks, RunOptions{Jobs: 1, Revive: revive})
				row.seq += time.Since(start)
				start = time.Now()
				Run(context.Background(), target, checks, opt)
				row.conc += time.Since(start)
			}
			row.seq /= time.Duration(b.N)
			row.conc /= time.Duration(b.N)
			b.ReportMetric(row.seq.Seconds(), "seq-s")
			b.ReportMetric(row.conc.Seconds(), "conc-s")
			b.ReportMetric(row.seq.Seconds()/row.conc.Seconds(), "ratio")
			b.ReportMetric(float64(opt.Jobs), "jobs")
			b.ReportMetric(float64(opt.Requests), "requests")
			b.ReportMetric(float64(len(checks)), "checks")
		})
	}
	if len(rows) > 0 {
		// On standard output: a parent benchmark's log is not shown.
		fmt.Print(benchTable(rows))
	}
}

func benchTable(rows []benchRow) string {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].conc > rows[j].conc })
	var s strings.Builder
	fmt.Fprintf(&s, "%-18s %6s %9s %9s %9s %6s  %s\n", "server", "checks", "jobs/reqs", "one-by-1", "at-once", "ratio", "capacity measured")
	for _, r := range rows {
		if r.seq == 0 {
			continue
		}
		fmt.Fprintf(&s, "%-18s %6d %9s %8.1fs %8.1fs %5.1fx  %s\n", r.server, r.checks, fmt.Sprintf("%d/%d", r.jobs, r.requests), r.seq.Seconds(), r.conc.Seconds(), r.seq.Seconds()/r.conc.Seconds(), r.capacity)
	}
	return s.String()
}
