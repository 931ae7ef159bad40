package reports

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
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
//	conform replay dir/rfc9112_7.1_chunk-size-sign.http --target HOST:PORT
//
// sends them again (beside the reference's reading of them), as does TCPSend's command with
// the file on its standard input. It creates dir and returns the paths written. Bytes come from the run
// itself (uncapped) or, for a report read from JSON, from its evidence (capped at 64 KiB).
//
// A file an earlier run wrote and this one does not is removed, so the directory holds this
// run's failures only: the files listed in dir/ReproManifest, and the file of every check
// of this report that needs none now. No other file in dir is touched.
func WriteRepro(dir string, r *Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	stale := map[string]bool{}
	for _, name := range readReproManifest(dir) {
		stale[name] = true
	}
	var paths, names []string
	for _, res := range r.Results {
		name := ReproFileName(res.ID)
		req := res.Request()
		if !NeedsRepro(res.Status) || len(req) == 0 {
			stale[name] = true
			continue
		}
		path := filepath.Join(dir, name)
		if err := WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(req); return err }); err != nil {
			return paths, fmt.Errorf("write %s: %w", path, err)
		}
		paths = append(paths, path)
		names = append(names, name)
		delete(stale, name)
	}
	for _, name := range names {
		delete(stale, name)
	}
	for name := range stale {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return paths, fmt.Errorf("remove the earlier run's %s: %w", name, err)
		}
	}
	manifest := filepath.Join(dir, ReproManifest)
	if err := WriteFileAtomic(manifest, func(w io.Writer) error {
		_, err := io.WriteString(w, strings.Join(names, "\n")+"\n")
		return err
	}); err != nil {
		return paths, fmt.Errorf("write %s: %w", manifest, err)
	}
	return paths, nil
}

// ReproManifest is the file in a --repro directory that lists the files the last run wrote.
const ReproManifest = ".conform-repro"

// readReproManifest returns the file names the last run listed; only names WriteRepro could
// have written count, so a hand-edited manifest cannot make it remove anything else.
func readReproManifest(dir string) []string {
	b, err := os.ReadFile(filepath.Join(dir, ReproManifest))
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && ReproFileName(strings.TrimSuffix(line, ".http")) == line {
			out = append(out, line)
		}
	}
	return out
}

// TLSSend is TCPSend for a target served over TLS: openssl s_client, without verifying
// the certificate (s_client only reports a failed verification), for 5 s as TCPSend.
func TLSSend(addr string) string {
	return "timeout 5 openssl s_client -quiet -connect " + shellQuote(addr)
}

// SendCommand is the command that sends its standard input to the target and prints the
// answer: TCPSend, or TLSSend for a TLS target.
func (t Target) SendCommand() string {
	if t.TLS {
		return TLSSend(t.Addr)
	}
	return TCPSend(t.Addr)
}

// Replay is ShellReplay for the target: through openssl s_client when it serves TLS.
func (t Target) Replay(req []byte) string {
	if t.TLS {
		return strings.TrimSuffix(ShellReplay(req, t.Addr), TCPSend(t.Addr)) + TLSSend(t.Addr)
	}
	return ShellReplay(req, t.Addr)
}
