package reports

import (
	"os/exec"
	"strings"
	"testing"
)

// The conformance reports (and so baseline, run, matrix) must not pull in the fuzzer: its
// findings page lives in fuzz/findingshtml, and what both pages share in internal/htmlpage.
func TestReportsDoNotImportTheFuzzer(t *testing.T) {
	for _, pkg := range []string{".", "../internal/htmlpage"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == "github.com/conform-wsgi/conform/fuzz" || strings.HasPrefix(dep, "github.com/conform-wsgi/conform/fuzz/") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
