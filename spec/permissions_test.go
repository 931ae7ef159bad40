package spec

// Recorded cases of the permission checks (permissions.go).

func init() { moreJudgeCases = append(moreJudgeCases, permissionCases) }

func permissionCases() []judgeCase {
	const expect = "rfc9110/10.1.1/unknown-expectation"
	req := reqGet("/unknown-expectation", "Expect: conform-unknown")
	answered := func(received string, closed bool) func() *Observation {
		return func() *Observation { return obs(exch(req, received, closed)) }
	}
	const ctl = "rfc9110/5.5/other-ctl-retained-or-refused"
	reqCTL := reqGet("/ctl", "X-Ctl: "+otherCTLValue)
	ctlAnswer := func(received string, closed bool) func() *Observation {
		return func() *Observation { return obs(exch(reqCTL, received, closed)) }
	}
	return []judgeCase{
		// h11-style parsers and the reference refuse every CTL but HTAB.
		passes(ctl, "refused", ctlAnswer(badRequest(), true), "refused with 400", "retaining it is the other choice"),
		passes(ctl, "retained", ctlAnswer(okEcho("GET", "/ctl", "", env("HTTP_X_CTL", otherCTLValue)), false), "retained", "refusing is the other choice"),
		fails(ctl, "replaced", ctlAnswer(okEcho("GET", "/ctl", "", env("HTTP_X_CTL", `"a b"`)), false), "altered", `"\"a b\""`),
		fails(ctl, "dropped", ctlAnswer(okEcho("GET", "/ctl", ""), false), "never reached the app", "HTTP_X_CTL absent"),
		gives(Inconclusive, ctl, "500", ctlAnswer(textResp("500 Internal Server Error", "boom"), true), "500"),
		// Most servers leave Expect to the app.
		passes(expect, "served", answered(okEcho("GET", "/unknown-expectation", ""), false), "served", "417 is the other choice"),
		gives(Observed, expect, "417", answered(textResp("417 Expectation Failed", "", "Connection: close"), true), "refused with 417", "allows"),
		fails(expect, "400", answered(badRequest(), true), "answered 400", "neither the 417"),
		fails(expect, "no answer", answered("", true), "neither refused with 417 nor served"),
	}
}
