package harness

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// TestFrontsForwardToTheServer starts each front before waitress and asserts that the
// front, not the server, is what Addr reaches (its forwarding header arrives in the
// environ), that Restart brings a dead server back behind the same front, and that Stop
// ends both process groups.
func TestFrontsForwardToTheServer(t *testing.T) {
	ci := os.Getenv("CI") == "true"
	s, _ := Lookup("waitress")
	if _, err := s.Installed(); err != nil {
		if ci {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	for _, f := range KnownFronts() {
		f := f
		t.Run(f.Name, func(t *testing.T) {
			if _, err := f.Installed(); err != nil {
				if ci {
					t.Fatal(err)
				}
				t.Skip(err)
			}
			opt := testOptions(t)
			opt.Front = f.Name
			in, err := Start(context.Background(), s, opt)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Stop()
			if in.Front == nil || in.Addr != in.Front.Addr || in.Addr == in.OriginAddr {
				t.Fatalf("Addr %s, origin %s, front %+v: Addr must be the front's", in.Addr, in.OriginAddr, in.Front)
			}
			if _, port, _ := net.SplitHostPort(in.OriginAddr); !strings.Contains(in.Front.Config, port) {
				t.Errorf("the front's configuration does not name the server's port %s:\n%s", port, in.Front.Config)
			}
			status, resp := get(t, in.Addr, "/__conform__/echo")
			if !strings.Contains(status, " 200 ") || !strings.Contains(resp, "HTTP_X_FORWARDED_FOR") {
				t.Fatalf("through %s: %s; the environ must carry the front's X-Forwarded-For:\n%s", f.Name, status, resp)
			}
			// Adds must say what the front adds: judges excuse exactly these fields.
			for _, field := range f.Adds {
				if key := "HTTP_" + strings.ToUpper(strings.ReplaceAll(field, "-", "_")); !strings.Contains(resp, `"`+key+`"`) {
					t.Errorf("%s is said to add %s, but the environ has no %s:\n%s", f.Name, field, key, resp)
				}
			}
			if _, direct := get(t, in.OriginAddr, "/__conform__/echo"); strings.Contains(direct, "HTTP_X_FORWARDED_FOR") {
				t.Errorf("the server's own address answers as if through the front")
			}

			origin, front := in.PID, in.Front.PID
			if err := in.Restart(context.Background()); err != nil {
				t.Fatalf("Restart: %v", err)
			}
			assertGone(t, origin)
			if in.Front.PID != front || !in.Alive() {
				t.Errorf("Restart of the server restarted a living front (pid %d, now %d) or left the stack dead", front, in.Front.PID)
			}
			if status, _ := get(t, in.Addr, "/__conform__/echo"); !strings.Contains(status, " 200 ") {
				t.Errorf("after Restart, through %s: %s", f.Name, status)
			}
			if err := in.Stop(); err != nil {
				t.Errorf("Stop: %v", err)
			}
			assertGone(t, in.PID)
			assertGone(t, front)
		})
	}
}

func TestInstallScriptCoversKnownFronts(t *testing.T) {
	script, err := os.ReadFile("../../scripts/install-servers.sh")
	if err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{}
	for _, w := range strings.Fields(string(script)) {
		words[w] = true
	}
	for _, f := range KnownFronts() {
		if !words[f.Package] {
			t.Errorf("scripts/install-servers.sh does not install %s (front %s)", f.Package, f.Name)
		}
	}
	if _, err := LookupFront("bogus"); err == nil || !strings.Contains(err.Error(), "nginx") {
		t.Errorf("an unknown front's error must list the known ones: %v", err)
	}
}

// TestRelayRecordsWhatTheFrontForwarded: with Options.Relay, the bytes nginx forwarded to
// the server are on record, nginx's own forwarding field included, and Stop ends the relay.
func TestRelayRecordsWhatTheFrontForwarded(t *testing.T) {
	s, _ := Lookup("waitress")
	f, _ := LookupFront("nginx")
	for _, need := range []func() (string, error){s.Installed, f.Installed} {
		if _, err := need(); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal(err)
			}
			t.Skip(err)
		}
	}
	opt := testOptions(t)
	opt.Front, opt.Relay = "nginx", true
	in, err := Start(context.Background(), s, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	if in.Relay == nil || !strings.Contains(in.Front.Config, in.Relay.Addr()) {
		t.Fatalf("the front must forward to the relay: relay %v, config:\n%s", in.Relay, in.Front.Config)
	}
	if status, resp := get(t, in.Addr, "/__conform__/echo?relayed"); !strings.Contains(status, " 200 ") {
		t.Fatalf("through the relay: %s\n%s", status, resp)
	}
	var seen string
	for _, c := range in.Relay.Conns() {
		if strings.Contains(string(c.Forwarded), "/__conform__/echo?relayed") {
			seen = string(c.Forwarded)
		}
	}
	if !strings.Contains(seen, "X-Forwarded-For: 127.0.0.1") || !strings.Contains(seen, "X-Conform-Id: harness-test") {
		t.Errorf("the relay did not record what nginx forwarded: %q", seen)
	}
	if err := in.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if _, err := net.DialTimeout("tcp", in.Relay.Addr(), time.Second); err == nil {
		t.Errorf("the relay still accepts connections after Stop")
	}
}
