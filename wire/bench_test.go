package wire

import (
	"context"
	"net"
	"testing"
	"time"
)

// BenchmarkDoClosingServer is one exchange with a local server that answers at once and
// closes: the client's own cost of an exchange (dial, write, read, parse), which a fuzzing
// session pays once per case.
func BenchmarkDoClosingServer(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
	go func() {
		buf := make([]byte, 4096)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Read(buf)
			_, _ = c.Write(resp)
			c.Close()
		}
	}()
	s := Request([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	s.Responses, s.IdleTimeout, s.Linger = 1, time.Second, 20*time.Millisecond
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		x, err := Do(context.Background(), ln.Addr().String(), s)
		if err != nil || len(x.Responses) != 1 {
			b.Fatalf("%v %+v", err, x)
		}
	}
}
