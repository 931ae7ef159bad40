package baseline

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/conform-wsgi/conform/reports"
	"github.com/conform-wsgi/conform/spec"
)

func TestParse(t *testing.T) {
	in := `# conform baseline
# catalog: 2026.11.1
# target: gunicorn-sync 23.0.0 (sync workers)

rfc9112/7.1/chunk-size-sign   warn   # https://github.com/example/server/issues/12
pep3333/environ/remote-addr FAIL
   rfc9110/5.1/invalid-field-name	warn	#  renamed since  
# a comment between lines
conform/concurrency/blocking-capacity flaky #
`
	f, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if f.Catalog != "2026.11.1" || f.Target != "gunicorn-sync 23.0.0 (sync workers)" {
		t.Errorf("header: catalog %q target %q", f.Catalog, f.Target)
	}
	want := []Entry{
		{"rfc9112/7.1/chunk-size-sign", "warn", "https://github.com/example/server/issues/12", 5},
		{"pep3333/environ/remote-addr", "fail", "", 6},
		{"rfc9110/5.1/invalid-field-name", "warn", "renamed since", 7},
		{"conform/concurrency/blocking-capacity", "flaky", "", 9},
	}
	if !reflect.DeepEqual(f.Entries, want) {
		t.Errorf("entries\n %+v\nwant\n %+v", f.Entries, want)
	}

	for _, c := range []struct{ in, err string }{
		{"a/b/c\n", `line 1: "a/b/c" has no status`},
		{"\n\na/b/c pass\n", `line 3: a/b/c: status "pass" is not one of warn, fail, error, flaky`},
		{"a/b/c fail\na/b/c warn\n", "line 2: a/b/c is already listed on line 1"},
		{"a/b/c fail known bug\n", `line 1: "a/b/c fail known bug": want "ID STATUS  # reason" (start the reason with #)`},
	} {
		if _, err := Parse(strings.NewReader(c.in)); err == nil || !strings.HasPrefix(err.Error(), c.err) {
			t.Errorf("Parse(%q) error %v, want %q", c.in, err, c.err)
		}
	}
}

func TestWriteIsSortedStableAndReadsBack(t *testing.T) {
	f := &File{Catalog: "2026.11.1", Target: "wsgiref 3.11\n(one thread)", Entries: []Entry{
		{ID: "rfc9112/7.1/chunk-size-sign", Status: "warn", Reason: "a chunk size with a sign\nis rejected"},
		{ID: "pep3333/environ/remote-addr", Status: "fail"},
		{ID: "conform/concurrency/blocking-capacity", Status: "flaky", Reason: "timing # on CI"},
	}}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, Header) {
		t.Errorf("the header does not document the format:\n%s", out)
	}
	body := strings.TrimPrefix(out, Header)
	wantBody := "# catalog: 2026.11.1\n# target: wsgiref 3.11 (one thread)\n\n" +
		"conform/concurrency/blocking-capacity                     flaky  # timing # on CI\n" +
		"pep3333/environ/remote-addr                               fail\n" +
		"rfc9112/7.1/chunk-size-sign                               warn   # a chunk size with a sign is rejected\n"
	if body != wantBody {
		t.Errorf("file body\n%s\nwant\n%s", body, wantBody)
	}
	g, err := Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if g.Catalog != f.Catalog || g.Target != "wsgiref 3.11 (one thread)" || len(g.Entries) != 3 || g.Entries[0].Reason != "timing # on CI" {
		t.Errorf("read back %+v", g)
	}
	// Columns do not depend on the other lines: one line more is a one-line diff.
	f.Entries = append(f.Entries, Entry{ID: "rfc9112/2.2/bare-lf-line-ending", Status: "error"})
	buf.Reset()
	f.Write(&buf)
	newLines := map[string]bool{}
	for _, l := range strings.Split(buf.String(), "\n") {
		newLines[l] = true
	}
	for _, l := range strings.Split(out, "\n") {
		if !newLines[l] {
			t.Errorf("line %q changed when an entry was added", l)
		}
	}
	if strings.Count(buf.String(), "\n")-strings.Count(out, "\n") != 1 {
		t.Errorf("adding an entry added more than one line")
	}
}

func result(id, status string) reports.Result {
	c, ok := spec.Lookup(id)
	title := "no such check"
	if ok {
		title = c.Title
	}
	return reports.Result{ID: id, Title: title, Status: status}
}

func report(results ...reports.Result) *reports.Report {
	r := &reports.Report{CatalogVersion: spec.CatalogVersion, Target: reports.Target{Addr: "127.0.0.1:41234", Server: "gunicorn-sync", ServerVersion: "23.0.0", WorkerModel: "sync workers"}, Results: results}
	r.Tally()
	return r
}

func TestFromReport(t *testing.T) {
	r := report(
		result("pep3333/environ/remote-addr", "pass"),
		result("rfc9112/7.1/chunk-size-sign", "warn"),
		result("pep3333/start-response/second-call-without-exc-info", "fail"),
		result("rfc9112/3.2/missing-host", "error"),
		result("conform/concurrency/blocking-capacity", "flaky"),
		result("conform/concurrency/fresh-request-while-blocked", "info"),
		result("rfc9112/7.1/chunk-size-overflow", "skip"),
		result("rfc9112/6.3/content-length-overflow", "fail"), // an old report, an old ID
	)
	keep := &File{Entries: []Entry{
		{ID: "rfc9112/7.1/chunk-size-sign", Status: "fail", Reason: "upstream #12"},
		{ID: "rfc9110/8.6/content-length-overflow", Status: "fail", Reason: "wontfix"},
		{ID: "pep3333/environ/remote-addr", Status: "fail", Reason: "fixed since"},
	}}
	f, err := FromReport(r, keep)
	if err != nil {
		t.Fatal(err)
	}
	if f.Catalog != spec.CatalogVersion || f.Target != "gunicorn-sync 23.0.0 (sync workers)" {
		t.Errorf("header %q %q (the address of a server conform started is a free port: left out)", f.Catalog, f.Target)
	}
	got := map[string]Entry{}
	for _, e := range f.Entries {
		got[e.ID] = e
	}
	title := func(id string) string { c, _ := spec.Lookup(id); return c.Title }
	for id, want := range map[string][2]string{
		"rfc9112/7.1/chunk-size-sign":                         {"warn", "upstream #12"},
		"pep3333/start-response/second-call-without-exc-info": {"fail", title("pep3333/start-response/second-call-without-exc-info")},
		"rfc9112/3.2/missing-host":                            {"error", title("rfc9112/3.2/missing-host")},
		"conform/concurrency/blocking-capacity":               {"flaky", title("conform/concurrency/blocking-capacity")},
		"rfc9110/8.6/content-length-overflow":                 {"fail", "wontfix"},
	} {
		if e, ok := got[id]; !ok || e.Status != want[0] || e.Reason != want[1] {
			t.Errorf("%s: %+v, want %s # %s", id, e, want[0], want[1])
		}
	}
	if len(f.Entries) != 5 {
		t.Errorf("%d entries (pass, info and skip are not listed): %+v", len(f.Entries), f.Entries)
	}
	for _, bad := range []*reports.Report{{Interrupted: true}, {Aborted: "the target died during x"}} {
		if _, err := FromReport(bad, nil); err == nil || !strings.Contains(err.Error(), "partial run") {
			t.Errorf("a partial run was recorded: %v", err)
		}
	}
	// A target given by address keeps it.
	r.Target = reports.Target{Addr: "10.0.0.5:8000"}
	if f, _ := FromReport(r, nil); f.Target != "10.0.0.5:8000" {
		t.Errorf("target %q", f.Target)
	}
}

func TestCompare(t *testing.T) {
	const id = "rfc9112/7.1/chunk-size-sign"
	for _, c := range []struct {
		was, now string
		failOn   []string
		want     string // regression, fixed, improved, or "" (nothing to say)
		known    int
	}{
		{"", "pass", nil, "", 0},
		{"", "warn", nil, "regression", 0},
		{"", "fail", nil, "regression", 0},
		{"", "error", nil, "regression", 0},
		{"", "flaky", nil, "", 0},
		{"", "flaky", []string{"fail", "flaky"}, "regression", 0},
		{"", "info", nil, "", 0},
		{"", "skip", nil, "", 0},
		{"", "warn", []string{"fail"}, "", 0},
		{"warn", "warn", nil, "", 1},
		{"warn", "fail", nil, "regression", 0},
		{"warn", "error", nil, "regression", 0},
		{"warn", "pass", nil, "fixed", 0},
		{"warn", "info", nil, "improved", 0},
		{"fail", "fail", nil, "", 1},
		{"fail", "warn", nil, "improved", 1},
		{"fail", "flaky", nil, "improved", 1},
		{"fail", "pass", nil, "fixed", 0},
		{"fail", "skip", nil, "", 0},
		{"fail", "error", nil, "regression", 0},
		{"error", "error", nil, "", 1},
		{"error", "fail", nil, "regression", 0},
		{"error", "pass", nil, "fixed", 0},
		{"error", "info", nil, "improved", 0},
		{"flaky", "fail", nil, "", 1},
		{"flaky", "warn", nil, "", 1},
		{"flaky", "error", nil, "regression", 0},
		{"flaky", "pass", nil, "fixed", 0},
	} {
		f := &File{}
		if c.was != "" {
			f.Entries = []Entry{{ID: id, Status: c.was, Reason: "why", Line: 7}}
		}
		r := report(result(id, c.now))
		cmp := Compare(f, "b.txt", r, c.failOn)
		got := ""
		switch {
		case len(cmp.Regressions) == 1:
			got = "regression"
		case len(cmp.Fixed) == 1:
			got = "fixed"
		case len(cmp.Improved) == 1:
			got = "improved"
		}
		if n := len(cmp.Regressions) + len(cmp.Fixed) + len(cmp.Improved); n > 1 {
			got = "several"
		}
		if got != c.want || cmp.Known != c.known {
			t.Errorf("%q -> %q (fail on %v): %q, %d known; want %q, %d known", c.was, c.now, c.failOn, got, cmp.Known, c.want, c.known)
		}
		if r.Results[0].Baseline != c.was {
			t.Errorf("%q -> %q: result annotated %q", c.was, c.now, r.Results[0].Baseline)
		}
		if got == "regression" {
			ch := cmp.Regressions[0]
			wantWas := c.was
			if wantWas == "" {
				wantWas = "pass"
			}
			if ch.ID != id || ch.Was != wantWas || ch.Now != c.now {
				t.Errorf("change %+v", ch)
			}
		}
		if len(cmp.Warnings) > 0 {
			t.Errorf("warnings %q", cmp.Warnings)
		}
	}
}

func TestCompareAliasesUnknownIDsAndCatalog(t *testing.T) {
	f, err := Parse(strings.NewReader(`# catalog: 2025.01.1
rfc9110/5.1/invalid-field-name  warn  # its old ID
rfc9999/1/removed-check         fail
rfc9112/3.2/missing-host        fail
rfc9112/5/invalid-field-name    fail  # listed twice, under both names
`))
	if err != nil {
		t.Fatal(err)
	}
	r := report(result("rfc9112/5/invalid-field-name", "warn"), result("rfc9112/3.2/missing-host", "fail"), result("pep3333/environ/remote-addr", "pass"))
	cmp := Compare(f, "b.txt", r, nil)
	if len(cmp.Regressions) != 0 || cmp.Known != 2 {
		t.Errorf("the alias did not resolve: regressions %+v, known %d", cmp.Regressions, cmp.Known)
	}
	joined := strings.Join(cmp.Warnings, "\n")
	for _, want := range []string{
		"written for catalog 2025.01.1; this run uses catalog " + spec.CatalogVersion,
		"line 2: rfc9110/5.1/invalid-field-name is now called rfc9112/5/invalid-field-name",
		"line 3: unknown check ID rfc9999/1/removed-check (removed from the catalog?); ignored",
		"line 5: rfc9112/5/invalid-field-name is listed again (as rfc9110/5.1/invalid-field-name on line 2); the first line applies",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings lack %q:\n%s", want, joined)
		}
	}
	if r.Results[0].Baseline != "warn" {
		t.Errorf("result annotated %q", r.Results[0].Baseline)
	}
	// A report that still names the check by its old ID is compared under the new one.
	old := report(result("rfc9110/5.1/invalid-field-name", "fail"))
	f2, _ := Parse(strings.NewReader("rfc9112/5/invalid-field-name warn\n"))
	if cmp := Compare(f2, "b.txt", old, nil); len(cmp.Regressions) != 1 || cmp.Regressions[0].Was != "warn" {
		t.Errorf("old report against new baseline: %+v", cmp.Regressions)
	}
	// A check the run did not select is neither fixed nor a regression.
	if cmp := Compare(f2, "b.txt", report(result("pep3333/environ/remote-addr", "pass")), nil); len(cmp.Fixed)+len(cmp.Regressions) != 0 {
		t.Errorf("unselected check: %+v", cmp)
	}
	// The comparison decides the verdict.
	r.Baseline = cmp
	if !r.Passed() || !strings.HasPrefix(r.Verdict(), "PASS: 0 regressions against the baseline, 1 MUST check failed") {
		t.Errorf("verdict %q", r.Verdict())
	}
}
