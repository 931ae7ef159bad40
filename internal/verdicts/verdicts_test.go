package verdicts

import (
	"bytes"
	"strings"
	"testing"

	"github.com/conform-wsgi/conform/spec"
)

// a small catalog: chunked is a prerequisite of size, size of ext.
func catalog() []*spec.Check {
	return []*spec.Check{
		{ID: "rfc9112/7.1/chunked"},
		{ID: "rfc9112/7.1/size", Requires: []string{"rfc9112/7.1/chunked"}},
		{ID: "rfc9112/7.1.1/ext", Requires: []string{"rfc9112/7.1/size"}},
		{ID: "rfc9112/5.1/other"},
	}
}

func TestExpectedImpliesSkipsFromPrerequisites(t *testing.T) {
	f, err := Parse(strings.NewReader("# server: s\n# version: 1\n\nrfc9112/7.1/chunked  info  # s.py:1 answers 411\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := f.Expected(catalog())
	want := map[string]spec.Status{"rfc9112/7.1/chunked": spec.Info, "rfc9112/7.1/size": spec.Skip, "rfc9112/7.1.1/ext": spec.Skip, "rfc9112/5.1/other": spec.Pass}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("%s: %s, want %s", id, got[id], st)
		}
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for text, want := range map[string]string{
		"# version: 1\n\na  fail  # x.py:1\n":                   "no \"# server:\" line",
		"# server: s\n\na  pass  # x.py:1\n":                    "line 3: status \"pass\"",
		"# server: s\n\na  fail  # x.py:1\na  warn  # x.py:2\n": "line 4: a is listed again (first on line 3)",
		"# server: s\n\na fail extra # x.py:1\n":                "line 3: want",
	} {
		_, err := Parse(strings.NewReader(text))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", text, err, want)
		}
	}
}

func TestFromRunKeepsReasonsAndRefusesLinesWithout(t *testing.T) {
	keep := &File{Server: "s", Notes: []string{"Debian's build"}, Lines: []Line{
		{ID: "rfc9112/7.1/chunked", Status: spec.Fail, Reason: "s.py:10 ignores chunked"},
		{ID: "rfc9112/5.1/other", Status: spec.Warn, Reason: "s.py:20 was lenient"},
	}}
	run := map[string]spec.Status{"rfc9112/7.1/chunked": spec.Fail, "rfc9112/7.1/size": spec.Skip, "rfc9112/7.1.1/ext": spec.Skip, "rfc9112/5.1/other": spec.Pass}
	f, missing := FromRun("s", "2", run, catalog(), keep)
	if len(missing) != 0 || f == nil {
		t.Fatalf("missing %v", missing)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "# server: s\n# version: 2\n# Debian's build\n") || !strings.Contains(out, "fail   # s.py:10 ignores chunked") {
		t.Errorf("written:\n%s", out)
	}
	if strings.Contains(out, "size") || strings.Contains(out, "other") {
		t.Errorf("an implied skip or a pass was written:\n%s", out)
	}
	back, err := Parse(&buf)
	if err != nil || len(back.Lines) != 1 || back.Version != "2" {
		t.Fatalf("round trip: %v %+v", err, back)
	}
	// The status changed: the old reason no longer explains it.
	run["rfc9112/7.1/chunked"] = spec.Warn
	run["rfc9112/5.1/other"] = spec.Fail
	if f, missing := FromRun("s", "2", run, catalog(), keep); f != nil || len(missing) != 2 {
		t.Errorf("lines without a reason were written: %v, missing %v", f, missing)
	}
}

func TestHasSourceLine(t *testing.T) {
	for reason, want := range map[string]bool{
		"gunicorn/http/message.py:182-183 (set_body_reader) parses with int()": true,
		"mod_wsgi 4.9.4 src/server/mod_wsgi.c:7348-7352 answers 411":           true,
		"the server is lenient": false,
		"see message.py":        false,
	} {
		if HasSourceLine(reason) != want {
			t.Errorf("HasSourceLine(%q) = %v", reason, !want)
		}
	}
}
