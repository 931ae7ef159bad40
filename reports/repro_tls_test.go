package reports

import (
	"bytes"
	"crypto/tls"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/tlscert"
)

func TestReplayForTLSTarget(t *testing.T) {
	req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	plain := Target{Addr: "127.0.0.1:8000"}
	if got, want := plain.Replay(req), ShellReplay(req, plain.Addr); got != want {
		t.Errorf("plain target: %s\nwant %s", got, want)
	}
	tt := Target{Addr: "127.0.0.1:8443", TLS: true}
	got := tt.Replay(req)
	if !strings.HasSuffix(got, "| timeout 5 openssl s_client -quiet -connect 127.0.0.1:8443") || strings.Contains(got, "/dev/tcp") {
		t.Errorf("TLS target: %s", got)
	}
	if !strings.HasPrefix(got, strings.TrimSuffix(ShellReplay(req, tt.Addr), TCPSend(tt.Addr))) {
		t.Errorf("TLS target: the printf part differs from ShellReplay's: %s", got)
	}
	r := &Report{Target: tt, Results: []Result{{ID: "a/b", Status: "fail", request: req}}}
	r.SetRepro()
	if r.Results[0].Repro != got {
		t.Errorf("SetRepro: %q, want %q", r.Results[0].Repro, got)
	}
	// The HTML report's per-connection replay lines go through openssl too.
	r.Results[0].Evidence = []Evidence{{Request: req, Response: []byte("HTTP/1.1 200 OK\r\n\r\n")}}
	var page bytes.Buffer
	if err := WriteHTML(&page, r); err != nil {
		t.Fatal(err)
	}
	if h := page.String(); strings.Contains(h, "/dev/tcp") || !strings.Contains(h, "openssl s_client -quiet -connect 127.0.0.1:8443") {
		t.Errorf("the HTML report of a TLS target replays over plain TCP")
	}
}

// TestReplayTLSRuns runs the TLS one-liner against a TLS server with a self-signed
// certificate and compares the bytes both ways.
func TestReplayTLSRuns(t *testing.T) {
	for _, tool := range []string{"sh", "openssl", "timeout"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("no " + tool)
		}
	}
	p, err := tlscert.Generate("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := p.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	req := []byte("GET /it's HTTP/1.1\r\nHost: x\r\nX-Q: 100% \"q\"\r\n\r\n")
	got := make(chan []byte, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var b []byte
		buf := make([]byte, 4096)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		for !bytes.HasSuffix(b, []byte("\r\n\r\n")) {
			n, err := c.Read(buf)
			b = append(b, buf[:n]...)
			if err != nil {
				break
			}
		}
		c.Write([]byte("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nanswer"))
		got <- b
	}()
	line := Target{Addr: l.Addr().String(), TLS: true}.Replay(req)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("sh", "-c", line)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sh -c %s: %v (%s)", line, err, stderr.String())
	}
	select {
	case b := <-got:
		if !bytes.Equal(b, req) {
			t.Errorf("sent %q\nwant %q", b, req)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server received nothing")
	}
	if stdout.String() != "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nanswer" {
		t.Errorf("the answer printed was %q (stderr %s)", stdout.String(), stderr.String())
	}
}
