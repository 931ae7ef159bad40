package fuzz

import (
	"reflect"
	"slices"
	"strings"

	"github.com/conform-wsgi/conform/reference"
)

// A desync has one cause however many spellings show it, and the reference's deviations
// (each one thing a real server does otherwise, cited to its source) can name it: tornado
// 6.2 reads a chunked body only when Transfer-Encoding is exactly "chunked", so every
// spelling of the field that is not (a comma, a second line, a fold, a control byte) leaves
// the body to be read as the next request. The reference with TransferEncodingExactChunked
// frames those bytes as tornado does: that is the cause.

// deviation is one of the reference's boolean deviations, by name.
type deviation struct {
	name string
	dev  reference.Deviations
}

// parsingDeviations are the boolean deviations, each alone: the candidates a desync is
// diagnosed with.
func parsingDeviations() []deviation {
	var out []deviation
	for _, n := range reference.DeviationNames() {
		var d reference.Deviations
		if reflect.ValueOf(d).FieldByName(n).Kind() != reflect.Bool {
			continue
		}
		if d.Set(n, "") == nil {
			out = append(out, deviation{n, d})
		}
	}
	return out
}

// diagnosable says a finding's cause may be named by a deviation: a desync, an exception
// from wsgi.input, a strictness, a hang, a server error, a leniency or a semantic difference
// found by ablation.
func diagnosable(f *Finding) bool {
	switch f.Class {
	case Framing, Input, Strictness, Hang, Status5xx:
		return true
	case Leniency:
		return f.Kind == "accepted" || f.Kind == "waits"
	case Semantic:
		return !coreIsSignature(Verdict{Class: f.Class, Kind: f.Kind})
	}
	return false
}

// lenientClass says the finding is a request let through: its own deviation names it, and
// none beside it (that one would be the cause).
func lenientClass(f *Finding) bool {
	return f.Class == Leniency || f.Class == Input && f.Kind == "silent"
}

// diagnose names the deviations under which the reference agrees with every answer the
// target sent to the finding's bytes: alone, or beside one that lets through the request
// the reference rejects (the leniency the target showed on the way, which is its own
// cause). Sorted; nil when none does, or the finding is not diagnosable.
func diagnose(f *Finding, devs []deviation) []string {
	if !diagnosable(f) || f.Observed == nil || len(f.Bytes) == 0 {
		return nil
	}
	// How the application reads is no part of the reference's interpretation: a server that
	// leaves a body unread (read:none) would be named by a deviation that never sees one.
	if slices.ContainsFunc(f.Features, func(x string) bool { return strings.HasPrefix(x, "read:") }) {
		return nil
	}
	// The deviated reference must agree with every answer the target sent: one that closes
	// earlier would explain the answers after it away. (A target may close after fewer.)
	explains := func(d reference.Deviations) bool {
		e := expectCase(f.Bytes, f.Writes, reference.Limits{}, d)
		return len(f.Observed.Answers) <= e.Want() && Compare(e, f.Observed).Class == ""
	}
	// A verdict that needed a re-send to tell it (a request rejected in a pipeline and
	// served alone) is not seen again from the record: nothing to diagnose.
	if Compare(expectCase(f.Bytes, f.Writes, reference.Limits{}, reference.Deviations{}), f.Observed).Class != f.Class {
		return nil
	}
	var like []string
	for _, d := range devs {
		if explains(d.dev) {
			like = append(like, d.name)
		}
	}
	if len(like) == 0 && !lenientClass(f) {
		// The leniencies: deviations under which the reference no longer rejects where it did.
		if pe := reference.InterpretWith(f.Bytes, reference.Limits{}, reference.Deviations{}).Error; pe != nil {
			for _, l := range devs {
				in := reference.InterpretWith(f.Bytes, reference.Limits{}, l.dev)
				if in.Error != nil && in.Error.Offset <= pe.Offset && in.Error.Rule == pe.Rule {
					continue
				}
				for _, d := range devs {
					both := l.dev
					if d.name != l.name && both.Set(d.name, "") == nil && explains(both) {
						like = append(like, d.name)
					}
				}
			}
		}
	}
	slices.Sort(like)
	return slices.Compact(like)
}

// diagnoseOnce sets the finding's Like, unless it was diagnosed already (Finding.Diagnosed).
func (f *Finding) diagnoseOnce(devs []deviation) {
	if f.Diagnosed {
		return
	}
	f.Like, f.Diagnosed = diagnose(f, devs), true
}
