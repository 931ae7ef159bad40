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
