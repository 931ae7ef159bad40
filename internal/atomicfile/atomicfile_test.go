package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "first"); return err }); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(path); string(b) != "first" {
		t.Fatalf("content %q", b)
	}

	// Replacing keeps the old mode.
	os.Chmod(path, 0o600)
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "second"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "second" {
		t.Errorf("content %q", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced file mode %v, want the old 0600", fi.Mode().Perm())
	}

	// A failing writer leaves the old file and no temporary file behind, even after it
	// wrote a lot.
	boom := errors.New("boom")
	err = Write(path, func(w io.Writer) error {
		w.Write(bytes.Repeat([]byte("x"), 1<<20))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "second" {
		t.Errorf("failed write changed the file to %.20q", b)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "report.json" {
			t.Errorf("left behind %s", e.Name())
		}
	}

	// Errors that happen before writing are reported too.
	if err := Write(filepath.Join(dir, "missing", "x.json"), func(io.Writer) error { return nil }); err == nil {
		t.Error("no error writing into a missing directory")
	}
	if err := Write(dir, func(io.Writer) error { return nil }); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("writing over a directory: %v", err)
	}
}

func TestCheckWritableAgreesWithTheWrite(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.txt")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		ok   bool
	}{
		{filepath.Join(dir, "report.html"), true},
		{file, true},
		{dir, false}, // a directory
		{filepath.Join(file, "report.html"), false},           // under a regular file
		{filepath.Join(dir, "missing", "report.html"), false}, // WriteFileAtomic makes no directories
	} {
		err := CheckWritable(c.path)
		if (err == nil) != c.ok {
			t.Errorf("CheckWritable(%s) = %v, want ok=%v", c.path, err, c.ok)
		}
		werr := Write(c.path, func(w io.Writer) error { _, err := w.Write([]byte("r")); return err })
		if (werr == nil) != (err == nil) {
			t.Errorf("%s: CheckWritable says %v but WriteFileAtomic says %v", c.path, err, werr)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".check-") {
			t.Errorf("CheckWritable left %s behind", e.Name())
		}
	}
	if err := CheckWritableDir(filepath.Join(dir, "a", "b")); err != nil {
		t.Errorf("CheckWritableDir of a new nested directory: %v", err)
	}
	if err := CheckWritableDir(filepath.Join(file, "sub")); err == nil {
		t.Error("CheckWritableDir under a regular file succeeded")
	}
}
