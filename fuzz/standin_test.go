package fuzz

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/reference"
)

// The reference with the deviation that names a desync gives that desync on the finding's
// bytes, and only there: it can stand in for the target while the bytes are minimized.
func TestSimulatedVerdict(t *testing.T) {
	s := &session{}
	exact := reference.Deviations{TransferEncodingExactChunked: true}
	req := func(te string) []byte {
		return []byte("POST /__conform__/echo HTTP/1.1\r\nHost: a\r\nX-Conform-Id: f1-m0\r\nTransfer-Encoding: " + te + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
			"GET /__conform__/echo HTTP/1.1\r\nHost: a\r\nX-Conform-Id: f1-s0\r\n\r\n")
	}
	if v := s.simulated(req("identity, chunked"), nil, exact); v.Class != Framing {
		t.Errorf("a coding list under TransferEncodingExactChunked: %s, want a desync", v.Describe())
	}
	if v := s.simulated(req("chunked"), nil, exact); v.Class != "" {
		t.Errorf("chunked alone under TransferEncodingExactChunked: %s, want agreement", v.Describe())
	}
	if v := s.simulated(req("identity, chunked"), nil, reference.Deviations{}); v.Class != "" {
		t.Errorf("the reference standing in for itself: %s", v.Describe())
	}
}

// A session against a target with a known deviation minimizes the desyncs it diagnoses
// against the reference with that deviation, and the bytes it keeps give the same verdict
// when the target is sent them again.
func TestMinimizedAgainstTheDiagnosis(t *testing.T) {
	exact := reference.Deviations{TransferEncodingExactChunked: true}
	ref, err := reference.Start(reference.Options{Deviations: exact})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	seeds, err := CatalogSeeds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The minimizations queued go on after the last case until one against the diagnosis
	// is done (the session then ends): on a loaded machine they lag behind the cases.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := Options{Addr: ref.Addr, Catalog: seeds, Seed: 1, Cases: 3000, Dir: dir, MinimizeGrace: time.Minute, OnFinding: func(f *Finding) {
		if f.MinimizedAs != "" {
			cancel()
		}
	}}
	if _, err := Run(ctx, opt); err != nil {
		t.Fatal(err)
	}
	found, err := LoadFindings(dir)
	if err != nil {
		t.Fatal(err)
	}
	stood, exactStood := 0, 0
	for _, f := range found {
		if f.MinimizedAs == "" {
			continue
		}
		stood++
		if !slices.Contains(f.Like, f.MinimizedAs) {
			t.Errorf("%s minimized against %s, not one of the deviations that name it (%v)", f.ID, f.MinimizedAs, f.Like)
		}
		if slices.Contains(f.Like, "TransferEncodingExactChunked") {
			exactStood++
		}
		if len(f.Bytes) >= len(f.Original) || !f.Minimized || f.MinimizeTries != 1 {
			t.Errorf("%s: %d bytes of %d, minimized %v after %d tries", f.ID, len(f.Bytes), len(f.Original), f.Minimized, f.MinimizeTries)
		}
		_, _, v := Replay(context.Background(), ref.Addr, f.Bytes, f.Writes, ReplayOptions{})
		if v.Core() != (Verdict{Class: f.Class, Kind: f.Kind, Rule: f.Rule}).Core() {
			t.Errorf("%s: its minimized bytes give %s, not %s/%s/%s", f.ID, v.Describe(), f.Class, f.Kind, f.Rule)
		}
	}
	if stood == 0 || exactStood == 0 {
		t.Errorf("%d of %d findings minimized against their diagnosis, %d of them named by TransferEncodingExactChunked", stood, len(found), exactStood)
	}
}
