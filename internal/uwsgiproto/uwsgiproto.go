// Package uwsgiproto encodes the request packet of uWSGI's own protocol, the one nginx's
// uwsgi_pass and Apache's mod_proxy_uwsgi speak to a uWSGI --socket: a 4-byte header
// (modifier1, the vars block's size as u16 little-endian, modifier2), then the vars block,
// each var a u16le key length, the key, a u16le value length and the value. The request
// body follows the packet, CONTENT_LENGTH bytes of it; uWSGI answers with a raw HTTP
// response and closes the connection.
package uwsgiproto

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// HeaderSize is the length of the packet header.
const HeaderSize = 4

// MaxVarsSize is the largest vars block the u16 size field can announce.
const MaxVarsSize = 0xffff

// ModifierWSGI is modifier1 0: a request for the WSGI (python) plugin, the one nginx's
// uwsgi_modifier1 defaults to.
const ModifierWSGI = 0

// Var is one variable of the vars block: a CGI-style name and its value, both bytes.
type Var struct{ Key, Value string }

// ErrTooLarge marks vars that do not fit the packet's 16-bit lengths.
var ErrTooLarge = errors.New("uwsgi packet too large")

// Packet encodes the packet header and vars block of a request with modifier1 0 and
// modifier2 0. The body, if any, is sent after it as it is.
func Packet(vars []Var) ([]byte, error) {
	size := 0
	for _, v := range vars {
		if len(v.Key) > 0xffff || len(v.Value) > 0xffff {
			return nil, fmt.Errorf("%w: var %.40q: key of %d bytes, value of %d (at most 65535 each)", ErrTooLarge, v.Key, len(v.Key), len(v.Value))
		}
		size += 4 + len(v.Key) + len(v.Value)
	}
	if size > MaxVarsSize {
		return nil, fmt.Errorf("%w: the vars take %d bytes, more than the %d a packet announces", ErrTooLarge, size, MaxVarsSize)
	}
	b := make([]byte, HeaderSize, HeaderSize+size)
	b[0] = ModifierWSGI
	binary.LittleEndian.PutUint16(b[1:3], uint16(size))
	b[3] = 0
	for _, v := range vars {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(v.Key)))
		b = append(b, v.Key...)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(v.Value)))
		b = append(b, v.Value...)
	}
	return b, nil
}

// Parse decodes a packet header and vars block from the start of b and returns the vars
// and the packet's length (the body begins there). It is the inverse of Packet, for a
// relay that reads what a front forwarded.
func Parse(b []byte) (vars []Var, n int, err error) {
	if len(b) < HeaderSize {
		return nil, 0, fmt.Errorf("uwsgi packet: %d bytes, shorter than its %d-byte header", len(b), HeaderSize)
	}
	size := int(binary.LittleEndian.Uint16(b[1:3]))
	if len(b) < HeaderSize+size {
		return nil, 0, fmt.Errorf("uwsgi packet: the header announces %d bytes of vars, %d follow", size, len(b)-HeaderSize)
	}
	block := b[HeaderSize : HeaderSize+size]
	for len(block) > 0 {
		key, rest, ok := field(block)
		if !ok {
			return nil, 0, errors.New("uwsgi packet: a var key runs past the vars block")
		}
		val, rest, ok := field(rest)
		if !ok {
			return nil, 0, fmt.Errorf("uwsgi packet: the value of %.40q runs past the vars block", key)
		}
		vars = append(vars, Var{Key: key, Value: val})
		block = rest
	}
	return vars, HeaderSize + size, nil
}

// field reads one u16le-prefixed string.
func field(b []byte) (string, []byte, bool) {
	if len(b) < 2 {
		return "", nil, false
	}
	n := int(binary.LittleEndian.Uint16(b))
	if len(b) < 2+n {
		return "", nil, false
	}
	return string(b[2 : 2+n]), b[2+n:], true
}
