package spec

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

func loadTrace(t *testing.T) ([]TracedSentence, []TraceScope) {
	t.Helper()
	trace, scopes, err := Trace()
	if err != nil {
		t.Fatal(err)
	}
	return trace, scopes
}

// sectionTexts maps a document's section names to their reader text.
func sectionTexts(t *testing.T, doc string) map[string]string {
	t.Helper()
	secs, err := Sections(doc)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range secs {
		out[s.Name] += s.Text
	}
	return out
}

func TestTraceQuotesAreVerbatim(t *testing.T) {
	trace, _ := loadTrace(t)
	texts := map[string]map[string]string{}
	for _, s := range trace {
		if texts[s.Doc] == nil {
			texts[s.Doc] = sectionTexts(t, s.Doc)
		}
		text, ok := texts[s.Doc][s.Section]
		if !ok {
			t.Errorf("%s line %d: %s has no section %q", s.Doc, s.Line, s.Doc, s.Section)
			continue
		}
		if !strings.Contains(text, ReaderText(s.Quote)) {
			t.Errorf("%s line %d: not verbatim in %s %s:\n  %s", s.Doc, s.Line, s.Doc, s.Section, s.Quote)
		}
	}
}

// TestTraceCoversEveryNormativeSentence: every requirement keyword in the sections a trace
// file scopes lies inside a quoted sentence of that section.
func TestTraceCoversEveryNormativeSentence(t *testing.T) {
	trace, scopes := loadTrace(t)
	for _, scope := range scopes {
		if len(scope.Sections) == 0 {
			t.Errorf("%s: the trace scopes no section", scope.Doc)
		}
		secs, err := Sections(scope.Doc)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		kw := normativeKeyword(scope.Doc)
		missing := 0
		for _, sec := range secs {
			if !scope.Includes(sec.Name) {
				continue
			}
			found[sec.Name] = true
			var spans [][2]int
			for _, s := range trace {
				if s.Doc != scope.Doc || s.Section != sec.Name {
					continue
				}
				q := ReaderText(s.Quote)
				for from := 0; ; {
					i := strings.Index(sec.Text[from:], q)
					if i < 0 || q == "" {
						break
					}
					spans = append(spans, [2]int{from + i, from + i + len(q)})
					from += i + 1
				}
			}
			for _, m := range kw.FindAllStringIndex(sec.Text, -1) {
				covered := false
				for _, sp := range spans {
					if m[0] >= sp[0] && m[1] <= sp[1] {
						covered = true
						break
					}
				}
				if !covered {
					missing++
					if missing <= 40 {
						t.Errorf("%s %s: %q is in no traced sentence: ...%s...", scope.Doc, sec.Name, sec.Text[m[0]:m[1]], around(sec.Text, m[0], m[1]))
					}
				}
			}
		}
		if missing > 40 {
			t.Errorf("%s: %d keywords in no traced sentence in all", scope.Doc, missing)
		}
		for _, want := range scope.Sections {
			ok := false
			for name := range found {
				if scope.Includes(name) && (name == want || strings.HasPrefix(name, want+".")) {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s: scoped section %q is not in the text", scope.Doc, want)
			}
		}
	}
}

func around(text string, from, to int) string {
	a, b := max(0, from-80), min(len(text), to+80)
	return text[a:b]
}

func TestTraceNamesRealChecks(t *testing.T) {
	trace, _ := loadTrace(t)
	for _, s := range trace {
		for _, id := range s.Checks {
			if _, ok := Lookup(id); !ok {
				t.Errorf("%s line %d: no check %s", s.Doc, s.Line, id)
			}
		}
		if s.Role != RoleServer && s.Tested() {
			t.Errorf("%s line %d: a %s sentence is mapped to checks; conform tests servers", s.Doc, s.Line, s.Role)
		}
	}
}

// TestEveryCheckCitesATracedSentence: a check's quote is (part of) a traced sentence that
// names the check, or holds one.
func TestEveryCheckCitesATracedSentence(t *testing.T) {
	trace, _ := loadTrace(t)
	for _, c := range All() {
		if c.Ref.Doc == "conform" {
			continue
		}
		q := ReaderText(c.Quote)
		ok := false
		for _, s := range trace {
			if s.Doc != c.Ref.Doc || !contains(s.Checks, c.ID) {
				continue
			}
			tq := ReaderText(s.Quote)
			if strings.Contains(tq, q) || strings.Contains(q, tq) {
				ok = true
				break
			}
		}
		if !ok {
			t.Errorf("%s: its quote is in no traced sentence of %s that names it:\n  %s", c.ID, c.Ref.Doc, c.Quote)
		}
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// TestTraceCoverageFigures: every server sentence is tested, reasoned or open (the parser
// enforces it), and the share tested never falls below what the catalog has reached.
func TestTraceCoverageFigures(t *testing.T) {
	trace, _ := loadTrace(t)
	floor := map[string]float64{"PEP 3333": 0.74, "RFC 9112": 0.75, "RFC 9110": 0.74}
	sums := map[string]*SectionCoverage{}
	for _, c := range Coverage(trace) {
		s := sums[c.Doc]
		if s == nil {
			s = &SectionCoverage{Doc: c.Doc}
			sums[c.Doc] = s
		}
		s.Sentences += c.Sentences
		s.Tested += c.Tested
		s.Reasoned += c.Reasoned
		s.Open += c.Open
		if c.Tested+c.Reasoned+c.Open != c.Sentences {
			t.Errorf("%s %s: %d server sentences, %d tested, %d reasoned, %d open", c.Doc, c.Section, c.Sentences, c.Tested, c.Reasoned, c.Open)
		}
	}
	var docs []string
	for d := range floor {
		docs = append(docs, d)
	}
	sort.Strings(docs)
	for _, d := range docs {
		s := sums[d]
		if s == nil || s.Sentences == 0 {
			t.Errorf("%s: no server sentence traced", d)
			continue
		}
		share := float64(s.Tested) / float64(s.Sentences)
		t.Logf("%s: %d server sentences, %d tested (%.0f%%), %d reasoned, %d open", d, s.Sentences, s.Tested, 100*share, s.Reasoned, s.Open)
		if share < floor[d] {
			t.Errorf("%s: %s of server sentences tested, below the floor %.0f%%", d, fmt.Sprintf("%.0f%%", 100*share), 100*floor[d])
		}
	}
}

func TestReaderText(t *testing.T) {
	for in, want := range map[string]string{
		"The server **must** not,\n  ever":                    "The server must not, ever",
		"it is *not* so":                                      "it is not so",
		"chunk-size = 1*HEXDIG":                               "chunk-size = 1*HEXDIG",
		`asterisk-form = "*"`:                                 `asterisk-form = "*"`,
		"see :rfc:`2616` and `Error Handling`_ [7]_":          "see RFC 2616 and Error Handling [7]",
		":rfc:`\"hop-by-hop\" headers <2616#section-13.5.1>`": `"hop-by-hop" headers`,
		"``environ`` Variables":                               "environ Variables",
		"a\u00a0no-break space":                               "a no-break space",
	} {
		if got := ReaderText(in); got != want {
			t.Errorf("ReaderText(%q) = %q, want %q", in, got, want)
		}
	}
}
