package reference_test

// The mutation rows of the checks of the HTTP features a server may add (spec/http_features.go).

func init() {
	moreMutations = append(moreMutations,
		mutation{"ValidateAnyETag", "", []string{"pep3333/http-features/cache-validation"}},
		mutation{"RangeEndExclusive", "", []string{"pep3333/http-features/byte-range"}},
		// Ranging the app's 200 correctly is a permitted choice, reported (info) by byte-range.
		mutation{"RangeAppPartial", "", []string{"pep3333/http-features/app-range-kept", "pep3333/http-features/byte-range"}},
		mutation{"Strip304CacheFields", "", []string{"rfc9110/15.4.5/304-fields-kept"}},
		mutation{"ContentTypeOn304", "", []string{"rfc9110/15.4.5/304-no-added-metadata"}},
		// Rows the table already has: the checks of this family those deviations break too.
		mutation{"ZeroContentLengthOn304", "", []string{"rfc9110/15.4.5/304-no-added-metadata"}},
		mutation{"BodyOn304", "", []string{"rfc9110/15.4.5/304-no-added-metadata"}},
	)
}
