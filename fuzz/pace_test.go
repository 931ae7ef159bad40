package fuzz

import (
	"testing"
	"time"
)

// The target's usual exchange is what it takes to serve, not what an exchange waited
// behind others: against a one-thread server, a few exchanges queue behind a case that
// made it wait, and a mean of them had stretched every later wait.
func TestLatencyIgnoresQueueing(t *testing.T) {
	var x exchange
	for i := range 130 {
		d := 2 * time.Millisecond
		if i%4 == 0 {
			d = 300 * time.Millisecond // queued behind a wait
		}
		x.noteSettled(d)
	}
	if got := x.latency(); got != 2*time.Millisecond {
		t.Errorf("latency %v, want the 2ms the target takes to serve", got)
	}
	for range latencyWindow {
		x.noteSettled(40 * time.Millisecond)
	}
	if got := x.latency(); got != 40*time.Millisecond {
		t.Errorf("latency %v after the target slowed down to 40ms, want 40ms", got)
	}
}
