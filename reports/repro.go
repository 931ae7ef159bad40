package reports

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ReproFileName is the file --repro writes a check's request to: its ID with every '/'
// made '_' (and anything that is not a safe file-name byte made '_'), plus ".http".
func ReproFileName(id string) string {
	var b strings.Builder
	for _, c := range []byte(id) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' {
			b.WriteByte(c)
		} else {
			b.WriteByte('_')
		}
	}
	name := strings.TrimLeft(b.String(), ".")
	if name == "" {
		name = "check"
	}
	return name + ".http"
}

// WriteRepro writes, for every fail, warn, error and flaky result with a request, the
// exact bytes its first connection sent to dir/ReproFileName(ID), so that
//
//	nc HOST PORT < dir/rfc9112_7.1_chunk-size-sign.http
//
// sends them again. It creates dir and returns the paths written. Bytes come from the run
// itself (uncapped) or, for a report read from JSON, from its evidence (capped at 64 KiB).
func WriteRepro(dir string, r *Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, res := range r.Results {
		req := res.Request()
		if !NeedsRepro(res.Status) || len(req) == 0 {
			continue
		}
		path := filepath.Join(dir, ReproFileName(res.ID))
		if err := WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(req); return err }); err != nil {
			return paths, fmt.Errorf("write %s: %w", path, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}
