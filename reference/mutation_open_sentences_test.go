package reference_test

// The mutation rows of the checks of the trace's open sentences (spec/open_sentences.go).

func init() {
	moreMutations = append(moreMutations,
		mutation{"LeaveUnreadBody", "", []string{
			"rfc9110/10.1.1/final-response-before-body",
			"rfc9112/9.3/unread-body/chunked", "rfc9112/9.3/unread-body/content-length", "rfc9112/9.3/unread-body/expect-continue"}},
		mutation{"ShortBodyComplete", "", []string{"rfc9112/6.3/incomplete-body-half-close"}},
		mutation{"ServeAfterOwnClose", "", []string{"rfc9112/9.6/own-close-honoured"}},
		mutation{"MergeTrailers", "", []string{"rfc9110/6.5.1/trailer-not-merged", "rfc9112/7.1.2/trailer-not-merged"}},
		// Chunking over the app's Content-Length also stops enforcing it, either way.
		mutation{"ContentLengthWithChunked", "", []string{
			"pep3333/response/content-length-not-exceeded", "pep3333/response/file-wrapper-position",
			"pep3333/response/short-content-length-closes", "rfc9112/6.2/no-content-length-with-te"}},
		mutation{"CountedContentLength", "", []string{"rfc9110/8.6/head-content-length", "rfc9110/8.6/no-content-length-in-204"}},
		mutation{"SwitchingProtocolsWithoutUpgrade", "", []string{"rfc9110/15.2.2/101-without-upgrade"}},
		mutation{"SilentFieldLimits", "", []string{"rfc9110/5.4/large-fields/lines-2000", "rfc9110/5.4/large-fields/value-64k"}},
		mutation{"FileWrapperFromStart", "", []string{"pep3333/response/file-wrapper-generated-length", "pep3333/response/file-wrapper-position"}},
		// File bytes sent before the response head leave no response to judge (error) in the
		// other file-wrapper checks.
		mutation{"FileWrapperSendsEagerly", "", []string{
			"pep3333/response/file-wrapper-generated-length", "pep3333/response/file-wrapper-not-returned",
			"pep3333/response/file-wrapper-position"}},
		mutation{"AppErrorDropsConnection", "", []string{"pep3333/response/app-error-before-start"}},
		mutation{"AppErrorCompletesResponse", "", []string{"pep3333/response/app-error-mid-body"}},
		mutation{"EmptyAuthVariables", "", []string{"pep3333/environ/missing-variables-absent"}},
		mutation{"EnvironSubclass", "", []string{"pep3333/environ/environ-is-dict"}},
		mutation{"NonLatin1HeadersUTF8", "", []string{"pep3333/start-response/header-not-latin1-refused"}},
		// Rows the table already has: the checks of this family those deviations break too.
		mutation{"AllowHopByHop", "", []string{"rfc9112/6.1/no-double-chunking"}},
		// The empty 204 gets Content-Length: 0, the one with a body Transfer-Encoding.
		mutation{"BodyOn204", "", []string{"rfc9110/8.6/no-content-length-in-204", "rfc9112/6.1/no-te-in-204"}},
		mutation{"ContentLengthOverrun", "", []string{"pep3333/response/file-wrapper-position"}},
		// A buffering server that drops what it held when the app raises sends no block.
		mutation{"BufferStreamedBody", "", []string{"pep3333/response/app-error-mid-body"}},
	)
}
