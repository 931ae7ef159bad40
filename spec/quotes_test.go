package spec

import (
	"regexp"
	"strings"
	"testing"
)

// TestQuotesAreVerbatim: a check's quote stands, as a reader sees it, in the section its
// reference names or one below it (conform's own checks: anywhere in the three documents).
func TestQuotesAreVerbatim(t *testing.T) {
	sections := map[string]map[string]string{}
	all := ""
	for _, doc := range []string{"PEP 3333", "RFC 9112", "RFC 9110"} {
		secs, err := Sections(doc)
		if err != nil {
			t.Fatal(err)
		}
		if len(secs) < 20 {
			t.Fatalf("%s: only %d sections found in the embedded text", doc, len(secs))
		}
		sections[doc] = map[string]string{}
		for _, s := range secs {
			// A section holds its subsections: a check citing §3 may quote §3.2.
			for name := s.Name; ; name = name[:strings.LastIndexByte(name, '.')] {
				sections[doc][name] += s.Text + " "
				if doc == "PEP 3333" || !strings.Contains(name, ".") {
					break
				}
			}
			all += s.Text + " "
		}
	}
	for _, c := range All() {
		q := ReaderText(c.Quote)
		text := all
		if c.Ref.Doc != "conform" {
			var ok bool
			if text, ok = sections[c.Ref.Doc][c.Ref.Section]; !ok {
				t.Errorf("%s: %s has no section %q", c.ID, c.Ref.Doc, c.Ref.Section)
				continue
			}
		}
		if !strings.Contains(text, q) {
			t.Errorf("%s: quote not found verbatim in %s:\n  %s", c.ID, c.Ref, q)
		}
	}
}

func TestCatalogShape(t *testing.T) {
	seen := map[string]bool{}
	areas := map[string]bool{}
	for _, a := range Areas {
		areas[a] = true
	}
	idRule := regexp.MustCompile(`^(pep3333|rfc9112|rfc9110|conform)/[a-z0-9.-]+/[a-z0-9-]+(/[a-z0-9-]+)?$`)
	for _, c := range All() {
		if seen[c.ID] {
			t.Errorf("duplicate ID %s", c.ID)
		}
		seen[c.ID] = true
		if !idRule.MatchString(c.ID) {
			t.Errorf("%s: ID is not <document>/<section>/<slug>[/<variant>]", c.ID)
		}
		if !areas[c.Area] {
			t.Errorf("%s: unknown area %q", c.ID, c.Area)
		}
		for _, r := range c.Requires {
			if _, ok := Lookup(r); !ok {
				t.Errorf("%s requires unknown check %s", c.ID, r)
			}
		}
		if c.Ref.URL() == "" && c.Ref.Doc != "conform" {
			t.Errorf("%s: no URL for %v", c.ID, c.Ref)
		}
	}
}
