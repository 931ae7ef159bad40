package fuzz

import (
	"context"
	"os"
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
			// gunicorn/http/wsgi.py:129-130 takes SCRIPT_NAME from a field of that name, and
			// :183-187 cuts it off PATH_INFO ...
			needs(Semantic, "cgi-shadowed", "SCRIPT_NAME", ""),
			// ... with an IndexError (500) when it is not a prefix of the path;
			needs(Status5xx, "", "", "cgi-name"),
			// :138-141 maps Content_Length to HTTP_CONTENT_LENGTH and joins X_A to X-A.
			needs(Semantic, "cgi-shadowed", "HTTP_", ""),
			// http/body.py's ChunkedReader hands over a body the reference rejects.
			needs(Input, "silent", "rfc9112/7.1", ""),
		}},
		{"werkzeug", []want{
			// werkzeug/serving.py:181 hands the application the socket file: readline() goes
			// on into the next request ...
			needs(Framing, "body-overrun", "", "read:readline"),
			// ... and a read to the end of the input blocks;
			needs(Hang, "no-response", "", "read:"),
			// :203-210 makes Content_Length the CONTENT_LENGTH the application reads by;
			needs(Framing, "body", "", "cgi-name:content-length"),
			// :141-143 (DechunkedInput) raises OSError on a trailer field.
			needs(Input, "raised", "OSError", "trailer"),
		}},
	} {
		t.Run(c.server, func(t *testing.T) {
			if !serverAsked(c.server) {
				t.Skip("real servers run when CONFORM_SERVERS asks for them (1, or server names)")
			}
			in := realServer(t, c.server)
			session1(t, Options{Instance: in, Seed: 1, Duration: 20 * time.Second, Dir: t.TempDir()}, c.want...)
		})
	}
}
