package wire

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/tcpend"
	"github.com/conform-wsgi/conform/internal/tlscert"
)

// TestTLSCloseNotify: a server that closes with a close_notify alert and one that drops the
// TCP connection bare are told apart (crypto/tls reads io.EOF for both).
func TestTLSCloseNotify(t *testing.T) {
	for _, bare := range []bool{false, true} {
		addr := serveTLS(t, func(c net.Conn) {
			readHead(bufio.NewReader(c))
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))
			if bare {
				c.(*tls.Conn).NetConn().Close()
				return
			}
			c.Close()
		})
		s := Request([]byte("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
		s.TLS, s.Linger = true, time.Second
		x := do(t, addr, s)
		if x.End != EndClosed || len(x.Responses) != 1 {
			t.Fatalf("bare %v: end %s %s, %d responses", bare, x.End, x.ReadErr, len(x.Responses))
		}
		if x.CloseNotify == bare {
			t.Errorf("bare %v: CloseNotify = %v", bare, x.CloseNotify)
		}
	}
}

// TestTLSBareClose: Script.BareClose ends the client's side without close_notify, which the
// server's TLS layer reads as the TCP connection's end, not as an alert.
func TestTLSBareClose(t *testing.T) {
	p, err := tlscert.Generate("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := p.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	for _, bare := range []bool{false, true} {
		rawEOF := make(chan bool, 1)
		addr := serve(t, func(c net.Conn) {
			raw := tcpend.New(c)
			tc := tls.Server(raw, cfg)
			br := bufio.NewReader(tc)
			readHead(br)
			tc.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
			tc.SetReadDeadline(time.Now().Add(2 * time.Second))
			if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
				t.Errorf("bare %v: the server read %v, not io.EOF", bare, err)
			}
			rawEOF <- raw.ReachedEOF()
		})
		s := Request([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		s.TLS, s.BareClose = true, bare
		if x := do(t, addr, s); len(x.Responses) != 1 {
			t.Fatalf("bare %v: %d responses, end %s", bare, len(x.Responses), x.End)
		}
		select {
		case got := <-rawEOF:
			if got != bare {
				t.Errorf("bare %v: the server's TCP connection was read to its end: %v", bare, got)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("bare %v: the server never saw the end", bare)
		}
	}
}

// TestTLSAwaitFIN: after the server's close_notify, Script.AwaitFIN tells a server that
// closes at once from one that waits for the client's alert.
func TestTLSAwaitFIN(t *testing.T) {
	for _, wait := range []bool{false, true} {
		addr := serveTLS(t, func(c net.Conn) {
			readHead(bufio.NewReader(c))
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))
			if wait {
				c.(*tls.Conn).CloseWrite() // the alert alone; the TCP connection stays open
				time.Sleep(time.Second)
			}
			c.Close()
		})
		s := Request([]byte("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
		s.TLS, s.Linger, s.AwaitFIN = true, time.Second, 300*time.Millisecond
		x := do(t, addr, s)
		want := AfterNotifyFIN
		if wait {
			want = AfterNotifyOpen
		}
		if !x.CloseNotify || x.AfterNotify != want {
			t.Errorf("wait %v: CloseNotify %v, AfterNotify %d, want %d", wait, x.CloseNotify, x.AfterNotify, want)
		}
	}
}
