package uwsgiproto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestPacketEncoding(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars []Var
		want []byte
	}{
		{"no vars", nil, []byte{0, 0, 0, 0}},
		{"one var", []Var{{"A", "bc"}}, []byte{0, 7, 0, 0, 1, 0, 'A', 2, 0, 'b', 'c'}},
		{"empty value", []Var{{"QUERY_STRING", ""}}, append(append([]byte{0, 16, 0, 0, 12, 0}, "QUERY_STRING"...), 0, 0)},
		{"two vars in order", []Var{{"K", "v"}, {"L", ""}},
			[]byte{0, 11, 0, 0, 1, 0, 'K', 1, 0, 'v', 1, 0, 'L', 0, 0}},
		{"bytes kept as they are", []Var{{"P", "\xe9\r\n"}}, []byte{0, 8, 0, 0, 1, 0, 'P', 3, 0, 0xe9, '\r', '\n'}},
		{"lengths little-endian", []Var{{"V", strings.Repeat("x", 0x102)}},
			append([]byte{0, 0x07, 0x01, 0, 1, 0, 'V', 0x02, 0x01}, strings.Repeat("x", 0x102)...)},
	} {
		got, err := Packet(tc.vars)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s: got % x, want % x", tc.name, got, tc.want)
		}
		back, n, err := Parse(append(got, "body"...))
		if err != nil || n != len(got) || len(back) != len(tc.vars) {
			t.Errorf("%s: Parse gives %v, %d, %v; want the %d vars and %d", tc.name, back, n, err, len(tc.vars), len(got))
			continue
		}
		for i := range back {
			if back[i] != tc.vars[i] {
				t.Errorf("%s: var %d parsed back as %q, sent %q", tc.name, i, back[i], tc.vars[i])
			}
		}
	}
}

func TestPacketTooLarge(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars []Var
	}{
		{"value over 65535", []Var{{"K", strings.Repeat("v", 0x10000)}}},
		{"key over 65535", []Var{{strings.Repeat("k", 0x10000), ""}}},
		{"block over 65535", []Var{{"A", strings.Repeat("v", 40000)}, {"B", strings.Repeat("v", 30000)}}},
	} {
		if _, err := Packet(tc.vars); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", tc.name, err)
		}
	}
	// The largest block that fits: 65535 bytes of vars.
	p, err := Packet([]Var{{"K", strings.Repeat("v", MaxVarsSize-5)}})
	if err != nil || len(p) != HeaderSize+MaxVarsSize || p[1] != 0xff || p[2] != 0xff {
		t.Errorf("a 65535-byte block: %d bytes, %v", len(p), err)
	}
}

func TestParseRefusesTruncatedPackets(t *testing.T) {
	p, _ := Packet([]Var{{"KEY", "value"}})
	for n := 0; n < len(p); n++ {
		if _, _, err := Parse(p[:n]); err == nil {
			t.Errorf("the first %d of %d bytes parsed as a packet", n, len(p))
		}
	}
	// A header announcing a block whose last value runs past it.
	bad := []byte{0, 5, 0, 0, 1, 0, 'K', 9, 0}
	if _, _, err := Parse(bad); err == nil {
		t.Errorf("a value longer than its block parsed")
	}
}
