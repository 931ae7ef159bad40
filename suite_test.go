package conform_test

// The Ginkgo suite runs the check catalog, one spec per check, labelled by area and level:
//
//	go test . -args --target 127.0.0.1:8000      a server you started with probe.py
//	CONFORM_TARGET=127.0.0.1:8000 go test .
//	go test .                                  the in-process reference server
//	ginkgo --label-filter=framing -- --target 127.0.0.1:8000
//
//	go run github.com/onsi/ginkgo/v2/ginkgo -p .  the same, specs spread over processes
//	go run github.com/onsi/ginkgo/v2/ginkgo -procs 4 -- --target 127.0.0.1:8000
//
// A MUST check that fails fails its spec; a SHOULD check that warns passes with a report
// entry, as h2spec and Autobahn report them. Against a server of yours, give -procs no
// more than it serves at once ('conform --target ... -v' says how many).

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
	// overTLS is the reference served over TLS, for the checks that judge only over TLS.
	overTLS *spec.Target
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
		tlsRef, err := reference.Start(reference.Options{ReadTimeout: 5 * time.Second, TLS: true})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(tlsRef.Close)
		catalogTarget.overTLS = spec.NewTarget(tlsRef.Addr)
		catalogTarget.overTLS.TLS = true
	}
	catalogTarget.target = spec.NewTarget(addr)
	catalogTarget.results = map[string]*spec.Result{}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err := spec.Preflight(ctx, catalogTarget.target)
	Expect(err).NotTo(HaveOccurred(), "the target must host probe.py ('conform probe --write DIR')")
})

// The catalog's specs run in parallel under 'ginkgo -p' (one reference server per process
// when no target is given). A check and the checks that require it form one Ordered
// container, so a dependent always sees its prerequisite's result; a container holding a
// check that needs the target to itself (spec.Check.NeedsTarget: timing, concurrency) is
// Serial, run once every parallel spec is over.
var _ = Describe("the check catalog", func() {
	for _, group := range catalogGroups(spec.Ordered(spec.All())) {
		var decorations []interface{}
		serial := false
		for _, c := range group {
			serial = serial || c.NeedsTarget()
		}
		if serial {
			decorations = append(decorations, Serial)
		}
		if len(group) == 1 {
			catalogSpec(group[0], decorations...)
			continue
		}
		decorations = append(decorations, Ordered, ContinueOnFailure)
		Describe(group[0].ID+" and the checks that require it", append(decorations, func() {
			for _, c := range group {
				catalogSpec(c)
			}
		})...)
	}
})

// catalogSpec is one check's spec.
func catalogSpec(c *spec.Check, decorations ...interface{}) {
	body := func(ctx SpecContext) {
		for _, req := range c.Requires {
			if r, ok := catalogTarget.results[req]; ok && r.Status != spec.Pass {
				Skip("depends on " + req + ", which did not pass (" + string(r.Status) + ")")
			}
		}
		target := catalogTarget.target
		if c.OverTLS && catalogTarget.overTLS != nil {
			target = catalogTarget.overTLS
		}
		r := spec.RunOne(ctx, target, c, 30*time.Second)
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
	}
	args := append([]interface{}{Label(c.Area, c.Level.String())}, decorations...)
	args = append(args, body, SpecTimeout(60*time.Second))
	It(c.ID+": "+c.Title, args...)
}

// catalogGroups splits checks (in run order) into groups linked by Requires, each in run
// order, the groups in the order of their first check.
func catalogGroups(checks []*spec.Check) [][]*spec.Check {
	root := map[string]string{}
	var find func(id string) string
	find = func(id string) string {
		if root[id] == id {
			return id
		}
		root[id] = find(root[id])
		return root[id]
	}
	for _, c := range checks {
		root[c.ID] = c.ID
	}
	for _, c := range checks {
		for _, req := range c.Requires {
			if _, ok := root[req]; ok {
				root[find(c.ID)] = find(req)
			}
		}
	}
	index := map[string]int{}
	var groups [][]*spec.Check
	for _, c := range checks {
		r := find(c.ID)
		i, ok := index[r]
		if !ok {
			i = len(groups)
			index[r] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], c)
	}
	return groups
}

func TestCatalogGroupsKeepPrerequisitesTogether(t *testing.T) {
	checks := spec.Ordered(spec.All())
	groups := catalogGroups(checks)
	group, position := map[string]int{}, map[string]int{}
	for i, c := range checks {
		position[c.ID] = i
	}
	n := 0
	for g, cs := range groups {
		for _, c := range cs {
			if _, dup := group[c.ID]; dup {
				t.Fatalf("%s is in two groups", c.ID)
			}
			group[c.ID] = g
			n++
		}
	}
	if n != len(checks) {
		t.Fatalf("%d checks in the groups, %d in the catalog", n, len(checks))
	}
	linked := 0
	for _, c := range checks {
		for _, req := range c.Requires {
			if _, ok := group[req]; !ok {
				continue
			}
			linked++
			if group[req] != group[c.ID] {
				t.Errorf("%s and its prerequisite %s are in different groups", c.ID, req)
			}
		}
	}
	if linked == 0 {
		t.Fatal("no check of the catalog requires another: nothing tested")
	}
	for _, cs := range groups {
		for i := 1; i < len(cs); i++ {
			if position[cs[i].ID] < position[cs[i-1].ID] {
				t.Errorf("group of %s is out of run order", cs[0].ID)
			}
		}
	}
}
