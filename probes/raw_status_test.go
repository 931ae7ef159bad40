package probes

import "testing"

// TestProbeRawStatus runs the raw-status scenario (the environ and response variants) under
// wsgiref: the status reaches start_response exactly as percent-decoded, and a refusal is
// reported and answered 500.
func TestProbeRawStatus(t *testing.T) {
	t.Parallel()
	p := startProbe(t)

	// Percent-decoding only, as latin-1: "+" stays "+", %E9 is U+00E9, sent as the byte E9.
	r := p.get(t, "/__conform__/raw-status?status=299%20A+b%20Caf%E9")
	e := echoOf(t, r, "HTTP/1.0 299 A+b Caf\xe9")
	if e.ResultString("start_response") != "returned" {
		t.Errorf("result %v", e.Result)
	}

	// wsgiref 3.11 asserts a three-digit code: the probe reports the exception and answers
	// 500 through start_response with exc_info.
	r = p.get(t, "/__conform__/raw-status?status=20%20OK")
	e = echoOf(t, r, "HTTP/1.0 500 Internal Server Error")
	if e.ResultString("start_response") != "raised" || e.ResultString("exception") != "AssertionError: Status message must begin w/3-digit code" {
		t.Errorf("result %v", e.Result)
	}

	// Nor does it look inside the status: the CR LF goes out and splits the head.
	r = p.get(t, "/__conform__/raw-status?status=200%20OK%0D%0AX-Injected:%20yes")
	echoOf(t, r, "HTTP/1.0 200 OK")
	if !r.hasLine("X-Injected: yes") {
		t.Errorf("headers %q, want the injected line wsgiref lets through", r.headerLines)
	}

	if r := p.get(t, "/__conform__/raw-status"); r.statusLine != "HTTP/1.0 400 Bad Request" {
		t.Errorf("without status: %q, want 400", r.statusLine)
	}
}
