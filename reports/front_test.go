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
