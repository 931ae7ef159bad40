package reports

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestJSONRoundTrip(t *testing.T) {
	r := sampleReport("gunicorn", "23.0.0", 0)
	r.Interrupted = true
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "{\n  \"schema\": 2,\n  \"tool\": \"conform\",") {
		t.Errorf("not indented, or schema not first:\n%.200s", buf.String())
	}
	got, err := ReadJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		for i := range r.Results {
			if !reflect.DeepEqual(got.Results[i], r.Results[i]) {
				t.Fatalf("result %d differs after the round trip:\n got %+v\nwant %+v", i, got.Results[i], r.Results[i])
			}
		}
		t.Fatalf("report differs after the round trip:\n got %+v\nwant %+v", *got, *r)
	}

	// The hostile bytes survive exactly (base64), and durations are seconds.
	var raw map[string]any
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if d, ok := raw["duration"].(float64); !ok || d <= 0 {
		t.Errorf("duration is %v, want seconds as a number", raw["duration"])
	}
	found := false
	for _, res := range got.Results {
		for _, e := range res.Evidence {
			if string(e.Response) == hostileResponse {
				found = true
			}
		}
	}
	if !found {
		t.Error("the hostile response bytes did not survive the round trip")
	}
}

func TestWriteJSONDefaults(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, &Report{Tool: "conform"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"schema": 2`) || !strings.Contains(buf.String(), `"results": []`) {
		t.Errorf("defaults not filled in: %s", buf.String())
	}
	if _, err := ReadJSON(&buf); err != nil {
		t.Errorf("reading it back: %v", err)
	}
}

func TestReadJSONVersions(t *testing.T) {
	for _, c := range []struct{ in, err string }{
		{`{"schema": 1, "tool": "conform", "results": [], "added_in_a_later_release": {"x": 1}}`, ""},
		{`{"schema": 3, "tool": "conform"}`, "schema version 3 is newer than this conform understands (2); upgrade conform"},
		{`{"schema": 2, "tool": "conform", "results": [{"id": "a/b/c", "status": "flaky", "trials": ["fail", "pass"]}], "totals": {"flaky": 1}}`, ""},
		{`{"schema": 0}`, "unsupported schema version 0"},
		{`{"tool": "conform"}`, `no "schema" field`},
		{`{"schema": "1"}`, `"schema" is "1", not a version number`},
		{`[1, 2]`, "not a JSON object"},
		{`{"schema": 1} {"schema": 1}`, "unexpected data after the report"},
		{`{"schema": 1, "duration": "soon"}`, "reading conform JSON report (schema 1)"},
		{``, "reading conform JSON report"},
	} {
		r, err := ReadJSON(strings.NewReader(c.in))
		switch {
		case c.err == "" && err != nil:
			t.Errorf("ReadJSON(%s): %v", c.in, err)
		case c.err == "" && r.Schema != OldestSchema && r.Schema != SchemaVersion:
			t.Errorf("ReadJSON(%s): schema %d", c.in, r.Schema)
		case c.err == "" && r.Schema == 2 && (r.Totals.Flaky != 1 || r.Results[0].Status != "flaky" || len(r.Results[0].Trials) != 2):
			t.Errorf("ReadJSON(%s): the flaky result did not survive: %+v", c.in, r)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ReadJSON(%s) error = %v, want one containing %q", c.in, err, c.err)
		}
	}
}
