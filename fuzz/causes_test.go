package fuzz

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/wire"
)

func TestGroupCauses(t *testing.T) {
	fs := []*Finding{
		// One cause: the same kind and minimal features, whatever status came back or the
		// spelling's case (a record without the normalised parts in its signature).
		{ID: "strictness-a", Class: Strictness, Kind: "rejected", Rule: "400", Signature: "strictness/rejected/400 | expect:100-continue", Features: []string{"expect:100-continue"}, Base: "neutral:get", Bytes: []byte("0123456789")},
		{ID: "strictness-b", Class: Strictness, Kind: "rejected", Rule: "417", Signature: "strictness/rejected/417", Features: []string{"expect:100-Continue"}, Base: "neutral:length", Bytes: []byte("01234"), Minimized: true},
		// Another: other minimal features, the same status.
		{ID: "strictness-c", Class: Strictness, Kind: "rejected", Rule: "400", Signature: "strictness/rejected/400 | ws:nbsp", Features: []string{"ws:nbsp"}, Base: "neutral:get", Bytes: []byte("0")},
		// Another again: the same features, but the target did something else with them.
		{ID: "strictness-d", Class: Strictness, Kind: "closed", Rule: "closed", Signature: "strictness/closed/closed | ws:nbsp", Features: []string{"ws:nbsp"}, Bytes: []byte("0")},
		// Leniency is not ablated: the reference's rule names what the target let through.
		{ID: "leniency-e", Class: Leniency, Kind: "accepted", Rule: "rfc9110/8.6", Signature: "leniency/accepted/rfc9110/8.6", Features: []string{"cl:plus"}, Bytes: []byte("0")},
		{ID: "leniency-f", Class: Leniency, Kind: "accepted", Rule: "rfc9110/8.6", Signature: "leniency/accepted/rfc9110/8.6", Features: []string{"cl:underscore", "eol:cr@field"}, Bytes: []byte("00")},
		// Waiting for a body after the lenient request is accepting it too.
		{ID: "leniency-o", Class: Leniency, Kind: "waits", Rule: "rfc9110/8.6", Signature: "leniency/accepted/rfc9110/8.6", Features: []string{"cl:plus"}, Bytes: []byte("000")},
		{ID: "framing-g", Class: Framing, Kind: "body", Signature: "framing/body/ | te:comma", Features: []string{"te:comma"}, Bytes: []byte("0"), Server: "waitress"},
		// The same body, found first with a feature more than it needs: the cause is the smaller set.
		{ID: "framing-k", Class: Framing, Kind: "body", Signature: "framing/body/ | cl-dup + te:comma", Features: []string{"te:comma", "cl-dup"}, Bytes: []byte("00")},
		// Not a superset: a cause of its own.
		{ID: "framing-l", Class: Framing, Kind: "body", Signature: "framing/body/ | cl:plus", Features: []string{"cl:plus"}, Bytes: []byte("00")},
		// The same features, another kind: what followed the desync, not another cause.
		{ID: "framing-m", Class: Framing, Kind: "stalled", Signature: "framing/desync/ | cl:plus", Features: []string{"cl:plus"}, Bytes: []byte("000")},
		// The same features in bytes the reference rejects: a desync after a leniency.
		{ID: "framing-n", Class: Framing, Kind: "stalled", Rule: "rfc9112/3.2 Host required", Signature: "framing/desync/rfc9112/3.2 Host required | cl:plus", Features: []string{"cl:plus"}, Bytes: []byte("000")},
		// A 5xx from two catalog requests of one section: one exception, two spellings.
		{ID: "5xx-p", Class: Status5xx, Kind: "status", Rule: "500", Signature: "5xx/status/500 | catalog:rfc9112/6.1/te-list/nbsp", Base: "catalog:rfc9112/6.1/te-list/nbsp", Bytes: []byte("0")},
		{ID: "5xx-q", Class: Status5xx, Kind: "status", Rule: "500", Signature: "5xx/status/500 | catalog:rfc9112/6.1/unknown-transfer-coding", Base: "catalog:rfc9112/6.1/unknown-transfer-coding", Bytes: []byte("0")},
		// Desyncs after two leniencies with the same framing feature: one cause, whichever
		// field or request-line got the request past the target.
		{ID: "framing-s", Class: Framing, Kind: "body-overrun", Rule: "rfc9112/3.2 Host required", Signature: "framing/desync/rfc9112/3.2 Host required | cl-offset + host", Features: []string{"cl-offset:1", "host:missing"}, Bytes: []byte("0")},
		{ID: "framing-t", Class: Framing, Kind: "phantom", Rule: "rfc9110/9.1 method is a token", Signature: "framing/desync/rfc9110/9.1 method is a token | cl-offset + request-line", Features: []string{"cl-offset:3", "request-line:method-odd"}, Bytes: []byte("00")},
		// The catalog request is what is left once the enabler goes: it names the cause.
		{ID: "framing-1", Class: Framing, Kind: "body-overrun", Rule: "rfc6585/5 too many header fields", Signature: "framing/desync/rfc6585/5 too many header fields | catalog:rfc9112/6.1/te-in-http10 + header-count", Base: "catalog:rfc9112/6.1/te-in-http10", Features: []string{"header-count:101"}, Bytes: []byte("0")},
		// The same features carried by two catalog requests: one cause.
		{ID: "semantic-u", Class: Semantic, Kind: "path", Signature: "semantic/path/ | catalog:rfc9112/9.8/close-notify + expect:100-continue", Base: "catalog:rfc9112/9.8/close-notify", Features: []string{"expect:100-Continue"}, Bytes: []byte("0")},
		{ID: "semantic-v", Class: Semantic, Kind: "path", Signature: "semantic/path/ | catalog:rfc9112/9.6/close-option-sent + expect:100-continue", Base: "catalog:rfc9112/9.6/close-option-sent", Features: []string{"expect:100-continue"}, Bytes: []byte("0")},
		// Injected variables are told apart by what makes their names odd.
		{ID: "semantic-2", Class: Semantic, Kind: "header-injected", Rule: "HTTP_\nHOST", Signature: "semantic/header-injected/HTTP_\nHOST", Bytes: []byte("0")},
		{ID: "semantic-3", Class: Semantic, Kind: "header-injected", Rule: "HTTP_\nX_A\xa0", Signature: "semantic/header-injected/HTTP_\nX_A\xa0", Bytes: []byte("0")},
		{ID: "semantic-4", Class: Semantic, Kind: "header-injected", Rule: "HTTP_X_\nB", Signature: "semantic/header-injected/HTTP_X_\nB", Bytes: []byte("0")},
		// A catalog request alone is what the target rejects: a cause of its own.
		{ID: "strictness-w", Class: Strictness, Kind: "rejected", Rule: "400", Signature: "strictness/rejected/400 | catalog:rfc9112/3/method-case/lower", Base: "catalog:rfc9112/3/method-case/lower", Bytes: []byte("0")},
		{ID: "strictness-x", Class: Strictness, Kind: "rejected", Rule: "400", Signature: "strictness/rejected/400 | catalog:rfc9112/7.1.1/chunk-extension-quoted-bws", Base: "catalog:rfc9112/7.1.1/chunk-extension-quoted-bws", Bytes: []byte("0")},
		{ID: "hang-h", Class: Hang, Kind: "no-response", Signature: "hang/no-response/ | plain get", Base: "neutral:get", Bytes: []byte("0")},
		// A bare LF rejected: RFC 9112 §2.2 leaves it to the target.
		{ID: "strictness-i", Class: Strictness, Kind: "rejected", Rule: "400", Signature: "strictness/rejected/400 | eol:lf", Features: []string{"eol:lf@all"}, Bytes: []byte("GET / HTTP/1.1\nHost: x\n\nGET /__conform__/echo HTTP/1.1\r\nHost: x\r\n\r\n")},
		// Serving a request the reference rejects for its size alone: a larger limit.
		{ID: "leniency-r", Class: Leniency, Kind: "accepted", Rule: "rfc6585/5 too many header fields", Signature: "leniency/accepted/rfc6585/5 too many header fields", Bytes: []byte("0"),
			Reference: RefView{Error: &reference.ParseError{Status: 431, Rule: "rfc6585/5 too many header fields"}}},
		// A desync rejected in the pipeline for a bare LF is a choice, and holds no other desync.
		{ID: "framing-5", Class: Framing, Kind: "rejected-in-pipeline", Signature: "framing/desync/ | eol:lf", Features: []string{"eol:lf@all"}, Bytes: []byte("GET / HTTP/1.1\nHost: x\n\nGET /__conform__/echo HTTP/1.1\r\nHost: x\r\n\r\n")},
		// Rejecting a method that is no registered one, or a length repeated: RFC 9110
		// §9.1 and §8.6 permit it (the second request is the one rejected).
		{ID: "strictness-y", Class: Strictness, Kind: "rejected", Rule: "400", Signature: "strictness/rejected/400 | drop-framing", Bytes: []byte("0"),
			Reference: RefView{Requests: []RefRequest{{Method: "POST"}, {Method: "helloGET"}}}, Observed: &Observation{Answers: []Answer{{Status: 200}, {Status: 400}}}},
		{ID: "strictness-z", Class: Strictness, Kind: "rejected", Rule: "400", Signature: "strictness/rejected/400 | cl-dup:same", Bytes: []byte("0"),
			Reference: RefView{Requests: []RefRequest{{Method: "POST", Header: []reference.Field{{Name: "Content-Length", Value: "5"}, {Name: "content-length", Value: "5, 5"}}}}}, Observed: &Observation{Answers: []Answer{{Status: 400}}}},
		// Not a list of one value.
		{ID: "strictness-0", Class: Strictness, Kind: "rejected", Rule: "400", Signature: "strictness/rejected/400 | cl:list-diff", Bytes: []byte("0"),
			Reference: RefView{Requests: []RefRequest{{Method: "POST", Header: []reference.Field{{Name: "Content-Length", Value: "5, 6"}}}}}, Observed: &Observation{Answers: []Answer{{Status: 400}}}},
		// Not when the target rejected what even a reader of CRLF alone serves.
		{ID: "strictness-j", Class: Strictness, Kind: "rejected", Rule: "400", Signature: "strictness/rejected/400 | plain get", Bytes: []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
	}
	cs := GroupCauses(fs, "out dir")
	var got []string
	for _, c := range cs.Causes {
		got = append(got, c.Key+" = "+strings.Join(c.Findings, ","))
	}
	want := []string{
		"framing/desync | cl:plus = framing-l,framing-m",
		"framing/desync | te:comma = framing-g,framing-k",
		"framing/desync/after a request the reference rejects | cl-offset = framing-s,framing-t",
		"framing/desync/after a request the reference rejects | catalog:rfc9112/6.1/te-in-http10 = framing-1",
		"framing/desync/after a request the reference rejects | cl:plus = framing-n",
		"hang/no-response | plain get = hang-h",
		"5xx/status | catalog:rfc9112/6.1 = 5xx-p,5xx-q",
		"leniency/accepted/rfc9110/8.6 = leniency-e,leniency-f,leniency-o",
		"strictness/rejected | expect:100-continue = strictness-a,strictness-b",
		"strictness/closed | ws:nbsp = strictness-d",
		"strictness/rejected | catalog:rfc9112/3/method-case/lower = strictness-w",
		"strictness/rejected | catalog:rfc9112/7.1.1/chunk-extension-quoted-bws = strictness-x",
		"strictness/rejected | cl:list-diff = strictness-0",
		"strictness/rejected | plain get = strictness-j",
		"strictness/rejected | ws:nbsp = strictness-c",
		"semantic/header-injected/a name holding \"\\n\" = semantic-2,semantic-4",
		"semantic/path | catalog + expect:100-continue = semantic-u,semantic-v",
		"semantic/header-injected/a name holding \"\\n\" \"\\xa0\" = semantic-3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("causes, worst first:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	choice := map[string]string{}
	for _, c := range cs.Choices {
		for _, id := range c.Findings {
			choice[id] = c.Choice
		}
	}
	bareLF := 0
	for _, c := range cs.Choices {
		if c.Key == "choice/bare-lf" {
			bareLF = len(c.Findings)
		}
	}
	if cs.Findings != 27 || len(cs.Choices) != 4 || bareLF != 2 || !strings.Contains(choice["strictness-i"], "§2.2") || !strings.Contains(choice["leniency-r"], "limit") ||
		!strings.Contains(choice["strictness-y"], "§9.1") || !strings.Contains(choice["strictness-z"], "§8.6") {
		t.Errorf("%d findings, choices %+v; want 27, and the bare LF, the limit, the method and the repeated length as choices", cs.Findings, cs.Choices)
	}
	for _, c := range cs.Causes {
		switch c.Example {
		case "strictness-a", "leniency-f":
			t.Errorf("%s: example %s, not the minimized or shorter one", c.Key, c.Example)
		}
	}
	if c := cs.Causes[1]; c.Replay != "conform replay 'out dir/framing-g.json' --server waitress" {
		t.Errorf("replay command %q", c.Replay)
	}
	if c := cs.Causes[0]; !slices.Equal(c.Shown, []string{"body", "stalled"}) {
		t.Errorf("%s shows %v, want the kinds of its findings", c.Key, c.Shown)
	}
	for _, c := range cs.Causes {
		if c.Detail == afterLenient && c.Count == 2 && !slices.Equal(c.Rules, []string{"rfc9110/9.1 method is a token", "rfc9112/3.2 Host required"}) {
			t.Errorf("%s: rules %v, want both the reference rejects", c.Key, c.Rules)
		}
		if c.Class == Leniency && !slices.Equal(c.Shown, []string{"waits"}) {
			t.Errorf("%s shows %v, want the waits beside the accepted", c.Key, c.Shown)
		}
	}
}

// A session against a reference that frames by Content-Length groups its findings into
// causes, writes them to DIR/causes.json, and the grouping keeps apart what ablation keeps
// apart and together what differs only in what the generator meant.
func TestSessionCauses(t *testing.T) {
	ref, err := reference.Start(reference.Options{Deviations: reference.Deviations{PreferContentLength: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	dir := t.TempDir()
	sum, err := Run(context.Background(), Options{Addr: ref.Addr, Seed: 1, Cases: 3000, Duration: 20 * time.Second, Dir: dir, NoCatalog: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Findings) < 2 || sum.Causes == nil {
		t.Fatalf("%d findings, causes %v", len(sum.Findings), sum.Causes)
	}
	var out strings.Builder
	sum.WriteText(&out)
	t.Logf("%s", out.String())
	if i, j := strings.Index(out.String(), "causes: "), strings.Index(out.String(), "new findings: "); i < 0 || i > j {
		t.Error("the summary does not list the causes before the counts")
	}
	read, err := ReadCauses(dir)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(sum.Causes)
	var again Causes
	if err := json.Unmarshal(js, &again); err != nil || !reflect.DeepEqual(*read, again) {
		t.Errorf("causes.json does not round-trip:\n%+v\n%+v (%v)", *read, again, err)
	}
	// causes.json is not taken for a finding.
	if found, _ := LoadFindings(dir); len(found) != len(sum.Findings) {
		t.Errorf("%d findings loaded, %d written", len(found), len(sum.Findings))
	}
	n := 0
	for _, c := range read.Causes {
		n += c.Count
		if c.Class != Framing && c.Class != Leniency && c.Class != Strictness && c.Class != Semantic {
			t.Errorf("cause %s: no such class against this reference", c.Key)
		}
	}
	if n+len(read.Choices) > len(sum.Findings) || n != read.Findings {
		t.Errorf("causes count %d findings (choices %d), the session wrote %d", n, len(read.Choices), len(sum.Findings))
	}

	// A real finding again with another status (what the generator meant does not matter)
	// or, for a desync, another kind (what the bytes after it showed), and again with one
	// more minimal feature (a cause of its own).
	var f *Finding
	for _, g := range sum.Findings {
		if !coreIsSignature(Verdict{Class: g.Class, Kind: g.Kind}) && g.PermittedChoice() == "" {
			f = g
			break
		}
	}
	if f == nil {
		t.Fatal("no ablated finding")
	}
	same, other := *f, *f
	core := Verdict{Class: f.Class, Kind: f.Kind, Rule: f.Rule}.Core()
	same.ID, same.Rule, same.Signature = f.ID+"-same", "999", strings.Replace(f.Signature, core, core+"999", 1)
	if f.Class == Framing {
		same.Rule, same.Signature = f.Rule, f.Signature
		same.Kind = "phantom"
		if f.Kind == same.Kind {
			same.Kind = "body-overrun"
		}
	}
	other.ID = f.ID + "-other"
	other.Features = append(slices.Clone(f.Features), "host:missing")
	other.Signature = ""
	// (A desync that cannot be diagnosed is known by its features.)
	other.Observed, other.Like, other.Diagnosed = nil, nil, false
	cs := GroupCauses([]*Finding{f, &same, &other}, dir)
	if len(cs.Causes) != 2 || cs.Causes[0].Count+cs.Causes[1].Count != 3 || !slices.Contains(cs.Causes[0].Findings, same.ID) && !slices.Contains(cs.Causes[1].Findings, same.ID) {
		t.Fatalf("causes %+v", cs.Causes)
	}
	for _, c := range cs.Causes {
		if slices.Contains(c.Findings, f.ID) != slices.Contains(c.Findings, same.ID) || slices.Contains(c.Findings, f.ID) == slices.Contains(c.Findings, other.ID) {
			t.Errorf("cause %s holds %v", c.Key, c.Findings)
		}
	}
	// Each desync is diagnosed as it is recorded, not on every grouping.
	found, _ := LoadFindings(dir)
	for _, g := range found {
		if g.Class == Framing && !g.Diagnosed {
			t.Errorf("%s was recorded undiagnosed", g.ID)
		}
	}
	// The desyncs of a target that frames by Content-Length are named by the deviation of
	// the reference that does.
	for _, c := range read.Causes {
		if c.Class == Framing && !strings.Contains(c.Label, "PreferContentLength") {
			t.Errorf("desync cause %q does not name PreferContentLength", c.Label)
		}
	}
	if want := "conform replay " + filepath.Join(dir, cs.Causes[0].Example+".json") + " --target " + ref.Addr; cs.Causes[0].Replay != want {
		t.Errorf("replay %q, want %q", cs.Causes[0].Replay, want)
	}
}

// A target that only makes the choice RFC 9112 §2.2 leaves it (a bare LF is no line
// terminator to it) has no cause: what it rejects is shown as an observed choice.
func TestBareLFStrictnessIsAChoice(t *testing.T) {
	ref, err := reference.Start(reference.Options{Deviations: reference.Deviations{CRLFLineEndsOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	sum, err := Run(context.Background(), Options{Addr: ref.Addr, Seed: 1, Cases: 3000, Duration: 20 * time.Second, NoCatalog: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Causes == nil || len(sum.Causes.Choices) != 1 || sum.Causes.Choices[0].Count != len(sum.Findings) {
		t.Fatalf("no observed choice in %d findings", len(sum.Findings))
	}
	for _, c := range sum.Causes.Causes {
		t.Errorf("cause %s (%d findings, e.g. %s)", c.Key, c.Count, c.Example)
	}
}

// TestReplayCommandNamesTheFront: a finding made through a front is replayed through one.
func TestReplayCommandNamesTheFront(t *testing.T) {
	f := &Finding{ID: "framing-a", Server: "waitress", Front: "haproxy"}
	if got := replayCommand(f, "d"); got != "conform replay d/framing-a.json --server waitress --front haproxy" {
		t.Errorf("replay command %q", got)
	}
}

func TestCaseOfID(t *testing.T) {
	for id, want := range map[string]int64{caseID(12, roleMain, 0): 12, caseID(0, roleFollow, 3): 0} {
		if n, ok := CaseOfID(id); !ok || n != want {
			t.Errorf("%s: %d %v", id, n, ok)
		}
	}
	for _, id := range []string{"c12", "f-m0", "fx-m0", "f12", "harness-ready", "f-1-m0"} {
		if n, ok := CaseOfID(id); ok {
			t.Errorf("%s: case %d", id, n)
		}
	}
}

// namedFindings are the findings of a target that behaves as the reference with deviation
// dev does, one for each request: each must be of class c against the conforming reference
// and diagnosed with dev, and together they must be one cause naming it.
func namedFindings(t *testing.T, c Class, dev string, raws [][]byte) []*Finding {
	t.Helper()
	devs := parsingDeviations()
	var target reference.Deviations
	if err := target.Set(dev, ""); err != nil {
		t.Fatal(err)
	}
	var findings []*Finding
	for i, raw := range raws {
		o := PerfectObservation(expectCase(raw, nil, reference.Limits{}, target))
		v := Compare(expectCase(raw, nil, reference.Limits{}, reference.Deviations{}), o)
		if v.Class != c {
			t.Fatalf("%q: %s, want %s against the reference", raw, v.Describe(), c)
		}
		f := &Finding{ID: fmt.Sprintf("%s-%d", c, i), Class: c, Kind: v.Kind, Rule: v.Rule, Signature: v.Core() + " | te", Bytes: raw, Observed: o}
		if like := diagnose(f, devs); !slices.Contains(like, dev) {
			t.Errorf("%q: diagnosed %v", raw, like)
		}
		findings = append(findings, f)
	}
	cs := GroupCauses(findings, "")
	if len(cs.Causes) != 1 || !strings.Contains(cs.Causes[0].Label, "as the reference with") || !strings.Contains(cs.Causes[0].Label, dev) || cs.Causes[0].Count != len(raws) {
		for _, c := range cs.Causes {
			t.Logf("cause %s (%d)", c.Label, c.Count)
		}
		t.Errorf("%d causes, want the one naming %s", len(cs.Causes), dev)
	}
	return findings
}

// A desync is named by the reference's deviation that frames its bytes as the target did:
// a target that reads a chunked body only for exactly "chunked" (tornado 6.2) is the
// reference with TransferEncodingExactChunked, whatever spelling of the field showed it.
func TestDiagnoseNamesTheDeviation(t *testing.T) {
	var raws [][]byte
	for i, te := range []string{"chunked, chunked", "chunked,chunked", "identity, chunked"} {
		raws = append(raws, []byte(fmt.Sprintf("POST /__conform__/echo HTTP/1.1\r\nHost: a\r\nX-Conform-Id: f%d-m0\r\nTransfer-Encoding: %s\r\n\r\n5\r\nhello\r\n0\r\n\r\n"+
			"GET /__conform__/echo HTTP/1.1\r\nHost: a\r\nX-Conform-Id: f%d-s0\r\n\r\n", i, te, i)))
	}
	findings := namedFindings(t, Framing, "TransferEncodingExactChunked", raws)
	// The reference's own answers are no desync: nothing to name.
	raw := findings[0].Bytes
	if like := diagnose(&Finding{Class: Framing, Bytes: raw, Observed: PerfectObservation(expectCase(raw, nil, reference.Limits{}, reference.Deviations{}))}, parsingDeviations()); like != nil {
		t.Errorf("an agreement diagnosed %v", like)
	}
}

// A server error is named by the deviation under which the reference answers the same: a
// target that answers 500 to every Transfer-Encoding line but "chunked" and "identity"
// (Debian's gunicorn 20.1) is one cause, whichever spelling of the field showed it.
func TestServerErrorNamedByItsDeviation(t *testing.T) {
	var raws [][]byte
	for i, te := range []string{"chunked, chunked", "gzip, chunked", "compress", "chunked;q=1"} {
		raws = append(raws, []byte(fmt.Sprintf("POST /__conform__/echo HTTP/1.1\r\nHost: a\r\nX-Conform-Id: f%d-m0\r\nTransfer-Encoding: %s\r\n\r\n5\r\nhello\r\n0\r\n\r\n", i, te)))
	}
	namedFindings(t, Status5xx, "TransferCodingServerError", raws)
	// A 500 to a plain chunked body is no such target: no deviation names it.
	raw := []byte("POST /__conform__/echo HTTP/1.1\r\nHost: a\r\nX-Conform-Id: f9-m0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
	o := &Observation{Answers: []Answer{{Status: 500, Reason: "Internal Server Error"}}, End: wire.EndClosed}
	if like := diagnose(&Finding{Class: Status5xx, Kind: "status", Rule: "500", Bytes: raw, Observed: o}, parsingDeviations()); slices.Contains(like, "TransferCodingServerError") {
		t.Errorf("a 500 to chunked diagnosed %v", like)
	}
}

// A leniency is named by the deviation under which the reference lets the request through
// as the target did, and every finding of its rule goes with it: one that waits for a body
// (which no deviation does) too.
func TestLeniencyNamedByItsDeviation(t *testing.T) {
	raw := []byte("GET /__conform__/echo HTTP/1.1\r\nX-Conform-Id: f1-m0\r\n\r\n")
	o := PerfectObservation(expectCase(raw, nil, reference.Limits{}, reference.Deviations{AcceptMissingHost: true}))
	v := Compare(expectCase(raw, nil, reference.Limits{}, reference.Deviations{}), o)
	if v.Class != Leniency {
		t.Fatalf("%s, want a leniency", v.Describe())
	}
	served := &Finding{ID: "leniency-a", Class: Leniency, Kind: v.Kind, Rule: v.Rule, Signature: v.Core(), Bytes: raw, Observed: o}
	waits := &Finding{ID: "leniency-b", Class: Leniency, Kind: "waits", Rule: v.Rule, Signature: v.Core(), Bytes: raw, Observed: &Observation{}}
	cs := GroupCauses([]*Finding{served, waits}, "")
	if len(cs.Causes) != 1 || cs.Causes[0].Count != 2 || !strings.Contains(cs.Causes[0].Label, "AcceptMissingHost") || !slices.Equal(cs.Causes[0].Rules, []string{v.Rule}) {
		t.Errorf("causes %+v", cs.Causes)
	}
}

// Every cause of a session is one of its own: its example, sent again alone, shows a
// verdict that groups under that cause and no other (the label holds on the minimized
// bytes, and no two causes are one behaviour told twice).
func TestCausesAreDistinct(t *testing.T) {
	dev := reference.Deviations{PreferContentLength: true, AcceptMissingHost: true, ContentLengthPythonInt: true, KeepTrailingWhitespace: true}
	ref, err := reference.Start(reference.Options{Deviations: dev})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	dir := t.TempDir()
	sum, err := Run(context.Background(), Options{Addr: ref.Addr, Seed: 3, Cases: 4000, Duration: 40 * time.Second, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	found, err := LoadFindings(dir)
	if err != nil || len(sum.Causes.Causes) < 3 {
		t.Fatalf("%d causes (%v)", len(sum.Causes.Causes), err)
	}
	byID := map[string]*Finding{}
	for _, f := range found {
		byID[f.ID] = f
	}
	for _, c := range sum.Causes.Causes {
		e := byID[c.Example]
		if e == nil {
			t.Fatalf("cause %s: no record of its example %s", c.Key, c.Example)
		}
		_, o, v := Replay(context.Background(), ref.Addr, e.Bytes, e.Writes, ReplayOptions{})
		again := *e
		again.ID = e.ID + "-again"
		again.Class, again.Kind, again.Rule, again.Observed = v.Class, v.Kind, v.Rule, o
		again.Like, again.Diagnosed = nil, false
		if v.Core() != (Verdict{Class: e.Class, Kind: e.Kind, Rule: e.Rule}).Core() {
			t.Errorf("cause %s: its example %s shows %s again", c.Key, e.ID, v.Describe())
			continue
		}
		cs := GroupCauses(append(slices.Clone(found), &again), dir)
		if h := causeHolding(cs, again.ID); h == nil || h.Key != c.Key {
			t.Errorf("cause %s: its example sent again is under %v", c.Key, h)
		}
	}
	t.Logf("%d findings, %d causes, each shown again by its example", len(found), len(sum.Causes.Causes))
}

// A new disagreement that a deviation naming a known finding of its class names too is a
// duplicate: the same behaviour, another spelling.
func TestNamedKnownIsADuplicate(t *testing.T) {
	exact := reference.Deviations{TransferEncodingExactChunked: true}
	disagreement := func(te string) (Verdict, *Case, *Observation) {
		raw := []byte("POST /__conform__/echo HTTP/1.1\r\nHost: a\r\nX-Conform-Id: f1-m0\r\nTransfer-Encoding: " + te + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
			"GET /__conform__/echo HTTP/1.1\r\nHost: a\r\nX-Conform-Id: f1-s0\r\n\r\n")
		o := PerfectObservation(expectCase(raw, nil, reference.Limits{}, exact))
		return Compare(expectCase(raw, nil, reference.Limits{}, reference.Deviations{}), o), &Case{Bytes: raw}, o
	}
	var tr triage
	v, c, o := disagreement("chunked,chunked")
	if v.Class != Framing || tr.namedKnown(v, c, o) {
		t.Fatalf("%s, named before anything is known", v.Describe())
	}
	tr.learnNames(Framing, []string{"TransferEncodingExactChunked"})
	if v, c, o := disagreement("identity, chunked"); !tr.namedKnown(v, c, o) {
		t.Errorf("another spelling of the known behaviour (%s) is not known", v.Describe())
	}
	tr.named = nil
	tr.learnNames(Framing, []string{"PreferContentLength"})
	if tr.namedKnown(v, c, o) {
		t.Error("a disagreement no known deviation names is known")
	}
}
