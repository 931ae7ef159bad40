package spec

// Permissions (MAY sentences) whose choice a client sees: either choice conforms, and the
// verdict names the one the server made; only a behaviour outside the permission is a
// finding, and at MAY level that is still reported as info, never as a failure.

func init() {
	register(&Check{
		ID:    "rfc9110/10.1.1/unknown-expectation",
		Title: "an Expect other than 100-continue is answered 417 or served (the choice is reported)",
		Ref:   Ref{"RFC 9110", "10.1.1"}, Level: May, Area: "fields",
		Quote:   "A server that receives an Expect field value containing a member other than 100-continue MAY respond with a 417 (Expectation Failed) status code to indicate that the unexpected expectation cannot be met.",
		Observe: exchange(func(t *Target) []byte { return t.get("/unknown-expectation", "Expect: conform-unknown") }),
		Judge:   judgeUnknownExpectation,
	})
	register(&Check{
		ID:    "rfc9110/5.5/other-ctl-retained-or-refused",
		Title: "a control character (\\x01) in a field value is refused or retained as it came (the choice is reported)",
		Ref:   Ref{"RFC 9110", "5.5"}, Level: May, Area: "fields",
		Quote:   "Field values containing other CTL characters are also invalid; however, recipients MAY retain such characters for the sake of robustness when they appear within a safe context (e.g., an application-specific quoted string that will not be processed by any downstream HTTP parser).",
		Observe: exchange(func(t *Target) []byte { return t.get("/ctl", "X-Ctl: \"a\x01b\"") }),
		Judge:   judgeOtherCTL,
	})
}

// otherCTLValue is the field value of rfc9110/5.5/other-ctl-retained-or-refused: a CTL
// inside an application-specific quoted string, the safe context the sentence names.
const otherCTLValue = "\"a\x01b\""

func judgeOtherCTL(o *Observation) Verdict {
	r := o.Response(0, 0)
	if r == nil {
		return inconclusive("no response to a field value holding \\x01 (%s)", o.ending(0))
	}
	e, _, err := o.Echo(0, 0)
	if err != nil {
		if r.Status >= 400 && r.Status < 500 {
			return conforms("refused with %d %s: the value is invalid, and retaining it is the other choice RFC 9110 §5.5 allows", r.Status, r.Reason).behaving(BehaviourRefused)
		}
		return inconclusive("a field value holding \\x01 was answered %d %s, neither a refusal nor the app's echo", r.Status, r.Reason)
	}
	v, ok := str(e, "HTTP_X_CTL")
	switch {
	case ok && v == otherCTLValue:
		return conforms("retained: the app read X-Ctl as sent, \\x01 included (refusing is the other choice RFC 9110 §5.5 allows)").with("HTTP_X_CTL")
	case !ok:
		return violates("the request was served but X-Ctl never reached the app (%s): neither refused nor retained", describe(e, "HTTP_X_CTL")).with("HTTP_X_CTL")
	}
	return violates("the app read X-Ctl as %s, not the %s sent: the control character was neither refused nor retained but altered", quoteBytes(v), quoteBytes(otherCTLValue)).with("HTTP_X_CTL")
}

func judgeUnknownExpectation(o *Observation) Verdict {
	r := o.Response(0, 0)
	if r == nil {
		return violates("a GET with Expect: conform-unknown was neither refused with 417 nor served (%s)", o.ending(0))
	}
	if r.Status == 417 {
		return observed("refused with 417 %s: the server does not meet an expectation it does not know, as RFC 9110 §10.1.1 allows", r.Reason).behaving(BehaviourRefused)
	}
	if path, err := openEchoPath(o, 0, 0); err == nil && path == "/unknown-expectation" {
		return conforms("served: the app answered and the unknown expectation was ignored (answering 417 is the other choice RFC 9110 §10.1.1 allows)")
	}
	return violates("a GET with Expect: conform-unknown was answered %d %s: neither the 417 RFC 9110 §10.1.1 allows nor the app's answer", r.Status, r.Reason)
}
