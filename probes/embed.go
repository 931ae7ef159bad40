package probes

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

// Source is probe.py, embedded so the conform binary can write it out anywhere.
//
//go:embed probe.py
var Source []byte

// Write writes probe.py into dir (created if missing) and returns its path.
func Write(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create probe directory: %w", err)
	}
	path := filepath.Join(dir, "probe.py")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, Source, 0o644); err != nil {
		return "", fmt.Errorf("write probe: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("write probe: %w", err)
	}
	return path, nil
}
