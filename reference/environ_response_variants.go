package reference

import (
	"strings"
	"unicode/utf8"
)

// The environ and response variants (spec/pep3333_environ_variants.go,
// spec/pep3333_response_variants.go): their probe scenario, registered here so the scenario
// tables of app.go stay as they are, and helpers of their deviations.

func init() {
	jsonScenarios["raw-status"] = (*probeRequest).rawStatus
}

// rawStatus is scenario_raw_status: start_response with the status exactly as decoded,
// reporting whether the gateway refused it.
func (r *probeRequest) rawStatus() (*appIter, error) {
	status, err := r.rawText("status")
	if err != nil {
		return nil, err
	}
	body := dumps(r.document(map[string]any{"start_response": "returned"}))
	if _, err := r.start(status, headers(jsonType, contentLength(len(body))), nil); err != nil {
		text, ok := pyException(err)
		if !ok {
			return nil, err
		}
		body = dumps(r.document(map[string]any{"start_response": "raised", "exception": text}))
		// exc_info lets a gateway that already stored the first status replace it.
		if _, err := r.start("500 Internal Server Error", headers(jsonType, contentLength(len(body))), err); err != nil {
			return nil, err
		}
	}
	return listIter(body), nil
}

// latin1TextAsUTF8 is the UTF-8 encoding of the bytes read as latin-1 text: each byte above
// 0x7F becomes two (Deviations.RawTargetBytesReencoded).
func latin1TextAsUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+8)
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}

// leadingNumber is the number the status starts with: its three-digit code, or with
// Deviations.AcceptAnyStatus whatever digits it starts with (int(status.split()[0])).
func leadingNumber(status string) int {
	n := 0
	for i := 0; i < len(status) && isDigit(status[i]) && n < 1e6; i++ {
		n = n*10 + int(status[i]-'0')
	}
	return n
}

// statusText is the application's status as the status line carries it: its latin-1 bytes
// as they are (PEP 3333: bytes in a str), unless a deviation changes them.
func (x *exchange) statusText() string {
	s := x.status
	if x.dev.StatusTrailingSpaceTrimmed {
		s = strings.TrimRight(s, " ")
	}
	if x.dev.StatusUTF8 {
		s = string(latin1TextAsUTF8([]byte(s)))
	}
	return s
}
