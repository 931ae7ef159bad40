package reference_test

// SpinAfterClientClose: the checks that end a body early with a FIN see the connection left
// open without an answer; what the server's CPU does is the fuzzer's spin watch's to see
// (fuzz: TestSpinWatchFindsASpinAfterFin).
func init() {
	moreMutations = append(moreMutations, mutation{"SpinAfterClientClose", "", []string{
		"rfc9112/6.3/incomplete-body-half-close", cin + "chunk-data", cin + "last-chunk"}})
}
