package matchers

import (
	"bytes"
	"context"
	"errors"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// externalModule is a server maintainer's suite in a module of its own: it can import only
// conform's public packages, as anyone outside this repository would.
const externalModule = "testdata/external"

// TestExternalModuleUsesEveryMatcher builds and runs the external module's Ginkgo suite with
// the go command running this test, so a matcher, wire or spec API that an outsider cannot
// call (an internal type, say) fails here and not in a user's build.
func TestExternalModuleUsesEveryMatcher(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		t.Fatalf("the go command of the toolchain running this test: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// -mod=readonly on the command line overrides a GOFLAGS=-mod=mod, so the run never
	// rewrites the module's go.mod or go.sum; those list no module this one's go.sum lacks,
	// so nothing is downloaded once this module's dependencies are in the cache.
	for _, args := range [][]string{
		{"vet", "-mod=readonly", "./..."},
		{"test", "-mod=readonly", "-count=1", "./..."},
	} {
		cmd := exec.CommandContext(ctx, goBin, args...)
		cmd.Dir = externalModule
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local")
		cmd.WaitDelay = 10 * time.Second
		out, err := cmd.CombinedOutput()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("go %v in %s timed out:\n%s", args, externalModule, out)
		}
		if err != nil {
			t.Fatalf("go %v in %s: %v\n%s", args, externalModule, err, out)
		}
	}
}

// TestDocExampleIsInTheExternalSuite keeps the package documentation's example honest: each
// of its lines (the address aside) must appear in the external suite, which compiles it
// outside this module.
func TestDocExampleIsInTheExternalSuite(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "matchers.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	suite, err := os.ReadFile(filepath.Join(externalModule, "external_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	code := 0
	for _, line := range strings.Split(f.Doc.Text(), "\n") {
		if !strings.HasPrefix(line, "\t") {
			continue
		}
		code++
		line = strings.Replace(strings.TrimSpace(line), `"127.0.0.1:8000"`, "ref.Addr", 1)
		if !bytes.Contains(suite, []byte(line)) {
			t.Errorf("the package example's line %q is not in %s/external_test.go", line, externalModule)
		}
	}
	if code == 0 {
		t.Fatal("the package documentation has no example")
	}
}
