package conform_test

// Real servers: each known server is started with the probe, the whole catalog runs against
// it, and every verdict is compared with its file in testdata/verdicts (internal/verdicts):
// a verdict that is not "pass" is listed there with the server source line that explains
// it; a check absent from a file must pass, or is skipped because a prerequisite listed
// there does not pass. In CI (CI=true) a server that is not installed fails.
// They take minutes, so they run only when asked for, by a label filter that names them or
// by CONFORM_SERVERS (scripts/test.sh sets it):
//
//	go test . -ginkgo.label-filter=servers
//	go test . -ginkgo.label-filter=gunicorn-sync
//	CONFORM_SERVERS=1 go test .                 the catalog on the reference, and every server
//	CONFORM_SERVERS=waitress,uwsgi go test .    the catalog, and these two

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/internal/verdicts"
	"github.com/conform-wsgi/conform/spec"
)

// verdictsDir holds one verdict file per harness server. 'conform matrix --write-verdicts
// testdata/verdicts' rewrites them from a run, keeping the reasons written there.
const verdictsDir = "testdata/verdicts"

// knownVerdicts reads the verdict file of every harness server, in the harness's order;
// a server without one, or a file that does not parse, fails the suite as it is built.
func knownVerdicts() []*verdicts.File {
	var out []*verdicts.File
	for _, s := range harness.Known() {
		f, err := verdicts.Read(filepath.Join(verdictsDir, s.Name+".txt"))
		if err != nil {
			panic(fmt.Sprintf("server %s has no usable verdict file: %v", s.Name, err))
		}
		out = append(out, f)
	}
	return out
}

var _ = Describe("real servers", Label("servers"), func() {
	for _, sv := range knownVerdicts() {
		sv := sv
		expected := sv.Expected(spec.All())
		Describe(sv.Server, Ordered, ContinueOnFailure, Label(sv.Server), func() {
			var results map[string]*spec.Result
			var version string

			BeforeAll(func() {
				s, err := harness.Lookup(sv.Server)
				Expect(err).NotTo(HaveOccurred())
				v, err := s.Installed()
				if err != nil {
					if os.Getenv("CI") == "true" {
						Fail(fmt.Sprintf("%s is not installed in CI: %v (run scripts/install-servers.sh)", sv.Server, err))
					}
					Skip(fmt.Sprintf("%s is not installed: %v", sv.Server, err))
				}
				version = v
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				in, err := harness.Start(ctx, s, harness.Options{})
				Expect(err).NotTo(HaveOccurred())
				DeferCleanup(in.Stop)
				t := spec.NewTarget(in.Addr)
				t.Uwsgi = in.Uwsgi // uwsgi-socket is reached over its own protocol
				results = map[string]*spec.Result{}
				// As conform and its matrix do, a server that dies mid-run is restarted (the
				// check it died on is an error) and the run goes on; checks run concurrently,
				// as conform chooses (spec's TestConcurrentRunsGiveTheSequentialVerdicts).
				c, err := spec.MeasureCapacity(ctx, t, spec.JobsCeiling(runtime.NumCPU()))
				Expect(err).NotTo(HaveOccurred())
				opt := spec.RunOptions{Revive: in.Restart}
				opt.Jobs, opt.Requests = spec.DefaultJobs(c, runtime.NumCPU())
				for _, r := range spec.Run(context.Background(), t, spec.All(), opt) {
					results[r.Check.ID] = r
				}
			})

			for _, c := range spec.Ordered(spec.All()) {
				c := c
				It(c.ID, Label(c.Area), func() {
					r := results[c.ID]
					Expect(r).NotTo(BeNil())
					// A prerequisite may skip a check only when it did not pass in this run; a
					// skip no prerequisite explains is the judge's "not applicable", and the
					// verdict file gives its reason.
					if f := r.Facts; r.Status == spec.Skip && f.SkippedFor != "" {
						p := results[f.SkippedFor]
						Expect(p).NotTo(BeNil(), "%s was skipped for %s, which did not run", c.ID, f.SkippedFor)
						Expect(p.Status).To(Equal(f.SkippedForStatus), "%s was skipped for %s as %s", c.ID, f.SkippedFor, f.SkippedForStatus)
						Expect(p.Status).NotTo(Equal(spec.Pass), "%s was skipped for %s, which passed", c.ID, f.SkippedFor)
						Expect(c.Requires).To(ContainElement(f.SkippedFor), "%s was skipped for %s, which it does not require", c.ID, f.SkippedFor)
					} else if r.Status == spec.Skip && r.Status == expected[c.ID] {
						_, listed := sv.Reason(c.ID)
						Expect(listed).To(BeTrue(), "%s was skipped on %s without a prerequisite (%s), and the verdict file gives no reason", c.ID, sv.Server, r.Message)
					}
					want := expected[c.ID]
					if r.Status == want {
						return
					}
					changed := ""
					if version != sv.Version {
						changed = fmt.Sprintf(" The verdicts were established on %s %s and %s is installed: the server may have changed this behaviour.", sv.Server, sv.Version, version)
					}
					why := "it is not listed, so it must pass"
					if line, listed := sv.Reason(c.ID); listed {
						why = "because " + line.Reason
					} else if want == spec.Skip {
						why = "a prerequisite listed there does not pass"
					}
					Fail(fmt.Sprintf("%s on %s %s: expected %s (%s), got %s: %s.%s", c.ID, sv.Server, version, want, why, r.Status, r.Message, changed))
				})
			}
		})
	}
})

func serverLabels() []string {
	var names []string
	for _, s := range harness.Known() {
		names = append(names, s.Name)
	}
	return names
}

// withRealServersOnlyWhenAsked returns the label filter the suite runs with. The real
// servers' specs carry the check areas' labels too, so a filter such as "framing" meant for
// --target would start all of them: unless the filter names them ("servers" or a server) or
// CONFORM_SERVERS asks ("1"/"all", or server names separated by commas), they are left out.
func withRealServersOnlyWhenAsked(filter, asked string, servers []string) string {
	for _, name := range append([]string{"servers"}, servers...) {
		if regexp.MustCompile(`(^|[^A-Za-z0-9_.-])` + regexp.QuoteMeta(name) + `($|[^A-Za-z0-9_.-])`).MatchString(filter) {
			return filter
		}
	}
	and := func(f, g string) string {
		if strings.TrimSpace(f) == "" {
			return g
		}
		return "(" + f + ") && " + g
	}
	switch asked = strings.TrimSpace(asked); asked {
	case "", "0", "false", "no":
		return and(filter, "!servers")
	case "1", "all", "true", "yes":
		return filter
	}
	var names []string
	for _, n := range strings.Split(asked, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return and(filter, "(!servers || "+strings.Join(names, " || ")+")")
}
