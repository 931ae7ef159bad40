package reference_test

// The mutation rows of the checks of the remaining open sentences of RFC 9112 and RFC 9110
// (spec/open_sentences_rfc.go).

func init() {
	moreMutations = append(moreMutations,
		mutation{"RejectEmptyLineBeforeRequest", "", []string{
			"rfc9112/2.2/empty-line-before-request/first", "rfc9112/2.2/empty-line-before-request/pipelined"}},
		mutation{"OmitCloseOption", "", []string{"rfc9112/9.6/close-option-sent"}},
		mutation{"DateExtraSpace", "", []string{"rfc9110/5.6.7/date-exact"}},
		// head-content-length compares the 501's Content-Length: 0 with GET's length.
		mutation{"RejectHEAD", "", []string{"rfc9110/8.6/head-content-length", "rfc9110/9.1/head-supported", "rfc9110/9.3.2/head-same-fields"}},
		mutation{"ServerTrailer", "", []string{"rfc9110/6.5.1/no-server-trailers"}},
		mutation{"ChunkSizeBWS", "", []string{"rfc9110/5.6.3/no-bws-in-chunk-lines"}},
		mutation{"ServerFieldNoSpace", "", []string{"rfc9110/5.6.3/field-ows-single-sp"}},
		mutation{"ServerRWSPadded", "", []string{"rfc9110/5.6.3/server-rws-single-sp"}},
		mutation{"ZeroContentLengthOn304", "", []string{"rfc9110/8.6/304-content-length"}},
		mutation{"DowngradeByUserAgent", "", []string{"rfc9112/2.3/no-downgrade"}},
		mutation{"RequestLineLimit4094", "", []string{"rfc9112/3/request-line-8000"}},
		mutation{"LongMethod400", "", []string{"rfc9112/3/long-method-501"}},
		mutation{"EmptyListElement", "", []string{"rfc9110/5.6.1.1/no-empty-list-elements"}},
		mutation{"DuplicateOwnFields", "", []string{"rfc9110/5.3/no-duplicate-own-fields"}},
		mutation{"HeadDropsAppFields", "", []string{"rfc9110/9.3.2/head-same-fields"}},
		mutation{"ResponseCodingNotFinal", "", []string{"rfc9112/6.1/response-coding-chunked-last"}},
		// Rows the table already has: the checks of this family those deviations break too.
		// A server that ignores "Connection: close" keeps the connection and sends no close option.
		mutation{"IgnoreConnectionClose", "", []string{"rfc9112/9.6/close-option-sent"}},
		mutation{"UnknownMethodAsGET", "", []string{"rfc9112/3/long-method-501"}},
		mutation{"UndelimitedBody", "", []string{"rfc9112/6.3/delimited-when-possible"}},
		// What the app passes, sent as given.
		mutation{"AllowHeaderCRLF", "", []string{"rfc9112/5.2/no-obs-fold-sent"}},
		mutation{"AllowInvalidHeaderNames", "", []string{"rfc9112/2.2/no-leading-whitespace-field"}},
		// Serving the request with the gzip parameter: no coding seen, or chunked found in the list.
		mutation{"NoChunkedSupport", "", []string{"rfc9112/7.2/compression-parameter"}},
		mutation{"TransferEncodingExactChunked", "", []string{"rfc9112/7.2/compression-parameter"}},
		mutation{"AcceptTENotFinalChunked", "", []string{"rfc9112/7.2/compression-parameter"}},
		// Closing after the POST leaves the empty line unread: not applicable when announced,
		// inconclusive when silent (the server may have refused the empty line without a word).
		mutation{"SilentClose", "", []string{"rfc9112/2.2/empty-line-before-request/pipelined"}},
	)
}
