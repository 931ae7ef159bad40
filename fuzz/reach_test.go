package fuzz

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/wire"
)

// needs wants a finding of class c and kind (any kind when ""), with rule prefix rule, whose
// minimal features include one starting with feature ("" for any).
func needs(c Class, kind, rule, feature string) want {
	w := want{name: string(c) + "/" + kind + "/" + rule + " with " + feature, match: func(f *Finding) bool {
		if f.Class != c || kind != "" && f.Kind != kind || !strings.HasPrefix(f.Rule, rule) {
			return false
		}
		return feature == "" || slices.ContainsFunc(f.Features, func(x string) bool { return strings.HasPrefix(x, feature) })
	}}
	if family, _, _ := strings.Cut(feature, ":"); family != "" && !coreIsSignature(Verdict{Class: c, Kind: kind}) {
		w.needs = []string{family}
	}
	return w
}

// Each reach of the generator (read modes, gateway-variable field names, wsgi.input
// exceptions) finds the deviation of the reference that breaks what it is for, with a label
// that names it.
func TestReachFindsDeviatedReference(t *testing.T) {
	for _, c := range []struct {
		dev  string
		want want
	}{
		// A field spelled with "_" mapped beside its "-" twin: Content_Length beside
		// Content-Length, X_Forwarded_For beside X-Forwarded-For.
		{"KeepUnderscoreHeaders", needs(Semantic, "cgi-shadowed", "HTTP_", "")},
		// The body of an application that never reads is parsed as the next request.
		{"LeaveUnreadBody", needs(Framing, "", "", "read:none")},
		// wsgi.input reads on past the body, into the next request (werkzeug's and wsgiref's
		// socket file): only a read mode that asks past CONTENT_LENGTH shows it.
		{"InputReadsConnection", needs(Framing, "body-overrun", "", "read:")},
		// read() without a size raises, which the probe's 200 would have hidden (the auto
		// mode calls it too, when wsgi.input_terminated is true).
		{"ReadRequiresSize", needs(Input, "raised", "TypeError", "")},
		// No readline(): only the readline read modes call it.
		{"InputNoReadline", needs(Input, "raised", "AttributeError", "read:readline")},
		// A chunk-size "+5" or "0x5" handed to the application as if well-formed.
		{"AcceptChunkSizePrefix", needs(Input, "silent", "rfc9112/7.1", "")},
	} {
		t.Run(c.dev, func(t *testing.T) {
			var d reference.Deviations
			if err := d.Set(c.dev, ""); err != nil {
				t.Fatal(err)
			}
			ref, err := reference.Start(reference.Options{Deviations: d})
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close()
			sum := session1(t, Options{Addr: ref.Addr, Seed: 5, Duration: 15 * time.Second, MinimizeBudget: -1}, c.want)
			if t.Failed() {
				for _, f := range sum.Findings {
					t.Logf("found %s: %s", f.Signature, f.Detail)
				}
			}
		})
	}
}

// The conforming reference gives none of these findings, over cases that use every read mode
// and every gateway-variable name.
func TestReachAgainstReferenceFindsNothing(t *testing.T) {
	ref, err := reference.Start(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	const cases = 3000
	g := NewGenerator(11, nil)
	used := map[string]bool{}
	for n := int64(0); n < cases; n++ {
		for _, f := range g.Case(n).Features {
			if strings.HasPrefix(f, "read:") || strings.HasPrefix(f, "cgi-name:") {
				used[f] = true
			}
		}
	}
	for _, m := range readModes() {
		if !used["read:"+m.name] {
			t.Errorf("no case of %d reads with %s", cases, m.name)
		}
	}
	for _, v := range []string{"content-length", "script-name", "remote-addr", "twin"} {
		if !used["cgi-name:"+v] {
			t.Errorf("no case of %d has cgi-name:%s", cases, v)
		}
	}
	sum, err := Run(context.Background(), Options{Addr: ref.Addr, Seed: 11, Cases: cases, Duration: 20 * time.Second, NoCatalog: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Cases < cases/2 {
		t.Errorf("only %d cases ran", sum.Cases)
	}
	for _, f := range sum.Findings {
		t.Errorf("false positive %s: %s\n%q", f.Signature, f.Detail, f.Bytes)
	}
}

// serverAsked says CONFORM_SERVERS asks for the real server name: "1", "all", "true" or "yes"
// for every one, or a comma list of names.
func serverAsked(name string) bool {
	switch asked := strings.TrimSpace(os.Getenv("CONFORM_SERVERS")); asked {
	case "", "0", "false", "no":
		return false
	case "1", "all", "true", "yes":
		return true
	default:
		return slices.Contains(strings.Split(strings.ReplaceAll(asked, " ", ""), ","), name)
	}
}

// trailerSeed is a chunked request with a trailer field.
var trailerSeed = Seed{Check: "trailer-field", Bytes: []byte("POST /__conform__/echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n")}

// Real servers that do what the reach features look for, each read in its installed source
// (/usr/lib/python3/dist-packages), found in a bounded session.
//
//	CONFORM_SERVERS=gunicorn-sync,werkzeug go test -run TestReachRealServers ./fuzz/
func TestReachRealServers(t *testing.T) {
	for _, c := range []struct {
		server string
		want   []want
	}{
		{"gunicorn-sync", []want{
			// gunicorn/http/wsgi.py:129-130 takes SCRIPT_NAME from a field of that name
			// (TestGunicornTakesScriptNameFromAField) and :183-187 cuts it off PATH_INFO, with
			// an IndexError (500) when it is not a prefix of the path;
			// (where the reference serves the request: a 500 on bytes it rejects is told by
			// its rule, and its features are not ablated)
			func() want {
				w := needs(Status5xx, "", "500", "cgi-name")
				match := w.match
				w.match = func(f *Finding) bool { return f.Rule == "500" && match(f) }
				return w
			}(),
			// :138-141 maps Content_Length to HTTP_CONTENT_LENGTH and joins X_A to X-A.
			needs(Semantic, "cgi-shadowed", "HTTP_", ""),
			// http/body.py:88-91 reads a chunk-size with strip() and int(x, 16): "\t5", "+5",
			// "0x5" are handed over as if well-formed.
			needs(Input, "silent", "rfc9112/7.1 chunk-size", ""),
		}},
		{"werkzeug", []want{
			// werkzeug/serving.py:181 hands the application the socket file: readline() goes
			// on into the next request ...
			needs(Framing, "body-overrun", "", "read:readline"),
			// ... and a read to the end of the input blocks;
			needs(Hang, "no-response", "", "read:"),
			// :203-210 makes Content_Length the CONTENT_LENGTH the application reads by;
			needs(Framing, "body", "", "cgi-name:content-length"),
			// :141-143 (DechunkedInput) raises OSError on a trailer field, "Missing chunk
			// terminating newline" (one ended by CRLF: raising on a bare LF is a choice RFC
			// 9112 §2.2 leaves it). The session starts from a request with one among the
			// catalog's (werkzeug runs at some 15 cases a second).
			{name: "input/raised/OSError, no choice", match: func(f *Finding) bool {
				return f.Class == Input && f.Kind == "raised" && strings.HasPrefix(f.Rule, "OSError") && f.Choice() == ""
			}},
		}},
	} {
		t.Run(c.server, func(t *testing.T) {
			if !serverAsked(c.server) {
				t.Skip("real servers run when CONFORM_SERVERS asks for them (1, or server names)")
			}
			in := realServer(t, c.server)
			opt := Options{Instance: in, Seed: 1, Duration: 60 * time.Second, Dir: t.TempDir()}
			if c.server == "werkzeug" {
				seeds, err := CatalogSeeds(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				opt.Catalog = append(seeds, trailerSeed)
			}
			session1(t, opt, c.want...)
		})
	}
}

func TestCompareReachRules(t *testing.T) {
	const sentinel = "GET /__conform__/echo HTTP/1.1\r\nHost: a\r\nX-Conform-Id: f1-s0\r\n\r\n"
	served := func(id, body string, edit func(*EchoView)) Answer {
		a := echoAnswer(id, "POST", "/__conform__/echo", body)
		a.Echo.Mode, a.Echo.CGI = "auto", map[string]string{"SCRIPT_NAME": "", "CONTENT_LENGTH": fmt.Sprint(len(body))}
		if edit != nil {
			edit(a.Echo)
		}
		return a
	}
	both := func(first Answer) *Observation {
		return &Observation{Answers: []Answer{first, echoAnswer("f1-s0", "GET", "/__conform__/echo", "")}, End: wire.EndOpen}
	}
	head := "POST /__conform__/echo HTTP/1.1\r\nHost: a\r\nX-Conform-Id: f1-m0\r\nContent-Length: 5\r\n"
	cgi := Expect([]byte(head+"SCRIPT_NAME: /__conform__\r\nContent_Length: 7\r\nX-A: real\r\nX_A: 192.0.2.66\r\n\r\nhello"+sentinel), reference.Limits{}, reference.Deviations{})
	chunked := "POST /__conform__/echo HTTP/1.1\r\nHost: a\r\nX-Conform-Id: f1-m0\r\nTransfer-Encoding: chunked\r\n\r\n"
	good := Expect([]byte(chunked+"5\r\nhello\r\n0\r\n\r\n"+sentinel), reference.Limits{}, reference.Deviations{})
	bad := Expect([]byte(chunked+"+5\r\nhello\r\n0\r\n\r\n"+sentinel), reference.Limits{}, reference.Deviations{})
	if !bad.bodyRejected() || good.bodyRejected() || Expect([]byte("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), reference.Limits{}, reference.Deviations{}).bodyRejected() {
		t.Fatal("bodyRejected does not tell a fault in the body from one in the head")
	}
	raised := func(e *EchoView) {
		e.InputError, e.BodyLen, e.BodySHA256, e.Body = "ValueError: Invalid chunk size", 0, sha(nil), nil
	}
	for _, c := range []struct {
		name string
		e    *Expectation
		o    *Observation
		want string
	}{
		{"underscore fields dropped", cgi, both(served("f1-m0", "hello", func(e *EchoView) { e.Headers["HTTP_X_A"] = "real" })), ""},
		{"underscore twin kept beside", cgi, both(served("f1-m0", "hello", func(e *EchoView) { e.Headers["HTTP_X_A"] = "real,192.0.2.66" })), "semantic/cgi-shadowed/HTTP_* from a field spelled with _"},
		{"Content_Length as HTTP_CONTENT_LENGTH", cgi, both(served("f1-m0", "hello", func(e *EchoView) { e.Headers["HTTP_CONTENT_LENGTH"] = "7" })), "semantic/cgi-shadowed/HTTP_CONTENT_LENGTH from a field spelled with _"},
		{"HTTP_CONTENT_LENGTH of the real field", cgi, both(served("f1-m0", "hello", func(e *EchoView) { e.Headers["HTTP_CONTENT_LENGTH"] = "5" })), ""},
		{"SCRIPT_NAME from a field", cgi, both(served("f1-m0", "hello", func(e *EchoView) { e.CGI["SCRIPT_NAME"], e.Path = "/__conform__", "/echo" })), "semantic/cgi-shadowed/SCRIPT_NAME set by a field"},
		{"a chunked body read", good, both(served("f1-m0", "hello", nil)), ""},
		{"read to the end, nothing announced", good, both(served("f1-m0", "hello", func(e *EchoView) { e.Mode, e.InputTerminated, e.HasCL = "readn", false, false })), ""},
		{"read to the end, into the next request", cgi, both(served("f1-m0", "helloGET /__conform__/echo HTTP/1.1\r\n", func(e *EchoView) { e.Mode = "readline" })), "framing/body-overrun"},
		{"wsgi.input raised on a body the reference reads", good, both(served("f1-m0", "hello", raised)), "input/raised/ValueError"},
		{"wsgi.input raised on a body the reference rejects", bad, &Observation{Answers: []Answer{served("f1-m0", "hello", raised)}, End: wire.EndClosed}, ""},
		{"a body the reference rejects handed over", bad, &Observation{Answers: []Answer{served("f1-m0", "hello", nil)}, End: wire.EndClosed}, "input/silent/rfc9112/7.1"},
		{"an application that never read", bad, &Observation{Answers: []Answer{served("f1-m0", "", func(e *EchoView) { e.Mode = "none" })}, End: wire.EndClosed}, ""},
		{"an application that never read, body left as a request", good, both(served("f1-m0", "", func(e *EchoView) { e.Mode = "none" })), ""},
	} {
		if got := Compare(c.e, c.o).Describe(); !strings.HasPrefix(got, c.want) || c.want == "" && got != "" {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// Findings of the input class are causes of their own, told apart by the exception (or the
// reference's rule) and the features, ranked below a 5xx and above a leniency.
func TestInputFindingsAreTheirOwnCauses(t *testing.T) {
	fs := []*Finding{
		{ID: "leniency-a", Class: Leniency, Kind: "accepted", Rule: "rfc9110/8.6", Signature: "leniency/accepted/rfc9110/8.6", Bytes: []byte("a")},
		{ID: "input-a", Class: Input, Kind: "raised", Rule: "OSError", Signature: "input/raised/OSError | trailer:plain", Features: []string{"trailer:plain"}, Bytes: []byte("a")},
		{ID: "input-b", Class: Input, Kind: "raised", Rule: "OSError", Signature: "input/raised/OSError | read:readline + trailer:plain", Features: []string{"read:readline", "trailer:plain"}, Bytes: []byte("ab")},
		{ID: "input-c", Class: Input, Kind: "raised", Rule: "TypeError", Signature: "input/raised/TypeError | read:read", Features: []string{"read:read"}, Bytes: []byte("a")},
		{ID: "input-d", Class: Input, Kind: "silent", Rule: "rfc9112/7.1 chunk-size = 1*HEXDIG", Signature: "input/silent/rfc9112/7.1 chunk-size = 1*HEXDIG", Bytes: []byte("a")},
		{ID: "5xx-a", Class: Status5xx, Kind: "status", Rule: "500", Signature: "5xx/status/500 | cgi-name", Features: []string{"cgi-name:script-name-foreign"}, Bytes: []byte("a")},
	}
	cs := GroupCauses(fs, "")
	var labels []string
	for _, c := range cs.Causes {
		labels = append(labels, string(c.Class)+" "+c.Label)
	}
	want := []string{
		"5xx status with cgi-name",
		"input raised OSError with trailer:plain",
		"input raised TypeError with read:read",
		"input silent rfc9112/7.1 chunk-size = 1*HEXDIG",
		"leniency accepted rfc9110/8.6",
	}
	if !slices.Equal(labels, want) {
		t.Errorf("causes %q, want %q", labels, want)
	}
}

// TestGunicornTakesScriptNameFromAField: gunicorn 20.1 sets SCRIPT_NAME from a request field
// of that name (gunicorn/http/wsgi.py:129-130) and cuts it off PATH_INFO (:183-187). The
// case is sent as such: in a session its turn comes after others that restart the server.
func TestGunicornTakesScriptNameFromAField(t *testing.T) {
	askedFor(t, "gunicorn-sync")
	in := realServer(t, "gunicorn-sync")
	raw := []byte("GET /a/b HTTP/1.1\r\nHost: localhost\r\nX-Conform-Id: f1-m0\r\nSCRIPT_NAME: /a\r\n\r\n" + string(sentinel(1).appendTo(nil)))
	_, _, v := Replay(context.Background(), in.Addr, raw, nil, ReplayOptions{})
	if v.Core() != "semantic/cgi-shadowed/SCRIPT_NAME set by a field" {
		t.Errorf("verdict %q (%s)", v.Core(), v.Detail)
	}
}
