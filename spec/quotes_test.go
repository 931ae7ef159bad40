package spec

import (
	"regexp"
	"strings"
	"testing"

	spectexts "github.com/conform-wsgi/conform/spec/texts"
)

var (
	rfcPageBreak = regexp.MustCompile(`(?m)^(Fielding, et al\.|RFC 911[02]  ).*$`)
	formFeed     = regexp.MustCompile("\f")
	spaces       = regexp.MustCompile(`\s+`)
)

// normalise makes a spec text comparable with a quote: page furniture and reStructuredText
// markup removed, whitespace folded.
func normalise(s string, rst bool) string {
	s = rfcPageBreak.ReplaceAllString(s, "")
	s = formFeed.ReplaceAllString(s, "")
	if rst {
		s = strings.NewReplacer("**", "", "``", "", "*any*", "any", "*content*", "content", "*not*", "not", "*enough*", "enough", ":rfc:", "").Replace(s)
	}
	return spaces.ReplaceAllString(s, " ")
}

func TestQuotesAreVerbatim(t *testing.T) {
	texts := map[string]string{}
	for _, doc := range []string{"PEP 3333", "RFC 9112", "RFC 9110"} {
		text, ok := spectexts.ByDoc(doc)
		if !ok || len(text) < 10000 {
			t.Fatalf("%s: the embedded text is missing", doc)
		}
		texts[doc] = normalise(text, doc == "PEP 3333")
	}
	all := texts["PEP 3333"] + texts["RFC 9112"] + texts["RFC 9110"]
	for _, c := range All() {
		q := spaces.ReplaceAllString(c.Quote, " ")
		text, ok := texts[c.Ref.Doc]
		if !ok {
			// conform's own checks still quote the spec sentence they rest on.
			text = all
		}
		if !strings.Contains(text, q) {
			t.Errorf("%s: quote not found verbatim in %s:\n  %s", c.ID, c.Ref.Doc, q)
		}
	}
}

func TestCatalogShape(t *testing.T) {
	seen := map[string]bool{}
	areas := map[string]bool{}
	for _, a := range Areas {
		areas[a] = true
	}
	idRule := regexp.MustCompile(`^(pep3333|rfc9112|rfc9110|conform)/[a-z0-9.-]+/[a-z0-9-]+$`)
	for _, c := range All() {
		if seen[c.ID] {
			t.Errorf("duplicate ID %s", c.ID)
		}
		seen[c.ID] = true
		if !idRule.MatchString(c.ID) {
			t.Errorf("%s: ID is not <document>/<section>/<slug>", c.ID)
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
