package reports

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestWriteFormat(t *testing.T) {
	r := sampleReport("gunicorn", "23.0.0", 0)
	for format, prefix := range map[string]string{
		"text": "conform 0.4.0: ", "": "conform 0.4.0: ", "json": "{\n", "junit": "<?xml", "xml": "<?xml",
		"markdown": "## ", "md": "## ", "html": "<!DOCTYPE html>",
	} {
		var buf bytes.Buffer
		if err := WriteFormat(&buf, r, format, TextOptions{}); err != nil {
			t.Errorf("%s: %v", format, err)
		}
		if !strings.HasPrefix(buf.String(), prefix) {
			t.Errorf("%s output starts %.20q", format, buf.String())
		}
	}
	if err := WriteFormat(io.Discard, r, "pdf", TextOptions{}); err == nil {
		t.Error("unknown format accepted")
	}
}
