package spec

import (
	"embed"
	"fmt"
	"regexp"
	"sort"
	"strings"

	spectexts "github.com/conform-wsgi/conform/spec/texts"
)

// The trace: every normative sentence of the sections conform covers, quoted, and what
// answers it: the checks that test it, or why it cannot be tested through a WSGI app.
//
//go:embed trace/*.txt
var traceFiles embed.FS

// traceDocs maps each trace file to the document it traces.
var traceDocs = []struct{ File, Doc string }{
	{"trace/pep3333.txt", "PEP 3333"},
	{"trace/rfc9112.txt", "RFC 9112"},
	{"trace/rfc9110.txt", "RFC 9110"},
}

// Roles a traced sentence binds. Only RoleServer counts towards coverage: the others bind
// someone conform does not test (the application, a client, an intermediary), or use a
// keyword in its everyday sense.
const (
	RoleServer      = "server"
	RoleApplication = "application"
	RoleClient      = "client"
	RoleProxy       = "proxy"
	RoleInformative = "informative"
)

var traceRoles = map[string]bool{RoleServer: true, RoleApplication: true, RoleClient: true, RoleProxy: true, RoleInformative: true}

// TracedSentence is one normative sentence and what answers it.
type TracedSentence struct {
	Doc     string
	Section string // "6.3", or a PEP 3333 heading
	Level   string // MUST, SHOULD or MAY: the strongest keyword binding Role
	Role    string
	Quote   string
	Checks  []string
	// Reason says why a server sentence has no check; on other roles it is a note.
	Reason string
	// Open sketches the check a testable server sentence still lacks.
	Open string
	Line int // in the trace file
}

// Tested reports whether a check answers the sentence.
func (s TracedSentence) Tested() bool { return len(s.Checks) > 0 }

// TraceScope is the part of one document the trace must cover: the named sections and
// everything below them.
type TraceScope struct {
	Doc      string
	Sections []string
}

// Includes reports whether section lies in the scope.
func (s TraceScope) Includes(section string) bool {
	for _, p := range s.Sections {
		if section == p || strings.HasPrefix(section, p+".") {
			return true
		}
	}
	return false
}

// Trace reads the embedded trace files.
func Trace() ([]TracedSentence, []TraceScope, error) {
	var all []TracedSentence
	var scopes []TraceScope
	for _, d := range traceDocs {
		b, err := traceFiles.ReadFile(d.File)
		if err != nil {
			return nil, nil, fmt.Errorf("trace: %w", err)
		}
		ss, scope, err := parseTrace(d.Doc, string(b))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", d.File, err)
		}
		all = append(all, ss...)
		scopes = append(scopes, scope)
	}
	return all, scopes, nil
}

var traceHeader = regexp.MustCompile(`^\[([^\]]+)\]\s+(MUST|SHOULD|MAY)\s+(\S+)\s*$`)

// parseTrace reads one trace file:
//
//	@scope 6                          a section (and its subsections) the trace covers
//	[6.3] MUST server                 a sentence: section, level, role
//	  If a message is received ...    its quote, verbatim, on indented lines
//	  -> rfc9112/6.3/te-cl            the checks that test it
//	  -- why it cannot be tested      or the reason there is none (a note on other roles)
//	  !! what a check would send      or, testable but not tested yet, the check to write
func parseTrace(doc, text string) ([]TracedSentence, TraceScope, error) {
	scope := TraceScope{Doc: doc}
	var out []TracedSentence
	var cur *TracedSentence
	var quote []string
	flush := func() error {
		if cur == nil {
			return nil
		}
		cur.Quote = strings.Join(quote, " ")
		if cur.Quote == "" {
			return fmt.Errorf("line %d: no quote", cur.Line)
		}
		if cur.Role == RoleServer && !cur.Tested() && cur.Reason == "" && cur.Open == "" {
			return fmt.Errorf("line %d: a server sentence needs checks (->), a reason (--) or the check to write (!!)", cur.Line)
		}
		if cur.Open != "" && (cur.Tested() || cur.Role != RoleServer) {
			return fmt.Errorf("line %d: only an untested server sentence is open (!!)", cur.Line)
		}
		out = append(out, *cur)
		cur, quote = nil, nil
		return nil
	}
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(line, "#"):
			if err := flush(); err != nil {
				return nil, scope, err
			}
		case strings.HasPrefix(line, "@scope "):
			scope.Sections = append(scope.Sections, strings.TrimSpace(strings.TrimPrefix(line, "@scope ")))
		case strings.HasPrefix(line, "["):
			if err := flush(); err != nil {
				return nil, scope, err
			}
			m := traceHeader.FindStringSubmatch(line)
			if m == nil {
				return nil, scope, fmt.Errorf("line %d: want [section] MUST|SHOULD|MAY role, got %q", n, line)
			}
			if !traceRoles[m[3]] {
				return nil, scope, fmt.Errorf("line %d: unknown role %q", n, m[3])
			}
			cur = &TracedSentence{Doc: doc, Section: m[1], Level: m[2], Role: m[3], Line: n}
		case cur == nil:
			return nil, scope, fmt.Errorf("line %d: text outside a sentence: %q", n, line)
		case strings.HasPrefix(trimmed, "->"):
			cur.Checks = append(cur.Checks, strings.FieldsFunc(strings.TrimPrefix(trimmed, "->"), func(r rune) bool { return r == ',' || r == ' ' })...)
		case strings.HasPrefix(trimmed, "--"):
			cur.Reason = strings.TrimSpace(cur.Reason + " " + strings.TrimSpace(strings.TrimPrefix(trimmed, "--")))
		case strings.HasPrefix(trimmed, "!!"):
			cur.Open = strings.TrimSpace(cur.Open + " " + strings.TrimSpace(strings.TrimPrefix(trimmed, "!!")))
		default:
			quote = append(quote, trimmed)
		}
	}
	if err := flush(); err != nil {
		return nil, scope, err
	}
	return out, scope, nil
}

// SectionCoverage counts one section's server sentences.
type SectionCoverage struct {
	Doc, Section string
	Sentences    int // server sentences
	Tested       int // with a check
	Reasoned     int // untestable through a WSGI app, with the reason
	Open         int // testable, with no check yet
	Other        int // sentences binding someone else, not counted above
}

// Coverage sums the trace per document and section, in trace order.
func Coverage(trace []TracedSentence) []SectionCoverage {
	var out []SectionCoverage
	index := map[[2]string]int{}
	for _, s := range trace {
		k := [2]string{s.Doc, s.Section}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, SectionCoverage{Doc: s.Doc, Section: s.Section})
		}
		c := &out[i]
		switch {
		case s.Role != RoleServer:
			c.Other++
		case s.Tested():
			c.Sentences++
			c.Tested++
		case s.Open != "":
			c.Sentences++
			c.Open++
		default:
			c.Sentences++
			c.Reasoned++
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Doc < out[j].Doc })
	return out
}

// SpecSection is one section of a spec text, as a reader sees it.
type SpecSection struct {
	Name string // "6.3", or the PEP heading
	Text string // readerText of its paragraphs, literal blocks left out
}

var (
	rfcHeading = regexp.MustCompile(`^#+ (?:Appendix )?([0-9A-Z]+(?:\.[0-9]+)*)\.[\s\x{a0}]`)
	rstRole    = regexp.MustCompile(":(rfc|pep):`([^`<]*?)\\s*(?:<[^>]*>)?`")
	rstLink    = regexp.MustCompile("`([^`]+)`_")
	rstFootRef = regexp.MustCompile(`\[([0-9]+)\]_`)
	rstEmph    = regexp.MustCompile(`(^|[^\w*])\*\*?([A-Za-z][^*]*?)\*\*?([^\w*]|$)`)
	anySpace   = regexp.MustCompile(`[\s\x{a0}]+`)
)

// ReaderText folds a passage as a reader sees it: reStructuredText markup dropped, white
// space (no-break space included) folded to one space. Quotes are compared in this form.
func ReaderText(s string) string {
	s = rstRole.ReplaceAllStringFunc(s, func(m string) string {
		p := rstRole.FindStringSubmatch(m)
		if _, err := fmt.Sscanf(p[2], "%d", new(int)); err == nil && !strings.Contains(p[2], " ") {
			return strings.ToUpper(p[1]) + " " + p[2]
		}
		return p[2]
	})
	s = rstLink.ReplaceAllString(s, "$1")
	s = rstFootRef.ReplaceAllString(s, "[$1]")
	s = strings.ReplaceAll(s, "``", "")
	s = rstEmph.ReplaceAllString(s, "$1$2$3")
	return strings.TrimSpace(anySpace.ReplaceAllString(s, " "))
}

// Sections splits a spec text into its sections: RFC texts by their "## 6.3. Title" headings,
// PEP 3333 by its underlined titles, leaving out reStructuredText literal blocks (code).
func Sections(doc string) ([]SpecSection, error) {
	text, ok := spectexts.ByDoc(doc)
	if !ok {
		return nil, fmt.Errorf("no text for %q", doc)
	}
	lines := strings.Split(text, "\n")
	var out []SpecSection
	var body []string
	name := ""
	flush := func() {
		if name != "" {
			out = append(out, SpecSection{Name: name, Text: ReaderText(strings.Join(body, "\n"))})
		}
		body = nil
	}
	if doc != "PEP 3333" {
		for _, l := range lines {
			if m := rfcHeading.FindStringSubmatch(l); m != nil {
				flush()
				name = m[1]
				continue
			}
			body = append(body, l)
		}
		flush()
		return out, nil
	}
	literal, literalIndent := false, 0
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if i+1 < len(lines) && isUnderline(lines[i+1], l) {
			flush()
			name = ReaderText(l)
			i++
			literal = false
			continue
		}
		indent := len(l) - len(strings.TrimLeft(l, " "))
		if literal {
			if strings.TrimSpace(l) == "" || indent > literalIndent {
				continue
			}
			literal = false
		}
		if strings.HasSuffix(strings.TrimSpace(l), "::") {
			literal, literalIndent = true, indent
			body = append(body, strings.TrimSuffix(strings.TrimRight(l, " "), ":"))
			continue
		}
		body = append(body, l)
	}
	flush()
	return out, nil
}

func isUnderline(u, title string) bool {
	u = strings.TrimRight(u, " ")
	if len(u) < 4 || strings.TrimSpace(title) == "" || len(u) < len(strings.TrimSpace(title)) {
		return false
	}
	return strings.Trim(u, string(u[0])) == "" && strings.ContainsRune("=-~^", rune(u[0]))
}

// normativeKeyword finds the requirement keywords of a document's sections: BCP 14's
// capitalised words in the RFCs, PEP 3333's must/should/may in any case.
func normativeKeyword(doc string) *regexp.Regexp {
	if doc == "PEP 3333" {
		return regexp.MustCompile(`(?i)\b(must|should|may)\b`)
	}
	return regexp.MustCompile(`\b(MUST|SHALL|SHOULD|MAY|REQUIRED|RECOMMENDED|OPTIONAL)\b`)
}
