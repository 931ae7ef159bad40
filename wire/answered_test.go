package wire

import (
	"bufio"
	"net"
	"testing"
	"time"
)

func TestAnsweredComesBeforeTheLinger(t *testing.T) {
	// One response, then the connection stays open: the exchange lingers after it.
	keep := func(c net.Conn) {
		readHead(bufio.NewReader(c))
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
		time.Sleep(400 * time.Millisecond)
	}
	for _, tc := range []struct {
		name      string
		responses int
		want      int
	}{
		{"all the responses came", 1, 1},
		{"one of two came", 2, 0},
	} {
		start := time.Now()
		var calls int
		var at time.Duration
		x := do(t, serve(t, keep), Script{
			Steps: []Step{{Data: []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")}}, Responses: tc.responses,
			Linger: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond,
			Answered: func() { calls++; at = time.Since(start) },
		})
		if calls != tc.want {
			t.Errorf("%s: Answered called %d times, want %d", tc.name, calls, tc.want)
		}
		if calls == 1 && at > x.EndAt-200*time.Millisecond {
			t.Errorf("%s: Answered at %v, the exchange ended at %v: not before the linger", tc.name, at, x.EndAt)
		}
	}
}
