package reference_test

// Mutation rows of the application-object family (spec/pep3333_application_object.go).

func init() {
	moreMutations = append(moreMutations,
		mutation{"CallableInstanceRefused", "", []string{"pep3333/response/callable-instance-served"}},
		mutation{"AppCalledWithKeywords", "", []string{"pep3333/response/positional-arguments"}},
		mutation{"IterableFilenoProbed", "", []string{"pep3333/response/iterable-attributes-unused"}},
		mutation{"ExcInfoRetained", "", []string{"pep3333/start-response/exc-info-released"}},
		mutation{"WriteHeldUntilReturn", "", []string{"pep3333/start-response/write-unbuffered"}},
		mutation{"FileWrapperOfRequestSent", "", []string{"pep3333/response/file-wrapper-only-when-returned"}},
		// Existing deviations that break these checks too.
		mutation{"BufferStreamedBody", "", []string{"pep3333/start-response/write-unbuffered"}},
		mutation{"FileWrapperSendsEagerly", "", []string{"pep3333/response/file-wrapper-only-when-returned"}},
		mutation{"WriteCallableBroken", "", []string{"pep3333/start-response/write-unbuffered"}},
		mutation{"ExcInfoBeforeHeadersRaises", "", []string{"pep3333/start-response/exc-info-released"}},
	)
}
