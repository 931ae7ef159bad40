package harness

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// uwsgiGet sends the readiness packet to a server speaking uwsgi and returns its answer.
func uwsgiGet(t *testing.T, addr string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, readyPacket(addr)); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(conn)
	return string(b)
}

// TestUwsgiSocketBehindFronts starts uwsgi-socket behind nginx and apache: each answers
// the probe through the front (the front speaking uwsgi to it: the origin answers a uwsgi
// packet and no HTTP request), and Restart brings the server back behind the same front.
func TestUwsgiSocketBehindFronts(t *testing.T) {
	ci := os.Getenv("CI") == "true"
	s, _ := Lookup("uwsgi-socket")
	if _, err := s.Installed(); err != nil {
		if ci {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if !s.Uwsgi {
		t.Fatal("uwsgi-socket must say it speaks uwsgi")
	}
	for _, name := range []string{"nginx", "apache"} {
		name := name
		t.Run(name, func(t *testing.T) {
			f, _ := LookupFront(name)
			if _, err := f.Installed(); err != nil {
				if ci {
					t.Fatal(err)
				}
				t.Skip(err)
			}
			opt := testOptions(t)
			opt.Front = name
			in, err := Start(context.Background(), s, opt)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Stop()
			if !in.Uwsgi || in.Front == nil || in.Addr != in.Front.Addr {
				t.Fatalf("Uwsgi %v, Addr %s, front %+v: the front's address must be the stack's", in.Uwsgi, in.Addr, in.Front)
			}
			want := map[string]string{"nginx": "uwsgi_pass origin;", "apache": `"uwsgi://` + in.OriginAddr + `/"`}[name]
			if !strings.Contains(in.Front.Config, want) || !strings.Contains(in.Front.Config, in.OriginAddr) {
				t.Errorf("the front's configuration must forward over uwsgi (%s) to %s:\n%s", want, in.OriginAddr, in.Front.Config)
			}
			if len(in.Front.Adds) != 0 {
				t.Errorf("over uwsgi the fronts add no request field, but Adds says %v", in.Front.Adds)
			}
			status, resp := get(t, in.Addr, "/__conform__/echo?through=front")
			if !strings.Contains(status, " 200 ") || !strings.Contains(resp, `"QUERY_STRING"`) || !strings.Contains(resp, "through=front") {
				t.Fatalf("through %s: %s\n%s", name, status, resp)
			}
			if direct := uwsgiGet(t, in.OriginAddr); !strings.HasPrefix(direct, "HTTP/1.0 200 ") || !strings.Contains(direct, "harness-ready") {
				t.Errorf("the server answered a uwsgi packet with %q", clip(direct))
			}
			if line := httpStatusLine(in.OriginAddr); strings.HasPrefix(line, "HTTP/") {
				t.Errorf("the server answered an HTTP request (%q): it must speak uwsgi only", line)
			}
			if err := in.Restart(context.Background()); err != nil {
				t.Fatalf("Restart: %v", err)
			}
			if status, _ := get(t, in.Addr, "/__conform__/echo"); !strings.Contains(status, " 200 ") {
				t.Errorf("after Restart, through %s: %s", name, status)
			}
		})
	}
}

// TestHTTPOnlyFrontsRefuseAUwsgiServer: a front that speaks only HTTP to servers says so,
// before anything is started.
func TestHTTPOnlyFrontsRefuseAUwsgiServer(t *testing.T) {
	s, _ := Lookup("uwsgi-socket")
	for _, name := range []string{"haproxy", "varnish", "squid"} {
		_, err := Start(context.Background(), s, Options{Front: name})
		if !errors.Is(err, ErrNoUwsgi) || !strings.Contains(err.Error(), name) {
			t.Errorf("uwsgi-socket behind %s: %v; want an error naming it and wrapping ErrNoUwsgi", name, err)
		}
	}
	for _, name := range []string{"nginx", "apache"} {
		f, _ := LookupFront(name)
		if err := f.CanForwardUwsgi(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// httpStatusLine sends an HTTP/1.0 request and returns the first line of the answer, "" when
// none came within a second.
func httpStatusLine(addr string) string {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return ""
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	io.WriteString(conn, readyRequest)
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return line
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
