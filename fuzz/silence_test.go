package fuzz

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/probes"
)

// TestASilentServerIsToldStalledFromSpinning: tornado runs the app on its one thread, so an
// app that sleeps 12 s leaves it silent past both liveness checks; its process is idle and
// it answers again, which is a stall (no restart, no crash). An app that loops forever
// keeps a core busy: the server spins, and is restarted.
func TestASilentServerIsToldStalledFromSpinning(t *testing.T) {
	askedFor(t, "tornado")
	sv, err := harness.Lookup("tornado")
	if err != nil {
		t.Fatal(err)
	}
	probe := string(probes.Source) + `

import time as _time

_conform_app = app


def app(environ, start_response):
    if "HTTP_X_STALL" in environ:
        _time.sleep(float(environ["HTTP_X_STALL"]))
    if "HTTP_X_SPIN" in environ:
        while True:
            pass
    return _conform_app(environ, start_response)


application = app
`
	in, err := harness.Start(context.Background(), sv, harness.Options{ProbeSource: []byte(probe)})
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer in.Stop()
	s := &session{opt: Options{Instance: in, Timing: DefaultTiming(), Label: "tornado"}, addr: in.Addr, cancel: func() { t.Error("the session was ended") }}
	ctx := context.Background()
	hold := func(field string) {
		raw := []byte("GET /__conform__/echo HTTP/1.1\r\nHost: a\r\n" + field + "\r\n\r\n")
		go send(ctx, in.Addr, raw, nil, 1, Timing{Idle: 30 * time.Second, Deadline: 30 * time.Second})
		time.Sleep(300 * time.Millisecond)
	}

	hold("X-Stall: 12")
	if kind, why := s.deadOrAlive(ctx); kind != "" || s.stalls != 1 || s.restarts != 0 {
		t.Errorf("a stalled server: %s %q, stalls %d, restarts %d; want no stop, one stall", kind, why, s.stalls, s.restarts)
	}

	pid := in.PID
	hold("X-Spin: 1")
	kind, why := s.deadOrAlive(ctx)
	if kind != KindSpins || s.restarts != 1 || in.PID == pid {
		t.Errorf("a spinning server: %s %q, restarts %d, pid %d (was %d); want it told spinning and restarted", kind, why, s.restarts, in.PID, pid)
	}
	if !serverDown(Verdict{Class: Crash, Kind: kind}) {
		t.Errorf("a spin must count as the server down")
	}
	t.Logf("%s: %s", kind, why)
}
