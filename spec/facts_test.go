package spec

import (
	"context"
	"strings"
	"testing"
)

// factChecks are the checks whose Facts a report reads instead of their message, and the
// facts each verdict of theirs must carry.
var factChecks = map[string]func(v Verdict) bool{
	"rfc9112/7.1/chunked-body": func(v Verdict) bool {
		switch v.Behaviour {
		case BehaviourDecoded:
			return v.Outcome == Conforms
		case BehaviourRefused411:
			return v.Outcome == Observed
		case BehaviourRefused, BehaviourNotRead, BehaviourMangled:
			return v.Outcome == Violates
		}
		return false
	},
	"rfc9112/9.3.2/pipelined-responses-in-order": func(v Verdict) bool {
		if v.Outcome == Violates {
			return true // the capability reads the status
		}
		return v.Behaviour == BehaviourInOrder || v.Behaviour == BehaviourClosesEarly
	},
	"conform/concurrency/blocking-capacity": func(v Verdict) bool {
		c := v.Concurrency
		return c != nil && c.Effective > 0 && c.Processes > 0 && c.Threads >= c.Processes
	},
}

// TestVerdictsCarryTheirFacts: every recorded case of those checks that reaches a verdict
// says what the server did as data, consistent with the outcome.
func TestVerdictsCarryTheirFacts(t *testing.T) {
	seen := map[string]int{}
	for _, tc := range judgeCases() {
		ok, judged := factChecks[tc.id]
		if !judged {
			continue
		}
		c, _ := Lookup(tc.id)
		v := c.Judge(tc.obs())
		if v.Outcome == Inconclusive || v.Outcome == NotApplicable {
			continue
		}
		seen[tc.id]++
		if !ok(v) {
			t.Errorf("%s / %s: %v verdict with behaviour %q, concurrency %+v", tc.id, tc.name, v.Outcome, v.Behaviour, v.Concurrency)
		}
		if f := factsOf(tc.obs(), v); f.Behaviour != v.Behaviour || f.Concurrency != v.Concurrency {
			t.Errorf("%s / %s: the result's facts %+v lose the verdict's", tc.id, tc.name, f)
		}
	}
	for id := range factChecks {
		if seen[id] < 2 {
			t.Errorf("%s: %d recorded verdicts; the facts are not exercised", id, seen[id])
		}
	}
}

// TestSkipsAndAbortsCarryTheirFacts: why a check did not run is data: the prerequisite and
// its status, the check during which the target died, an interrupt.
func TestSkipsAndAbortsCarryTheirFacts(t *testing.T) {
	c := &Check{ID: "a/x/depends", Requires: []string{"z/x/base", "z/x/other"}}
	r := unmet(c, map[string]*Result{"z/x/base": {Status: Pass}, "z/x/other": {Status: Warn}})
	if r == nil || r.Status != Skip || r.Facts.SkippedFor != "z/x/other" || r.Facts.SkippedForStatus != Warn {
		t.Fatalf("skipped for a prerequisite: %+v", r)
	}
	if r := unmet(c, map[string]*Result{"z/x/base": {Status: Pass}}); r != nil {
		t.Fatalf("skipped with every prerequisite passed: %+v", r)
	}
	if r := notRunAfterDeath(c, "k/x/killer"); r.Status != Skip || r.Facts.TargetDiedDuring != "k/x/killer" || !strings.Contains(r.Message, "k/x/killer") {
		t.Fatalf("not run after a death: %+v", r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rs := Run(ctx, &Target{}, []*Check{c}, RunOptions{})
	if len(rs) != 1 || rs[0].Status != Skip || !rs[0].Facts.Interrupted {
		t.Fatalf("an interrupted run: %+v", rs[0])
	}
}

// TestHTTP11RequirementsOnAnHTTP10Server: a violation of a requirement that binds HTTP/1.1
// implementations only is an observation when the server answered as HTTP/1.0, with what
// it did kept; the same violation answered as HTTP/1.1, and any requirement that binds
// every version, stays a violation.
func TestHTTP11RequirementsOnAnHTTP10Server(t *testing.T) {
	tried := 0
	for _, tc := range judgeCases() {
		c, _ := Lookup(tc.id)
		if tc.want != Violates || (tc.id != "rfc9112/7.1/chunked-body" && tc.id != "rfc9112/6.3/content-length-plus") {
			continue
		}
		o := tc.obs()
		r := o.Response(0, 0)
		if r == nil || r.Proto != "HTTP/1.1" {
			continue
		}
		v := c.Judge(o)
		if got := applicable(c, o, v); got.Outcome != Violates {
			t.Errorf("%s / %s answered as HTTP/1.1: %v", tc.id, tc.name, got.Outcome)
		}
		r.Proto = "HTTP/1.0"
		got := applicable(c, o, v)
		switch {
		case !c.HTTP11 && got.Outcome != Violates:
			t.Errorf("%s binds every version, and answered as HTTP/1.0 it is %v", tc.id, got.Outcome)
		case c.HTTP11 && (got.Outcome != Observed || !strings.Contains(got.Message, v.Message) || !strings.Contains(got.Message, "HTTP/1.0")):
			t.Errorf("%s / %s answered as HTTP/1.0: %v %q", tc.id, tc.name, got.Outcome, got.Message)
		}
		tried++
	}
	if tried < 3 {
		t.Fatalf("%d recorded violations answered as HTTP/1.1 to try", tried)
	}
}
