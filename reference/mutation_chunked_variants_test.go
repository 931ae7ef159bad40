package reference_test

// The mutation rows of the chunked-body checks (spec/rfc9112_chunked_variants.go): the
// announcement of a decoded body, chunk-line spellings and streams that end early.

const (
	csi = "rfc9112/7.1/chunk-size-invalid/"
	cle = "rfc9112/7.1/chunk-line-ending/"
	cei = "rfc9112/7.1.1/chunk-ext-invalid/"
	csv = "rfc9112/7.1/chunk-size-valid/"
	cin = "rfc9112/7.1/chunked-incomplete/"
)

func init() {
	moreMutations = append(moreMutations,
		mutation{"NoInputTerminated", "", []string{"pep3333/input/chunked-body-announced"}},

		// Existing deviations of the chunk-size parser take some spellings too.
		mutation{"AcceptChunkSizePrefix", "", []string{csi + "leading-tab", csi + "trailing-space"}},
		mutation{"ChunkSizeHexPrefix", "", []string{csi + "vertical-tab", csi + "form-feed", csi + "trailing-space", cei + "vertical-tab", cei + "bare-cr"}},
		mutation{"ChunkSizePythonInt", "", []string{csi + "vertical-tab", csi + "form-feed", csi + "leading-tab", csi + "trailing-space", cei + "vertical-tab", cei + "bare-cr"}},
		mutation{"RejectChunkExtensions", "", []string{csv + "last-chunk-extension"}},
		// Ending the body at the last-chunk line also takes a stream cut short there for whole.
		mutation{"MishandleTrailers", "", []string{cle + "trailer-lf", cle + "final-cr", cin + "last-chunk"}},

		mutation{"ChunkLinesReadline", "", []string{
			cle + "size-lf", cle + "data-lf", cle + "last-chunk-lf", cei + "lf-in-quoted-string", cei + "vertical-tab", cei + "bare-cr",
			"rfc9112/7.1.1/chunk-extension-quoted-bws"}},
		mutation{"ChunkLinesEndAtCR", "", []string{cle + "size-cr", cle + "data-cr", cle + "last-chunk-cr", cle + "final-cr"}},
		mutation{"TrailerLinesUnchecked", "", []string{cle + "trailer-lf", cle + "final-lf", cle + "final-cr"}},
		mutation{"ChunkSizeNegativeStalls", "", []string{csi + "minus"}},
		mutation{"ChunkSizeStrInt", "", []string{
			csi + "nbsp", csi + "vertical-tab", csi + "form-feed", csi + "leading-tab", csi + "trailing-space", cei + "vertical-tab", cei + "bare-cr",
			"rfc9112/7.1/chunk-size-sign", "rfc9112/7.1/chunk-size-0x-prefix", "rfc9112/7.1/chunk-size-leading-space", "rfc9112/7.1/chunk-size-underscore"}},
		mutation{"SkipEmptyChunkLines", "", []string{csi + "empty"}},
		mutation{"ChunkSizeLowerHexOnly", "", []string{csv + "upper-case-hex"}},
		mutation{"LastChunkLiteralZero", "", []string{csv + "leading-zeros", csv + "last-chunk-extension", "rfc9112/7.1.1/chunk-extensions-ignored"}},
		mutation{"ChunkedEOFComplete", "", []string{cin + "chunk-data", cin + "last-chunk"}},
	)
}
