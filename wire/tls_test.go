package wire

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/tlscert"
)

// serveTLS is serve behind a TLS listener with a fresh self-signed certificate.
func serveTLS(t *testing.T, handle func(c net.Conn)) string {
	t.Helper()
	p, err := tlscert.Generate("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := p.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, func(c net.Conn) {
		tc := tls.Server(c, cfg)
		if err := tc.Handshake(); err != nil {
			return
		}
		handle(tc)
	})
}

func TestTLSExchange(t *testing.T) {
	addr := serveTLS(t, func(c net.Conn) {
		readHead(bufio.NewReader(c))
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"))
	})
	s := Request([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	s.TLS = true
	x := do(t, addr, s)
	if len(x.Responses) != 1 || string(x.Responses[0].Body) != "hello" {
		t.Fatalf("responses %+v, end %s %s", x.Responses, x.End, x.ReadErr)
	}
	if !strings.HasPrefix(x.TLS(), "TLS 1.") {
		t.Errorf("Exchange.TLS() = %q, want the negotiated version", x.TLS())
	}
}

// TestTLSHalfClose: a server reading the body until EOF sees one after a TLS half-close
// (close_notify, then FIN) and can still answer.
func TestTLSHalfClose(t *testing.T) {
	addr := serveTLS(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		readHead(br)
		body, _ := io.ReadAll(br)
		c.Write([]byte("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + string(body)))
	})
	s := Script{Steps: []Step{{Data: []byte("POST / HTTP/1.0\r\n\r\nuntil-eof")}}, HalfClose: true, TLS: true}
	x := do(t, addr, s)
	if len(x.Responses) != 1 || string(x.Responses[0].Body) != "until-eof" {
		t.Fatalf("responses %+v, end %s %s", x.Responses, x.End, x.ReadErr)
	}
}

// TestTLSHandshakeBounded: a plain server that never answers the ClientHello fails the
// dial with ErrHandshake within the dial timeout.
func TestTLSHandshakeBounded(t *testing.T) {
	addr := serve(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	start := time.Now()
	_, err := Do(context.Background(), addr, Script{Steps: []Step{{Data: []byte("GET / HTTP/1.1\r\n\r\n")}}, TLS: true, DialTimeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrHandshake) {
		t.Fatalf("err = %v, want ErrHandshake", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the handshake took %v, past its 300ms bound", took)
	}
}
