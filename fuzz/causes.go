package fuzz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/conform-wsgi/conform/internal/safetext"
	"github.com/conform-wsgi/conform/reference"
)

// A session against a real server writes tens to hundreds of findings, and behind them a
// handful of causes. A cause is what the target did (the class and the kind of the verdict)
// and the smallest set of generator features that makes it do so (ablation's), normalised
// as the signature's parts are: two findings with the same minimal features and behaviour
// are one cause, whatever status or rule came with them, and two with different minimal
// features are two (unless one set holds the other: then the smaller is the cause). Findings that are not ablated (leniency, crashes, injected headers,
// garbage responses) are told apart by their core, which already names the cause: the
// reference's rule a lenient target let through, the log line of a worker death.

// Cause is one cause and the findings behind it.
type Cause struct {
	Key   string `json:"key"`
	Class Class  `json:"class"`
	// Kind is what the target did ("accepted", "rejected", "waits", "closed", "desync",
	// ...); Detail completes it where the kind alone does not say it: the reference's rule
	// for a leniency or a desync in bytes it rejects, the field of an injected header, a
	// worker death's log line.
	Kind   string `json:"kind"`
	Detail string `json:"detail,omitempty"`
	// Shown are the findings' own kinds, for a desync what the bytes after it showed
	// ("body-overrun", "served-smuggled", ...).
	Shown []string `json:"shown,omitempty"`
	// Rules are the reference's rules for the bytes of a desync after a leniency.
	Rules []string `json:"rules,omitempty"`
	// Features are the normalised minimal features ("plain get" when none is needed).
	Features []string `json:"features"`
	Label    string   `json:"label"`
	Count    int      `json:"count"`
	// Example is the finding with the shortest bytes, a minimized one when there is one.
	Example      string   `json:"example"`
	ExampleBytes []byte   `json:"example_bytes"`
	Replay       string   `json:"replay"`
	Findings     []string `json:"findings"`
	// Choice, when set, says the target made a choice the RFC leaves to it: shown, but not
	// a finding.
	Choice string `json:"choice,omitempty"`
}

// Causes is what DIR/causes.json holds: the causes, worst first, and the observed choices.
type Causes struct {
	Target string `json:"target,omitempty"`
	// Findings counts the findings behind the causes (the choices' records not included).
	Findings int     `json:"findings"`
	Causes   []Cause `json:"causes"`
	Choices  []Cause `json:"choices"`
}

const causesFile = "causes.json"

// causeRank orders causes by how much a maintainer needs to know: a desync can smuggle
// requests past a proxy, a crash or hang takes the service down, a 5xx is an unhandled
// error; a leniency or strictness is a disagreement about the grammar.
func causeRank(c Class) int {
	for i, x := range []Class{Framing, Crash, Hang, Status5xx, Input, Leniency, Strictness, Semantic} {
		if x == c {
			return i
		}
	}
	return 8
}

// PermittedChoice says why the finding shows only a choice the RFC leaves to the target, so
// it is no finding ("" when it is one). RFC 9112 §2.2 lets a recipient recognise a bare LF
// as a line terminator or not ("a recipient MAY recognize a single LF"); the reference
// does, so a target that does not rejects what the reference serves: a bare LF ending a
// line, an empty line of a bare LF before a request-line, a bare LF inside a value. When
// the reference, making the other choice (Deviations.CRLFLineEndsOnly, which breaks no
// requirement), rejects the same request the target rejected, after serving the same ones
// before it, the target did what a conforming server may do.
func (f *Finding) PermittedChoice() string {
	rejects := f.Class == Strictness || f.Class == Framing && f.Kind == "rejected-in-pipeline" || f.Class == Input && f.Kind == "raised"
	if !rejects || !bytes.Contains(f.Bytes, []byte("\n")) {
		return ""
	}
	served := 0
	if f.Observed != nil {
		for _, a := range f.Observed.Answers {
			if a.Echo == nil || a.Echo.InputError != "" {
				break // (an exception from wsgi.input is how a streaming server rejects a body)
			}
			served++
		}
	}
	in := reference.InterpretWith(f.Bytes, reference.Limits{}, reference.Deviations{})
	other := reference.InterpretWith(f.Bytes, reference.Limits{}, reference.Deviations{CRLFLineEndsOnly: true})
	if other.Error == nil || len(other.Requests) != served || served >= len(in.Requests) {
		return ""
	}
	return "does not take a bare LF for a line terminator, so it rejects what the reference serves (RFC 9112 §2.2: a recipient MAY recognize a single LF; the reference does, and rejects these bytes too when it does not)"
}

// Choice says which choice the RFC leaves to the target the finding only shows, "" when
// it is a finding (PermittedChoice, LimitChoice, and a rejection the RFC permits).
func (f *Finding) Choice() string {
	_, why := f.choice()
	return why
}

// choice is Choice with the key its findings are grouped by.
func (f *Finding) choice() (key, why string) {
	if c := f.PermittedChoice(); c != "" {
		return "choice/bare-lf", c
	}
	if c := f.LimitChoice(); c != "" {
		return "choice/limit/" + f.Rule, c
	}
	r := f.rejectedRequest()
	if f.Class != Strictness || r == nil {
		return "", ""
	}
	if !slices.Contains(registeredMethods, r.Method) {
		return "choice/method", "rejects a method it does not recognise (RFC 9110 §9.1: all methods but GET and HEAD are OPTIONAL, and an unrecognized one SHOULD get 501)"
	}
	if repeatedLength(r.Header) {
		return "choice/length-list", "rejects a Content-Length of one value repeated (RFC 9110 §8.6: the recipient MAY either reject the message as invalid or replace the list with that value)"
	}
	return "", ""
}

// registeredMethods are the methods RFC 9110 §9 and RFC 5789 define.
var registeredMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}

// rejectedRequest is the reference's view of the request the target rejected: the one its
// first rejection answers.
func (f *Finding) rejectedRequest() *RefRequest {
	if f.Observed == nil {
		return nil
	}
	for i, a := range f.Observed.Answers {
		if isRejection(a.Status) {
			if i < len(f.Reference.Requests) {
				return &f.Reference.Requests[i]
			}
			return nil
		}
	}
	return nil
}

// repeatedLength says the Content-Length lines, taken together as one list, repeat one
// decimal value.
func repeatedLength(header []reference.Field) bool {
	var values []string
	for _, h := range header {
		if strings.EqualFold(h.Name, "Content-Length") {
			for _, v := range strings.Split(h.Value, ",") {
				values = append(values, strings.Trim(v, " \t"))
			}
		}
	}
	if len(values) < 2 || values[0] == "" || strings.Trim(values[0], "0123456789") != "" {
		return false
	}
	for _, v := range values[1:] {
		if v != values[0] {
			return false
		}
	}
	return true
}

// LimitChoice says why a leniency only shows a larger limit than the reference's ("" when
// it is a finding): the reference rejected the request for its size alone (413, 414, 431,
// a chunk line or a method longer than its bound), which the RFCs leave to each server
// (RFC 9110 §15.5.14 "larger than the server is willing or able to process"; RFC 9112 §3
// "longer than any URI it wishes to parse"; §7.1.1 "ought to limit"; RFC 6585 §5 "MAY").
func (f *Finding) LimitChoice() string {
	if f.Class != Leniency && !(f.Class == Input && f.Kind == "silent") {
		return ""
	}
	pe := f.Reference.Error
	if pe == nil || pe.Rule != f.Rule {
		return ""
	}
	switch {
	case pe.Status == 413 || pe.Status == 414 || pe.Status == 431,
		pe.Rule == "rfc9112/7.1.1 chunk extensions too long", pe.Rule == "rfc9112/3 method too long":
		return "accepts what is larger than the reference's limit (" + pe.Rule + "): each server sets its own"
	}
	return ""
}

// causeOf is the cause a finding belongs to (without its count and example). like is the
// deviation that names a desync's behaviour ("" when none does).
func causeOf(f *Finding, like string) Cause {
	v := Verdict{Class: f.Class, Kind: f.Kind, Rule: f.Rule}
	c := Cause{Class: f.Class, Kind: v.behaviour()}
	if coreIsSignature(v) {
		c.Detail = f.Rule
		if f.Class == Semantic && f.Kind == "header-injected" {
			c.Detail = injectedShape(f.Rule)
		}
		if like != "" {
			// Rules the reference breaks the same way are one leniency: its rules are listed.
			c.Detail = "as the reference with " + like
		}
	} else {
		// The signature's parts are the normalised minimal features (with the families a
		// 5xx or a desync in rejected bytes is told apart by); a record without them is
		// normalised here the same way.
		if _, rest, ok := strings.Cut(f.Signature, " | "); ok {
			c.Features = strings.Split(rest, " + ")
		} else {
			c.Features = signatureParts(f.Base, f.Features, f.Class == Status5xx)
		}
		if like != "" {
			// What the target does, named: every spelling that shows it is one cause.
			c.Features = nil
		} else if f.Class == Framing && f.Rule != "" {
			// One behaviour, whichever kind the bytes after it showed (Verdict.Core). In
			// bytes the reference rejects, what the target frames differently is told by
			// the features about framing; a field or request-line the target let through on
			// the way is the leniency's own cause, and would pair with every desync.
			c.Detail = afterLenient
			if triggers := withoutEnablers(c.Features); len(triggers) > 0 {
				c.Features = triggers
			}
		}
		if f.Class == Status5xx {
			c.Features = catalogFamilies(c.Features)
		} else {
			c.Features = catalogCarrier(c.Features)
		}
		if len(c.Features) == 0 && like == "" {
			c.Features = []string{"plain " + strings.TrimPrefix(f.Base, "neutral:")}
		}
		if f.Class == Semantic && f.Kind == "not-echo" || f.Class == Input {
			c.Detail = f.Rule // the answer the application never gave, the exception it got: the behaviour
		}
		if like != "" {
			c.Detail = strings.TrimPrefix(c.Detail+", as the reference with "+like, ", ")
		}
	}
	c.Key = string(c.Class) + "/" + c.Kind
	if c.Detail != "" {
		c.Key += "/" + c.Detail
	}
	if len(c.Features) > 0 {
		c.Key += " | " + strings.Join(c.Features, " + ")
	}
	c.Label = c.Kind
	if c.Detail != "" {
		c.Label += " " + c.Detail
	}
	if len(c.Features) > 0 {
		c.Label += " with " + strings.Join(c.Features, " + ")
	}
	return c
}

// injectedShape tells injected variables apart by what makes their names odd, not by the
// field each came from: a bare LF kept at the start of every field name is one cause.
func injectedShape(name string) string {
	var odd []string
	for _, b := range []byte(name) {
		if !('A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '_') {
			if x := fmt.Sprintf("%q", string([]byte{b})); !slices.Contains(odd, x) {
				odd = append(odd, x)
			}
		}
	}
	if len(odd) == 0 {
		return "a field the reference does not see"
	}
	sort.Strings(odd)
	return "a name holding " + strings.Join(odd, " ")
}

// afterLenient is the Detail of a desync in bytes the reference rejects.
const afterLenient = "after a request the reference rejects"

// enablers are the feature families that touch the request-line or a field no reader
// frames a body by: in a desync after a leniency they got the request past the target.
var enablers = []string{"request-line", "host", "header-count", "head-byte", "value-byte", "name-byte", "ws", "eol", "expect", "connection"}

// withoutEnablers is the features of a desync less the enablers (nil when nothing else is
// left: then the enabler is what the target frames by).
func withoutEnablers(features []string) []string {
	var out []string
	for _, f := range features {
		family, _, _ := strings.Cut(f, ":")
		if !slices.Contains(enablers, family) {
			out = append(out, f)
		}
	}
	return out
}

// namedBehaviours names each diagnosed desync by the deviations that explain it and most of
// the target's desyncs (all of them when they tie). The
// fewest behaviours that account for the findings are the causes; a desync the reference
// explains under several deviations (NoChunkedSupport and TransferEncodingExactChunked
// both frame "chunked, chunked" as tornado does) joins the others that one explains.
func namedBehaviours(findings []*Finding) map[*Finding]string {
	var devs []deviation
	explained := map[string]int{} // class and deviation
	for _, f := range findings {
		if f == nil || !diagnosable(f) {
			continue
		}
		if !f.Diagnosed {
			// A record written before desyncs were diagnosed (a session does it as it records).
			if devs == nil {
				devs = parsingDeviations()
			}
			f.diagnoseOnce(devs)
		}
		for _, d := range f.Like {
			explained[string(f.Class)+"/"+d]++
		}
	}
	out := map[*Finding]string{}
	for _, f := range findings {
		if f == nil {
			continue
		}
		most := 0
		for _, d := range f.Like {
			most = max(most, explained[string(f.Class)+"/"+d])
		}
		var best []string
		for _, d := range f.Like {
			if explained[string(f.Class)+"/"+d] == most {
				best = append(best, d)
			}
		}
		out[f] = strings.Join(best, " or ")
	}
	// A leniency is its rule: the name one finding of the rule has is the rule's (a target
	// that waits for a body after the request is named by none, as no deviation waits).
	byRule := map[string]string{}
	for f, name := range out {
		if f.Class == Leniency && name != "" {
			if old := byRule[f.Rule]; old == "" || name < old {
				byRule[f.Rule] = name
			}
		}
	}
	for _, f := range findings {
		if f != nil && f.Class == Leniency && byRule[f.Rule] != "" {
			out[f] = byRule[f.Rule]
		}
	}
	return out
}

// catalogFamilies names a catalog request by its RFC section ("catalog:rfc9112/6.1"), as a
// 5xx's features are named by their family: an exception escaping the parser is one bug
// whichever of the section's requests raised it.
func catalogFamilies(features []string) []string {
	var out []string
	for _, f := range features {
		if id, ok := strings.CutPrefix(f, "catalog:"); ok {
			if parts := strings.SplitN(id, "/", 3); len(parts) == 3 {
				f = "catalog:" + parts[0] + "/" + parts[1]
			}
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// catalogCarrier names a catalog request "catalog" when the finding needs other features
// too: the request only carries them (the neutral request of its shape did not), and the
// same features on two catalog requests are one cause. A catalog request alone is its own.
func catalogCarrier(features []string) []string {
	other := slices.ContainsFunc(features, func(f string) bool { return !strings.HasPrefix(f, "catalog:") })
	if !other {
		return features
	}
	var out []string
	for _, f := range features {
		if strings.HasPrefix(f, "catalog:") {
			f = "catalog"
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// GroupCauses groups findings into causes, worst first, and sets apart the findings that
// only show a choice the RFC permits. dir is where the findings are, for the replay
// commands ("" when they were not written).
func GroupCauses(findings []*Finding, dir string) *Causes {
	out := &Causes{Causes: []Cause{}, Choices: []Cause{}}
	like := namedBehaviours(findings)
	protos := map[string]Cause{}
	var order []string
	var keyOf []string
	var valid []*Finding
	for _, f := range findings {
		if f == nil || f.ID == "" {
			continue
		}
		if out.Target == "" {
			out.Target = f.Target
		}
		c := causeOf(f, like[f])
		if key, why := f.choice(); why != "" {
			// One choice, however many requests showed it.
			c = Cause{Key: key, Class: f.Class, Kind: c.Kind, Detail: f.Rule, Label: why, Choice: why}
		}
		if _, ok := protos[c.Key]; !ok {
			protos[c.Key] = c
			order = append(order, c.Key)
		}
		valid = append(valid, f)
		keyOf = append(keyOf, c.Key)
	}
	// Ablation drops one feature at a time, so a finding found first with more features
	// than its cause needs keeps them (the session then counts the later, smaller case as a
	// duplicate, or finds it as a finding of its own); its behaviour is the smaller one's.
	root := map[string]string{}
	for _, k := range order {
		head, _, _ := strings.Cut(k, " | ")
		best := k
		for _, k2 := range order {
			head2, _, _ := strings.Cut(k2, " | ")
			b, c2 := protos[best], protos[k2]
			// A desync found with fewer features is the cause whatever the reference
			// rejected: the feature more got the request past another of its rules.
			sameBehaviour := head2 == head || c2.Class == Framing && protos[k].Class == Framing
			if k2 == k || !sameBehaviour || c2.Choice != "" || protos[k].Choice != "" || len(c2.Features) == 0 || !strictSubset(c2.Features, protos[k].Features) {
				continue
			}
			if best == k || len(c2.Features) < len(b.Features) || len(c2.Features) == len(b.Features) && k2 < best {
				best = k2
			}
		}
		root[k] = best
	}
	byKey := map[string]*Cause{}
	examples := map[string]*Finding{}
	order = order[:0]
	for i, f := range valid {
		k := root[keyOf[i]]
		p := byKey[k]
		if p == nil {
			c := protos[k]
			p = &c
			byKey[k] = p
			order = append(order, k)
		}
		p.Count++
		p.Findings = append(p.Findings, f.ID)
		if f.Kind != p.Kind && !slices.Contains(p.Shown, f.Kind) {
			p.Shown = append(p.Shown, f.Kind)
		}
		if (p.Detail == afterLenient || p.Class == Leniency && like[f] != "") && !slices.Contains(p.Rules, f.Rule) {
			p.Rules = append(p.Rules, f.Rule)
		}
		if e := examples[k]; e == nil || betterExample(f, e) {
			examples[k] = f
		}
	}
	for _, k := range order {
		c := byKey[k]
		e := examples[k]
		sort.Strings(c.Findings)
		sort.Strings(c.Shown)
		sort.Strings(c.Rules)
		c.Example, c.ExampleBytes, c.Replay = e.ID, e.Bytes, replayCommand(e, dir)
		if c.Choice != "" {
			out.Choices = append(out.Choices, *c)
		} else {
			out.Causes = append(out.Causes, *c)
			out.Findings += c.Count
		}
	}
	less := func(cs []Cause) func(i, j int) bool {
		return func(i, j int) bool {
			a, b := cs[i], cs[j]
			if causeRank(a.Class) != causeRank(b.Class) {
				return causeRank(a.Class) < causeRank(b.Class)
			}
			if a.Count != b.Count {
				return a.Count > b.Count
			}
			return a.Key < b.Key
		}
	}
	sort.SliceStable(out.Causes, less(out.Causes))
	sort.SliceStable(out.Choices, less(out.Choices))
	return out
}

// strictSubset says every part of a is in b, and b has more.
func strictSubset(a, b []string) bool {
	if len(a) >= len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// betterExample prefers a minimized finding, then the shorter bytes, then the lower ID.
func betterExample(f, than *Finding) bool {
	if f.Minimized != than.Minimized {
		return f.Minimized
	}
	if len(f.Bytes) != len(than.Bytes) {
		return len(f.Bytes) < len(than.Bytes)
	}
	return f.ID < than.ID
}

// replayCommand is the conform replay command line for a finding's record.
func replayCommand(f *Finding, dir string) string {
	path := f.ID + ".json"
	if dir != "" {
		path = filepath.Join(dir, path)
	}
	target := "--target HOST:PORT"
	switch {
	case f.Server != "":
		target = "--server " + shellWord(f.Server)
		if f.Front != "" {
			target += " --front " + shellWord(f.Front)
		}
	case f.Target != "":
		target = "--target " + shellWord(f.Target)
	}
	return "conform replay " + shellWord(path) + " " + target
}

// shellWord quotes a word for a POSIX shell when it holds anything but safe characters: the
// directory and the target come from the command line and the findings' records.
func shellWord(s string) string {
	if s != "" && s[0] != '-' && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// WriteCauses writes DIR/causes.json atomically.
func WriteCauses(dir string, cs *Causes) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("findings directory: %w", err)
	}
	js, err := json.MarshalIndent(cs, "", "  ")
	if err != nil {
		return fmt.Errorf("causes: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, causesFile), func(w io.Writer) error {
		_, err := w.Write(append(js, '\n'))
		return err
	}); err != nil {
		return fmt.Errorf("write causes: %w", err)
	}
	return nil
}

// ReadCauses reads DIR/causes.json.
func ReadCauses(dir string) (*Causes, error) {
	b, err := os.ReadFile(filepath.Join(dir, causesFile))
	if err != nil {
		return nil, fmt.Errorf("read causes: %w", err)
	}
	var cs Causes
	if err := json.Unmarshal(b, &cs); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, causesFile), err)
	}
	return &cs, nil
}

func (cs *Causes) writeText(w io.Writer) { cs.WriteText(w) }

// WriteText is the causes part of the summary: one line per cause, worst first, with
// its count and the example to replay; then the choices the RFC leaves to the target.
func (cs *Causes) WriteText(w io.Writer) {
	if cs == nil || len(cs.Causes)+len(cs.Choices) == 0 {
		return
	}
	fmt.Fprintf(w, "  causes: %d behind %d finding(s), worst first (with --dir, every finding in it)\n", len(cs.Causes), cs.Findings)
	for _, c := range cs.Causes {
		label := c.Label
		if len(c.Shown) > 0 {
			label += " (" + strings.Join(c.Shown, ", ") + ")"
		}
		if len(c.Rules) > 0 {
			label += "; the reference rejects: " + strings.Join(c.Rules, "; ")
		}
		fmt.Fprintf(w, "  %4d  %-10s %s\n        e.g. %s: %s\n", c.Count, c.Class, safetext.Line(clip(label, 200)), safetext.Line(c.Example), safetext.Line(c.Replay))
	}
	for _, c := range cs.Choices {
		fmt.Fprintf(w, "  observed choice (not a finding, %d record(s)): %s, e.g. %s\n", c.Count, safetext.Line(c.Choice), safetext.Line(c.Example))
	}
}

// causesOf groups every finding the session knows: with a directory, all written there
// (earlier sessions' too, on --resume); otherwise this session's.
func (s *session) causesOf(sum *Summary) *Causes {
	all := sum.Findings
	if s.opt.Dir != "" {
		if found, err := LoadFindings(s.opt.Dir); err == nil {
			all = found
		}
	}
	return GroupCauses(all, s.opt.Dir)
}

// saveCauses keeps DIR/causes.json current while the session runs (with the session state,
// every few seconds): a session that is killed leaves its causes too.
func (s *session) saveCauses() {
	if s.opt.Dir == "" {
		return
	}
	found, err := LoadFindings(s.opt.Dir)
	if err != nil {
		return // a finding being rewritten; the next save, or the last, has it
	}
	if err := WriteCauses(s.opt.Dir, GroupCauses(found, s.opt.Dir)); err != nil {
		s.fatal(err)
	}
}
