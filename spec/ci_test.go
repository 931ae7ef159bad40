package spec

// Tests of what makes a run fit for CI: stable IDs with aliases, timing checks measured
// again and reported flaky, a target that dies mid-run, the calibrated round trip.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/wire"
)

// renames are the check IDs that changed, old -> new. An old ID must keep working.
var renames = map[string]string{
	"rfc9112/9.6/close-announced":         "rfc9112/9.3/close-announced",
	"rfc9110/5.1/invalid-field-name":      "rfc9112/5/invalid-field-name",
	"rfc9112/6.3/content-length-overflow": "rfc9110/8.6/content-length-overflow",
}

func TestNoAliasCollidesWithAnID(t *testing.T) {
	owner := map[string]string{}
	for _, c := range All() {
		for _, name := range c.names() {
			if prev, dup := owner[name]; dup {
				t.Errorf("%q names both %s and %s", name, prev, c.ID)
			}
			owner[name] = c.ID
		}
		for _, a := range c.Aliases {
			if a == c.ID {
				t.Errorf("%s lists itself as an alias", c.ID)
			}
			if strings.Count(a, "/") != 2 {
				t.Errorf("%s: alias %q is not <document>/<section>/<slug>", c.ID, a)
			}
		}
	}
	// register refuses a collision at start-up too.
	defer func(saved []*Check) { registry = saved }(append([]*Check(nil), registry...))
	for _, bad := range []*Check{
		{ID: "x/1/new", Aliases: []string{"rfc9112/3.2/missing-host"}},
		{ID: "rfc9112/6.3/content-length-overflow"},
		{ID: "x/1/other", Aliases: []string{"rfc9112/9.6/close-announced"}},
	} {
		bad.Title, bad.Quote = "t", "q"
		bad.Observe = fixedObserve(obs(), nil)
		bad.Judge = func(*Observation) Verdict { return conforms("") }
		func() {
			defer func() {
				if p := recover(); p == nil || !strings.Contains(p.(string), "reuses the ID or alias") {
					t.Errorf("register(%s %v) did not refuse the collision: %v", bad.ID, bad.Aliases, p)
				}
			}()
			register(bad)
		}()
	}
}

func TestRenamedChecksAnswerToTheirOldIDs(t *testing.T) {
	for old, now := range renames {
		c, ok := Lookup(old)
		if !ok || c.ID != now {
			t.Errorf("Lookup(%q) = %v, %v; want %s", old, c, ok, now)
			continue
		}
		if !reflect.DeepEqual(c.Aliases, []string{old}) {
			t.Errorf("%s aliases %q", now, c.Aliases)
		}
		if _, ok := Lookup(now); !ok {
			t.Errorf("Lookup(%q) failed", now)
		}
		// --only and --skip written against the old ID, its section or a glob over it keep
		// selecting the renamed check.
		sec := old[:strings.LastIndex(old, "/")]
		for _, p := range []string{old, sec, sec + "/*"} {
			got, err := Select(All(), []string{p}, nil)
			if err != nil || !containsID(got, now) {
				t.Errorf("--only %s does not select %s: %v", p, now, err)
			}
			got, err = Select(All(), nil, []string{p})
			if err != nil || containsID(got, now) {
				t.Errorf("--skip %s does not skip %s: %v", p, now, err)
			}
		}
	}
	if _, ok := Lookup("rfc9112/9.6/no-such-check"); ok {
		t.Error("Lookup found a check that does not exist")
	}
}

func containsID(cs []*Check, id string) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}

func TestTimingChecksAreMarked(t *testing.T) {
	want := map[string]bool{
		"pep3333/response/streaming-unbuffered":             true,
		"pep3333/start-response/write-unbuffered":           true,
		"pep3333/response/expect-continue-interim":          true,
		"pep3333/start-response/close-called-on-disconnect": true,
		"conform/concurrency/slow-headers-isolated":         true,
		"conform/concurrency/slow-body-isolated":            true,
		"rfc9112/9.8/incomplete-close-tolerated":            true,
	}
	for _, c := range All() {
		if c.Area == "concurrency" {
			want[c.ID] = true
		}
	}
	for _, c := range All() {
		if c.Timing != want[c.ID] {
			t.Errorf("%s: Timing %v, want %v", c.ID, c.Timing, want[c.ID])
		}
		delete(want, c.ID)
	}
	for id := range want {
		t.Errorf("timing check %s is not in the catalog", id)
	}
}

// sequenceCheck is a timing check whose k-th trial reaches outcomes[k] (the last one
// repeating), with a connection-free observation so no liveness probe is made.
func sequenceCheck(id string, level Level, outcomes ...Outcome) (*Check, *int) {
	n := new(int)
	c := fakeCheck(id, "concurrency")
	c.Level, c.Timing = level, true
	c.Judge = func(*Observation) Verdict {
		o := outcomes[min(*n, len(outcomes)-1)]
		*n++
		return Verdict{Outcome: o, Message: "trial said " + [...]string{"conforms", "violates", "observed", "inconclusive", "n/a"}[o]}
	}
	return c, n
}

func TestTimingChecksAreMeasuredAgainAndFlakyWhenTrialsDisagree(t *testing.T) {
	target := NewTarget("127.0.0.1:1")
	for _, tc := range []struct {
		name     string
		timing   bool
		level    Level
		outcomes []Outcome
		trials   int
		want     Status
		calls    int
		statuses []Status
		msg      string
	}{
		{"passes at once", true, Must, []Outcome{Conforms}, 0, Pass, 1, nil, "trial said conforms"},
		{"fails then passes", true, Must, []Outcome{Violates, Conforms}, 0, Flaky, 2, []Status{Fail, Pass}, "trial 1: fail: trial said violates; trial 2: pass: trial said conforms"},
		{"fails, fails, passes", true, Must, []Outcome{Violates, Violates, Conforms}, 0, Flaky, 3, []Status{Fail, Fail, Pass}, "the 3 trials disagree"},
		{"fails every time", true, Must, []Outcome{Violates}, 0, Fail, 3, []Status{Fail, Fail, Fail}, "trial said violates [the same in 3 trials]"},
		{"a May violation is measured again too", true, May, []Outcome{Violates, Conforms}, 0, Flaky, 2, []Status{Info, Pass}, "trial 1: info"},
		{"inconclusive then fails", true, Should, []Outcome{Inconclusive, Violates}, 0, Flaky, 2, []Status{Error, Warn}, "trial 2: warn"},
		{"not applicable is not measured again", true, Must, []Outcome{NotApplicable, Conforms}, 0, Skip, 1, nil, ""},
		{"one trial when asked", true, Must, []Outcome{Violates, Conforms}, 1, Fail, 1, nil, "trial said violates"},
		{"five trials when asked", true, Must, []Outcome{Violates}, 5, Fail, 5, []Status{Fail, Fail, Fail, Fail, Fail}, "the same in 5 trials"},
		{"checks that do not measure time run once", false, Must, []Outcome{Violates, Conforms}, 0, Fail, 1, nil, "trial said violates"},
	} {
		c, calls := sequenceCheck("conform/test/timed", tc.level, tc.outcomes...)
		c.Timing = tc.timing
		rs := Run(context.Background(), target, []*Check{c}, RunOptions{Trials: tc.trials})
		r := rs[0]
		if r.Status != tc.want || *calls != tc.calls || !reflect.DeepEqual(r.Trials, tc.statuses) || !strings.Contains(r.Message, tc.msg) {
			t.Errorf("%s: status %s after %d trials %v, message %q; want %s after %d trials %v, message with %q",
				tc.name, r.Status, *calls, r.Trials, r.Message, tc.want, tc.calls, tc.statuses, tc.msg)
		}
	}

	// A flaky prerequisite does not pass: its dependents are skipped, not failed in cascade.
	base, _ := sequenceCheck("conform/test/base", Must, Violates, Conforms)
	dep := fakeCheck("conform/test/dependent", "concurrency", "conform/test/base")
	rs := Run(context.Background(), target, []*Check{dep, base}, RunOptions{})
	if rs[0].Status != Flaky || rs[1].Status != Skip || !strings.Contains(rs[1].Message, "(flaky)") {
		t.Errorf("flaky prerequisite: %s, dependent %s %q", rs[0].Status, rs[1].Status, rs[1].Message)
	}
}

// A trial whose verdict no load can cause (Verdict.Proof) stands over earlier trials a
// loaded machine slowed; a proven failure after a pass cannot arise, since a pass ends the
// trials, and an unproven pass after failures is still flaky.
func TestAProvenTrialStandsOverEarlierOnes(t *testing.T) {
	target := NewTarget("127.0.0.1:1")
	for _, tc := range []struct {
		name   string
		proof  bool
		want   Status
		inMsg  string
		trials []Status
	}{
		{"proven pass after failures", true, Pass, "trial 3 of 3", []Status{Fail, Fail, Pass}},
		{"unproven pass after failures", false, Flaky, "the 3 trials disagree", []Status{Fail, Fail, Pass}},
	} {
		n := 0
		c := fakeCheck("conform/test/proof", "concurrency")
		c.Level, c.Timing = Must, true
		c.Judge = func(*Observation) Verdict {
			n++
			if n < 3 {
				return violates("slow under load %d", n)
			}
			v := conforms("answered before the stall ended")
			v.Proof = tc.proof
			return v
		}
		r := Run(context.Background(), target, []*Check{c}, RunOptions{})[0]
		if r.Status != tc.want || !strings.Contains(r.Message, tc.inMsg) || !reflect.DeepEqual(r.Trials, tc.trials) {
			t.Errorf("%s: %s %v %q; want %s %v with %q", tc.name, r.Status, r.Trials, r.Message, tc.want, tc.trials, tc.inMsg)
		}
		if tc.proof && (!strings.HasPrefix(r.Message, "answered before the stall ended") || !strings.Contains(r.Message, "slow under load 2")) {
			t.Errorf("%s: the message must lead with the proving trial and keep the earlier ones: %q", tc.name, r.Message)
		}
	}
}

func TestRunRecordsTheFullFirstRequest(t *testing.T) {
	big := append(recTarget.post("/big", strings.Repeat("x", evidenceCap+100)), "tail"...)
	c := fakeCheck("conform/test/big", "framing")
	c.Observe = fixedObserve(obs(exch(big, badRequest(), false)), nil)
	r := Run(context.Background(), NewTarget("127.0.0.1:1"), []*Check{c}, RunOptions{})[0]
	if !bytes.Equal(r.Request, big) {
		t.Fatalf("Request holds %d bytes, want the %d sent", len(r.Request), len(big))
	}
	if len(r.Evidence[0].Request) >= len(big) {
		t.Errorf("evidence not capped: %d bytes", len(r.Evidence[0].Request))
	}
}

// startReference starts the reference gateway on addr ("" for a free port).
func startReference(t *testing.T, addr string) (*reference.Server, string) {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	s := reference.New(reference.Options{})
	// Make the state directory before Serve runs in its goroutine, as reference.Start
	// does: a check may Close the server before Serve got going.
	if _, err := s.StateDir(); err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return s, l.Addr().String()
}

// gateway is a front in miniature: each connection is relayed to upstream, or answered 502
// when upstream does not accept it.
func gateway(t *testing.T, upstream string) string {
	t.Helper()
	return failingGateway(t, upstream, 0)
}

// failingGateway is gateway answering its first fail connections 502 whatever upstream does.
func failingGateway(t *testing.T, upstream string, fail int32) string {
	t.Helper()
	var n atomic.Int32
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.DialTimeout("tcp", upstream, time.Second)
				if n.Add(1) <= fail && err == nil {
					u.Close()
					err = errors.New("failed on purpose")
				}
				if err != nil {
					c.Write([]byte("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
					return
				}
				defer u.Close()
				go io.Copy(u, c)
				io.Copy(c, u)
			}()
		}
	}()
	return l.Addr().String()
}

// killer is a check that stops the target from inside its observation, then tries to
// talk to it.
func killer(stop func()) *Check {
	c := fakeCheck("conform/test/killer", "framing")
	c.Observe = func(ctx context.Context, t *Target) (*Observation, error) {
		stop()
		x, err := t.Do(ctx, wire.Script{Steps: []wire.Step{{Data: t.get("/after-the-end")}}, Responses: 1, IdleTimeout: time.Second})
		if err != nil {
			return nil, err
		}
		return &Observation{Conns: []*Conn{{Label: "request", Exchange: x}}}, nil
	}
	return c
}

func realCheck(t *testing.T, id string) *Check {
	t.Helper()
	c, ok := Lookup(id)
	if !ok {
		t.Fatalf("no check %s", id)
	}
	return c
}

// TestPreflightBehindAFrontTriesAGatewayErrorAgain: a front may fail a request on an
// upstream connection the server had just closed; behind a front that is tried again, and
// a target without one stays judged by its first answer.
func TestPreflightBehindAFrontTriesAGatewayErrorAgain(t *testing.T) {
	_, addr := startReference(t, "")
	front := NewTarget(failingGateway(t, addr, 2))
	front.Front = "gateway"
	if _, err := Preflight(context.Background(), front); err != nil {
		t.Errorf("behind a front, two 502s then answers: %v", err)
	}
	if _, err := Preflight(context.Background(), NewTarget(failingGateway(t, addr, 1))); !errors.Is(err, ErrNotProbe) || !strings.Contains(err.Error(), "502") {
		t.Errorf("without a front named, a 502 is the answer: %v", err)
	}
}

func TestTargetThatDiesMidRun(t *testing.T) {
	before := realCheck(t, "pep3333/environ/wsgi-version")
	after := []*Check{realCheck(t, "pep3333/environ/url-scheme"), realCheck(t, "pep3333/environ/request-method")}

	t.Run("not revived: the rest is skipped", func(t *testing.T) {
		srv, addr := startReference(t, "")
		target := NewTarget(addr)
		rs := Run(context.Background(), target, append([]*Check{before, killer(func() { srv.Close() })}, after...), RunOptions{})
		if rs[0].Status != Pass {
			t.Fatalf("before: %s %s", rs[0].Status, rs[0].Message)
		}
		if rs[1].Status != Error || !strings.HasPrefix(rs[1].Message, TargetDied+":") || !strings.Contains(rs[1].Message, "target stopped accepting connections") {
			t.Fatalf("killer: %s %q", rs[1].Status, rs[1].Message)
		}
		for _, r := range rs[2:] {
			if r.Status != Skip || r.Message != "not run: the target died during conform/test/killer" {
				t.Errorf("%s after the death: %s %q", r.Check.ID, r.Status, r.Message)
			}
		}
	})

	t.Run("revived: the run goes on", func(t *testing.T) {
		srv, addr := startReference(t, "")
		target := NewTarget(addr)
		revived := 0
		rs := Run(context.Background(), target, append([]*Check{before, killer(func() { srv.Close() })}, after...), RunOptions{
			Revive: func(ctx context.Context) error {
				revived++
				startReference(t, addr)
				return nil
			},
		})
		if revived != 1 {
			t.Fatalf("revived %d times", revived)
		}
		if rs[1].Status != Error || !strings.HasPrefix(rs[1].Message, TargetDied+":") || !strings.Contains(rs[1].Message, "conform restarted it") {
			t.Fatalf("killer: %s %q", rs[1].Status, rs[1].Message)
		}
		for _, r := range rs[2:] {
			if r.Status != Pass {
				t.Errorf("%s after the restart: %s %q", r.Check.ID, r.Status, r.Message)
			}
		}
	})

	t.Run("behind a front, whose 502 is no sign of life", func(t *testing.T) {
		srv, addr := startReference(t, "")
		target := NewTarget(gateway(t, addr))
		target.Front = "gateway"
		revived := 0
		rs := Run(context.Background(), target, append([]*Check{before, killer(func() { srv.Close() })}, after...), RunOptions{
			Revive: func(ctx context.Context) error {
				revived++
				startReference(t, addr)
				return nil
			},
		})
		if revived != 1 || rs[1].Status != Error || !strings.Contains(rs[1].Message, "gateway answered 502") {
			t.Fatalf("revived %d times; killer: %s %q", revived, rs[1].Status, rs[1].Message)
		}
		for _, r := range rs[2:] {
			if r.Status != Pass {
				t.Errorf("%s after the restart: %s %q", r.Check.ID, r.Status, r.Message)
			}
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		nowhere := l.Addr().String()
		l.Close()
		if err := NewTarget(gateway(t, nowhere)).Alive(context.Background()); err != nil {
			t.Errorf("without a front named, any answer is a sign of life: %v", err)
		}
	})

	t.Run("revive fails", func(t *testing.T) {
		srv, addr := startReference(t, "")
		rs := Run(context.Background(), NewTarget(addr), append([]*Check{killer(func() { srv.Close() })}, after...), RunOptions{
			Revive: func(context.Context) error { return errors.New("no such server") },
		})
		if !strings.Contains(rs[0].Message, "restarting it failed: no such server") || rs[1].Status != Skip {
			t.Errorf("killer %q, next %s", rs[0].Message, rs[1].Status)
		}
	})

	t.Run("a closed connection alone is not a death", func(t *testing.T) {
		_, addr := startReference(t, "")
		rude := realCheck(t, "rfc9112/3/invalid-request-line") // the reference answers 400 and closes
		silent := fakeCheck("conform/test/silent", "framing")  // no response within the idle timeout
		silent.Observe = func(ctx context.Context, t *Target) (*Observation, error) {
			head := t.get("/never-finished")
			x, err := t.Do(ctx, wire.Script{Steps: []wire.Step{{Data: head[:len(head)-2]}}, Responses: 1, IdleTimeout: 100 * time.Millisecond})
			return &Observation{Conns: []*Conn{{Label: "request", Exchange: x}}}, err
		}
		rs := Run(context.Background(), NewTarget(addr), append([]*Check{rude, silent}, after...), RunOptions{})
		for _, r := range rs {
			if r.Status == Error || r.Status == Skip {
				t.Errorf("%s: %s %q", r.Check.ID, r.Status, r.Message)
			}
		}
	})
}

// TestRealServerKilledMidRunIsRestarted kills a real server's process group from inside a
// check and lets the harness restart it.
func TestRealServerKilledMidRunIsRestarted(t *testing.T) {
	s, err := harness.Lookup("wsgiref")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Installed(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("wsgiref not installed in CI: %v", err)
		}
		t.Skipf("wsgiref not installed: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	in, err := harness.Start(ctx, s, harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	target := NewTarget(in.Addr)
	if _, err := Preflight(ctx, target); err != nil {
		t.Fatal(err)
	}
	firstPID := in.PID
	kill := killer(func() {
		syscall.Kill(-in.PID, syscall.SIGKILL)
		for in.Alive() {
			time.Sleep(10 * time.Millisecond)
		}
	})
	checks := []*Check{realCheck(t, "pep3333/environ/wsgi-version"), kill, realCheck(t, "pep3333/environ/url-scheme")}
	rs := Run(ctx, target, checks, RunOptions{Revive: in.Restart})
	if rs[1].Status != Error || !strings.HasPrefix(rs[1].Message, TargetDied) || !strings.Contains(rs[1].Message, "restarted") {
		t.Fatalf("killer: %s %q", rs[1].Status, rs[1].Message)
	}
	if rs[0].Status != Pass || rs[2].Status != Pass {
		t.Errorf("before %s %q, after %s %q", rs[0].Status, rs[0].Message, rs[2].Status, rs[2].Message)
	}
	if !in.Alive() || in.PID == firstPID {
		t.Errorf("server not restarted: alive %v, pid %d (was %d)", in.Alive(), in.PID, firstPID)
	}
	if !strings.Contains(string(in.Log()), "restarting wsgiref") {
		t.Errorf("server log lacks the restart marker:\n%s", in.Log())
	}
}

func TestPreflightCalibratesTheRoundTrip(t *testing.T) {
	_, addr := startReference(t, "")
	target := NewTarget(addr)
	e, err := Preflight(context.Background(), target)
	if err != nil || e.Probe != "conform-probe" {
		t.Fatalf("preflight: %v", err)
	}
	if target.RTT <= 0 || target.RTT > time.Second {
		t.Fatalf("RTT %v after preflight", target.RTT)
	}
	// The slack is a few round trips and lengthens timeouts, never the stimulus delays.
	if got := target.slack(); got != rttSlack*target.RTT {
		t.Errorf("slack %v", got)
	}
	// A slow target: every echo is answered after 30ms; the median says so.
	slow := slowEchoServer(t, 30*time.Millisecond)
	st := NewTarget(slow)
	if _, err := Preflight(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	if st.RTT < 30*time.Millisecond || st.RTT > time.Second {
		t.Errorf("RTT %v against a server that takes 30ms", st.RTT)
	}
}

// slowEchoServer answers every request with a minimal echo after delay, then closes.
func slowEchoServer(t *testing.T, delay time.Duration) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	body := fmt.Sprintf(`{"probe":"conform-probe","version":%d,"environ":{}}`, probes.Version)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				c.Read(buf)
				time.Sleep(delay)
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n" + body))
			}()
		}
	}()
	return l.Addr().String()
}

// A --timeout shorter than the checks' own waits never makes the reference fail: a check
// it cuts short is an error naming the flag, and passes again with the default timeout.
func TestShortCheckTimeoutIsNeverTheTargetsFailure(t *testing.T) {
	_, addr := startReference(t, "")
	target := NewTarget(addr)
	if _, err := Preflight(context.Background(), target); err != nil {
		t.Fatal(err)
	}
	var cut []*Check
	for _, r := range Run(context.Background(), target, All(), RunOptions{CheckTimeout: 100 * time.Millisecond}) {
		switch {
		case r.Status == Error && strings.Contains(r.Message, "--timeout"):
			cut = append(cut, r.Check)
			if len(r.Trials) > 0 || strings.Contains(r.Message, "disagree") {
				t.Errorf("%s: a cut-short trial was combined with others: %q", r.Check.ID, r.Message)
			}
		case r.Status == Skip && r.Facts.SkippedFor != "":
		case overTLSOnly(r):
		case r.Status != Pass:
			t.Errorf("%s with --timeout 100ms: %s %q; want pass, or an error naming --timeout", r.Check.ID, r.Status, r.Message)
		}
	}
	if len(cut) == 0 {
		t.Fatal("no check needs more than 100ms: the test shows nothing")
	}
	for _, r := range Run(context.Background(), target, cut, RunOptions{}) {
		if r.Status != Pass && !overTLSOnly(r) {
			t.Errorf("%s with the default timeout: %s %q", r.Check.ID, r.Status, r.Message)
		}
	}
}

// An exchange the check's deadline cut off looks like a silent server; the result is an
// error about the time limit, not the MUST failure the judge would see, and keeps the
// evidence of what was sent.
func TestCheckCutByItsDeadlineIsAnError(t *testing.T) {
	_, addr := startReference(t, "")
	c := fakeCheck("conform/test/unfinished", "framing")
	c.Observe = func(ctx context.Context, t *Target) (*Observation, error) {
		head := t.get("/never-finished")
		x, err := t.Do(ctx, wire.Script{Steps: []wire.Step{{Data: head[:len(head)-2]}}, Responses: 1, IdleTimeout: 5 * time.Second})
		return &Observation{Conns: []*Conn{{Label: "request", Exchange: x}}}, err
	}
	c.Judge = func(*Observation) Verdict { return violates("no answer") }
	for _, r := range []*Result{
		RunOne(context.Background(), NewTarget(addr), c, 100*time.Millisecond),
		Run(context.Background(), NewTarget(addr), []*Check{c}, RunOptions{CheckTimeout: 100 * time.Millisecond})[0],
	} {
		if r.Status != Error || !strings.Contains(r.Message, "check timed out after 100ms") || !strings.Contains(r.Message, "--timeout") {
			t.Errorf("status %s %q; want an error naming --timeout", r.Status, r.Message)
		}
		if len(r.Evidence) != 1 || !strings.Contains(string(r.Request), "/never-finished") {
			t.Errorf("evidence %d, request %q", len(r.Evidence), r.Request)
		}
	}
}

// trialCheck is a timing check whose k-th trial (from 1) runs observe(k, ctx) and whose
// verdicts are outcomes[k-1].
func trialCheck(observe func(k int, ctx context.Context) error, outcomes ...Outcome) (*Check, *int) {
	n := new(int)
	c := fakeCheck("conform/test/trials", "concurrency")
	c.Timing = true
	c.Observe = func(ctx context.Context, _ *Target) (*Observation, error) {
		*n++
		if err := observe(*n, ctx); err != nil {
			return nil, err
		}
		return obs(), nil
	}
	c.Judge = func(*Observation) Verdict {
		return Verdict{Outcome: outcomes[min(*n, len(outcomes))-1], Message: fmt.Sprintf("trial %d", *n)}
	}
	return c, n
}

func TestInterruptedTrialsAreNotRun(t *testing.T) {
	target := NewTarget("127.0.0.1:1")
	for _, tc := range []struct {
		name     string
		cutAt    int // the trial during which the run is interrupted
		outcomes []Outcome
		trials   int
	}{
		{"a timing check interrupted in its second trial", 2, []Outcome{Violates, Conforms}, 3},
		{"interrupted in its third trial", 3, []Outcome{Violates, Violates, Conforms}, 3},
		{"a check interrupted in its only trial", 1, []Outcome{Violates}, 1},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		c, calls := trialCheck(func(k int, ctx context.Context) error {
			if k == tc.cutAt {
				cancel() // Ctrl-C: the observation ends early, with what it saw so far
			}
			return nil
		}, tc.outcomes...)
		next := fakeCheck("conform/test/next", "concurrency")
		rs := Run(ctx, target, []*Check{c, next}, RunOptions{Trials: tc.trials})
		cancel()
		if r := rs[0]; r.Status != Skip || r.Message != Interrupted || r.Trials != nil || *calls != tc.cutAt {
			t.Errorf("%s: %s %q trials %v after %d calls; want skip %q", tc.name, r.Status, r.Message, r.Trials, *calls, Interrupted)
		}
		if rs[1].Status != Skip || rs[1].Message != Interrupted {
			t.Errorf("%s: next check %s %q", tc.name, rs[1].Status, rs[1].Message)
		}
	}

	// RunOne says the same.
	ctx, cancel := context.WithCancel(context.Background())
	c, _ := trialCheck(func(int, context.Context) error { cancel(); return nil }, Violates)
	if r := RunOne(ctx, target, c, time.Second); r.Status != Skip || r.Message != Interrupted {
		t.Errorf("RunOne interrupted: %s %q", r.Status, r.Message)
	}
}

// A trial that runs out of the check's time has no verdict: the check is that error, not
// flaky beside the trials that finished.
func TestTrialCutByTheTimeoutIsNotFlaky(t *testing.T) {
	_, addr := startReference(t, "")
	c, calls := trialCheck(func(k int, ctx context.Context) error {
		if k == 2 {
			<-ctx.Done()
		}
		return nil
	}, Violates, Conforms)
	r := Run(context.Background(), NewTarget(addr), []*Check{c}, RunOptions{CheckTimeout: 50 * time.Millisecond})[0]
	if r.Status != Error || !strings.Contains(r.Message, "trial 2") || !strings.Contains(r.Message, "--timeout") || r.Trials != nil || *calls != 2 {
		t.Errorf("%s %q trials %v after %d calls; want an error naming --timeout", r.Status, r.Message, r.Trials, *calls)
	}
}

// forwarder relays every connection to addr, as a container's published port does, and
// returns the address it listens on.
func forwarder(t *testing.T, addr string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			go relay(in, addr)
		}
	}()
	return l.Addr().String()
}

// relay copies both ways between in and a new connection to addr, passing half-closes on,
// until both directions end or a minute passes.
func relay(in net.Conn, addr string) {
	defer in.Close()
	out, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		return
	}
	defer out.Close()
	deadline := time.Now().Add(time.Minute)
	in.SetDeadline(deadline)
	out.SetDeadline(deadline)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		io.Copy(dst, src)
		dst.(*net.TCPConn).CloseWrite()
		done <- struct{}{}
	}
	go pipe(out, in)
	go pipe(in, out)
	<-done
	<-done
}

func TestTargetBehindAMappedPort(t *testing.T) {
	_, addr := startReference(t, "")
	_, port, _ := net.SplitHostPort(addr)
	published := forwarder(t, addr)
	environ, err := Select(All(), []string{"environ"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const id = "pep3333/environ/server-name-port"

	// Without the server's own port, SERVER_PORT fails as before.
	r := RunOne(context.Background(), NewTarget(published), realCheck(t, id), 0)
	if r.Status != Fail || !strings.Contains(r.Message, "--server-port") {
		t.Errorf("no --server-port: %s %q", r.Status, r.Message)
	}

	// With it, the whole environ area passes through the mapping, Host header included.
	target := NewTarget(published)
	target.ServerPort, _ = strconv.Atoi(port)
	if _, err := Preflight(context.Background(), target); err != nil {
		t.Fatal(err)
	}
	for _, r := range Run(context.Background(), target, environ, RunOptions{}) {
		if r.Status != Pass && !overTLSOnly(r) {
			t.Errorf("%s through the mapped port: %s %q", r.Check.ID, r.Status, r.Message)
		}
	}
	if h := target.host(); h != addr {
		t.Errorf("Host header %q, want the server's own address %q", h, addr)
	}
}

// overTLSOnly says r is the skip of a check that applies only over TLS, run over plain TCP.
func overTLSOnly(r *Result) bool {
	return r.Check.OverTLS && r.Status == Skip && r.Facts.Proto != ""
}
