package fuzz

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/reference"
)

// needs wants a finding of class c and kind (any kind when ""), with rule prefix rule, whose
// minimal features include one starting with feature ("" for any).
func needs(c Class, kind, rule, feature string) want {
	return want{string(c) + "/" + kind + "/" + rule + " with " + feature, func(f *Finding) bool {
		if f.Class != c || kind != "" && f.Kind != kind || !strings.HasPrefix(f.Rule, rule) {
			return false
		}
		return feature == "" || slices.ContainsFunc(f.Features, func(x string) bool { return strings.HasPrefix(x, feature) })
	}}
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
		// Reading past the body's end gets a byte more: only the modes that read until b"".
		{"NoEOFSimulation", needs(Framing, "body", "", "read:")},
		// read() without a size raises, which the probe's 200 would have hidden.
		{"ReadRequiresSize", needs(Input, "raised", "TypeError", "read:read")},
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
