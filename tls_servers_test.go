package conform_test

// Real servers over TLS: each known server that can serve TLS is started with a self-signed
// certificate (harness.Options{TLS: true}) and the checks TLS changes run against it over
// TLS (spec.Target.TLS): those that only apply over TLS (the environ's HTTPS, RFC 9112
// §9.7-9.8's reuse and closure alerts), wsgi.url_scheme, and a few plain exchanges that
// prove requests, bodies, keep-alive and half-close work through TLS.
// Their verdicts are compared with testdata/verdicts-tls/<server>.txt, in the format of
// testdata/verdicts. Gated as servers_test.go is (CONFORM_SERVERS, or a label filter naming
// the servers or one of them):
//
//	CONFORM_SERVERS=werkzeug,mod_wsgi go test . -ginkgo.label-filter=tls

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/internal/verdicts"
	"github.com/conform-wsgi/conform/spec"
)

// tlsVerdictsDir holds the verdicts over TLS of every server that can serve TLS.
const tlsVerdictsDir = "testdata/verdicts-tls"

// TLSChecks are the checks the TLS run makes.
var TLSChecks = []string{
	"pep3333/environ/https-when-ssl",
	"pep3333/environ/url-scheme",
	"pep3333/environ/required-cgi-variables",
	"pep3333/environ/wsgi-variables",
	"pep3333/environ/request-method",
	"pep3333/input/read-content-length",
	"rfc9112/9.3/persistent-by-default",
	"rfc9112/6.3/incomplete-body-half-close",
	"rfc9112/9.7/tls-persistent",
	"rfc9112/9.8/close-notify",
	"rfc9112/9.8/incomplete-close-tolerated",
	"rfc9112/9.8/close-after-alert",
}

func tlsChecks() []*spec.Check {
	var out []*spec.Check
	for _, id := range TLSChecks {
		c, ok := spec.Lookup(id)
		if !ok {
			panic("TLSChecks: no check " + id)
		}
		out = append(out, c)
	}
	return out
}

// tlsServers are the known servers that can serve TLS, each with its verdict file; a
// missing or unreadable file fails the suite as it is built.
func tlsServers() []*verdicts.File {
	var out []*verdicts.File
	for _, s := range harness.Known() {
		if s.CanServeTLS() != nil {
			continue
		}
		f, err := verdicts.Read(filepath.Join(tlsVerdictsDir, s.Name+".txt"))
		if err != nil {
			panic(fmt.Sprintf("server %s serves TLS but has no usable verdict file over TLS: %v", s.Name, err))
		}
		out = append(out, f)
	}
	return out
}

var _ = Describe("real servers over TLS", Label("servers", "tls"), func() {
	checks := tlsChecks()
	for _, sv := range tlsServers() {
		sv := sv
		expected := sv.Expected(checks)
		Describe(sv.Server+" over TLS", Ordered, ContinueOnFailure, Label(sv.Server), func() {
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
				in, err := harness.Start(ctx, s, harness.Options{TLS: true})
				Expect(err).NotTo(HaveOccurred())
				DeferCleanup(in.Stop)
				Expect(in.TLS).To(BeTrue())
				t := spec.NewTarget(in.Addr)
				t.TLS = true
				results = map[string]*spec.Result{}
				for _, r := range spec.Run(context.Background(), t, checks, spec.RunOptions{Revive: in.Restart, Jobs: 1}) {
					results[r.Check.ID] = r
				}
			})

			for _, c := range checks {
				c := c
				It(c.ID, func() {
					r := results[c.ID]
					Expect(r).NotTo(BeNil())
					want := expected[c.ID]
					if r.Status == want {
						return
					}
					why := "it is not listed, so it must pass"
					if line, listed := sv.Reason(c.ID); listed {
						why = "because " + line.Reason
					}
					changed := ""
					if version != sv.Version {
						changed = fmt.Sprintf(" The verdicts were established on %s %s and %s is installed.", sv.Server, sv.Version, version)
					}
					Fail(fmt.Sprintf("%s on %s %s over TLS: expected %s (%s), got %s: %s.%s", c.ID, sv.Server, version, want, why, r.Status, r.Message, changed))
				})
			}
		})
	}
})

// TestTLSVerdictFiles: a verdict file over TLS for exactly the servers that serve TLS,
// naming only the checks the TLS run makes, each with a source-line reason.
func TestTLSVerdictFiles(t *testing.T) {
	run := map[string]bool{}
	for _, id := range TLSChecks {
		run[id] = true
	}
	want := map[string]bool{}
	for _, s := range harness.Known() {
		if s.CanServeTLS() != nil {
			continue
		}
		want[s.Name+".txt"] = true
		f, err := verdicts.Read(filepath.Join(tlsVerdictsDir, s.Name+".txt"))
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		if f.Server != s.Name || f.Version == "" {
			t.Errorf("%s: the file says server %q, version %q", s.Name, f.Server, f.Version)
		}
		for _, l := range f.Lines {
			if !run[l.ID] {
				t.Errorf("%s line %d: %s is not one of TLSChecks", s.Name, l.N, l.ID)
			}
			if !verdicts.HasSourceLine(l.Reason) {
				t.Errorf("%s line %d: %s %s has no source-line reason: %q", s.Name, l.N, l.ID, l.Status, l.Reason)
			}
		}
	}
	entries, err := os.ReadDir(tlsVerdictsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !want[e.Name()] {
			t.Errorf("%s/%s: no known server that serves TLS is called that", tlsVerdictsDir, e.Name())
		}
	}
}
