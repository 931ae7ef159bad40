package fuzz

import (
	"net/url"
	"strings"

	"github.com/conform-wsgi/conform/wire"
)

// PerfectObservation is what a target that parses exactly as the expectation's interpretation
// would show: an echo per request (the body readable, as the reference's gateway makes it),
// the rejection, and the connection's end. The oracle must agree with it on any bytes; the
// go-fuzz harness and the tests use it to check the oracle without a network.
func PerfectObservation(e *Expectation) *Observation {
	o := &Observation{End: wire.EndIdle}
	for i := range e.In.Requests {
		r := &e.In.Requests[i]
		path, query, _ := strings.Cut(r.Target, "?")
		if dec, err := url.PathUnescape(path); err == nil {
			path = dec
		}
		te := &EchoView{ID: reqID(r), Method: r.Method, Path: path, Query: query, InputTerminated: true,
			BodyLen: int64(len(r.Body)), BodySHA256: sha(r.Body), Body: r.Body, Headers: map[string]string{}}
		if r.ContentLength >= 0 {
			te.HasCL, te.ContentLength = true, itoa(r.ContentLength)
		}
		for _, f := range r.Header {
			if strings.Contains(f.Name, "_") {
				continue
			}
			// Repeated lines reach the application joined, as the reference's gateway joins them.
			k := envName(f.Name)
			if old, ok := te.Headers[k]; ok {
				te.Headers[k] = old + ", " + f.Value
			} else {
				te.Headers[k] = f.Value
			}
		}
		o.Answers = append(o.Answers, Answer{Status: 200, Reason: "OK", Echo: te})
		if r.Close {
			o.End = wire.EndClosed
		}
	}
	if e.In.Error != nil {
		o.Answers = append(o.Answers, Answer{Status: e.In.Error.Status, Reason: e.In.Error.Reason})
		o.End = wire.EndClosed
	}
	return o
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
