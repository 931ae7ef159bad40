//go:build gofuzz

package fuzz

import (
	"fmt"

	"github.com/conform-wsgi/conform/reference"
)

// Fuzz is the go-fuzz (github.com/dvyukov/go-fuzz) entry point. It drives the fuzzer's oracle
// with the reference interpretation on arbitrary bytes, without a network:
//
//   - a target that parses exactly as reference.Interpret must be judged in agreement (the
//     oracle has no false positive on any input);
//   - a target that parses as a deviated reference (PreferContentLength, NoChunkedSupport)
//     and reads a different body for a request both serve must be judged a framing
//     disagreement (the oracle does not miss one);
//   - the interpretation of a prefix of the bytes must agree with the interpretation of the
//     whole on every request the prefix completes (the incremental parser decides no request
//     differently for lack of later bytes).
//
// Inputs that yield at least one request are interesting (1).
func Fuzz(data []byte) int {
	lim := reference.Limits{}
	e := Expect(data, lim, reference.Deviations{})
	if v := Compare(e, PerfectObservation(e)); v.Class != "" {
		panic(fmt.Sprintf("oracle disagrees with the reference itself: %s: %s", v.Core(), v.Detail))
	}
	for _, dev := range []reference.Deviations{{PreferContentLength: true}, {NoChunkedSupport: true}} {
		d := Expect(data, lim, dev)
		v := Compare(e, PerfectObservation(d))
		for i := 0; i < len(e.In.Requests) && i < len(d.In.Requests); i++ {
			a, b := &e.In.Requests[i], &d.In.Requests[i]
			if reqID(a) != reqID(b) || a.Start != b.Start {
				break
			}
			if string(a.Body) != string(b.Body) {
				if v.Class != Framing {
					panic(fmt.Sprintf("request %d read with another body (%q, reference %q) judged %q", i+1, b.Body, a.Body, v.Core()))
				}
				break
			}
		}
	}
	for _, k := range []int{len(data) / 3, len(data) / 2, len(data) - 1} {
		if k <= 0 || k >= len(data) {
			continue
		}
		p := reference.Interpret(data[:k], lim)
		for i, r := range p.Requests {
			if i >= len(e.In.Requests) || e.In.Requests[i].End != r.End || string(e.In.Requests[i].Body) != string(r.Body) {
				panic(fmt.Sprintf("request %d complete in the first %d bytes is seen differently in all %d", i+1, k, len(data)))
			}
		}
	}
	if len(e.In.Requests) > 0 {
		return 1
	}
	return 0
}
