package fuzz

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/conform-wsgi/conform/internal/atomicfile"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/reference"
)

// Finding is one deduplicated disagreement, as written to DIR/<ID>.json (the exact bytes are
// in DIR/<ID>.http).
type Finding struct {
	ID        string `json:"id"`
	Signature string `json:"signature"`
	Class     Class  `json:"class"`
	Kind      string `json:"kind"`
	Rule      string `json:"rule,omitempty"`
	Detail    string `json:"detail"`
	// Features are the generator decisions the finding needs (after ablation); Base is the
	// request it started from, "" when any request shows it.
	Features    []string `json:"features"`
	Base        string   `json:"base,omitempty"`
	AllFeatures []string `json:"all_features"`
	CaseBase    string   `json:"case_base"`

	Target        string `json:"target"`
	Server        string `json:"server,omitempty"`
	ServerVersion string `json:"server_version,omitempty"`
	// Front is the front the cases went through (conform fuzz --front), "" for none.
	Front string `json:"front,omitempty"`
	Seed  uint64 `json:"seed"`
	Case  int64  `json:"case"`

	FoundAt   time.Time `json:"found_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Minimized says byte-level minimization ran to the end (not cut by the budget, a
	// cancellation or a class that cannot be re-sent cheaply); Minimization says how it
	// ended (MinimizeDone, ...), so a finding that could not be minimized says why.
	Minimized     bool   `json:"minimized"`
	Minimization  string `json:"minimization,omitempty"`
	MinimizeTries int    `json:"minimize_tries"`
	// MinimizedAs names the deviation whose reference stood in for the target while the
	// bytes were minimized (the finding's diagnosis); only the result was sent to the target,
	// and it kept the verdict there.
	MinimizedAs string  `json:"minimized_as,omitempty"`
	Original    []byte  `json:"original"`
	Bytes       []byte  `json:"bytes"`
	Writes      []Write `json:"writes,omitempty"`

	Reference RefView      `json:"reference"`
	Observed  *Observation `json:"observed"`

	// Like, for a desync, names the reference's deviations under which the target's answers
	// are no desync (diagnose): what the target does, in the reference's words. Diagnosed
	// says it was looked for.
	Like      []string `json:"like,omitempty"`
	Diagnosed bool     `json:"diagnosed,omitempty"`

	// Suspects are the other cases that may have caused a crash found without --server,
	// each also written as <id>.suspect-N.http (N from 1).
	Suspects []Suspect `json:"suspects,omitempty"`
}

// How a finding's minimization ended (Finding.Minimization).
const (
	MinimizeDone      = "done"           // ran to the end: no smaller bytes keep the verdict
	MinimizePending   = "pending"        // waiting for its turn (a session still running, or killed)
	MinimizeBudget    = "budget"         // stopped at --minimize-budget re-sends
	MinimizeTime      = "time"           // stopped at the time it was given: 15s, or its share of what --duration left
	MinimizeOutOfTime = "out-of-time"    // never began: --duration (or --minimize-grace) ran out first
	MinimizeStopped   = "interrupted"    // the session was interrupted before it ended
	MinimizeOff       = "off"            // --minimize-budget is negative
	MinimizeNoReplay  = "not-resent"     // a crash found without --server: each try would need a restart
	MinimizeNoRepro   = "not-reproduced" // its bytes, sent alone to minimize them, did not show it again
	MinimizeSpin      = "spin"           // a spin after a FIN: each try would restart a spinning server
)

// minimizeNotes say in words how a minimization ended, for the summary.
var minimizeNotes = map[string]string{
	MinimizeDone:      "minimized",
	MinimizePending:   "minimization pending",
	MinimizeBudget:    "partly minimized: --minimize-budget reached",
	MinimizeTime:      "partly minimized: its time ran out",
	MinimizeOutOfTime: "not minimized: the session's time ran out",
	MinimizeStopped:   "not fully minimized: interrupted",
	MinimizeOff:       "not minimized: --minimize-budget is negative",
	MinimizeNoReplay:  "not minimized: a crash conform cannot restart the server after",
	MinimizeNoRepro:   "not minimized: its bytes sent alone did not show it again",
	MinimizeSpin:      "not minimized: each try would restart a spinning server (5 s to stop gunicorn's)",
}

// MinimizationNote says in words how the finding's minimization ended ("" when its record
// does not say).
func (f *Finding) MinimizationNote() string { return minimizeNotes[f.Minimization] }

var minimizeOrder = []string{MinimizeDone, MinimizeBudget, MinimizeTime, MinimizeOutOfTime, MinimizeStopped, MinimizeOff, MinimizeNoReplay, MinimizeNoRepro, MinimizeSpin, MinimizePending}

// Suspect is a case that may have caused a crash.
type Suspect struct {
	Case   int64   `json:"case"`
	Bytes  []byte  `json:"bytes"`
	Writes []Write `json:"writes,omitempty"`
}

// RefView is the reference's interpretation, as written in a finding.
type RefView struct {
	Requests   []RefRequest          `json:"requests"`
	Error      *reference.ParseError `json:"error,omitempty"`
	Incomplete bool                  `json:"incomplete"`
	Consumed   int                   `json:"consumed"`
}

// RefRequest is one request the reference sees.
type RefRequest struct {
	ID         string            `json:"id"`
	Method     string            `json:"method"`
	Target     string            `json:"target"`
	Proto      string            `json:"proto"`
	Header     []reference.Field `json:"header"`
	Body       []byte            `json:"body"`
	BodySHA256 string            `json:"body_sha256"`
	Chunked    bool              `json:"chunked"`
	Close      bool              `json:"close"`
	Start      int               `json:"start"`
	End        int               `json:"end"`
}

func refView(in reference.Interpretation) RefView {
	rv := RefView{Error: in.Error, Incomplete: in.Incomplete, Consumed: in.Consumed}
	for i := range in.Requests {
		r := &in.Requests[i]
		rv.Requests = append(rv.Requests, RefRequest{ID: reqID(r), Method: r.Method, Target: r.Target, Proto: r.Proto, Header: r.Header,
			Body: r.Body, BodySHA256: sha(r.Body), Chunked: r.Chunked, Close: r.Close, Start: r.Start, End: r.End})
	}
	return rv
}

// findingID names a finding after its class and signature: stable across sessions, so a
// resumed session recognises what it already wrote.
func findingID(class Class, sig string) string {
	h := sha256.Sum256([]byte(sig))
	return string(class) + "-" + hex.EncodeToString(h[:6])
}

// store writes findings into a directory, each file atomically (a reader, or a session
// interrupted mid-write, sees the old file or the new one, never a part).
type store struct{ dir string }

func (s *store) write(f *Finding) error {
	if s.dir == "" {
		return nil
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("findings directory: %w", err)
	}
	js, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("finding %s: %w", f.ID, err)
	}
	// The .http files first: a .json always has its bytes beside it.
	if err := writeFileAtomic(filepath.Join(s.dir, f.ID+".http"), func(w io.Writer) error {
		_, err := w.Write(f.Bytes)
		return err
	}); err != nil {
		return fmt.Errorf("write finding %s: %w", f.ID, err)
	}
	for i, sus := range f.Suspects {
		if err := writeFileAtomic(filepath.Join(s.dir, fmt.Sprintf("%s.suspect-%d.http", f.ID, i+1)), func(w io.Writer) error {
			_, err := w.Write(sus.Bytes)
			return err
		}); err != nil {
			return fmt.Errorf("write finding %s: %w", f.ID, err)
		}
	}
	if err := writeFileAtomic(filepath.Join(s.dir, f.ID+".json"), func(w io.Writer) error {
		_, err := w.Write(append(js, '\n'))
		return err
	}); err != nil {
		return fmt.Errorf("write finding %s: %w", f.ID, err)
	}
	return nil
}

// CheckDir makes sure findings can be written in dir ("" writes nothing): it creates dir
// and writes and removes a file in it, so that a session that could not keep what it finds
// stops before it sends anything.
func CheckDir(dir string) error {
	if dir == "" {
		return nil
	}
	if err := atomicfile.CheckWritableDir(dir); err != nil {
		return fmt.Errorf("findings directory: %w", err)
	}
	return nil
}

// sessionState is DIR/session.json: what --resume continues from.
type sessionState struct {
	Seed      uint64    `json:"seed"`
	NextCase  int64     `json:"next_case"`
	Target    string    `json:"target"`
	UpdatedAt time.Time `json:"updated_at"`
}

const stateFile = "session.json"

// writeInternalError writes the trace of a panic to DIR/internal-error-<time>.txt (or the
// system's temporary directory without DIR) and returns the path.
func (s *store) writeInternalError(what string, r any, stack []byte) (string, error) {
	dir := s.dir
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "internal-error-"+time.Now().Format("20060102-150405.000")+".txt")
	err := writeFileAtomic(path, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "conform fuzz: panic while %s: %v\n\n%s", what, r, stack)
		return err
	})
	return path, err
}

func (s *store) saveState(st sessionState) error {
	if s.dir == "" {
		return nil
	}
	return s.writeJSON(stateFile, st, "session state")
}

// writeJSON writes v, indented, to DIR/name at once; what names it in an error.
func (s *store) writeJSON(name string, v any, what string) error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("findings directory: %w", err)
	}
	js, _ := json.MarshalIndent(v, "", "  ")
	if err := writeFileAtomic(filepath.Join(s.dir, name), func(w io.Writer) error {
		_, err := w.Write(append(js, '\n'))
		return err
	}); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return nil
}

// saveSeeds writes the session's catalog seeds (seedsFile).
func (s *store) saveSeeds(seeds []Seed) error {
	if s.dir == "" {
		return nil
	}
	return s.writeJSON(seedsFile, seeds, "the catalog seeds")
}

// loadSeeds reads the seeds saveSeeds wrote; nil when there are none (a directory of an
// older conform).
func (s *store) loadSeeds() ([]Seed, error) {
	if s.dir == "" {
		return nil, nil
	}
	path := filepath.Join(s.dir, seedsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the catalog seeds: %w", err)
	}
	var seeds []Seed
	if err := json.Unmarshal(b, &seeds); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return seeds, nil
}

// load reads the session state (nil when there is none) and every finding in the directory.
func (s *store) load() (*sessionState, []*Finding, error) {
	var st *sessionState
	b, err := os.ReadFile(filepath.Join(s.dir, stateFile))
	switch {
	case err == nil:
		st = &sessionState{}
		if err := json.Unmarshal(b, st); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", filepath.Join(s.dir, stateFile), err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("read session state: %w", err)
	}
	names, err := filepath.Glob(filepath.Join(s.dir, "*.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("list findings: %w", err)
	}
	sort.Strings(names)
	var out []*Finding
	for _, n := range names {
		if filepath.Base(n) == stateFile || filepath.Base(n) == causesFile || filepath.Base(n) == seedsFile || strings.HasPrefix(filepath.Base(n), ".") {
			continue
		}
		f, err := ReadFinding(n)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, f)
	}
	return st, out, nil
}

// LoadFindings reads every finding written in a findings directory.
func LoadFindings(dir string) ([]*Finding, error) {
	st := store{dir: dir}
	_, found, err := st.load()
	return found, err
}

// ReadFinding reads DIR/<id>.json (or, given DIR/<id>.http, the .json beside it).
func ReadFinding(path string) (*Finding, error) {
	if strings.HasSuffix(path, ".http") {
		path = strings.TrimSuffix(path, ".http") + ".json"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read finding: %w", err)
	}
	var f Finding
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("finding %s: %w", path, err)
	}
	return &f, nil
}

// ReadCase reads the bytes to replay from a finding file and how they were written: from
// <id>.json, the finding's recorded bytes (not the JSON text); from any other file, its
// bytes, in the writes WritesOf finds for it.
func ReadCase(path string) ([]byte, []Write, error) {
	if strings.HasSuffix(path, ".json") {
		f, err := ReadFinding(path)
		if err != nil {
			return nil, nil, err
		}
		if len(f.Bytes) == 0 {
			return nil, nil, fmt.Errorf("%s records no bytes: it is not a finding", path)
		}
		return f.Bytes, f.Writes, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return raw, WritesOf(path, raw), nil
}

// WritesOf is how the bytes of a finding file were written: <id>.http gives the finding's
// writes, <id>.suspect-N.http its Nth suspect's (both from <id>.json). It is nil when the
// file was sent in one write, when its record cannot be read, or when the record's bytes are
// not raw (the .http was edited by hand, so its old cuts no longer fit).
func WritesOf(path string, raw []byte) []Write {
	base, n := strings.TrimSuffix(path, ".http"), 0
	if i := strings.LastIndex(base, ".suspect-"); i >= 0 {
		k, err := strconv.Atoi(base[i+len(".suspect-"):])
		if err != nil || k < 1 {
			return nil
		}
		base, n = base[:i], k
	}
	f, err := ReadFinding(base + ".json")
	if err != nil {
		return nil
	}
	sent, writes := f.Bytes, f.Writes
	if n > 0 {
		if n > len(f.Suspects) {
			return nil
		}
		sent, writes = f.Suspects[n-1].Bytes, f.Suspects[n-1].Writes
	}
	if !bytes.Equal(sent, raw) {
		return nil
	}
	return writes
}

// writeFileAtomic writes path whole or not at all.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, write)
}
