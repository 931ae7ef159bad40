package relay

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// upstream accepts connections and answers every read with "ok:" and what it read; it
// closes its side when the client's stream ends.
func upstream(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						c.Write(append([]byte("ok:"), buf[:n]...))
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

func start(t *testing.T, limits Limits) *Relay {
	t.Helper()
	r, err := Start("127.0.0.1:0", upstream(t), limits)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// exchange writes each part, reading the answer to it, then half-closes and reads to the end.
func exchange(t *testing.T, addr string, parts ...string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	var got bytes.Buffer
	for _, p := range parts {
		io.WriteString(c, p)
		buf := make([]byte, len(p)+3)
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatalf("read the answer to %q: %v", p, err)
		}
		got.Write(buf)
	}
	c.(*net.TCPConn).CloseWrite()
	rest, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("the end of stream did not pass through: %v", err)
	}
	got.Write(rest)
	return got.String()
}

func waitClosed(t *testing.T, r *Relay, n int) []Conn {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		cs := r.Conns()
		closed := 0
		for _, c := range cs {
			if c.Closed {
				closed++
			}
		}
		if closed >= n {
			return cs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d connections closed: %+v", closed, n, cs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRelayRecordsEachConnection(t *testing.T) {
	r := start(t, Limits{})
	if got := exchange(t, r.Addr(), "GET /a HTTP/1.1\r\n\r\n", "GET /b HTTP/1.1\r\n\r\n"); got != "ok:GET /a HTTP/1.1\r\n\r\nok:GET /b HTTP/1.1\r\n\r\n" {
		t.Fatalf("relayed %q", got)
	}
	exchange(t, r.Addr(), "POST /c")
	cs := waitClosed(t, r, 2)
	if len(cs) != 2 || cs[0].ID != 1 || cs[1].ID != 2 {
		t.Fatalf("records %+v", cs)
	}
	if string(cs[0].Forwarded) != "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n" || string(cs[1].Forwarded) != "POST /c" {
		t.Errorf("forwarded %q and %q", cs[0].Forwarded, cs[1].Forwarded)
	}
	if string(cs[1].Returned) != "ok:POST /c" || cs[0].Truncated {
		t.Errorf("returned %q, truncated %v", cs[1].Returned, cs[0].Truncated)
	}
}

func TestRelayKeepsOnlyItsLimits(t *testing.T) {
	r := start(t, Limits{Bytes: 8, Conns: 2})
	long := strings.Repeat("x", 100)
	if got := exchange(t, r.Addr(), long); got != "ok:"+long {
		t.Fatalf("bytes past the record limit must still pass: %d bytes back", len(got))
	}
	// Each record must be closed before the next connection comes: only closed ones are
	// dropped, and the client sees the end of stream before the relay marks it closed.
	waitClosed(t, r, 1)
	exchange(t, r.Addr(), "two")
	waitClosed(t, r, 2)
	exchange(t, r.Addr(), "three")
	cs := waitClosed(t, r, 2)
	if len(cs) != 2 || cs[0].ID != 2 || cs[1].ID != 3 {
		t.Fatalf("kept %+v; want the two newest", cs)
	}
	r2 := start(t, Limits{Bytes: 8})
	exchange(t, r2.Addr(), long)
	c := waitClosed(t, r2, 1)[0]
	if len(c.Forwarded) != 8 || !c.Truncated {
		t.Errorf("recorded %d bytes, truncated %v; want 8, true", len(c.Forwarded), c.Truncated)
	}
}

func TestRelayClosesIdleConnectionsAndStopsOnClose(t *testing.T) {
	r := start(t, Limits{Idle: 200 * time.Millisecond})
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	begin := time.Now()
	if _, err := io.ReadAll(c); err != nil {
		t.Fatalf("an idle connection must be ended, not left: %v", err)
	}
	if d := time.Since(begin); d < 150*time.Millisecond || d > 3*time.Second {
		t.Errorf("idle connection ended after %v, want about 200ms", d)
	}

	r2 := start(t, Limits{})
	c2, err := net.Dial("tcp", r2.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	waitOpen(t, r2)
	done := make(chan error, 1)
	go func() { done <- r2.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not cut an open connection")
	}
	c2.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.ReadAll(c2); err != nil {
		t.Errorf("the client's connection was not ended by Close: %v", err)
	}
}

func waitOpen(t *testing.T, r *Relay) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(r.Conns()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the connection was never relayed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRelayTakeClosedForgetsWhatItGives(t *testing.T) {
	r := start(t, Limits{})
	exchange(t, r.Addr(), "GET /a HTTP/1.1\r\n\r\n")
	waitClosed(t, r, 1)
	// One connection still open beside the closed one.
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /b")
	deadline := time.Now().Add(5 * time.Second)
	for len(r.Conns()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	taken := r.TakeClosed()
	if len(taken) != 1 || taken[0].ID != 1 || string(taken[0].Forwarded) != "GET /a HTTP/1.1\r\n\r\n" || !taken[0].Closed {
		t.Fatalf("taken %+v", taken)
	}
	if left := r.Conns(); len(left) != 1 || left[0].ID != 2 || left[0].Closed {
		t.Fatalf("left %+v", left)
	}
	if again := r.TakeClosed(); len(again) != 0 {
		t.Fatalf("taken twice: %+v", again)
	}
}
