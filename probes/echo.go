// Package probes holds the probe WSGI application that a server under test hosts, and the
// Go form of the JSON it answers with. PROTOCOL.md is the contract; probe.py and the
// reference server both speak it.
package probes

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"

	// goccy/go-json decodes an echo document 3.6 times faster than encoding/json (12 µs
	// against 44 µs for waitress's 3.3 kB echo, BenchmarkDecode, one run), with the same
	// API and struct tags. The fuzzer decodes one per answer: a fifth of its CPU before.
	json "github.com/goccy/go-json"
)

// Version is the probe protocol version; probe.py's PROTOCOL_VERSION must equal it.
const Version = 3

// Prefix is the reserved path prefix under which scenarios live.
const Prefix = "/__conform__/"

// IDHeader carries the client's correlation id; the probe echoes it as Echo.ID.
const IDHeader = "X-Conform-Id"

// Echo is the document the probe answers with: what the server handed the application.
type Echo struct {
	Probe         string                 `json:"probe"`
	Version       int                    `json:"version"`
	Python        string                 `json:"python"`
	ID            string                 `json:"id"`
	Scenario      string                 `json:"scenario"`
	PID           int                    `json:"pid"`
	Thread        int64                  `json:"thread"`
	TStart        float64                `json:"t_start"`
	TEnd          float64                `json:"t_end"`
	Environ       map[string]EnvValue    `json:"environ"`
	Input         Input                  `json:"input"`
	InputMethods  map[string]bool        `json:"input_methods"`
	ErrorsMethods map[string]bool        `json:"errors_methods"`
	Result        map[string]interface{} `json:"result"`

	// Invocation is how the server called the hosted application object (an instance with
	// __call__(*args, **kwargs)); nil from a probe hosted as a plain function.
	Invocation *Invocation `json:"invocation,omitempty"`
}

// Invocation is what the probe's application object saw of the server's call.
type Invocation struct {
	Positional int      `json:"positional"`
	Keywords   []string `json:"keywords"`
}

// EnvValue describes one environ entry as the probe saw it.
type EnvValue struct {
	Type   string `json:"type"`
	Native bool   `json:"native"`
	Latin1 bool   `json:"latin1"`
	Value  string `json:"value"`
	B64    string `json:"b64,omitempty"`

	// Inherited marks a copy of the server process's own environment variable: the probe
	// withholds its value (Value and B64 are empty), since environments hold secrets.
	Inherited bool `json:"inherited,omitempty"`
}

// Bytes returns the value as the byte string PEP 3333 means by a latin-1 "bytes in a str":
// the latin-1 encoding of a native str (or the bytes of a bytes value). ok is false when
// the value has no such encoding, or was withheld.
func (v EnvValue) Bytes() (b []byte, ok bool) {
	if v.Inherited {
		return nil, false
	}
	if v.B64 == "" {
		if v.Type == "str" && v.Latin1 {
			return []byte{}, true
		}
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(v.B64)
	if err != nil {
		return nil, false
	}
	return b, true
}

// Input describes how the probe read wsgi.input.
type Input struct {
	Mode      string `json:"mode"`
	Length    int64  `json:"length"`
	SHA256    string `json:"sha256"`
	B64       string `json:"b64"`
	Truncated bool   `json:"truncated"`
	Error     string `json:"error"`
	// Blocked: the auto mode's read() of a chunked body the server did not announce (no
	// CONTENT_LENGTH, no wsgi.input_terminated) did not return within the probe's wait, as
	// a read of the raw connection does not.
	Blocked  bool        `json:"blocked"`
	Calls    []InputCall `json:"calls"`
	AfterEOF *int        `json:"after_eof"`
}

// Body returns the (possibly truncated) body bytes the probe read.
func (in Input) Body() []byte {
	b, err := base64.StdEncoding.DecodeString(in.B64)
	if err != nil {
		return nil
	}
	return b
}

// InputCall is one call the probe made on wsgi.input.
type InputCall struct {
	Op  string `json:"op"`
	Arg *int   `json:"arg"`
	Got int    `json:"got"`
	// Lines: for readlines(), the length of each line it returned, in order.
	Lines []int `json:"lines,omitempty"`
}

// Env returns the environ entry for key and whether it was present.
func (e *Echo) Env(key string) (EnvValue, bool) {
	v, ok := e.Environ[key]
	return v, ok
}

// InheritedKeys returns, sorted, the environ keys the server copied from its process
// environment (their values withheld).
func (e *Echo) InheritedKeys() []string {
	var keys []string
	for k, v := range e.Environ {
		if v.Inherited {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// ResultString returns result[key] as a string ("" when absent or not a string).
func (e *Echo) ResultString(key string) string {
	s, _ := e.Result[key].(string)
	return s
}

// Decode parses an echo document and checks that it comes from a probe speaking this
// protocol version.
func Decode(body []byte) (*Echo, error) {
	var e Echo
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("probe answer is not an echo document: %w", err)
	}
	if e.Probe != "conform-probe" {
		return nil, fmt.Errorf("probe answer is JSON but not from the conform probe (probe=%q)", e.Probe)
	}
	if e.Version != Version {
		return nil, fmt.Errorf("probe speaks protocol version %d, conform speaks %d: write the probe again with 'conform probe --write DIR'", e.Version, Version)
	}
	return &e, nil
}

// idField finds the IDHeader field lines in request bytes, the name in any case (a front
// may lower-case it); the first group is the id.
var idField = regexp.MustCompile(`(?i)X-Conform-Id:[ \t]*([A-Za-z0-9_.-]+)`)

// RequestIDs returns the IDHeader values in raw request bytes, in order.
func RequestIDs(raw []byte) []string {
	var ids []string
	for _, m := range idField.FindAllSubmatch(raw, -1) {
		ids = append(ids, string(m[1]))
	}
	return ids
}

// MaskIDs replaces each IDHeader value in s with NUL, so two runs' requests compare equal
// whatever ids they carried.
func MaskIDs(s string) string { return idField.ReplaceAllString(s, IDHeader+": \x00") }
