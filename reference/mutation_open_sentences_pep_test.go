package reference_test

// Mutation rows of the PEP 3333 open-sentence family (spec/open_sentences_pep.go) and of the
// judges that now read the probe's whole record.

func init() {
	moreMutations = append(moreMutations,
		mutation{"InputLinesUnsplit", "", []string{"pep3333/input/iteration", "pep3333/input/readlines"}},
		mutation{"ExcInfoBeforeHeadersRaises", "", []string{"pep3333/start-response/exc-info-replaces-headers"}},
		mutation{"UnprefixedServerVariable", "", []string{"pep3333/environ/server-variables-named"}},
		mutation{"RunOnceTrue", "", []string{"pep3333/environ/run-once-truthful"}},
		mutation{"FileWrapperNeedsFileno", "", []string{"pep3333/response/file-wrapper-filelike"}},
		mutation{"FileWrapperCloseSkipsFile", "", []string{"pep3333/response/file-wrapper-close"}},
		mutation{"RetryAfterFailedStartResponse", "", []string{"pep3333/start-response/retry-after-error"}},
		// Existing deviations that break these checks too.
		mutation{"DropEnviron", "wsgi.run_once", []string{"pep3333/environ/run-once-truthful"}},
		mutation{"SkipClose", "", []string{"pep3333/response/file-wrapper-close"}},
		mutation{"FileWrapperSendsEagerly", "", []string{"pep3333/response/file-wrapper-filelike"}},
	)
}
