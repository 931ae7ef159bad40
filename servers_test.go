package conform_test

// Real servers: each known server is started with the probe, the whole catalog runs against
// it, and every verdict is compared with the table in verdicts_<server>_test.go. A verdict
// that is not "pass" is listed there with the server source line that explains it; a check
// absent from a table must pass. In CI (CI=true) a server that is not installed fails.
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
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/spec"
)

// expect is a verdict established against one server version, and why.
type expect struct {
	status spec.Status
	// source names the server file and line (or function) that produces the behaviour.
	source string
}

// serverVerdicts are the verdicts of one server where it does not simply pass.
type serverVerdicts struct {
	server string
	// version is the version the table was established against; when the installed one
	// differs, a mismatch says so, since the server may have changed.
	version  string
	verdicts map[string]expect
}

// knownVerdicts lists the servers the suite tests for real.
var knownVerdicts = []serverVerdicts{
	wsgirefVerdicts, gunicornSyncVerdicts, gunicornGthreadVerdicts, gunicornGeventVerdicts, gunicornEventletVerdicts,
	waitressVerdicts, uwsgiVerdicts, werkzeugVerdicts, cherootVerdicts, geventVerdicts, eventletVerdicts,
	pasteVerdicts, twistedVerdicts, modWSGIVerdicts, tornadoVerdicts,
}

var _ = Describe("real servers", Label("servers"), func() {
	for _, sv := range knownVerdicts {
		sv := sv
		Describe(sv.server, Ordered, ContinueOnFailure, Label(sv.server), func() {
			var results map[string]*spec.Result
			var version string

			BeforeAll(func() {
				s, err := harness.Lookup(sv.server)
				Expect(err).NotTo(HaveOccurred())
				v, err := s.Installed()
				if err != nil {
					if os.Getenv("CI") == "true" {
						Fail(fmt.Sprintf("%s is not installed in CI: %v (run scripts/install-servers.sh)", sv.server, err))
					}
					Skip(fmt.Sprintf("%s is not installed: %v", sv.server, err))
				}
				version = v
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				in, err := harness.Start(ctx, s, harness.Options{})
				Expect(err).NotTo(HaveOccurred())
				DeferCleanup(in.Stop)
				t := spec.NewTarget(in.Addr)
				results = map[string]*spec.Result{}
				for _, r := range spec.Run(context.Background(), t, spec.All(), spec.RunOptions{}) {
					results[r.Check.ID] = r
				}
			})

			for _, c := range spec.Ordered(spec.All()) {
				c := c
				It(c.ID, Label(c.Area), func() {
					r := results[c.ID]
					Expect(r).NotTo(BeNil())
					want, listed := sv.verdicts[c.ID]
					if !listed {
						want = expect{status: spec.Pass}
					}
					if r.Status == want.status {
						return
					}
					changed := ""
					if version != sv.version {
						changed = fmt.Sprintf(" The table was established on %s %s and %s is installed: the server may have changed this behaviour.", sv.server, sv.version, version)
					}
					why := "it is not listed, so it must pass"
					if listed {
						why = "because " + want.source
					}
					Fail(fmt.Sprintf("%s on %s %s: expected %s (%s), got %s: %s.%s", c.ID, sv.server, version, want.status, why, r.Status, r.Message, changed))
				})
			}
		})
	}
})

func serverLabels() []string {
	var names []string
	for _, sv := range knownVerdicts {
		names = append(names, sv.server)
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
