package reference_test

// The mutation row of the permission checks (spec/permissions.go): behaviour outside what
// the MAY sentence permits, reported as info at MAY level.

func init() {
	moreMutations = append(moreMutations,
		mutation{"UnknownExpectation400", "", []string{"rfc9110/10.1.1/unknown-expectation"}},
		// \x0b and \x1c around a value are CTLs too, and their checks see them altered.
		mutation{"CTLReplaced", "", []string{"rfc9110/5.5/field-value-whitespace/fs", "rfc9110/5.5/field-value-whitespace/vt", "rfc9110/5.5/other-ctl-retained-or-refused"}},
	)
}
