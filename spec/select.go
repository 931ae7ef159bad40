package spec

// Unmatched returns the patterns (as --only and --skip take them) that select none of
// checks, in the order given.
func Unmatched(checks []*Check, patterns []string) []string {
	var out []string
	for _, p := range patterns {
		found := false
		for _, c := range checks {
			if matchAny(c, []string{p}) {
				found = true
				break
			}
		}
		if !found {
			out = append(out, p)
		}
	}
	return out
}
