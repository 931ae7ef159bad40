package probes

import (
	"strings"
	"testing"
)

// The fields scenario (spec/http_features.go), under wsgiref.

func TestProbeFieldsScenario(t *testing.T) {
	t.Parallel()
	p := startProbe(t)

	t.Run("given fields in order", func(t *testing.T) {
		r := p.get(t, `/__conform__/fields?code=200&h=ETag:+%22conform-a%22&h=Expires:Fri,+01+Jan+2038+00:00:00+GMT&h=X-Rep:one&h=X-Rep:two&body=0123456789`)
		if r.statusLine != "HTTP/1.0 200 OK" || string(r.body) != "0123456789" {
			t.Fatalf("%q %q", r.statusLine, r.body)
		}
		var app []string
		for _, l := range r.headerLines {
			if k, _, _ := strings.Cut(l, ":"); k != "Date" && k != "Server" && k != "Content-Length" {
				app = append(app, l)
			}
		}
		want := []string{`ETag: "conform-a"`, "Expires: Fri, 01 Jan 2038 00:00:00 GMT", "X-Rep: one", "X-Rep: two"}
		if strings.Join(app, "|") != strings.Join(want, "|") {
			t.Errorf("application fields %q, want %q", app, want)
		}
		if _, has := r.header("Content-Type"); has {
			t.Error("a Content-Type the request did not ask for")
		}
	})

	t.Run("status without fields", func(t *testing.T) {
		r := p.get(t, "/__conform__/fields?code=206")
		if r.statusLine != "HTTP/1.0 206 Partial Content" || len(r.body) != 0 {
			t.Errorf("%q %q", r.statusLine, r.body)
		}
	})

	t.Run("refused", func(t *testing.T) {
		for _, q := range []string{"code=200&h=no-colon", "code=200&h=Bad%20Name:v", "code=200&h=X:a%0Db", "code=99"} {
			if r := p.get(t, "/__conform__/fields?"+q); r.statusLine != "HTTP/1.0 400 Bad Request" {
				t.Errorf("%s: %q %q", q, r.statusLine, r.body)
			}
		}
	})
}
