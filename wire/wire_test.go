package wire

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// serve starts a one-connection server that runs handle, and returns its address.
func serve(t *testing.T, handle func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		handle(c)
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String()
}

// readHead consumes one request head from the client.
func readHead(br *bufio.Reader) string {
	var sb strings.Builder
	for {
		l, err := br.ReadString('\n')
		sb.WriteString(l)
		if err != nil || l == "\r\n" || l == "\n" {
			return sb.String()
		}
	}
}

func do(t *testing.T, addr string, s Script) *Exchange {
	t.Helper()
	x, err := Do(context.Background(), addr, s)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestContentLengthAndKeepAlive(t *testing.T) {
	addr := serve(t, func(c net.Conn) {
		readHead(bufio.NewReader(c))
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nx-a:  2 \r\n\r\nhello"))
		time.Sleep(300 * time.Millisecond)
	})
	x := do(t, addr, Script{Steps: []Step{{Data: []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")}}, Responses: 1, Linger: 100 * time.Millisecond})
	if len(x.Responses) != 1 {
		t.Fatalf("responses = %d (%s, %s)", len(x.Responses), x.End, x.Garbage)
	}
	r := x.Responses[0]
	if r.Status != 200 || r.Reason != "OK" || string(r.Body) != "hello" || r.Framing != FramingContentLength {
		t.Fatalf("got %d %q body %q framing %s", r.Status, r.Reason, r.Body, r.Framing)
	}
	if got := r.Values("X-A"); len(got) != 2 || got[1] != "2" {
		t.Fatalf("X-A values = %q", got)
	}
	if x.End != EndOpen {
		t.Fatalf("end = %s, want open (server kept the connection)", x.End)
	}
	if !bytes.HasPrefix(r.RawBytes(), []byte("HTTP/1.1 200 OK\r\n")) {
		t.Fatalf("raw = %q", r.RawBytes())
	}
}

func TestChunkedWithTrailersAndArrivalTimes(t *testing.T) {
	addr := serve(t, func(c net.Conn) {
		readHead(bufio.NewReader(c))
		c.Write([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n"))
		time.Sleep(200 * time.Millisecond)
		c.Write([]byte("6\r\n world\r\n0\r\nX-T: done\r\n\r\n"))
	})
	x := do(t, addr, Request([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")))
	r := x.Responses[0]
	if string(r.Body) != "hello world" || r.Framing != FramingChunked || r.Incomplete != "" {
		t.Fatalf("body %q framing %s incomplete %q", r.Body, r.Framing, r.Incomplete)
	}
	if len(r.Trailer) != 1 || r.Trailer[0].Value != "done" {
		t.Fatalf("trailer = %v", r.Trailer)
	}
	first, ok1 := r.BodyArrival(0)
	last, ok2 := r.BodyArrival(10)
	if !ok1 || !ok2 || last-first < 150*time.Millisecond {
		t.Fatalf("arrivals %v %v: the second chunk was sent 200ms later", first, last)
	}
}

func TestCloseDelimitedAndHEAD(t *testing.T) {
	addr := serve(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		readHead(br)
		readHead(br)
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"))
		c.Write([]byte("HTTP/1.0 200 OK\r\n\r\nuntil close"))
	})
	x := do(t, addr, Script{Steps: []Step{{Data: []byte("HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.0\r\n\r\n")}}, Responses: 2, Head: []bool{true}})
	if len(x.Responses) != 2 {
		t.Fatalf("responses = %d, end %s garbage %q", len(x.Responses), x.End, x.Garbage)
	}
	if x.Responses[0].Framing != FramingNone || len(x.Responses[0].Body) != 0 {
		t.Fatalf("HEAD response read a body: %q", x.Responses[0].Body)
	}
	r := x.Responses[1]
	if r.Framing != FramingClose || string(r.Body) != "until close" || x.End != EndClosed {
		t.Fatalf("framing %s body %q end %s", r.Framing, r.Body, x.End)
	}
}

func TestInterimAndAwaitResponse(t *testing.T) {
	addr := serve(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		readHead(br)
		c.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
		body := make([]byte, 4)
		if _, err := br.Read(body); err != nil {
			return
		}
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"))
		c.Write(body)
	})
	start := time.Now()
	x := do(t, addr, Script{Steps: []Step{
		{Data: []byte("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")},
		{Data: []byte("ping"), AwaitResponse: 5 * time.Second},
	}, Responses: 1})
	if time.Since(start) > 2*time.Second {
		t.Fatalf("the body waited for the timeout although 100 Continue arrived")
	}
	r := x.Responses[0]
	if len(r.Interim) != 1 || r.Interim[0].Status != 100 || string(r.Body) != "ping" {
		t.Fatalf("interim %v body %q", r.Interim, r.Body)
	}
}

func TestGarbageIdleResetAndCap(t *testing.T) {
	t.Run("garbage", func(t *testing.T) {
		addr := serve(t, func(c net.Conn) { c.Write([]byte("SSH-2.0-OpenSSH\r\n")) })
		x := do(t, addr, Request([]byte("GET / HTTP/1.1\r\n\r\n")))
		if x.End != EndGarbage || len(x.Responses) != 0 || !strings.Contains(x.Garbage, "not an HTTP/1.x status line") {
			t.Fatalf("end %s garbage %q", x.End, x.Garbage)
		}
	})
	t.Run("idle", func(t *testing.T) {
		addr := serve(t, func(c net.Conn) { time.Sleep(time.Second) })
		x := do(t, addr, Script{Steps: []Step{{Data: []byte("GET / HTTP/1.1\r\n\r\n")}}, Responses: 1, IdleTimeout: 200 * time.Millisecond})
		if x.End != EndIdle || x.EndAt > 900*time.Millisecond {
			t.Fatalf("end %s at %v", x.End, x.EndAt)
		}
	})
	t.Run("reset", func(t *testing.T) {
		addr := serve(t, func(c net.Conn) {
			readHead(bufio.NewReader(c))
			c.(*net.TCPConn).SetLinger(0)
		})
		x := do(t, addr, Request([]byte("GET / HTTP/1.1\r\n\r\n")))
		if x.End != EndReset {
			t.Fatalf("end %s (%s)", x.End, x.ReadErr)
		}
	})
	t.Run("cap", func(t *testing.T) {
		addr := serve(t, func(c net.Conn) {
			c.Write([]byte("HTTP/1.1 200 OK\r\n\r\n"))
			c.Write(bytes.Repeat([]byte("x"), 1<<16))
		})
		x := do(t, addr, Script{Steps: []Step{{Data: []byte("GET / HTTP/1.1\r\n\r\n")}}, Responses: 1, MaxBytes: 1024})
		if x.End != EndCapped || len(x.Raw) > 1024 {
			t.Fatalf("end %s, %d bytes kept", x.End, len(x.Raw))
		}
	})
	t.Run("deadline", func(t *testing.T) {
		addr := serve(t, func(c net.Conn) {
			for i := 0; i < 20; i++ {
				c.Write([]byte("HTTP/1.1 200 OK\r\n"))
				time.Sleep(50 * time.Millisecond)
			}
		})
		x := do(t, addr, Script{Steps: []Step{{Data: []byte("GET / HTTP/1.1\r\n\r\n")}}, Responses: 1, Deadline: 300 * time.Millisecond})
		if x.End != EndDeadline && x.End != EndGarbage {
			t.Fatalf("end %s: a trickling server must not hold the client past its deadline", x.End)
		}
		if x.EndAt > 600*time.Millisecond {
			t.Fatalf("ended at %v, deadline was 300ms", x.EndAt)
		}
	})
}

func TestSlowClientStepsAreNotIdle(t *testing.T) {
	addr := serve(t, func(c net.Conn) {
		readHead(bufio.NewReader(c))
		c.Write([]byte("HTTP/1.1 204 No Content\r\n\r\n"))
	})
	x := do(t, addr, Script{Steps: []Step{
		{Data: []byte("GET / HTTP/1.1\r\n")},
		{Data: []byte("Host: a\r\n"), Delay: 300 * time.Millisecond},
		{Data: []byte("\r\n"), Delay: 300 * time.Millisecond},
	}, Responses: 1, IdleTimeout: 400 * time.Millisecond})
	if len(x.Responses) != 1 || x.Responses[0].Status != 204 {
		t.Fatalf("end %s: a client pausing between writes is not an idle server", x.End)
	}
	if string(x.Sent) != "GET / HTTP/1.1\r\nHost: a\r\n\r\n" {
		t.Fatalf("sent %q", x.Sent)
	}
}

func TestUnreachable(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	_, err := Do(context.Background(), addr, Request([]byte("GET / HTTP/1.1\r\n\r\n")))
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v", err)
	}
}

func TestContextCancelEndsExchange(t *testing.T) {
	addr := serve(t, func(c net.Conn) { time.Sleep(2 * time.Second) })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	x, err := Do(ctx, addr, Request([]byte("GET / HTTP/1.1\r\n\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > time.Second || x.End != EndDeadline {
		t.Fatalf("end %s after %v", x.End, time.Since(start))
	}
}

func TestReplay(t *testing.T) {
	x := Replay([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 204 No Content\r\n\r\n"), Script{Steps: []Step{{Data: []byte("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n")}}, Responses: 2}, true)
	if len(x.Responses) != 2 || string(x.Responses[0].Body) != "ok" || x.Responses[1].Status != 204 {
		t.Fatalf("replay parsed %d responses (%s %s)", len(x.Responses), x.End, x.Garbage)
	}
	x = Replay([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), Script{Steps: []Step{{Data: []byte("GET / HTTP/1.1\r\n\r\n")}}, Responses: 1, Linger: time.Second}, false)
	if x.End != EndOpen {
		t.Fatalf("an open replay ends %s, want open", x.End)
	}
	x = Replay([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), Script{Steps: []Step{{Data: []byte("GET / HTTP/1.1\r\n\r\n")}}, Responses: 1, Linger: time.Second}, true)
	if x.End != EndClosed {
		t.Fatalf("a closed replay ends %s, want closed", x.End)
	}
}

func TestReplayKeepsTheWholeRequest(t *testing.T) {
	req := []byte("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
	for i := 0; i < 50; i++ {
		x := Replay([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"), Request(req), true)
		if string(x.Sent) != string(req) || x.WriteErr != "" {
			t.Fatalf("run %d: sent %q, write error %q", i, x.Sent, x.WriteErr)
		}
	}
}

func TestGarbageKeepsWhatFollows(t *testing.T) {
	addr := serve(t, func(c net.Conn) {
		readHead(bufio.NewReader(c))
		c.Write([]byte("HTTP/1.1 500 Oops\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"))
		time.Sleep(100 * time.Millisecond)
		c.Write([]byte("the rest"))
		time.Sleep(time.Second)
	})
	x := do(t, addr, Request([]byte("GET / HTTP/1.1\r\n\r\n")))
	if x.End != EndGarbage || !strings.HasSuffix(string(x.Raw), "the rest") {
		t.Fatalf("end %s, raw %q: the bytes after the garbage were not kept", x.End, x.Raw)
	}
	if x.EndAt > 800*time.Millisecond {
		t.Fatalf("drained for %v; a short drain is enough", x.EndAt)
	}
}

// TestLingerDoneEndsTheLinger: the linger reads on until LingerDone says the bytes after the
// expected responses are all there, not for its whole length (an hour here).
func TestLingerDoneEndsTheLinger(t *testing.T) {
	addr := serve(t, func(c net.Conn) {
		readHead(bufio.NewReader(c))
		// Pauses so that the client reads the parts one at a time.
		_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"))
		time.Sleep(50 * time.Millisecond)
		_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nt"))
		time.Sleep(50 * time.Millisecond)
		_, _ = c.Write([]byte("wo"))
		_, _ = c.Read(make([]byte, 1)) // keep the connection open until the client closes
	})
	var asked []string
	s := Request([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
	s.Linger, s.Deadline = time.Hour, 20*time.Second
	s.LingerDone = func(extra []byte) bool {
		asked = append(asked, string(extra))
		return bytes.HasSuffix(extra, []byte("two"))
	}
	x, err := Do(context.Background(), addr, s)
	if err != nil {
		t.Fatal(err)
	}
	if x.End != EndOpen || !bytes.HasSuffix(x.Raw, []byte("two")) {
		t.Errorf("end %s, raw %q", x.End, x.Raw)
	}
	if len(asked) < 2 || strings.HasSuffix(asked[0], "two") || !strings.HasSuffix(asked[len(asked)-1], "two") {
		t.Errorf("LingerDone was asked %q", asked)
	}
}
