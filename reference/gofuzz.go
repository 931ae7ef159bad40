//go:build gofuzz

package reference

// Fuzz is the go-fuzz (github.com/dvyukov/go-fuzz) entry point: it interprets data as the
// bytes of one connection. Inputs that yield at least one request are interesting (1); the
// others are kept with normal priority (0). It never returns -1: every input is valid.
func Fuzz(data []byte) int {
	in := Interpret(data, Limits{})
	if in.Consumed > len(data) {
		panic("reference: Consumed beyond the input")
	}
	prev := 0
	for _, r := range in.Requests {
		if r.Start < prev || r.End <= r.Start || r.End > len(data) {
			panic("reference: request offsets out of order")
		}
		prev = r.End
	}
	if len(in.Requests) > 0 {
		return 1
	}
	return 0
}
