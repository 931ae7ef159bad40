package uwsgiproto_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/internal/uwsgiproto"
	"github.com/conform-wsgi/conform/probes"
)

// TestRealUwsgiReadsThePacket sends packets to a real uWSGI --socket hosting the probe and
// checks that its WSGI layer saw the vars and the body as sent.
func TestRealUwsgiReadsThePacket(t *testing.T) {
	s, err := harness.Lookup("uwsgi-socket")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Installed(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in, err := harness.Start(ctx, s, harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()

	body := "name=value&x=\x00\xff"
	host, port, _ := net.SplitHostPort(in.Addr)
	vars := []uwsgiproto.Var{
		{Key: "REQUEST_METHOD", Value: "POST"},
		{Key: "REQUEST_URI", Value: "/caf%C3%A9/x?q=1&r=%20"},
		{Key: "PATH_INFO", Value: "/caf\xc3\xa9/x"},
		{Key: "QUERY_STRING", Value: "q=1&r=%20"},
		{Key: "SERVER_PROTOCOL", Value: "HTTP/1.1"},
		{Key: "SERVER_NAME", Value: host},
		{Key: "SERVER_PORT", Value: port},
		{Key: "REMOTE_ADDR", Value: "127.0.0.1"},
		{Key: "REMOTE_PORT", Value: "5555"},
		{Key: "CONTENT_TYPE", Value: "application/x-www-form-urlencoded"},
		{Key: "CONTENT_LENGTH", Value: strconv.Itoa(len(body))},
		{Key: "HTTP_HOST", Value: "example.test"},
		{Key: "HTTP_X_CONFORM_ID", Value: "uwsgiproto-test"},
	}
	packet, err := uwsgiproto.Packet(vars)
	if err != nil {
		t.Fatal(err)
	}
	resp := exchange(t, in.Addr, append(packet, body...))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	b, _ := io.ReadAll(resp.Body)
	e, err := probes.Decode(b)
	if err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	for _, v := range vars {
		got, ok := e.Env(v.Key)
		// The probe shows str values as latin-1 text; PATH_INFO's bytes are the packet's.
		if want := latin1(v.Value); !ok || got.Value != want {
			t.Errorf("%s: the app saw %q (present %v), the packet said %q", v.Key, got.Value, ok, want)
		}
	}
	sum := sha256.Sum256([]byte(body))
	if e.Input.Length != int64(len(body)) || e.Input.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("the app read %d bytes (sha256 %s) of the %d-byte body", e.Input.Length, e.Input.SHA256, len(body))
	}
	if e.ID != "uwsgiproto-test" {
		t.Errorf("the echo's id is %q", e.ID)
	}

	// A packet split across writes, the body after a pause, is read whole all the same.
	conn, err := net.DialTimeout("tcp", in.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	conn.Write(packet[:3])
	time.Sleep(50 * time.Millisecond)
	conn.Write(packet[3:])
	time.Sleep(50 * time.Millisecond)
	conn.Write([]byte(body))
	r, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("split packet: %v %v", r, err)
	}
}

func exchange(t *testing.T, addr string, b []byte) *http.Response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// latin1 is how the probe shows a str holding these bytes.
func latin1(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}
