// Package htmlpage is what conform's HTML pages share: the head with its
// Content-Security-Policy, the CSS, the evidence block (a connection's bytes made visible)
// and the copy script. The conformance report (reports) and the fuzzer's findings page
// (fuzz/findingshtml) both build on it, so neither has to import the other.
package htmlpage

import (
	_ "embed"
	"html/template"
	"strings"

	"github.com/conform-wsgi/conform/internal/safetext"
)

//go:embed common.tmpl
var common string

// New is a template set named name holding the shared templates ("head", "css", "segs",
// "badge", "specref", "evbody", "copyjs") and the function "upper", plus funcs; the
// caller parses its own page templates into it.
func New(name string, funcs template.FuncMap) *template.Template {
	t := template.New(name).Funcs(template.FuncMap{"upper": strings.ToUpper}).Funcs(funcs)
	return template.Must(t.Parse(common))
}

// Evidence is one connection as the "evbody" template shows it.
type Evidence struct {
	Anchor    string
	Label     string
	End       string
	Timings   []string
	Environ   []KeyValue
	Request   []safetext.Segment
	ReqLen    int
	ReqShown  int // how many bytes of the request the page shows, when not all
	Response  []safetext.Segment
	RespLen   int
	RespShown int // and of the response
	Replay    string
	// ReplayNote says why a request has no replay line.
	ReplayNote string
}

// KeyValue is one row of an environ excerpt.
type KeyValue struct{ Key, Value string }
