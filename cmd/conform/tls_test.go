package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/conform-wsgi/conform/reference"
)

// TestTLSTarget: --tls speaks HTTPS to the target, the report says so and its one-liners
// go through openssl s_client; a TLS target dialled without --tls, and a plain one with
// it, stop with a hint; a server that cannot serve TLS is refused by name.
func TestTLSTarget(t *testing.T) {
	ref, err := reference.Start(reference.Options{TLS: true, Deviations: reference.Deviations{NoHTTPSVariable: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	only := "pep3333/environ/https-when-ssl,pep3333/environ/url-scheme"
	code, stdout, stderr := run(t, "--target", ref.Addr, "--tls", "--only", only, "--json", "-")
	var rep struct {
		Target  struct{ TLS bool }
		Results []struct{ ID, Status, Repro string }
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("exit %d: %v\n%s", code, err, stderr)
	}
	if !rep.Target.TLS {
		t.Error(`the report's target has no "tls": true`)
	}
	status := map[string]string{}
	for _, r := range rep.Results {
		status[r.ID] = r.Status
		if r.ID == "pep3333/environ/https-when-ssl" && !strings.HasSuffix(r.Repro, "| timeout 5 openssl s_client -quiet -connect "+ref.Addr) {
			t.Errorf("repro of a TLS target: %q", r.Repro)
		}
	}
	if status["pep3333/environ/https-when-ssl"] != "warn" || status["pep3333/environ/url-scheme"] != "pass" {
		t.Errorf("statuses %v, want https-when-ssl warn (NoHTTPSVariable) and url-scheme pass", status)
	}

	code, _, stderr = run(t, "--target", ref.Addr, "--only", only)
	if code != exitUsage || !strings.Contains(stderr, "give --tls") {
		t.Errorf("a TLS target without --tls: exit %d, %s", code, stderr)
	}
	plain, err := reference.Start(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	code, _, stderr = run(t, "--target", plain.Addr, "--tls", "--only", only)
	if code != exitUsage || !strings.Contains(stderr, "does it serve TLS?") {
		t.Errorf("a plain target with --tls: exit %d, %s", code, stderr)
	}
	code, _, stderr = run(t, "--server", "waitress", "--tls", "--only", only)
	if code == exitOK || !strings.Contains(stderr, "waitress cannot serve TLS") {
		t.Errorf("--server waitress --tls: exit %d, %s", code, stderr)
	}
}
