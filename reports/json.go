package reports

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// WriteJSON writes r as indented JSON in the format SCHEMA.md documents. A report built
// without a schema number is written as the current SchemaVersion.
func WriteJSON(w io.Writer, r *Report) error {
	out := *r
	if out.Schema == 0 {
		out.Schema = SchemaVersion
	}
	if out.Results == nil {
		out.Results = []Result{}
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&out); err != nil {
		return err
	}
	return bw.Flush()
}

// ReadJSON reads a report written by WriteJSON. Fields it does not know are ignored (newer
// conform versions only add fields within a schema version). It reads the current schema
// and the older ones it extends (OldestSchema on: schema 2 is schema 1 plus the flaky
// status and fields), and rejects newer and unknown ones.
func ReadJSON(rd io.Reader) (*Report, error) {
	dec := json.NewDecoder(bufio.NewReader(rd))
	var head struct {
		Schema *json.RawMessage `json:"schema"`
	}
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("reading conform JSON report: %w", err)
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("reading conform JSON report: not a JSON object: %w", err)
	}
	if head.Schema == nil {
		return nil, errors.New("reading conform JSON report: no \"schema\" field; this is not a conform report")
	}
	var schema int
	if err := json.Unmarshal(*head.Schema, &schema); err != nil {
		return nil, fmt.Errorf("reading conform JSON report: \"schema\" is %s, not a version number", *head.Schema)
	}
	switch {
	case schema > SchemaVersion:
		return nil, fmt.Errorf("reading conform JSON report: schema version %d is newer than this conform understands (%d); upgrade conform to read it", schema, SchemaVersion)
	case schema < OldestSchema:
		return nil, fmt.Errorf("reading conform JSON report: unsupported schema version %d (this conform reads versions %d to %d)", schema, OldestSchema, SchemaVersion)
	}
	var r Report
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("reading conform JSON report (schema %d): %w", schema, err)
	}
	if dec.More() {
		return nil, errors.New("reading conform JSON report: unexpected data after the report object")
	}
	return &r, nil
}
