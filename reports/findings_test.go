package reports

import (
	"bytes"
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
	}
	var buf bytes.Buffer
	if err := WriteFindingsHTML(&buf, FindingsReport{Findings: findings, Dir: "out dir", Summary: &fuzz.Summary{Target: "gunicorn-sync 20.1.0", Cases: 900, NextCase: 900}}); err != nil {
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
		"FRAMING 3", "LENIENCY 1", "CRASH 0", // class counts
		"conform replay &#39;out dir/leniency-1.http&#39; --server gunicorn-sync", // replay command, the path quoted for a shell
		"minimized in 12 re-sends, 19 of 25 bytes",
		"not minimized: the session&#39;s time ran out, 19 bytes", // the record says why
		"partly minimized: its time ran out (7 re-sends), 19 of 25 bytes",
		"sent in 2 writes: 5 B; pause 400µs, 14 B",
		"then the connection: closed",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	checkAnchors(t, page)
}
