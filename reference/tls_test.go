package reference_test

import (
	"context"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/spec"
)

// TestReferenceOverTLS: the conforming reference serving TLS passes the checks that judge
// what TLS changes, which a plain reference leaves not applicable.
func TestReferenceOverTLS(t *testing.T) {
	r, err := reference.Start(reference.Options{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	target := spec.NewTarget(r.Addr)
	target.TLS = true
	for _, id := range []string{"pep3333/environ/https-when-ssl", "pep3333/environ/url-scheme"} {
		c, ok := spec.Lookup(id)
		if !ok {
			t.Fatalf("no check %s", id)
		}
		res := spec.RunOne(context.Background(), target, c, 10*time.Second)
		if res.Status != spec.Pass {
			t.Errorf("%s over TLS: %s: %s", id, res.Status, res.Message)
		}
		t.Logf("%s: %s", id, res.Message)
	}
}
