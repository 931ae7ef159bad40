// Package matchers holds Gomega matchers for conform's observations, so a server maintainer
// can write their own Ginkgo specs against the probe their server hosts (probes.Write):
//
//	t := spec.NewTarget("127.0.0.1:8000")
//	x, err := t.Do(ctx, wire.Request([]byte("GET /caf%C3%A9 HTTP/1.1\r\nHost: h\r\n\r\n")))
//	Expect(err).NotTo(HaveOccurred())
//	Expect(x).To(matchers.HaveResponseStatus(200))
//	Expect(x.Responses[0]).To(matchers.HaveHeader("Content-Type", "application/json"))
//	e := matchers.EchoOf(x.Responses[0])
//	Expect(e).To(matchers.HaveEnviron("PATH_INFO", "/caf\xc3\xa9"))
//	Expect(e).To(matchers.HaveNativeStr("PATH_INFO"))
//
//	c, _ := spec.Lookup("rfc9112/3.2/missing-host")
//	Expect(spec.RunOne(ctx, t, c, 0)).To(matchers.PassCheck())
//
// Everything it takes is public (wire, spec, probes, reference), so it works from another
// module; testdata/external is one, and its suite uses every matcher.
package matchers

import (
	"fmt"

	"github.com/onsi/gomega/types"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/spec"
	"github.com/conform-wsgi/conform/wire"
)

// matcher is a small Gomega matcher built from a predicate and its two messages.
type matcher struct {
	match func(actual interface{}) (bool, error)
	fail  func(actual interface{}) string
	neg   func(actual interface{}) string
}

func (m matcher) Match(actual interface{}) (bool, error)          { return m.match(actual) }
func (m matcher) FailureMessage(actual interface{}) string        { return m.fail(actual) }
func (m matcher) NegatedFailureMessage(actual interface{}) string { return m.neg(actual) }

// EchoOf decodes a response as the probe's echo document; nil when it is not one.
func EchoOf(r *wire.Response) *probes.Echo {
	if r == nil {
		return nil
	}
	e, err := probes.Decode(r.Body)
	if err != nil {
		return nil
	}
	return e
}

func asEcho(actual interface{}) (*probes.Echo, error) {
	switch v := actual.(type) {
	case *probes.Echo:
		if v == nil {
			return nil, fmt.Errorf("echo is nil (the response was not a probe echo)")
		}
		return v, nil
	case *wire.Response:
		if e := EchoOf(v); e != nil {
			return e, nil
		}
		return nil, fmt.Errorf("response %d is not a probe echo", v.Status)
	}
	return nil, fmt.Errorf("expected *probes.Echo or *wire.Response, got %T", actual)
}

// HaveEnviron matches an echo whose environ holds key as a native str equal to value,
// where value is the byte string PEP 3333 means (each byte one latin-1 code point).
func HaveEnviron(key, value string) types.GomegaMatcher {
	show := func(actual interface{}) string {
		e, err := asEcho(actual)
		if err != nil {
			return err.Error()
		}
		v, ok := e.Env(key)
		if !ok {
			return key + " is absent"
		}
		return fmt.Sprintf("%s is %s %q", key, v.Type, v.Value)
	}
	return matcher{
		match: func(actual interface{}) (bool, error) {
			e, err := asEcho(actual)
			if err != nil {
				return false, err
			}
			v, ok := e.Env(key)
			if !ok || v.Type != "str" {
				return false, nil
			}
			b, ok := v.Bytes()
			return ok && string(b) == value, nil
		},
		fail: func(actual interface{}) string {
			return fmt.Sprintf("expected environ %s == %q, but %s", key, value, show(actual))
		},
		neg: func(actual interface{}) string { return fmt.Sprintf("expected environ %s != %q", key, value) },
	}
}

// HaveNativeStr matches an echo whose environ holds key as a native str.
func HaveNativeStr(key string) types.GomegaMatcher {
	return matcher{
		match: func(actual interface{}) (bool, error) {
			e, err := asEcho(actual)
			if err != nil {
				return false, err
			}
			v, ok := e.Env(key)
			return ok && v.Native, nil
		},
		fail: func(actual interface{}) string { return fmt.Sprintf("expected environ %s to be a native str", key) },
		neg:  func(actual interface{}) string { return fmt.Sprintf("expected environ %s not to be a native str", key) },
	}
}

// HaveResponseStatus matches an exchange whose first response has the status, or a
// response with that status.
func HaveResponseStatus(code int) types.GomegaMatcher {
	status := func(actual interface{}) (int, error) {
		switch v := actual.(type) {
		case *wire.Response:
			return v.Status, nil
		case *wire.Exchange:
			if len(v.Responses) == 0 {
				return 0, nil
			}
			return v.Responses[0].Status, nil
		}
		return 0, fmt.Errorf("expected *wire.Exchange or *wire.Response, got %T", actual)
	}
	return matcher{
		match: func(actual interface{}) (bool, error) {
			s, err := status(actual)
			return s == code, err
		},
		fail: func(actual interface{}) string {
			s, _ := status(actual)
			if s == 0 {
				return fmt.Sprintf("expected a %d response, but no response arrived", code)
			}
			return fmt.Sprintf("expected status %d, got %d", code, s)
		},
		neg: func(actual interface{}) string { return fmt.Sprintf("expected a status other than %d", code) },
	}
}

// HaveHeader matches a response carrying the header with the value.
func HaveHeader(name, value string) types.GomegaMatcher {
	return matcher{
		match: func(actual interface{}) (bool, error) {
			r, ok := actual.(*wire.Response)
			if !ok {
				return false, fmt.Errorf("expected *wire.Response, got %T", actual)
			}
			for _, v := range r.Values(name) {
				if v == value {
					return true, nil
				}
			}
			return false, nil
		},
		fail: func(actual interface{}) string {
			r, _ := actual.(*wire.Response)
			var got []string
			if r != nil {
				got = r.Values(name)
			}
			return fmt.Sprintf("expected header %s: %s, got %q", name, value, got)
		},
		neg: func(actual interface{}) string { return fmt.Sprintf("expected no header %s: %s", name, value) },
	}
}

// PassCheck matches a spec.Result that passed; its failure message is the check's own
// explanation with the spec sentence, so a failing spec reads like a conform report.
func PassCheck() types.GomegaMatcher {
	return HaveStatus(spec.Pass)
}

// HaveStatus matches a spec.Result with one of the given statuses.
func HaveStatus(statuses ...spec.Status) types.GomegaMatcher {
	return matcher{
		match: func(actual interface{}) (bool, error) {
			r, ok := actual.(*spec.Result)
			if !ok || r == nil {
				return false, fmt.Errorf("expected *spec.Result, got %T", actual)
			}
			for _, s := range statuses {
				if r.Status == s {
					return true, nil
				}
			}
			return false, nil
		},
		fail: func(actual interface{}) string {
			r, _ := actual.(*spec.Result)
			if r == nil {
				return "no result"
			}
			return fmt.Sprintf("%s: expected %v, got %s\n  %s\n  %s: %q", r.Check.ID, statuses, r.Status, r.Message, r.Check.Ref, r.Check.Quote)
		},
		neg: func(actual interface{}) string {
			r, _ := actual.(*spec.Result)
			if r == nil {
				return "no result"
			}
			return fmt.Sprintf("%s: expected a status other than %v: %s", r.Check.ID, statuses, r.Message)
		},
	}
}
