package reports

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestDumpSamples writes every format for the sample reports to $CONFORM_REPORT_DIR, for
// looking at them by hand; it does nothing when the variable is unset.
func TestDumpSamples(t *testing.T) {
	dir := os.Getenv("CONFORM_REPORT_DIR")
	if dir == "" {
		t.Skip("set CONFORM_REPORT_DIR to write sample reports")
	}
	r := sampleReport("gunicorn", "23.0.0", 0)
	m := &Matrix{Reports: []*Report{r, sampleReport("waitress", "3.0.2", 1), sampleReport("uvicorn", "0.34.0", 2), sampleReport("wsgiref", "", 3)}}
	m.Reports[3].Target.Addr = "127.0.0.1:8003"
	files := map[string]func(io.Writer) error{
		"report.txt":       func(w io.Writer) error { return WriteText(w, r, TextOptions{}) },
		"report.color.txt": func(w io.Writer) error { return WriteText(w, r, TextOptions{Color: true, Verbose: true}) },
		"report.json":      func(w io.Writer) error { return WriteJSON(w, r) },
		"report.xml":       func(w io.Writer) error { return WriteJUnit(w, r) },
		"report.md":        func(w io.Writer) error { return WriteMarkdown(w, r) },
		"report.html":      func(w io.Writer) error { return WriteHTML(w, r) },
		"big.html":         func(w io.Writer) error { return WriteHTML(w, bigReport(320)) },
		"matrix.html":      func(w io.Writer) error { return WriteMatrixHTML(w, m) },
		"matrix.txt":       func(w io.Writer) error { return WriteMatrixText(w, m, false) },
		"matrix.color.txt": func(w io.Writer) error { return WriteMatrixText(w, m, true) },
	}
	for name, write := range files {
		if err := WriteFileAtomic(filepath.Join(dir, name), write); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}
