package conform_test

// Real servers: each known server is started with the probe, the whole catalog runs against
// it, and every verdict is compared with the table in verdicts_<server>_test.go. A verdict
// that is not "pass" is listed there with the server source line that explains it; a check
// absent from a table must pass. In CI (CI=true) a server that is not installed fails.
//
//	go test . -ginkgo.label-filter=servers
//	go test . -ginkgo.label-filter=gunicorn-sync

import (
	"context"
	"fmt"
	"os"
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
