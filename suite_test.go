package conform_test

// The Ginkgo suite runs the check catalog, one spec per check, labelled by area and level:
//
//	go test . -args --target 127.0.0.1:8000      a server you started with probe.py
//	CONFORM_TARGET=127.0.0.1:8000 go test .
//	go test .                                  the in-process reference server
//	ginkgo --label-filter=framing -- --target 127.0.0.1:8000
//
// A MUST check that fails fails its spec; a SHOULD check that warns passes with a report
// entry, as h2spec and Autobahn report them.

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/conform-wsgi/conform/matchers"
	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/spec"
)

var targetFlag = flag.String("target", "", "HOST:PORT of a server hosting probe.py (default: $CONFORM_TARGET, else the in-process reference server)")

func TestConform(t *testing.T) {
	RegisterFailHandler(Fail)
	suite, reporter := GinkgoConfiguration()
	suite.LabelFilter = withRealServersOnlyWhenAsked(suite.LabelFilter, os.Getenv("CONFORM_SERVERS"), serverLabels())
	RunSpecs(t, "conform", suite, reporter)
}

// catalogTarget is the server the catalog specs run against, set up before the suite.
var catalogTarget struct {
	target    *spec.Target
	reference bool
	results   map[string]*spec.Result
}

var _ = BeforeSuite(func() {
	addr := *targetFlag
	if addr == "" {
		addr = os.Getenv("CONFORM_TARGET")
	}
	if addr == "" {
		ref, err := reference.Start(reference.Options{ReadTimeout: 5 * time.Second})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(ref.Close)
		addr = ref.Addr
		catalogTarget.reference = true
	}
	catalogTarget.target = spec.NewTarget(addr)
	catalogTarget.results = map[string]*spec.Result{}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err := spec.Preflight(ctx, catalogTarget.target)
	Expect(err).NotTo(HaveOccurred(), "the target must host probe.py ('conform probe --write DIR')")
})

var _ = Describe("the check catalog", Ordered, ContinueOnFailure, func() {
	for _, c := range spec.Ordered(spec.All()) {
		c := c
		It(c.ID+": "+c.Title, Label(c.Area, c.Level.String()), func(ctx SpecContext) {
			for _, req := range c.Requires {
				if r, ok := catalogTarget.results[req]; ok && r.Status != spec.Pass {
					Skip("depends on " + req + ", which did not pass (" + string(r.Status) + ")")
				}
			}
			r := spec.RunOne(ctx, catalogTarget.target, c, 30*time.Second)
			catalogTarget.results[c.ID] = r
			AddReportEntry(string(r.Status), r.Message)
			if catalogTarget.reference {
				// The reference is the executable spec: every check conforms against it.
				Expect(r).To(matchers.PassCheck(), "the reference server must conform to every check")
				return
			}
			switch r.Status {
			case spec.Skip:
				Skip(r.Message)
			case spec.Warn:
				AddReportEntry("SHOULD not met", c.Ref.String()+": "+strings.TrimSpace(c.Quote))
			}
			Expect(r).To(matchers.HaveStatus(spec.Pass, spec.Warn, spec.Info))
		}, SpecTimeout(60*time.Second))
	}
})
