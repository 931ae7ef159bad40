package reports

import (
	"io"

	"github.com/conform-wsgi/conform/internal/atomicfile"
)

// WriteFileAtomic writes a file so readers see either the old content or the complete new
// one, never a partial report (atomicfile.Write).
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, write)
}

// CheckWritable tells, before any work is done, whether WriteFileAtomic(path, ...) can
// succeed.
func CheckWritable(path string) error { return atomicfile.CheckWritable(path) }

// CheckWritableDir creates dir if needed and tells whether it takes new files.
func CheckWritableDir(dir string) error { return atomicfile.CheckWritableDir(dir) }
