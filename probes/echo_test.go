package probes

import (
	"os"
	"testing"
)

// testdata/echo-waitress.json is the probe's answer to a POST of the echo without a body,
// as waitress 2.1.2 served it.
func TestDecodeWaitressEcho(t *testing.T) {
	body, err := os.ReadFile("testdata/echo-waitress.json")
	if err != nil {
		t.Fatal(err)
	}
	e, err := Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != "abc" || e.Input.Length != 0 || e.Input.SHA256 == "" {
		t.Errorf("id %q, input %+v", e.ID, e.Input)
	}
	if v, ok := e.Env("PATH_INFO"); !ok || v.Value != "/__conform__/echo" {
		t.Errorf("PATH_INFO %+v %v", v, ok)
	}
	if b, ok := e.Environ["HTTP_X_CONFORM_ID"].Bytes(); !ok || string(b) != "abc" {
		t.Errorf("HTTP_X_CONFORM_ID bytes %q %v", b, ok)
	}
	if v, ok := e.Env("wsgi.input_terminated"); !ok || v.Type != "bool" {
		t.Errorf("wsgi.input_terminated %+v %v", v, ok)
	}
	if _, err := Decode(body[:len(body)/2]); err == nil {
		t.Error("half a document decoded")
	}
}

func BenchmarkDecode(b *testing.B) {
	body, err := os.ReadFile("testdata/echo-waitress.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for range b.N {
		if _, err := Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRequestIDsAndMask(t *testing.T) {
	raw := []byte("GET / HTTP/1.1\r\nX-Conform-Id: c1\r\n\r\nGET / HTTP/1.1\r\nx-conform-id:f2-m0\r\n\r\n")
	if got := RequestIDs(raw); len(got) != 2 || got[0] != "c1" || got[1] != "f2-m0" {
		t.Errorf("ids %q", got)
	}
	if got := MaskIDs(`printf 'GET / HTTP/1.1\r\nX-Conform-Id: c17\r\n\r\n'`); got != "printf 'GET / HTTP/1.1\\r\\nX-Conform-Id: \x00\\r\\n\\r\\n'" {
		t.Errorf("masked %q", got)
	}
}
