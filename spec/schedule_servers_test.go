package spec

// Real servers of four worker models run the whole catalog one check at a time and then
// concurrently, with the jobs conform chooses by default; every check must reach the same
// status both ways. They run only when CONFORM_SERVERS asks (scripts/test.sh sets it): "1"
// runs the four below, names run those servers (any known one):
//
//	CONFORM_SERVERS=1 go test -count=1 -run TestConcurrentRunsGiveTheSequentialVerdicts ./spec/
//	CONFORM_SERVERS=gunicorn-gthread,uwsgi go test -count=1 -run TestConcurrentRuns ./spec/

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/harness"
)

// equivalenceServers are one server of each worker model: a single thread, pre-forked
// processes, threads behind an I/O loop, and greenlets.
var equivalenceServers = []string{"wsgiref", "gunicorn-sync", "waitress", "gevent"}

// askedServers reads CONFORM_SERVERS: "1", "all", "true" or "yes" ask for the defaults, a
// comma list for the servers it names, anything else for none.
func askedServers(asked string, defaults []string) []string {
	switch asked = strings.TrimSpace(asked); asked {
	case "", "0", "false", "no":
		return nil
	case "1", "all", "true", "yes":
		return defaults
	}
	var out []string
	for _, n := range strings.Split(asked, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// startServer starts a known server hosting the probe and makes its target; it skips the
// test when the server is not installed, unless in CI.
func startServer(t testing.TB, name string) (*harness.Instance, *Target) {
	t.Helper()
	s, err := harness.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Installed(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed in CI: %v", name, err)
		}
		t.Skipf("%s is not installed: %v", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	in, err := harness.Start(ctx, s, harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Stop() })
	target := NewTarget(in.Addr)
	if _, err := Preflight(ctx, target); err != nil {
		t.Fatal(err)
	}
	return in, target
}

// defaultOptions are the run options conform chooses for the target by default, and the
// capacity they come from.
func defaultOptions(t testing.TB, target *Target, revive func(context.Context) error) (RunOptions, Capacity) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := MeasureCapacity(ctx, target, JobsCeiling(runtime.NumCPU()))
	if err != nil {
		t.Fatal(err)
	}
	jobs, requests := DefaultJobs(c, runtime.NumCPU())
	return RunOptions{Jobs: jobs, Requests: requests, Revive: revive}, c
}

func TestConcurrentRunsGiveTheSequentialVerdicts(t *testing.T) {
	servers := askedServers(os.Getenv("CONFORM_SERVERS"), equivalenceServers)
	if len(servers) == 0 {
		t.Skip("real servers run when CONFORM_SERVERS asks for them (1 for " + strings.Join(equivalenceServers, ", ") + ", or server names)")
	}
	for _, name := range servers {
		t.Run(name, func(t *testing.T) {
			in, target := startServer(t, name)
			opt, capacity := defaultOptions(t, target, in.Restart)
			ctx := context.Background()
			start := time.Now()
			one := Run(ctx, target, All(), RunOptions{Jobs: 1, Revive: in.Restart})
			sequential := time.Since(start)
			start = time.Now()
			many := Run(ctx, target, All(), opt)
			concurrent := time.Since(start)
			t.Logf("%s serves %s: %d checks one at a time in %v, %d at once (%d requests) in %v", name, capacity, len(one), sequential.Round(time.Millisecond), opt.Jobs, opt.Requests, concurrent.Round(time.Millisecond))
			if len(one) != len(many) {
				t.Fatalf("%d results one at a time, %d concurrently", len(one), len(many))
			}
			for i := range one {
				a, b := one[i], many[i]
				if a.Check != b.Check {
					t.Fatalf("result %d is %s one at a time and %s concurrently: the order changed", i, a.Check.ID, b.Check.ID)
				}
				if a.Status != b.Status {
					t.Errorf("%s: %s one at a time (%s), %s concurrently (%s)", a.Check.ID, a.Status, clipMessage(a.Message), b.Status, clipMessage(b.Message))
				}
			}
		})
	}
}

func clipMessage(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}
