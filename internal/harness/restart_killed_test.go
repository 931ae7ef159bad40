package harness

import (
	"context"
	"strings"
	"testing"
)

// RestartKilled is Restart without the graceful stop: the same port, a new process group,
// the old one gone, and the server answering.
func TestRestartKilled(t *testing.T) {
	s, _ := Lookup("wsgiref")
	in, err := Start(context.Background(), s, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	addr, pid := in.Addr, in.PID
	if err := in.RestartKilled(context.Background()); err != nil {
		t.Fatalf("RestartKilled: %v", err)
	}
	if in.Addr != addr || in.PID == pid {
		t.Errorf("after RestartKilled: Addr %s (was %s), PID %d (was %d)", in.Addr, addr, in.PID, pid)
	}
	assertGone(t, pid)
	if status, resp := get(t, in.Addr, "/__conform__/echo"); !strings.Contains(status, " 200") {
		t.Errorf("after RestartKilled: status line %q\n%s", status, resp)
	}
}
