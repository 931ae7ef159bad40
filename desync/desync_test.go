package desync

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/internal/relay"
	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/reference"
)

func TestJudgeCountsWhatTheServerAnsweredAgainstWhatTheFrontMeant(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	const bad = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	chunked := "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
	for _, tc := range []struct {
		name   string
		c      relay.Conn
		judged bool
		desync bool
		meant  int
		served int
		why    string
	}{
		{"one request, one answer", relay.Conn{ID: 1, Forwarded: []byte(chunked), Returned: []byte(ok), Closed: true}, true, false, 1, 1, "answered each"},
		{"the chunked body read as a request", relay.Conn{ID: 2, Forwarded: []byte(chunked), Returned: []byte(ok + bad), Closed: true}, true, true, 1, 2, "smuggled"},
		{"a message a strict server refuses, served", relay.Conn{ID: 3, Forwarded: []byte("CONNECT / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), Returned: []byte(ok + ok), Closed: true}, true, false, 2, 2, "answered each"},
		{"a message refused and the connection closed", relay.Conn{ID: 10, Forwarded: []byte("CONNECT / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), Returned: []byte(bad), Closed: true}, true, false, 2, 1, "before the connection closed"},
		{"a chunked body with trailers and extensions is one message", relay.Conn{ID: 11, Forwarded: []byte("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nT: 1\r\n\r\nGET / HTTP/1.1\r\n\r\n"), Returned: []byte(ok + ok + ok), Closed: true}, true, true, 2, 3, "2 requests"},
		{"HEAD answered without a body", relay.Conn{ID: 4, Forwarded: []byte("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), Returned: []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + ok), Closed: true}, true, false, 2, 2, "answered each"},
		{"fewer answers: reported, not called desync", relay.Conn{ID: 5, Forwarded: []byte(chunked + chunked), Returned: []byte(ok), Closed: true}, true, false, 2, 1, "before the connection closed"},
		{"a request cut short answered at the close", relay.Conn{ID: 8, Forwarded: []byte("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello"), Returned: []byte(bad), Closed: true}, true, false, 0, 1, "bytes that end no request"},
		{"an answer beyond the one cut short", relay.Conn{ID: 9, Forwarded: []byte("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello"), Returned: []byte(ok + bad), Closed: true}, true, true, 0, 2, "smuggled"},
		{"bytes that are not HTTP after every answer owed", relay.Conn{ID: 12, Forwarded: []byte(chunked), Returned: []byte(ok + "<!DOCTYPE HTML>\n<html>400</html>\n"), Closed: true}, true, false, 1, 1, "not an HTTP response"},
		{"not HTTP in place of an answer owed", relay.Conn{ID: 13, Forwarded: []byte(chunked + chunked), Returned: []byte(ok + "<!DOCTYPE HTML>\n"), Closed: true}, true, false, 2, 1, "is not HTTP"},
		{"answers to other requests than the front sent", relay.Conn{ID: 14, Forwarded: []byte(withID("a1") + withID("a2")), Returned: []byte(echo("a1") + echo("")), Closed: true}, true, true, 2, 2, "other boundaries"},
		{"an id with a line folded onto it", relay.Conn{ID: 16, Forwarded: []byte(withID("a1") + withID("a2")), Returned: []byte(echo("a1   User-Agent: x") + echo("a2")), Closed: true}, true, false, 2, 2, "answered each"},
		{"answers to the requests the front sent", relay.Conn{ID: 15, Forwarded: []byte(withID("a1") + withID("a2")), Returned: []byte(echo("a1") + echo("a2")), Closed: true}, true, false, 2, 2, "answered each"},
		{"a Transfer-Encoding list with an empty element and lines", relay.Conn{ID: 17, Forwarded: []byte("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked ,\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n"), Returned: []byte(ok + ok), Closed: true}, true, false, 2, 2, "answered each"},
		{"a Content-Length list of one value", relay.Conn{ID: 18, Forwarded: []byte("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n"), Returned: []byte(ok + ok), Closed: true}, true, false, 2, 2, "answered each"},
		{"an id inside another field's value is none", relay.Conn{ID: 19, Forwarded: []byte("GET / HTTP/1.1\r\nX-A: 1 X-Conform-Id: a1\r\n\r\n"), Returned: []byte(echo("")), Closed: true}, true, false, 1, 1, "answered each"},
		{"open connections wait", relay.Conn{ID: 6, Forwarded: []byte(chunked), Returned: []byte(ok + bad)}, false, false, 0, 0, "not judged"},
		{"partial records wait", relay.Conn{ID: 7, Forwarded: []byte(chunked), Returned: []byte(ok + bad), Closed: true, Truncated: true}, false, false, 0, 0, "not judged"},
	} {
		v := Judge(tc.c)
		if v.Unsolicited != (tc.c.ID == 12) {
			t.Errorf("%s: unsolicited %v", tc.name, v.Unsolicited)
		}
		if v.Judged != tc.judged || v.Desync != tc.desync || v.Meant != tc.meant || v.Served != tc.served || !strings.Contains(v.Why, tc.why) || v.Conn != tc.c.ID {
			t.Errorf("%s: %+v", tc.name, v)
		}
	}
}

func withID(id string) string {
	return "GET /__conform__/echo HTTP/1.1\r\nHost: x\r\nX-Conform-Id: " + id + "\r\n\r\n"
}

// echo is an answer of the probe's echo to the request with id.
func echo(id string) string {
	body := fmt.Sprintf(`{"probe":"conform-probe","version":%d,"id":%q,"scenario":"echo"}`, probes.Version, id)
	return fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

// TestALenientServerBehindARealFrontDesyncs: haproxy forwards a chunked body as chunked; a
// server that ignores Transfer-Encoding (the reference's NoChunkedSupport, as paste and
// uWSGI's --http-socket do) reads the body as a second request. The conforming reference
// behind the same front gives no desync.
func TestALenientServerBehindARealFrontDesyncs(t *testing.T) {
	requireFront(t, "haproxy")
	for _, tc := range []struct {
		name    string
		dev     reference.Deviations
		desyncs bool
	}{
		{"conforming", reference.Deviations{}, false},
		{"Transfer-Encoding ignored", reference.Deviations{NoChunkedSupport: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rel := referenceBehindRelay(t, tc.dev)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			front, err := harness.StartFront(ctx, "haproxy", rel.Addr(), harness.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer front.Stop()

			c, err := net.DialTimeout("tcp", front.Addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			io.WriteString(c, "POST /__conform__/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
			io.ReadAll(c)
			c.Close()
			// Stopping the front closes its upstream connections: each record is then whole.
			if err := front.Stop(); err != nil {
				t.Fatal(err)
			}
			var found []Verdict
			judged := 0
			deadline := time.Now().Add(5 * time.Second)
			for {
				found, judged = found[:0], 0
				closed := true
				for _, rc := range rel.Conns() {
					closed = closed && rc.Closed
					v := Judge(rc)
					if v.Judged && strings.Contains(string(rc.Forwarded), "hello") {
						judged++
					}
					if v.Desync {
						found = append(found, v)
					}
				}
				if closed || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if judged != 1 {
				t.Fatalf("%d judged records carry the POST, want 1", judged)
			}
			if got := len(found) > 0; got != tc.desyncs {
				t.Fatalf("desync %v, want %v: %+v (records %d)", got, tc.desyncs, found, len(rel.Conns()))
			}
			if tc.desyncs && (found[0].Meant != 1 || found[0].Served != 2) {
				t.Errorf("the smuggled read: %+v", found[0])
			}
			t.Logf("%+v", found)
		})
	}
}

// requireFront skips a test whose front is not installed (fails it in CI, where the install
// script must have installed it).
func requireFront(t *testing.T, name string) {
	t.Helper()
	f, err := harness.LookupFront(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Installed(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// referenceBehindRelay starts the reference with dev and a recording relay before it, both
// stopped when the test ends; a front goes before the relay.
func referenceBehindRelay(t *testing.T, dev reference.Deviations) *relay.Relay {
	t.Helper()
	origin, err := reference.Start(reference.Options{Deviations: dev})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { origin.Close() })
	rel, err := relay.Start("127.0.0.1:0", origin.Addr, relay.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rel.Close() })
	return rel
}
