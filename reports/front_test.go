package reports

import (
	"bytes"
	"strings"
	"testing"
)

// TestAStackIsNamedWithItsFront: a report of a server behind a front says so wherever it
// names the server, and the JSON keeps the front's generated configuration.
func TestAStackIsNamedWithItsFront(t *testing.T) {
	r := &Report{Schema: SchemaVersion, Target: Target{Addr: "127.0.0.1:8080", Server: "gunicorn-sync", ServerVersion: "20.1.0",
		Front: &Front{Name: "nginx", Version: "1.22.1", Config: "upstream origin { keepalive 16; }"}}}
	const want = "gunicorn-sync 20.1.0 behind nginx 1.22.1"
	var text, md, js bytes.Buffer
	if err := WriteText(&text, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
		if !strings.Contains(out, want) {
			t.Errorf("%s does not name the stack %q:\n%s", name, want, out)
		}
	}
	back, err := ReadJSON(&js)
	if err != nil {
		t.Fatal(err)
	}
	if back.Target.Front == nil || back.Target.Front.Config != r.Target.Front.Config {
		t.Errorf("the JSON lost the front: %+v", back.Target.Front)
	}
	if got := stackName(r.Target); got != "gunicorn-sync+nginx" {
		t.Errorf("stackName %q", got)
	}
}

func TestFrontEffectsPairAStackWithTheServerAlone(t *testing.T) {
	res := func(pairs ...string) []Result {
		var out []Result
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, Result{ID: pairs[i], Status: pairs[i+1]})
		}
		return out
	}
	alone := &Report{Target: Target{Server: "gunicorn-sync"}, Results: res("cl-underscore", "fail", "host", "warn", "protocol", "pass", "crash", "error", "same", "fail")}
	behind := &Report{Target: Target{Server: "gunicorn-sync", Front: &Front{Name: "nginx"}}, Results: res("cl-underscore", "pass", "host", "pass", "protocol", "fail", "crash", "pass", "same", "fail")}
	orphan := &Report{Target: Target{Server: "waitress", Front: &Front{Name: "nginx"}}, Results: res("cl-underscore", "pass")}
	m := &Matrix{Reports: []*Report{alone, behind, orphan}}
	got := FrontEffects(m)
	if len(got) != 1 {
		t.Fatalf("%d effects, want 1 (a stack without the server alone has none): %+v", len(got), got)
	}
	e := got[0]
	if e.Server != "gunicorn-sync" || e.Front != "nginx" || strings.Join(e.Removed, ",") != "cl-underscore,host" || strings.Join(e.Introduced, ",") != "protocol" {
		t.Errorf("%+v", e)
	}
	var b bytes.Buffer
	if err := WriteMatrixText(&b, m, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "behind nginx, gunicorn-sync: 2 failures and warnings removed, 1 introduced") || !strings.Contains(b.String(), "introduced: protocol") {
		t.Errorf("the matrix text does not say what the front changed:\n%s", b.String())
	}
}

func TestDesyncsFailTheRunAndAreListed(t *testing.T) {
	r := &Report{Schema: SchemaVersion, Target: Target{Addr: "127.0.0.1:8080", Server: "paste", Front: &Front{Name: "haproxy"}},
		Desyncs: []Desync{{Conn: 7, Meant: 1, Served: 2, Why: "the server answered 2", Checks: []string{"rfc9112/6.1/te-chunked"},
			Forwarded: []byte("POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), Returned: []byte("HTTP/1.1 200 OK\r\n\x1b[2J")}}}
	if r.Passed() || !strings.Contains(r.Verdict(), "1 desync between the front and the server") {
		t.Errorf("a desync must fail the run: passed %v, %q", r.Passed(), r.Verdict())
	}
	var b bytes.Buffer
	if err := WriteText(&b, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"Desyncs: 1 upstream connection on which the server read a request haproxy never sent", "connection 7:", "rfc9112/6.1/te-chunked", `5\x0d\x0ahello`} {
		if !strings.Contains(out, want) {
			t.Errorf("the text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("the server's bytes reached the terminal unescaped:\n%q", out)
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&js)
	if err != nil || len(back.Desyncs) != 1 || !bytes.Equal(back.Desyncs[0].Forwarded, r.Desyncs[0].Forwarded) {
		t.Errorf("the JSON lost the desync: %v %+v", err, back)
	}
}

func TestTheHTMLReportListsDesyncs(t *testing.T) {
	r := &Report{Schema: SchemaVersion, Target: Target{Addr: "127.0.0.1:8080", Server: "paste", Front: &Front{Name: "haproxy"}},
		Results: []Result{{ID: "rfc9112/7.1/chunked-body", Status: "pass", Area: "framing"}},
		Desyncs: []Desync{{Conn: 7, Meant: 1, Served: 2, Why: "the server answered 2 <b>", Checks: []string{"rfc9112/7.1/chunked-body"},
			Forwarded: []byte("POST / HTTP/1.1\r\n\r\n5\r\nhello<script>"), Returned: []byte("HTTP/1.1 200 OK\r\n")}}}
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{`id="desyncs"`, "Connection 7", "the server answered 2 &lt;b&gt;", `href="#`, "Forwarded by the front", "hello&lt;script&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "hello<script>") {
		t.Errorf("the forwarded bytes reached the page unescaped")
	}
}

func TestTheMatrixPageShowsWhatEachFrontChanged(t *testing.T) {
	alone := &Report{Target: Target{Server: "gunicorn-sync", Addr: "127.0.0.1:1"}, Results: []Result{{ID: "cl-underscore", Status: "fail"}, {ID: "protocol", Status: "pass"}}}
	behind := &Report{Target: Target{Server: "gunicorn-sync", Addr: "127.0.0.1:2", Front: &Front{Name: "nginx"}}, Results: []Result{{ID: "cl-underscore", Status: "pass"}, {ID: "protocol", Status: "fail"}},
		Desyncs: []Desync{{Conn: 3}}}
	var b bytes.Buffer
	if err := WriteMatrixHTML(&b, &Matrix{Reports: []*Report{alone, behind}}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	i := strings.Index(page, `id="fronts"`)
	if i < 0 {
		t.Fatalf("no fronts panel")
	}
	panel := page[i:]
	panel = panel[:strings.Index(panel, "</section>")]
	for _, want := range []string{"gunicorn-sync behind nginx", "<b>1</b> <span class=\"cid\">cl-underscore</span>", "<b>1</b> <span class=\"cid\">protocol</span>", "st-fail\">1<"} {
		if !strings.Contains(panel, want) {
			t.Errorf("the fronts panel lacks %q:\n%s", want, panel)
		}
	}
}
