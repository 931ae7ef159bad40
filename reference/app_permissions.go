package reference

// unknownExpectation says an Expect field value has a member other than 100-continue, which
// the reference ignores (RFC 9110 §10.1.1 lets a server answer 417 instead; either conforms)
// and Deviations.UnknownExpectation400 refuses with a 400, neither of the two.
func unknownExpectation(expect [][]byte) bool {
	for _, v := range expect {
		for _, m := range listMembers(v) {
			if len(m) > 0 && lowerASCII(m) != "100-continue" {
				return true
			}
		}
	}
	return false
}
