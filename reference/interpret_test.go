package reference

import "testing"

// Interpreting never changes the caller's bytes, whatever the deviations.
func TestInterpretLeavesTheBytes(t *testing.T) {
	raw := "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n"
	b := []byte(raw)
	in := InterpretWith(b, Limits{}, Deviations{CTLReplaced: true})
	if in.Error != nil || len(in.Requests) != 1 {
		t.Fatalf("interpreted %+v", in)
	}
	if string(b) != raw {
		t.Errorf("the bytes became %q", b)
	}
}
