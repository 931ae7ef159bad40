package reports

import (
	"context"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/spec"
)

// TestRealReportsInBrowser renders reports of real runs, one against the reference and one
// against Python's wsgiref started with the probe, and checks in headless Chromium that the
// page shows the run's own totals and fetches nothing.
func TestRealReportsInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: run scripts/install-servers.sh", chromiumPath)
		}
		t.Skipf("%s is missing; skipping", chromiumPath)
	}
	checks, err := spec.Select(spec.All(), []string{"environ", "fields", "framing", "start-response"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	ref, err := reference.Start(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	runs := map[string]*Report{
		"reference": New(Target{Addr: ref.Addr, Server: "conform-reference"}, time.Now(), spec.Run(ctx, spec.NewTarget(ref.Addr), checks, spec.RunOptions{})),
	}

	s, err := harness.Lookup("wsgiref")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Installed(); err == nil {
		in, err := harness.Start(ctx, s, harness.Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := New(Target{Addr: in.Addr, Server: in.Server, ServerVersion: in.Version, Command: in.Command}, time.Now(), spec.Run(ctx, spec.NewTarget(in.Addr), checks, spec.RunOptions{}))
		r.Target.Log = string(in.Log())
		in.Stop()
		runs["wsgiref"] = r
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("wsgiref: %v", err)
	}

	dir := t.TempDir()
	for name, r := range runs {
		if name == "reference" && (r.Totals.Fail != 0 || r.Totals.Pass == 0) {
			t.Fatalf("the reference run itself is off: %+v", r.Totals)
		}
		if name == "wsgiref" && r.Totals.Fail == 0 {
			t.Fatalf("wsgiref failed no check; the run is not the real one: %+v", r.Totals)
		}
		page := filepath.Join(dir, name+".html")
		if err := WriteFileAtomic(page, func(w io.Writer) error { return WriteHTML(w, r) }); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(page)
		checkSelfContained(t, string(b))

		dom := chromium(t, ctx, dir, "file://"+page, "--dump-dom", "--screenshot="+filepath.Join(dir, name+".png"))
		shown := map[string]int{}
		for _, m := range chipRE.FindAllStringSubmatch(dom, -1) {
			n, _ := strconv.Atoi(m[3])
			shown[m[1]] = n
		}
		for status, want := range map[string]int{"pass": r.Totals.Pass, "fail": r.Totals.Fail, "warn": r.Totals.Warn, "skip": r.Totals.Skip, "error": r.Totals.Error, "info": r.Totals.Info} {
			if shown[status] != want {
				t.Errorf("%s report: the page shows %d %s, the run has %d", name, shown[status], status, want)
			}
		}
		if n := strings.Count(dom, "<article"); n != len(r.Results) {
			t.Errorf("%s report: %d rows rendered for %d results", name, n, len(r.Results))
		}
		checkScreenshot(t, filepath.Join(dir, name+".png"))

		var junit strings.Builder
		if err := WriteJUnit(&junit, r); err != nil {
			t.Fatal(err)
		}
		var suites struct {
			Suites []struct {
				Tests    int `xml:"tests,attr"`
				Failures int `xml:"failures,attr"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal([]byte(junit.String()), &suites); err != nil {
			t.Fatalf("%s JUnit does not parse: %v", name, err)
		}
		tests, failures := 0, 0
		for _, s := range suites.Suites {
			tests += s.Tests
			failures += s.Failures
		}
		if tests != len(r.Results) || failures != r.Totals.Fail {
			t.Errorf("%s JUnit: %d tests %d failures; the run has %d results %d fail", name, tests, failures, len(r.Results), r.Totals.Fail)
		}
	}
}
