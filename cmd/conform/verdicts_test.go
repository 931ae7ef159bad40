package main

// Verdicts under odd settings: a --timeout too short for the checks' own waits, a target
// reached through a mapped port, and JUnit that agrees with the exit status.

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/spec"
)

func TestTimeoutShorterThanTheChecksWaitsIsRefused(t *testing.T) {
	addr := startRef(t, reference.Deviations{})
	code, stdout, stderr := run(t, "--target", addr, "--timeout", "100ms")
	if code != exitUsage || !strings.Contains(stderr, "--timeout 100ms is shorter than the "+spec.MinCheckTimeout.String()) || strings.Contains(stdout, "FAIL") {
		t.Errorf("--timeout 100ms: exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.Count(stderr, "\n") > 2 {
		t.Errorf("more than a one-line error:\n%s", stderr)
	}
	// The floor itself is accepted.
	code, stdout, stderr = run(t, "--target", addr, "--timeout", spec.MinCheckTimeout.String(), "--only", "pep3333/environ/wsgi-version")
	if code != exitOK {
		t.Errorf("--timeout %v: exit %d\n%s%s", spec.MinCheckTimeout, code, stdout, stderr)
	}
}

// mappedPort relays every connection to addr, as a container's published port does, and
// returns the address it listens on.
func mappedPort(t *testing.T, addr string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer in.Close()
				out, err := net.DialTimeout("tcp", addr, 3*time.Second)
				if err != nil {
					return
				}
				defer out.Close()
				in.SetDeadline(time.Now().Add(time.Minute))
				out.SetDeadline(time.Now().Add(time.Minute))
				done := make(chan struct{}, 2)
				pipe := func(dst, src net.Conn) {
					io.Copy(dst, src)
					dst.(*net.TCPConn).CloseWrite()
					done <- struct{}{}
				}
				go pipe(out, in)
				go pipe(in, out)
				<-done
				<-done
			}()
		}
	}()
	return l.Addr().String()
}

func TestServerPortForAMappedTarget(t *testing.T) {
	addr := startRef(t, reference.Deviations{})
	_, port, _ := net.SplitHostPort(addr)
	published := mappedPort(t, addr)
	only := []string{"--only", "pep3333/environ/server-name-port,pep3333/environ/host-header,pep3333/environ/absolute-form-target"}

	code, stdout, stderr := run(t, append([]string{"--target", published}, only...)...)
	if code != exitFail || !strings.Contains(stdout, "--server-port") {
		t.Errorf("through the mapping without --server-port: exit %d (want %d)\n%s%s", code, exitFail, stdout, stderr)
	}
	code, stdout, stderr = run(t, append([]string{"--target", published, "--server-port", port}, only...)...)
	if code != exitOK {
		t.Errorf("--server-port %s: exit %d\n%s%s", port, code, stdout, stderr)
	}

	for _, bad := range [][]string{
		{"--target", published, "--server-port", "70000"},
		{"--server", "wsgiref", "--server-port", port},
	} {
		if code, _, stderr := run(t, bad...); code != exitUsage || !strings.Contains(stderr, "--server-port") {
			t.Errorf("%v: exit %d %q", bad, code, stderr)
		}
	}
}

// echoOnlyServer answers the probe's echo like a probe and every other request with 500,
// so checks that need the probe's answer end with an error (no verdict), not a failure.
func echoOnlyServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	echo := fmt.Sprintf(`{"probe":"conform-probe","version":%d,"environ":{}}`, probes.Version)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				line, _ := bufio.NewReader(c).ReadString('\n')
				body, status := "oops", "500 Internal Server Error"
				if strings.HasPrefix(line, "GET "+probes.Prefix+"echo ") {
					body, status = echo, "200 OK"
				}
				fmt.Fprintf(c, "HTTP/1.1 %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", status, len(body), body)
			}()
		}
	}()
	return l.Addr().String()
}

// A run that exits 0 writes no JUnit <error>: its errors are skipped tests. When the run
// fails on errors, they are <error> elements.
func TestJUnitErrorsAgreeWithTheExitStatus(t *testing.T) {
	addr := echoOnlyServer(t)
	const id = "pep3333/environ/server-name-port"
	junit := filepath.Join(t.TempDir(), "junit.xml")
	type testcase struct {
		Name  string `xml:"name,attr"`
		Props []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Error   *struct{} `xml:"error"`
		Skipped *struct {
			Message string `xml:"message,attr"`
		} `xml:"skipped"`
	}
	read := func() (errors int, c testcase) {
		b, err := os.ReadFile(junit)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Errors int `xml:"errors,attr"`
			Suites []struct {
				Cases []testcase `xml:"testcase"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Errors, doc.Suites[0].Cases[0]
	}

	code, stdout, stderr := run(t, "--target", addr, "--only", id, "--junit", junit)
	errs, c := read()
	if code != exitOK || errs != 0 || c.Error != nil || c.Skipped == nil || !strings.HasPrefix(c.Skipped.Message, "error (no verdict") {
		t.Errorf("default policy: exit %d, %d <error>, case %+v\n%s%s", code, errs, c, stdout, stderr)
	}
	title := ""
	for _, p := range c.Props {
		if p.Name == "title" {
			title = p.Value
		}
	}
	if check, _ := spec.Lookup(id); c.Name != id || title != check.Title {
		t.Errorf("testcase name %q, title property %q", c.Name, title)
	}

	code, _, _ = run(t, "--target", addr, "--only", id, "--junit", junit, "--strict")
	if errs, c := read(); code != exitFail || errs != 1 || c.Error == nil {
		t.Errorf("--strict: exit %d, %d <error>, case %+v", code, errs, c)
	}
}
