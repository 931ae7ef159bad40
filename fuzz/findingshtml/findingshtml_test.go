package findingshtml

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/fuzz"
	"github.com/conform-wsgi/conform/wire"
)

func TestWriteFindingsHTML(t *testing.T) {
	hostile := "<script>alert(1)</script>"
	findings := []*fuzz.Finding{
		{ID: "leniency-1", Class: fuzz.Leniency, Kind: "accepted", Signature: "leniency/accepted/rfc9110/5.5 NUL in field value", Detail: "served " + hostile,
			Bytes: []byte("GET / HTTP/1.1\r\nX-A: \x00" + hostile + "\r\n\r\n"), Target: "gunicorn-sync 20.1.0", Server: "gunicorn-sync",
			Observed: &fuzz.Observation{Answers: []fuzz.Answer{{Status: 200, Echo: &fuzz.EchoView{ID: "f1-m0", Method: "GET", Path: "/"}}}, End: wire.EndClosed, Raw: []byte("HTTP/1.1 200 OK\r\n\r\n")}},
		{ID: "framing-2", Class: fuzz.Framing, Kind: "body", Signature: "framing/body/ | te:comma", Detail: "d", Features: []string{"te:comma"},
			Bytes: []byte("POST / HTTP/1.1\r\n\r\n"), Original: []byte("POST / HTTP/1.1\r\nX: y\r\n\r\n"), Minimized: true, MinimizeTries: 12,
			Writes: []fuzz.Write{{Len: 5}, {Len: 14, Delay: 400 * time.Microsecond}}},
		{ID: "framing-3", Class: fuzz.Framing, Kind: "body", Signature: "framing/body/ | cl:plus", Detail: "d",
			Bytes: []byte("POST / HTTP/1.1\r\n\r\n"), Minimization: fuzz.MinimizeOutOfTime},
		{ID: "framing-4", Class: fuzz.Framing, Kind: "body", Signature: "framing/body/ | cl:zero", Detail: "d",
			Bytes: []byte("POST / HTTP/1.1\r\n\r\n"), Original: []byte("POST / HTTP/1.1\r\nX: y\r\n\r\n"), MinimizeTries: 7, Minimization: fuzz.MinimizeTime},
		// The same cause as framing-2 (same kind, same minimal features), longer bytes.
		{ID: "framing-5", Class: fuzz.Framing, Kind: "body", Signature: "framing/body/ | te:comma", Detail: "d", Features: []string{"te:comma", "eol:lf@field"},
			Bytes: []byte("POST / HTTP/1.1\r\nTransfer-Encoding: chunked,\r\n\r\n")},
		// Rejecting a bare LF is the target's choice (RFC 9112 §2.2).
		{ID: "strictness-6", Class: fuzz.Strictness, Kind: "rejected", Rule: "400", Signature: "strictness/rejected/400 | eol:lf", Detail: "d", Features: []string{"eol:lf@all"},
			Bytes: []byte("GET / HTTP/1.1\nHost: x\n\nGET /__conform__/echo HTTP/1.1\r\nHost: x\r\n\r\n"), Minimized: true, Minimization: fuzz.MinimizeDone},
	}
	var buf bytes.Buffer
	if err := Write(&buf, Report{Findings: findings, Dir: "out dir", Summary: &fuzz.Summary{Target: "gunicorn-sync 20.1.0", Cases: 900, NextCase: 900}}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if !strings.Contains(page, wantCSP) {
		t.Error("no Content-Security-Policy forbidding network access")
	}
	if strings.Contains(page, hostile) {
		t.Error("target data reached the page unescaped")
	}
	// The worst class comes first, whatever the input order.
	if i, j := strings.Index(page, `id="f-framing-2"`), strings.Index(page, `id="f-leniency-1"`); i < 0 || j < 0 || i > j {
		t.Errorf("framing finding not listed before leniency (%d, %d)", i, j)
	}
	pres := preTexts(page)
	if len(pres) < 2 || !strings.Contains(strings.Join(pres, "\n"), `X-A: \x00<script>`) {
		t.Errorf("request bytes not shown with NUL visible: %q", pres)
	}
	for _, want := range []string{
		"FRAMING 4", "LENIENCY 1", "CRASH 0", // class counts
		"conform replay &#39;out dir/leniency-1.http&#39; --server gunicorn-sync", // replay command, the path quoted for a shell
		"minimized in 12 re-sends, 19 of 25 bytes",
		"not minimized: the session&#39;s time ran out, 19 bytes", // the record says why
		"partly minimized: its time ran out (7 re-sends), 19 of 25 bytes",
		"sent in 2 writes: 5 B; pause 400µs, 14 B",
		"then the connection: closed",
		"4 causes behind 5 findings",
		"conform replay &#39;out dir/framing-2.json&#39; --target HOST:PORT",
		"Observed choices",
		"does not take a bare LF for a line terminator",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// The cause of two findings comes first (framing, the most findings), with its example,
	// the minimized framing-2, and both findings beneath it.
	cause := page[strings.Index(page, `id="cause-1"`):]
	cause = cause[:strings.Index(cause, `id="cause-2"`)]
	for _, want := range []string{`<span class="n">2</span>`, `href="#f-framing-2"`, `id="f-framing-2"`, `id="f-framing-5"`} {
		if !strings.Contains(cause, want) {
			t.Errorf("the first cause lacks %q", want)
		}
	}
	if i, j := strings.Index(page, "Observed choices"), strings.Index(page, `id="f-strictness-6"`); i < 0 || j < i {
		t.Error("the bare-LF strictness is not listed among the observed choices")
	}
	checkAnchors(t, page)
}

const wantCSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline';`

var (
	idRE      = regexp.MustCompile(`\sid="([^"]*)"`)
	hrefRE    = regexp.MustCompile(`\shref="#([^"]*)"`)
	rawPreRE  = regexp.MustCompile(`(?s)<pre class="raw"[^>]*>(.*?)</pre>`)
	spanTagRE = regexp.MustCompile(`</?(?:span|i)\b[^>]*>`)
)

// checkAnchors fails when an in-page link points to an id the page lacks, or ids repeat.
func checkAnchors(t *testing.T, page string) {
	t.Helper()
	ids := map[string]bool{}
	for _, m := range idRE.FindAllStringSubmatch(page, -1) {
		id := html.UnescapeString(m[1])
		if ids[id] {
			t.Errorf("duplicate id %q", id)
		}
		ids[id] = true
	}
	for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
		if id := html.UnescapeString(m[1]); !ids[id] {
			t.Errorf("link to #%s, which is not in the page", id)
		}
	}
}

func preTexts(page string) []string {
	var out []string
	for _, m := range rawPreRE.FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(spanTagRE.ReplaceAllString(m[1], "")))
	}
	return out
}
