package harness

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/wire"
)

// TestTLSVariants: every known server either serves TLS or says why not, and Start with
// TLS refuses the latter at once, naming the server and the reason.
func TestTLSVariants(t *testing.T) {
	cannot := map[string]bool{"wsgiref": true, "waitress": true, "paste": true, "uwsgi-socket": true}
	for _, s := range Known() {
		err := s.CanServeTLS()
		if cannot[s.Name] {
			if !errors.Is(err, ErrNoTLS) || !strings.Contains(err.Error(), s.Name) || s.tls.cannot == "" {
				t.Errorf("%s: CanServeTLS = %v, want ErrNoTLS naming it and why", s.Name, err)
			}
			began := time.Now()
			if _, err := Start(context.Background(), s, Options{TLS: true}); !errors.Is(err, ErrNoTLS) || !strings.Contains(err.Error(), s.tls.cannot) {
				t.Errorf("%s: Start with TLS: %v, want ErrNoTLS with the reason", s.Name, err)
			} else if d := time.Since(began); d > time.Second {
				t.Errorf("%s: refusing TLS took %v: it must not start anything", s.Name, d)
			}
			continue
		}
		if err != nil || s.tls.build == nil {
			t.Errorf("%s: CanServeTLS = %v, want a TLS build", s.Name, err)
		}
	}
}

// tlsWSGIRef serves the probe with wsgiref behind the ssl module: a custom command that
// serves TLS with the {cert_file} and {key_file} the harness generates.
const tlsWSGIRef = `import os, ssl, sys
sys.path.insert(0, os.getcwd())
from wsgiref.simple_server import make_server
from probe import app
server = make_server(sys.argv[1], int(sys.argv[2]), app)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[3], sys.argv[4])
server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
`

// TestStartCommandTLS: a custom command gets the certificate and key, the harness waits
// for it over TLS, and its exchanges run over TLS; the files go with the instance.
func TestStartCommandTLS(t *testing.T) {
	opt := testOptions(t)
	opt.TLS = true
	in, err := StartCommand(context.Background(), []string{Python, "-c", tlsWSGIRef, "{host}", "{port}", "{cert_file}", "{key_file}"}, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	if !in.TLS {
		t.Error("Instance.TLS is false")
	}
	cert := in.Command[len(in.Command)-2]
	if filepath.Dir(cert) != filepath.Join(in.rootDir, "tls") {
		t.Errorf("the certificate %s is not in the instance's directory", cert)
	}
	x, err := wire.Do(context.Background(), in.Addr, wire.Script{Steps: []wire.Step{{Data: []byte("GET /__conform__/echo HTTP/1.0\r\nHost: x\r\n\r\n")}}, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Responses) != 1 || x.Responses[0].Status != 200 || x.TLS() == "" {
		t.Fatalf("over TLS: %d responses, end %s, TLS %q; log:\n%s", len(x.Responses), x.End, x.TLS(), in.Log())
	}
	if !strings.Contains(string(x.Responses[0].Body), "/__conform__/echo") {
		t.Errorf("not the app's answer: %.200s", x.Responses[0].Body)
	}
	root := in.rootDir
	if err := in.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("%s still exists after Stop: %v", root, err)
	}
}
