package reference_test

// The mutation rows of the checks of the open sentences judged on the wire
// (spec/rfc_open_wire.go).

func init() {
	ws := func(vs ...string) []string {
		var ids []string
		for _, v := range vs {
			ids = append(ids, "rfc9112/3/whitespace-separators/"+v)
		}
		return ids
	}
	moreMutations = append(moreMutations,
		// The parts are not checked, so invalid versions and a target with a space are served too.
		mutation{"RequestLineNaiveSplit", "", append(ws("htab", "double-sp", "vt", "ff", "trailing-htab"),
			"rfc9112/2.3/version-invalid/leading-zero", "rfc9112/2.3/version-invalid/lowercase-name",
			"rfc9112/2.3/version-invalid/space-after-slash", "rfc9112/2.3/version-invalid/three-parts",
			"rfc9112/2.3/version-invalid/two-digit-minor", "rfc9112/3/invalid-request-line")},
		mutation{"LongTarget400", "", []string{"rfc9112/3/long-target-414"}},
		mutation{"AbsoluteFormKeepsHost", "", []string{"rfc9112/3.2.2/absolute-form-host"}},
		mutation{"HeadEndsOnPause", "", []string{"rfc9110/5.3/whole-header-section"}},
		mutation{"ConnectContentLength", "", []string{"rfc9110/8.6/connect-2xx-no-content-length"}},
		mutation{"ConnectChunked", "", []string{"rfc9112/6.1/connect-2xx-no-te"}},
		mutation{"SingleBlockUncounted", "", []string{"rfc9110/8.6/known-length-http10"}},
		mutation{"IdleTimeoutReset", "", []string{"rfc9112/9.5/graceful-timeout"}},
		mutation{"IgnoreClientClose", "", []string{"rfc9112/9.5/closure-monitored"}},
		// Deviations of other families that these checks see too: kept whitespace makes the
		// late field's value differ, early headers leave an HTTP/1.0 body uncounted, and a
		// version taken whole keeps its trailing tab.
		mutation{"KeepHeaderWhitespace", "", []string{"rfc9110/5.3/whole-header-section"}},
		mutation{"SendHeadersEarly", "", []string{"rfc9110/8.6/known-length-http10"}},
		mutation{"EchoAnyHTTPVersion", "", ws("trailing-htab")},
	)
}
